"""The graph is freed: saved values after backward, nodes once the output is dropped, no reference cycles."""
import gc
import weakref

import pytest

import framework
from framework import autograd, tensor
from framework.autograd import Function


class Square(Function):
    @staticmethod
    def forward(ctx, a):
        out = a * a
        ctx.save_for_backward(a, out)  # saving an output must not create a node <-> tensor cycle
        return out

    @staticmethod
    def backward(ctx, g):
        a, _ = ctx.saved_tensors
        return 2 * a * g


@pytest.fixture
def no_gc():
    """Run with the cycle collector off: whatever is freed, reference counting freed."""
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


def test_nodes_die_with_their_output(no_gc):
    x = tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).exp().sum()
    refs = [weakref.ref(y.grad_fn), weakref.ref(y.grad_fn.next_functions[0][0])]
    y.backward()
    del y
    assert all(r() is None for r in refs)


def test_nodes_die_without_backward(no_gc):
    x = tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).exp().sum()
    ref = weakref.ref(y.grad_fn)
    del y
    assert ref() is None


def test_saved_values_released_after_backward():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    loss = (y * y).sum()
    node = loss.grad_fn.next_functions[0][0]
    assert node._saved is not None
    loss.backward()
    assert node._saved is None


def test_retain_graph_keeps_saved_values():
    x = tensor([1.0, 2.0], requires_grad=True)
    loss = x.exp().sum()
    node = loss.grad_fn.next_functions[0][0]
    loss.backward(retain_graph=True)
    assert node._saved is not None


def test_accumulate_grad_node_does_not_keep_leaf_alive(no_gc):
    x = tensor([1.0, 2.0], requires_grad=True)
    acc = weakref.ref((x * 2).grad_fn.next_functions[0][0])
    assert acc() is None  # cached only while something uses it
    leaf = weakref.ref(x)
    del x
    assert leaf() is None


def test_mlp_training_loop_leaves_no_node_alive(no_gc):
    framework.manual_seed(0)
    w1 = framework.randn(4, 8, requires_grad=True)
    b1 = framework.zeros(8, requires_grad=True)
    w2 = framework.randn(8, 1, requires_grad=True)
    b2 = framework.zeros(1, requires_grad=True)
    inputs, targets = framework.randn(16, 4), framework.randn(16, 1)
    refs = []
    losses = []
    for step in range(1000):
        hidden = (inputs @ w1 + b1).relu()
        out = hidden @ w2 + b2
        if step % 2:
            loss = ((out - targets) ** 2).mean()
        else:
            loss = Square.apply(out - targets).mean()
        if step % 50 == 0:
            refs += [weakref.ref(loss.grad_fn), weakref.ref(hidden.grad_fn), weakref.ref(out.grad_fn)]
        loss.backward()
        losses.append(loss.item())
        with framework.no_grad():
            for p in (w1, b1, w2, b2):
                p -= 0.01 * p.grad
                p.grad = None
    del hidden, out, loss
    assert all(r() is None for r in refs)
    assert losses[-1] < losses[0]


def test_retained_grad_does_not_keep_tensor_alive(no_gc):
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    z = (y * 3).sum()
    ref = weakref.ref(y)
    del y
    z.backward()
    assert ref() is None


def test_create_graph_grad_is_freed_with_its_graph(no_gc):
    x = tensor(2.0, requires_grad=True)
    (dy,) = autograd.grad(x ** 3, x, create_graph=True)
    ref = weakref.ref(dy.grad_fn)
    del dy
    assert ref() is None
