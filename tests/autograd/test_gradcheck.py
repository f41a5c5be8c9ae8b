"""``gradcheck`` and ``gradgradcheck`` (reference section 10)."""
import pytest

import framework
from framework import autograd
from framework.autograd import Function, GradcheckError, gradcheck, gradgradcheck


def _leaf(*shape, requires_grad=True, dtype=framework.float64):
    return framework.randn(*shape, dtype=dtype, requires_grad=requires_grad)


class WrongDouble(Function):
    """Forward 2x, backward claims 3."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 3


@pytest.fixture(autouse=True)
def seeded():
    framework.manual_seed(0)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_passing_check_returns_true(shape):
    assert gradcheck(lambda t: (t * t).sum(), (_leaf(*shape),)) is True


def test_single_tensor_input_and_tuple_outputs():
    x = _leaf(3)
    assert gradcheck(lambda t: t * 2, x) is True
    assert gradcheck(lambda t: (t * 2, t.exp()), (x,)) is True


def test_several_inputs_with_broadcasting():
    assert gradcheck(lambda a, b: a * b, (_leaf(2, 3), _leaf(3)))


def test_non_differentiable_inputs_are_skipped():
    assert gradcheck(lambda a, k, c: a * k + c, (_leaf(3), 2.0, _leaf(3, requires_grad=False)))


def test_non_contiguous_input():
    x = _leaf(3, 2).detach().t().requires_grad_()
    assert not x.is_contiguous()
    assert gradcheck(lambda t: (t * t).sum(dim=0), (x,))


def test_float32_input_warns():
    x = framework.randn(3, requires_grad=True)
    with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double precision floating point"):
        gradcheck(lambda t: t * 2, (x,), raise_exception=False)


def test_wrong_backward_raises_with_both_jacobians():
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0") as info:
        gradcheck(WrongDouble.apply, (_leaf(3),))
    msg = str(info.value)
    assert "numerical:tensor(" in msg and "analytical:tensor(" in msg
    assert msg.index("numerical") < msg.index("analytical")
    assert "3." in msg.split("analytical:")[1]


def test_gradcheck_error_is_a_runtime_error():
    assert issubclass(GradcheckError, RuntimeError)
    assert autograd.gradcheck.GradcheckError is GradcheckError
    with pytest.raises(RuntimeError):
        gradcheck(WrongDouble.apply, (_leaf(2),))


def test_raise_exception_false_returns_false():
    assert gradcheck(WrongDouble.apply, (_leaf(3),), raise_exception=False) is False


def test_no_input_requires_grad():
    with pytest.raises(ValueError, match="gradcheck expects at least one input tensor to require gradient, but none "
                                         "of them have requires_grad=True."):
        gradcheck(lambda t: t * 2, (_leaf(3, requires_grad=False),))


def test_detached_output():
    with pytest.raises(GradcheckError, match="Numerical gradient for function expected to be zero"):
        gradcheck(lambda t: t.detach() * 2, (_leaf(3),))


def test_constant_output_passes():
    assert gradcheck(lambda t: framework.ones(2) + 0 * t.detach(), (_leaf(2),))


def test_tolerances_are_keyword_only():
    with pytest.raises(TypeError):
        gradcheck(lambda t: t * 2, (_leaf(2),), 1e-6)
    assert gradcheck(lambda t: t * 2, (_leaf(2),), eps=1e-4, atol=1e-4, rtol=1e-2)


@pytest.mark.parametrize("fn", [lambda t: (t ** 3).sum(), lambda t: t.tanh(), lambda t: (t * t.exp()).sum()],
                         ids=["cube", "tanh", "t*exp"])
def test_gradgradcheck_passes(fn):
    assert gradgradcheck(fn, (_leaf(3),)) is True


def test_gradgradcheck_with_given_grad_outputs():
    x = _leaf(3)
    v = _leaf(3, requires_grad=False)
    assert gradgradcheck(lambda t: t ** 3, (x,), (v,))


def test_gradgradcheck_detects_non_differentiable_backward():
    class OnceSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @autograd.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x

    assert gradgradcheck(OnceSquare.apply, (_leaf(3),), raise_exception=False) is False
