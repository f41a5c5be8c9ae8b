"""Indexing (``x[key]``, ``x[key] = v``), gather, masked_fill, one_hot."""
import numpy as np

from .. import dtypes as _dt
from ..node import Node
from ..tensor import Tensor, make, record
from ._util import norm_dim, operand, sum_to


def convert_key(key):
    """Turn a PyTorch-style index (ints, slices, None, ..., tensors, lists) into a numpy key."""
    if isinstance(key, tuple):
        return tuple(_convert_one(k) for k in key)
    return _convert_one(key)


def _convert_one(k):
    if isinstance(k, Tensor):
        arr = k._data
        if arr.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if arr.ndim == 0 and arr.dtype.kind in "iu":
            return int(arr)  # a 0-d integer tensor selects, as a Python int does
        return arr
    if isinstance(k, list):
        arr = np.asarray([x._data if isinstance(x, Tensor) else x for x in k])
        if arr.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return arr
    if isinstance(k, np.ndarray) and k.dtype == np.uint8:
        return k.astype(bool)
    return k


def is_basic(key):
    items = key if isinstance(key, tuple) else (key,)
    for k in items:
        if not (k is None or k is Ellipsis or isinstance(k, (slice, int, np.integer))) or isinstance(k, bool):
            return False
    return True


class IndexBackward0(Node):
    """Scatter the gradient back into the input's shape; repeated indices accumulate."""
    __slots__ = ()

    def backward(self, g):
        shape, key, basic = self._args
        if hasattr(g, "_data"):
            return (index_scatter(g, shape, key, basic),)
        full = np.zeros(shape, dtype=g.dtype)
        if basic:
            full[key] = g
        else:
            np.add.at(full, key, g)
        return (full,)


class SliceBackward0(IndexBackward0):
    __slots__ = ()


class SelectBackward0(IndexBackward0):
    __slots__ = ()


class IndexScatterBackward(Node):
    """Backward of ``index_scatter`` (used for double backward through indexing): gather again."""
    __slots__ = ()

    def backward(self, g):
        key = self._args
        return (g[key] if not hasattr(g, "_data") else getitem(g, key),)


def index_scatter(g, shape, key, basic):
    """Differentiable ``zeros(shape); out[key] += g``."""
    full = np.zeros(shape, dtype=g._data.dtype)
    if basic:
        full[key] = g._data
    else:
        np.add.at(full, key, g._data)
    return record(full, IndexScatterBackward, (g,), (), key)


def getitem(a, key):
    """``a[key]`` with ints, slices, None, Ellipsis, boolean masks and integer arrays."""
    from .shape import _as_view
    nkey = convert_key(key)
    d = a._data
    try:
        out = d[nkey]
    except IndexError as exc:
        raise IndexError(_index_message(exc, d, nkey)) from None
    basic = is_basic(nkey)
    if basic:
        items = nkey if isinstance(nkey, tuple) else (nkey,)
        cls = SliceBackward0 if any(isinstance(k, slice) for k in items) or not any(
            isinstance(k, (int, np.integer)) for k in items) else SelectBackward0
    else:
        cls = IndexBackward0
    t = record(out, cls, (a,), (), (d.shape, nkey, basic))
    if basic and type(out) is np.ndarray:
        _as_view(t, a, lambda arr, k=nkey: arr[k])
    return t


def _index_message(exc, d, key):
    """numpy's indexing errors in PyTorch's words."""
    msg = str(exc)
    if "out of bounds" in msg and isinstance(key, (int, np.integer)):
        return f"index {key} is out of bounds for dimension 0 with size {d.shape[0] if d.ndim else 0}"
    if msg.startswith("too many indices"):
        return f"too many indices for tensor of dimension {d.ndim}"
    return msg.replace(" for axis ", " for dimension ")


class CopySlices(Node):
    """Backward of writing ``value`` into ``self[key]``: the written region's gradient goes to ``value``."""
    __slots__ = ()

    def name(self):
        return "torch::autograd::CopySlices"

    def backward(self, g):
        key, vshape = self._args
        g_self = g_val = None
        if isinstance(g, Tensor):  # create_graph: both formulas recorded, so they differentiate again
            if self._next[0] is not None:
                g_self = index_put(g, key, 0)
            if self._next[1] is not None:
                g_val = sum_to(getitem(g, key), vshape)
            return g_self, g_val
        g = np.asarray(g)  # 0-d numpy results arrive as numpy scalars
        if self._next[0] is not None:
            g_self = np.array(g, copy=True)
            g_self[key] = 0
        if self._next[1] is not None:
            g_val = sum_to(np.asarray(g[key]), vshape)
        return g_self, g_val


def index_put(a, key, value):
    """Out-of-place ``a[key] = value`` (last write wins on repeated indices), differentiable in both."""
    nkey = convert_key(key)
    vt, vd = operand(value)
    out = a._data.copy()
    try:
        out[nkey] = vd
    except ValueError as exc:
        raise RuntimeError(f"shape mismatch: {exc}") from None
    return record(out, CopySlices, (a, vt), (), (nkey, None if vt is None else vd.shape))


class GatherBackward0(Node):
    __slots__ = ()
    saved_names = ("index",)

    def backward(self, g, index):
        shape, axis = self._args
        return (scatter_add_into_zeros(g, shape, axis, index),)


class ScatterAddBackward0(Node):
    """Backward of ``scatter_add_into_zeros``: gather the gradient again (so both are dual)."""
    __slots__ = ()
    saved_names = ("index",)

    def backward(self, g, index):
        axis = self._args
        if isinstance(g, Tensor):
            return (gather(g, axis, index),)
        return (_gather_array(g, index, axis),)


def scatter_add_into_zeros(src, shape, axis, index):
    """``zeros(shape).scatter_add_(axis, index, src)`` for an array or Tensor ``src`` (repeats accumulate).

    The backward of gather and of max/min along a dim; recorded when ``src`` is a Tensor so that
    second derivatives flow through it.
    """
    src_arr = src._data if isinstance(src, Tensor) else src
    full = np.zeros(shape, dtype=src_arr.dtype)
    idx = list(np.indices(index.shape, sparse=True))
    idx[axis] = index
    np.add.at(full, tuple(idx), src_arr)
    if isinstance(src, Tensor):
        return record(full, ScatterAddBackward0, (src,), (index,), axis)
    return full


def gather(a, dim, index):
    """out[i][j] = a[i][index[i][j]] along ``dim`` (index int64)."""
    d = a._data
    axis = norm_dim(dim, d.ndim)
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    if d.ndim == 0 and idx.ndim == 0:
        return gather(a.reshape(1), 0, idx.reshape(1)).reshape(())
    if idx.ndim != d.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    n = d.shape[axis]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx.max() if idx.max() >= n else idx.min()
        raise RuntimeError(f"index {bad} is out of bounds for dimension {axis} with size {n}")
    for i, (si, sd) in enumerate(zip(idx.shape, d.shape)):
        if i != axis and si > sd:
            raise RuntimeError(f"Size does not match at dimension {i} expected index {list(idx.shape)} to be "
                               f"no larger than self {list(d.shape)} apart from dimension {axis}")
    return record(_gather_array(d, idx, axis), GatherBackward0, (a,), (idx,), (d.shape, axis))


def _gather_array(arr, idx, axis):
    # as PyTorch, the index may be smaller than the input in the other dims: gather from that corner
    if idx.shape != arr.shape:
        arr = arr[tuple(slice(None) if i == axis else slice(0, si) for i, si in enumerate(idx.shape))]
    return np.take_along_axis(arr, idx, axis=axis)


def index_select(a, dim, index):
    """Select entries along ``dim`` by an integer index vector."""
    axis = norm_dim(dim, a._data.ndim)
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    n = a._data.shape[axis] if a._data.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    return getitem(a, (slice(None),) * axis + (idx,))


class MaskedFillBackward0(Node):
    __slots__ = ()

    def backward(self, g, mask):
        keep = ~mask
        return (sum_to(g * (Tensor(keep) if hasattr(g, "_data") else keep), self._args),)


def masked_fill(a, mask, value):
    """Replace entries where ``mask`` is True by ``value``."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_C_TYPE_NAMES.get(m.dtype.name, m.dtype.name)}")
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        value = value._data.item()
    d = a._data
    out = np.where(m, np.asarray(value).astype(d.dtype), d)
    if out.shape != d.shape:
        raise RuntimeError(f"The size of the mask {list(m.shape)} must match the size of the tensor {list(d.shape)}")
    return record(out, MaskedFillBackward0, (a,), (np.broadcast_to(m, d.shape),), d.shape)


_C_TYPE_NAMES = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
                 "uint8": "unsigned char", "float32": "float", "float64": "double", "float16": "c10::Half"}


def one_hot(tensor, num_classes=-1):
    """Integer class indices -> int64 one-hot rows (not differentiable)."""
    idx = tensor._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise RuntimeError("Class values must be smaller than num_classes." if idx.max() >= num_classes else
                           "Class values must be non-negative.")
    out = np.zeros(idx.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, idx[..., None].astype(np.int64), 1, axis=-1)
    return make(out)


def nonzero(a, as_tuple=False):
    nz = np.nonzero(a._data)
    if as_tuple:
        return tuple(make(x.astype(np.int64)) for x in nz)
    return make(np.stack(nz, axis=-1).astype(np.int64))
