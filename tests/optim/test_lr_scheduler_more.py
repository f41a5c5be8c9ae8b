"""ConstantLR, PolynomialLR, MultiplicativeLR, ChainedScheduler, CosineAnnealingWarmRestarts and CyclicLR.

Their lrs over twenty steps (against a formula, and against PyTorch) and their state dict round trips are
checked with the other schedulers in test_lr_scheduler.py / test_against_torch.py (SCHEDULE_BUILDERS); this
file holds the values worked out by hand, the errors, momentum cycling, fractional epochs and the
differential checks that need more than one plain run.
"""
import copy
import math
import re
import warnings

import pytest

import framework
from framework.optim import Adagrad, Adam, lr_scheduler
from framework.optim.lr_scheduler import (ChainedScheduler, ConstantLR, CosineAnnealingWarmRestarts, CyclicLR,
                                          ExponentialLR, LambdaLR, MultiplicativeLR, PolynomialLR,
                                          ReduceLROnPlateau, StepLR)
from .optim_reference import BASE_LRS, SCHEDULE_BUILDERS, lr_sequence, make_optimizer

NEW_SCHEDULERS = ["ConstantLR", "PolynomialLR", "MultiplicativeLR", "ChainedScheduler", "CosineAnnealingWarmRestarts",
                  "CyclicLR"]


def first_group_lrs(opt, sched, steps):
    return [lrs[0] for lrs in lr_sequence(opt, sched, steps)]


def test_exported():
    for name in NEW_SCHEDULERS:
        assert name in lr_scheduler.__all__
        assert getattr(lr_scheduler, name).__doc__ and "Example:" in getattr(lr_scheduler, name).__doc__


# ------------------------------------------------------------------------------------------------ ConstantLR
def test_constant_lr_by_hand():
    opt = make_optimizer(base_lrs=(1.0,))
    sched = ConstantLR(opt, factor=0.5, total_iters=3)
    assert first_group_lrs(opt, sched, 5) == [0.5, 0.5, 0.5, 1.0, 1.0]


def test_constant_lr_defaults():
    opt = make_optimizer(base_lrs=(0.3,))
    sched = ConstantLR(opt)
    assert (sched.factor, sched.total_iters) == (1.0 / 3, 5)
    assert first_group_lrs(opt, sched, 7) == pytest.approx([0.1] * 5 + [0.3] * 2)


def test_constant_lr_factor_out_of_range():
    for factor in (1.5, -0.1):
        with pytest.raises(ValueError, match="Constant multiplicative factor expected to be between 0 and 1."):
            ConstantLR(make_optimizer(), factor=factor)


def test_constant_lr_factor_zero_restores_the_lr():
    # PyTorch divides by the factor here and raises ZeroDivisionError; the lr comes back instead.
    opt = make_optimizer(base_lrs=(1.0,))
    assert first_group_lrs(opt, ConstantLR(opt, factor=0.0, total_iters=2), 4) == [0.0, 0.0, 1.0, 1.0]


def test_constant_lr_step_with_epoch_uses_the_closed_form():
    opt = make_optimizer(base_lrs=(1.0,))
    sched = ConstantLR(opt, factor=0.25, total_iters=4)
    opt.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
        sched.step(6)
    assert sched.get_last_lr() == [1.0]
    with pytest.warns(UserWarning, match="The epoch parameter"):
        sched.step(2)
    assert sched.get_last_lr() == [0.25]


# ------------------------------------------------------------------------------------------------ PolynomialLR
def test_polynomial_lr_by_hand():
    opt = make_optimizer(base_lrs=(1.0,))
    assert first_group_lrs(opt, PolynomialLR(opt, total_iters=4), 6) == pytest.approx([1.0, 0.75, 0.5, 0.25, 0, 0])
    opt = make_optimizer(base_lrs=(1.0,))
    sched = PolynomialLR(opt, total_iters=2, power=2.0)
    assert first_group_lrs(opt, sched, 4) == pytest.approx([1.0, 0.25, 0.0, 0.0])
    assert (sched.total_iters, sched.power) == (2, 2.0)


def test_polynomial_lr_defaults_and_closed_form():
    opt = make_optimizer(base_lrs=(1.0,))
    sched = PolynomialLR(opt)
    assert (sched.total_iters, sched.power) == (5, 1.0)
    opt.step()
    with pytest.warns(UserWarning, match="The epoch parameter"):
        sched.step(2)
    assert sched.get_last_lr() == [pytest.approx(0.6)]
    with pytest.warns(UserWarning, match="The epoch parameter"):
        sched.step(9)
    assert sched.get_last_lr() == [0.0]


def test_polynomial_lr_is_chained_after_a_manual_change():
    opt = make_optimizer(base_lrs=(1.0,))
    sched = PolynomialLR(opt, total_iters=4)
    lr_sequence(opt, sched, 2)              # lr 0.5 at epoch 2
    opt.param_groups[0]["lr"] = 2.0
    assert first_group_lrs(opt, sched, 2)[1] == pytest.approx(1.0)   # 2.0 * (0.25 / 0.5)


# ------------------------------------------------------------------------------------------------ MultiplicativeLR
def test_multiplicative_lr_by_hand_and_a_manual_change_carries():
    opt = make_optimizer(base_lrs=(1.0, 0.5))
    sched = MultiplicativeLR(opt, lr_lambda=[lambda epoch: 0.5, lambda epoch: 1.0 / (epoch + 1)])
    assert lr_sequence(opt, sched, 4) == [[1.0, 0.5], [0.5, 0.25], [0.25, 0.25 / 3], [0.125, 0.25 / 12]]
    opt.param_groups[0]["lr"] = 3.0
    opt.step()
    sched.step()
    assert sched.get_last_lr()[0] == 1.5


def test_multiplicative_lr_errors():
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        MultiplicativeLR(make_optimizer(), lr_lambda=[lambda epoch: 0.9])
    with pytest.raises(TypeError, match="lr_lambda should be a function, but got float"):
        MultiplicativeLR(make_optimizer(), lr_lambda=0.9)
    with pytest.raises(TypeError, match="lr_lambda should be a function, but got str"):   # shared with LambdaLR
        LambdaLR(make_optimizer(), lr_lambda=[lambda epoch: 1.0, "0.9"])


def test_multiplicative_lr_state_dict_keeps_a_callable_objects_state():
    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, epoch):
            return self.rate

    opt = make_optimizer(base_lrs=(1.0,))
    sched = MultiplicativeLR(opt, lr_lambda=Decay(0.5))
    lr_sequence(opt, sched, 2)
    sched.lr_lambdas[0].rate = 0.1
    state = copy.deepcopy(sched.state_dict())
    assert state["lr_lambdas"] == [{"rate": 0.1}]

    opt2 = make_optimizer(base_lrs=(1.0,))
    resumed = MultiplicativeLR(opt2, lr_lambda=Decay(0.5))
    opt2.load_state_dict(opt.state_dict())
    resumed.load_state_dict(state)
    assert lr_sequence(opt2, resumed, 3) == lr_sequence(opt, sched, 3)
    assert "lr_lambdas" in state


# ------------------------------------------------------------------------------------------------ ChainedScheduler
def test_chained_scheduler_by_hand():
    opt = make_optimizer(base_lrs=(1.0,))
    sched = ChainedScheduler([ConstantLR(opt, factor=0.5, total_iters=2), ExponentialLR(opt, gamma=0.5)])
    assert sched.optimizer is opt
    assert sched.get_last_lr() == [0.5]
    assert first_group_lrs(opt, sched, 4) == [0.5, 0.25, 0.25, 0.125]
    assert sched.get_last_lr() == [0.0625]


def test_chained_scheduler_errors():
    opt, other = make_optimizer(), make_optimizer()
    with pytest.raises(ValueError, match="ChainedScheduler expects at least one scheduler to be chained, but got no "
                                         "scheduler."):
        ChainedScheduler([])
    with pytest.raises(ValueError, match="ChainedScheduler expects all schedulers to belong to the same optimizer, "
                                         "but got scheduler StepLR at index 1"):
        ChainedScheduler([StepLR(opt, 2), StepLR(other, 3)])
    with pytest.raises(ValueError, match="ChainedScheduler expects all schedulers to belong to the same optimizer"):
        ChainedScheduler([StepLR(opt, 2)], optimizer=other)
    with pytest.raises(ValueError, match="ChainedScheduler does not support `ReduceLROnPlateau` scheduler"):
        ChainedScheduler([StepLR(opt, 2), ReduceLROnPlateau(opt)])
    with pytest.raises(TypeError, match="ChainedScheduler at index 0 should have `optimizer` as its attribute."):
        ChainedScheduler([object()])


def test_chained_scheduler_state_dict_holds_each_inner_state():
    opt = make_optimizer()
    sched = ChainedScheduler([ConstantLR(opt, factor=0.5, total_iters=2), ExponentialLR(opt, gamma=0.5)])
    lr_sequence(opt, sched, 3)
    state = sched.state_dict()
    assert list(state) == ["_last_lr", "_schedulers"]
    assert [inner["last_epoch"] for inner in state["_schedulers"]] == [3, 3]
    assert state["_schedulers"][1]["gamma"] == 0.5


# ------------------------------------------------------------------------------------------------ warm restarts
def test_warm_restarts_by_hand():
    opt = make_optimizer(base_lrs=(1.0,))
    sched = CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
    half = math.sqrt(0.5)
    expected = [1.0, 0.5, 1.0, (1 + half) / 2, 0.5, (1 - half) / 2, 1.0]   # periods of 2 and 4 epochs
    assert first_group_lrs(opt, sched, 7) == pytest.approx(expected, rel=1e-12)
    assert (sched.T_0, sched.T_i, sched.T_mult, sched.eta_min, sched.T_cur) == (2, 8, 2, 0.0, 1)


def test_warm_restarts_fractional_epoch():
    opt = make_optimizer(base_lrs=(1.0,))
    sched = CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2, eta_min=0.1)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an epoch here is the documented use, not the deprecated one
        sched.step(2.5)                  # half an epoch into the second period, of 4 epochs
    assert (sched.last_epoch, sched.T_i, sched.T_cur) == (2, 4, 0.5)
    assert sched.get_last_lr() == [pytest.approx(0.1 + 0.9 * (1 + math.cos(math.pi / 8)) / 2, rel=1e-12)]
    sched.step()                         # carries on from 2.5, not from an integer epoch
    assert (sched.last_epoch, sched.T_cur) == (3, 1.5)
    assert sched.get_last_lr() == [pytest.approx(0.1 + 0.9 * (1 + math.cos(3 * math.pi / 8)) / 2, rel=1e-12)]


def test_warm_restarts_jump_to_an_epoch_equals_stepping_there():
    # With T_mult=10 the restarts fall at epochs 1, 11, 111; math.log(1000, 10) < 3 made PyTorch miss the one at
    # 111 when jumping there, and give eta_min instead of the initial lr.
    walked = make_optimizer(base_lrs=(1.0,))
    walking = CosineAnnealingWarmRestarts(walked, T_0=1, T_mult=10)
    jumping = CosineAnnealingWarmRestarts(make_optimizer(base_lrs=(1.0,)), T_0=1, T_mult=10)
    for epoch in range(1, 115):
        walked.step()
        walking.step()
        jumping.step(epoch)
        assert jumping.get_last_lr() == pytest.approx(walking.get_last_lr(), rel=1e-12, abs=1e-15), epoch
        assert (jumping.T_i, jumping.T_cur) == (walking.T_i, walking.T_cur)
    assert jumping.T_i == 1000 and jumping.T_cur == 3


def test_warm_restarts_errors():
    opt = make_optimizer()
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
        CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 2.5"):
        CosineAnnealingWarmRestarts(opt, T_0=2.5)
    with pytest.raises(ValueError, match="Expected integer T_mult >= 1, but got 0"):
        CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=0)
    with pytest.raises(ValueError, match="Expected integer T_mult >= 1, but got 1.5"):
        CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=1.5)
    with pytest.raises(ValueError, match="Expected float or int eta_min, but got 0.1 of type <class 'str'>"):
        CosineAnnealingWarmRestarts(opt, T_0=2, eta_min="0.1")
    sched = CosineAnnealingWarmRestarts(opt, T_0=2)
    with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
        sched.step(-1)


def test_warm_restarts_state_dict_resumes_mid_epoch():
    opt = make_optimizer()
    sched = CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.01)
    opt.step()
    sched.step(4.25)
    saved_sched, saved_opt = copy.deepcopy(sched.state_dict()), copy.deepcopy(opt.state_dict())
    expected = lr_sequence(opt, sched, 8)

    opt2 = make_optimizer(base_lrs=(0.3, 0.03))
    resumed = CosineAnnealingWarmRestarts(opt2, T_0=3, T_mult=2, eta_min=0.01)
    opt2.load_state_dict(saved_opt)
    resumed.load_state_dict(saved_sched)
    assert lr_sequence(opt2, resumed, 8) == expected


# ------------------------------------------------------------------------------------------------ CyclicLR
def test_cyclic_lr_by_hand_cycles_sgd_momentum_inversely():
    opt = make_optimizer(base_lrs=(7.0,), momentum=0.5)   # CyclicLR replaces both
    sched = CyclicLR(opt, base_lr=0.1, max_lr=1.0, step_size_up=2, step_size_down=1)
    lrs, momenta = [], []
    for _ in range(7):
        lrs.append(opt.param_groups[0]["lr"])
        momenta.append(opt.param_groups[0]["momentum"])
        opt.step()
        sched.step()
    assert lrs == pytest.approx([0.1, 0.55, 1.0, 0.1, 0.55, 1.0, 0.1])
    assert momenta == pytest.approx([0.9, 0.85, 0.8, 0.9, 0.85, 0.8, 0.9])
    group = opt.param_groups[0]
    assert (group["initial_lr"], group["base_momentum"], group["max_momentum"]) == (0.1, 0.8, 0.9)
    assert sched.base_lrs == [0.1] and sched.max_lrs == [1.0]


def test_cyclic_lr_triangular2_halves_each_cycle():
    opt = make_optimizer(base_lrs=(1.0,))
    sched = CyclicLR(opt, base_lr=0.1, max_lr=1.0, step_size_up=1, mode="triangular2", cycle_momentum=False)
    assert first_group_lrs(opt, sched, 6) == pytest.approx([0.1, 1.0, 0.1, 0.55, 0.1, 0.325])
    assert sched.scale_mode == "cycle"


def test_cyclic_lr_exp_range_and_custom_scale_fn():
    opt = make_optimizer(base_lrs=(1.0,))
    sched = CyclicLR(opt, base_lr=0.0, max_lr=1.0, step_size_up=2, mode="exp_range", gamma=0.5, cycle_momentum=False)
    assert sched.scale_mode == "iterations"
    assert first_group_lrs(opt, sched, 4) == pytest.approx([0.0, 0.5 * 0.5, 1.0 * 0.25, 0.5 * 0.125])

    opt = make_optimizer(base_lrs=(1.0,))
    sched = CyclicLR(opt, base_lr=0.0, max_lr=1.0, step_size_up=1, scale_fn=lambda x: 1 / x, cycle_momentum=False)
    assert first_group_lrs(opt, sched, 6) == pytest.approx([0.0, 1.0, 0.0, 0.5, 0.0, 1 / 3])   # x is the cycle


def test_cyclic_lr_cycles_adam_beta1_and_keeps_beta2():
    opt = make_optimizer(Adam, base_lrs=(1e-3,), betas=(0.95, 0.99))
    sched = CyclicLR(opt, base_lr=1e-3, max_lr=1e-2, step_size_up=2, base_momentum=0.7, max_momentum=0.9)
    betas = []
    for _ in range(4):
        betas.append(opt.param_groups[0]["betas"])
        opt.step()
        sched.step()
    assert [b1 for b1, _ in betas] == pytest.approx([0.9, 0.8, 0.7, 0.8])
    assert all(b2 == 0.99 for _, b2 in betas)
    assert sched.use_beta1


def test_cyclic_lr_errors():
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1 with `cycle_momentum` option "
                                         "enabled"):
        CyclicLR(make_optimizer(Adagrad), base_lr=0.01, max_lr=0.1)
    CyclicLR(make_optimizer(Adagrad), base_lr=0.01, max_lr=0.1, cycle_momentum=False)
    with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
        CyclicLR(make_optimizer(), base_lr=0.01, max_lr=0.1, mode="sine")
    with pytest.raises(ValueError, match="max_lr must have the same length as optimizer.param_groups. max_lr has 3 "
                                         "values, param_groups has 2."):
        CyclicLR(make_optimizer(), base_lr=0.01, max_lr=[0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="base_momentum must have the same length as optimizer.param_groups"):
        CyclicLR(make_optimizer(momentum=0.9), base_lr=0.01, max_lr=0.1, base_momentum=[0.8])
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        CyclicLR([], base_lr=0.01, max_lr=0.1)


def test_cyclic_lr_state_dict_keeps_a_callable_scale_fn_state():
    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, cycle):
            return self.rate ** cycle

    opt = make_optimizer(momentum=0.9)
    sched = CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=2, scale_fn=Decay(0.5))
    lr_sequence(opt, sched, 3)
    sched._scale_fn_custom.rate = 0.25
    saved_sched, saved_opt = copy.deepcopy(sched.state_dict()), copy.deepcopy(opt.state_dict())
    assert saved_sched["_scale_fn_custom"] == {"rate": 0.25} and list(saved_sched)[-1] == "_scale_fn_custom"
    expected = lr_sequence(opt, sched, 6)

    opt2 = make_optimizer(momentum=0.9)
    resumed = CyclicLR(opt2, base_lr=0.01, max_lr=0.1, step_size_up=2, scale_fn=Decay(0.5))
    opt2.load_state_dict(saved_opt)
    resumed.load_state_dict(saved_sched)
    assert lr_sequence(opt2, resumed, 6) == expected
    assert resumed._scale_fn_custom.rate == 0.25 and "_scale_fn_custom" in saved_sched


def test_cyclic_lr_state_dict_of_a_lambda_scale_fn_is_none():
    sched = CyclicLR(make_optimizer(momentum=0.9), base_lr=0.01, max_lr=0.1, scale_fn=lambda x: 1.0)
    assert sched.state_dict()["_scale_fn_custom"] is None


# ------------------------------------------------------------------------------------------------ against PyTorch
def _pair(name="SGD", base_lrs=BASE_LRS, **options):
    """The same optimiser in framework and in PyTorch, one param group per lr."""
    torch = pytest.importorskip("torch")
    ours = getattr(framework.optim, name)(
        [{"params": [framework.zeros(1, requires_grad=True)], "lr": lr} for lr in base_lrs], **options)
    theirs = getattr(torch.optim, name)(
        [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in base_lrs], **options)
    return (ours, lr_scheduler), (theirs, torch.optim.lr_scheduler)


def _trace(opt, sched, epochs):
    """lrs and momenta (or betas) of every group after each step; ``epochs`` entries of None step without one."""
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecation warning of step(epoch), on both sides
        for epoch in epochs:
            opt.step()
            sched.step() if epoch is None else sched.step(epoch)
            seen.append([(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups])
    return seen


def _same_as_pytorch(build, epochs=(None,) * 25, name="SGD", **options):
    (ours, m_ours), (theirs, m_theirs) = _pair(name, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SequentialLR restarting a ChainedScheduler warns of the step order (both)
        s_ours, s_theirs = build(ours, m_ours), build(theirs, m_theirs)
    assert s_ours.get_last_lr() == s_theirs.get_last_lr()
    assert _trace(ours, s_ours, epochs) == _trace(theirs, s_theirs, epochs)
    return s_ours, s_theirs


@pytest.mark.parametrize("name", [n for n in SCHEDULE_BUILDERS if n.split("-")[0] in NEW_SCHEDULERS])
def test_state_dict_equals_pytorch(name):
    ours, theirs = _same_as_pytorch(SCHEDULE_BUILDERS[name], momentum=0.9)
    assert ours.state_dict() == theirs.state_dict()
    assert list(ours.state_dict()) == list(theirs.state_dict())


@pytest.mark.parametrize("build", [
    lambda opt, m: m.ConstantLR(opt),
    lambda opt, m: m.ConstantLR(opt, factor=0.9, total_iters=3),   # 0.1 * 0.9 / 0.9 != 0.1 * 0.9 * (1 / 0.9)
    lambda opt, m: m.PolynomialLR(opt),
    lambda opt, m: m.CosineAnnealingWarmRestarts(opt, T_0=7),
    lambda opt, m: m.CyclicLR(opt, base_lr=0.01, max_lr=0.1),
], ids=["ConstantLR", "ConstantLR-0.9", "PolynomialLR", "CosineAnnealingWarmRestarts", "CyclicLR"])
def test_defaults_and_rounding_equal_pytorch(build):
    ours, theirs = _same_as_pytorch(build, momentum=0.9)
    assert ours.state_dict() == theirs.state_dict()


@pytest.mark.parametrize("T_mult", [1, 2, 3])
def test_warm_restarts_fractional_and_interleaved_epochs_equal_pytorch(T_mult):  # noqa: N803
    epochs = [i * 0.37 for i in range(30)] + [None, None, 20, None, 3.5, None, 0, None, None]
    _same_as_pytorch(lambda opt, m: m.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=T_mult, eta_min=0.01), epochs)


@pytest.mark.parametrize("build", [
    lambda opt, m: m.ConstantLR(opt, factor=0.5, total_iters=4),
    lambda opt, m: m.PolynomialLR(opt, total_iters=6, power=0.9),
    lambda opt, m: m.MultiplicativeLR(opt, lr_lambda=lambda epoch: 0.9),
    lambda opt, m: m.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=3),
], ids=["ConstantLR", "PolynomialLR", "MultiplicativeLR", "CyclicLR"])
def test_step_with_epoch_equals_pytorch(build):
    _same_as_pytorch(build, [0, 1, 3, 2, 7, 5, 5, 9, None, 12, 4, None, None], momentum=0.9)


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_lr_on_adam_equals_pytorch(mode):
    _same_as_pytorch(lambda opt, m: m.CyclicLR(opt, base_lr=[0.001, 0.002], max_lr=0.01, step_size_up=4,
                                               step_size_down=3, mode=mode, gamma=0.97,
                                               base_momentum=[0.8, 0.85], max_momentum=0.95),
                     name="Adam", betas=(0.9, 0.99))


@pytest.mark.parametrize("scale_mode", ["cycle", "iterations"])
def test_cyclic_lr_custom_scale_fn_equals_pytorch(scale_mode):
    _same_as_pytorch(lambda opt, m: m.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=2, step_size_down=5,
                                               scale_fn=lambda x: 0.8 ** x, scale_mode=scale_mode), momentum=0.9)


@pytest.mark.parametrize("build", [
    lambda opt, m: m.SequentialLR(opt, [m.ConstantLR(opt, factor=0.1, total_iters=3),
                                        m.CosineAnnealingWarmRestarts(opt, T_0=4)], milestones=[3]),
    lambda opt, m: m.SequentialLR(opt, [m.PolynomialLR(opt, total_iters=3),
                                        m.MultiplicativeLR(opt, lr_lambda=lambda epoch: 0.9)], milestones=[2]),
    lambda opt, m: m.SequentialLR(opt, [m.ChainedScheduler([m.ConstantLR(opt, factor=0.5, total_iters=2),
                                                            m.ExponentialLR(opt, gamma=0.9)]),
                                        m.PolynomialLR(opt, total_iters=6)], milestones=[5]),
    lambda opt, m: m.ChainedScheduler([m.PolynomialLR(opt, total_iters=10, power=2.0),
                                       m.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=3)], optimizer=opt),
], ids=["warmup-restarts", "poly-then-multiplicative", "chained-in-sequential", "chained-with-cyclic"])
def test_compositions_equal_pytorch(build):
    _same_as_pytorch(build, momentum=0.9)


@pytest.mark.parametrize("build", [
    lambda opt, m: m.ConstantLR(opt, factor=1.5),
    lambda opt, m: m.MultiplicativeLR(opt, lr_lambda=[lambda epoch: 1.0]),
    lambda opt, m: m.MultiplicativeLR(opt, lr_lambda=0.5),
    lambda opt, m: m.ChainedScheduler([]),
    lambda opt, m: m.ChainedScheduler([m.StepLR(opt, 2), m.ReduceLROnPlateau(opt)]),
    lambda opt, m: m.CosineAnnealingWarmRestarts(opt, T_0=0),
    lambda opt, m: m.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=0),
    lambda opt, m: m.CosineAnnealingWarmRestarts(opt, T_0=2, eta_min="0"),
    lambda opt, m: m.CosineAnnealingWarmRestarts(opt, T_0=2).step(-2),
    lambda opt, m: m.CyclicLR(opt, base_lr=0.01, max_lr=0.1, mode="sine"),
    lambda opt, m: m.CyclicLR(opt, base_lr=[0.01], max_lr=0.1),
], ids=["constant-factor", "lambda-count", "lambda-type", "chained-empty", "chained-plateau", "T_0", "T_mult",
        "eta_min", "negative-epoch", "cyclic-mode", "cyclic-base-lr"])
def test_errors_equal_pytorch(build):
    (ours, m_ours), (theirs, m_theirs) = _pair()
    with pytest.raises(Exception) as theirs_error:
        build(theirs, m_theirs)
    with pytest.raises(type(theirs_error.value), match="^" + re.escape(str(theirs_error.value)) + "$"):
        build(ours, m_ours)


def test_cycle_momentum_error_equals_pytorch():
    (ours, m_ours), (theirs, m_theirs) = _pair("Adagrad")
    with pytest.raises(ValueError) as theirs_error:
        m_theirs.CyclicLR(theirs, base_lr=0.01, max_lr=0.1)
    with pytest.raises(ValueError, match="^" + re.escape(str(theirs_error.value)) + "$"):
        m_ours.CyclicLR(ours, base_lr=0.01, max_lr=0.1)
