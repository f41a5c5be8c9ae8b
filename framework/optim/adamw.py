"""AdamW: Adam with decoupled weight decay."""
from .adam import Adam


class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019).

    Adam whose weight decay shrinks the parameter directly instead of being added to the gradient, so it
    never enters the moment estimates. For each parameter ``p`` with gradient ``g``::

        p = p * (1 - lr * weight_decay)          applied BEFORE the moment update
        m = beta1 * m + (1 - beta1) * g ;  v = beta2 * v + (1 - beta2) * g * g
        p = p - (lr / (1 - beta1 ** t)) * m / (sqrt(v) / sqrt(1 - beta2 ** t) + eps)

    It is ``Adam(..., decoupled_weight_decay=True)`` with a default ``weight_decay`` of 0.01, as in PyTorch;
    see :class:`Adam` for the full update, amsgrad and maximize.

    Example:
        >>> opt = framework.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        # AdamW is decoupled by definition, whatever a loaded state dict says.
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
