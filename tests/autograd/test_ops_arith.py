"""+ - * / ** @: gradients (float64 gradcheck) over shapes, 0-d tensors, broadcasting pairs and
Python scalars on either side; grad_fn names, dtypes and errors as PyTorch."""
import operator

import numpy as np
import pytest

import framework

BROADCAST_PAIRS = [((3,), (3,)), ((3, 1), (1, 4)), ((2, 1, 3), (4, 1)), ((5, 3), (3,)), ((2, 3), ()), ((), ()),
                   ((), (2, 2))]
BINARY = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("sa,sb", BROADCAST_PAIRS)
def test_binary_tensor_tensor_gradcheck(op, name, sa, sb):
    a = op.leaf(*sa)
    b = op.leaf(*sb, low=0.5, high=2.0) if name == "div" else op.leaf(*sb)
    op.grad(BINARY[name], a, b)


@pytest.mark.parametrize("name,scalar", [(name, s) for name in BINARY for s in (2.5, -3)] + [
    ("add", True), ("mul", True), ("div", True)])
def test_binary_scalar_on_either_side_gradcheck(op, name, scalar):
    fn = BINARY[name]
    a = op.leaf(2, 3, low=0.5, high=2.0)
    op.grad(lambda x: fn(x, scalar), a)
    op.grad(lambda x: fn(scalar, x), a)


def test_binary_gradient_to_one_side_only(op):
    a = op.leaf(2, 3)
    c = framework.tensor(op.array(2, 3))
    op.grad(lambda x: x * c - c / (x * x + 1), a)
    op.grad(lambda x: c - x, a)


@pytest.mark.parametrize("shape", [(), (4,), (2, 3)])
@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1.5, 1.0, 0, -2])
def test_pow_scalar_exponent_gradcheck(op, shape, exponent):
    a = op.leaf(*shape, low=0.5, high=2.0)
    op.grad(lambda x: x ** exponent, a)


@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((3, 1), (1, 2)), ((2, 3), ()), ((), (3,))])
def test_pow_tensor_exponent_gradcheck(op, sa, sb):
    base = op.leaf(*sa, low=0.5, high=2.0)
    exponent = op.leaf(*sb)
    op.grad(lambda x, y: x ** y, base, exponent)


@pytest.mark.parametrize("base", [2.0, 0.5, 3])
def test_rpow_scalar_base_gradcheck(op, base):
    op.grad(lambda x: base ** x, op.leaf(2, 3))


def test_pow_on_integer_base_with_float_tensor_exponent(op):
    base = framework.tensor([1.0, 2.0, 3.0], dtype=framework.float64)
    op.grad(lambda e: base ** e, op.leaf(3))


@pytest.mark.parametrize("exponent,expected", [(2, 0.0), (0, 0.0), (0.5, np.inf), (1.0, 1.0)])
def test_pow_gradient_at_zero(exponent, expected):
    x = framework.tensor([0.0], requires_grad=True)
    (x ** exponent).sum().backward()
    assert x.grad.tolist() == [expected]


def test_pow_tensor_exponent_gradient_at_zero_base_is_zero_not_nan():
    base = framework.tensor([0.0, 2.0], requires_grad=True)
    e = framework.tensor([2.0, 3.0], requires_grad=True)
    (base ** e).sum().backward()
    assert e.grad[0].item() == 0.0
    assert e.grad[1].item() == pytest.approx(8 * np.log(2.0), rel=1e-6)
    assert base.grad.tolist() == [0.0, 12.0]


def test_integer_to_negative_integer_power_raises():
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        framework.tensor([1, 2]) ** -1


@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((2, 3), (3, 4)), ((2, 3), (3,)), ((3,), (3, 2)),
                                   ((2, 2, 3), (3, 4)), ((3,), (2, 3, 2)), ((2, 2, 3), (3,)),
                                   ((2, 1, 2, 3), (3, 3, 2)), ((1, 2, 3), (4, 3, 2))])
def test_matmul_gradcheck(op, sa, sb):
    op.grad(lambda a, b: a @ b, op.leaf(*sa), op.leaf(*sb))


def test_matmul_function_forms_gradcheck(op):
    a, b, c = op.leaf(2, 3), op.leaf(3, 4), op.leaf(2, 2, 3)
    op.grad(lambda x, y: framework.mm(x, y), a, b)
    op.grad(lambda x, y: framework.matmul(x, y), c, b)
    op.grad(lambda x: framework.bmm(x, x.mT), c)


def test_matmul_values_match_numpy(op):
    a, b = op.array(2, 1, 2, 3), op.array(3, 3, 2)
    out = framework.tensor(a) @ framework.tensor(b)
    np.testing.assert_allclose(out.numpy(), a @ b)
    assert tuple(out.shape) == (2, 3, 2, 2)


@pytest.mark.parametrize("expr,name", [
    (lambda a, b: a + b, "AddBackward0"), (lambda a, b: a + 1, "AddBackward0"), (lambda a, b: a - b, "SubBackward0"),
    (lambda a, b: 1 - a, "RsubBackward1"), (lambda a, b: a * b, "MulBackward0"), (lambda a, b: a * 2, "MulBackward0"),
    (lambda a, b: a / b, "DivBackward0"), (lambda a, b: a / 2, "DivBackward0"), (lambda a, b: 1 / a, "MulBackward0"),
    (lambda a, b: -a, "NegBackward0"), (lambda a, b: a ** 2, "PowBackward0"), (lambda a, b: a.square(), "PowBackward0"),
    (lambda a, b: a ** b, "PowBackward1"), (lambda a, b: 2 ** a, "PowBackward2"),
    (lambda a, b: a @ b.T, "MmBackward0"), (lambda a, b: framework.mm(a, b.T), "MmBackward0"),
    (lambda a, b: a[0] @ b[0], "DotBackward0"),
])
def test_grad_fn_names(expr, name):
    a = framework.rand(2, 3, requires_grad=True)
    b = framework.rand(2, 3, requires_grad=True)
    assert type(expr(a, b).grad_fn).__name__ == name


def test_next_functions_for_scalar_operand_and_same_leaf():
    x = framework.tensor([1.0, 2.0], requires_grad=True)
    (acc, nr), (none, zero) = (x * 2).grad_fn.next_functions
    assert type(acc).__name__ == "AccumulateGrad" and acc.variable is x and nr == 0
    assert none is None and zero == 0
    first, second = (x + x).grad_fn.next_functions
    assert first[0] is second[0]


def test_node_is_callable_and_exposes_saved_values():
    x = framework.tensor([1.0, 2.0, 3.0], requires_grad=True)
    ga, gb = (x * 3).grad_fn(framework.ones(3))
    assert ga.tolist() == [3.0, 3.0, 3.0] and gb is None
    node = (x ** 3).grad_fn
    assert node._saved_exponent == 3
    assert node._saved_self.tolist() == x.tolist()


@pytest.mark.parametrize("expr", [lambda x: x * 2.5, lambda x: x + 1, lambda x: x / 3, lambda x: x ** 2.0,
                                  lambda x: 2.0 ** x, lambda x: x * 3.14159265358979, lambda x: x * np.float64(2.0),
                                  lambda x: 1 - x, lambda x: 1 / x, lambda x: x * framework.tensor(2.0).double()])
def test_python_and_0d_scalars_never_upcast_float32(expr):
    x = framework.tensor([1.0, 2.0], requires_grad=True)
    out = expr(x)
    assert out.dtype == framework.float32
    out.sum().backward()
    assert x.grad.dtype == framework.float32


def test_mixed_precision_gradients_keep_each_leaf_dtype():
    a = framework.tensor([1.0, 2.0], requires_grad=True)
    b = framework.tensor([3.0, 4.0], dtype=framework.float64, requires_grad=True)
    out = a * b
    assert out.dtype == framework.float64
    out.sum().backward()
    assert a.grad.dtype == framework.float32 and b.grad.dtype == framework.float64
    assert a.grad.tolist() == [3.0, 4.0] and b.grad.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("make,expected", [
    (lambda i: i * 2, framework.int64), (lambda i: i * 2.5, framework.float32), (lambda i: i / 2, framework.float32),
    (lambda i: i // 2, framework.int64), (lambda i: i + True, framework.int64),
    (lambda i: i * framework.tensor(2.0, dtype=framework.float64), framework.float64),
    (lambda i: i * framework.tensor(2.0), framework.float32),
    (lambda i: framework.tensor([1.0, 2.0]) + i, framework.float32),
])
def test_integer_arithmetic_dtypes(make, expected):
    assert make(framework.tensor([1, 2])).dtype == expected


def test_integer_true_division_values():
    assert (framework.tensor([1, 2]) / 2).tolist() == [0.5, 1.0]


def test_matmul_dtype_mismatch_error():
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: float != double"):
        framework.ones(2, 2) @ framework.ones(2, 2, dtype=framework.float64)


def test_matmul_shape_errors():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)"):
        framework.ones(2, 3) @ framework.ones(2, 3)
    with pytest.raises(RuntimeError, match="both arguments to matmul need to be at least 1D"):
        framework.ones(()) @ framework.ones(2)
    with pytest.raises(RuntimeError, match="inconsistent tensor size"):
        framework.ones(2) @ framework.ones(3)


@pytest.mark.parametrize("expr", [lambda t: t - t, lambda t: t - True, lambda t: t.sub(t)])
def test_subtracting_two_bools_errors(expr):
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool tensors is not supported. "
                                           "Use the `\\^` or `logical_xor\\(\\)` operator instead."):
        expr(framework.tensor([True, False]))


@pytest.mark.parametrize("expr", [lambda t: t - 1, lambda t: 1 - t, lambda t: t - 1.5,
                                  lambda t: t - framework.tensor([1, 2]), lambda t: framework.ones(2) - t,
                                  lambda t: framework.tensor([1, 2]) - True])
def test_subtraction_with_one_bool_errors(expr):
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool tensor is not supported. "
                                           "If you are trying to invert a mask"):
        expr(framework.tensor([True, False]))


def test_negating_a_bool_tensor_errors():
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor is not supported"):
        -framework.tensor([True, False])


def test_alpha_argument_of_add_and_sub(op):
    a, b = op.leaf(3), op.leaf(3)
    np.testing.assert_allclose(a.add(b, alpha=2).detach().numpy(), a.detach().numpy() + 2 * b.detach().numpy())
    op.grad(lambda x, y: x.sub(y, alpha=3), a, b)


def test_broadcast_gradients_sum_back_to_input_shape():
    a = framework.ones(3, 1, requires_grad=True)
    b = framework.ones(1, 4, requires_grad=True)
    (a + b).sum().backward()
    assert a.grad.shape == (3, 1) and a.grad.tolist() == [[4.0]] * 3
    assert b.grad.shape == (1, 4) and b.grad.tolist() == [[3.0] * 4]
    a = framework.arange(15.0).reshape(5, 3).requires_grad_()
    b = framework.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.tolist() == [[1.0, 2.0, 3.0]] * 5
    assert b.grad.tolist() == [30.0, 35.0, 40.0]
    a = framework.ones(2, 3, requires_grad=True)
    s = framework.tensor(2.0, requires_grad=True)
    (a * s).sum().backward()
    assert s.grad.shape == () and s.grad.item() == 6.0
    a = framework.ones(2, 1, 3, requires_grad=True)
    b = framework.ones(4, 1, requires_grad=True)
    out = a * b
    out.sum().backward()
    assert out.shape == (2, 4, 3) and a.grad.tolist() == [[[4.0] * 3]] * 2 and b.grad.tolist() == [[6.0]] * 4


@pytest.mark.parametrize("mode,expected", [("floor", [-3.0, 2.0]), ("trunc", [-2.0, 2.0])])
def test_division_with_rounding_has_zero_gradient(mode, expected):
    x = framework.tensor([-7.0, 7.0], requires_grad=True)
    y = x.div(3, rounding_mode=mode)
    assert y.tolist() == expected and type(y.grad_fn).__name__ == "DivBackward2"
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("mode,expected", [("floor", [-3, 2, -2, -1]), ("trunc", [-2, 2, -2, 0])])
def test_integer_division_with_rounding(mode, expected):
    out = framework.tensor([-7, 7, -6, -1]).div(3, rounding_mode=mode)
    assert out.tolist() == expected and out.dtype == framework.int64


def test_division_rounding_mode_is_checked():
    with pytest.raises(RuntimeError, match="div expected rounding_mode to be one of None, 'trunc', or 'floor'"):
        framework.ones(2).div(2, rounding_mode="round")


def test_pow_gradients_at_zero_base_match_pytorch():
    x = framework.tensor([0.0, 0.0], requires_grad=True)
    (x ** framework.tensor([0.0, 2.0])).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    e = framework.tensor([0.0, 2.0], requires_grad=True)
    (0.0 ** e).sum().backward()
    assert e.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("expr", [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
                                  lambda a, b: a ** b, lambda a, b: a % b, lambda a, b: a == b,
                                  lambda a, b: framework.maximum(a, b), lambda a, b: framework.where(a > 0, a, b)])
def test_shapes_that_do_not_broadcast_raise_runtime_error(expr):
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of tensor b \(2\) at "
                                           r"non-singleton dimension 1"):
        expr(framework.ones(2, 3), framework.ones(2))


MODIFIED = "one of the variables needed for gradient computation has been modified by an inplace operation"


def test_product_saves_an_operand_only_when_the_other_needs_a_gradient():
    x = framework.tensor([1.0, 2.0], requires_grad=True)
    c = framework.tensor([3.0, 4.0])
    a = x + 1
    y = a * c
    a.mul_(2)  # `a` is not needed: c does not require grad
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 4.0]
    y = (x + 1) * c
    c.mul_(2)  # `c` is needed for the gradient of x
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.sum().backward()
    assert (x * 2).grad_fn._saved_other == 2


def test_quotient_saves_the_divisor_and_the_dividend_only_when_needed():
    x = framework.tensor([1.0, 2.0], requires_grad=True)
    c = framework.tensor([3.0, 4.0])
    a = x + 1
    y = a / c
    a.mul_(2)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1 / 3, 1 / 4])
    a = x + 1
    y = c / a
    with framework.no_grad():
        a.mul_(2)
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.sum().backward()


def test_matmul_saves_only_what_the_gradients_need():
    w = framework.ones(2, 2, requires_grad=True)
    inputs = framework.ones(3, 2)
    y = inputs @ w
    with framework.no_grad():
        w.mul_(2)  # w itself is not needed for w's gradient
    y.sum().backward()
    assert w.grad.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    y = inputs @ w
    inputs.mul_(2)
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.sum().backward()
