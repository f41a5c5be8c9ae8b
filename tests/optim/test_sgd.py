import numpy as np
import pytest

import framework
from framework.optim import SGD
from .optim_reference import PROBLEMS, assert_same_history, cases, framework_run, reference_run


@pytest.mark.parametrize("options, problem", cases("SGD"))
def test_ten_steps_match_reference_equations(options, problem):
    problem = PROBLEMS[problem]()
    assert_same_history(framework_run(SGD, options, problem), reference_run("SGD", options, problem))


def test_zero_grad_still_gets_weight_decay_recorded():
    # Reference §1.5: SGD(lr=0.1, weight_decay=0.5) with grad = zeros moves 1.0 -> 0.95.
    w = framework.tensor([1.0], requires_grad=True)
    w.grad = framework.zeros(1)
    SGD([w], lr=0.1, weight_decay=0.5).step()
    assert w.item() == pytest.approx(0.95)


def test_first_momentum_step_has_no_dampening():
    w = framework.tensor([1.0, 2.0], dtype=framework.float64, requires_grad=True)
    opt = SGD([w], lr=0.1, momentum=0.9, dampening=0.5)
    w.grad = framework.tensor([0.5, -1.0], dtype=framework.float64)
    opt.step()
    np.testing.assert_array_equal(w._data, np.array([1.0, 2.0]) - 0.1 * np.array([0.5, -1.0]))
    np.testing.assert_array_equal(opt.state[w]["momentum_buffer"]._data, [0.5, -1.0])
    opt.step()  # second step: buf = 0.9 * buf + 0.5 * g
    np.testing.assert_allclose(opt.state[w]["momentum_buffer"]._data, 0.9 * np.array([0.5, -1.0])
                               + 0.5 * np.array([0.5, -1.0]), rtol=1e-15)


def test_state_dict_layout_recorded():
    w = framework.tensor([1.0, 1.0], requires_grad=True)
    b = framework.tensor([1.0], requires_grad=True)
    opt = SGD([w, b], lr=0.1, momentum=0.9)
    assert opt.state_dict() == {"state": {}, "param_groups": [
        {"lr": 0.1, "momentum": 0.9, "dampening": 0, "weight_decay": 0, "nesterov": False, "maximize": False,
         "foreach": None, "differentiable": False, "fused": None, "params": [0, 1]}]}
    w.grad, b.grad = framework.ones(2), framework.ones(1)
    opt.step()
    state = opt.state_dict()["state"]
    assert sorted(state) == [0, 1] and list(state[0]) == ["momentum_buffer"]
    assert state[0]["momentum_buffer"].tolist() == [1.0, 1.0]
    assert state[1]["momentum_buffer"].tolist() == [1.0]
    assert isinstance(state[0]["momentum_buffer"], framework.Tensor)


def test_without_momentum_state_stays_empty():
    w = framework.tensor([1.0, 1.0], requires_grad=True)
    opt = SGD([w], lr=0.1)
    w.grad = framework.ones(2)
    opt.step()
    assert opt.state_dict()["state"] == {} and len(opt.state) == 0


def test_defaults():
    opt = SGD([framework.zeros(1, requires_grad=True)])
    group = opt.param_groups[0]
    assert (group["lr"], group["momentum"], group["dampening"], group["weight_decay"], group["nesterov"],
            group["maximize"]) == (1e-3, 0, 0, 0, False, False)


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -0.1}, "Invalid learning rate: -0.1"),
    ({"momentum": -0.5}, "Invalid momentum value: -0.5"),
    ({"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ({"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    ({"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "Nesterov momentum requires a momentum and zero dampening"),
])
def test_invalid_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SGD([framework.zeros(1, requires_grad=True)], **kwargs)


def test_invalid_hyperparameter_in_a_group_is_rejected():
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        SGD([{"params": [framework.zeros(1, requires_grad=True)], "lr": -1}], lr=0.1)
