"""In-place ops: version counting, the leaf checks, and rebasing views onto their base.

An in-place op on a tensor that takes part in autograd is computed out of place on a snapshot
(so values saved for backward stay intact), written into the tensor's memory, and the tensor
takes the new node as its ``grad_fn``. On a view, the base gets a ``CopySlices`` node.
"""
import weakref

import numpy as np

from ..grad_mode import STATE as _grad
from ..node import Node, new_node
from ..tensor import Tensor, _edge, record
from ._util import operand, sum_to

LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_LEAF_MSG = "a view of a leaf Variable that requires grad is being used in an in-place operation."
INFERENCE_MSG = ("Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to "
                 "get a normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for "
                 "more details.")


def check_inplace(t):
    """Raise PyTorch's errors for in-place writes that would corrupt autograd."""
    extra = t._extra
    if extra is not None:
        if extra.get("inference") and not _grad.inference:
            raise RuntimeError(INFERENCE_MSG)
        base = extra.get("base")
        if base is not None and _grad.enabled and base._requires_grad and base.grad_fn is None:
            raise RuntimeError(VIEW_LEAF_MSG)
    if _grad.enabled and t._requires_grad and t.grad_fn is None:
        raise RuntimeError(LEAF_MSG)


def snapshot(t, copy):
    """A stand-in for ``t`` at its current graph position (with a copy of its values if ``copy``)."""
    s = Tensor(t._data.copy() if copy else t._data)
    s._requires_grad = t._requires_grad
    s.grad_fn = t.grad_fn
    s._output_nr = t._output_nr
    return s


def write_into(t, values):
    d = t._data
    try:
        np.copyto(d, values, casting="same_kind")
    except TypeError:
        src = np.asarray(values)
        raise RuntimeError(f"result type {_c(src.dtype)} can't be cast to the desired output type "
                           f"{_c(d.dtype)}") from None
    except ValueError as exc:
        raise RuntimeError(str(exc)) from None


def _c(np_dtype):
    return {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "bool": "Bool"}.get(
        np_dtype.name, np_dtype.name)


class AsStridedBackward0(Node):
    """A view whose base was modified in place: its gradient lands in the view's region of the base."""
    __slots__ = ()

    def backward(self, g):
        view_fn, shape, dtype = self._args
        g_arr = g._data if hasattr(g, "_data") else g
        full = np.zeros(shape, dtype=dtype)
        view_fn(full)[...] = g_arr
        return (Tensor(full) if hasattr(g, "_data") else full,)


class ViewCopySlices(Node):
    """The base's node after an in-place write into one of its views."""
    __slots__ = ()

    def name(self):
        return "torch::autograd::CopySlices"

    def backward(self, g):
        view_fn = self._args
        g_arr = g._data if hasattr(g, "_data") else g
        g_base = np.array(g_arr, copy=True)
        view_fn(g_base)[...] = 0
        g_view = np.array(view_fn(g_arr), copy=True)
        if hasattr(g, "_data"):
            return Tensor(g_base), Tensor(g_view)
        return g_base, g_view


ViewCopySlices.__name__ = "CopySlices"


def commit(t, out):
    """Write ``out`` (computed out of place) into ``t`` and splice ``out``'s node into the graph."""
    write_into(t, out._data)
    t._bump()
    if not out._requires_grad:
        return t
    base = t._get_extra("base")
    if base is None:
        old = (t.grad_fn, t._output_nr)
        t.grad_fn = out.grad_fn
        t._output_nr = out._output_nr
        t._requires_grad = True
        _rebased(t, old)
        return t
    view_fn = t._extra["view_fn"]
    old_base, old_view = (base.grad_fn, base._output_nr), (t.grad_fn, t._output_nr)
    node = new_node(ViewCopySlices, (_edge(base), _edge(out)), (), None, None, 1, view_fn)
    base.grad_fn = node
    base._output_nr = 0
    base._requires_grad = True
    _rebased(base, old_base)
    regenerate_view(t, base)
    _move_retained_grad(t, old_view)
    return t


def regenerate_view(view, base):
    """Make ``view``'s grad_fn an ``AsStridedBackward0`` over its base's current history."""
    view.grad_fn = new_node(AsStridedBackward0, (_edge(base),), (), None, None, 1,
                            (view._extra["view_fn"], base._data.shape, base._data.dtype))
    view._output_nr = 0
    view._requires_grad = True


def _rebased(t, old):
    """``t`` got a new grad_fn from an in-place write: mark it for its views, move its retained grad."""
    if t._extra is None:
        t._extra = {}
    t._extra["rebased_seq"] = t.grad_fn._seq
    _move_retained_grad(t, old)


def _move_retained_grad(t, old):
    """``retain_grad()`` follows the tensor to its new grad_fn, as in PyTorch."""
    old_fn, old_nr = old
    if t._extra is None or not t._extra.get("retains_grad") or old_fn is None or not old_fn._hooks:
        return
    entry = old_fn._hooks.get(old_nr)
    if entry is not None:
        entry[1] = None
    t._node_hooks()[1] = weakref.ref(t)


def _recording(t, other=None):
    if not _grad.enabled:
        return False
    if t._requires_grad or (other is not None and getattr(other, "_requires_grad", False)):
        return True
    base = t._get_extra("base")
    return base is not None and base._requires_grad


def inplace_binary(t, other, op, np_op, needs_self):
    """Shared body of add_/sub_/mul_/div_/pow_: fast numpy path when autograd is not involved."""
    check_inplace(t)
    ot = other if isinstance(other, Tensor) else None
    if not _recording(t, ot):
        _, od = operand(other)
        try:
            np_op(t._data, od, out=t._data, casting="same_kind")
        except TypeError:
            res = np.result_type(t._data, od)
            raise RuntimeError(f"result type {_c(res)} can't be cast to the desired output type "
                               f"{_c(t._data.dtype)}") from None
        t._bump()
        return t
    return commit(t, op(snapshot(t, needs_self), other))


def add_(t, other, alpha=1):
    from .arith import add
    if alpha != 1:
        other = other * alpha
    return inplace_binary(t, other, add, np.add, False)


def sub_(t, other, alpha=1):
    from .arith import sub
    if alpha != 1:
        other = other * alpha
    return inplace_binary(t, other, sub, np.subtract, False)


def mul_(t, other):
    from .arith import mul
    return inplace_binary(t, other, mul, np.multiply, True)


def div_(t, other):
    from .arith import div
    return inplace_binary(t, other, div, np.true_divide, True)


def pow_(t, other):
    from .arith import pow as _pow
    return inplace_binary(t, other, _pow, np.power, True)


def inplace_unary(t, op, needs_self=True):
    """In-place form of a unary op (relu_, clamp_, neg_, ...)."""
    check_inplace(t)
    if not _recording(t):
        with_grad = _grad.enabled
        _grad.enabled = False
        try:
            res = op(t)
        finally:
            _grad.enabled = with_grad
        write_into(t, res._data)
        t._bump()
        return t
    return commit(t, op(snapshot(t, needs_self)))


class FillBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        return (g * 0,)


def fill_(t, value):
    check_inplace(t)
    if isinstance(value, Tensor) and _recording(t, value):
        from .shape import expand
        return commit(t, expand(value.to(t.dtype), t._data.shape) + 0)
    v = value._data if isinstance(value, Tensor) else value
    if not _recording(t):
        t._data[...] = v
        t._bump()
        return t
    out = record(np.full(t._data.shape, v, dtype=t._data.dtype), FillBackward0, (snapshot(t, False),))
    return commit(t, out)


def zero_(t):
    return fill_(t, 0)


class CopyBackwards(Node):
    """Backward of ``dst.copy_(src)``: nothing flows to the old ``dst``, the gradient goes to ``src``."""
    __slots__ = ()

    def name(self):
        return "torch::autograd::CopyBackwards"

    def backward(self, g):
        src_shape, src_dtype = self._args
        g_src = None
        if self._next[1] is not None:
            g_src = sum_to(g, src_shape)
            if hasattr(g_src, "_data"):
                g_src = g_src.to(src_dtype) if g_src._data.dtype != src_dtype else g_src
            elif g_src.dtype != src_dtype:
                g_src = g_src.astype(src_dtype)
        g_dst = None if self._next[0] is None else g * 0
        return g_dst, g_src


def copy_(t, src, non_blocking=False):
    """Copy ``src`` into ``t`` (broadcast, cast); the gradient flows back to ``src``."""
    check_inplace(t)
    st, sd = operand(src)
    try:
        values = np.broadcast_to(np.asarray(sd), t._data.shape)
    except ValueError:
        raise RuntimeError(_size_mismatch(t._data.shape, np.shape(sd))) from None
    if not _recording(t, st):
        np.copyto(t._data, values, casting="unsafe")
        t._bump()
        return t
    values = values.astype(t._data.dtype)
    out = record(values.copy(), CopyBackwards, (snapshot(t, False), st), (),
                 (None if st is None else sd.shape, None if st is None else sd.dtype))
    return commit(t, out)


def _size_mismatch(dst_shape, src_shape):
    """PyTorch's broadcast error, naming the first (rightmost) dimension that differs."""
    n = max(len(dst_shape), len(src_shape))
    a = (1,) * (n - len(dst_shape)) + tuple(dst_shape)
    b = (1,) * (n - len(src_shape)) + tuple(src_shape)
    for dim in range(n - 1, -1, -1):
        if a[dim] != b[dim] and a[dim] != 1 and b[dim] != 1:
            return (f"The size of tensor a ({a[dim]}) must match the size of tensor b ({b[dim]}) at non-singleton "
                    f"dimension {dim}")
    return f"output with shape {list(dst_shape)} doesn't match the broadcast shape {list(np.broadcast_shapes(a, b))}"


def copy_backwards(g, dtype):
    """``x.grad`` created under create_graph=True: a copy of ``g`` that stays differentiable."""
    out = record(np.array(g._data, dtype=dtype, copy=True), CopyBackwards, (None, g), (),
                 (g._data.shape, g._data.dtype))
    return out


def setitem(t, key, value):
    """``t[key] = value``: last write wins on repeated indices; gradients as PyTorch's CopySlices."""
    from .indexing import convert_key, index_put, is_basic
    if _grad.enabled and t._requires_grad and t.grad_fn is None and is_basic(key):
        # PyTorch writes through a view (``t[key].copy_(value)``), so it reports the view error
        raise RuntimeError(VIEW_LEAF_MSG)
    check_inplace(t)
    nkey = convert_key(key)
    vt = value if isinstance(value, Tensor) else None
    if vt is not None and vt._data.ndim and vt._data.shape[0] == 1:
        value = vt = _drop_leading_ones(vt, t._data[nkey].ndim)
    if not _recording(t, vt):
        vd = value._data if vt is not None else value
        try:
            t._data[nkey] = vd
        except ValueError as exc:
            raise RuntimeError(f"shape mismatch: {exc}") from None
        t._bump()
        return
    commit(t, index_put(snapshot(t, False), key, value))


def _drop_leading_ones(value, target_ndim):
    """PyTorch lets ``t[i] = v`` drop leading size-1 dims of ``v`` (a shape-(1,) value fills one element)."""
    shape = value._data.shape
    extra = 0
    while len(shape) - extra > target_ndim and shape[extra] == 1:
        extra += 1
    return value.reshape(shape[extra:]) if extra else value


def masked_fill_(t, mask, value):
    from .indexing import masked_fill
    return inplace_unary(t, lambda s: masked_fill(s, mask, value), needs_self=False)


def clamp_(t, min=None, max=None):  # noqa: A002
    from .pointwise import clamp
    return inplace_unary(t, lambda s: clamp(s, min, max))


def relu_(t):
    from .pointwise import relu
    return inplace_unary(t, relu, needs_self=False)


def uniform_(t, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b) samples from the seeded generator (no autograd)."""
    from ..random import rng
    check_inplace(t)
    t._data[...] = rng(generator).uniform(a, b, size=t._data.shape)
    t._bump()
    return t


def normal_(t, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std^2) samples from the seeded generator (no autograd)."""
    from ..random import rng
    check_inplace(t)
    t._data[...] = rng(generator).normal(mean, std, size=t._data.shape)
    t._bump()
    return t
