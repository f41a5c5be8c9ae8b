"""Test helpers: two small problems with hand-written gradients, and the optimisers' update equations
written out plainly in numpy (fresh arrays everywhere, float64) exactly as the PyTorch reference states them.

The framework's optimisers are checked against these (``framework_run`` drives one the same way).
"""
import numpy as np

import framework
from framework.autograd.tensor import Tensor


# ---------------------------------------------------------------------------------------------- problems
class Quadratic:
    """``mean((X @ w - y) ** 2)`` with ``X`` (4, 3), ``w`` (3,), ``y`` (4,): the reference's probe problem."""

    def __init__(self, seed=0):
        rng = np.random.default_rng(seed)
        self.X = rng.standard_normal((4, 3))
        self.y = rng.standard_normal(4)
        self.initial = [rng.standard_normal(3)]

    def grads(self, params):
        (w,) = params
        residual = self.X @ w - self.y
        return [2.0 / len(self.y) * self.X.T @ residual]


class MLP:
    """A 3-4-2 tanh MLP with an MSE loss; forward and backward written by hand."""

    def __init__(self, seed=1):
        rng = np.random.default_rng(seed)
        self.x = rng.standard_normal((5, 3))
        self.y = rng.standard_normal((5, 2))
        self.initial = [rng.standard_normal((3, 4)) * 0.5, rng.standard_normal(4) * 0.1,
                        rng.standard_normal((4, 2)) * 0.5, rng.standard_normal(2) * 0.1]

    def grads(self, params):
        w1, b1, w2, b2 = params
        hidden = np.tanh(self.x @ w1 + b1)
        out = hidden @ w2 + b2
        d_out = 2.0 * (out - self.y) / out.size
        d_hidden = (d_out @ w2.T) * (1.0 - hidden ** 2)
        return [self.x.T @ d_hidden, d_hidden.sum(0), hidden.T @ d_out, d_out.sum(0)]


PROBLEMS = {"quadratic": Quadratic, "mlp": MLP}


# ---------------------------------------------------------------------------------------------- update rules
# Each rule: rule(param, grad, state, options) -> new param; `state` is a dict owned by the caller.

def sgd_rule(p, g, state, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False):
    if maximize:
        g = -g
    if weight_decay != 0:
        g = g + weight_decay * p
    if momentum != 0:
        if "buf" not in state:
            state["buf"] = g.copy()                       # first step: no dampening
        else:
            state["buf"] = momentum * state["buf"] + (1 - dampening) * g
        g = g + momentum * state["buf"] if nesterov else state["buf"]
    return p - lr * g


def adam_rule(p, g, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False,
              decoupled=False):
    beta1, beta2 = betas
    if maximize:
        g = -g
    state["t"] = t = state.get("t", 0) + 1
    if weight_decay != 0:
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
    m = state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
    v = state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
    if amsgrad:
        v = state["vmax"] = np.maximum(state.get("vmax", 0.0), v)
    denom = np.sqrt(v) / np.sqrt(1 - beta2 ** t) + eps
    return p - (lr / (1 - beta1 ** t)) * m / denom


def adamw_rule(p, g, state, weight_decay=1e-2, **options):
    return adam_rule(p, g, state, weight_decay=weight_decay, decoupled=True, **options)


def rmsprop_rule(p, g, state, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 maximize=False):
    if maximize:
        g = -g
    if weight_decay != 0:
        g = g + weight_decay * p
    v = state["v"] = alpha * state.get("v", 0.0) + (1 - alpha) * g * g
    if centered:
        g_avg = state["g_avg"] = alpha * state.get("g_avg", 0.0) + (1 - alpha) * g
        avg = np.sqrt(v - g_avg * g_avg) + eps
    else:
        avg = np.sqrt(v) + eps
    if momentum > 0:
        buf = state["buf"] = momentum * state.get("buf", 0.0) + g / avg
        return p - lr * buf
    return p - lr * g / avg


def adagrad_rule(p, g, state, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 maximize=False):
    state["t"] = t = state.get("t", 0) + 1
    if maximize:
        g = -g
    if weight_decay != 0:
        g = g + weight_decay * p
    clr = lr / (1 + (t - 1) * lr_decay)
    total = state["sum"] = state.get("sum", initial_accumulator_value) + g * g
    return p - clr * g / (np.sqrt(total) + eps)


RULES = {"SGD": sgd_rule, "Adam": adam_rule, "AdamW": adamw_rule, "RMSprop": rmsprop_rule,
         "Adagrad": adagrad_rule}


def reference_run(name, options, problem, steps=10):
    """Parameters after each of ``steps`` updates of optimiser ``name`` with ``options`` on ``problem``.

    ``options`` is one dict for all parameters, or a list with one dict per parameter (param groups).
    """
    rule = RULES[name]
    params = [p.copy() for p in problem.initial]
    per_param = options if isinstance(options, list) else [options] * len(params)
    states = [{} for _ in params]
    history = []
    for _ in range(steps):
        grads = problem.grads(params)
        params = [rule(p, g, s, **o) for p, g, s, o in zip(params, grads, states, per_param)]
        history.append([p.copy() for p in params])
    return history


def framework_run(optimizer_class, options, problem, steps=10, dtype=np.float64):
    """The same run with a framework optimiser: grads are computed in numpy and assigned to ``.grad``."""
    params = [Tensor(p.astype(dtype), requires_grad=True) for p in problem.initial]
    opt = optimizer_class(params, **options)
    history = []
    for _ in range(steps):
        run_one_step(opt, params, problem)
        history.append([p._data.copy() for p in params])
    return history


def run_one_step(opt, params, problem):
    grads = problem.grads([p._data.astype(np.float64) for p in params])
    for p, g in zip(params, grads):
        p.grad = Tensor(g.astype(p._data.dtype))
    opt.step()


def assert_same_history(actual, expected, rtol=1e-12, atol=1e-12):
    assert len(actual) == len(expected)
    for step, (got, want) in enumerate(zip(actual, expected)):
        for i, (a, b) in enumerate(zip(got, want)):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"step {step + 1}, parameter {i}")


# ---------------------------------------------------------------------------------------------- option grids
def _grid(**axes):
    keys = list(axes)
    combos = [{}]
    for key in keys:
        combos = [dict(c, **{key: v}) for c in combos for v in axes[key]]
    return combos


def _sgd_configs():
    configs = []
    for c in _grid(momentum=[0, 0.9], dampening=[0, 0.5], nesterov=[False, True], weight_decay=[0, 0.1],
                   maximize=[False, True]):
        if c["momentum"] == 0 and (c["dampening"] or c["nesterov"]):
            continue  # dampening/nesterov mean nothing (or are invalid) without momentum
        if c["nesterov"] and c["dampening"]:
            continue  # invalid: Nesterov requires zero dampening
        configs.append(dict(c, lr=0.1))
    return configs


def _adam_like_configs(weight_decays):
    bases = [{}, {"lr": 0.1}, {"lr": 0.1, "betas": (0.5, 0.9), "eps": 1e-3}]
    return [dict(b, **c) for b in bases
            for c in _grid(weight_decay=weight_decays, amsgrad=[False, True], maximize=[False, True])]


CONFIGS = {
    "SGD": _sgd_configs(),
    "Adam": _adam_like_configs([0, 0.1]),
    "AdamW": _adam_like_configs([0, 0.01, 0.1]),
    "RMSprop": _grid(alpha=[0.99, 0.9], centered=[False, True], momentum=[0, 0.9], weight_decay=[0, 0.1],
                     maximize=[False, True]),
    "Adagrad": [dict(c, lr=0.1) for c in _grid(lr_decay=[0, 0.1], weight_decay=[0, 0.1],
                                               initial_accumulator_value=[0, 0.5], maximize=[False, True])],
}


def cases(name):
    """pytest params (options, problem name) for every option combination of ``name`` on both problems."""
    import pytest
    return [pytest.param(options, problem, id=f"{problem}-" + ",".join(f"{k}={v}" for k, v in sorted(options.items())))
            for options in CONFIGS[name] for problem in PROBLEMS]


# ---------------------------------------------------------------------------------------------- schedulers
BASE_LRS = (1.0, 0.1)


def make_optimizer(cls=None, base_lrs=BASE_LRS, **options):
    """An optimiser (framework's SGD by default) with one param group per lr in ``base_lrs``."""
    cls = framework.optim.SGD if cls is None else cls
    groups = [{"params": [framework.zeros(2, requires_grad=True)], "lr": lr} for lr in base_lrs]
    return cls(groups, **options)


def lr_sequence(opt, sched, steps=20):
    """The lr of every group, read before each ``opt.step(); sched.step()`` (the order PyTorch asks for)."""
    seen = []
    for _ in range(steps):
        seen.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step()
    return seen

# name -> build(optimizer, scheduler module): the same calls work on framework's and on PyTorch's lr_scheduler.
SCHEDULE_BUILDERS = {
    "StepLR": lambda opt, m: m.StepLR(opt, step_size=3, gamma=0.5),
    "MultiStepLR": lambda opt, m: m.MultiStepLR(opt, milestones=[2, 5, 5, 11], gamma=0.1),
    "ExponentialLR": lambda opt, m: m.ExponentialLR(opt, gamma=0.9),
    "CosineAnnealingLR": lambda opt, m: m.CosineAnnealingLR(opt, T_max=6, eta_min=0.01),
    "LinearLR": lambda opt, m: m.LinearLR(opt, start_factor=0.25, end_factor=0.75, total_iters=8),
    "LambdaLR": lambda opt, m: m.LambdaLR(opt, lr_lambda=lambda epoch: 1.0 / (1.0 + epoch)),
    "LambdaLR-per-group": lambda opt, m: m.LambdaLR(opt, lr_lambda=[lambda e: 0.9 ** e, lambda e: 0.9 ** e]),
    "OneCycleLR-cos": lambda opt, m: m.OneCycleLR(opt, max_lr=list(BASE_LRS), total_steps=20),
    "OneCycleLR-linear": lambda opt, m: m.OneCycleLR(opt, max_lr=list(BASE_LRS), epochs=4, steps_per_epoch=5,
                                                     anneal_strategy="linear", pct_start=0.25),
    "OneCycleLR-three-phase": lambda opt, m: m.OneCycleLR(opt, max_lr=list(BASE_LRS), total_steps=20,
                                                          three_phase=True, div_factor=10.0, final_div_factor=100.0),
    "SequentialLR": lambda opt, m: m.SequentialLR(opt, [m.LinearLR(opt, start_factor=0.1, total_iters=4),
                                                        m.ExponentialLR(opt, gamma=0.8)], milestones=[4]),
    "ConstantLR": lambda opt, m: m.ConstantLR(opt, factor=0.5, total_iters=4),
    "PolynomialLR": lambda opt, m: m.PolynomialLR(opt, total_iters=8, power=2.0),
    "MultiplicativeLR": lambda opt, m: m.MultiplicativeLR(opt, lr_lambda=lambda epoch: 1.0 - 0.01 * epoch),
    "ChainedScheduler": lambda opt, m: m.ChainedScheduler([m.ConstantLR(opt, factor=0.5, total_iters=4),
                                                           m.ExponentialLR(opt, gamma=0.9)]),
    "CosineAnnealingWarmRestarts": lambda opt, m: m.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.01),
    "CosineAnnealingWarmRestarts-T_mult-1": lambda opt, m: m.CosineAnnealingWarmRestarts(opt, T_0=4),
    # The cycle: 3 steps up from base_lr (a tenth of the group's lr) to max_lr, 2 steps down.
    "CyclicLR-triangular": lambda opt, m: m.CyclicLR(opt, base_lr=[lr / 10 for lr in BASE_LRS], max_lr=list(BASE_LRS),
                                                     step_size_up=3, step_size_down=2),
    "CyclicLR-triangular2": lambda opt, m: m.CyclicLR(opt, base_lr=[lr / 10 for lr in BASE_LRS],
                                                      max_lr=list(BASE_LRS), step_size_up=3, step_size_down=2,
                                                      mode="triangular2"),
    "CyclicLR-exp_range": lambda opt, m: m.CyclicLR(opt, base_lr=[lr / 10 for lr in BASE_LRS], max_lr=list(BASE_LRS),
                                                    step_size_up=3, step_size_down=2, mode="exp_range", gamma=0.9),
}
