"""Helpers shared by every op: operand conversion, dtype fixing, and backward helpers that work on
numpy arrays (plain backward) and on Tensors (``create_graph=True``) alike."""
import math

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor

ndarray = np.ndarray


def operand(x):
    """Split an op argument into (tensor or None, value): Python/numpy scalars stay scalars."""
    if isinstance(x, Tensor):
        return x, x._data
    if isinstance(x, (bool, int, float)):
        return None, x
    if isinstance(x, np.generic):
        return None, x.item()
    if isinstance(x, np.ndarray):
        t = Tensor(x)
        return t, x
    if isinstance(x, (list, tuple)):
        t = Tensor(x)
        return t, t._data
    raise TypeError(f"unsupported operand type: {type(x).__name__}")


def fix_dtype(out, a, bt, bd, true_div=False):
    """Cast a numpy result to PyTorch's result dtype for ``a (op) b``."""
    if type(out) is np.ndarray:
        od = out.dtype
        if od == a.dtype and (bt is None or bd.dtype == od):
            return out  # one dtype in, the same out: the common case needs no promotion
    want = _dt.promote(a, bd) if bt is not None else _dt.promote_scalar(a, bd)
    if true_div and want.kind != "f":
        want = _dt.default_np()
    if type(out) is not np.ndarray:
        return np.asarray(out, dtype=want)
    if out.dtype != want:
        return out.astype(want)
    return out


def elementwise(np_op, a, b):
    """``(out, b_tensor, b_value)`` of ``np_op(a, b)`` under PyTorch's dtype rules, for a tensor ``a`` and a
    tensor or scalar ``b``; shapes that do not broadcast raise PyTorch's error."""
    ad = a._data
    if b.__class__ is Tensor:
        bt, bd = b, b._data
    else:
        bt, bd = operand(b)
    try:
        if bt is None and bd.__class__ is float and bd and ad.dtype.kind == "f":
            out = np_op(ad, scalar_array(bd, ad.dtype))
        else:
            out = np_op(ad, bd)
    except ValueError:
        raise broadcast_error(ad, bd) from None
    if out.__class__ is not ndarray or out.dtype is not ad.dtype or (bt is not None and bd.dtype is not ad.dtype):
        out = fix_dtype(out, ad, bt, bd)
    return out, bt, bd


_SCALAR_ARRAYS = {}


def scalar_array(value, dtype):
    """``value`` as a cached read-only 0-d array of float ``dtype``: numpy multiplies by it in about half the
    time it takes to convert a Python float (the same result: a Python scalar never changes a tensor's dtype).

    Not for 0.0, which compares equal to -0.0 and would share its entry.
    """
    key = (value, dtype)
    arr = _SCALAR_ARRAYS.get(key)
    if arr is None:
        if len(_SCALAR_ARRAYS) >= 256:  # a loop over ever-new scalars must not grow the cache
            _SCALAR_ARRAYS.clear()
        arr = np.array(value, dtype)
        arr.flags.writeable = False
        _SCALAR_ARRAYS[key] = arr
    return arr


def broadcast_error(a, b):
    """PyTorch's error for operands whose shapes do not broadcast (``a``, ``b``: arrays or scalars)."""
    return broadcast_shape_error(np.shape(a), np.shape(b))


def broadcast_shape_error(sa, sb):
    n = max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return RuntimeError(f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) at "
                                f"non-singleton dimension {i}")
    return RuntimeError(f"shapes {list(sa)} and {list(sb)} cannot be broadcast together")


# ---------------------------------------------------------------- backward helpers (array or Tensor)
def sum_to(g, shape):
    """Sum a broadcast gradient back to ``shape`` (the one unbroadcast helper)."""
    gshape = g.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1)
    if isinstance(g, Tensor):
        r = g.sum(dim=axes) if axes else g
        return r.reshape(tuple(shape))
    r = g.sum(axis=axes) if axes else g
    return r.reshape(shape)


def expand_to(g, shape, dims=None):
    """Broadcast a reduced gradient back to ``shape`` (``dims`` were removed without keepdim)."""
    if isinstance(g, Tensor):
        if dims is not None:
            g = unsqueeze_dims(g, dims)
        return g.expand(tuple(shape))
    if dims and g.ndim:
        # put the removed dims back as size-1 axes; a reshape is far cheaper than np.expand_dims
        g = g.reshape(tuple(1 if i in dims else s for i, s in enumerate(shape)))
    if math.prod(shape) > _SMALL:
        return np.broadcast_to(g, shape)  # a read-only view: no memory for a large gradient
    out = np.empty(shape, g.dtype)
    out[...] = g  # np.broadcast_to is a Python-level function, five times the cost of this on small arrays
    return out


_SMALL = 1 << 14  # elements


def unsqueeze_dims(g, dims):
    if isinstance(g, Tensor):
        for d in sorted(dims):
            g = g.unsqueeze(d)
        return g
    return np.expand_dims(g, tuple(sorted(dims)))


def reshape(g, shape):
    return g.reshape(tuple(shape)) if isinstance(g, Tensor) else np.reshape(g, shape)


def permute(g, axes):
    return g.permute(*axes) if isinstance(g, Tensor) else np.transpose(g, axes)


def swap_last(g):
    if isinstance(g, Tensor):
        return g.transpose(-1, -2)
    return np.swapaxes(g, -1, -2)


def where(cond, a, b):
    if isinstance(a, Tensor) or isinstance(b, Tensor) or isinstance(cond, Tensor):
        from .pointwise import where as t_where
        return t_where(cond if isinstance(cond, Tensor) else Tensor(np.asarray(cond)), a, b)
    return np.where(cond, a, b)


def _unary(np_fn, name):
    def f(x):
        if isinstance(x, Tensor):
            return getattr(x, name)()
        return np_fn(x)
    f.__name__ = name
    return f


exp = _unary(np.exp, "exp")
log = _unary(np.log, "log")
sin = _unary(np.sin, "sin")
cos = _unary(np.cos, "cos")
sign = _unary(np.sign, "sign")
sqrt = _unary(np.sqrt, "sqrt")
tanh = _unary(np.tanh, "tanh")


def sigmoid(x):
    if isinstance(x, Tensor):
        return x.sigmoid()
    return stable_sigmoid(x)


def stable_sigmoid(x):
    """Sigmoid as 0.5 * tanh(x / 2) + 0.5: never overflows (so no warning and no errstate cost),
    saturates to exactly 0 and 1 like PyTorch's, and takes four in-place ufunc calls."""
    x = np.asarray(x)
    half = scalar_array(0.5, x.dtype) if x.dtype.kind == "f" else 0.5
    out = np.multiply(x, half, out=np.empty_like(x))
    np.tanh(out, out=out)
    out *= half
    out += half
    return out


def matmul(a, b):
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return a @ b
    return np.matmul(a, b)


def normalize_dims(dim, ndim):
    """Turn an int, tuple or None into a sorted tuple of non-negative dims."""
    n = max(ndim, 1)
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = []
    for d in dims:
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
        out.append(d % n)
    if len(set(out)) != len(out):
        repeated = next(d for d in out if out.count(d) > 1)
        raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims")
    if not ndim:
        return ()  # a 0-d tensor accepts dim 0 / -1 and reduces over nothing
    return tuple(sorted(out))


def norm_dim(dim, ndim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n
