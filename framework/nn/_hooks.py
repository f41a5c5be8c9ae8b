"""Running a module's forward and backward hooks around ``forward``.

Full backward hooks work by passing the module's tensor inputs and outputs through identity
nodes: the output node sees ``grad_output``, the input node sees ``grad_input`` and calls the hooks.
"""
from ..autograd.grad_mode import STATE as _grad
from ..autograd.node import Node
from ..autograd.tensor import Tensor, record_multi


def call_with_hooks(module, args, kwargs):
    """``module(*args, **kwargs)`` with its forward pre-hooks, forward hooks and backward hooks."""
    for hid, hook in list(module._forward_pre_hooks.items()):
        if hid in module._forward_pre_hooks_with_kwargs:
            res = hook(module, args, kwargs)
            if res is not None:
                if not (isinstance(res, tuple) and len(res) == 2):
                    raise RuntimeError("forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                                       f"but got {res}.")
                args, kwargs = res
        else:
            res = hook(module, args)
            if res is not None:
                args = res if isinstance(res, tuple) else (res,)
    state = None
    if (module._backward_hooks or module._backward_pre_hooks) and _grad.enabled:
        state = _BackwardHookState(module)
        args = state.wrap_inputs(args)
    out = module.forward(*args, **kwargs)
    for hid, hook in list(module._forward_hooks.items()):
        if hid in module._forward_hooks_with_kwargs:
            res = hook(module, args, kwargs, out)
        else:
            res = hook(module, args, out)
        if res is not None:
            out = res
    if state is not None:
        out = state.wrap_outputs(out)
    return out


class BackwardHookFunctionBackward(Node):
    """Identity node that hands the gradients flowing through it to a ``_BackwardHookState``."""

    __slots__ = ()

    def backward(self, grads):
        grads = [grads] if self._n_out == 1 else list(grads)
        state, side = self._args
        return tuple(state.on_input_grads(grads) if side == "input" else state.on_output_grads(grads))


def _as_tensor(g):
    return g if g is None or isinstance(g, Tensor) else Tensor(g)


def _as_raw(g, like):
    if g is None or not isinstance(g, Tensor) or isinstance(like, Tensor):
        return g
    return g._data


class _BackwardHookState:
    """Per-call bookkeeping linking the input and output identity nodes of one module call."""

    def __init__(self, module):
        self.module = module
        self.n_inputs = 0
        self.input_positions = []     # positions (among tensor args) that go through the input node
        self.grad_output = None

    def wrap_inputs(self, args):
        tensor_idx = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(tensor_idx)
        wrapped = [i for i in tensor_idx if args[i]._requires_grad]
        self.input_positions = [tensor_idx.index(i) for i in wrapped]
        if not wrapped:
            return args
        outs = record_multi([args[i]._data for i in wrapped], BackwardHookFunctionBackward,
                            [args[i] for i in wrapped], (), (self, "input"))
        new_args = list(args)
        for i, o in zip(wrapped, outs):
            new_args[i] = o
        return tuple(new_args)

    def wrap_outputs(self, out):
        single = isinstance(out, Tensor)
        items = [out] if single else list(out) if isinstance(out, (tuple, list)) else None
        if items is None:
            return out
        idx = [i for i, o in enumerate(items) if isinstance(o, Tensor) and o._requires_grad]
        if not idx:
            return out
        outs = record_multi([items[i]._data for i in idx], BackwardHookFunctionBackward, [items[i] for i in idx],
                            (), (self, "output"))
        for i, o in zip(idx, outs):
            items[i] = o
        if single:
            return items[0]
        return type(out)(items)

    def on_output_grads(self, grads):
        grad_output = tuple(_as_tensor(g) for g in grads)
        for hook in list(self.module._backward_pre_hooks.values()):
            res = hook(self.module, grad_output)
            if res is not None:
                grad_output = tuple(res) if isinstance(res, (tuple, list)) else (res,)
        self.grad_output = grad_output
        new = [_as_raw(g, old) for g, old in zip(grad_output, grads)]
        if not self.input_positions:
            # no input needs a gradient: the input node never runs, so the hooks run here
            self._call_hooks(tuple([None] * max(self.n_inputs, 1)))
        return new

    def on_input_grads(self, grads):
        grad_input = [None] * self.n_inputs
        for pos, g in zip(self.input_positions, grads):
            grad_input[pos] = _as_tensor(g)
        grad_input = self._call_hooks(tuple(grad_input))
        return [_as_raw(grad_input[pos], g) for pos, g in zip(self.input_positions, grads)]

    def _call_hooks(self, grad_input):
        for hook in list(self.module._backward_hooks.values()):
            res = hook(self.module, grad_input, self.grad_output)
            if res is not None:
                res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
                if len(res) != len(grad_input):
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got {len(res)}, "
                                       f"but expected {len(grad_input)}")
                grad_input = res
        return grad_input
