"""Activation functions (function forms of ``nn.ReLU``, ``nn.GELU``, ...)."""
import warnings

import numpy as np

from ...autograd.node import OUTPUT, Node
from ...autograd.ops import functions as _ops
from ...autograd.ops._util import sigmoid as _sigmoid, stable_sigmoid, where as _where
from ...autograd.tensor import record


def _inplace(input, fn):
    """PyTorch's ``inplace=True``: write ``fn(input)`` into ``input`` through the autograd-aware copy.

    ``fn`` runs on a clone when autograd is tracking, because the overwritten input may be a value
    its backward needs.
    """
    from ...autograd.grad_mode import is_grad_enabled
    src = input.clone() if input._requires_grad and is_grad_enabled() else input
    return input.copy_(fn(src))


def relu(input, inplace=False):
    """max(x, 0). Example: ``F.relu(framework.tensor([-1.0, 2.0]))`` -> ``tensor([0., 2.])``."""
    if inplace:
        return input.relu_()
    return _ops.relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, negative_slope * x otherwise. Example: ``F.leaky_relu(x, 0.2)``."""
    if inplace:
        return _inplace(input, lambda t: _ops.leaky_relu(t, negative_slope))
    return _ops.leaky_relu(input, negative_slope)


def gelu(input, approximate="none"):
    """x * Phi(x) (``approximate='tanh'`` for the tanh form). Example: ``F.gelu(x)``."""
    return _ops.gelu(input, approximate=approximate)


class EluBackward0(Node):
    __slots__ = ()
    saved_names = ("self", "result")

    def backward(self, g, x, out):
        alpha = self._args
        # d/dx alpha*(exp(x)-1) = out + alpha on the negative side
        return (_where(x > 0, g, g * (out + alpha)),)


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha * (exp(x) - 1) otherwise. Example: ``F.elu(x)``."""
    if inplace:
        return _inplace(input, lambda t: elu(t, alpha))
    d = input._data
    with np.errstate(over="ignore"):
        neg = alpha * np.expm1(np.minimum(d, 0))
    return record(np.where(d > 0, d, neg).astype(d.dtype, copy=False), EluBackward0, (input,), (input, OUTPUT),
                  alpha)


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants."""
    if inplace:
        return _inplace(input, selu)
    return elu(input, 1.6732632423543772848170429916717) * 1.0507009873554804934193349852946


class SiluBackward0(Node):
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g, x):
        s = _sigmoid(x)
        return (g * (s * (1 + x * (1 - s))),)


def silu(input, inplace=False):
    """x * sigmoid(x) (swish). Example: ``F.silu(x)``."""
    if inplace:
        return _inplace(input, silu)
    d = input._data
    return record(d * stable_sigmoid(d), SiluBackward0, (input,), (input,))


def tanh(input):
    """Hyperbolic tangent. Example: ``F.tanh(x)``."""
    return _ops.tanh(input)


def sigmoid(input):
    """1 / (1 + exp(-x)). Example: ``F.sigmoid(x)``."""
    return _ops.sigmoid(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta, linear where beta * x > threshold."""
    return _ops.softplus(input, beta, threshold)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamp to [min_val, max_val]."""
    if inplace:
        return _inplace(input, lambda t: _ops.clamp(t, min_val, max_val))
    return _ops.clamp(input, min_val, max_val)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def logsigmoid(input):
    """log(sigmoid(x)) computed stably as -softplus(-x)."""
    return -_ops.softplus(-input)


def _softmax_dim(dim, ndim, name):
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                      "dim=X as an argument.", UserWarning, stacklevel=4)
        dim = 0 if ndim in (0, 1, 3) else 1
    return dim


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``. Example: ``F.softmax(x, dim=-1)``."""
    dim = _softmax_dim(dim, input.ndim, "softmax")
    return _ops.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) computed stably. Example: ``F.log_softmax(x, dim=1)``."""
    dim = _softmax_dim(dim, input.ndim, "log_softmax")
    return _ops.log_softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    dim = _softmax_dim(dim, input.ndim, "softmin")
    return _ops.softmax(-input, dim, dtype=dtype)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """x / max(||x||_p, eps) along ``dim``."""
    n = input.norm(p, dim=dim, keepdim=True).clamp(min=eps)
    return input / n


__all__ = ["relu", "leaky_relu", "gelu", "elu", "selu", "silu", "tanh", "sigmoid", "softplus", "hardtanh", "relu6",
           "logsigmoid", "softmax", "log_softmax", "softmin", "normalize", "EluBackward0", "SiluBackward0"]
