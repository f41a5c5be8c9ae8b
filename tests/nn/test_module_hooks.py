"""Module hooks: forward pre-hooks, forward hooks (with kwargs), full backward hooks; removable handles."""
import numpy as np
import pytest

import framework
from framework import nn
from framework.autograd.hooks import RemovableHandle


def eye_linear():
    lin = nn.Linear(2, 2)
    lin.weight.detach()._data[...] = np.eye(2)
    lin.bias.detach()._data[...] = 0
    return lin


def test_forward_pre_hook_receives_args_tuple_and_replaces_input():
    lin = eye_linear()
    seen = []

    def pre(mod, args):
        seen.append((mod, type(args), len(args)))
        return (args[0] * 2,)

    h = lin.register_forward_pre_hook(pre)
    assert isinstance(h, RemovableHandle)
    assert lin(framework.tensor([[1.0, 2.0]])).tolist() == [[2.0, 4.0]]
    assert seen == [(lin, tuple, 1)]
    h.remove()
    assert lin(framework.tensor([[1.0, 2.0]])).tolist() == [[1.0, 2.0]]


def test_pre_hook_single_value_result_is_wrapped():
    lin = eye_linear()
    lin.register_forward_pre_hook(lambda m, args: args[0] * 3)
    assert lin(framework.tensor([[1.0, 1.0]])).tolist() == [[3.0, 3.0]]


def test_forward_hook_sees_output_and_replaces_it():
    lin = eye_linear()
    lin.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    seen = []

    def fwd(mod, args, out):
        seen.append(out.tolist())
        return out + 1

    h = lin.register_forward_hook(fwd)
    assert lin(framework.tensor([[1.0, 2.0]])).tolist() == [[3.0, 5.0]]
    assert seen == [[[2.0, 4.0]]]
    h.remove()
    assert lin(framework.tensor([[1.0, 2.0]])).tolist() == [[2.0, 4.0]]


def test_hooks_with_kwargs():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()
    got = []
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": kwargs.get("factor", 1.0) * 10}),
                                with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: got.append(dict(kwargs)), with_kwargs=True)
    assert m(framework.ones(1), factor=2.0).tolist() == [20.0]
    assert got == [{"factor": 20.0}]


def test_forward_hook_with_kwargs_empty_dict():
    lin = eye_linear()
    got = []
    lin.register_forward_hook(lambda mod, args, kwargs, out: got.append(kwargs), with_kwargs=True)
    lin(framework.ones(1, 2))
    assert got == [{}]


def test_pre_hook_with_kwargs_bad_return():
    lin = eye_linear()
    lin.register_forward_pre_hook(lambda mod, args, kwargs: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple of"):
        lin(framework.ones(1, 2))


def test_hooks_run_in_registration_order_and_prepend():
    lin = eye_linear()
    order = []
    lin.register_forward_hook(lambda *a: order.append("first"))
    lin.register_forward_hook(lambda *a: order.append("second"))
    lin.register_forward_hook(lambda *a: order.append("zeroth"), prepend=True)
    lin(framework.ones(1, 2))
    assert order == ["zeroth", "first", "second"]


def test_handle_is_a_context_manager():
    lin = eye_linear()
    with lin.register_forward_hook(lambda m, a, out: out * 0):
        assert lin(framework.ones(1, 2)).tolist() == [[0.0, 0.0]]
    assert lin(framework.ones(1, 2)).tolist() == [[1.0, 1.0]]


def test_full_backward_hook_shapes():
    lin = nn.Linear(2, 1)
    got = []
    lin.register_full_backward_hook(lambda m, gin, gout: got.append(([tuple(g.shape) for g in gin],
                                                                     [tuple(g.shape) for g in gout])))
    x = framework.randn(3, 2, requires_grad=True)
    lin(x).sum().backward()
    assert got == [([(3, 2)], [(3, 1)])]


def test_full_backward_hook_values_and_replacement():
    lin = eye_linear()
    x = framework.tensor([[1.0, 2.0]], requires_grad=True)
    seen = []

    def hook(mod, grad_input, grad_output):
        seen.append((grad_input[0].tolist(), grad_output[0].tolist()))
        return (grad_input[0] * 10,)

    h = lin.register_full_backward_hook(hook)
    (lin(x) * framework.tensor([[3.0, 4.0]])).sum().backward()
    assert seen == [([[3.0, 4.0]], [[3.0, 4.0]])]
    assert x.grad.tolist() == [[30.0, 40.0]]
    assert lin.weight.grad.tolist() == [[3.0, 6.0], [4.0, 8.0]]  # parameter grads are untouched by the hook
    h.remove()
    x.grad = None
    (lin(x) * framework.tensor([[3.0, 4.0]])).sum().backward()
    assert x.grad.tolist() == [[3.0, 4.0]]


def test_full_backward_hook_when_input_needs_no_grad():
    lin = eye_linear()
    got = []
    lin.register_full_backward_hook(lambda m, gin, gout: got.append((gin, gout[0].tolist())))
    lin(framework.ones(1, 2)).sum().backward()
    assert got == [((None,), [[1.0, 1.0]])]


def test_full_backward_pre_hook_replaces_grad_output():
    lin = eye_linear()
    lin.register_full_backward_pre_hook(lambda m, gout: (gout[0] * 2,))
    x = framework.ones(1, 2, requires_grad=True)
    lin(x).sum().backward()
    assert x.grad.tolist() == [[2.0, 2.0]] and lin.bias.grad.tolist() == [2.0, 2.0]


def test_backward_hook_wrong_arity():
    lin = eye_linear()
    lin.register_full_backward_hook(lambda m, gin, gout: (gin[0], gin[0]))
    x = framework.ones(1, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Backward hook returned an invalid number of grad_input"):
        lin(x).sum().backward()
