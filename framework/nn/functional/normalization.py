"""``layer_norm`` and ``batch_norm`` as fused nodes (one pass for the statistics, closed-form backward)."""
import numpy as np

from ...autograd.grad_mode import no_grad
from ...autograd.tensor import make, record
from .. import _recompute
from ._fused import FusedNode


def _affine_grads(g, xhat, reduce_axes, param_shape, need_w, need_b):
    gw = (g * xhat).sum(axis=reduce_axes).reshape(param_shape) if need_w else None
    gb = g.sum(axis=reduce_axes).reshape(param_shape) if need_b else None
    return gw, gb


class NativeLayerNormBackward0(FusedNode):
    """Backward of layer norm. Saved: input, weight, bias, mean, rstd (the last two as arrays)."""

    __slots__ = ()
    saved_names = ("input", "weight", "bias", "mean", "rstd")

    def numpy_backward(self, g, x, w, b, mean, rstd):
        axes, eps = self._args
        nx, nw, nb = self._next
        xhat = (x - mean) * rstd
        lead = tuple(range(x.ndim - len(axes)))
        gw, gb = _affine_grads(g, xhat, lead, x.shape[x.ndim - len(axes):], nw is not None, nb is not None)
        gx = None
        if nx is not None:
            gxhat = g * w if w is not None else g
            m1 = gxhat.mean(axis=axes, keepdims=True)
            m2 = (gxhat * xhat).mean(axis=axes, keepdims=True)
            gx = (rstd * (gxhat - m1 - xhat * m2)).astype(x.dtype, copy=False)
        return gx, gw, gb

    def composite(self, x, w, b, mean, rstd):
        axes, eps = self._args
        dims = tuple(axes)
        mu = x.mean(dim=dims, keepdim=True)
        xc = x - mu
        out = xc * ((xc * xc).mean(dim=dims, keepdim=True) + eps).rsqrt()
        if w is not None:
            out = out * w
        if b is not None:
            out = out + b
        return out


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing ``normalized_shape`` dims, then scale and shift.

    Example:
        >>> F.layer_norm(framework.randn(2, 5), (5,)).mean(dim=-1)      # ~0 per row
    """
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    d = input._data
    k = len(normalized_shape)
    if k == 0 or d.shape[d.ndim - k:] != normalized_shape or d.ndim < k:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, normalized_shape))}], but got input of size{list(d.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t._data.shape != normalized_shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(t._data.shape)} and normalized_shape = {list(normalized_shape)}")
    axes = tuple(range(d.ndim - k, d.ndim))
    mean = d.mean(axis=axes, keepdims=True)
    xc = d - mean
    rstd = 1.0 / np.sqrt((xc * xc).mean(axis=axes, keepdims=True) + eps)
    out = xc * rstd
    if weight is not None:
        out *= weight._data
    if bias is not None:
        out += bias._data
    out = out.astype(d.dtype, copy=False)
    return record(out, NativeLayerNormBackward0, (input, weight, bias),
                  (input, weight, bias, mean.astype(d.dtype), rstd.astype(d.dtype)), (axes, eps))


class NativeBatchNormBackward0(FusedNode):
    """Backward of batch norm with batch statistics (training) or fixed running statistics (eval)."""

    __slots__ = ()
    saved_names = ("input", "weight", "bias", "save_mean", "save_invstd")

    def numpy_backward(self, g, x, w, b, mean, rstd):
        training, axes, eps = self._args
        nx, nw, nb = self._next
        shape = (1, -1) + (1,) * (x.ndim - 2)
        xhat = (x - mean) * rstd
        c = x.shape[1]
        gw, gb = _affine_grads(g, xhat, axes, (c,), nw is not None, nb is not None)
        gx = None
        if nx is not None:
            scale = rstd if w is None else rstd * w.reshape(shape)
            if training:
                m1 = g.mean(axis=axes, keepdims=True)
                m2 = (g * xhat).mean(axis=axes, keepdims=True)
                gx = scale * (g - m1 - xhat * m2)
            else:
                gx = g * scale
            gx = gx.astype(x.dtype, copy=False)
        return gx, gw, gb

    def composite(self, x, w, b, mean, rstd):
        training, axes, eps = self._args
        shape = (1, -1) + (1,) * (x.ndim - 2)
        if training:
            mu = x.mean(dim=axes, keepdim=True)
            xc = x - mu
            out = xc * ((xc * xc).mean(dim=axes, keepdim=True) + eps).rsqrt()
        else:
            out = (x - make(mean)) * make(rstd)
        if w is not None:
            out = out * w.reshape(shape)
        if b is not None:
            out = out + b.reshape(shape)
        return out


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) over the batch and spatial dims, then scale and shift.

    In training the batch statistics are used and the running ones updated in place
    (``running = (1 - momentum) * running + momentum * batch``, with the unbiased batch variance);
    otherwise the running statistics are used.

    Example:
        >>> F.batch_norm(x, rm, rv, training=True)
    """
    d = input._data
    if d.ndim < 2:
        raise ValueError(f"Expected 2D or more input (got {d.ndim}D input)")
    c = d.shape[1]
    shape = (1, c) + (1,) * (d.ndim - 2)
    axes = (0,) + tuple(range(2, d.ndim))
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and t._data.size != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t._data.size}")
    if training:
        count = d.size // c
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
        mean = d.mean(axis=axes, keepdims=True)
        xc = d - mean
        var = (xc * xc).mean(axis=axes, keepdims=True)
        rstd = 1.0 / np.sqrt(var + eps)
        if running_mean is not None and not _recompute.is_recomputing():
            with no_grad():
                unbiased = var.reshape(c) * (count / (count - 1))
                _blend(running_mean, mean.reshape(c), momentum)
                _blend(running_var, unbiased, momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
        mean = running_mean._data.reshape(shape)
        rstd = 1.0 / np.sqrt(running_var._data.reshape(shape) + eps)
        xc = d - mean
    out = xc * rstd
    if weight is not None:
        out *= weight._data.reshape(shape)
    if bias is not None:
        out += bias._data.reshape(shape)
    out = out.astype(d.dtype, copy=False)
    return record(out, NativeBatchNormBackward0, (input, weight, bias),
                  (input, weight, bias, np.asarray(mean, d.dtype), np.asarray(rstd, d.dtype)), (training, axes, eps))


def _blend(running, batch_value, momentum):
    """running <- (1 - momentum) * running + momentum * batch_value, in place."""
    r = running._data
    r *= 1 - momentum
    r += (momentum * batch_value).astype(r.dtype, copy=False)
    running._bump()


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise groups of channels per sample (built from differentiable ops)."""
    n, c = input.shape[:2]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {input.shape} and num_groups={num_groups}")
    x = input.reshape(n, num_groups, -1)
    mu = x.mean(dim=-1, keepdim=True)
    xc = x - mu
    out = (xc * ((xc * xc).mean(dim=-1, keepdim=True) + eps).rsqrt()).reshape(input.shape)
    shape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


__all__ = ["layer_norm", "batch_norm", "group_norm", "NativeLayerNormBackward0", "NativeBatchNormBackward0"]
