"""The Optimizer base: construction, param groups, errors, zero_grad, step, state_dict, repr; for every optimiser."""
import copy
import tracemalloc
import warnings

import numpy as np
import pytest

import framework
from framework.autograd.tensor import Tensor
from framework.optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop, required
from .optim_reference import PROBLEMS, assert_same_history, reference_run, run_one_step

ALL = [SGD, Adam, AdamW, RMSprop, Adagrad]
# Options that switch every state buffer and code path on.
FULL_OPTIONS = {
    SGD: {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1, "maximize": True},
    Adam: {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1, "maximize": True},
    AdamW: {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1, "maximize": True},
    RMSprop: {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1, "maximize": True},
    Adagrad: {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.1, "initial_accumulator_value": 0.1, "maximize": True},
}
optimizers = pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)


def leaf(*values, dtype=framework.float32):
    return framework.tensor(list(values), dtype=dtype, requires_grad=True)


def params_of(problem, dtype=np.float64):
    return [Tensor(p.astype(dtype), requires_grad=True) for p in problem.initial]


# ------------------------------------------------------------------------------------------------ construction
def test_empty_parameter_list():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        SGD([], lr=0.1)


def test_a_single_tensor_is_not_an_iterable_of_params():
    with pytest.raises(TypeError, match="params argument given to the optimizer should be an iterable of Tensors "
                                        "or dicts, but got framework.FloatTensor"):
        SGD(leaf(1.0), lr=0.1)


def test_non_leaf_parameter():
    w = leaf(1.0, 2.0)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        SGD([w * 2], lr=0.1)


def test_non_tensor_parameter():
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is numpy.ndarray"):
        SGD([np.zeros(2)], lr=0.1)


def test_same_parameter_in_two_groups():
    w = leaf(1.0)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        SGD([{"params": [w]}, {"params": [w], "lr": 0.5}], lr=0.1)


def test_duplicate_parameter_in_one_group_warns():
    w = leaf(1.0)
    with pytest.warns(UserWarning, match="optimizer contains a parameter group with duplicate parameters; in future, "
                                         "this will cause an error"):
        SGD([w, w], lr=0.1)


def test_a_set_of_params_warns_and_a_set_in_a_group_is_an_error():
    w = leaf(1.0)
    with pytest.warns(FutureWarning, match="optimizer parameters need to be organized in ordered collections"):
        SGD({w}, lr=0.1)
    with pytest.raises(TypeError, match="optimizer parameters need to be organized in ordered collections"):
        SGD([{"params": {w}}], lr=0.1)


def test_param_group_must_be_a_dict_with_params():
    opt = SGD([leaf(1.0)], lr=0.1)
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([leaf(2.0)])
    with pytest.raises(KeyError, match="'params'"):
        opt.add_param_group({"lr": 0.1})


def test_required_hyperparameter_of_a_custom_optimizer():
    class Custom(Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, {"lr": lr})

    assert repr(required) == "<required parameter>"
    with pytest.raises(ValueError, match="parameter group didn't specify a value of required optimization parameter lr"):
        Custom([leaf(1.0)])
    assert Custom([{"params": [leaf(1.0)], "lr": 0.3}]).param_groups[0]["lr"] == 0.3


def test_a_custom_optimizer_must_say_how_to_step():
    class Incomplete(Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1})

    with pytest.raises(NotImplementedError, match="Incomplete does not implement _step_group"):
        Incomplete([leaf(1.0)]).step()


def test_unsupported_implementation_flags():
    with pytest.raises(NotImplementedError, match="differentiable=True is not supported"):
        SGD([leaf(1.0)], differentiable=True)
    with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True` together."):
        Adam([leaf(1.0)], fused=True, foreach=True)
    Adam([leaf(1.0)], foreach=True)  # accepted: there is a single numpy implementation


def test_per_group_options_recorded():
    # Reference §14.4: groups [(0.1, 0.9, 1), (0.5, 0.9, 1)].
    a, b = leaf(1.0), leaf(2.0)
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [(g["lr"], g["momentum"], len(g["params"])) for g in opt.param_groups] == [(0.1, 0.9, 1), (0.5, 0.9, 1)]


def test_add_param_group_fills_defaults():
    a, b = leaf(1.0), leaf(2.0)
    opt = SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [b], "lr": 0.01})
    group = opt.param_groups[1]
    assert group["lr"] == 0.01 and group["momentum"] == 0.9 and group["params"] == [b]
    assert set(group) == set(opt.param_groups[0])


def test_a_group_may_hold_a_single_tensor():
    a = leaf(1.0)
    opt = SGD([{"params": a}], lr=0.1)
    assert opt.param_groups[0]["params"][0] is a


def test_named_parameters():
    a, b = leaf(1.0), leaf(2.0)
    opt = SGD([("weight", a), ("bias", b)], lr=0.1)
    assert opt.param_groups[0]["params"] == [a, b]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]
    with pytest.raises(ValueError, match="all optimizer param groups should be with/without names"):
        opt.add_param_group({"params": [leaf(3.0)]})


# ------------------------------------------------------------------------------------------------ step / zero_grad
def test_step_returns_the_closure_loss_and_runs_it_with_grad_enabled():
    w = leaf(1.0, 2.0)
    opt = SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with framework.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_allclose(w.detach().numpy(), [0.8, 1.6], rtol=1e-6)


def test_step_does_not_touch_grad():
    w = leaf(1.0, 2.0)
    w.grad = framework.tensor([0.5, 0.5])
    grad = w.grad
    SGD([w], lr=0.1, momentum=0.9, weight_decay=0.1, maximize=True).step()
    assert w.grad is grad and w.grad.tolist() == [0.5, 0.5]


def test_zero_grad_sets_to_none_by_default():
    w = leaf(1.0, 2.0)
    w.grad = framework.ones(2)
    opt = SGD([w], lr=0.1)
    opt.zero_grad()
    assert w.grad is None


def test_zero_grad_without_set_to_none_zeroes_in_place():
    w = leaf(1.0, 2.0)
    w.grad = framework.ones(2)
    grad = w.grad
    SGD([w], lr=0.1).zero_grad(set_to_none=False)
    assert w.grad is grad and w.grad.tolist() == [0.0, 0.0]


def test_zero_grad_detaches_a_grad_that_has_a_graph():
    w = leaf(1.0, 2.0)
    (w.grad,) = framework.autograd.grad((w ** 3).sum(), [w], create_graph=True)
    assert w.grad.grad_fn is not None
    SGD([w], lr=0.1).zero_grad(set_to_none=False)
    assert w.grad.grad_fn is None and not w.grad.requires_grad and w.grad.tolist() == [0.0, 0.0]


def test_zero_grad_replaces_a_read_only_grad():
    w = leaf(1.0, 2.0)
    w.grad = Tensor(np.broadcast_to(np.float32(1.0), (2,)))
    SGD([w], lr=0.1).zero_grad(set_to_none=False)
    assert w.grad.tolist() == [0.0, 0.0]


def test_editing_lr_takes_effect_immediately():
    w = leaf(1.0, dtype=framework.float64)
    opt = SGD([w], lr=0.1)
    opt.param_groups[0]["lr"] = 0.5
    w.grad = framework.ones(1, dtype=framework.float64)
    opt.step()
    assert w.item() == 0.5


@optimizers
def test_none_grad_is_skipped(cls):
    w, skipped = leaf(1.0, 2.0), leaf(3.0, 4.0)
    opt = cls([w, skipped], **FULL_OPTIONS[cls])
    before = copy.deepcopy(opt.state_dict()["state"].get(1))
    for _ in range(3):
        w.grad = framework.ones(2)
        opt.step()
    assert skipped.tolist() == [3.0, 4.0]
    assert w.tolist() != [1.0, 2.0]
    if cls is Adagrad:  # its state is created by the constructor, and must stay untouched
        after = opt.state_dict()["state"][1]
        assert after["step"].item() == before["step"].item() == 0.0
        assert after["sum"].tolist() == before["sum"].tolist()
    else:
        assert skipped not in opt.state


@optimizers
def test_zero_grad_is_decayed(cls):
    options = dict(FULL_OPTIONS[cls], maximize=False)
    w = leaf(1.0, 2.0)
    w.grad = framework.zeros(2)
    cls([w], **options).step()
    assert all(abs(new) < abs(old) for new, old in zip(w.tolist(), [1.0, 2.0]))


@optimizers
def test_step_bumps_the_version_counter(cls):
    w, skipped = leaf(1.0), leaf(2.0)
    opt = cls([w, skipped], **FULL_OPTIONS[cls])
    w.grad = framework.ones(1)
    v_w, v_skipped = w._version, skipped._version
    opt.step()
    assert w._version == v_w + 1 and skipped._version == v_skipped


@optimizers
def test_param_groups_with_different_lr_and_weight_decay(cls):
    """Each group follows the reference equations with its own hyper-parameters."""
    problem = PROBLEMS["mlp"]()
    params = params_of(problem)
    base = FULL_OPTIONS[cls]
    half = len(params) // 2
    groups = [{"params": params[:half], "lr": base["lr"], "weight_decay": 0.0},
              {"params": params[half:], "lr": base["lr"] / 4, "weight_decay": 0.3}]
    opt = cls(groups, **{k: v for k, v in base.items() if k not in ("lr", "weight_decay")})
    history = []
    for _ in range(10):
        run_one_step(opt, params, problem)
        history.append([p._data.copy() for p in params])
    per_param = [dict(base, lr=g["lr"], weight_decay=g["weight_decay"]) for g in groups for _ in g["params"]]
    assert_same_history(history, reference_run(cls.__name__, per_param, problem))


# ------------------------------------------------------------------------------------------------ dtypes and memory
@optimizers
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_for_params_and_state(cls, dtype):
    options = {k: (np.float64(v) if isinstance(v, float) else v) for k, v in FULL_OPTIONS[cls].items()}
    w = Tensor(np.array([1.0, -2.0, 3.0], dtype=dtype), requires_grad=True)
    opt = cls([w], **options)
    for _ in range(3):
        w.grad = Tensor(np.array([0.5, 0.25, -1.0], dtype=dtype))
        opt.step()
    assert w._data.dtype == dtype
    for name, value in opt.state[w].items():
        if name != "step":
            assert value._data.dtype == dtype, name


def test_float32_run_tracks_the_float64_reference():
    problem = PROBLEMS["mlp"]()
    params = params_of(problem, np.float32)
    opt = Adam(params, lr=0.01)
    for _ in range(10):
        run_one_step(opt, params, problem)
    expected = reference_run("Adam", {"lr": 0.01}, problem)[-1]
    for p, want in zip(params, expected):
        np.testing.assert_allclose(p._data, want, rtol=1e-4, atol=1e-5)


@optimizers
def test_a_step_allocates_no_parameter_sized_array(cls):
    size = 20_000
    params = [Tensor(np.linspace(-1.0, 1.0, size), requires_grad=True) for _ in range(3)]
    for p in params:
        p.grad = Tensor(np.cos(p._data))
    opt = cls(params, **FULL_OPTIONS[cls])
    opt.step()  # the first step allocates the state and the scratch buffers
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < params[0]._data.nbytes / 4


# ------------------------------------------------------------------------------------------------ state_dict
@optimizers
@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_state_dict_round_trip_mid_run_equals_an_uninterrupted_run(cls, problem):
    problem = PROBLEMS[problem]()
    options = FULL_OPTIONS[cls]
    params = params_of(problem)
    opt = cls(params, **options)
    for _ in range(4):
        run_one_step(opt, params, problem)
    saved_state = copy.deepcopy(opt.state_dict())
    saved_params = [p._data.copy() for p in params]
    for _ in range(6):
        run_one_step(opt, params, problem)

    resumed = [Tensor(p, requires_grad=True) for p in saved_params]
    other = {"lr": 0.5} if cls is not Adagrad else {"lr": 0.5, "initial_accumulator_value": 3.0}
    opt2 = cls(resumed, **other)
    opt2.load_state_dict(saved_state)
    for _ in range(6):
        run_one_step(opt2, resumed, problem)
    for a, b in zip(params, resumed):
        np.testing.assert_array_equal(a._data, b._data)


def test_load_state_dict_replaces_hyperparameters_recorded():
    # Reference §14.4: lr 0.5 -> 0.1, momentum 0 -> 0.9.
    w = leaf(1.0)
    sd = SGD([w], lr=0.1, momentum=0.9).state_dict()
    opt = SGD([leaf(1.0)], lr=0.5)
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0.9


def test_loaded_state_is_a_copy_in_the_params_dtype():
    w = leaf(1.0, 2.0, dtype=framework.float64)
    opt = Adam([w])
    w.grad = framework.ones(2, dtype=framework.float64)
    opt.step()
    sd = opt.state_dict()
    target = leaf(1.0, 2.0)
    opt2 = Adam([target])
    opt2.load_state_dict(sd)
    loaded = opt2.state[target]
    assert loaded["exp_avg"].dtype == framework.float32 and loaded["step"].item() == 1.0
    sd["state"][0]["exp_avg"]._data[:] = 7.0
    sd["param_groups"][0]["lr"] = 9.0
    assert loaded["exp_avg"].tolist() != [7.0, 7.0] and opt2.param_groups[0]["lr"] == 1e-3
    assert opt2.param_groups[0]["params"] == [target]


def test_state_dict_indices_follow_group_order():
    a, b, c = leaf(1.0), leaf(2.0), leaf(3.0)
    opt = SGD([{"params": [a, b]}, {"params": [c]}], lr=0.1, momentum=0.9)
    for p in (a, c):
        p.grad = framework.ones(1)
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sorted(sd["state"]) == [0, 2]


def test_load_state_dict_with_a_different_number_of_groups():
    sd = SGD([leaf(1.0)], lr=0.1).state_dict()
    opt = SGD([{"params": [leaf(1.0)]}, {"params": [leaf(2.0)]}], lr=0.1)
    with pytest.raises(ValueError, match="loaded state dict has a different number of parameter groups"):
        opt.load_state_dict(sd)


def test_load_state_dict_with_a_group_of_another_size_says_which_sizes():
    sd = SGD([leaf(1.0)], lr=0.1).state_dict()
    opt = SGD([leaf(1.0), leaf(2.0)], lr=0.3)
    with pytest.raises(ValueError, match="loaded state dict contains a parameter group that doesn't match the size "
                                         "of optimizer's group: group 0 has 1 parameters in the state dict and 2 "
                                         "in the optimizer"):
        opt.load_state_dict(sd)
    assert opt.param_groups[0]["lr"] == 0.3


def test_load_state_dict_with_a_wrong_state_shape_changes_nothing():
    w = leaf(1.0, 2.0)
    src = SGD([w], lr=0.1, momentum=0.9)
    w.grad = framework.ones(2)
    src.step()
    target = leaf(1.0, 2.0, 3.0)
    opt = SGD([target], lr=0.3)
    with pytest.raises(ValueError, match=r"'momentum_buffer' of shape \(2,\) for parameter 0, whose shape is \(3,\)"):
        opt.load_state_dict(src.state_dict())
    assert opt.param_groups[0]["lr"] == 0.3 and len(opt.state) == 0


def test_load_state_dict_fills_keys_missing_from_an_older_state_dict():
    opt = Adam([leaf(1.0)], lr=0.1)
    sd = opt.state_dict()
    del sd["param_groups"][0]["decoupled_weight_decay"], sd["param_groups"][0]["amsgrad"]
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["decoupled_weight_decay"] is False and opt.param_groups[0]["amsgrad"] is False


def test_deepcopy_gives_an_independent_optimizer():
    w = leaf(1.0, 2.0)
    opt = SGD([w], lr=0.1, momentum=0.9)
    w.grad = framework.ones(2)
    opt.step()
    clone = copy.deepcopy(opt)
    (w_clone,) = clone.param_groups[0]["params"]
    assert w_clone is not w and clone.state[w_clone]["momentum_buffer"].tolist() == [1.0, 1.0]
    opt.step()
    assert clone.state[w_clone]["momentum_buffer"].tolist() == [1.0, 1.0]


def test_load_state_dict_rejects_invalid_hyperparameters_and_non_dicts():
    opt = SGD([leaf(1.0)], lr=0.1)
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = -1.0
    with pytest.raises(ValueError, match="Invalid learning rate: -1.0"):
        opt.load_state_dict(sd)
    with pytest.raises(ValueError, match="must be a dict with 'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})


# ------------------------------------------------------------------------------------------------ repr
def test_repr_lists_sorted_keys_per_group():
    opt = SGD([{"params": [leaf(1.0)]}, {"params": [leaf(2.0)], "lr": 0.5}], lr=0.1, momentum=0.9)
    keys = ["dampening", "differentiable", "foreach", "fused", "lr", "maximize", "momentum", "nesterov",
            "weight_decay"]
    g0 = dict(opt.param_groups[0])
    groups = ["".join(f"    {k}: {dict(g0, lr=lr)[k]}\n" for k in keys) for lr in (0.1, 0.5)]
    assert repr(opt) == f"SGD (\nParameter Group 0\n{groups[0]}\nParameter Group 1\n{groups[1]})"


def test_adam_repr_recorded():
    text = repr(Adam([leaf(1.0)]))
    assert text.startswith("Adam (\nParameter Group 0\n    amsgrad: False\n    betas: (0.9, 0.999)\n")
    assert text.endswith("    weight_decay: 0\n)")


def test_no_warning_from_a_plain_training_step():
    w = leaf(1.0, 2.0)
    opt = Adam([w], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
