"""Activation checkpointing: keep only a segment's inputs, recompute the segment during backward.

``checkpoint(fn, *args)`` runs ``fn`` and records one node in place of the whole segment. That node
keeps the inputs (and the random generator's state); its backward re-runs ``fn`` with the same
random state, so dropout masks repeat, then backpropagates through the recomputed graph. Results
and gradients are bitwise equal to the plain run. While recomputing, BatchNorm does not update its
running statistics a second time.

Example:
    >>> from framework.utils.checkpoint import checkpoint
    >>> h = checkpoint(block, x, use_reentrant=False)       # block's activations are not kept
    >>> h.sum().backward()
"""
import warnings

from ..autograd import random as _random
from ..autograd.functional import backward as autograd_backward, grad as autograd_grad
from ..autograd.grad_mode import STATE as _grad, enable_grad, no_grad
from ..autograd.node import Node
from ..autograd.tensor import Tensor, record_multi
from ..nn._recompute import recomputing

USE_REENTRANT_WARNING = (
    "framework.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in PyTorch 2.9, "
    "calling checkpoint without use_reentrant will raise an exception. use_reentrant=False is recommended, but if "
    "you need to preserve the current default behavior, you can pass use_reentrant=True. Refer to docs for more "
    "details on the differences between the two variants.")
NO_INPUT_GRAD_WARNING = "None of the inputs have requires_grad=True. Gradients will be None"


class CheckpointError(RuntimeError):
    """The recomputation produced outputs that differ in shape or dtype from the forward pass."""


class CheckpointFunctionBackward(Node):
    """The node standing for a checkpointed segment.

    Saved: the segment's tensor inputs. ``_args`` holds the function, the argument layout, the
    random state and the closure leaves (parameters) the segment reads.
    """

    __slots__ = ()

    def backward(self, grads, *inputs):
        grads = [grads] if self._n_out == 1 else list(grads)
        plan = self._args
        create_graph = any(isinstance(g, Tensor) for g in grads)
        reentrant = plan["reentrant"]
        # Differentiate the recomputation w.r.t. the real inputs when a graph of the backward is wanted,
        # so higher-order terms are kept; otherwise detached copies keep the recomputation self-contained.
        originals = list(self._saved_vars)  # the input tensors themselves (``inputs`` may be their arrays)
        ins = originals if create_graph and not reentrant else [_detached_like(t) for t in originals]
        outs = _recompute(plan, ins)
        _check_same(outs, plan["out_meta"])
        pairs = [(o, g) for o, g in zip(outs, grads) if g is not None and o._requires_grad]
        if not pairs:
            return (None,) * len(self._next)
        out_t = [o for o, _ in pairs]
        out_g = [g if isinstance(g, Tensor) else Tensor(g) for _, g in pairs]
        n_in = len(inputs)
        if reentrant:
            # parameters read by closure get their .grad accumulated by this inner backward
            autograd_backward(out_t, out_g, create_graph=create_graph)
            return tuple(None if edge is None or t._grad is None else (t._grad if create_graph else t._grad._data)
                         for t, edge in zip(ins, self._next))
        wanted = [t for t, edge in zip(ins, self._next[:n_in]) if edge is not None]
        leaves = plan["leaves"]
        targets = wanted + leaves
        found = autograd_grad(out_t, targets, out_g, create_graph=create_graph, allow_unused=True)
        found = iter(found)
        result = [next(found) if edge is not None else None for edge in self._next[:n_in]]
        result += [next(found) for _ in leaves]
        return tuple(None if g is None else (g if create_graph else g._data) for g in result)


def _detached_like(t):
    d = t.detach()
    if t._requires_grad:
        d.requires_grad_(True)
    return d


def _recompute(plan, tensor_inputs):
    """Re-run the segment on ``tensor_inputs`` with the forward's random state restored."""
    args = list(plan["args"])
    for pos, t in zip(plan["tensor_pos"], tensor_inputs):
        args[pos] = t
    caller_state = None
    if plan["rng_state"] is not None:
        caller_state = _random.default_generator.get_state()
        _random.default_generator.set_state(plan["rng_state"])
    try:
        with enable_grad(), recomputing():
            out = plan["fn"](*args, **plan["kwargs"])
    finally:
        if caller_state is not None:
            _random.default_generator.set_state(caller_state)
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


def _closure_leaves(outs, inputs):
    """The leaf tensors requiring grad that the graph of ``outs`` reads, other than ``inputs`` (iterative walk)."""
    input_ids = {id(t) for t in inputs}
    seen_nodes, seen_leaves, leaves = set(), set(), []
    stack = [o.grad_fn for o in outs if o.grad_fn is not None]
    stack += [o for o in outs if o.grad_fn is None and o._requires_grad]
    while stack:
        item = stack.pop()
        if not item._is_node:
            if id(item) not in input_ids and id(item) not in seen_leaves and item._requires_grad:
                seen_leaves.add(id(item))
                leaves.append(item)
            continue
        if id(item) in seen_nodes:
            continue
        seen_nodes.add(id(item))
        for edge in item._next:
            if edge is not None:
                stack.append(edge[0])
    return leaves


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               early_stop=True, preserve_rng_state=True, **kwargs):
    """Run ``function(*args, **kwargs)`` without keeping its intermediate activations.

    The activations are recomputed in backward. With ``preserve_rng_state=True`` (default) the
    global generator's state is restored for the recomputation, so random ops repeat exactly.
    ``use_reentrant=False`` is recommended: gradients then reach parameters captured by closure even
    when no input requires grad, and ``autograd.grad`` works. Omitting ``use_reentrant`` warns and
    uses the reentrant variant, as PyTorch 2.13 does.

    Example:
        >>> out = checkpoint(lambda h: model_block(h), x, use_reentrant=False)
    """
    if use_reentrant is None:
        warnings.warn(USE_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    if use_reentrant and (context_fn is not None or debug):
        raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
    if not _grad.enabled:
        return function(*args, **kwargs)
    tensor_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    inputs = [args[i] for i in tensor_pos]
    rng_state = _random.default_generator.get_state() if preserve_rng_state else None
    if use_reentrant:
        if not any(t._requires_grad for t in inputs):
            warnings.warn(NO_INPUT_GRAD_WARNING, UserWarning, stacklevel=2)
        with no_grad():
            out = function(*args, **kwargs)
        leaves = []
        outs = _output_tensors(out)
        differentiable = any(t._requires_grad for t in inputs)
    else:
        # Run with grad recording on detached inputs to learn which parameters the segment reads;
        # the graph is dropped right after, so only the inputs stay alive.
        det = [_detached_like(t) for t in inputs]
        call_args = list(args)
        for pos, t in zip(tensor_pos, det):
            call_args[pos] = t
        out = function(*call_args, **kwargs)
        outs = _output_tensors(out)
        leaves = _closure_leaves(outs, det)
        differentiable = any(o._requires_grad for o in outs)
    diff_outs = [o for o in outs if o._data.dtype.kind == "f"]
    if not differentiable or not diff_outs:
        return _detach_outputs(out)
    plan = {"fn": function, "args": tuple(args), "kwargs": kwargs, "tensor_pos": tensor_pos, "rng_state": rng_state,
            "reentrant": bool(use_reentrant), "leaves": leaves,
            "out_meta": [(o._data.dtype, o._data.shape) for o in outs]}
    node_inputs = inputs + leaves
    new_outs = record_multi([o._data for o in outs], CheckpointFunctionBackward, node_inputs, tuple(inputs), plan)
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
