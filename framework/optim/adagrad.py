"""Adagrad, with optional learning-rate decay and weight decay."""
import numpy as np

from ..autograd.tensor import Tensor
from ._inplace import add_scaled_product_, add_scaled_quotient_, effective_grad
from .optimizer import check_non_negative, new_step_counter, Optimizer, params_with_grad


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and Stochastic
    Optimization", JMLR 2011).

    For each parameter ``p`` with gradient ``g`` (PyTorch's update, step by step)::

        t = t + 1
        g = -g                                  if maximize
        g = g + weight_decay * p                if weight_decay != 0     (coupled / L2 decay)
        clr = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g * g                       (sum starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(sum) + eps)

    State per parameter: ``'step'`` and ``'sum'``, created by the constructor as in PyTorch (so a fresh
    optimiser's state_dict already lists them). ``foreach`` and ``fused`` are accepted and change nothing.

    Example:
        >>> opt = framework.optim.Adagrad(model.parameters(), lr=1e-2)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p, group):
        state = self.state[p]
        state["step"] = new_step_counter()
        state["sum"] = Tensor(np.full_like(p._data, group["initial_accumulator_value"]))
        return state

    @staticmethod
    def _check_group(group):
        Optimizer._check_group(group)
        check_non_negative(group, "lr_decay", "lr_decay value")
        check_non_negative(group, "weight_decay", "weight_decay value")
        check_non_negative(group, "initial_accumulator_value", "initial_accumulator_value value")
        check_non_negative(group, "eps", "epsilon value")

    def _step_group(self, group):
        lr = float(group["lr"])
        lr_decay = float(group["lr_decay"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        maximize = group["maximize"]
        pool = self._scratch
        for p in params_with_grad(group):
            param = p._data
            # Groups added after construction get their state on their first step.
            state = self.state[p] or self._init_state(p, group)
            step = state["step"]._data
            step += 1
            clr = lr / (1.0 + (float(step) - 1.0) * lr_decay)
            g = effective_grad(param, p._grad._data, weight_decay, maximize, pool)
            state_sum = state["sum"]._data
            std = pool.get(param, 1)
            add_scaled_product_(state_sum, g, g, 1.0, std)
            np.sqrt(state_sum, out=std)
            std += eps
            add_scaled_quotient_(param, g, std, -clr, pool.get(param, 0))
            p._bump()
