"""requires_grad_, detach, no_grad / enable_grad / set_grad_enabled / inference_mode (reference section 5)."""
import re

import pytest

import framework
from framework import tensor

NONLEAF_FLAG = re.escape("you can only change requires_grad flags of leaf variables. If you want to use a computed "
                         "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().")


@pytest.fixture
def x():
    return tensor([1.0, 2.0, 3.0], requires_grad=True)


@pytest.fixture(autouse=True)
def grad_mode_restored():
    yield
    assert framework.is_grad_enabled()
    assert not framework.is_inference_mode_enabled()


def test_requires_grad_false_on_non_leaf_raises(x):
    with pytest.raises(RuntimeError, match=NONLEAF_FLAG):
        (x * 2).requires_grad_(False)


def test_requires_grad_attribute_false_on_non_leaf_raises(x):
    y = x * 2
    with pytest.raises(RuntimeError, match=NONLEAF_FLAG):
        y.requires_grad = False


def test_requires_grad_true_on_non_leaf_is_a_no_op(x):
    y = x * 2
    assert y.requires_grad_(True) is y
    assert not y.is_leaf and y.requires_grad


def test_leaf_requires_grad_false(x):
    x.requires_grad_(False)
    assert x.requires_grad is False and x.is_leaf


def test_requires_grad_returns_self():
    t = framework.randn(3)
    assert t.requires_grad_() is t
    assert t.requires_grad


def test_integer_tensors_cannot_require_grad_factory_wording():
    msg = "Only Tensors of floating point and complex dtype can require gradients"
    with pytest.raises(RuntimeError, match=msg):
        tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match=msg):
        framework.arange(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=msg):
        tensor([True], requires_grad=True)


def test_integer_tensors_cannot_require_grad_method_wording():
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        tensor([1, 2]).requires_grad_()


def test_integer_tensors_cannot_require_grad_attribute_wording():
    t = tensor([1, 2])
    with pytest.raises(RuntimeError, match="only Tensors of floating point and complex dtype can require gradients"):
        t.requires_grad = True
    assert t.requires_grad is False


def test_half_precision_can_require_grad():
    assert tensor([1.0], dtype=framework.float16, requires_grad=True).requires_grad


def test_mixed_expressions(x):
    assert (x * tensor([1, 2, 3])).dtype == framework.float32
    assert (x * tensor([1, 2, 3])).requires_grad
    assert not (x > 1).requires_grad
    for t in (x.argmax(), x.long()):
        assert not t.requires_grad and t.grad_fn is None
    assert type(x.round().grad_fn).__name__ == "RoundBackward0"


def test_detach_shares_storage(x):
    d = x.detach()
    assert d.is_leaf and not d.requires_grad
    d[0] = 100.0
    assert x.tolist() == [100.0, 2.0, 3.0]
    assert x._version == d._version == 1


def test_detach_in_place_on_leaf(x):
    x.detach_()
    assert not x.requires_grad and x.is_leaf


def test_no_grad_context(x):
    with framework.no_grad():
        y = x * 2
        assert framework.is_grad_enabled() is False
    assert framework.is_grad_enabled() is True
    assert (y.requires_grad, y.is_leaf, y.grad_fn) == (False, True, None)


def test_factories_honour_requires_grad_inside_no_grad():
    with framework.no_grad():
        z = framework.ones(2, requires_grad=True)
        w = z * 2
    assert z.requires_grad
    assert not w.requires_grad


def test_no_grad_decorator_called_and_bare(x):
    @framework.no_grad()
    def called():
        return x * 2

    @framework.no_grad
    def bare():
        return x * 2

    assert not called().requires_grad
    assert not bare().requires_grad
    assert called.__name__ == "called"


def test_enable_grad_inside_no_grad(x):
    with framework.no_grad():
        with framework.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad


def test_enable_grad_decorator(x):
    @framework.enable_grad
    def bare():
        return x * 2

    @framework.enable_grad()
    def called():
        return x * 2

    with framework.no_grad():
        assert bare().requires_grad and called().requires_grad


def test_set_grad_enabled_context(x):
    with framework.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    with framework.no_grad():
        with framework.set_grad_enabled(True):
            assert (x * 2).requires_grad


def test_set_grad_enabled_plain_call_acts_globally(x):
    framework.set_grad_enabled(False)
    try:
        assert not framework.is_grad_enabled()
        assert not (x * 2).requires_grad
    finally:
        framework.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_set_grad_enabled_decorator(x):
    @framework.set_grad_enabled(False)
    def f():
        return x * 2

    assert framework.is_grad_enabled()
    assert not f().requires_grad


def test_modes_restored_after_exceptions():
    with pytest.raises(ValueError):
        with framework.no_grad():
            raise ValueError
    with pytest.raises(ValueError):
        with framework.inference_mode():
            raise ValueError


def test_result_of_no_grad_can_become_a_leaf():
    with framework.no_grad():
        y = framework.ones(2) * 3
    y.requires_grad_()
    assert y.is_leaf and y.requires_grad
    (y * y).sum().backward()
    assert y.grad.tolist() == [6.0, 6.0]


def test_inference_mode(x):
    with framework.inference_mode():
        y = x * 2
        assert framework.is_inference_mode_enabled()
        assert not framework.is_grad_enabled()
    assert not y.requires_grad
    assert y.is_inference()
    assert not x.is_inference()
    out = y * 2
    assert not out.requires_grad


def test_inference_mode_decorator(x):
    @framework.inference_mode
    def bare():
        return x * 2

    @framework.inference_mode()
    def called():
        return x * 2

    assert bare().is_inference() and called().is_inference()


def test_inference_mode_false_enables_grad(x):
    with framework.no_grad():
        with framework.inference_mode(False):
            assert framework.is_grad_enabled()
            y = x * 2
    assert y.requires_grad and not y.is_inference()


def test_in_place_on_inference_tensor_outside_mode_raises(x):
    with framework.inference_mode():
        y = x * 2
        y.add_(1)  # allowed inside the mode
    with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside InferenceMode is not allowed"):
        y.add_(1)


def test_inference_tensor_cannot_be_saved_for_backward(x):
    with framework.inference_mode():
        y = framework.ones(3) * 2
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        x * y
    assert (x + y).requires_grad  # addition saves nothing
