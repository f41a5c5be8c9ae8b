import numpy as np
import pytest

import framework
from framework.optim import Adam, AdamW
from .optim_reference import PROBLEMS, assert_same_history, cases, framework_run, reference_run


@pytest.mark.parametrize("options, problem", cases("AdamW"))
def test_ten_steps_match_reference_equations(options, problem):
    problem = PROBLEMS[problem]()
    assert_same_history(framework_run(AdamW, options, problem), reference_run("AdamW", options, problem))


@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_identical_to_adam_with_decoupled_weight_decay(problem):
    problem = PROBLEMS[problem]()
    options = {"lr": 0.1, "weight_decay": 0.1}
    adamw = framework_run(AdamW, options, problem)
    adam = framework_run(Adam, dict(options, decoupled_weight_decay=True), problem)
    for a, b in zip(adamw, adam):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)


def test_decay_is_applied_to_the_param_before_the_moments():
    # With a zero gradient the moments stay 0, so the only change is p * (1 - lr * wd).
    w = framework.tensor([2.0], dtype=framework.float64, requires_grad=True)
    w.grad = framework.zeros(1, dtype=framework.float64)
    opt = AdamW([w], lr=0.1, weight_decay=0.5)
    opt.step()
    assert w.item() == 2.0 * (1 - 0.1 * 0.5)
    assert opt.state[w]["exp_avg"].item() == 0.0


def test_defaults_and_group():
    opt = AdamW([framework.zeros(1, requires_grad=True)])
    group = opt.param_groups[0]
    assert group["weight_decay"] == 1e-2 and group["decoupled_weight_decay"] is True
    assert group["lr"] == 1e-3 and group["betas"] == (0.9, 0.999) and group["eps"] == 1e-8


def test_loading_a_coupled_state_dict_keeps_it_decoupled():
    w = framework.zeros(1, requires_grad=True)
    sd = Adam([w]).state_dict()
    opt = AdamW([w])
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


def test_invalid_beta():
    with pytest.raises(ValueError, match="Invalid beta parameter at index 0: 1.5"):
        AdamW([framework.zeros(1, requires_grad=True)], betas=(1.5, 0.9))
