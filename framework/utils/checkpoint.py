"""Activation checkpointing: keep only a segment's inputs, recompute the segment during backward.

``checkpoint(fn, *args, use_reentrant=False)`` runs ``fn`` as usual, recording its graph, then drops
the values that graph saved for backward; only the segment's inputs stay alive. When backward first
reaches a node of the segment, the segment is re-run on the same inputs, with the random generator's
state of the forward (so dropout masks repeat), and the recomputed values are put back into the
original nodes, which then run as in a plain backward. Results and gradients are bitwise equal to the
plain run. While recomputing, BatchNorm does not update its running statistics a second time.

``use_reentrant=True`` is the older variant: the segment runs without recording a graph, one
``CheckpointFunctionBackward`` node stands for it, and that node's backward recomputes the segment and
runs a backward pass of its own.

Example:
    >>> from framework.utils.checkpoint import checkpoint
    >>> h = checkpoint(block, x, use_reentrant=False)       # block's activations are not kept
    >>> h.sum().backward()
"""
import warnings

from ..autograd import random as _random
from ..autograd.functional import backward as autograd_backward
from ..autograd.grad_mode import STATE as _grad, enable_grad, no_grad
from ..autograd.node import _SEQ, Deferred, Node, _version_message
from ..autograd.tensor import Tensor, record_multi
from ..nn._recompute import recomputing

USE_REENTRANT_WARNING = (
    "framework.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in PyTorch 2.9, "
    "calling checkpoint without use_reentrant will raise an exception. use_reentrant=False is recommended, but if "
    "you need to preserve the current default behavior, you can pass use_reentrant=True. Refer to docs for more "
    "details on the differences between the two variants.")
NO_INPUT_GRAD_WARNING = "None of the inputs have requires_grad=True. Gradients will be None"

# > 0 while a checkpointed segment runs (forward or recompute): a checkpoint call inside it is part of it
_ACTIVE = [0]


class CheckpointError(RuntimeError):
    """The recomputation produced outputs or operations that differ from the forward pass."""


class _Segment:
    """One non-reentrant checkpointed call: its inputs, how to re-run it, and the recomputed values.

    The segment's nodes hold ``Deferred(segment, k)`` in place of their saved values; ``refill``
    recomputes the whole segment once and hands each node its ``k``-th set of values.
    """

    __slots__ = ("fn", "args", "kwargs", "tensor_pos", "inputs", "input_versions", "rng_state", "out_meta",
                 "kinds", "positions", "filled")

    def __init__(self, fn, args, kwargs):
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.tensor_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.inputs = [args[i] for i in self.tensor_pos]
        self.input_versions = [(t._counter(), t._version) for t in self.inputs]
        self.filled = None

    def run(self, preserve_rng_state):
        rng_before = _random.snapshot() if preserve_rng_state else None
        outs, nodes, out = self._call(self.args)
        # only a segment that drew random numbers needs the state back for its recomputation
        self.rng_state = rng_before if rng_before is not None and _random.snapshot() != rng_before else None
        self.out_meta = [(o._data.dtype, o._data.shape) for o in outs]
        self.kinds = [type(n) for n in nodes]
        self.positions = [i for i, n in enumerate(nodes) if _droppable(n)]
        for k, i in enumerate(self.positions):
            node = nodes[i]
            node._saved = ()
            node._saved_vars = None
            node._versions = Deferred(self, k)
        return out

    def _call(self, args):
        """Run the segment recording its graph: (tensor outputs, the nodes it created in order, result)."""
        start = next(_SEQ)
        _ACTIVE[0] += 1
        try:
            with enable_grad():
                out = self.fn(*args, **self.kwargs)
        finally:
            _ACTIVE[0] -= 1
        outs = _output_tensors(out)
        return outs, _nodes_since(outs, start), out

    def refill(self, node, k):
        if self.filled is None:
            self.filled = self._recompute()
        node._saved, node._saved_vars, node._versions = self.filled[k]
        self.filled[k] = None

    def _recompute(self):
        for t, (counter, expected) in zip(self.inputs, self.input_versions):
            if counter.value != expected:
                raise RuntimeError(_version_message(None, t, counter.value, expected))
        # the engine runs backward formulas with grad mode set to create_graph: when a graph of the backward
        # is wanted, recompute from the real inputs so that graph reaches them; otherwise from detached aliases
        inputs = self.inputs if _grad.enabled else [_detached_like(t) for t in self.inputs]
        args = list(self.args)
        for pos, t in zip(self.tensor_pos, inputs):
            args[pos] = t
        caller_state = None
        if self.rng_state is not None:
            caller_state = _random.snapshot()
            _random.restore(self.rng_state)
        try:
            with recomputing():
                outs, nodes, _ = self._call(args)
        finally:
            if caller_state is not None:
                _random.restore(caller_state)
        _check_same(outs, self.out_meta)
        if [type(n) for n in nodes] != self.kinds:
            raise CheckpointError("framework.utils.checkpoint: the recomputation recorded different operations "
                                  f"than the forward pass: forward {[k.__name__ for k in self.kinds]}, recomputed "
                                  f"{[type(n).__name__ for n in nodes]}")
        return [(n._saved, n._saved_vars, n._versions) for n in (nodes[i] for i in self.positions)]


def _droppable(node):
    """A node whose saved values can be dropped and refilled: it saved something and reads it the plain way."""
    return bool(node._saved) and node._plain_apply and type(node)._check_versions is Node._check_versions


def _nodes_since(outs, start):
    """The nodes created after sequence number ``start`` that the graph of ``outs`` reaches, oldest first."""
    stack = [o.grad_fn for o in outs if o.grad_fn is not None and o.grad_fn._seq > start]
    seen = set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for edge in node._next:
            if edge is not None and edge[0]._is_node and edge[0]._seq > start:
                stack.append(edge[0])
    return sorted(seen, key=_seq_of)


def _seq_of(node):
    return node._seq


class CheckpointFunctionBackward(Node):
    """The node standing for a segment checkpointed with ``use_reentrant=True``.

    Saved: the segment's tensor inputs. ``_args`` holds the function, the argument layout and the
    random state.
    """

    __slots__ = ()

    def backward(self, grads, *inputs):
        grads = [grads] if self._n_out == 1 else list(grads)
        plan = self._args
        create_graph = any(isinstance(g, Tensor) for g in grads)
        ins = [_detached_like(t) for t in self._saved_vars]  # the input tensors (``inputs`` are their arrays)
        outs = _recompute(plan, ins)
        _check_same(outs, plan["out_meta"])
        pairs = [(o, g) for o, g in zip(outs, grads) if g is not None and o._requires_grad]
        if not pairs:
            return (None,) * len(self._next)
        # parameters read by closure get their .grad accumulated by this inner backward
        autograd_backward([o for o, _ in pairs], [g if isinstance(g, Tensor) else Tensor(g) for _, g in pairs],
                          create_graph=create_graph)
        return tuple(None if edge is None or t._grad is None else (t._grad if create_graph else t._grad._data)
                     for t, edge in zip(ins, self._next))


def _detached_like(t):
    d = t.detach()
    if t._requires_grad:
        d.requires_grad_(True)
    return d


def _recompute(plan, tensor_inputs):
    """Re-run a reentrant segment on ``tensor_inputs`` with the forward's random state restored."""
    args = list(plan["args"])
    for pos, t in zip(plan["tensor_pos"], tensor_inputs):
        args[pos] = t
    caller_state = None
    if plan["rng_state"] is not None:
        caller_state = _random.snapshot()
        _random.restore(plan["rng_state"])
    try:
        with enable_grad(), recomputing():
            out = plan["fn"](*args, **plan["kwargs"])
    finally:
        if caller_state is not None:
            _random.restore(caller_state)
    return _output_tensors(out)


def _output_tensors(out):
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [o for o in out if isinstance(o, Tensor)]
    return []


def _check_same(outs, meta):
    got = [(o._data.dtype, o._data.shape) for o in outs]
    if got != meta:
        raise CheckpointError("framework.utils.checkpoint: Recomputed values for the following tensors have "
                              f"different metadata than during the forward pass: forward {meta}, recomputed {got}")


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               early_stop=True, preserve_rng_state=True, **kwargs):
    """Run ``function(*args, **kwargs)`` without keeping its intermediate activations.

    The activations are recomputed in backward. With ``preserve_rng_state=True`` (default) the
    global generator's state is restored for the recomputation, so random ops repeat exactly.
    ``use_reentrant=False`` is recommended: gradients then reach parameters captured by closure even
    when no input requires grad, and ``autograd.grad`` works. Omitting ``use_reentrant`` warns and
    uses the reentrant variant, as PyTorch 2.13 does. A checkpoint called inside a checkpointed
    function is part of the outer segment. With ``retain_graph=True`` the recomputed activations stay
    until the graph is freed.

    Example:
        >>> out = checkpoint(lambda h: model_block(h), x, use_reentrant=False)
    """
    if use_reentrant is None:
        warnings.warn(USE_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    if use_reentrant and (context_fn is not None or debug):
        raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
    if not _grad.enabled or _ACTIVE[0]:
        return function(*args, **kwargs)
    if not use_reentrant:
        return _Segment(function, args, kwargs).run(preserve_rng_state)
    tensor_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    inputs = [args[i] for i in tensor_pos]
    if not any(t._requires_grad for t in inputs):
        warnings.warn(NO_INPUT_GRAD_WARNING, UserWarning, stacklevel=2)
    rng_state = _random.snapshot() if preserve_rng_state else None
    with no_grad():
        out = function(*args, **kwargs)
    outs = _output_tensors(out)
    if not any(t._requires_grad for t in inputs) or not any(o._data.dtype.kind == "f" for o in outs):
        return _detach_outputs(out)
    plan = {"fn": function, "args": tuple(args), "kwargs": kwargs, "tensor_pos": tensor_pos, "rng_state": rng_state,
            "out_meta": [(o._data.dtype, o._data.shape) for o in outs]}
    new_outs = record_multi([o._data for o in outs], CheckpointFunctionBackward, inputs, tuple(inputs), plan)
    return _replace_outputs(out, outs, new_outs)


def _detach_outputs(out):
    if isinstance(out, Tensor):
        return out.detach() if out._requires_grad else out
    if isinstance(out, (tuple, list)):
        return type(out)(o.detach() if isinstance(o, Tensor) and o._requires_grad else o for o in out)
    return out


def _replace_outputs(out, old, new):
    if isinstance(out, Tensor):
        return new[0]
    mapping = {id(o): n for o, n in zip(old, new)}
    return type(out)(mapping.get(id(o), o) if isinstance(o, Tensor) else o for o in out)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Split ``functions`` (a Sequential or a list of callables) into ``segments`` and checkpoint all but the last.

    Example:
        >>> out = checkpoint_sequential(model, 4, x, use_reentrant=False)
    """
    if use_reentrant is None:
        warnings.warn(USE_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    funcs = list(functions.children()) if hasattr(functions, "children") and not isinstance(functions, list) \
        else list(functions)
    if segments < 1:
        raise ValueError(f"segments must be a positive integer, got {segments}")
    size = len(funcs) // segments
    if size == 0:
        raise ValueError(f"cannot split {len(funcs)} functions into {segments} segments")

    def run(start, end):
        def segment(x):
            for f in funcs[start:end + 1]:
                x = f(x)
            return x
        return segment

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run(end + 1, len(funcs) - 1)(input)


__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError"]
