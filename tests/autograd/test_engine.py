"""The engine: iterative backward over deep graphs, diamonds, shared nodes, multi-output nodes."""
import gc
import warnings
import weakref

import numpy as np
import pytest

import framework
from framework import autograd, tensor
from framework.autograd.node import Node
from framework.autograd.tensor import record

DEPTH = 100_000


def test_deep_chain_backpropagates_without_recursion():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(DEPTH // 2):
        y = y * 1.0
        y = y + 1.0
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    first = weakref.ref(y.grad_fn)
    del y
    gc.collect()
    assert first() is None


def test_deep_chain_can_be_deleted_without_backward():
    x = tensor([1.0], requires_grad=True)
    y = x
    for _ in range(DEPTH):
        y = y + 1.0
    assert y.item() == DEPTH + 1
    last = weakref.ref(y.grad_fn)
    del y  # freeing 100,000 nested nodes must not overflow the stack
    gc.collect()
    assert last() is None


def test_diamond_accumulates_both_paths():
    a = tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    c = b * 3 + b * 4
    c.sum().backward()
    assert a.grad.tolist() == [14.0, 14.0]


def test_diamond_with_saved_values():
    values = np.array([1.0, 2.0])
    a = tensor(values, requires_grad=True)
    b = a.exp()
    (b * b + b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * np.exp(2 * values) + np.exp(values))


def test_same_tensor_as_both_operands():
    a = tensor([1.0, 2.0], requires_grad=True)
    s = a * 1
    (s * s).sum().backward()
    assert a.grad.tolist() == [2.0, 4.0]
    a.grad = None
    (a + a).sum().backward()
    assert a.grad.tolist() == [2.0, 2.0]


def test_node_reached_from_consumers_created_in_any_order():
    """A shared node runs once, after every consumer (late and early) sent its gradient."""
    x = tensor([1.0, 2.0], requires_grad=True)
    shared = x * 3
    early = shared * 2
    mid = early.exp().log()  # the identity, through two more nodes
    late = shared * 5
    (mid + late + shared).sum().backward()
    assert x.grad.tolist() == [3.0 * (2 + 5 + 1)] * 2


def test_long_and_short_paths_to_the_same_leaf():
    x = tensor(1.5, requires_grad=True)
    y = x
    for _ in range(50):
        y = y * 1.0
    (y + x * 2).backward()
    assert x.grad.item() == 3.0


def test_multi_output_node_with_unused_outputs():
    u = tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    a, b, c = u.unbind(0)
    (b * 2).sum().backward()
    assert u.grad.tolist() == [[0.0, 0.0], [2.0, 2.0], [0.0, 0.0]]


def test_multi_output_node_gets_all_gradients_summed():
    u = tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    p, q = u.split(2)
    (p * 2).sum().backward(retain_graph=True)
    (q * 3).sum().backward()
    assert u.grad.tolist() == [2.0, 2.0, 3.0, 3.0]


def test_numerical_warnings_of_backward_formulas_are_silenced():
    """PyTorch never warns about inf or nan inside a backward formula; the values still propagate."""
    x = tensor([0.0, 1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the forward is not what this test is about
        losses = [(x.sqrt() * 0).sum(), (x.log() * 0).sum()]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for loss in losses:
            loss.backward()
    assert np.isnan(x.grad.numpy()[0])


def test_grad_mode_inside_backward_is_off_unless_create_graph():
    seen = []
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: seen.append(framework.is_grad_enabled()))
    y.sum().backward(retain_graph=True)
    autograd.grad(y.sum(), x, create_graph=True)
    assert seen == [False, True]
    assert framework.is_grad_enabled()


def test_grad_mode_restored_after_an_error():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError):
        y.backward()
    assert framework.is_grad_enabled()


def test_node_hook_sees_and_can_replace_input_gradients():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []

    def hook(grad_inputs, grad_outputs):
        seen.append((grad_inputs[0].tolist(), grad_outputs[0].tolist()))
        return (grad_inputs[0] * 10, grad_inputs[1])

    handle = y.grad_fn.register_hook(hook)
    y.sum().backward()
    assert seen == [([3.0, 3.0], [1.0, 1.0])]
    assert x.grad.tolist() == [30.0, 30.0]
    handle.remove()


def test_leaf_with_several_uses_accumulates_once():
    x = tensor([1.0, 2.0], requires_grad=True)
    calls = []
    x.register_post_accumulate_grad_hook(lambda t: calls.append(t.grad.tolist()))
    (x * 3 + x * 4 + x).sum().backward()
    assert calls == [[8.0, 8.0]]


class DoubleBackward0(Node):
    """A fused numpy op written against the extension API: y = 2 * x, saving x and an arg."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, grad, x):
        (factor,) = self._args
        return (grad * factor,)


def test_node_extension_api():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = record(x._data * 2, DoubleBackward0, (x,), (x,), (2.0,))
    assert type(y.grad_fn).__name__ == "DoubleBackward0"
    assert y.grad_fn._saved_self.tolist() == [1.0, 2.0]
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def _wrong_shape_op(x, shape):
    class WrongBackward0(Node):
        __slots__ = ()

        def backward(self, grad):
            return (np.ones(shape, dtype=np.float32),)

    return record(x._data * 1, WrongBackward0, (x,))


def test_gradient_with_extra_broadcast_dims_is_summed_into_leaf():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    _wrong_shape_op(x, (2, 3)).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_gradient_of_incompatible_shape_for_a_leaf_raises():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"invalid gradient - got \[1\] but expected shape compatible with \[3\]"):
        _wrong_shape_op(x, (1,)).sum().backward()
    assert x.grad is None
