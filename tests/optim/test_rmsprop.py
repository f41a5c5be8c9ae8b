import pytest

import framework
from framework.optim import RMSprop
from .optim_reference import PROBLEMS, assert_same_history, cases, framework_run, reference_run


@pytest.mark.parametrize("options, problem", cases("RMSprop"))
def test_ten_steps_match_reference_equations(options, problem):
    problem = PROBLEMS[problem]()
    assert_same_history(framework_run(RMSprop, options, problem), reference_run("RMSprop", options, problem))


@pytest.mark.parametrize("options, keys", [
    ({}, ["step", "square_avg"]),
    ({"momentum": 0.9}, ["step", "square_avg", "momentum_buffer"]),
    ({"centered": True}, ["step", "square_avg", "grad_avg"]),
    ({"momentum": 0.9, "centered": True}, ["step", "square_avg", "momentum_buffer", "grad_avg"]),
])
def test_state_keys(options, keys):
    w = framework.ones(2, requires_grad=True)
    opt = RMSprop([w], **options)
    w.grad = framework.ones(2)
    opt.step()
    assert list(opt.state_dict()["state"][0]) == keys
    assert opt.state[w]["step"].dtype == framework.float32 and opt.state[w]["step"].item() == 1.0


def test_defaults():
    group = RMSprop([framework.zeros(1, requires_grad=True)]).param_groups[0]
    assert (group["lr"], group["alpha"], group["eps"], group["weight_decay"], group["momentum"],
            group["centered"]) == (1e-2, 0.99, 1e-8, 0, 0, False)


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -0.1}, "Invalid learning rate: -0.1"),
    ({"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ({"momentum": -0.9}, "Invalid momentum value: -0.9"),
    ({"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    ({"alpha": -0.5}, "Invalid alpha value: -0.5"),
])
def test_invalid_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RMSprop([framework.zeros(1, requires_grad=True)], **kwargs)
