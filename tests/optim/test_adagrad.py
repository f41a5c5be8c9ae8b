import numpy as np
import pytest

import framework
from framework.optim import Adagrad
from .optim_reference import PROBLEMS, assert_same_history, cases, framework_run, reference_run


@pytest.mark.parametrize("options, problem", cases("Adagrad"))
def test_ten_steps_match_reference_equations(options, problem):
    problem = PROBLEMS[problem]()
    assert_same_history(framework_run(Adagrad, options, problem), reference_run("Adagrad", options, problem))


def test_state_is_created_by_the_constructor():
    w = framework.ones(3, requires_grad=True)
    opt = Adagrad([w], initial_accumulator_value=0.25)
    state = opt.state_dict()["state"]
    assert list(state[0]) == ["step", "sum"]
    assert state[0]["step"].item() == 0.0 and state[0]["step"].dtype == framework.float32
    assert state[0]["sum"].tolist() == [0.25, 0.25, 0.25]


def test_group_added_later_gets_state_on_its_first_step():
    w, b = framework.ones(2, requires_grad=True), framework.ones(1, requires_grad=True)
    opt = Adagrad([w], lr=0.1, initial_accumulator_value=0.5)
    opt.add_param_group({"params": [b], "lr": 0.2})
    w.grad, b.grad = framework.ones(2), framework.ones(1)
    opt.step()
    assert opt.state[b]["step"].item() == 1.0
    np.testing.assert_allclose(opt.state[b]["sum"].numpy(), [1.5])
    np.testing.assert_allclose(b.detach().numpy(), [1.0 - 0.2 / (np.sqrt(1.5) + 1e-10)], rtol=1e-6)


def test_defaults():
    group = Adagrad([framework.zeros(1, requires_grad=True)]).param_groups[0]
    assert (group["lr"], group["lr_decay"], group["weight_decay"], group["initial_accumulator_value"],
            group["eps"]) == (1e-2, 0, 0, 0, 1e-10)


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -0.1}, "Invalid learning rate: -0.1"),
    ({"lr_decay": -0.1}, "Invalid lr_decay value: -0.1"),
    ({"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    ({"initial_accumulator_value": -0.1}, "Invalid initial_accumulator_value value: -0.1"),
    ({"eps": -0.1}, "Invalid epsilon value: -0.1"),
])
def test_invalid_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Adagrad([framework.zeros(1, requires_grad=True)], **kwargs)
