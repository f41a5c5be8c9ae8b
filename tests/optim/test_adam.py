import numpy as np
import pytest

import framework
from framework.optim import Adam
from .optim_reference import PROBLEMS, assert_same_history, cases, framework_run, reference_run


@pytest.mark.parametrize("options, problem", cases("Adam"))
def test_ten_steps_match_reference_equations(options, problem):
    problem = PROBLEMS[problem]()
    assert_same_history(framework_run(Adam, options, problem), reference_run("Adam", options, problem))


def test_state_after_one_step_recorded():
    # Reference §14.4: {0: {'step': tensor(1.), 'exp_avg': [0.1, 0.1], 'exp_avg_sq': [0.001, 0.001]}}.
    w = framework.tensor([1.0, 1.0], requires_grad=True)
    opt = Adam([w])
    w.grad = framework.ones(2)
    opt.step()
    state = opt.state_dict()["state"]
    assert list(state) == [0] and list(state[0]) == ["step", "exp_avg", "exp_avg_sq"]
    step = state[0]["step"]
    assert isinstance(step, framework.Tensor) and step.shape == () and step.dtype == framework.float32
    assert step.item() == 1.0
    np.testing.assert_allclose(state[0]["exp_avg"].numpy(), [0.1, 0.1], rtol=1e-6)
    np.testing.assert_allclose(state[0]["exp_avg_sq"].numpy(), [0.001, 0.001], rtol=1e-6)


def test_amsgrad_keeps_max_second_moment():
    w = framework.tensor([1.0], dtype=framework.float64, requires_grad=True)
    opt = Adam([w], amsgrad=True)
    for g in (2.0, 0.0):
        w.grad = framework.tensor([g], dtype=framework.float64)
        opt.step()
    state = opt.state[w]
    assert state["max_exp_avg_sq"].item() == pytest.approx(0.001 * 4)
    assert state["exp_avg_sq"].item() < state["max_exp_avg_sq"].item()


def test_param_group_keys_recorded():
    opt = Adam([framework.zeros(2, requires_grad=True)])
    assert set(opt.state_dict()["param_groups"][0]) == {
        "lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "foreach", "capturable", "differentiable",
        "fused", "decoupled_weight_decay", "params"}


def test_defaults():
    group = Adam([framework.zeros(1, requires_grad=True)]).param_groups[0]
    assert (group["lr"], group["betas"], group["eps"], group["weight_decay"], group["amsgrad"],
            group["decoupled_weight_decay"]) == (1e-3, (0.9, 0.999), 1e-8, 0, False, False)


def test_l2_weight_decay_differs_from_decoupled():
    problem = PROBLEMS["quadratic"]()
    l2 = framework_run(Adam, {"lr": 0.1, "weight_decay": 0.1}, problem, steps=3)
    decoupled = framework_run(Adam, {"lr": 0.1, "weight_decay": 0.1, "decoupled_weight_decay": True}, problem,
                              steps=3)
    assert np.abs(l2[-1][0] - decoupled[-1][0]).max() > 1e-3


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -0.1}, "Invalid learning rate: -0.1"),
    ({"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    ({"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    ({"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    ({"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
])
def test_invalid_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Adam([framework.zeros(1, requires_grad=True)], **kwargs)
