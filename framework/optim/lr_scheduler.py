"""Learning-rate schedulers: change ``group['lr']`` of an optimiser as training goes on.

Call ``scheduler.step()`` after ``optimizer.step()`` (once per epoch, or once per batch for OneCycleLR and
CyclicLR). The values are computed as PyTorch computes them: most schedulers update the current lr in a chained
(multiplicative) form, so they compose with manual lr changes (ChainedScheduler relies on it); ``step(epoch)``
uses the closed form where there is one.

Example:
    >>> opt = framework.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> sched = framework.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    >>> for epoch in range(100):
    ...     train_one_epoch(model, opt)
    ...     sched.step()
"""
import math
import types
import warnings
import weakref
from bisect import bisect_right
from collections import Counter
from functools import wraps

from .optimizer import Optimizer

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
           "ExponentialLR", "SequentialLR", "PolynomialLR", "CosineAnnealingLR", "ChainedScheduler",
           "ReduceLROnPlateau", "CyclicLR", "CosineAnnealingWarmRestarts", "OneCycleLR"]

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. "
    "Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch is different from "
    "None, the closed form is used instead of the new chainable form, where available. Please open an issue if "
    "you are unable to replicate your use case: https://github.com/pytorch/pytorch/issues/new/choose.")

STEP_ORDER_WARNING = (
    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, you should "
    "call them in the opposite order: `optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will "
    "result in PyTorch skipping the first value of the learning rate schedule. See more details at "
    "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate")

STEP_OVERRIDDEN_WARNING = (
    "Seems like `optimizer.step()` has been overridden after learning rate scheduler initialization. Please, "
    "make sure to call `optimizer.step()` before `lr_scheduler.step()`. See more details at "
    "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate")


def _check_optimizer(optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


def _count_optimizer_steps(optimizer):
    """Wrap ``optimizer.step`` (on the instance) so that it counts its calls in ``optimizer._opt_step_count``.

    This is how a scheduler notices that it is stepped before the optimiser. The wrapper holds the optimiser
    weakly, so it does not keep the optimiser alive through its own attribute.
    """
    step = getattr(optimizer.step, "__func__", None)
    if step is None or hasattr(optimizer.step, "_wrapped_by_lr_sched"):
        return  # already counted, or replaced by a plain function: step() then warns that it was overridden
    optimizer_ref = weakref.ref(optimizer)

    @wraps(step)
    def counted_step(*args, **kwargs):
        opt = optimizer_ref()
        opt._opt_step_count = getattr(opt, "_opt_step_count", 0) + 1
        return step(opt, *args, **kwargs)

    counted_step._wrapped_by_lr_sched = True
    optimizer.step = counted_step


def _per_group(name, optimizer, value):
    """``value`` repeated for every param group, or a list/tuple checked to have one entry per group."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. {name} has "
                             f"{len(value)} values, param_groups has {len(optimizer.param_groups)}.")
        return list(value)
    return [value] * len(optimizer.param_groups)


def _start_momentum_cycling(scheduler, optimizer, base_momentum, max_momentum, last_epoch):
    """Set up momentum cycling for OneCycleLR and CyclicLR and return ``(base_momentums, max_momentums)``.

    Momentum cycles through ``group['momentum']`` (SGD, RMSprop) or Adam's beta1. A fresh schedule
    (``last_epoch == -1``) starts every group at its max momentum and records both bounds in the group.
    """
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
    scheduler.use_beta1 = "betas" in optimizer.defaults
    max_momentums = _per_group("max_momentum", optimizer, max_momentum)
    base_momentums = _per_group("base_momentum", optimizer, base_momentum)
    if last_epoch == -1:
        for group, group_max, group_base in zip(optimizer.param_groups, max_momentums, base_momentums):
            _set_momentum(group, group_max, scheduler.use_beta1)
            group["max_momentum"] = group_max
            group["base_momentum"] = group_base
    return base_momentums, max_momentums


def _set_momentum(group, value, use_beta1):
    if use_beta1:
        group["betas"] = (value, *group["betas"][1:])  # beta2 (and anything after it) stays as it is
    else:
        group["momentum"] = value


class LRScheduler:
    """Base class of the schedulers: subclasses compute the new lrs in ``get_lr()``.

    Constructing a scheduler records ``group['initial_lr']`` (when ``last_epoch == -1``) and performs the
    initial step, which sets the lr for epoch 0. ``state_dict()`` holds everything but the optimiser.

    Example:
        >>> sched = framework.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
        >>> opt.step(); sched.step(); sched.get_last_lr()
        [0.09000000000000001]
    """

    _get_lr_called_within_step = False
    _is_initial = False

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                                   "scheduler with last_epoch >= 0.\nThis typically happens when:\n1. You're "
                                   "trying to resume training from a checkpoint but haven't properly loaded the "
                                   "optimizer state\n2. You're using last_epoch >= 0 for a fresh training run "
                                   "(not recommended)")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        _count_optimizer_steps(optimizer)
        self._initial_step()

    def _initial_step(self):
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        """The lrs for ``self.last_epoch``, one per param group (called by ``step``; use ``get_last_lr()``)."""
        raise NotImplementedError

    def get_last_lr(self):
        """The lrs set by the latest ``step()``, one per param group.

        Example:
            >>> sched.get_last_lr()
            [0.1]
        """
        return self._last_lr

    def step(self, epoch=None):
        """Advance one epoch (or jump to ``epoch``, deprecated) and write the new lrs into the optimiser."""
        if self._step_count == 1:
            if not hasattr(self.optimizer.step, "_wrapped_by_lr_sched"):
                warnings.warn(STEP_OVERRIDDEN_WARNING, UserWarning, stacklevel=2)
            elif getattr(self.optimizer, "_opt_step_count", 0) == 0:
                warnings.warn(STEP_ORDER_WARNING, UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        if epoch is None:
            self.last_epoch += 1
            self._set_lrs(self.get_lr)
        else:
            self.last_epoch = epoch
            self._set_lrs(getattr(self, "_get_closed_form_lr", self.get_lr))

    def _set_lrs(self, compute):
        """Write the lrs returned by ``compute()`` into the param groups and remember them for ``get_last_lr()``."""
        self._get_lr_called_within_step = True  # so that get_lr() knows a step called it and does not warn
        try:
            values = compute()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = self._current_lrs()

    def _current_lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def _warn_if_called_outside_step(self):
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, please use `get_last_lr()`.",
                          UserWarning, stacklevel=3)

    # attributes a state dict cannot hold as they are (functions, inner schedulers):
    # name -> (what to store for the value, how to restore the live value from what was stored)
    _converted_state = {}

    def state_dict(self):
        """Every attribute but the optimiser, e.g. ``{'step_size': 2, 'gamma': 0.1, 'base_lrs': [1.0], ...}``."""
        state = {key: value for key, value in self.__dict__.items()
                 if key != "optimizer" and key not in self._converted_state}
        for name, (to_state, _) in self._converted_state.items():
            state[name] = to_state(getattr(self, name))
        return state

    def load_state_dict(self, state_dict):
        """Restore a ``state_dict()`` (load the optimiser's own state dict as well)."""
        state = dict(state_dict)
        stored = {name: state.pop(name) for name in self._converted_state}
        self.__dict__.update(state)
        for name, (_, restore) in self._converted_state.items():
            restore(getattr(self, name), stored[name])


def _callable_state(fn):
    """What a state dict keeps of a user function: nothing for a plain function or lambda (it cannot be
    saved as data), the attributes of a callable object (so that its own state resumes)."""
    return None if fn is None or isinstance(fn, types.FunctionType) else fn.__dict__.copy()


def _restore_callable_state(fn, saved):
    if saved is not None:
        fn.__dict__.update(saved)


def _restore_each(restore):
    """``restore`` applied to a list of live values and the list stored for them."""
    def restore_all(values, stored):
        for value, saved in zip(values, stored):
            restore(value, saved)
    return restore_all


class _LambdaScheduler(LRScheduler):
    """Shared by LambdaLR and MultiplicativeLR: one ``lr_lambda(epoch)`` per param group (or one for all).

    In the state dict a lambda or function is stored as None, a callable object as its __dict__.
    """

    _converted_state = {"lr_lambdas": (lambda fns: [_callable_state(fn) for fn in fns],
                                       _restore_each(_restore_callable_state))}

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != len(optimizer.param_groups):
                raise ValueError(f"Expected {len(optimizer.param_groups)} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * len(optimizer.param_groups)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)


class LambdaLR(_LambdaScheduler):
    """``lr = initial_lr * lr_lambda(epoch)``, with one function for all groups or one per group.

    Example:
        >>> sched = LambdaLR(opt, lr_lambda=lambda epoch: 0.95 ** epoch)
    """

    def get_lr(self):
        self._warn_if_called_outside_step()
        return [base_lr * fn(self.last_epoch) for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(_LambdaScheduler):
    """Multiply the current lr by ``lr_lambda(epoch)`` at every epoch after the first.

    Unlike LambdaLR the factors compound, and a manual lr change carries through.

    Example:
        >>> sched = MultiplicativeLR(opt, lr_lambda=lambda epoch: 0.95)   # lr 0.1, 0.095, 0.09025, ...
    """

    def get_lr(self):
        self._warn_if_called_outside_step()
        if self._is_initial:  # resuming must not apply one more factor than the run it resumes
            return self._current_lrs()
        return [lr * fn(self.last_epoch) for fn, lr in zip(self.lr_lambdas, self._current_lrs())]


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs.

    Example:
        >>> sched = StepLR(opt, step_size=30, gamma=0.1)   # lr 0.1 for epochs 0-29, 0.01 for 30-59, ...
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_if_called_outside_step()
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the lr by ``gamma`` at each milestone epoch (a milestone listed twice multiplies twice).

    Example:
        >>> sched = MultiStepLR(opt, milestones=[30, 80], gamma=0.1)
    """

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_if_called_outside_step()
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        milestones = sorted(self.milestones.elements())
        return [base_lr * self.gamma ** bisect_right(milestones, self.last_epoch) for base_lr in self.base_lrs]


class ConstantLR(LRScheduler):
    """Multiply the lr by a constant ``factor`` for the first ``total_iters`` epochs, then restore it.

    Example:
        >>> sched = ConstantLR(opt, factor=0.5, total_iters=4)   # lr 0.05 for epochs 0-3, 0.1 from epoch 4
    """

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        if factor > 1.0 or factor < 0:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_if_called_outside_step()
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._current_lrs()]
        if self.last_epoch != self.total_iters:
            return self._current_lrs()
        if self.factor == 0:  # the chained form cannot divide the factor back out (PyTorch raises ZeroDivisionError)
            return self.base_lrs.copy()
        return [lr * (1.0 / self.factor) for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [base_lr * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))
                for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale the lr by a factor going linearly from ``start_factor`` to ``end_factor`` over ``total_iters`` epochs.

    Example:
        >>> sched = LinearLR(opt, start_factor=0.1, total_iters=5)   # warm-up: 0.1x, 0.28x, ... 1x from epoch 5
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_if_called_outside_step()
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._current_lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        slope = self.end_factor - self.start_factor
        factor = 1.0 + slope / (self.total_iters * self.start_factor + (self.last_epoch - 1) * slope)
        return [lr * factor for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        progress = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)
                for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every epoch.

    Example:
        >>> sched = ExponentialLR(opt, gamma=0.95)
    """

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_if_called_outside_step()
        if self._is_initial:  # resuming must not move the lr one epoch ahead of itself
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]


class PolynomialLR(LRScheduler):
    """Decay the lr to zero over ``total_iters`` epochs: ``lr = initial_lr * (1 - t / total_iters) ** power``.

    From epoch ``total_iters`` on the lr stays at zero (or wherever a manual change put it).

    Example:
        >>> sched = PolynomialLR(opt, total_iters=50, power=0.9)   # lr 0.1, 0.0982, 0.0964, ... 0 from epoch 50
    """

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_if_called_outside_step()
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        # The ratio of this epoch's polynomial to the previous one: the chained form of the closed form below.
        decay = ((1.0 - self.last_epoch / self.total_iters)
                 / (1.0 - (self.last_epoch - 1) / self.total_iters)) ** self.power
        return [lr * decay for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [base_lr * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
                for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from the initial lr down to ``eta_min`` over ``T_max`` epochs (SGDR without restarts:
    Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017).

    ``lr_t = eta_min + (initial_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2``, computed in PyTorch's chained
    form; past ``T_max`` it rises again (the schedule is periodic with period ``2 * T_max``).

    Example:
        >>> sched = CosineAnnealingLR(opt, T_max=100, eta_min=1e-5)
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):  # noqa: N803  (PyTorch's name)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_if_called_outside_step()
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and t > 0:
            return [eta_min + (base_lr - eta_min) * (1 + math.cos(t * math.pi / T)) / 2 for base_lr in self.base_lrs]
        if (t - 1 - T) % (2 * T) == 0:
            return [lr + (base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for base_lr, lr in zip(self.base_lrs, self._current_lrs())]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - eta_min) + eta_min for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base_lr in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing with warm restarts (SGDR: Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with
    Warm Restarts", ICLR 2017): the lr anneals from the initial lr towards ``eta_min`` over ``T_0`` epochs, then
    jumps back up; every restart makes the next period ``T_mult`` times longer.

    ``lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2``, where ``T_cur`` counts the
    epochs since the last restart and ``T_i`` is the current period. ``step(epoch)`` accepts a fractional
    epoch, to anneal within an epoch.

    Example:
        >>> sched = CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=2)   # restarts at epochs 10, 30, 70, ...
        >>> for epoch in range(100):
        ...     for i, batch in enumerate(loader):
        ...         train_step(batch)
        ...         sched.step(epoch + i / len(loader))
    """

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):  # noqa: N803  (PyTorch's names)
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_if_called_outside_step()
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for base_lr in self.base_lrs]

    def step(self, epoch=None):
        """Advance one epoch, or go to ``epoch`` (a float for a point within an epoch); no deprecation warning.

        As in PyTorch this scheduler does not check that ``optimizer.step()`` came first, and
        ``step()`` after ``step(epoch)`` carries on from ``epoch``.
        """
        if epoch is None and self.last_epoch < 0:
            epoch = 0  # the initial step
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"Expected non-negative epoch, but got {epoch}")
            self.T_i, self.T_cur = self._period_at(epoch)
        self.last_epoch = math.floor(epoch)
        self._set_lrs(self.get_lr)

    def _period_at(self, epoch):
        """``(T_i, T_cur)`` at ``epoch``: the length of the period it falls in and how far into it it is."""
        if epoch < self.T_0:
            return self.T_0, epoch
        if self.T_mult == 1:
            return self.T_0, epoch % self.T_0
        # Walk the restarts rather than invert the geometric sum with math.log, which rounds an exact restart
        # epoch to just below it (log(1000, 10) < 3) and so misses the restart.
        period, start = self.T_0, 0
        while epoch >= start + period:
            start += period
            period *= self.T_mult
        return period, epoch - start


class _SchedulerComposition(LRScheduler):
    """Shared by SequentialLR and ChainedScheduler: a scheduler made of other schedulers of one optimiser.

    Its state dict holds each inner scheduler's state dict under ``'_schedulers'``.
    """

    _converted_state = {"_schedulers": (lambda schedulers: [s.state_dict() for s in schedulers],
                                        _restore_each(lambda scheduler, saved: scheduler.load_state_dict(saved)))}

    def _check_schedulers(self, optimizer, schedulers, empty_message):
        name = type(self).__name__
        if len(schedulers) < 1:
            raise ValueError(f"{name} {empty_message}")
        for i, scheduler in enumerate(schedulers):
            if not hasattr(scheduler, "optimizer"):
                raise TypeError(f"{name} at index {i} should have `optimizer` as its attribute.")
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(f"{name} does not support `ReduceLROnPlateau` scheduler as it requires additional "
                                 "kwargs to be specified when calling `step`, but got one at index "
                                 f"{i} in the given schedulers sequence.")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"{name} expects all schedulers to belong to the same optimizer, but got scheduler "
                                 f"{type(scheduler).__name__} at index {i} has {scheduler.optimizer}, which is "
                                 f"different from {type(optimizer).__name__}.")


class SequentialLR(_SchedulerComposition):
    """Run ``schedulers`` one after another, switching at the ``milestones`` epochs (e.g. warm-up then decay).

    Example:
        >>> warmup = LinearLR(opt, start_factor=0.1, total_iters=5)
        >>> decay = CosineAnnealingLR(opt, T_max=95)
        >>> sched = SequentialLR(opt, schedulers=[warmup, decay], milestones=[5])
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):  # noqa: super().__init__ not called
        self._check_schedulers(optimizer, schedulers, "expects at least one scheduler, but got no scheduler.")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError("Sequential Schedulers expects number of schedulers provided to be one more than the "
                             f"number of milestone points, but got number of schedulers {len(schedulers)} and the "
                             f"number of milestones to be equal to {len(milestones)}")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # Each scheduler made its own initial step when built; undo them and start the first one afresh.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self._undo_initial_steps(self)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    @classmethod
    def _undo_initial_steps(cls, scheduler):
        children = getattr(scheduler, "_schedulers", None)
        if children is not None:
            for child in children:
                cls._undo_initial_steps(child)
        elif hasattr(scheduler, "last_epoch"):
            scheduler.last_epoch -= 1

    def step(self):
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)  # the next scheduler starts at its own epoch 0
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_SchedulerComposition):
    """Step several schedulers of one optimiser together: each ``step()`` steps them all, in order.

    Chained-form schedulers compose multiplicatively, so the lr is the product of their factors.
    ``optimizer`` defaults to the schedulers' optimiser.

    Example:
        >>> warmup = ConstantLR(opt, factor=0.1, total_iters=20)
        >>> decay = ExponentialLR(opt, gamma=0.9)
        >>> sched = ChainedScheduler([warmup, decay])   # lr 0.1 * 0.1 * 0.9 ** t for t < 20, then 0.1 * 0.9 ** t
    """

    def __init__(self, schedulers, optimizer=None):  # noqa: super().__init__ not called (no initial step)
        if optimizer is None and len(schedulers) > 0:
            optimizer = getattr(schedulers[0], "optimizer", None)
        self._check_schedulers(optimizer, schedulers, "expects at least one scheduler to be chained, but got no "
                                                      "scheduler.")
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = self._current_lrs()

    def step(self):
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = self._current_lrs()


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, "Super-Convergence: Very Fast Training of Neural Networks Using Large
    Learning Rates", 2017): the lr rises from ``max_lr / div_factor`` to ``max_lr`` over ``pct_start`` of the
    steps, then anneals to ``initial_lr / final_div_factor``; momentum (or Adam's beta1) cycles the other way.

    Step it after every batch. With ``three_phase=True`` the descent is symmetric and a third phase anneals
    to the minimum, as in the paper.

    Example:
        >>> sched = OneCycleLR(opt, max_lr=0.1, total_steps=1000)
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95,
                 div_factor=25.0, final_div_factor=1e4, three_phase=False, last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError(f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        if not isinstance(pct_start, float) or pct_start < 0 or pct_start > 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._schedule_phases = self._phases(pct_start, three_phase)
        self._anneal_func_type = anneal_strategy

        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, group_max_lr in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = group_max_lr / div_factor
                group["max_lr"] = group_max_lr
                group["min_lr"] = group["initial_lr"] / final_div_factor

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:  # the bounds live in the param groups, where get_lr() reads them
            _start_momentum_cycling(self, optimizer, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)

    def _phases(self, pct_start, three_phase):
        rise_end = float(pct_start * self.total_steps) - 1
        last = self.total_steps - 1

        def phase(end_step, start_lr, end_lr, start_momentum, end_momentum):
            return {"end_step": end_step, "start_lr": start_lr, "end_lr": end_lr,
                    "start_momentum": start_momentum, "end_momentum": end_momentum}

        if three_phase:
            return [phase(rise_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                    phase(float(2 * pct_start * self.total_steps) - 2, "max_lr", "initial_lr",
                          "base_momentum", "max_momentum"),
                    phase(last, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        return [phase(rise_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                phase(last, "max_lr", "min_lr", "base_momentum", "max_momentum")]

    def _anneal(self, start, end, pct):
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        self._warn_if_called_outside_step()
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ValueError(f"Tried to step {step_num} times. The specified number of total steps is "
                             f"{self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step_num <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step_num - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        _set_momentum(group, self._anneal(group[phase["start_momentum"]],
                                                          group[phase["end_momentum"]], pct), self.use_beta1)
                    break
                start_step = end_step
        return lrs


class CyclicLR(LRScheduler):
    """Cyclical learning rates (Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017): the lr
    goes up from ``base_lr`` to ``max_lr`` over ``step_size_up`` steps and back down over ``step_size_down``
    (default: the same), again and again. Momentum (or Adam's beta1) cycles the other way, between
    ``max_momentum`` and ``base_momentum``.

    Step it after every batch. ``mode`` scales the height of each cycle: ``'triangular'`` keeps it,
    ``'triangular2'`` halves it every cycle, ``'exp_range'`` multiplies it by ``gamma ** step``. A custom
    ``scale_fn(x)`` in [0, 1] replaces the mode; ``scale_mode`` says whether ``x`` is the cycle number
    (from 1) or the step.

    Example:
        >>> sched = CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=500, mode="triangular2")
        >>> for batch in loader:
        ...     train_step(batch)
        ...     sched.step()
    """

    _MODE_SCALE_MODES = {"triangular": "cycle", "triangular2": "cycle", "exp_range": "iterations"}
    # a custom scale_fn is stored as None when it is a function, as its __dict__ when it is a callable object
    _converted_state = {"_scale_fn_custom": (_callable_state, _restore_callable_state)}

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
                 gamma=1.0, scale_fn=None, scale_mode="cycle", cycle_momentum=True, base_momentum=0.8,
                 max_momentum=0.9, last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for group, lr in zip(optimizer.param_groups, base_lrs):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        step_size_up = float(step_size_up)
        step_size_down = float(step_size_down) if step_size_down is not None else step_size_up
        self.total_size = step_size_up + step_size_down
        self.step_ratio = step_size_up / self.total_size
        if mode not in self._MODE_SCALE_MODES and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        # A built-in mode decides what its scale function is evaluated on.
        self.scale_mode = scale_mode if scale_fn is not None else self._MODE_SCALE_MODES[mode]
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.base_momentums, self.max_momentums = _start_momentum_cycling(
                self, optimizer, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)
        # base_lr is the bottom of the cycle even where an earlier scheduler left another initial_lr in the groups.
        # As in PyTorch it takes over only after the initial step, so that the first lr is the same as PyTorch's.
        self.base_lrs = base_lrs

    def scale_fn(self, x):
        """The height of the cycle, as a fraction of ``max_lr - base_lr``, at ``x`` (a cycle number or a step)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self):
        self._warn_if_called_outside_step()
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle  # how far into its cycle this step is, in [0, 1)
        if x <= self.step_ratio:
            rise = x / self.step_ratio
        else:
            rise = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base_lr + (max_lr - base_lr) * rise * scale for base_lr, max_lr in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, base, top in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                _set_momentum(group, top - (top - base) * rise * scale, self.use_beta1)
        return lrs



class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by ``factor`` once a metric has stopped improving for more than ``patience`` epochs.

    ``step(metric)`` takes the value to watch (e.g. the validation loss); ``mode='max'`` for accuracies.
    An epoch improves when the metric beats the best one by ``threshold`` (relative or absolute). After a
    reduction, ``cooldown`` epochs pass before bad epochs count again; lrs never go below ``min_lr``, and a
    reduction smaller than ``eps`` is skipped.

    Example:
        >>> sched = ReduceLROnPlateau(opt, mode='min', factor=0.5, patience=3)
        >>> for epoch in range(100):
        ...     train_one_epoch(model, opt)
        ...     sched.step(validate(model))
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):  # noqa: super().__init__ not called: there is no initial step
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        self.factor = factor
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(f"expected {len(optimizer.param_groups)} min_lrs, got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = self._current_lrs()
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _reset(self):
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def _init_is_better(self, mode, threshold, threshold_mode):
        if mode not in ("min", "max"):
            raise ValueError("mode " + str(mode) + " is unknown!")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError("threshold mode " + str(threshold_mode) + " is unknown!")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def _is_better(self, value, best):
        if self.mode == "min":
            return value < (best * (1.0 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold)
        return value > (best * (self.threshold + 1.0) if self.threshold_mode == "rel" else best + self.threshold)

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def step(self, metrics, epoch=None):
        """Record one epoch's ``metrics`` (a number or 0-d tensor) and reduce the lrs if it has plateaued."""
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    def _reduce_lr(self):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"The number of param groups in the `optimizer` ({len(groups)}) differs from when "
                    f"`ReduceLROnPlateau` was initialized ({len(self.min_lrs)}), usually due to a new param group "
                    "being added to the optimizer. Please modify the `min_lrs` field to match the length of the "
                    "`optimizer` param groups.")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
