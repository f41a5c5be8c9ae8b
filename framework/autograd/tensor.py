"""The Tensor: a numpy array plus PyTorch's autograd metadata.

Example:
    >>> x = framework.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])
"""
import traceback
import warnings
import weakref

import numpy as np

from . import dtypes as _dt
from .anomaly import STATE as _anomaly
from .grad_mode import STATE as _grad
from .node import _SEQ, OUTPUT, AccumulateGrad, new_node

_new = object.__new__
SAVE_OUTPUT = (OUTPUT,)  # ``saved`` of an op whose backward needs only its own result


class Size(tuple):
    """A tensor shape: a tuple with ``numel()``, printed as ``framework.Size([2, 3])``."""

    __slots__ = ()

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self):
        return f"framework.Size([{', '.join(str(s) for s in self)}])"

    def __getitem__(self, item):
        res = tuple.__getitem__(self, item)
        return Size(res) if isinstance(item, slice) else res


class Version:
    """A version counter shared by a tensor, its views and its ``detach()`` aliases."""

    __slots__ = ("value",)

    def __init__(self, value=0):
        self.value = value


NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
    "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
    "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
    "by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
    "for more information.")


class Tensor:
    """An n-dimensional array that records the operations applied to it for reverse-mode autograd."""

    __slots__ = ("_data", "_grad", "_requires_grad", "grad_fn", "_output_nr", "_vc", "_extra",
                 "__weakref__")
    _is_node = False
    __hash__ = object.__hash__
    __array_ufunc__ = None  # make numpy defer to our reflected operators
    __array_priority__ = 1000

    def __init__(self, data, requires_grad=False):
        if type(data) is not np.ndarray:
            from .factories import to_array
            data = to_array(data, None)
        self._data = data
        self._grad = None
        self._requires_grad = False
        self.grad_fn = None
        self._output_nr = 0
        self._vc = None
        self._extra = None
        if _grad.inference:
            self._set_extra("inference", True)
        if requires_grad:
            self.requires_grad = True

    # ----------------------------------------------------------------- metadata
    def _set_extra(self, key, value):
        if self._extra is None:
            self._extra = {}
        self._extra[key] = value

    def _get_extra(self, key, default=None):
        return default if self._extra is None else self._extra.get(key, default)

    def _counter(self):
        vc = self._vc
        if vc is None:
            vc = self._vc = Version()
        return vc

    def _bump(self):
        vc = self._vc
        if vc is None:
            vc = self._vc = Version()
        vc.value += 1

    @property
    def _version(self):
        return 0 if self._vc is None else self._vc.value

    @property
    def data(self):
        """A tensor sharing this one's storage, outside autograd (its own version counter)."""
        return Tensor(self._data)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        if self.grad_fn is not None and not flag:
            raise RuntimeError(_NONLEAF_FLAG_MSG)
        if flag and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad in place (leaves only) and return self."""
        if self.grad_fn is not None:
            if requires_grad:
                return self
            raise RuntimeError(_NONLEAF_FLAG_MSG)
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @is_leaf.setter
    def is_leaf(self, value):
        raise AttributeError("attribute 'is_leaf' of 'framework.Tensor' objects is not writable")

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def grad(self):
        if self._grad is None and self.grad_fn is not None and not self.retains_grad:
            warnings.warn(NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError("assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value._data.shape)}' to a tensor of size "
                    f"'{list(self._data.shape)}'. Please ensure that the gradient and the tensor are the same size")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_c_name(value._data.dtype)}' to a tensor with "
                    f"grad_dtype '{_c_name(self._data.dtype).capitalize()}'. The gradient must match the tensor's "
                    "grad_dtype (defaults to the tensor's dtype).")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def retains_grad(self):
        return self.grad_fn is not None and self._get_extra("retains_grad", False)

    @retains_grad.setter
    def retains_grad(self, value):
        raise AttributeError("attribute 'retains_grad' of 'framework.Tensor' objects is not writable")

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor during backward (a no-op on leaves)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self.retains_grad:
            return
        self._set_extra("retains_grad", True)
        self._node_hooks()[1] = weakref.ref(self)

    def _node_hooks(self):
        """This non-leaf's ``[hooks, retained_tensor_ref]`` entry on its grad_fn."""
        node = self.grad_fn
        if node._hooks is None:
            node._hooks = {}
        entry = node._hooks.get(self._output_nr)
        if entry is None:
            entry = node._hooks[self._output_nr] = [{}, None]
        return entry

    def register_hook(self, hook):
        """Register ``hook(grad) -> Tensor or None`` run when this tensor's gradient is computed.

        Example:
            >>> h = x.register_hook(lambda g: g * 10)
        """
        from .hooks import RemovableHandle
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            extra = self._extra if self._extra is not None else {}
            self._extra = extra
            return RemovableHandle(extra.setdefault("hooks", {}), hook)
        return RemovableHandle(self._node_hooks()[0], hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Register ``hook(tensor)`` run after ``.grad`` of this leaf has been accumulated."""
        from .hooks import RemovableHandle
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        extra = self._extra if self._extra is not None else {}
        self._extra = extra
        return RemovableHandle(extra.setdefault("post_hooks", {}), hook)

    def _accumulate_node(self):
        ref = self._get_extra("acc")
        node = ref() if ref is not None else None
        if node is None:
            node = AccumulateGrad(self)
            self._set_extra("acc", weakref.ref(node))
        return node

    def is_inference(self):
        return self._get_extra("inference", False)

    # ----------------------------------------------------------------- shape and conversion
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        """The shape, or the length of one dimension."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_norm_dim(dim, self._data.ndim)]

    @property
    def dtype(self):
        return _dt.from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        from .device import CPU
        return CPU

    @property
    def is_cuda(self):
        return False

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def ndimension(self):
        return self._data.ndim

    def numel(self):
        return int(self._data.size)

    def nelement(self):
        return int(self._data.size)

    def element_size(self):
        return self._data.itemsize

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_contiguous(self):
        return bool(self._data.flags.c_contiguous)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def numpy(self, force=False):
        """The underlying numpy array (shared memory)."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def tolist(self):
        return self._data.tolist()

    def __array__(self, dtype=None, copy=None):
        arr = self._data
        if dtype is not None:
            arr = arr.astype(dtype, copy=False)
        return arr

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __repr__(self):
        from .printing import tensor_repr
        return tensor_repr(self)

    def __reduce_ex__(self, protocol):
        raise TypeError("framework tensors are not pickled; use framework.save (safetensors) instead")

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the "
                               "deepcopy protocol at the moment.")
        new = type(self).__new__(type(self))
        Tensor.__init__(new, self._data.copy(), requires_grad=False)
        new._requires_grad = self._requires_grad
        if self._grad is not None:
            new._grad = Tensor(self._grad._data.copy())
        if type(self) is not Tensor and hasattr(self, "__dict__"):
            import copy
            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        memo[id(self)] = new
        return new

    def detach(self):
        """A tensor sharing storage and version counter, cut off from the graph."""
        out = Tensor(self._data)
        out._vc = self._counter()
        return out

    def detach_(self):
        """Detach this tensor from the graph in place, making it a leaf."""
        if self._get_extra("base") is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
                "buckets, and hence detach_() cannot be called on these gradients. To fix this error, please "
                "refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
        self.grad_fn = None
        self._requires_grad = False
        self._output_nr = 0
        return self

    # ----------------------------------------------------------------- autograd entry points
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (vector-Jacobian product with ``gradient``).

        Example:
            >>> (x * x).sum().backward()
        """
        if gradient is None and inputs is None and not create_graph and self.grad_fn is not None \
                and self._extra is None and self._data.size == 1:
            # loss.backward(), the call of every training step: a scalar result, not a view, seed of one
            _run_backward((self,), (_implicit_seed(self._data),), bool(retain_graph), False)
            return
        _autograd_backward((self,), None if gradient is None else (gradient,), retain_graph, create_graph,
                           inputs=inputs)


_NONLEAF_FLAG_MSG = ("you can only change requires_grad flags of leaf variables. If you want to use a computed "
                     "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().")


def _c_name(np_dtype):
    return {"float32": "float", "float64": "double", "int64": "long", "int32": "int", "float16": "half",
            "bool": "bool", "uint8": "unsigned char"}.get(np_dtype.name, np_dtype.name)


def _norm_dim(dim, ndim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


# --------------------------------------------------------------------- recording ops
def _edge(t):
    if t is None or not t._requires_grad:
        return None
    if t._extra is not None and "base" in t._extra:
        refresh_view(t)
    fn = t.grad_fn
    return (t, 0) if fn is None else (fn, t._output_nr)


def refresh_view(t):
    """Give a view the base's new history when the base was modified in place after the view was made.

    ``rebased_seq`` on the base is the sequence number of the node an in-place write gave it; a view
    whose grad_fn is older still points at the values from before the write (PyTorch regenerates it too).
    """
    base = t._extra["base"]
    rebased = base._extra.get("rebased_seq") if base._extra is not None else None
    fn = t.grad_fn
    if rebased is not None and fn is not None and fn._seq < rebased:
        from .ops.inplace import regenerate_view
        regenerate_view(t, base)


def make(data):
    """Wrap a numpy result as a tensor outside the graph (no checks)."""
    return record(data, None, ())


def needs_grad(*inputs):
    """True when grad mode is on and any input tensor requires grad."""
    if not _grad.enabled:
        return False
    for t in inputs:
        if t is not None and t._requires_grad:
            return True
    return False


def record(data, cls, inputs, saved=(), args=None):
    """Wrap ``data`` as the output of op ``cls`` applied to ``inputs`` and, when grad mode is on and an
    input requires grad, make it the output of a new ``cls`` node (the hot path of every op).

    ``saved`` lists what the backward formula receives: input tensors (checked against in-place
    changes), ``OUTPUT`` for the result itself, or plain values; ops that need only their result
    pass ``SAVE_OUTPUT``. ``args`` (shapes, dims) are kept after backward.

    What the node keeps of ``saved``: ``_saved``, the values its backward receives (a tensor's
    array); ``_saved_vars``, ``saved`` itself (the tensors, for in-place checks and double
    backward); ``_versions``, per entry the version a tensor had (a tensor that never had a
    counter was at version 0, so none is made for it), the counter given to the output for
    ``OUTPUT``, or None for a plain value.
    """
    if data.__class__ is not np.ndarray:
        data = np.asarray(data)
    out = _new(Tensor)  # no __init__: every op's output is created here
    out._data = data
    out._grad = None
    out._requires_grad = False
    out.grad_fn = None
    out._output_nr = 0
    out._vc = None
    out._extra = None
    if not _grad.enabled:
        if _grad.inference:
            out._extra = {"inference": True}
        return out
    # one edge per input: (producer node, output_nr), (leaf, 0), or None where no gradient flows;
    # written out for one and two inputs, the ops of nearly every step
    n = len(inputs)
    if n == 1:
        t = inputs[0]
        if t is None or not t._requires_grad:
            return out
        if t._extra is not None and "base" in t._extra:
            refresh_view(t)
        edges = ((t, 0) if t.grad_fn is None else (t.grad_fn, t._output_nr),)
    elif n == 2:
        a, b = inputs
        ea = None if a is None or not a._requires_grad else (a, 0) if a.grad_fn is None else (a.grad_fn, a._output_nr)
        eb = None if b is None or not b._requires_grad else (b, 0) if b.grad_fn is None else (b.grad_fn, b._output_nr)
        if ea is None and eb is None:
            return out
        if (a is not None and a._extra is not None) or (b is not None and b._extra is not None):
            ea, eb = _edge(a), _edge(b)  # again, after a stale view takes its base's new history
        edges = (ea, eb)
    else:
        edges = tuple([_edge(t) for t in inputs])
        if edges.count(None) == n:
            return out
    node = _new(cls)  # no __init__: every slot is set here
    node._next = edges
    node._args = args
    node._seq = next(_SEQ)
    node._hooks = None
    node._trace = None
    node._n_out = 1
    if saved is SAVE_OUTPUT:
        vc = out._vc = Version()
        node._saved = (data,)
        node._saved_vars = saved
        node._versions = (vc,)
    elif saved:
        vals, versions = [], []
        for s in saved:
            if s.__class__ is Tensor or isinstance(s, Tensor):
                if s._extra is not None and s._extra.get("inference"):
                    raise RuntimeError(_INFERENCE_SAVE_MSG)
                vc = s._vc
                vals.append(s._data)
                versions.append(0 if vc is None else vc.value)
            elif s is OUTPUT:
                vc = out._vc = Version()
                vals.append(data)
                versions.append(vc)
            else:
                vals.append(s)
                versions.append(None)
        node._saved = tuple(vals)
        node._saved_vars = saved
        node._versions = tuple(versions)
    else:
        node._saved = ()
        node._saved_vars = None
        node._versions = None
    out._requires_grad = True
    out.grad_fn = node
    if _anomaly.enabled:
        node._trace = traceback.format_stack()[:-2]
    return out


_INFERENCE_SAVE_MSG = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference mode in "
    "computation tracked by autograd. To work around this, you can make a clone to get a normal tensor and use "
    "it in autograd, or use `framework.no_grad()` instead of `framework.inference_mode()`.")


def record_multi(datas, cls, inputs, saved=(), args=None):
    """Like ``record`` for an op with several outputs (unbind, split): one node, ``output_nr`` 0..n-1."""
    if not needs_grad(*inputs):
        return [make(d) for d in datas]
    first = record(datas[0], cls, inputs, saved, args)
    outs = [first] + [make(d) for d in datas[1:]]
    node = first.grad_fn
    node._n_out = len(outs)
    node._out_meta = [(o._data.dtype, o._data.shape) for o in outs]
    for i, o in enumerate(outs):
        o._requires_grad = True
        o.grad_fn = node
        o._output_nr = i
    return outs


# at the bottom: functional imports the engine, which imports this module
from .engine import run_backward as _run_backward  # noqa: E402
from .functional import backward as _autograd_backward, implicit_seed as _implicit_seed  # noqa: E402
