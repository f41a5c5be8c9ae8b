"""Dropout: zero elements with probability p and scale the rest by 1/(1-p), drawn from the seeded generator."""
import numpy as np

from ...autograd.random import rng
from ...autograd.tensor import Tensor


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _mask(shape, p, np_dtype, generator=None):
    """A {0, 1/(1-p)} array; one uniform draw per element from ``generator`` (or the global one)."""
    keep = rng(generator).random(shape, dtype=np.float64 if np_dtype == np.float64 else np.float32) >= p
    scale = np.asarray(0.0 if p == 1.0 else 1.0 / (1.0 - p), dtype=np_dtype)
    return keep.astype(np_dtype) * scale


def dropout(input, p=0.5, training=True, inplace=False):
    """Randomly zero elements during training (``MulBackward0`` by the scaled mask); identity otherwise.

    Example:
        >>> framework.manual_seed(0)
        >>> F.dropout(framework.ones(4), p=0.5)     # entries are 0 or 2
    """
    _check_p(p)
    if not training or p == 0.0:
        return input
    mask = Tensor(_mask(input._data.shape, p, input._data.dtype))
    if inplace:
        return input.mul_(mask)
    return input * mask


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) input."""
    return _channel_dropout(input, p, training, inplace, 1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) input."""
    return _channel_dropout(input, p, training, inplace, 2)


def _channel_dropout(input, p, training, inplace, spatial):
    _check_p(p)
    if not training or p == 0.0:
        return input
    d = input._data
    batched = d.ndim == spatial + 2
    shape = d.shape[:2] if batched else d.shape[:1]
    mask = _mask(shape, p, d.dtype).reshape(shape + (1,) * spatial)
    mask = Tensor(mask)
    return input.mul_(mask) if inplace else input * mask


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps the self-normalising statistics of SELU activations."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    alpha_p = -1.7580993408473766
    keep = Tensor((rng().random(input._data.shape) >= p).astype(input._data.dtype))
    a = (1 - p + alpha_p ** 2 * p * (1 - p)) ** -0.5
    b = -a * alpha_p * p
    src = input.clone() if inplace and input.requires_grad else input  # backward must not see overwritten values
    out = (src * keep + alpha_p * (1 - keep)) * a + b
    return input.copy_(out) if inplace else out


__all__ = ["dropout", "dropout1d", "dropout2d", "alpha_dropout"]
