"""The backward pass: a loop over nodes in decreasing creation order (never recursion).

A node is always created after the nodes that produced its inputs, so popping the node with the
highest sequence number from a heap guarantees every consumer has already sent its gradient.
"""
import heapq
import warnings

import numpy as np

from . import grad_mode
from .anomaly import STATE as anomaly
from .node import Node


def _as_array(g):
    return g._data if hasattr(g, "_data") else np.asarray(g)


def run_backward(roots, root_grads, retain_graph, create_graph, targets=None, accumulate=True,
                 allow_unused=False):
    """Propagate ``root_grads`` from ``roots`` through the graph.

    With ``accumulate`` leaves' ``.grad`` are updated; ``targets`` (tensors) restricts accumulation
    (``backward(inputs=...)``) or, without ``accumulate``, names the tensors whose gradients are
    returned (``autograd.grad``).
    """
    from .tensor import Tensor

    heap = []
    buffers = {}
    leaf_grads = {}

    capture_nodes = None
    captured = None
    if targets is not None:
        captured = {}
        capture_nodes = {}
        for t in targets:
            if t.grad_fn is not None:
                capture_nodes.setdefault((t.grad_fn, t._output_nr), []).append(t)
        target_ids = {id(t) for t in targets}

    def send(edge, g):
        target, nr = edge
        if target._is_node:
            buf = buffers.get(target)
            if buf is None:
                buf = buffers[target] = [None] * target._n_out
                heapq.heappush(heap, (-target._seq, id(target), target))
            prev = buf[nr]
            buf[nr] = g if prev is None else prev + g
        else:
            key = id(target)
            entry = leaf_grads.get(key)
            if entry is None:
                leaf_grads[key] = [target, g]
            else:
                entry[1] = entry[1] + g

    for root, g in zip(roots, root_grads):
        if root.grad_fn is not None:
            send((root.grad_fn, root._output_nr), g)
        else:
            send((root, 0), g)

    prev_mode = grad_mode.STATE.enabled
    grad_mode.STATE.enabled = create_graph
    try:
        while heap:
            node = heapq.heappop(heap)[2]
            grads = buffers.pop(node)
            hooks = node._hooks
            if hooks is not None:
                grads = _run_tensor_hooks(node, grads, create_graph)
            if capture_nodes is not None:
                for nr, g in enumerate(grads):
                    for t in capture_nodes.get((node, nr), ()):
                        captured[id(t)] = g
            if all(g is None for g in grads):
                continue
            if node._n_out > 1 and any(g is None for g in grads) and node._materialize:
                grads = _materialize(node, grads, create_graph)
            try:
                in_grads = node._apply(grads, create_graph)
            except RuntimeError as exc:
                if anomaly.enabled and node._trace is not None:
                    _warn_trace(node)
                raise exc
            if anomaly.enabled and anomaly.check_nan:
                _check_nan(node, in_grads)
            if hooks is not None and "post" in hooks:
                for fn in list(hooks["post"].values()):
                    fn(in_grads, grads)
            if not retain_graph:
                node._release()
            for edge, g in zip(node._next, in_grads):
                if edge is not None and g is not None:
                    send(edge, g)
    finally:
        grad_mode.STATE.enabled = prev_mode

    if not accumulate:
        results = []
        for t in targets:
            g = captured.get(id(t)) if t.grad_fn is not None else None
            if t.grad_fn is None:
                entry = leaf_grads.get(id(t))
                g = entry[1] if entry is not None else None
                if g is not None:
                    g = _run_leaf_hooks(t, g, create_graph)
            results.append(g)
        return results

    for target, g in leaf_grads.values():
        if targets is not None and id(target) not in target_ids:
            continue
        g = _run_leaf_hooks(target, g, create_graph)
        _accumulate(target, g, create_graph)
    if targets is not None:
        for t in targets:
            if t.grad_fn is not None and id(t) in captured:
                g = captured[id(t)]
                _accumulate(t, g, create_graph)
    return None


def _materialize(node, grads, create_graph):
    """Replace missing output gradients of a multi-output node by zeros of the output's shape."""
    out = list(grads)
    meta = node._out_meta  # one (dtype, shape) per output
    for i, g in enumerate(out):
        if g is None:
            dtype, shape = meta[i]
            z = np.zeros(shape, dtype=dtype)
            if create_graph:
                from .tensor import Tensor
                z = Tensor(z)
            out[i] = z
    return out


def _run_tensor_hooks(node, grads, create_graph):
    from .tensor import Tensor
    hooks = node._hooks
    out = list(grads)
    for nr, g in enumerate(out):
        per_output = hooks.get(nr)
        if per_output is None or g is None:
            continue
        fns, retained = per_output
        if fns:
            gt = g if isinstance(g, Tensor) else Tensor(g)
            for fn in list(fns.values()):
                res = fn(gt)
                if res is not None:
                    _check_hook_result(fn, gt, res)
                    gt = res
            g = gt if create_graph else gt._data
            out[nr] = g
        t = retained() if retained is not None else None
        if t is not None:
            _accumulate(t, g, create_graph)
    return out


def _check_hook_result(fn, old, new):
    if tuple(new.shape) != tuple(old.shape):
        name = getattr(fn, "__name__", repr(fn))
        raise RuntimeError(f"hook '{name}' has changed the size of value")


def _run_leaf_hooks(leaf, g, create_graph):
    from .tensor import Tensor
    extra = leaf._extra
    if extra is None or not extra.get("hooks"):
        return g
    gt = g if isinstance(g, Tensor) else Tensor(np.ascontiguousarray(g))
    for fn in list(extra["hooks"].values()):
        res = fn(gt)
        if res is not None:
            _check_hook_result(fn, gt, res)
            gt = res
    return gt if create_graph else gt._data


def _accumulate(t, g, create_graph):
    """Add ``g`` into ``t.grad`` in place (a fresh buffer the first time)."""
    from .tensor import Tensor
    if create_graph and isinstance(g, Tensor):
        if g.shape != t.shape:
            g = g.expand(t.shape) if g.ndim <= t.ndim else g
        if t._grad is None:
            from .ops import copy_backwards
            t._grad = copy_backwards(g, t._data.dtype)
        else:
            t._grad = t._grad + g
    else:
        arr = g._data if isinstance(g, Tensor) else g
        dtype = t._data.dtype
        if t._grad is None:
            buf = np.empty(t._data.shape, dtype=dtype)
            buf[...] = arr
            t._grad = Tensor(buf)
        else:
            gd = t._grad._data
            if gd.flags.writeable and t._grad.grad_fn is None:
                np.add(gd, arr, out=gd, casting="unsafe")
            else:
                t._grad = Tensor(np.asarray(gd + arr, dtype=dtype))
    extra = t._extra
    if extra is not None and extra.get("post_hooks") and t.grad_fn is None:
        for fn in list(extra["post_hooks"].values()):
            if fn(t) is not None:
                raise RuntimeError("Tensor post accumulate grad hooks should return None.")


def _check_nan(node, in_grads):
    for i, g in enumerate(in_grads):
        if g is None:
            continue
        arr = _as_array(g)
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            _warn_trace(node)
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def _warn_trace(node):
    trace = "".join(node._trace) if node._trace else "<no forward traceback recorded>\n"
    warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
                  f"{trace}", UserWarning, stacklevel=3)
