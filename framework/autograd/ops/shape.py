"""Shape ops: views (reshape, transpose, ...), joins and splits, padding, dtype copies."""
import numbers

import numpy as np

from .. import dtypes as _dt
from ..node import Node
from ..tensor import Tensor, make, record, record_multi
from ._util import norm_dim, normalize_dims, permute as dual_permute, reshape as dual_reshape, sum_to


def _as_view(out, a, view_fn):
    """Mark ``out`` as a view of ``a``: shared version counter, and in-place writes reach the base."""
    base = a._get_extra("base")
    if base is None:
        base = a
    parent_fn = a._get_extra("view_fn")
    fn = view_fn if parent_fn is None else (lambda arr, p=parent_fn, f=view_fn: f(p(arr)))
    out._vc = base._counter()
    out._extra = {"base": base, "view_fn": fn}
    return out


def _sizes(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


class ViewBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        return (dual_reshape(g, self._args),)


def reshape(a, *shape):
    """Same data, new shape (one dim may be -1). Example: ``x.reshape(2, -1)``."""
    shape = _sizes(shape)
    d = a._data
    try:
        out = d.reshape(shape)
    except ValueError:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {d.size}") from None
    t = record(out, ViewBackward0, (a,), (), d.shape)
    if out.base is not None and np.shares_memory(out, d):
        _as_view(t, a, lambda arr, s=shape: arr.reshape(s))
    return t


def view(a, *shape):
    """Alias of ``reshape`` (numpy arrays need no contiguity check here)."""
    if len(shape) == 1 and isinstance(shape[0], (_dt.dtype, type(np.float32))):
        raise RuntimeError("view(dtype) is not supported")
    return reshape(a, *shape)


def view_as(a, other):
    return reshape(a, other._data.shape)


def reshape_as(a, other):
    return reshape(a, other._data.shape)


def flatten(a, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one."""
    d = a._data
    if d.ndim == 0:
        return reshape(a, 1)
    s = norm_dim(start_dim, d.ndim)
    e = norm_dim(end_dim, d.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    n = 1
    for i in range(s, e + 1):
        n *= d.shape[i]
    return reshape(a, d.shape[:s] + (n,) + d.shape[e + 1:])


def unflatten(a, dim, sizes):
    d = a._data
    dim = norm_dim(dim, d.ndim)
    return reshape(a, d.shape[:dim] + tuple(sizes) + d.shape[dim + 1:])


class PermuteBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        return (dual_permute(g, self._args),)


class TransposeBackward0(PermuteBackward0):
    __slots__ = ()


def permute(a, *dims):
    """Reorder dims. Example: ``x.permute(2, 0, 1)``."""
    dims = _sizes(dims)
    d = a._data
    if len(dims) != d.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the length "
                           f"of the desired ordering of dimensions i.e. input.dim() = {d.ndim} is not equal to "
                           f"len(dims) = {len(dims)}")
    axes = tuple(norm_dim(x, d.ndim) for x in dims)
    inverse = tuple(np.argsort(axes))
    t = record(np.transpose(d, axes), PermuteBackward0, (a,), (), inverse)
    return _as_view(t, a, lambda arr, ax=axes: np.transpose(arr, ax))


def transpose(a, dim0, dim1):
    """Swap two dims."""
    return _swap(a, dim0, dim1, TransposeBackward0)


class TBackward0(PermuteBackward0):
    __slots__ = ()


def _swap(a, dim0, dim1, cls):
    d = a._data
    axes = list(range(d.ndim))
    i, j = norm_dim(dim0, d.ndim), norm_dim(dim1, d.ndim)
    if d.ndim:
        axes[i], axes[j] = axes[j], axes[i]
    t = record(np.transpose(d, axes), cls, (a,), (), tuple(axes))
    return _as_view(t, a, lambda arr, ax=tuple(axes): np.transpose(arr, ax))


def t(a):
    """Transpose a matrix (a 0-d or 1-d tensor is returned as a view)."""
    if a._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {a._data.ndim}D")
    return _swap(a, 0, -1, TBackward0)


def T(a):
    """Reverse all dims (PermuteBackward0)."""
    return permute(a, *reversed(range(a._data.ndim)))


def mT(a):
    """Swap the last two dims."""
    return transpose(a, -2, -1)


class SqueezeBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        return (dual_reshape(g, self._args),)


class SqueezeBackward1(SqueezeBackward0):
    __slots__ = ()


class SqueezeBackward2(SqueezeBackward0):
    __slots__ = ()


class UnsqueezeBackward0(SqueezeBackward0):
    __slots__ = ()


def squeeze(a, dim=None):
    """Drop size-1 dims (all, or those in ``dim``)."""
    d = a._data
    if dim is None:
        out = np.squeeze(d)
        cls = SqueezeBackward0
    else:
        dims = normalize_dims(dim, d.ndim)
        keep = tuple(i for i in dims if d.ndim and d.shape[i] == 1)
        out = np.squeeze(d, keep) if keep else d.view()
        cls = SqueezeBackward1 if isinstance(dim, (int, np.integer)) else SqueezeBackward2
    t = record(out, cls, (a,), (), d.shape)
    return _as_view(t, a, lambda arr, s=out.shape: arr.reshape(s))


def unsqueeze(a, dim):
    """Insert a size-1 dim at ``dim``."""
    d = a._data
    n = d.ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    out = np.expand_dims(d, dim % n)
    t = record(out, UnsqueezeBackward0, (a,), (), d.shape)
    return _as_view(t, a, lambda arr, s=out.shape: arr.reshape(s))


class ExpandBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        return (sum_to(g, self._args),)


def expand(a, *sizes):
    """Broadcast to a larger shape without copying (-1 keeps a dim)."""
    sizes = _sizes(sizes)
    d = a._data
    lead = len(sizes) - d.ndim
    if lead < 0:
        raise RuntimeError(f"expand(framework.{a.dtype._legacy}{{{list(d.shape)}}}, size=[{', '.join(map(str, sizes))}]):"
                           f" the number of sizes provided ({len(sizes)}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({d.ndim})")
    target = tuple(d.shape[i - lead] if (s == -1 and i >= lead) else s for i, s in enumerate(sizes))
    try:
        out = np.broadcast_to(d, target)
    except ValueError:
        dim = next(i for i in range(len(target) - 1, lead - 1, -1)
                   if d.shape[i - lead] != 1 and d.shape[i - lead] != target[i])
        raise RuntimeError(f"The expanded size of the tensor ({target[dim]}) must match the existing size "
                           f"({d.shape[dim - lead]}) at non-singleton dimension {dim}.  Target sizes: {list(sizes)}.  "
                           f"Tensor sizes: {list(d.shape)}") from None
    if target == d.shape:
        out = d.view()
    t = record(out, ExpandBackward0, (a,), (), d.shape)
    t._vc = a._counter()
    return t


def expand_as(a, other):
    return expand(a, other._data.shape)


def broadcast_to(a, shape):
    return expand(a, tuple(shape))


class RepeatBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        shape, reps = self._args
        lead = len(reps) - len(shape)
        full = (1,) * lead + tuple(shape)
        # view g as (rep0, s0, rep1, s1, ...) and sum over the repeat axes
        inter = []
        for r, s in zip(reps, full):
            inter += [r, s]
        g2 = dual_reshape(g, inter)
        axes = tuple(range(0, 2 * len(reps), 2))
        summed = g2.sum(dim=axes) if hasattr(g2, "_data") else g2.sum(axis=axes)
        return (dual_reshape(summed, shape),)


def repeat(a, *reps):
    """Tile the tensor ``reps`` times along each dim."""
    reps = _sizes(reps)
    d = a._data
    if len(reps) < d.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    return record(np.tile(d, reps), RepeatBackward0, (a,), (), (d.shape, reps))


class CatBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        axis, sizes = self._args
        out = []
        start = 0
        for edge, n in zip(self._next, sizes):
            if edge is not None:
                idx = (slice(None),) * axis + (slice(start, start + n),)
                out.append(g[idx])
            else:
                out.append(None)
            start += n
        return tuple(out)


def cat(tensors, dim=0):
    """Join tensors along an existing dim. Example: ``framework.cat([a, b], dim=1)``."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    arrays = [t._data for t in tensors]
    ref = next((x for x in arrays if not (x.ndim == 1 and x.shape[0] == 0)), arrays[0])
    axis = norm_dim(dim, ref.ndim)
    keep = [(t, x) for t, x in zip(tensors, arrays) if not (x.ndim == 1 and x.shape[0] == 0 and ref.ndim > 1)]
    for i, (_, x) in enumerate(keep):
        if x.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {x.ndim}")
        for k in range(ref.ndim):
            if k != axis and x.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {axis}. Expected size "
                                   f"{ref.shape[k]} but got size {x.shape[k]} for tensor number {i} in the list.")
    dtype = arrays[0].dtype
    for x in arrays[1:]:
        dtype = _dt.promote(np.empty(0, dtype), np.empty(0, x.dtype)) if x.dtype != dtype else dtype
    out = np.concatenate([x for _, x in keep], axis=axis).astype(dtype, copy=False)
    return record(out, CatBackward0, tuple(t for t, _ in keep), (), (axis, [x.shape[axis] for _, x in keep]))


class StackBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        axis = self._args
        return tuple(None if e is None else g[(slice(None),) * axis + (i,)] for i, e in enumerate(self._next))


def stack(tensors, dim=0):
    """Join same-shaped tensors along a new dim."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    arrays = [t._data for t in tensors]
    for i, x in enumerate(arrays):
        if x.shape != arrays[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(arrays[0].shape)} at "
                               f"entry 0 and {list(x.shape)} at entry {i}")
    n = arrays[0].ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    axis = dim % n
    return record(np.stack(arrays, axis=axis), StackBackward0, tuple(tensors), (), axis)


class SplitBackward0(Node):
    """Backward of split/chunk/unbind: concatenate (or stack) the pieces' gradients."""
    __slots__ = ()

    def backward(self, grads):
        axis, sizes, stacked = self._args
        if not isinstance(grads, (list, tuple)):  # a single piece: the node is called like a 1-output node
            grads = [grads]
        if hasattr(grads[0], "_data"):
            from .shape import cat as t_cat, stack as t_stack
            return ((t_stack(grads, axis) if stacked else t_cat(grads, axis)),)
        return ((np.stack(grads, axis) if stacked else np.concatenate(grads, axis)),)


class UnbindBackward0(SplitBackward0):
    __slots__ = ()


def split(a, split_size_or_sections, dim=0):
    """Split into pieces of ``split_size`` (last may be smaller) or of the given sizes."""
    d = a._data
    axis = norm_dim(dim, d.ndim)
    n = d.shape[axis]
    if isinstance(split_size_or_sections, numbers.Integral):
        step = int(split_size_or_sections)
        if step <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [min(step, n - s) for s in range(0, n, step)] if n else [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {axis}), but got split_sizes={sizes}")
    bounds = np.cumsum([0] + sizes)
    pieces = [d[(slice(None),) * axis + (slice(int(s), int(e)),)] for s, e in zip(bounds[:-1], bounds[1:])]
    outs = record_multi(pieces, SplitBackward0, (a,), (), (axis, sizes, False))
    for o, (s, e) in zip(outs, zip(bounds[:-1], bounds[1:])):
        _as_view(o, a, lambda arr, ax=axis, lo=int(s), hi=int(e): arr[(slice(None),) * ax + (slice(lo, hi),)])
    return tuple(outs)


def chunk(a, chunks, dim=0):
    """Split into ``chunks`` nearly equal pieces."""
    n = a._data.shape[norm_dim(dim, a._data.ndim)]
    size = -(-n // chunks) if chunks > 0 else 0
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    return split(a, max(size, 1), dim)


def unbind(a, dim=0):
    """Remove ``dim``, returning the slices along it (outputs share one node, output_nr 0..n-1)."""
    d = a._data
    if d.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    axis = norm_dim(dim, d.ndim)
    pieces = [d[(slice(None),) * axis + (i,)] for i in range(d.shape[axis])]
    outs = record_multi(pieces, UnbindBackward0, (a,), (), (axis, None, True))
    for i, o in enumerate(outs):
        _as_view(o, a, lambda arr, ax=axis, k=i: arr[(slice(None),) * ax + (k,)])
    return tuple(outs)


class ConstantPadNdBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        return (g[self._args],)


def pad(a, pad, mode="constant", value=0.0):
    """Pad the last dims: ``pad = (left_last, right_last, left_prev, right_prev, ...)``."""
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    d = a._data
    if len(pad) // 2 > d.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {d.ndim}")
    widths = [(0, 0)] * d.ndim
    for i in range(len(pad) // 2):
        widths[d.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        raise RuntimeError("negative padding is not supported")
    if mode == "constant":
        out = np.pad(d, widths, mode="constant", constant_values=value)
    elif mode in ("reflect", "replicate", "circular"):
        out = np.pad(d, widths, mode={"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode])
        if mode != "constant":
            raise NotImplementedError(f"pad mode '{mode}' is forward-only here; use mode='constant' for training")
    else:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    region = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, d.shape))
    return record(out, ConstantPadNdBackward0, (a,), (), region)


class TrilBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        mask = self._args
        return (g * (Tensor(mask) if hasattr(g, "_data") else mask),)


class TriuBackward0(TrilBackward0):
    __slots__ = ()


def _tri(np_fn, cls):
    def op(a, diagonal=0):
        d = a._data
        if d.ndim < 2:
            raise RuntimeError(f"{np_fn.__name__}: input tensor must have at least 2 dimensions")
        mask = np_fn(np.ones(d.shape[-2:], dtype=bool), diagonal)
        return record(np.where(mask, d, np.zeros((), d.dtype)), cls, (a,), (), mask)
    return op


tril = _tri(np.tril, TrilBackward0)
triu = _tri(np.triu, TriuBackward0)


class CloneBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        return (g,)


def clone(a, memory_format=None):
    """A copy with its own storage that stays in the graph."""
    return record(a._data.copy(), CloneBackward0, (a,))


def contiguous(a, memory_format=None):
    if a._data.flags.c_contiguous:
        return a
    return record(np.ascontiguousarray(a._data), CloneBackward0, (a,))


class ToCopyBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        dtype = self._args
        return (g.to(_dt.from_numpy_dtype(dtype)) if hasattr(g, "_data") else g.astype(dtype, copy=False),)


def to_dtype(a, dtype, copy=False):
    """Convert to ``dtype`` (a non-leaf ToCopyBackward0 when differentiable; self when unchanged)."""
    np_dtype = _dt.to_numpy_dtype(dtype)
    d = a._data
    if np_dtype == d.dtype and not copy:
        return a
    out = d.astype(np_dtype)
    if np_dtype.kind != "f":
        return make(out)
    return record(out, ToCopyBackward0, (a,), (), d.dtype)


class FlipBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        return (g.flip(self._args) if hasattr(g, "_data") else np.flip(g, self._args),)


def flip(a, dims):
    d = a._data
    axes = normalize_dims(dims, d.ndim)
    return record(np.flip(d, axes).copy(), FlipBackward0, (a,), (), axes)
