import copy
import math
import warnings
from bisect import bisect_right

import numpy as np
import pytest

import framework
from framework.optim import Adagrad, Adam, lr_scheduler
from framework.optim.lr_scheduler import (CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, LRScheduler,
                                          OneCycleLR, ReduceLROnPlateau, SequentialLR, StepLR)
from .optim_reference import BASE_LRS, SCHEDULE_BUILDERS, lr_sequence, make_optimizer


def one_cycle(t, base, total=20, pct=0.3, div=25.0, final_div=1e4, strategy="cos", three_phase=False):
    """OneCycleLR's lr at step t, from its definition: rise to ``base`` (the max lr), then anneal to the minimum."""
    initial, peak = base / div, base
    minimum = initial / final_div

    def anneal(start, end, fraction):
        if strategy == "cos":
            return end + (start - end) * (1 + math.cos(math.pi * fraction)) / 2
        return start + (end - start) * fraction

    rise_end = pct * total - 1
    if t <= rise_end:
        return anneal(initial, peak, t / rise_end)
    if three_phase:
        fall_end = 2 * pct * total - 2
        if t <= fall_end:
            return anneal(peak, initial, (t - rise_end) / (fall_end - rise_end))
        return anneal(initial, minimum, (t - fall_end) / (total - 1 - fall_end))
    return anneal(peak, minimum, (t - rise_end) / (total - 1 - rise_end))


def warm_restarts(t, base, T_0, T_mult=1, eta_min=0.0):  # noqa: N803
    """SGDR's lr at epoch t: cosine from ``base`` towards ``eta_min`` within periods of T_0, T_0 * T_mult, ..."""
    start, period = 0, T_0
    while t >= start + period:
        start, period = start + period, period * T_mult
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * (t - start) / period)) / 2


def cyclic(t, low, high, up=3, down=2, scale=lambda cycle, t: 1.0):
    """A triangle wave: ``up`` steps from ``low`` to ``high``, ``down`` steps back, its height scaled by ``scale``."""
    cycle, position = divmod(t, up + down)
    rise = position / up if position <= up else (up + down - position) / down
    return low + (high - low) * rise * scale(cycle + 1, t)


# name -> lr at epoch t for a group whose initial lr is `base` (the schedulers are built in optim_reference)
FORMULAS = {
    "StepLR": lambda t, base: base * 0.5 ** (t // 3),
    "MultiStepLR": lambda t, base: base * 0.1 ** bisect_right([2, 5, 5, 11], t),
    "ExponentialLR": lambda t, base: base * 0.9 ** t,
    "CosineAnnealingLR": lambda t, base: 0.01 + (base - 0.01) * (1 + math.cos(math.pi * t / 6)) / 2,
    "LinearLR": lambda t, base: base * (0.25 + 0.5 * min(t, 8) / 8),
    "LambdaLR": lambda t, base: base / (1.0 + t),
    "LambdaLR-per-group": lambda t, base: base * 0.9 ** t,
    "OneCycleLR-cos": lambda t, base: one_cycle(t, base),
    "OneCycleLR-linear": lambda t, base: one_cycle(t, base, pct=0.25, strategy="linear"),
    "OneCycleLR-three-phase": lambda t, base: one_cycle(t, base, div=10.0, final_div=100.0, three_phase=True),
    "SequentialLR": lambda t, base: base * (0.1 + 0.9 * t / 4) if t < 4 else base * 0.8 ** (t - 4),
    "ConstantLR": lambda t, base: base * (0.5 if t < 4 else 1.0),
    "PolynomialLR": lambda t, base: base * (1 - min(t, 8) / 8) ** 2,
    "MultiplicativeLR": lambda t, base: base * math.prod(1.0 - 0.01 * k for k in range(1, t + 1)),
    "ChainedScheduler": lambda t, base: base * (0.5 if t < 4 else 1.0) * 0.9 ** t,
    "CosineAnnealingWarmRestarts": lambda t, base: warm_restarts(t, base, T_0=3, T_mult=2, eta_min=0.01),
    "CosineAnnealingWarmRestarts-T_mult-1": lambda t, base: warm_restarts(t, base, T_0=4),
    "CyclicLR-triangular": lambda t, base: cyclic(t, base / 10, base),
    "CyclicLR-triangular2": lambda t, base: cyclic(t, base / 10, base, scale=lambda cycle, t: 0.5 ** (cycle - 1)),
    "CyclicLR-exp_range": lambda t, base: cyclic(t, base / 10, base, scale=lambda cycle, t: 0.9 ** t),
}
assert set(FORMULAS) == set(SCHEDULE_BUILDERS)


def build(name, opt):
    return SCHEDULE_BUILDERS[name](opt, lr_scheduler)


@pytest.mark.parametrize("name", list(FORMULAS))
def test_twenty_steps_follow_the_formula(name):
    opt = make_optimizer(momentum=0.9)
    seen = lr_sequence(opt, build(name, opt))
    for t, lrs in enumerate(seen):
        for lr, base in zip(lrs, BASE_LRS):
            assert lr == pytest.approx(FORMULAS[name](t, base), rel=1e-12, abs=1e-15), f"epoch {t}"


@pytest.mark.parametrize("name", list(FORMULAS))
def test_state_dict_round_trip(name):
    opt = make_optimizer(momentum=0.9)
    sched = build(name, opt)
    lr_sequence(opt, sched, steps=7)
    saved_sched, saved_opt = copy.deepcopy(sched.state_dict()), copy.deepcopy(opt.state_dict())
    expected = lr_sequence(opt, sched, steps=8)

    opt2 = make_optimizer(momentum=0.9, base_lrs=(0.3, 0.03))
    sched2 = build(name, opt2)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    assert lr_sequence(opt2, sched2, steps=8) == expected
    assert sched2.get_last_lr() == sched.get_last_lr()


# ------------------------------------------------------------------------------------------------ recorded values
def test_step_lr_recorded():
    opt = make_optimizer(base_lrs=(1.0,))
    sched = StepLR(opt, step_size=2, gamma=0.1)
    seen = [lrs[0] for lrs in lr_sequence(opt, sched, steps=6)]
    assert seen == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01, 0.01])
    assert sched.get_last_lr() == [0.0010000000000000002]
    assert sched.last_epoch == 6
    assert opt.param_groups[0]["initial_lr"] == 1.0


def test_step_lr_state_dict_recorded():
    sched = StepLR(make_optimizer(base_lrs=(1.0,)), step_size=2, gamma=0.1)
    expected = {"step_size": 2, "gamma": 0.1, "base_lrs": [1.0], "last_epoch": 0, "_step_count": 1,
                "_is_initial": False, "_get_lr_called_within_step": False, "_last_lr": [1.0]}
    assert sched.state_dict() == expected
    assert list(sched.state_dict()) == list(expected)


def test_cosine_annealing_recorded():
    opt = make_optimizer(base_lrs=(1.0,))
    sched = CosineAnnealingLR(opt, T_max=4, eta_min=0.1)
    seen = [lrs[0] for lrs in lr_sequence(opt, sched, steps=10)]
    assert seen == pytest.approx([1.0, 0.868198, 0.55, 0.231802, 0.1, 0.231802, 0.55, 0.868198, 1.0, 0.868198],
                                 abs=1e-6)


# ------------------------------------------------------------------------------------------------ base behaviour
def test_initial_lr_is_recorded_once():
    opt = make_optimizer()
    ExponentialLR(opt, gamma=0.5)
    opt.param_groups[0]["lr"] = 7.0
    ExponentialLR(opt, gamma=0.5)
    assert [g["initial_lr"] for g in opt.param_groups] == list(BASE_LRS)


def test_chained_form_composes_with_a_manual_lr_change():
    opt = make_optimizer(base_lrs=(1.0,))
    sched = ExponentialLR(opt, gamma=0.5)
    opt.step()
    sched.step()
    opt.param_groups[0]["lr"] = 2.0
    opt.step()
    sched.step()
    assert sched.get_last_lr() == [1.0]


def test_step_with_epoch_warns_and_uses_the_closed_form():
    opt = make_optimizer(base_lrs=(1.0,))
    sched = StepLR(opt, step_size=2, gamma=0.1)
    opt.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
        sched.step(5)
    assert sched.last_epoch == 5 and sched.get_last_lr() == [pytest.approx(0.01)]


def test_resuming_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\] when resuming"):
        StepLR(make_optimizer(), step_size=2, last_epoch=3)


def test_resuming_with_last_epoch_continues_the_schedule():
    opt = make_optimizer(base_lrs=(1.0,))
    sched = ExponentialLR(opt, gamma=0.5)
    for _ in range(3):
        opt.step()
        sched.step()
    resumed = ExponentialLR(opt, gamma=0.5, last_epoch=sched.last_epoch)
    assert resumed.get_last_lr() == sched.get_last_lr() == [0.125]


def test_not_an_optimizer():
    with pytest.raises(TypeError, match="object is not an Optimizer"):
        StepLR(object(), step_size=2)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        OneCycleLR([], max_lr=0.1, total_steps=10)
    with pytest.raises(TypeError, match="dict is not an Optimizer"):
        ReduceLROnPlateau({})


def test_base_get_lr_is_abstract():
    with pytest.raises(NotImplementedError):
        LRScheduler(make_optimizer())


# ------------------------------------------------------------------------------------------------ step-order warning
def test_scheduler_step_before_optimizer_step_warns():
    opt = make_optimizer()
    sched = StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before `optimizer.step\\(\\)`. "
                                         "In PyTorch 1.1.0 and later, you should call them in the opposite order"):
        sched.step()


def test_right_order_does_not_warn_and_counts_optimizer_steps():
    opt = make_optimizer()
    sched = StepLR(opt, step_size=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            opt.step()
            sched.step()
    assert opt._opt_step_count == 3


def test_two_schedulers_wrap_step_once():
    opt = make_optimizer()
    StepLR(opt, step_size=2)
    wrapped = opt.step
    ExponentialLR(opt, gamma=0.9)
    assert opt.step is wrapped
    opt.step()
    assert opt._opt_step_count == 1


def test_optimizer_step_replaced_after_the_scheduler_warns():
    opt = make_optimizer()
    sched = StepLR(opt, step_size=2)
    opt.step = lambda closure=None: None
    with pytest.warns(UserWarning, match="Seems like `optimizer.step\\(\\)` has been overridden after learning rate "
                                         "scheduler initialization"):
        sched.step()


def test_get_lr_outside_step_warns():
    sched = StepLR(make_optimizer(), step_size=2)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()


def test_optimizer_state_dict_is_unaffected_by_the_step_wrapper():
    opt = make_optimizer()
    StepLR(opt, step_size=2)
    assert "step" not in opt.__getstate__()
    assert set(opt.state_dict()) == {"state", "param_groups"}


# ------------------------------------------------------------------------------------------------ per scheduler
def test_linear_lr_errors():
    with pytest.raises(ValueError, match="Starting multiplicative factor expected to be greater than 0 and less or "
                                         "equal to 1."):
        LinearLR(make_optimizer(), start_factor=0.0)
    with pytest.raises(ValueError, match="Ending multiplicative factor expected to be between 0 and 1."):
        LinearLR(make_optimizer(), end_factor=1.5)


def test_lambda_lr_needs_one_function_per_group():
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        LambdaLR(make_optimizer(), lr_lambda=[lambda e: 1.0])


def test_lambda_lr_state_dict_keeps_callable_objects_state_only():
    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, epoch):
            return self.rate ** epoch

    opt = make_optimizer()
    sched = LambdaLR(opt, lr_lambda=[Decay(0.5), lambda e: 1.0])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.5}, None]
    state["lr_lambdas"][0]["rate"] = 0.25
    other = LambdaLR(make_optimizer(), lr_lambda=[Decay(0.5), lambda e: 1.0])
    other.load_state_dict(state)
    assert other.lr_lambdas[0].rate == 0.25
    assert "lr_lambdas" in state  # loading does not consume the caller's dict


def test_one_cycle_cycles_sgd_momentum_inversely():
    opt = make_optimizer(momentum=0.9)
    sched = OneCycleLR(opt, max_lr=list(BASE_LRS), total_steps=20)
    momenta = []
    for _ in range(20):
        momenta.append(opt.param_groups[0]["momentum"])
        opt.step()
        sched.step()
    # momentum = max_momentum - (lr - initial_lr) / (max_lr - initial_lr) * (max_momentum - base_momentum)
    for t, m in enumerate(momenta):
        lr = one_cycle(t, 1.0)
        fraction_of_peak = (lr - 1.0 / 25) / (1.0 - 1.0 / 25) if t <= 5 else None
        if fraction_of_peak is not None:
            assert m == pytest.approx(0.95 - fraction_of_peak * 0.10, rel=1e-12)
    assert momenta[0] == 0.95 and momenta[5] == pytest.approx(0.85)


def test_one_cycle_cycles_adam_beta1_and_keeps_beta2():
    opt = make_optimizer(Adam, betas=(0.9, 0.99))
    sched = OneCycleLR(opt, max_lr=0.01, total_steps=10, base_momentum=0.8, max_momentum=0.9)
    assert opt.param_groups[0]["betas"] == (0.9, 0.99)
    for _ in range(3):
        opt.step()
        sched.step()
    beta1, beta2 = opt.param_groups[0]["betas"]
    assert beta2 == 0.99 and 0.8 <= beta1 < 0.9


def test_one_cycle_errors():
    opt = make_optimizer()
    with pytest.raises(ValueError, match="Expected positive integer total_steps, but got 0"):
        OneCycleLR(opt, max_lr=0.1, total_steps=0)
    with pytest.raises(ValueError, match="You must define either total_steps OR \\(epochs AND steps_per_epoch\\)"):
        OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="Expected positive integer epochs, but got 0"):
        OneCycleLR(opt, max_lr=0.1, epochs=0, steps_per_epoch=3)
    with pytest.raises(ValueError, match="Expected positive integer steps_per_epoch, but got -1"):
        OneCycleLR(opt, max_lr=0.1, epochs=2, steps_per_epoch=-1)
    with pytest.raises(ValueError, match="Expected float between 0 and 1 pct_start, but got 1.5"):
        OneCycleLR(opt, max_lr=0.1, total_steps=10, pct_start=1.5)
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear', instead got exp"):
        OneCycleLR(opt, max_lr=0.1, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="max_lr must have the same length as optimizer.param_groups. max_lr has 3 "
                                         "values, param_groups has 2."):
        OneCycleLR(opt, max_lr=[0.1, 0.2, 0.3], total_steps=10)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1 with `cycle_momentum` option"):
        OneCycleLR(make_optimizer(Adagrad), max_lr=0.1, total_steps=10)
    OneCycleLR(make_optimizer(Adagrad), max_lr=0.1, total_steps=10, cycle_momentum=False)


def test_one_cycle_past_its_total_steps():
    opt = make_optimizer()
    sched = OneCycleLR(opt, max_lr=0.1, total_steps=5)
    lr_sequence(opt, sched, steps=5)
    with pytest.raises(ValueError, match="Tried to step 6 times. The specified number of total steps is 5"):
        opt.step()
        sched.step()


def test_sequential_lr_errors():
    opt, other = make_optimizer(), make_optimizer()
    with pytest.raises(ValueError, match="SequentialLR expects at least one scheduler, but got no scheduler."):
        SequentialLR(opt, [], milestones=[])
    with pytest.raises(ValueError, match="Sequential Schedulers expects number of schedulers provided to be one more "
                                         "than the number of milestone points"):
        SequentialLR(opt, [StepLR(opt, 2), StepLR(opt, 3)], milestones=[1, 2])
    with pytest.raises(ValueError, match="SequentialLR expects all schedulers to belong to the same optimizer"):
        SequentialLR(opt, [StepLR(opt, 2), StepLR(other, 3)], milestones=[1])
    with pytest.raises(ValueError, match="SequentialLR does not support `ReduceLROnPlateau` scheduler"):
        SequentialLR(opt, [StepLR(opt, 2), ReduceLROnPlateau(opt)], milestones=[1])
    with pytest.raises(TypeError, match="SequentialLR at index 0 should have `optimizer` as its attribute."):
        SequentialLR(opt, [object()], milestones=[])


# ------------------------------------------------------------------------------------------------ ReduceLROnPlateau
def plateau_lrs(sched, opt, metrics):
    seen = []
    for metric in metrics:
        opt.step()
        sched.step(metric)
        seen.append(opt.param_groups[0]["lr"])
    return seen


@pytest.mark.parametrize("patience, cooldown", [(0, 0), (2, 0), (3, 2)])
def test_plateau_reduces_after_patience_and_cooldown(patience, cooldown):
    opt = make_optimizer(base_lrs=(1.0,))
    sched = ReduceLROnPlateau(opt, factor=0.5, patience=patience, cooldown=cooldown)
    seen = plateau_lrs(sched, opt, [1.0] * 20)
    for k, lr in enumerate(seen, start=1):  # the first epoch improves on inf, then every epoch is bad
        reductions = 0 if k < patience + 2 else 1 + (k - patience - 2) // (patience + 1 + cooldown)
        assert lr == 0.5 ** reductions, f"epoch {k}"
    assert sched.get_last_lr() == [seen[-1]]


def test_plateau_improving_metric_never_reduces_and_respects_mode():
    opt = make_optimizer(base_lrs=(1.0,))
    assert plateau_lrs(ReduceLROnPlateau(opt, patience=0), opt, [10.0 - k for k in range(10)]) == [1.0] * 10
    opt = make_optimizer(base_lrs=(1.0,))
    assert plateau_lrs(ReduceLROnPlateau(opt, mode="max", patience=0), opt, list(range(10))) == [1.0] * 10


@pytest.mark.parametrize("threshold_mode, metrics, reduced", [
    ("rel", [1.0, 0.99995], True),     # a relative gain below 1e-4 is not an improvement
    ("rel", [1.0, 0.999], False),
    ("abs", [1.0, 0.95], True),        # threshold 0.1 absolute
    ("abs", [1.0, 0.85], False),
])
def test_plateau_threshold(threshold_mode, metrics, reduced):
    opt = make_optimizer(base_lrs=(1.0,))
    threshold = 1e-4 if threshold_mode == "rel" else 0.1
    sched = ReduceLROnPlateau(opt, patience=0, threshold=threshold, threshold_mode=threshold_mode)
    assert (plateau_lrs(sched, opt, metrics)[-1] < 1.0) == reduced


def test_plateau_min_lr_eps_and_tensor_metric():
    opt = make_optimizer(base_lrs=(1.0, 0.1))
    sched = ReduceLROnPlateau(opt, factor=0.1, patience=0, min_lr=[0.05, 0.0], eps=1e-3)
    for _ in range(6):
        opt.step()
        sched.step(framework.tensor(3.0))
    lr0, lr1 = (g["lr"] for g in opt.param_groups)
    assert lr0 == 0.05                  # floored at its min_lr
    assert lr1 == pytest.approx(1e-3)   # 0.1 -> 0.01 -> 0.001; the next cut (by 9e-4) is smaller than eps


def test_plateau_errors():
    opt = make_optimizer()
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode avg is unknown!"):
        ReduceLROnPlateau(opt, mode="avg")
    with pytest.raises(ValueError, match="threshold mode ratio is unknown!"):
        ReduceLROnPlateau(opt, threshold_mode="ratio")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 1"):
        ReduceLROnPlateau(opt, min_lr=[0.1])
    sched = ReduceLROnPlateau(opt, patience=0, min_lr=[0.0, 0.0])
    opt.add_param_group({"params": [framework.zeros(1, requires_grad=True)], "lr": 0.5})
    with pytest.raises(RuntimeError, match="The number of param groups in the `optimizer` \\(3\\) differs from when "
                                           "`ReduceLROnPlateau` was initialized \\(2\\)"):
        plateau_lrs(sched, opt, [1.0, 1.0])


def test_plateau_state_dict_round_trip():
    metrics = [5.0, 4.0, 4.0, 4.0, 3.9, 3.9, 3.9, 3.9, 3.0, 3.0, 3.0, 3.0]
    opt = make_optimizer(base_lrs=(1.0,))
    sched = ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1)
    plateau_lrs(sched, opt, metrics[:5])
    saved_sched, saved_opt = copy.deepcopy(sched.state_dict()), copy.deepcopy(opt.state_dict())
    expected = plateau_lrs(sched, opt, metrics[5:])
    opt2 = make_optimizer(base_lrs=(1.0,))
    sched2 = ReduceLROnPlateau(opt2, mode="max")
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    assert sched2.mode == "min" and sched2.mode_worse == np.inf
    assert plateau_lrs(sched2, opt2, metrics[5:]) == expected
