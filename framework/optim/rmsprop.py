"""RMSprop, with optional momentum, centering and weight decay."""
import numpy as np

from ..autograd.tensor import Tensor
from ._inplace import add_scaled_, add_scaled_product_, add_scaled_quotient_, effective_grad, lerp_
from .optimizer import check_non_negative, new_step_counter, Optimizer, params_with_grad


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, "Neural Networks for Machine Learning", lecture 6e, 2012), with the centered
    variant of Graves, "Generating Sequences With Recurrent Neural Networks" (2013).

    For each parameter ``p`` with gradient ``g`` (PyTorch's update, step by step)::

        g = -g                                      if maximize
        g = g + weight_decay * p                    if weight_decay != 0     (coupled / L2 decay)
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            g_avg = g_avg + (1 - alpha) * (g - g_avg)
            avg = sqrt(v - g_avg * g_avg) + eps
        else:
            avg = sqrt(v) + eps
        if momentum > 0:
            buf = momentum * buf + g / avg ;  p = p - lr * buf
        else:
            p = p - lr * g / avg

    State per parameter: ``'step'``, ``'square_avg'``, plus ``'momentum_buffer'`` (momentum > 0) and
    ``'grad_avg'`` (centered). ``foreach`` and ``capturable`` are accepted and change nothing.

    Example:
        >>> opt = framework.optim.RMSprop(model.parameters(), lr=1e-2, alpha=0.99)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    @staticmethod
    def _check_group(group):
        Optimizer._check_group(group)
        check_non_negative(group, "eps", "epsilon value")
        check_non_negative(group, "momentum", "momentum value")
        check_non_negative(group, "weight_decay", "weight_decay value")
        check_non_negative(group, "alpha", "alpha value")

    def _step_group(self, group):
        lr = float(group["lr"])
        alpha = float(group["alpha"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        momentum = float(group["momentum"])
        centered, maximize = group["centered"], group["maximize"]
        pool = self._scratch
        for p in params_with_grad(group):
            param = p._data
            state = self.state[p]
            if not state:
                state["step"] = new_step_counter()
                state["square_avg"] = Tensor(np.zeros_like(param))
            if momentum > 0 and "momentum_buffer" not in state:
                state["momentum_buffer"] = Tensor(np.zeros_like(param))
            if centered and "grad_avg" not in state:
                state["grad_avg"] = Tensor(np.zeros_like(param))
            state["step"]._data += 1
            g = effective_grad(param, p._grad._data, weight_decay, maximize, pool)
            square_avg = state["square_avg"]._data
            avg = pool.get(param, 1)
            square_avg *= alpha
            add_scaled_product_(square_avg, g, g, 1.0 - alpha, avg)
            if centered:
                grad_avg = state["grad_avg"]._data
                lerp_(grad_avg, g, 1.0 - alpha, avg)
                np.multiply(grad_avg, grad_avg, out=avg)
                np.subtract(square_avg, avg, out=avg)
                np.sqrt(avg, out=avg)
            else:
                np.sqrt(square_avg, out=avg)
            avg += eps
            update = pool.get(param, 0)  # may be g itself; g is not needed after this
            if momentum > 0:
                buf = state["momentum_buffer"]._data
                buf *= momentum
                add_scaled_quotient_(buf, g, avg, 1.0, update)
                add_scaled_(param, buf, -lr, avg)
            else:
                add_scaled_quotient_(param, g, avg, -lr, update)
            p._bump()
