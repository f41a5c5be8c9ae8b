"""Elementwise functions and activations: gradcheck over shapes (inputs kept away from kinks),
the non-smooth and singular points of the reference, where/maximum/minimum with broadcasting,
and the non-differentiable results (comparisons, isnan, round, floor)."""
import math

import numpy as np
import pytest

import framework

SHAPES = [(), (4,), (2, 3), (2, 1, 3)]

# name -> (function, leaf options keeping the inputs inside the smooth domain)
UNARY = {
    "neg": (lambda x: -x, {}),
    "abs": (lambda x: x.abs(), {"away": 0.2}),
    "exp": (lambda x: x.exp(), {}),
    "log": (lambda x: x.log(), {"low": 0.3, "high": 3.0}),
    "log1p": (lambda x: x.log1p(), {"low": -0.5, "high": 2.0}),
    "expm1": (lambda x: x.expm1(), {}),
    "sqrt": (lambda x: x.sqrt(), {"low": 0.3, "high": 3.0}),
    "rsqrt": (lambda x: x.rsqrt(), {"low": 0.3, "high": 3.0}),
    "sin": (lambda x: x.sin(), {}),
    "cos": (lambda x: x.cos(), {}),
    "tanh": (lambda x: x.tanh(), {}),
    "sigmoid": (lambda x: x.sigmoid(), {}),
    "erf": (lambda x: x.erf(), {}),
    "relu": (lambda x: x.relu(), {"away": 0.2}),
    "leaky_relu": (lambda x: framework.leaky_relu(x, 0.1), {"away": 0.2}),
    "gelu": (lambda x: framework.gelu(x), {}),
    "gelu_tanh": (lambda x: framework.gelu(x, approximate="tanh"), {}),
    "softplus": (lambda x: framework.softplus(x), {}),
    "softplus_beta_threshold": (lambda x: framework.softplus(x * 3, beta=2.0, threshold=2.0), {"away": 0.2}),
    "reciprocal": (lambda x: x.reciprocal(), {"low": 0.5, "high": 2.0}),
    "clamp_both": (lambda x: x.clamp(-0.5, 0.5), {"away": 0.15}),
    "clamp_min": (lambda x: x.clamp(min=-0.5), {"away": 0.15}),
    "clamp_max": (lambda x: x.clamp(max=0.5), {"away": 0.15}),
    "clip": (lambda x: x.clip(-0.5, 0.5), {"away": 0.15}),
    "clamp_function": (lambda x: framework.clamp(x, min=-0.3), {"away": 0.15}),
}


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("shape", SHAPES)
def test_unary_gradcheck(op, name, shape):
    fn, opts = UNARY[name]
    op.grad(fn, op.leaf(*shape, **opts))


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "erf"])
def test_module_level_function_matches_method(op, name):
    x = op.leaf(5, low=0.2, high=2.0)
    by_function = getattr(framework, name)(x)
    assert type(by_function.grad_fn) is type(getattr(x, name)().grad_fn)
    np.testing.assert_array_equal(by_function.detach().numpy(), getattr(x, name)().detach().numpy())


def test_gelu_values_match_math_erf(op):
    x = op.array(7)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x])
    np.testing.assert_allclose(framework.gelu(framework.tensor(x)).numpy(), exact, rtol=1e-12)
    np.testing.assert_allclose(framework.gelu(framework.tensor(x, dtype=framework.float32)).numpy(), exact,
                               rtol=1e-5, atol=1e-6)
    tanh_form = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(framework.gelu(framework.tensor(x), approximate="tanh").numpy(), tanh_form)


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        framework.gelu(framework.ones(2), approximate="fast")


def test_softplus_is_linear_above_threshold_and_stable():
    x = framework.tensor([-100.0, 0.0, 30.0], requires_grad=True)
    y = framework.softplus(x)
    assert y.tolist()[2] == 30.0 and 0.0 <= y.tolist()[0] < 1e-40
    assert y.tolist()[1] == pytest.approx(math.log(2.0))
    y.sum().backward()
    assert x.grad.tolist() == pytest.approx([0.0, 0.5, 1.0])


def _grad_at(fn, values):
    x = framework.tensor(values, requires_grad=True)
    y = fn(x)
    y.sum().backward()
    return y.detach().tolist(), x.grad.tolist()


@pytest.mark.parametrize("fn,values,expected", [
    (lambda x: x.abs(), [-1.0, 0.0, 2.0], [-1.0, 0.0, 1.0]),
    (lambda x: x.relu(), [-1.0, 0.0, 2.0], [0.0, 0.0, 1.0]),
    (lambda x: framework.relu(x), [-1.0, 0.0, 2.0], [0.0, 0.0, 1.0]),
    (lambda x: x.clamp(min=0), [-1.0, 0.0, 2.0], [0.0, 1.0, 1.0]),
    (lambda x: x.clamp(0.0, 1.0), [0.0, 0.5, 1.0, 2.0], [1.0, 1.0, 1.0, 0.0]),
    (lambda x: x.clamp(max=1.0), [0.0, 1.0, 2.0], [1.0, 1.0, 0.0]),
    (lambda x: x.sqrt(), [0.0, 4.0], [math.inf, 0.25]),
    (lambda x: x.log(), [0.0], [math.inf]),
    (lambda x: x.sign(), [-1.5, 0.0, 2.0], [0.0, 0.0, 0.0]),
    (lambda x: x.round(), [-1.5, 0.3, 2.7], [0.0, 0.0, 0.0]),
    (lambda x: x.floor(), [-1.5, 0.3, 2.7], [0.0, 0.0, 0.0]),
    (lambda x: x.ceil(), [-1.5, 0.3, 2.7], [0.0, 0.0, 0.0]),
    (lambda x: x.trunc(), [-1.5, 0.3, 2.7], [0.0, 0.0, 0.0]),
    (lambda x: x.sqrt() * 0, [0.0, 1.0], [math.nan, 0.0]),
], ids=["abs", "relu", "F.relu", "clamp_min0", "clamp01", "clamp_max", "sqrt0", "log0", "sign", "round", "floor",
        "ceil", "trunc", "sqrt_times_0"])
def test_non_smooth_and_singular_gradients(fn, values, expected):
    _, grad = _grad_at(fn, values)
    np.testing.assert_array_equal(grad, expected)


def test_relu_gradient_is_zero_at_zero_and_passes_at_nan():
    x = framework.tensor([float("nan"), 1.0, -1.0, 0.0], requires_grad=True)
    x.relu().sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 0.0, 0.0]  # PyTorch's threshold_backward: only y <= 0 blocks


def test_leaky_relu_uses_slope_at_zero():
    _, grad = _grad_at(lambda x: framework.leaky_relu(x, 0.1), [-1.0, 0.0, 2.0])
    np.testing.assert_allclose(grad, [0.1, 0.1, 1.0], rtol=1e-6)


def test_sqrt_of_negative_is_nan_with_nan_gradient():
    value, grad = _grad_at(lambda x: x.sqrt(), [-1.0])
    assert math.isnan(value[0]) and math.isnan(grad[0])


def test_log_of_zero_is_minus_inf():
    value, _ = _grad_at(lambda x: x.log(), [0.0])
    assert value == [-math.inf]


def test_tanh_and_sigmoid_values_and_gradients():
    _, grad = _grad_at(lambda x: x.tanh(), [0.0, 1.0])
    np.testing.assert_allclose(grad, [1.0, 0.419974], rtol=1e-5)
    _, grad = _grad_at(lambda x: x.sigmoid(), [0.0, 1.0])
    np.testing.assert_allclose(grad, [0.25, 0.196612], rtol=1e-5)


def test_sigmoid_is_stable_for_large_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = framework.tensor([-1000.0, 1000.0]).sigmoid()
    assert y.tolist() == [0.0, 1.0]


@pytest.mark.parametrize("branch,expected", [
    (lambda x: x.sqrt(), [math.nan, 0.5]),
    (lambda x: x.log(), [math.nan, 1.0]),
    (lambda x: 1 / x, [math.nan, -1.0]),
])
def test_where_propagates_nan_from_the_masked_branch(branch, expected):
    _, grad = _grad_at(lambda x: framework.where(x > 0, branch(x), 0.0), [0.0, 1.0])
    np.testing.assert_array_equal(grad, expected)


PAIRS = [((4,), (4,)), ((3, 1), (1, 4)), ((2, 1, 3), (4, 1)), ((5, 3), (3,)), ((2, 3), ())]


@pytest.mark.parametrize("sa,sb", PAIRS)
def test_where_gradcheck_with_broadcasting(op, sa, sb):
    a, b = op.leaf(*sa), op.leaf(*sb)
    cond = framework.tensor(op.array(*np.broadcast_shapes(sa, sb)) > 0)
    op.grad(lambda x, y: framework.where(cond, x, y), a, b)
    op.grad(lambda x: framework.where(cond, x, 2.0), a)
    op.grad(lambda y: framework.where(cond, -1.0, y), b)
    op.grad(lambda x, y: x.where(cond, y), a, b)


@pytest.mark.parametrize("fn", [framework.maximum, framework.minimum])
@pytest.mark.parametrize("sa,sb", PAIRS)
def test_maximum_minimum_gradcheck_with_broadcasting(op, fn, sa, sb):
    # disjoint value ranges shifted per element keep the pair away from ties
    a = op.leaf(*sa)
    b = framework.tensor(op.array(*sb) * 0.1 + 0.05, requires_grad=True)
    op.grad(fn, a, b)


def test_maximum_ties_split_the_gradient():
    a = framework.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = framework.tensor([1.0, 1.0, 4.0], requires_grad=True)
    framework.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 1.0, 0.0] and b.grad.tolist() == [0.5, 0.0, 1.0]
    a.grad = None
    b.grad = None
    framework.minimum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0, 1.0] and b.grad.tolist() == [0.5, 1.0, 0.0]


def test_clamp_with_tensor_bounds_gradcheck(op):
    x = op.leaf(2, 3, away=0.2)
    lo = framework.tensor(op.array(2, 3) * 0.05 - 0.5, requires_grad=True)
    hi = framework.tensor(op.array(3) * 0.05 + 0.5, requires_grad=True)
    op.grad(lambda v, a, b: v.clamp(min=a, max=b), x, lo, hi)


def test_clamp_requires_a_bound():
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        framework.ones(2).clamp()


@pytest.mark.parametrize("expr,name", [
    (lambda x: x.exp(), "ExpBackward0"), (lambda x: x.log(), "LogBackward0"), (lambda x: x.tanh(), "TanhBackward0"),
    (lambda x: x.sigmoid(), "SigmoidBackward0"), (lambda x: x.sin(), "SinBackward0"),
    (lambda x: x.cos(), "CosBackward0"), (lambda x: x.sqrt(), "SqrtBackward0"), (lambda x: x.abs(), "AbsBackward0"),
    (lambda x: x.relu(), "ReluBackward0"), (lambda x: framework.relu(x), "ReluBackward0"),
    (lambda x: framework.where(x > 0, x, x * 2), "WhereBackward0"), (lambda x: x.clamp(0, 1), "ClampBackward1"),
    (lambda x: x.clamp(min=0), "ClampBackward1"), (lambda x: x.clamp(max=1), "ClampBackward1"),
    (lambda x: x.round(), "RoundBackward0"), (lambda x: x.round(decimals=1), "RoundBackward1"),
    (lambda x: x.sign(), "SignBackward0"), (lambda x: x.floor(), "FloorBackward0"), (lambda x: x % 0.3,
                                                                                   "RemainderBackward0"),
    (lambda x: framework.maximum(x, x * 2), "MaximumBackward0"),
])
def test_grad_fn_names(expr, name):
    x = framework.rand(3, requires_grad=True)
    assert type(expr(x).grad_fn).__name__ == name


def test_saved_result_is_the_output():
    x = framework.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    assert y.grad_fn._saved_result.tolist() == y.tolist()


@pytest.mark.parametrize("expr", [
    lambda x: x == 1, lambda x: x != 1, lambda x: x < 1, lambda x: x <= 1, lambda x: x > 1, lambda x: x >= 1,
    lambda x: x.eq(x), lambda x: x.isnan(), lambda x: x.isfinite(), lambda x: framework.isinf(x),
    lambda x: x.argmax(), lambda x: x.argmin(dim=0),
])
def test_comparisons_and_predicates_are_not_differentiable(expr):
    x = framework.tensor([1.0, 2.0, math.nan], requires_grad=True)
    out = expr(x)
    assert not out.requires_grad and out.grad_fn is None
    assert out.dtype in (framework.bool, framework.int64)


def test_isnan_isfinite_values():
    x = framework.tensor([1.0, math.nan, math.inf])
    assert x.isnan().tolist() == [False, True, False]
    assert x.isfinite().tolist() == [True, False, False]


@pytest.mark.parametrize("name", ["round", "floor", "sign"])
def test_round_floor_sign_require_grad_with_zero_gradient(name):
    x = framework.tensor([0.4, 1.6, -2.5], requires_grad=True)
    y = getattr(x, name)()
    assert y.requires_grad
    (y * 3).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_round_is_half_to_even():
    assert framework.tensor([0.5, 1.5, 2.5, -0.5]).round().tolist() == [0.0, 2.0, 2.0, -0.0]


@pytest.mark.parametrize("name", ["exp", "sqrt", "log", "sigmoid", "tanh", "sin"])
def test_float_functions_of_integers_give_the_default_float_dtype(name):
    out = getattr(framework.tensor([1, 2]), name)()
    assert out.dtype == framework.float32


def test_float64_inputs_stay_float64(op):
    x = op.leaf(3)
    for fn, _ in UNARY.values():
        assert fn(x).dtype == framework.float64


def test_float32_inputs_stay_float32():
    x = framework.rand(3, requires_grad=True)
    for name, (fn, _) in UNARY.items():
        out = fn(x)
        assert out.dtype == framework.float32, name
        out.sum().backward()
        assert x.grad.dtype == framework.float32, name


def test_where_condition_must_be_bool():
    with pytest.raises(RuntimeError, match="where expected condition to be a boolean tensor, but got a tensor with "
                                           "dtype Long"):
        framework.where(framework.tensor([1, 0]), framework.ones(2), framework.zeros(2))


def test_where_with_python_scalars_only():
    cond = framework.tensor([True, False])
    assert framework.where(cond, 1.0, 2.0).dtype == framework.float32
    assert framework.where(cond, 1, 2).tolist() == [1, 2]


def test_maximum_minimum_pass_the_gradient_past_nan():
    a = framework.tensor([1.0, 2.0], requires_grad=True)
    b = framework.tensor([math.nan, 0.0], requires_grad=True)
    framework.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0] and b.grad.tolist() == [1.0, 0.0]


@pytest.mark.parametrize("sa,sb", [((2, 3), (2, 3)), ((2, 3), (3,))])
def test_remainder_gradcheck(op, sa, sb):
    a = op.leaf(*sa, low=0.1, high=3.0)
    b = framework.tensor(np.full(sb, 0.7) + op.array(*sb) * 0.01, requires_grad=True)
    # keep a / b away from integers, where the remainder jumps
    a = framework.tensor(np.floor(a.detach().numpy() / 0.7) * 0.7 + 0.3, requires_grad=True)
    op.grad(lambda x, y: x % y, a, b)
    op.grad(lambda x: framework.remainder(x, 0.7), a)


def test_remainder_values_follow_the_divisor_sign():
    assert framework.tensor([-1, 5]).remainder(3).tolist() == [2, 2]
    np.testing.assert_allclose((framework.tensor([1.0, -2.0]) % 0.75).numpy(), [0.25, 0.25], rtol=1e-6)
    assert not (framework.tensor([1, 2]) % 2).requires_grad
