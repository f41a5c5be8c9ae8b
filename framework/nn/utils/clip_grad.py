"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``."""
import math

import numpy as np

from ...autograd.tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p._grad for p in parameters if p._grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their joint ``norm_type``-norm is at most ``max_norm``.

    Returns the total norm *before* clipping as a 0-d tensor. The scale ``max_norm / (norm + 1e-6)``
    is clamped to 1 and applied even when the norm equals ``max_norm``, as in PyTorch.

    Example:
        >>> total = framework.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    """
    grads = _grads(parameters)
    max_norm = float(max_norm)
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.array(0.0, dtype=np.float32))
    dtype = grads[0]._data.dtype
    if norm_type == math.inf:
        total = max(float(np.max(np.abs(g._data))) if g._data.size else 0.0 for g in grads)
    else:
        per = [np.linalg.norm(g._data.reshape(-1).astype(np.float64, copy=False), ord=norm_type) for g in grads]
        total = float(np.linalg.norm(np.asarray(per), ord=norm_type))
    total = np.asarray(total, dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
                           "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
                           "anyway, set `error_if_nonfinite=False`")
    coef = np.asarray(max_norm, dtype=dtype) / (total + np.asarray(1e-6, dtype=dtype))
    coef = np.minimum(coef, np.asarray(1.0, dtype=dtype))
    for g in grads:
        g._data *= coef.astype(g._data.dtype)
        g._bump()
    return Tensor(np.asarray(total))


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to [-clip_value, clip_value] in place; returns None.

    Example:
        >>> framework.nn.utils.clip_grad_value_(model.parameters(), 1.0)
    """
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)
        g._bump()


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The joint ``norm_type``-norm of a list of tensors, as a 0-d tensor."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if not tensors:
        return Tensor(np.array(0.0, dtype=np.float32))
    norm_type = float(norm_type)
    if norm_type == math.inf:
        total = max(float(np.max(np.abs(t._data))) for t in tensors)
    else:
        total = float(np.linalg.norm([np.linalg.norm(t._data.reshape(-1), ord=norm_type) for t in tensors],
                                     ord=norm_type))
    return Tensor(np.asarray(total, dtype=tensors[0]._data.dtype))
