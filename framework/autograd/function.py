"""Custom differentiable operations: subclass ``Function`` with static ``forward`` and ``backward``.

Example:
    >>> class Exp(framework.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         y = x.exp(); ctx.save_for_backward(y); return y
    ...     @staticmethod
    ...     def backward(ctx, gy):
    ...         (y,) = ctx.saved_tensors; return gy * y
    >>> Exp.apply(x)
"""
import functools
import traceback
import warnings

import numpy as np

from .anomaly import STATE as _anomaly
from .grad_mode import STATE as _grad
from .node import FREED_MSG, Node, _op_name, _version_message, new_node, version_error
from .tensor import _INFERENCE_SAVE_MSG, Tensor, _edge

LEGACY_MSG = ("Legacy autograd function with non-static forward method is deprecated. Please use new-style autograd "
              "function with static forward method. (Example: https://pytorch.org/docs/stable/autograd.html"
              "#torch.autograd.Function)")
NO_BACKWARD_MSG = ("You must implement either the backward or vjp method for your custom autograd.Function to use it "
                   "with backward mode AD.")


class FunctionCtx(Node):
    """The context handed to ``forward``/``backward``; it is also the graph node (``FBackward``).

    A saved tensor that is an output of this node is kept as its array plus output number (an
    int in ``_saved_vars``) and rebuilt on access, so node and output do not keep each other alive.
    """

    _materialize = False  # missing output gradients are filled (or not) per call: set_materialize_grads

    def save_for_backward(self, *tensors):
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is of type "
                                f"{type(t).__name__}")
        self.to_save = tensors

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is None:
            raise RuntimeError(FREED_MSG)
        if self._versions:
            self._check_versions()
        return tuple(val if type(var) is not int else self._rebuild_output(val, var, counter)
                     for val, var, (counter, _) in zip(saved, self._saved_vars, self._versions or ()))

    def _rebuild_output(self, data, nr, counter):
        out = Tensor(data)
        out._vc = counter
        out._requires_grad = True
        out.grad_fn = self
        out._output_nr = nr
        return out

    def _check_versions(self):
        for var, (counter, expected) in zip(self._saved_vars, self._versions):
            if counter is None or counter.value == expected:
                continue
            if type(var) is int:  # one of this node's outputs
                dtype, shape = self._out_meta[var]
                raise RuntimeError(version_error(dtype, shape, f", which is output {var} of {_op_name(self)}",
                                                 counter.value, expected))
            raise RuntimeError(_version_message(self, var, counter.value, expected))

    def mark_non_differentiable(self, *tensors):
        """Outputs that get no grad_fn (e.g. indices); their incoming gradient in backward is zeros."""
        self.non_differentiable = tensors

    def mark_dirty(self, *tensors):
        """Inputs that ``forward`` modified in place and returns; they become outputs of this node."""
        self.dirty_tensors = tensors

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    # ---- engine interface
    def _apply(self, grads, create_graph):
        fn_cls = self._function
        wrapped = []
        for (dtype, shape), g in zip(self._out_meta, grads):
            if g is None and self.materialize_grads:
                g = np.zeros(shape, dtype=dtype)
            if g is not None and not isinstance(g, Tensor):
                g = Tensor(np.asarray(g))
            wrapped.append(g)
        prev = _grad.enabled
        _grad.enabled = create_graph
        try:
            result = fn_cls.backward(self, *wrapped)
        finally:
            _grad.enabled = prev
        return self._check_grads(result, create_graph)

    def _check_grads(self, result, create_graph):
        name = type(self).__name__
        if not isinstance(result, tuple):
            result = (result,)
        n_in = len(self._next)
        if len(result) != n_in:
            if len(result) > n_in and all(r is None for r in result[n_in:]):
                result = result[:n_in]
            else:
                raise RuntimeError(f"function {name} returned an incorrect number of gradients (expected {n_in}, "
                                   f"got {len(result)})")
        out = []
        for i, (g, meta) in enumerate(zip(result, self._in_meta)):
            if g is None:
                out.append(None)
                continue
            if meta is None:
                raise RuntimeError(f"function {name} returned a gradient different than None at position {i + 1}, "
                                   "but the corresponding forward input was not a Variable")
            if not isinstance(g, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
            if self._next[i] is None:
                out.append(None)
                continue
            dtype, shape = meta
            gshape = g._data.shape
            if gshape != shape:
                try:
                    np.broadcast_shapes(gshape, shape)
                    ok = np.broadcast_shapes(gshape, shape) == gshape
                except ValueError:
                    ok = False
                if not ok:
                    raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - got "
                                       f"{list(gshape)} but expected shape compatible with {list(shape)}")
                from .ops._util import sum_to
                g = sum_to(g, shape)
            if g._data.dtype != dtype:
                g = g.to(dtype) if create_graph else Tensor(g._data.astype(dtype))
            out.append(g if create_graph else g._data)
        return tuple(out)

    def _release(self):
        if self._saved:  # a function that saved nothing can run backward again, as in PyTorch
            self._saved = None
            self._saved_vars = None


class _FunctionMeta(type):
    """Give every Function subclass its own backward node class, named ``<Name>Backward``."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(f"{name}Backward", (FunctionCtx,), {"_function": cls})


class Function(metaclass=_FunctionMeta):
    """Base class for custom autograd operations; call them with ``MyFunction.apply(...)``."""

    def __init__(self, *args, **kwargs):
        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd functions are all static, so "
                      "you should invoke them on the class itself. Instantiating an autograd function will raise an "
                      "error in a future version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError(LEGACY_MSG)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(NO_BACKWARD_MSG)

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        node = new_node(cls._backward_cls, tuple(_edge(a) if isinstance(a, Tensor) else None for a in args))
        node.to_save = ()
        node.non_differentiable = ()
        node.dirty_tensors = ()
        node.materialize_grads = True
        enabled = _grad.enabled
        node.needs_input_grad = tuple(enabled and isinstance(a, Tensor) and a._requires_grad for a in args)
        node._in_meta = tuple((a._data.dtype, a._data.shape) if isinstance(a, Tensor) else None for a in args)
        if _anomaly.enabled:
            node._trace = traceback.format_stack()[:-1]
        uses_setup = cls.setup_context is not Function.setup_context
        _grad.enabled = False
        try:
            if uses_setup:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(node, args, outputs)
            else:
                outputs = cls.forward(node, *args, **kwargs)
        finally:
            _grad.enabled = enabled
        return _connect(node, args, outputs)


DIRTY_LEAF_MSG = "a leaf Variable that requires grad has been used in an in-place operation."


def _connect(node, args, outputs):
    """Make the forward's outputs the outputs of ``node`` and freeze what it saved."""
    single = not isinstance(outputs, tuple)
    outs = (outputs,) if single else outputs
    record_graph = any(node.needs_input_grad)
    dirty = {id(t) for t in node.dirty_tensors}
    non_diff = {id(t) for t in node.non_differentiable}
    input_ids = {id(a) for a in args if isinstance(a, Tensor)}
    results = []
    for o in outs:
        if isinstance(o, Tensor) and id(o) in input_ids and id(o) not in dirty:
            # an input returned unchanged becomes a new tensor (an alias: same memory and version)
            alias = o.view(o._data.shape) if not record_graph else Tensor(o._data)
            alias._vc = o._counter()
            o = alias
        results.append(o)
    node._out_meta = [(o._data.dtype, o._data.shape) if isinstance(o, Tensor) else (np.dtype(np.float32), ())
                      for o in results]
    node._n_out = len(results)
    for o in results:
        if isinstance(o, Tensor) and id(o) in dirty:
            if record_graph and o._requires_grad and o.grad_fn is None:
                raise RuntimeError(DIRTY_LEAF_MSG)
            o._bump()
    out_nr = {}
    if record_graph:
        for i, o in enumerate(results):
            if not isinstance(o, Tensor) or id(o) in non_diff or o._data.dtype.kind != "f":
                continue
            o.grad_fn = node
            o._output_nr = i
            o._requires_grad = True
            out_nr[id(o)] = i
    # freeze the saved tensors with their versions; outputs are stored without a reference back
    saved = node.to_save
    node.to_save = ()
    if record_graph:
        for t in saved:
            if t is not None and t._extra is not None and t._extra.get("inference"):
                raise RuntimeError(_INFERENCE_SAVE_MSG)
    if saved:
        node._saved = tuple(t._data if id(t) in out_nr else t for t in saved)
        node._saved_vars = tuple(out_nr.get(id(t)) if id(t) in out_nr else t for t in saved)
        node._versions = tuple((t._counter(), t._version) if isinstance(t, Tensor) else (None, 0) for t in saved)
    else:
        node._saved = ()
        node._saved_vars = ()
        node._versions = None
    return results[0] if single else tuple(results)


def once_differentiable(fn):
    """Decorate a ``backward`` that is not itself differentiable: it runs with grad mode off."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        prev = _grad.enabled
        _grad.enabled = False
        try:
            return fn(ctx, *args)
        finally:
            _grad.enabled = prev
    return wrapper
