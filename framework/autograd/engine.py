"""The backward pass: a loop over nodes in decreasing creation order (never recursion).

A node is always created after the nodes that produced its inputs, so popping the node with the
highest sequence number from a heap guarantees every consumer has already sent its gradient.
Gradients travel as numpy arrays, or as Tensors when ``create_graph=True`` (so the backward
pass is itself recorded). Leaves collect their gradients in ``leaf_grads`` and are accumulated
into ``.grad`` once, after every node has run, so a leaf used several times sees one summed
gradient (its hooks run once), as PyTorch's AccumulateGrad does.
"""
import heapq
import warnings

import numpy as np

from . import grad_mode
from ._quiet import ALL, quiet, restore
from .anomaly import STATE as anomaly
from .node import FREED_MSG
from .tensor import Tensor


def run_backward(roots, root_grads, retain_graph, create_graph, targets=None, accumulate=True):
    """Propagate ``root_grads`` from ``roots`` through the graph.

    With ``accumulate`` the leaves' ``.grad`` are updated (only those in ``targets`` when given,
    as ``backward(inputs=...)``); without it the gradients of ``targets`` are returned
    (``autograd.grad``). With ``targets`` only the part of the graph that leads to them runs.
    """
    captures = executable = target_ids = visit = None
    if targets is not None:
        target_ids = {id(t) for t in targets}
        captures = {}
        for t in targets:
            if t.grad_fn is not None:
                captures.setdefault((t.grad_fn, t._output_nr), []).append(t)
        executable, visit = _prune(roots, target_ids, captures)

    direct = accumulate and not create_graph
    route = _Route(executable, visit, target_ids, direct)
    send = route.send
    for root, g in zip(roots, root_grads):
        fn = root.grad_fn
        if fn is not None:
            send(fn, root._output_nr, g)
        else:
            send(root, 0, g)
    # the loop below works on plain locals (a closure would turn them into slower cell variables)
    heap, buffers, leaf_grads = route.heap, route.buffers, route.leaf_grads
    push = heapq.heappush
    pop = heapq.heappop

    prev_mode = grad_mode.STATE.enabled
    grad_mode.STATE.enabled = create_graph
    captured = {} if captures is not None else None
    inline_apply = not create_graph
    # leaves without hooks take their gradient as it arrives (send() decides the other cases)
    leaves_now = direct and target_ids is None
    watch = anomaly.enabled
    quiet_token = quiet(ALL)  # PyTorch never warns about inf/nan in a backward formula
    try:
        while heap:
            node = pop(heap)[1]
            grads = buffers.pop(node)
            hooks = node._hooks
            if hooks is not None:
                grads = _run_tensor_hooks(node, grads, create_graph)
            if captures is not None:
                for nr, g in enumerate(grads):
                    for t in captures.get((node, nr), ()):
                        captured[id(t)] = g
                if node not in executable:
                    continue
            single = node._n_out == 1
            if single:
                if grads[0] is None:
                    continue
            elif all(g is None for g in grads):
                continue
            elif node._materialize and any(g is None for g in grads):
                grads = _materialize(node, grads, create_graph)
            try:
                if inline_apply and node._plain_apply:
                    # Node._apply inlined: this runs once per node of every backward pass
                    saved = node._saved
                    if saved is None:
                        raise RuntimeError(FREED_MSG)
                    if node._versions:
                        node._check_versions()
                        saved = node._saved  # a deferred node has just been refilled
                    in_grads = node.backward(grads[0], *saved) if single else node.backward(grads, *saved)
                else:
                    in_grads = node._apply(grads, create_graph)
            except RuntimeError:
                if watch and node._trace is not None:
                    _warn_trace(node)
                raise
            if watch and anomaly.check_nan:
                _check_nan(node, in_grads)
            if hooks is not None and "post" in hooks:
                in_grads = _run_post_hooks(hooks["post"], in_grads, grads, create_graph)
            if not retain_graph and node._saved:
                node._saved = None  # Node._release inlined
                node._saved_vars = None
            for edge, g in zip(node._next, in_grads):
                if edge is None or g is None:
                    continue
                target = edge[0]
                if target._is_node:
                    if executable is None:
                        # send() inlined for the common case: a node, no pruning
                        buf = buffers.get(target)
                        if buf is None:
                            buf = buffers[target] = [None] * target._n_out
                            push(heap, (-target._seq, target))
                        nr = edge[1]
                        prev = buf[nr]
                        buf[nr] = g if prev is None else prev + g
                        continue
                elif leaves_now and target._extra is None:
                    _accumulate(target, g, False, node._fresh_grads)
                    continue
                send(target, edge[1], g, node._fresh_grads)

        # leaves last: grad mode is still that of the backward pass, so post-accumulate hooks
        # may update parameters in place (the optimizer-in-backward pattern)
        if not accumulate:
            return _collect(targets, captured, leaf_grads, create_graph)
        for target, g in leaf_grads.values():
            g = _run_leaf_hooks(target, g, create_graph)
            _accumulate(target, g, create_graph)
        if captured:
            for t in targets:
                g = captured.get(id(t))
                if g is not None:
                    _accumulate(t, g, create_graph)
        return None
    finally:
        restore(quiet_token)
        grad_mode.STATE.enabled = prev_mode


class _Route:
    """Where a backward pass sends a gradient: a node's input buffer (queued on the heap by creation
    order), a leaf's ``.grad`` at once, or ``leaf_grads`` for leaves that wait for one summed gradient."""

    __slots__ = ("heap", "buffers", "leaf_grads", "executable", "visit", "target_ids", "direct")

    def __init__(self, executable, visit, target_ids, direct):
        self.heap, self.buffers, self.leaf_grads = [], {}, {}
        self.executable, self.visit, self.target_ids, self.direct = executable, visit, target_ids, direct

    def send(self, target, nr, g, owned=False):
        if target._is_node:
            if self.executable is not None and target not in self.visit:
                return
            buffers = self.buffers
            buf = buffers.get(target)
            if buf is None:
                buf = buffers[target] = [None] * target._n_out
                heapq.heappush(self.heap, (-target._seq, target))  # sequence numbers are unique
            prev = buf[nr]
            buf[nr] = g if prev is None else prev + g
            return
        key = id(target)
        if self.target_ids is not None and key not in self.target_ids:
            return
        if self.direct and target._extra is None:
            # a leaf without hooks: add into .grad now, so no second copy of every gradient waits
            # for the end of the pass (hooked leaves wait, to see one summed gradient)
            _accumulate(target, g, False, owned)
            return
        entry = self.leaf_grads.get(key)
        if entry is None:
            self.leaf_grads[key] = [target, g]
        else:
            entry[1] = entry[1] + g


def _prune(roots, target_ids, captures):
    """Nodes that must run to reach ``targets`` (``executable``) and those that must receive a gradient.

    Iterative: collect the nodes reachable from the roots, then decide in increasing creation
    order (inputs before consumers) whether each leads to a target leaf or a captured node.
    """
    capture_nodes = {node for node, _ in captures}
    seen = set()
    stack = [r.grad_fn for r in roots if r.grad_fn is not None]
    order = []
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        for edge in node._next:
            if edge is not None and edge[0]._is_node and edge[0] not in seen:
                stack.append(edge[0])
    order.sort(key=lambda n: n._seq)
    executable = set()
    for node in order:
        for edge in node._next:
            if edge is None:
                continue
            target = edge[0]
            if target._is_node:
                if target in executable or target in capture_nodes:
                    executable.add(node)
                    break
            elif id(target) in target_ids:
                executable.add(node)
                break
    return executable, executable | capture_nodes


def _collect(targets, captured, leaf_grads, create_graph):
    """``autograd.grad``'s results: captured non-leaf gradients and (hooked) leaf gradients."""
    results = []
    for t in targets:
        if t.grad_fn is not None:
            results.append(captured.get(id(t)))
            continue
        entry = leaf_grads.get(id(t))
        results.append(None if entry is None else _run_leaf_hooks(t, entry[1], create_graph))
    return results


def _materialize(node, grads, create_graph):
    """Replace missing output gradients of a multi-output node by zeros of the output's shape."""
    out = list(grads)
    meta = node._out_meta  # one (dtype, shape) per output
    for i, g in enumerate(out):
        if g is None:
            dtype, shape = meta[i]
            z = np.zeros(shape, dtype=dtype)
            if create_graph:
                z = Tensor(z)
            out[i] = z
    return out


def _as_tensor(g):
    return g if isinstance(g, Tensor) else Tensor(g)


def _run_tensor_hooks(node, grads, create_graph):
    """Hooks registered on the node's output tensors, then their retained ``.grad`` (always last)."""
    hooks = node._hooks
    out = list(grads)
    for nr, g in enumerate(out):
        per_output = hooks.get(nr)
        if per_output is None or g is None:
            continue
        fns, retained = per_output
        if fns:
            gt = _as_tensor(g)
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


def _run_post_hooks(fns, in_grads, grads, create_graph):
    """``node.register_hook(fn(grad_inputs, grad_outputs))``: fn may return replacement grad_inputs."""
    in_t = tuple(None if g is None else _as_tensor(g) for g in in_grads)
    out_t = tuple(None if g is None else _as_tensor(g) for g in grads)
    for fn in list(fns.values()):
        res = fn(in_t, out_t)
        if res is not None:
            in_t = tuple(res)
    return tuple(g if g is None or create_graph else g._data for g in in_t)


def _check_hook_result(fn, old, new):
    if not isinstance(new, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
    name = getattr(fn, "__name__", repr(fn))
    if new._data.dtype != old._data.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {old.type()} got {new.type()})")
    if new._data.shape != old._data.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")


def _run_leaf_hooks(leaf, g, create_graph):
    extra = leaf._extra
    if extra is None or not extra.get("hooks"):
        return g
    gt = _as_tensor(g if create_graph or isinstance(g, np.ndarray) and g.flags.c_contiguous
                    else np.ascontiguousarray(g))
    for fn in list(extra["hooks"].values()):
        res = fn(gt)
        if res is not None:
            _check_hook_result(fn, gt, res)
            gt = res
    return gt if create_graph else gt._data


def _accumulate(t, g, create_graph, owned=False):
    """Add ``g`` into ``t.grad``: in place into the existing buffer, a fresh copy the first time.

    ``owned``: ``g`` is a new array no one else holds (its node has ``_fresh_grads``), so a first
    gradient of the right dtype and layout becomes ``.grad`` as it is, without the copy.

    Under ``create_graph`` the sum is recorded instead (``x.grad`` gets a grad_fn, as in PyTorch).
    """
    if create_graph and isinstance(g, Tensor):
        if g._data.shape != t._data.shape:
            g = g.expand(t._data.shape)
        if t._grad is None:
            from .ops import copy_backwards
            t._grad = copy_backwards(g, t._data.dtype)
        else:
            t._grad = t._grad + g
    else:
        arr = g._data if isinstance(g, Tensor) else g
        if arr.shape != t._data.shape:
            arr = _fit_to(arr, t._data.shape)
        old = t._grad
        if old is None:
            if arr.dtype == t._data.dtype:
                # a new array of our own: kept as it is, else copied (C order, as .grad always is)
                t._grad = Tensor(arr if owned and arr is g and arr.flags.c_contiguous else arr.copy())
            else:
                buf = np.empty(t._data.shape, dtype=t._data.dtype)
                buf[...] = arr
                t._grad = Tensor(buf)
        else:
            gd = old._data
            if gd.flags.writeable:
                np.add(gd, arr, out=gd, casting="unsafe")
                vc = old._vc
                if vc is not None:
                    vc.value += 1
            else:
                t._grad = Tensor(np.asarray(gd + arr, dtype=t._data.dtype))
    extra = t._extra
    if extra is not None and t.grad_fn is None and extra.get("post_hooks"):
        for fn in list(extra["post_hooks"].values()):
            if fn(t) is not None:
                raise RuntimeError("Tensor post accumulate grad hooks should return None.")


def _fit_to(arr, shape):
    """Sum a gradient with extra broadcast dims down to ``shape``; any other shape is a bug upstream."""
    try:
        ok = np.broadcast_shapes(arr.shape, shape) == arr.shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"invalid gradient - got {list(arr.shape)} but expected shape compatible with "
                           f"{list(shape)}")
    from .ops._util import sum_to
    return sum_to(arr, shape)


def _check_nan(node, in_grads):
    for i, g in enumerate(in_grads):
        if g is None:
            continue
        arr = g._data if hasattr(g, "_data") else np.asarray(g)
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            _warn_trace(node)
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def _warn_trace(node):
    trace = "".join(node._trace) if node._trace else "<no forward traceback recorded>\n"
    warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
                  f"{trace}", UserWarning, stacklevel=3)
