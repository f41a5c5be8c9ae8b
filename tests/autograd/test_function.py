"""Custom ``framework.autograd.Function`` (reference section 9)."""
import math
import re
import weakref

import pytest

import framework
from framework import autograd, tensor
from framework.autograd import Function, once_differentiable

FREED = re.escape("Trying to backward through the graph a second time")


class MyExp(Function):
    modes = []

    @staticmethod
    def forward(ctx, x):
        MyExp.modes.append(("forward", framework.is_grad_enabled()))
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        MyExp.modes.append(("backward", framework.is_grad_enabled()))
        (y,) = ctx.saved_tensors
        return gy * y


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2


def _bad(backward, n_inputs=1):
    """A Function named Bad whose forward multiplies its first input by 2."""
    class Bad(Function):
        @staticmethod
        def forward(ctx, *args):
            return args[0] * 2
    Bad.backward = staticmethod(backward)
    return Bad


@pytest.fixture
def x0():
    return tensor([0.0, 1.0], requires_grad=True)


def test_apply_records_named_node_and_uses_custom_backward(x0):
    y = MyExp.apply(x0)
    assert type(y.grad_fn).__name__ == "MyExpBackward"
    assert y.grad_fn.name() == "MyExpBackward"
    assert [(type(n).__name__, nr) for n, nr in y.grad_fn.next_functions] == [("AccumulateGrad", 0)]
    y.sum().backward()
    assert x0.grad.tolist() == pytest.approx([1.0, math.e])


def test_grad_mode_inside_forward_and_backward(x0):
    MyExp.modes.clear()
    y = MyExp.apply(x0)
    assert y.requires_grad
    y.sum().backward()
    autograd.grad(MyExp.apply(x0).sum(), x0, create_graph=True)
    assert MyExp.modes == [("forward", False), ("backward", False), ("forward", False), ("backward", True)]


def test_apply_without_grad_records_nothing():
    y = MyExp.apply(tensor([1.0, 2.0]))
    assert y.requires_grad is False and y.grad_fn is None
    with framework.no_grad():
        z = MyExp.apply(tensor([1.0], requires_grad=True))
    assert z.grad_fn is None


def test_second_backward_needs_retain_graph(x0):
    y = MyExp.apply(x0).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=FREED):
        y.backward()


def test_retain_graph_with_custom_function(x0):
    y = MyExp.apply(x0).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x0.grad.tolist() == pytest.approx([2.0, 2 * math.e])


def test_returning_an_input_gives_a_new_tensor(x0):
    class Id(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    y = Id.apply(x0)
    assert y is not x0
    assert type(y.grad_fn).__name__ == "IdBackward"
    y.sum().backward()
    assert x0.grad.tolist() == [2.0, 2.0]


def test_needs_input_grad(x0):
    seen = []

    class F(Function):
        @staticmethod
        def forward(ctx, x, w, k):
            seen.append(ctx.needs_input_grad)
            return x * w * k

        @staticmethod
        def backward(ctx, g):
            return g, None, None

    F.apply(x0, tensor([1.0, 1.0]), 10.0)
    with framework.no_grad():
        F.apply(x0, tensor([1.0, 1.0]), 10.0)
    assert seen == [(True, False, False), (False, False, False)]


def test_mark_non_differentiable(x0):
    seen = []

    class F(Function):
        @staticmethod
        def forward(ctx, x):
            idx = tensor([0, 1, 2])
            ctx.mark_non_differentiable(idx)
            return x * 2, idx

        @staticmethod
        def backward(ctx, g, gi):
            seen.append(gi)
            return g * 2

    out, idx = F.apply(x0)
    assert idx.requires_grad is False and idx.grad_fn is None
    assert out.requires_grad
    out.sum().backward()
    assert seen[0].tolist() == [0, 0, 0]
    assert seen[0].dtype == framework.int64
    assert x0.grad.tolist() == [2.0, 2.0]


def test_only_output_marked_non_differentiable(x0):
    class F(Function):
        @staticmethod
        def forward(ctx, x):
            out = x * 2
            ctx.mark_non_differentiable(out)
            return out

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"):
        F.apply(x0).sum().backward()


@pytest.mark.parametrize("materialize", [True, False])
def test_unused_output_gradient_materialized_or_none(x0, materialize):
    seen = []

    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            seen.append(g2)
            return g1 * 2

    a, _ = Two.apply(x0)
    a.sum().backward()
    if materialize:
        assert seen[0].tolist() == [0.0, 0.0]
    else:
        assert seen[0] is None
    assert x0.grad.tolist() == [2.0, 2.0]


def test_setup_context_style(x0):
    class Scale(Function):
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    y = Scale.apply(x0, 3.0)
    assert type(y.grad_fn).__name__ == "ScaleBackward"
    y.sum().backward()
    assert x0.grad.tolist() == [3.0, 3.0]


class AddOne_(Function):
    """A real in-place forward: adds one and marks its input dirty."""

    @staticmethod
    def forward(ctx, x):
        x.add_(1)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g


def test_mark_dirty_in_place_forward():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    out = AddOne_.apply(y)
    assert out is y
    assert y._version == 2
    assert type(y.grad_fn).__name__ == "AddOne_Backward"
    (out * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_mark_dirty_on_leaf_requiring_grad_raises():
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad has been used in an in-place"):
        AddOne_.apply(tensor([1.0], requires_grad=True))


def test_saved_output_is_rebuilt_and_keeps_no_cycle(x0):
    y = MyExp.apply(x0)
    ref = weakref.ref(y.grad_fn)
    (saved,) = y.grad_fn.saved_tensors
    assert saved.tolist() == y.tolist()
    assert saved.grad_fn is y.grad_fn
    del y, saved
    assert ref() is None  # freed by reference counting alone


def test_wrong_number_of_gradients():
    x = tensor([1.0, 2.0], requires_grad=True)
    w = tensor([1.0, 2.0], requires_grad=True)

    class Bad(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match=re.escape("function BadBackward returned an incorrect number of "
                                                     "gradients (expected 2, got 1)")):
        Bad.apply(x, w).sum().backward()
    with pytest.raises(RuntimeError, match=re.escape("(expected 1, got 2)")):
        _bad(lambda ctx, g: (g, g)).apply(x).sum().backward()


def test_extra_trailing_none_is_allowed():
    x = tensor([1.0, 2.0], requires_grad=True)
    _bad(lambda ctx, g: (g * 2, None)).apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("shape", [(3,), (1,)])
def test_gradient_of_incompatible_shape(shape):
    x = tensor([1.0, 2.0], requires_grad=True)
    msg = re.escape(f"Function BadBackward returned an invalid gradient at index 0 - got {list(shape)} but "
                    "expected shape compatible with [2]")
    with pytest.raises(RuntimeError, match=msg):
        _bad(lambda ctx, g: framework.ones(*shape)).apply(x).sum().backward()


def test_gradient_with_extra_leading_dims_is_summed():
    x = tensor([1.0, 2.0], requires_grad=True)
    _bad(lambda ctx, g: framework.ones(3, 2)).apply(x).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_float64_gradient_cast_to_input_dtype():
    x = tensor([1.0, 2.0], requires_grad=True)
    _bad(lambda ctx, g: framework.ones(2, dtype=framework.float64)).apply(x).sum().backward()
    assert x.grad.dtype == framework.float32
    assert x.grad.tolist() == [1.0, 1.0]


def test_gradient_for_non_tensor_input_raises():
    x = tensor([1.0, 2.0], requires_grad=True)
    msg = re.escape("function BadBackward returned a gradient different than None at position 2, but the "
                    "corresponding forward input was not a Variable")
    with pytest.raises(RuntimeError, match=msg):
        _bad(lambda ctx, g: (g, g)).apply(x, 10.0).sum().backward()


def test_gradient_for_input_without_grad_is_dropped():
    x = tensor([1.0, 2.0], requires_grad=True)
    w = tensor([1.0, 2.0])
    _bad(lambda ctx, g: (g, g)).apply(x, w).sum().backward()
    assert w.grad is None
    assert x.grad.tolist() == [1.0, 1.0]


def test_save_for_backward_only_takes_tensors():
    x = tensor([1.0, 2.0], requires_grad=True)

    class Save(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a, 3)
            return a * 2

    with pytest.raises(TypeError, match="save_for_backward can only save variables, but argument 1 is of type int"):
        Save.apply(x)


def test_backward_returning_a_number_raises():
    x = tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=re.escape("expected Variable or None (got float)")):
        _bad(lambda ctx, g: 1.0).apply(x).sum().backward()


def test_missing_backward_raises_not_implemented():
    class NoBackward(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

    x = tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="You must implement either the backward or vjp method"):
        NoBackward.apply(x).sum().backward()


def test_instantiating_warns_then_calling_raises():
    x = tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(DeprecationWarning, match="should not be instantiated"):
        f = MyExp()
    with pytest.raises(RuntimeError, match="Legacy autograd function with non-static forward method is deprecated"):
        f(x)


def test_saved_input_modified_in_place():
    class SaveIn(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * 2

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * a

    x = tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    out = SaveIn.apply(a)
    a.add_(1)
    with pytest.raises(RuntimeError, match="which is output 0 of Add, is at version 1; expected version 0 instead"):
        out.sum().backward()


def test_saved_output_modified_in_place(x0):
    y = MyExp.apply(x0)
    y.mul_(2)
    # a saved output is named after the node that produced it
    with pytest.raises(RuntimeError, match="which is output 0 of MyExp, is at version 1; expected version 0"):
        y.sum().backward()


def test_double_backward_through_differentiable_backward():
    x = tensor(2.0, requires_grad=True)
    (d1,) = autograd.grad(Cube.apply(x), x, create_graph=True)
    assert d1.item() == 12.0
    assert type(d1.grad_fn).__name__ == "MulBackward0"
    (d2,) = autograd.grad(d1, x)
    assert d2.item() == 12.0


def test_once_differentiable_backward():
    class OnceCube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    x = tensor(2.0, requires_grad=True)
    (d1,) = autograd.grad(OnceCube.apply(x), x, create_graph=True)
    assert d1.item() == 12.0
    assert d1.requires_grad is False
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        autograd.grad(d1, x)


def test_gradcheck_of_custom_function():
    x = framework.randn(4, dtype=framework.float64, requires_grad=True)
    assert autograd.gradcheck(Cube.apply, (x,))
    assert autograd.gradgradcheck(Cube.apply, (x,))


def test_saving_an_inference_tensor_raises(x0):
    with framework.inference_mode():
        w = framework.ones(2) * 2

    class Mul(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b, g * a

    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        Mul.apply(x0, w)
