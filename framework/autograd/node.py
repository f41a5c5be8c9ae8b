"""Graph nodes: one ``Node`` subclass per differentiable op, named as PyTorch names them.

A node keeps the edges to the nodes that produced its inputs (``_next``) and the values its
backward formula needs (``_saved``). Backward formulas are written once and work on numpy arrays
(the fast path) and on Tensors (``create_graph=True``, so the backward itself is recorded).
"""
import itertools

import numpy as np

from . import dtypes as _dt

_SEQ = itertools.count()

# Marker in ``_saved_vars`` for a value that is the node's own output.
OUTPUT = "output"

FREED_MSG = ("Trying to backward through the graph a second time (or directly access saved tensors "
             "after they have already been freed). Saved intermediate values of the graph are freed "
             "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
             "backward through the graph a second time or if you need to access saved tensors after "
             "calling backward.")


class Node:
    """Base class of backward nodes. Subclasses implement ``backward(self, grad, *saved)``."""

    __slots__ = ("_next", "_saved", "_saved_vars", "_versions", "_seq", "_hooks", "_trace",
                 "_n_out", "_out_meta", "_args", "__weakref__")
    _is_node = True
    _materialize = True  # fill missing output grads of multi-output nodes with zeros
    _plain_apply = True  # the engine may inline ``_apply`` (false for nodes that override it)
    # every array ``backward`` returns is newly made and returned once (not an input gradient passed
    # through, not a saved value), so a leaf may keep it as its ``.grad`` without a copy
    _fresh_grads = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._plain_apply = cls._apply is Node._apply

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {id(self):#x}>"

    @property
    def next_functions(self):
        """Tuple of ``(node, output_nr)`` per differentiable input; ``(None, 0)`` for constants."""
        out = []
        for edge in self._next:
            if edge is None:
                out.append((None, 0))
            else:
                target, nr = edge
                out.append((target if target._is_node else target._accumulate_node(), nr))
        return tuple(out)

    def register_hook(self, fn):
        """Register ``fn(grad_inputs, grad_outputs)`` to run after this node's backward."""
        from .hooks import RemovableHandle
        if self._hooks is None:
            self._hooks = {}
        return RemovableHandle(self._hooks.setdefault("post", {}), fn)

    def __getattr__(self, name):
        # PyTorch exposes saved values as ``_saved_<name>``; subclasses list them in ``saved_names``.
        if name.startswith("_saved_") and name[7:] in getattr(type(self), "saved_names", ()):
            idx = type(self).saved_names.index(name[7:])
            saved = object.__getattribute__(self, "_saved")
            if saved is None:
                raise RuntimeError(FREED_MSG)
            if object.__getattribute__(self, "_versions").__class__ is Deferred:
                self._check_versions()
                saved = object.__getattribute__(self, "_saved")
            from .tensor import Tensor
            val = saved[idx]
            return Tensor(val) if isinstance(val, np.ndarray) else val
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __call__(self, *grads):
        """Run the backward formula on the given output gradients (Tensors), as PyTorch nodes do."""
        from .tensor import Tensor
        arrays = [g._data if isinstance(g, Tensor) else g for g in grads]
        res = self._apply(arrays, False)
        return tuple(Tensor(r) if isinstance(r, np.ndarray) else r for r in res)

    def _apply(self, grads, create_graph):
        saved = self._saved
        if saved is None:
            raise RuntimeError(FREED_MSG)
        if self._versions:
            self._check_versions()
            saved = self._saved  # a deferred node has just been refilled
        if create_graph and saved:
            saved = self._unpack_for_graph(saved)
        if self._n_out == 1:
            return self.backward(grads[0], *saved)
        return self.backward(grads, *saved)

    def _unpack_for_graph(self, saved):
        from .tensor import Tensor
        out = []
        for val, var, version in zip(saved, self._saved_vars, self._versions):
            if version is None:  # a plain value
                out.append(val)
            elif var is OUTPUT:
                t = Tensor(val, requires_grad=True)
                t.grad_fn = self
                out.append(t)
            else:
                out.append(var)
        return tuple(out)

    def _check_versions(self):
        versions = self._versions
        if versions.__class__ is Deferred:
            versions.source.refill(self, versions.index)
            versions = self._versions
        for var, expected in zip(self._saved_vars, versions):
            if expected is None:
                continue
            if expected.__class__ is int:  # a saved tensor: the version it had then
                counter = var._vc
                if counter is not None and counter.value != expected:
                    raise RuntimeError(_version_message(self, var, counter.value, expected))
            elif expected.value:  # the output's own counter: it was saved at version 0
                raise RuntimeError(_version_message(self, var, expected.value, 0))

    def _release(self):
        if self._saved:
            self._saved = None
            self._saved_vars = None


class Deferred:
    """Stands in a node's ``_versions`` while its saved values are dropped (``_saved`` is then empty).

    The first use of the node (its backward, or reading a ``_saved_<name>``) calls
    ``source.refill(node, index)``, which must set the node's ``_saved``, ``_saved_vars`` and
    ``_versions`` again. Activation checkpointing drops a segment's saved activations this way and
    recomputes them when backward reaches the segment (``framework.utils.checkpoint``).
    """

    __slots__ = ("source", "index")

    def __init__(self, source, index):
        self.source = source
        self.index = index


def _version_message(node, var, current, expected):
    if var is OUTPUT:  # the node still holds the output's array: the check runs before it is freed
        out = node._saved[node._saved_vars.index(OUTPUT)]
        return version_error(out.dtype, out.shape, f", which is output 0 of {_op_name(node)}", current, expected)
    fn = var.grad_fn
    clause = "" if fn is None else f", which is output {var._output_nr} of {_op_name(fn)}"
    return version_error(var._data.dtype, var._data.shape, clause, current, expected)


def version_error(np_dtype, shape, clause, current, expected):
    """PyTorch's message for a saved tensor modified in place (``clause`` names its producer)."""
    from .anomaly import STATE as anomaly
    hint = ("Hint: the backtrace further above shows the operation that failed to compute its gradient. "
            "The variable in question was changed in there or anywhere later. Good luck!"
            if anomaly.enabled else
            "Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
            "with framework.autograd.set_detect_anomaly(True, check_nan=False).")
    where = _describe(np_dtype, shape) + (clause + "," if clause else "")  # leaves have no clause, no comma
    return ("one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: {where} is at version {current}; expected version {expected} instead. {hint}")


def _op_name(node):
    name = type(node).__name__
    for suffix in ("Backward0", "Backward1", "Backward2", "Backwards", "Backward"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _describe(np_dtype, shape):
    legacy = _dt.from_numpy_dtype(np_dtype)._legacy
    return f"[framework.{legacy} [{', '.join(str(s) for s in shape)}]]"


class AccumulateGrad(Node):
    """The node standing for a leaf tensor in ``next_functions``; ``.variable`` is the leaf."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable
        self._next = ()
        self._saved = ()
        self._hooks = None
        self._seq = -1
        self._n_out = 1

    def name(self):
        return "torch::autograd::AccumulateGrad"

    @property
    def next_functions(self):
        return ()


def new_node(cls, next_edges, saved=(), saved_vars=None, versions=None, n_out=1, args=None):
    """Create a node without running ``__init__`` (keeps per-op overhead small).

    ``saved`` is freed after backward; ``args`` (shapes, dims, ...) is kept.
    """
    node = object.__new__(cls)
    node._args = args
    node._next = next_edges
    node._saved = saved
    node._saved_vars = saved_vars
    node._versions = versions
    node._seq = next(_SEQ)
    node._hooks = None
    node._trace = None
    node._n_out = n_out
    return node
