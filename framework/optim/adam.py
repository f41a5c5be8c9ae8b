"""Adam, with optional AMSGrad and either L2 (coupled) or decoupled weight decay."""
import numpy as np

from ..autograd.tensor import Tensor
from ._inplace import add_scaled_product_, add_scaled_quotient_, effective_grad, lerp_
from .optimizer import check_non_negative, new_step_counter, Optimizer, params_with_grad


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015), with the AMSGrad
    variant of Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond" (ICLR 2018).

    For each parameter ``p`` with gradient ``g`` (PyTorch's update, step by step)::

        g = -g                                   if maximize
        t = t + 1                                (the step counter starts at 0)
        if weight_decay != 0:
            p = p * (1 - lr * weight_decay)      if decoupled_weight_decay   (AdamW)
            g = g + weight_decay * p             otherwise                   (L2 folded into the gradient)
        m = m + (1 - beta1) * (g - m)            (== beta1 * m + (1 - beta1) * g, PyTorch's lerp)
        v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v)                    if amsgrad; the denominator then uses v_max
        denom = sqrt(v) / sqrt(1 - beta2 ** t) + eps      (eps added after the bias correction)
        p = p - (lr / (1 - beta1 ** t)) * m / denom

    State per parameter: ``'step'`` (a 0-d float32 tensor), ``'exp_avg'``, ``'exp_avg_sq'`` and, with amsgrad,
    ``'max_exp_avg_sq'``. ``foreach``, ``fused`` and ``capturable`` are accepted for compatibility and change nothing.

    Example:
        >>> opt = framework.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999))
        >>> opt.zero_grad(); loss.backward(); opt.step()
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    @staticmethod
    def _check_group(group):
        Optimizer._check_group(group)
        check_non_negative(group, "eps", "epsilon value")
        betas = group.get("betas", (0.9, 0.999))
        for i in (0, 1):
            if not 0.0 <= betas[i] < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
        check_non_negative(group, "weight_decay", "weight_decay value")

    def _step_group(self, group):
        lr = float(group["lr"])
        beta1, beta2 = (float(b) for b in group["betas"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        amsgrad, maximize = group["amsgrad"], group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        pool = self._scratch
        for p in params_with_grad(group):
            param = p._data
            state = self.state[p]
            if not state:
                state["step"] = new_step_counter()
                state["exp_avg"] = Tensor(np.zeros_like(param))
                state["exp_avg_sq"] = Tensor(np.zeros_like(param))
            step = state["step"]._data
            step += 1
            t = float(step)
            if weight_decay != 0 and decoupled:
                param *= 1.0 - lr * weight_decay
            g = effective_grad(param, p._grad._data, 0.0 if decoupled else weight_decay, maximize, pool)
            exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
            tmp = pool.get(param, 1)
            lerp_(exp_avg, g, 1.0 - beta1, tmp)
            exp_avg_sq *= beta2
            add_scaled_product_(exp_avg_sq, g, g, 1.0 - beta2, tmp)

            step_size = lr / (1.0 - beta1 ** t)
            bias_correction2_sqrt = (1.0 - beta2 ** t) ** 0.5
            second_moment = exp_avg_sq
            if amsgrad:
                if "max_exp_avg_sq" not in state:  # first step, or amsgrad switched on mid-run
                    state["max_exp_avg_sq"] = Tensor(np.zeros_like(param))
                second_moment = state["max_exp_avg_sq"]._data
                np.maximum(second_moment, exp_avg_sq, out=second_moment)
            # sqrt(v) / s + eps == (sqrt(v) + eps * s) / s with s = sqrt(1 - beta2**t): folding 1/s into the
            # step size saves a pass over the parameter (the result differs from PyTorch's only in rounding).
            denom = tmp
            np.sqrt(second_moment, out=denom)
            denom += eps * bias_correction2_sqrt
            add_scaled_quotient_(param, exp_avg, denom, -step_size * bias_correction2_sqrt, denom)
            p._bump()
