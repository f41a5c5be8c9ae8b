"""Reductions (sum, mean, var, max, ...) and normalising functions (softmax, logsumexp, norm)."""
import builtins
from collections import namedtuple

import numpy as np

from .. import dtypes as _dt
from ..node import OUTPUT, Node
from ..tensor import SAVE_OUTPUT, Tensor, make, record
from ._util import exp, expand_to, normalize_dims, norm_dim, reshape, sign, unsqueeze_dims, where as dual_where
from .indexing import scatter_add_into_zeros

values_indices = namedtuple("values_indices", ["values", "indices"])


def _removed(dims, keepdim):
    return None if keepdim else dims


class SumBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        return (expand_to(g, self._args[0], self._args[1]),)


class SumBackward1(SumBackward0):
    __slots__ = ()


def sum(a, dim=None, keepdim=False, dtype=None):  # noqa: A001
    """Sum over ``dim`` (all dims when None). Example: ``x.sum(dim=1, keepdim=True)``."""
    d = a._data
    dims = normalize_dims(dim, d.ndim)
    np_dtype = None if dtype is None else _dt.to_numpy_dtype(dtype)
    if np_dtype is None and d.dtype.kind in "biu":
        np_dtype = np.int64
    out = np.add.reduce(d, axis=dims, dtype=np_dtype, keepdims=keepdim)  # np.sum's own work, without its wrapper
    cls = SumBackward0 if dim is None else SumBackward1
    return record(out, cls, (a,), (), (d.shape, _removed(dims, keepdim)))


class MeanBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        shape, dims, n = self._args
        return (expand_to(g / n, shape, dims),)


class MeanBackward1(MeanBackward0):
    __slots__ = ()


def _check_float(a, op):
    if a._data.dtype.kind != "f":
        if op in ("var", "std"):
            raise RuntimeError("std and var only support floating point and complex dtypes")
        raise RuntimeError(f"{op}(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {_dt.from_numpy_dtype(a._data.dtype)._legacy[:-6]}")


def mean(a, dim=None, keepdim=False, dtype=None):
    """Arithmetic mean over ``dim``; the mean of an empty tensor is nan."""
    if dtype is not None:
        a = a.to(dtype)
    _check_float(a, "mean")
    d = a._data
    dims = normalize_dims(dim, d.ndim)
    n = 1
    for i in dims:
        n *= d.shape[i]
    total = np.add.reduce(d, axis=dims, keepdims=keepdim)
    out = total / d.dtype.type(n) if n else np.full(np.shape(total), np.nan, d.dtype)
    cls = MeanBackward0 if dim is None else MeanBackward1
    return record(np.asarray(out, d.dtype), cls, (a,), (), (d.shape, _removed(dims, keepdim), n))


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def _centred(a, dims):
    """a - mean(a) over ``dims`` (kept), for arrays and Tensors alike."""
    if hasattr(a, "_data"):
        return a - a.mean(dim=dims, keepdim=True)
    return a - a.mean(axis=dims, keepdims=True)


class VarBackward0(Node):
    __slots__ = ()

    def backward(self, g, a):
        shape, dims, keepdims_dims, denom = self._args
        scale = 2.0 / denom if denom else np.inf  # no degrees of freedom left: nan, as PyTorch
        with np.errstate(invalid="ignore"):
            return (expand_to(g, shape, keepdims_dims) * _centred(a, dims) * scale,)


def _variance(a, op, dim, unbiased, keepdim, correction):
    """The part var and std share: the variance array and the node arguments."""
    _check_float(a, op)
    d = a._data
    dims = normalize_dims(dim, d.ndim)
    n = 1
    for i in dims:
        n *= d.shape[i]
    denom = builtins.max(n - _correction(unbiased, correction), 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.sum(_centred(d, dims) ** 2, axis=dims, keepdims=keepdim) / denom
    return np.asarray(v, d.dtype), (d.shape, dims, _removed(dims, keepdim), denom)


def var(a, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance with Bessel's correction by default (``correction=0`` or ``unbiased=False`` for biased)."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    out, args = _variance(a, "var", dim, unbiased, keepdim, correction)
    return record(out, VarBackward0, (a,), (a,), args)


class StdBackward0(Node):
    __slots__ = ()

    def backward(self, g, a, out):
        shape, dims, keepdims_dims, denom = self._args
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = expand_to(g / (out * denom), shape, keepdims_dims)
        return (scale * _centred(a, dims),)


def std(a, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation (square root of ``var`` with the same arguments)."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    v, args = _variance(a, "std", dim, unbiased, keepdim, correction)
    return record(np.sqrt(v), StdBackward0, (a,), (a, OUTPUT), args)


class ProdBackward0(Node):
    """d prod / d a_i is the product of the other elements (exact when some are zero)."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g, a):
        shape, axis, keepdim = self._args
        if axis is None:
            others = _exclusive_products(reshape(a, (-1,)), 0)
            return (g * reshape(others, shape),)
        gg = g if keepdim else unsqueeze_dims(g, (axis,))
        return (gg * _exclusive_products(a, axis),)


class ProdBackward1(ProdBackward0):
    __slots__ = ()


def _exclusive_products(a, axis):
    """Product of all other elements along ``axis`` (array, or Tensor when recording a double backward)."""
    if isinstance(a, Tensor):
        # a differentiable form: row i of an (n, n) matrix holds the elements with a_i replaced by 1
        n = a.shape[axis]
        moved = a.transpose(axis, -1)
        rows = moved.unsqueeze(-2).expand(*moved.shape[:-1], n, n)
        others = dual_where(Tensor(np.eye(n, dtype=bool)), 1.0, rows).prod(dim=-1)
        return others.transpose(axis, -1)
    moved = np.moveaxis(a, axis, -1)
    ones = np.ones(moved.shape[:-1] + (1,), dtype=a.dtype)
    left = np.cumprod(np.concatenate([ones, moved[..., :-1]], axis=-1), axis=-1)
    right = np.flip(np.cumprod(np.flip(np.concatenate([moved[..., 1:], ones], axis=-1), -1), axis=-1), -1)
    return np.moveaxis(left * right, -1, axis)


def prod(a, dim=None, keepdim=False, dtype=None):
    """Product of elements (over all or along one ``dim``)."""
    d = a._data
    axis = None if dim is None or d.ndim == 0 else norm_dim(dim, d.ndim)
    out = np.prod(d, axis=axis, keepdims=keepdim if axis is not None else False,
                  dtype=np.int64 if d.dtype.kind in "biu" and dtype is None else
                  (None if dtype is None else _dt.to_numpy_dtype(dtype)))
    cls = ProdBackward0 if dim is None else ProdBackward1
    return record(out, cls, (a,), (a,), (d.shape, axis, keepdim))


# ---------------------------------------------------------------------- max / min
class MaxBackward1(Node):
    """Full max/min reduction: ties share the gradient evenly."""
    __slots__ = ()

    def backward(self, g, a, out):
        mask = a == out
        if out != out:  # a NaN maximum: the NaN elements share the gradient, as PyTorch
            mask = isnan_dual(a)
        count = mask.sum()
        return (mask * (g / count),)


def isnan_dual(x):
    return x.isnan() if isinstance(x, Tensor) else np.isnan(x)


class MinBackward1(MaxBackward1):
    __slots__ = ()


class AmaxBackward0(Node):
    """amax/amin along dims: ties share the gradient evenly."""
    __slots__ = ()

    def backward(self, g, a, out):
        shape, dims, removed = self._args
        out_k = out if removed is None else unsqueeze_dims(out, removed)
        g_k = g if removed is None else unsqueeze_dims(g, removed)
        mask = a == out_k
        count = mask.sum(dim=dims, keepdim=True) if hasattr(mask, "_data") else mask.sum(axis=dims, keepdims=True)
        return (mask * expand_to(g_k / count, shape),)


class AminBackward0(AmaxBackward0):
    __slots__ = ()


class MaxBackward0(Node):
    """max/min along one dim: the whole gradient goes to the returned index."""
    __slots__ = ()
    saved_names = ("indices",)

    def backward(self, g, idx):
        shape, axis, keepdim = self._args
        if axis is None:  # 0-d input
            return (g,)
        if not keepdim:
            g = unsqueeze_dims(g, (axis,))
            idx = np.expand_dims(idx, axis)
        return (scatter_add_into_zeros(g, shape, axis, idx),)


class MinBackward0(MaxBackward0):
    __slots__ = ()


def _extreme(a, dim, keepdim, np_arg, np_red, full_cls, dim_cls, name):
    d = a._data
    if dim is None:
        if d.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        out = np_red(d)
        return record(out, full_cls, (a,), (a, OUTPUT))
    axis = norm_dim(dim, d.ndim)
    if d.ndim == 0:
        return values_indices(record(d.copy(), dim_cls, (a,), (np.zeros((), np.int64),), (d.shape, None, True)),
                              make(np.zeros((), np.int64)))
    idx = np_arg(d, axis=axis, keepdims=True)
    values = np.take_along_axis(d, idx, axis=axis)
    if not keepdim:
        values = np.squeeze(values, axis)
        idx = np.squeeze(idx, axis)
    idx = idx.astype(np.int64, copy=False)
    out = record(values, dim_cls, (a,), (idx,), (d.shape, axis, keepdim))
    return values_indices(out, make(idx))


def max(a, dim=None, keepdim=False):  # noqa: A001
    """Maximum: of all elements, or ``(values, indices)`` along ``dim`` (first index on ties)."""
    from .pointwise import maximum
    if hasattr(dim, "_data"):
        return maximum(a, dim)
    return _extreme(a, dim, keepdim, np.argmax, np.max, MaxBackward1, MaxBackward0, "max")


def min(a, dim=None, keepdim=False):  # noqa: A001
    """Minimum: of all elements, or ``(values, indices)`` along ``dim``."""
    from .pointwise import minimum
    if hasattr(dim, "_data"):
        return minimum(a, dim)
    return _extreme(a, dim, keepdim, np.argmin, np.min, MinBackward1, MinBackward0, "min")


def _amax(np_fn, cls):
    def op(a, dim=(), keepdim=False):
        d = a._data
        dims = normalize_dims(None if dim == () or dim is None else dim, d.ndim)
        out = np_fn(d, axis=dims, keepdims=keepdim)
        return record(out, cls, (a,), (a, OUTPUT), (d.shape, dims, _removed(dims, keepdim)))
    return op


amax = _amax(np.max, AmaxBackward0)
amin = _amax(np.min, AminBackward0)


def argmax(a, dim=None, keepdim=False):
    """Index of the (first) maximum; int64, not differentiable."""
    d = a._data
    if dim is None:
        return make(np.asarray(np.argmax(d), dtype=np.int64))
    return make(np.argmax(d, axis=norm_dim(dim, d.ndim), keepdims=keepdim).astype(np.int64))


def argmin(a, dim=None, keepdim=False):
    """Index of the (first) minimum; int64, not differentiable."""
    d = a._data
    if dim is None:
        return make(np.asarray(np.argmin(d), dtype=np.int64))
    return make(np.argmin(d, axis=norm_dim(dim, d.ndim), keepdims=keepdim).astype(np.int64))


# ---------------------------------------------------------------------- softmax family
class LogsumexpBackward0(Node):
    __slots__ = ()

    def backward(self, g, a, out):
        shape, dims, removed = self._args
        out_k = out if removed is None else unsqueeze_dims(out, removed)
        g_k = g if removed is None else unsqueeze_dims(g, removed)
        return (g_k * exp(a - out_k),)


def logsumexp(a, dim, keepdim=False):
    """log(sum(exp(a))) along ``dim``, computed stably (integers give the default float dtype)."""
    d = a._data
    if d.dtype.kind != "f":
        d = d.astype(_dt.default_np())
    dims = normalize_dims(dim, d.ndim)
    m = np.max(d, axis=dims, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(d - m), axis=dims, keepdims=True)) + m
    if not keepdim:
        out = np.squeeze(out, dims)
    return record(out.astype(d.dtype, copy=False), LogsumexpBackward0, (a,), (a, OUTPUT),
                  (d.shape, dims, _removed(dims, keepdim)))


def _softmax_dim(dim, ndim, name):
    if dim is None:
        import warnings
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                      "dim=X as an argument.", UserWarning, stacklevel=3)
        dim = 0 if ndim in (0, 1, 3) else 1
    return norm_dim(dim, ndim)


class SoftmaxBackward0(Node):
    __slots__ = ()
    saved_names = ("result",)

    def backward(self, g, y):
        axis = self._args
        gy = g * y
        s = gy.sum(dim=axis, keepdim=True) if hasattr(gy, "_data") else gy.sum(axis=axis, keepdims=True)
        return (gy - y * s,)


def _require_float_softmax(a, name):
    if a._data.dtype.kind != "f":
        raise NotImplementedError(f'"{name}_lastdim_kernel_impl" not implemented for '
                                  f"'{_dt.from_numpy_dtype(a._data.dtype)._legacy[:-6]}'")


def softmax(a, dim=None, dtype=None):
    """exp(a) / sum(exp(a)) along ``dim``, shifted by the max for stability."""
    if dtype is not None:
        a = a.to(dtype)
    _require_float_softmax(a, "softmax")
    d = a._data
    axis = _softmax_dim(dim, d.ndim, "softmax")
    e = np.exp(d - np.max(d, axis=axis, keepdims=True))
    e /= np.sum(e, axis=axis, keepdims=True)
    return record(e, SoftmaxBackward0, (a,), SAVE_OUTPUT, axis)


class LogSoftmaxBackward0(Node):
    __slots__ = ()
    saved_names = ("result",)

    def backward(self, g, y):
        axis = self._args
        s = g.sum(dim=axis, keepdim=True) if hasattr(g, "_data") else g.sum(axis=axis, keepdims=True)
        return (g - exp(y) * s,)


def log_softmax(a, dim=None, dtype=None):
    """log(softmax(a)) computed stably: log_softmax([1000, 0]) = [0, -1000]."""
    if dtype is not None:
        a = a.to(dtype)
    _require_float_softmax(a, "log_softmax")
    d = a._data
    axis = _softmax_dim(dim, d.ndim, "log_softmax")
    shifted = d - np.max(d, axis=axis, keepdims=True)
    out = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return record(out, LogSoftmaxBackward0, (a,), SAVE_OUTPUT, axis)


class CumsumBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        axis = self._args
        if axis is None:  # 0-d input
            return (g,)
        if hasattr(g, "_data"):
            return (g.flip(axis).cumsum(axis).flip(axis),)
        return (np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis),)


def cumsum(a, dim, dtype=None):
    """Running sum along ``dim``."""
    d = a._data
    axis = norm_dim(dim, d.ndim)
    np_dtype = None if dtype is None else _dt.to_numpy_dtype(dtype)
    if np_dtype is None and d.dtype.kind in "biu":
        np_dtype = np.int64
    out = np.cumsum(d, axis=axis, dtype=np_dtype)
    if d.ndim == 0:
        out = out.reshape(())  # numpy flattens a 0-d input
        axis = None
    return record(out, CumsumBackward0, (a,), (), axis)


class LinalgVectorNormBackward0(Node):
    """Gradient of the vector p-norm; 0 (a subgradient) where the norm is 0, instead of nan."""
    __slots__ = ()
    saved_names = ("self", "result")

    def backward(self, g, a, out):
        p, shape, dims, removed = self._args
        out_k = out if removed is None else unsqueeze_dims(out, removed)
        g_k = g if removed is None else unsqueeze_dims(g, removed)
        if p == 0:
            return (a * 0 * g_k,)
        if p == 1:
            return (g_k * sign(a),)
        if p == float("inf"):
            mask = abs_dual(a) == out_k
            count = mask.sum(dim=dims, keepdim=True) if isinstance(mask, Tensor) else mask.sum(axis=dims, keepdims=True)
            return (g_k * sign(a) * mask / count,)
        safe = dual_where(out_k == 0, 1.0, out_k)
        if p == 2:
            return (g_k * a / safe,)
        return (g_k * sign(a) * abs_dual(a) ** (p - 1) / safe ** (p - 1),)


def abs_dual(x):
    return x.abs() if isinstance(x, Tensor) else np.abs(x)


def norm(a, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm over ``dim`` (all elements by default); ``p`` may be 'fro', a number or inf.

    Example: ``x.norm()``, ``x.norm(p=1, dim=1, keepdim=True)``.
    """
    if dtype is not None:
        a = a.to(dtype)
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm(): unsupported norm type {p!r} for a vector norm; use 'fro' or a number")
    p = float(p)
    d = a._data
    if d.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_dt.from_numpy_dtype(d.dtype)._legacy[:-6]}")
    dims = normalize_dims(dim, d.ndim)
    absd = np.abs(d)
    if p == float("inf"):
        out = np.max(absd, axis=dims, keepdims=keepdim)
    elif p == -float("inf"):
        raise RuntimeError("norm(): p=-inf is not supported")
    elif p == 2:
        out = np.sqrt(np.sum(d * d, axis=dims, keepdims=keepdim))
    elif p == 1:
        out = np.sum(absd, axis=dims, keepdims=keepdim)
    elif p == 0:
        out = np.sum(d != 0, axis=dims, keepdims=keepdim).astype(d.dtype)
    else:
        out = np.sum(absd ** p, axis=dims, keepdims=keepdim) ** (1.0 / p)
    return record(np.asarray(out, d.dtype), LinalgVectorNormBackward0, (a,), (a, OUTPUT),
                  (p, d.shape, dims, _removed(dims, keepdim)))
