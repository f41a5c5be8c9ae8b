"""``backward`` and ``grad``: the public entry points into the engine.

Example:
    >>> (dx,) = framework.autograd.grad((x ** 2).sum(), x)
"""
import warnings

import numpy as np

from .engine import run_backward
from .tensor import Tensor, refresh_view

_CREATE_GRAPH_WARNED = [False]


def implicit_seed(data):
    """The gradient ``backward()`` starts from when none is given: ones shaped like ``data`` (a scalar)."""
    seed = np.empty(data.shape, dtype=data.dtype)
    seed.fill(1)  # np.ones is a Python-level wrapper around these two calls
    return seed


def _make_grads(outputs, grad_outputs, create_graph):
    if grad_outputs is not None and len(grad_outputs) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    grads = []
    for i, out in enumerate(outputs):
        g = None if grad_outputs is None else grad_outputs[i]
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            arr = implicit_seed(out._data)
            grads.append(Tensor(arr) if create_graph else arr)
            continue
        if not isinstance(g, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
        if g._data.shape != out._data.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                               f"has a shape of {out.shape}.")
        if g._data.dtype != out._data.dtype:  # an int64 seed for a float output is accepted
            g = g.to(out.dtype) if create_graph else Tensor(g._data.astype(out._data.dtype))
        grads.append(g if create_graph else g._data)
    return grads


def _check_inputs(inputs):
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"expected a Tensor to differentiate with respect to, but got {type(t).__name__}")
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        if t._extra is not None and "base" in t._extra:
            refresh_view(t)


def _check_outputs(outputs):
    for i, out in enumerate(outputs):
        if out._extra is not None and "base" in out._extra:
            refresh_view(out)
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Compute gradients of ``tensors`` and accumulate them into the leaves' ``.grad``.

    Example:
        >>> framework.autograd.backward(loss)
    """
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph and not _CREATE_GRAPH_WARNED[0]:
        _CREATE_GRAPH_WARNED[0] = True
        warnings.warn("Using backward() with create_graph=True will create a reference cycle between the "
                      "parameter and its gradient which can cause a memory leak. We recommend using "
                      "autograd.grad when creating the graph to avoid this.", UserWarning, stacklevel=3)
    _check_outputs(tensors)
    grads = _make_grads(tensors, grad_tensors, create_graph)
    targets = _as_tuple(inputs)
    if targets is not None:
        if len(targets) == 0:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        _check_inputs(targets)
    run_backward(tensors, grads, retain_graph, create_graph, targets=targets, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return the gradients of ``outputs`` with respect to ``inputs`` (a tuple), leaving ``.grad`` alone.

    Example:
        >>> (dy,) = framework.autograd.grad(y, x, create_graph=True)   # differentiable again
    """
    outputs = _as_tuple(outputs)
    single_dict = isinstance(inputs, dict)
    keys = list(inputs.keys()) if single_dict else None
    inputs = tuple(inputs.values()) if single_dict else _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    if not allow_unused and materialize_grads:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    if not inputs:
        raise RuntimeError("grad requires non-empty inputs.")
    _check_inputs(inputs)
    _check_outputs(outputs)
    if is_grads_batched:
        return _batched_grad(outputs, inputs, keys, grad_outputs, retain_graph, create_graph, allow_unused,
                             materialize_grads)
    grads = _make_grads(outputs, grad_outputs, create_graph)
    results = run_backward(outputs, grads, retain_graph, create_graph, targets=inputs, accumulate=False)
    final = []
    for i, (t, g) in enumerate(zip(inputs, results)):
        if g is None:
            if materialize_grads:
                z = np.zeros(t._data.shape, dtype=t._data.dtype)
                final.append(Tensor(z))
                continue
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
            final.append(None)
            continue
        if isinstance(g, Tensor):
            if g._data.shape != t._data.shape:
                g = g.expand(t._data.shape)
            final.append(g)
        else:
            arr = np.array(np.broadcast_to(g, t._data.shape), dtype=t._data.dtype)
            final.append(Tensor(arr))
    if single_dict:
        return dict(zip(keys, final))
    return tuple(final)


def _batched_grad(outputs, inputs, keys, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads):
    """``is_grads_batched=True``: one vector-Jacobian product per slice of the leading dim of grad_outputs."""
    from .ops.shape import stack
    n = grad_outputs[0]._data.shape[0]
    rows = [grad(outputs, inputs, tuple(g[b] for g in grad_outputs), retain_graph=True if b < n - 1 else retain_graph,
                 create_graph=create_graph, allow_unused=allow_unused, materialize_grads=materialize_grads)
            for b in range(n)]
    final = tuple(None if col[0] is None else stack(list(col)) for col in zip(*rows))
    return dict(zip(keys, final)) if keys is not None else final
