"""In-place operations: leaf checks, stale saved values, views, ``copy_`` (reference section 4)."""
import re

import pytest

import framework
from framework import tensor

LEAF = re.escape("a leaf Variable that requires grad is being used in an in-place operation.")
VIEW_LEAF = re.escape("a view of a leaf Variable that requires grad is being used in an in-place operation.")
MODIFIED = re.escape("one of the variables needed for gradient computation has been modified by an inplace "
                     "operation: ")


@pytest.fixture
def x():
    return tensor([1.0, 2.0], requires_grad=True)


def _iadd(t):
    t += 1


@pytest.mark.parametrize("op", [lambda t: t.add_(1), lambda t: t.mul_(2), lambda t: t.zero_(), _iadd,
                                lambda t: t.copy_(framework.ones(2)), lambda t: t.fill_(3.0),
                                lambda t: t.clamp_(0, 1), lambda t: t.relu_()],
                         ids=["add_", "mul_", "zero_", "+=", "copy_", "fill_", "clamp_", "relu_"])
def test_in_place_on_leaf_requiring_grad_raises(x, op):
    with pytest.raises(RuntimeError, match=LEAF):
        op(x)
    assert x._version == 0
    assert x.tolist() == [1.0, 2.0]


def _set_first(t):
    t[0] = 5.0


@pytest.mark.parametrize("op", [_set_first, lambda t: t[0:1].add_(1), lambda t: t.view(2).mul_(2)],
                         ids=["setitem", "slice add_", "view mul_"])
def test_in_place_on_view_of_leaf_raises(x, op):
    with pytest.raises(RuntimeError, match=VIEW_LEAF):
        op(x)
    assert x.tolist() == [1.0, 2.0]


def _backward_message(build):
    with pytest.raises(RuntimeError, match=MODIFIED) as info:
        build().backward()
    return str(info.value)


def test_modified_saved_output_names_producer(x):
    def build():
        y = x.exp()
        y.add_(1)
        return y.sum()
    msg = _backward_message(build)
    assert "[framework.FloatTensor [2]], which is output 0 of Exp, is at version 1; expected version 0 instead." in msg
    assert "Hint: enable anomaly detection" in msg
    assert "set_detect_anomaly(True, check_nan=False)" in msg


def test_modified_saved_input_names_its_current_grad_fn(x):
    def build():
        a = x * 1
        b = a * a
        a.mul_(2)
        return b.sum()
    assert "which is output 0 of Mul, is at version 1; expected version 0 instead" in _backward_message(build)

    def build_twice():
        a = x * 1
        b = a * a
        a.mul_(2)
        a.add_(1)
        assert a._version == 2
        return b.sum()
    assert "which is output 0 of Add, is at version 2; expected version 0 instead" in _backward_message(build_twice)


def test_modified_sigmoid_output(x):
    def build():
        y = framework.sigmoid(x)
        y.mul_(2)
        return y.sum()
    assert "which is output 0 of Sigmoid, is at version 1" in _backward_message(build)


def test_modified_leaf_has_no_output_clause(x):
    def build():
        y = (x * x).sum()
        with framework.no_grad():
            x.add_(1)
        return y
    msg = _backward_message(build)
    assert "[framework.FloatTensor [2]] is at version 1; expected version 0 instead." in msg
    assert "which is output" not in msg


def test_shape_in_brackets_for_matrices():
    w = tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=framework.float64, requires_grad=True)

    def build():
        y = w.exp()
        y.zero_()
        return y.sum()
    assert "[framework.DoubleTensor [2, 3]], which is output 0 of Exp" in _backward_message(build)


def test_detach_shares_the_version_counter(x):
    def build():
        y = x.exp()
        d = y.detach()
        d.add_(1)
        assert y._version == 1
        return y.sum()
    assert "output 0 of Exp, is at version 1" in _backward_message(build)


def test_no_grad_does_not_exempt_from_version_check(x):
    def build():
        y = x.exp()
        with framework.no_grad():
            y.add_(1)
        return y.sum()
    assert "is at version 1; expected version 0" in _backward_message(build)


def test_in_place_on_non_leaf_without_saved_use(x):
    y = x * 2
    y.add_(1)
    assert type(y.grad_fn).__name__ == "AddBackward0"
    assert y._version == 1
    (y * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]


def test_in_place_multiply_by_a_leaf(x):
    y = x + 0
    y.mul_(x)
    assert type(y.grad_fn).__name__ == "MulBackward0"
    names = [(type(n).__name__, nr) for n, nr in y.grad_fn.next_functions]
    assert names == [("AddBackward0", 0), ("AccumulateGrad", 0)]
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_relu_in_place_saves_result_after_the_op():
    x = tensor([-1.0, 2.0], requires_grad=True)
    y = x * 2
    y.relu_()
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 2.0]


def test_in_place_on_view_of_non_leaf_rebases_the_base():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    v = y[1:]
    v.mul_(10)
    assert type(y.grad_fn).__name__ == "CopySlices"
    assert type(v.grad_fn).__name__ == "AsStridedBackward0"
    assert y.tolist() == [1.0, 20.0, 30.0]
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 10.0, 10.0]


def test_copy_into_plain_tensor_carries_gradient():
    src = tensor([1.0, 2.0, 3.0], requires_grad=True)
    dst = framework.zeros(3)
    dst.copy_(src)
    assert dst.requires_grad and not dst.is_leaf
    assert type(dst.grad_fn).__name__ == "CopyBackwards"
    assert dst.grad_fn.name() == "torch::autograd::CopyBackwards"
    (dst * tensor([1.0, 10.0, 100.0])).sum().backward()
    assert src.grad.tolist() == [1.0, 10.0, 100.0]


def test_copy_into_slice_gives_copy_slices():
    src = tensor([1.0, 2.0], requires_grad=True)
    dst = framework.zeros(4)
    dst[1:3].copy_(src)
    assert type(dst.grad_fn).__name__ == "CopySlices"
    assert dst.grad_fn.name() == "torch::autograd::CopySlices"
    (dst * framework.arange(4.0)).sum().backward()
    assert src.grad.tolist() == [1.0, 2.0]


def test_setitem_with_tensor_value():
    src = tensor([1.0], requires_grad=True)  # shape (1,) into one element
    dst = framework.zeros(3)
    dst[1] = src
    assert type(dst.grad_fn).__name__ == "CopySlices"
    (dst * tensor([1.0, 2.0, 3.0])).sum().backward()
    assert src.grad.tolist() == [2.0]


def test_setitem_one_element_value_without_grad():
    dst = framework.zeros(3)
    dst[2] = tensor([7.0])
    assert dst.tolist() == [0.0, 0.0, 7.0]
    assert dst._version == 1


def test_copy_with_incompatible_shape_raises():
    with pytest.raises(RuntimeError, match=re.escape("The size of tensor a (2) must match the size of tensor b (3) "
                                                     "at non-singleton dimension 0")):
        framework.zeros(2).copy_(framework.ones(3))


def test_optimizer_style_update_under_no_grad():
    w = tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    assert w._version == 0
    with framework.no_grad():
        w -= 0.1 * w.grad
    assert w.tolist() == pytest.approx([0.8, 1.6])
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    assert w._version == 1
    with framework.no_grad():
        w.add_(w.grad, alpha=-0.1)
    assert w._version == 2
    with framework.no_grad():
        w.copy_(framework.ones(2))
    assert w.is_leaf and w.grad_fn is None and w.tolist() == [1.0, 1.0]
    assert w._version == 3


def test_data_writes_bypass_the_version_counter():
    w = tensor([1.0, 2.0], requires_grad=True)
    y = w * w
    w.data.mul_(10)
    assert w._version == 0
    y.sum().backward()  # no error: the saved value silently changed
    assert w.grad.tolist() == [20.0, 40.0]


def test_detach_in_place_on_view_raises():
    y = tensor([1.0, 2.0], requires_grad=True) * 1
    with pytest.raises(RuntimeError, match=re.escape("Can't detach views in-place. Use detach() instead.")):
        y[0:1].detach_()


def test_detach_in_place_on_non_leaf():
    y = tensor([1.0, 2.0], requires_grad=True) * 2
    assert y.detach_() is y
    assert y.is_leaf and not y.requires_grad and y.grad_fn is None


def test_view_made_before_base_was_modified_sees_new_history():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    v = y[1:]
    y.mul_(2)
    v.sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 2.0]


def test_sibling_view_sees_write_through_other_view():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    a, b = y[0:2], y[1:3]
    a.mul_(10)
    assert b.tolist() == [20.0, 3.0]
    b.sum().backward()
    assert x.grad.tolist() == [0.0, 10.0, 1.0]


def test_view_of_view_after_base_write():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    w = y[1:][0:1]
    y.mul_(5)
    (w * 1).sum().backward()
    assert x.grad.tolist() == [0.0, 5.0, 0.0]


@pytest.mark.parametrize("view_first", [True, False])
def test_stale_view_as_either_operand_of_a_binary_op(view_first):
    # the view is refreshed whichever side of a two-input op it stands on
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    z = tensor([1.0, 1.0], requires_grad=True)
    y = x * 1
    v = y[1:]
    y.mul_(2)
    out = v * z if view_first else z * v
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 2.0]
    assert z.grad.tolist() == [4.0, 6.0]


def test_stale_view_as_backward_root():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    v = y[1:]
    y.mul_(2)
    v.backward(framework.ones(2))
    assert x.grad.tolist() == [0.0, 2.0, 2.0]


def test_view_made_after_write_keeps_its_own_node():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    y.mul_(2)
    v = y[0]
    assert type((v * 2).grad_fn.next_functions[0][0]).__name__ == "SelectBackward0"


def test_retain_grad_follows_in_place_write():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.mul_(2)
    (y * 3).sum().backward()
    assert y.grad.tolist() == [3.0, 3.0]  # the gradient of the new value
    assert x.grad.tolist() == [12.0, 12.0]


def test_in_place_on_tensor_used_only_by_scalar_multiply():
    x = tensor([1.0, 2.0], requires_grad=True)
    a = x + 1
    b = a * 2
    a.mul_(3)
    (a.sum() + b.sum()).backward()
    assert x.grad.tolist() == [5.0, 5.0]
