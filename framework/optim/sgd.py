"""Stochastic gradient descent, with optional momentum, dampening, Nesterov momentum and weight decay."""
import numpy as np

from ..autograd.tensor import Tensor
from ._inplace import add_scaled_, effective_grad
from .optimizer import check_non_negative, Optimizer, params_with_grad


class SGD(Optimizer):
    r"""Stochastic gradient descent (Robbins & Monro, "A Stochastic Approximation Method", 1951), with
    heavy-ball momentum (Polyak, 1964) and Nesterov momentum in the form of Sutskever et al., "On the
    importance of initialization and momentum in deep learning" (ICML 2013).

    For each parameter ``p`` with gradient ``g`` (PyTorch's update, step by step)::

        g = -g                              if maximize
        g = g + weight_decay * p            if weight_decay != 0     (coupled / L2 decay)
        if momentum != 0:
            buf = g                         on the first step (no dampening)
            buf = momentum * buf + (1 - dampening) * g     afterwards
            g = g + momentum * buf          if nesterov, else g = buf
        p = p - lr * g

    State: ``'momentum_buffer'`` per parameter, only when ``momentum != 0``.
    ``foreach`` and ``fused`` are accepted for compatibility and change nothing (there is one numpy kernel).

    Example:
        >>> opt = framework.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
        >>> opt.zero_grad(); loss.backward(); opt.step()
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)

    @staticmethod
    def _check_group(group):
        Optimizer._check_group(group)
        check_non_negative(group, "momentum", "momentum value")
        check_non_negative(group, "weight_decay", "weight_decay value")
        if group.get("nesterov") and (group.get("momentum", 0) <= 0 or group.get("dampening", 0) != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _step_group(self, group):
        lr = float(group["lr"])
        momentum = float(group["momentum"])
        dampening = float(group["dampening"])
        weight_decay = float(group["weight_decay"])
        nesterov, maximize = group["nesterov"], group["maximize"]
        pool = self._scratch
        for p in params_with_grad(group):
            param = p._data
            g = effective_grad(param, p._grad._data, weight_decay, maximize, pool)
            if momentum != 0:
                state = self.state[p]
                buf_tensor = state.get("momentum_buffer")
                if buf_tensor is None:
                    state["momentum_buffer"] = buf_tensor = Tensor(np.array(g, dtype=param.dtype, copy=True))
                    buf = buf_tensor._data
                else:
                    buf = buf_tensor._data
                    buf *= momentum
                    if dampening == 0:
                        buf += g
                    else:
                        add_scaled_(buf, g, 1.0 - dampening, pool.get(param, 1))
                if nesterov:
                    out = pool.get(param, 0)  # may be g itself: g + momentum * buf is elementwise
                    tmp = pool.get(param, 1)
                    np.multiply(buf, momentum, out=tmp)
                    np.add(g, tmp, out=out)
                    g = out
                else:
                    g = buf
            add_scaled_(param, g, -lr, pool.get(param, 1))
            p._bump()
