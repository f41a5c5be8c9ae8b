"""Leaves and non-leaves, ``.grad``, ``retain_grad`` and accumulation (reference section 1)."""
import warnings

import pytest

import framework
from framework import tensor


@pytest.fixture
def x():
    return tensor([1.0, 2.0, 3.0], requires_grad=True)


def _plain():
    return tensor([1.0, 2.0])


def _rg():
    return tensor([1.0, 2.0], requires_grad=True)


def _detach_in_place():
    y = _rg() * 2
    y.detach_()
    return y


LEAF_TABLE = [
    # (builder, is_leaf, requires_grad, grad_fn name or None)
    (_plain, True, False, None),
    (_rg, True, True, None),
    (lambda: _rg() * 2, False, True, "MulBackward0"),
    (lambda: _plain() * 2, True, False, None),
    (lambda: (_rg() * 2).detach(), True, False, None),
    (lambda: _rg().detach(), True, False, None),
    (lambda: framework.randn(3).requires_grad_(), True, True, None),
    (lambda: framework.randn(3, requires_grad=True).double(), False, True, "ToCopyBackward0"),
    (_detach_in_place, True, False, None),
]


@pytest.mark.parametrize("build, is_leaf, requires_grad, fn_name", LEAF_TABLE)
def test_leaf_table(build, is_leaf, requires_grad, fn_name):
    t = build()
    assert t.is_leaf is is_leaf
    assert t.requires_grad is requires_grad
    if fn_name is None:
        assert t.grad_fn is None
    else:
        assert type(t.grad_fn).__name__ == fn_name
    # the rule: a tensor is a leaf iff it has no grad_fn
    assert t.is_leaf == (t.grad_fn is None)


def test_is_leaf_is_read_only(x):
    with pytest.raises(AttributeError, match="is_leaf"):
        x.is_leaf = False


def test_non_leaf_grad_is_none_and_warns_on_every_access(x):
    y = x * 2
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    for _ in range(2):
        with pytest.warns(UserWarning, match=r"retain_grad\(\)") as rec:
            assert y.grad is None
        assert "not a leaf Tensor" in str(rec[0].message)


def test_leaf_grad_read_does_not_warn(x):
    (x * 2).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.grad is not None
        assert tensor([1.0]).grad is None


def test_retain_grad_accumulates_across_backward_calls(x):
    y = x * 2
    y.retain_grad()
    assert (y.retains_grad, x.retains_grad) == (True, False)
    z = (y * y).sum()
    z.backward(retain_graph=True)
    assert y.grad.tolist() == [4.0, 8.0, 12.0]
    z.backward()
    assert y.grad.tolist() == [8.0, 16.0, 24.0]
    assert x.grad.tolist() == [16.0, 32.0, 48.0]


def test_retain_grad_with_different_seeds():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.backward(tensor([1.0, 0.0]), retain_graph=True)
    assert y.grad.tolist() == [1.0, 0.0]
    y.backward(tensor([0.0, 5.0]))
    assert y.grad.tolist() == [1.0, 5.0]
    assert x.grad.tolist() == [2.0, 10.0]


def test_retained_grad_reading_does_not_warn(x):
    y = x * 2
    y.retain_grad()
    y.sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert y.grad.tolist() == [1.0, 1.0, 1.0]


def test_new_forward_gives_fresh_non_leaf_grad(x):
    for _ in range(2):
        y = x * 3
        y.retain_grad()
        y.sum().backward()
        assert y.grad.tolist() == [1.0, 1.0, 1.0]


def test_retain_grad_on_leaf_is_a_no_op(x):
    x.retain_grad()
    assert x.retains_grad is False
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_retain_grad_without_requires_grad_raises():
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        tensor([1.0, 2.0]).retain_grad()


def test_retains_grad_is_not_writable(x):
    y = x * 2
    with pytest.raises(AttributeError, match="attribute 'retains_grad' of .* objects is not writable"):
        y.retains_grad = True
    assert y.retains_grad is False


def test_leaf_accumulation_is_in_place(x):
    (x * x).sum().backward()
    g1 = x.grad
    assert g1.tolist() == [2.0, 4.0, 6.0]
    (x * x).sum().backward()
    assert x.grad is g1
    assert g1.tolist() == [4.0, 8.0, 12.0]


def test_zeroed_grad_then_backward(x):
    (x * x).sum().backward()
    x.grad.zero_()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]


def test_grad_assignment_and_reset(x):
    x.grad = framework.ones(3)
    (x * 2).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]
    x.grad = None
    assert x.grad is None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    del x.grad
    assert x.grad is None


def test_grad_assignment_wrong_size():
    x2 = tensor([1.0, 2.0], requires_grad=True)
    msg = (r"attempting to assign a gradient of size '\[3\]' to a tensor of size '\[2\]'. "
           r"Please ensure that the gradient and the tensor are the same size")
    with pytest.raises(RuntimeError, match=msg):
        x2.grad = framework.zeros(3)
    assert x2.grad is None


def test_grad_assignment_wrong_dtype():
    x2 = tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="attempting to assign a gradient with dtype 'double' to a tensor with "
                                           "grad_dtype 'Float'"):
        x2.grad = framework.zeros(2, dtype=framework.float64)


def test_grad_assignment_wrong_type(x):
    with pytest.raises(TypeError, match="assigned grad expected to be a Tensor or None but got grad of type list"):
        x.grad = [1.0, 2.0, 3.0]
