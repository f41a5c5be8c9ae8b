"""Elementwise functions and activations, each forward beside its backward."""
import math

import numpy as np

from .. import dtypes as _dt
from ..node import OUTPUT, Node
from ..tensor import SAVE_OUTPUT, Tensor, make, record
from ._util import (broadcast_error, broadcast_shape_error, cos, exp as dual_exp, fix_dtype, operand, sigmoid, sign,
                    sin, stable_sigmoid, sum_to, tanh as dual_tanh, where as dual_where)


def _floatify(a):
    d = a._data
    return d if d.dtype.kind == "f" else d.astype(_dt.default_np())


class ExpBackward0(Node):
    __slots__ = ()
    saved_names = ("result",)

    def backward(self, g, y):
        return (g * y,)


def exp(a):
    """e ** a. (An overflow to inf warns as numpy does: an errstate guard would triple the cost.)"""
    return record(np.exp(_floatify(a)), ExpBackward0, (a,), SAVE_OUTPUT)


class LogBackward0(Node):
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g, a):
        with np.errstate(divide="ignore", invalid="ignore"):
            return (g / a,)


def log(a):
    """Natural logarithm (log(0) = -inf, log(-1) = nan, as PyTorch)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return record(np.log(_floatify(a)), LogBackward0, (a,), (a,))


class Log1PBackward0(Node):
    __slots__ = ()

    def backward(self, g, a):
        with np.errstate(divide="ignore", invalid="ignore"):
            return (g / (a + 1),)


def log1p(a):
    """log(1 + a), accurate for small a."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return record(np.log1p(_floatify(a)), Log1PBackward0, (a,), (a,))


class Expm1Backward0(Node):
    __slots__ = ()

    def backward(self, g, y):
        return (g * (y + 1),)


def expm1(a):
    """exp(a) - 1, accurate for small a."""
    with np.errstate(over="ignore"):
        return record(np.expm1(_floatify(a)), Expm1Backward0, (a,), SAVE_OUTPUT)


class SqrtBackward0(Node):
    __slots__ = ()
    saved_names = ("result",)

    def backward(self, g, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return (g / (2 * y),)


def sqrt(a):
    """Square root (sqrt'(0) = inf)."""
    with np.errstate(invalid="ignore"):
        return record(np.sqrt(_floatify(a)), SqrtBackward0, (a,), SAVE_OUTPUT)


class RsqrtBackward0(Node):
    __slots__ = ()

    def backward(self, g, y):
        return (-0.5 * g * y * y * y,)


def rsqrt(a):
    """1 / sqrt(a)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return record(1 / np.sqrt(_floatify(a)), RsqrtBackward0, (a,), SAVE_OUTPUT)


class SinBackward0(Node):
    __slots__ = ()

    def backward(self, g, a):
        return (g * cos(a),)


def sin_(a):
    return record(np.sin(_floatify(a)), SinBackward0, (a,), (a,))


class CosBackward0(Node):
    __slots__ = ()

    def backward(self, g, a):
        return (-g * sin(a),)


def cos_(a):
    return record(np.cos(_floatify(a)), CosBackward0, (a,), (a,))


class TanhBackward0(Node):
    __slots__ = ()
    saved_names = ("result",)

    def backward(self, g, y):
        return (g * (1 - y * y),)


def tanh(a):
    """Hyperbolic tangent."""
    return record(np.tanh(_floatify(a)), TanhBackward0, (a,), SAVE_OUTPUT)


class SigmoidBackward0(Node):
    __slots__ = ()
    saved_names = ("result",)

    def backward(self, g, y):
        return (g * y * (1 - y),)


def sigmoid_(a):
    return record(stable_sigmoid(_floatify(a)), SigmoidBackward0, (a,), SAVE_OUTPUT)


class ReluBackward0(Node):
    __slots__ = ()
    saved_names = ("result",)

    def backward(self, g, y):
        return (g * ~(y <= 0),)  # not y > 0: a NaN passes its gradient on, as in PyTorch


def relu(a):
    """max(a, 0); relu'(0) = 0."""
    d = a._data
    return record(np.maximum(d, 0, dtype=d.dtype), ReluBackward0, (a,), SAVE_OUTPUT)


class LeakyReluBackward0(Node):
    __slots__ = ()

    def backward(self, g, a, slope):
        return (dual_where(a > 0, g, g * slope),)


def leaky_relu(a, negative_slope=0.01):
    """a where a > 0, else negative_slope * a (the slope also at 0)."""
    d = a._data
    return record(np.where(d > 0, d, d * np.asarray(negative_slope, d.dtype)), LeakyReluBackward0, (a,),
                  (a, negative_slope))


_SQRT_HALF = 1 / math.sqrt(2.0)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_GELU_K = math.sqrt(2 / math.pi)


def _erf_approx(x):
    """Error function (Abramowitz-Stegun 7.1.26; |error| < 1.5e-7): enough for float32, vectorised."""
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return s * (1.0 - poly * np.exp(-a * a))


_erf_exact = np.vectorize(math.erf, otypes=[np.float64])


def erf_array(x):
    """erf of a numpy array in its own dtype (float64 exactly, so gradcheck sees the true function)."""
    out = _erf_exact(x) if x.dtype == np.float64 else _erf_approx(x)
    return np.asarray(out, dtype=x.dtype)


class ErfBackward0(Node):
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g, a):
        return (g * _TWO_OVER_SQRT_PI * dual_exp(-(a * a)),)


def erf(a):
    """The error function. Example: ``framework.erf(x)``."""
    return record(erf_array(_floatify(a)), ErfBackward0, (a,), (a,))


def _erf_dual(x):
    return erf(x) if isinstance(x, Tensor) else erf_array(x)


class GeluBackward0(Node):
    """Written with dual helpers, so second derivatives (create_graph=True) work too."""
    __slots__ = ()
    saved_names = ("self", "approximate")

    def backward(self, g, a, approximate):
        if approximate == "tanh":
            t = dual_tanh(_GELU_K * (a + 0.044715 * a * a * a))
            d_inner = _GELU_K * (1 + 3 * 0.044715 * a * a)
            return (g * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * d_inner),)
        cdf = 0.5 * (1 + _erf_dual(a * _SQRT_HALF))
        pdf = dual_exp(-0.5 * a * a) * _INV_SQRT_2PI
        return (g * (cdf + a * pdf),)


def gelu(a, approximate="none"):
    """Gaussian error linear unit: a * Phi(a) (or its tanh approximation)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got {approximate}")
    d = _floatify(a)
    if approximate == "tanh":
        out = 0.5 * d * (1 + np.tanh(_GELU_K * (d + 0.044715 * d * d * d)))
    else:
        out = 0.5 * d * (1 + erf_array(d * d.dtype.type(_SQRT_HALF)))
    return record(out.astype(d.dtype, copy=False), GeluBackward0, (a,), (a, approximate))


class SoftplusBackward0(Node):
    __slots__ = ()

    def backward(self, g, a, beta, threshold):
        z = a * beta
        return (dual_where(z > threshold, g, g * sigmoid(z)),)


def softplus(a, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * a)) / beta, linear above ``threshold``."""
    d = _floatify(a)
    z = d * beta
    with np.errstate(over="ignore"):
        soft = (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))) / beta
    out = np.where(z > threshold, d, soft).astype(d.dtype, copy=False)
    return record(out, SoftplusBackward0, (a,), (a, beta, threshold))


class AbsBackward0(Node):
    __slots__ = ()

    def backward(self, g, a):
        return (g * sign(a),)


def abs(a):  # noqa: A001
    """|a|; abs'(0) = 0."""
    return record(np.abs(a._data), AbsBackward0, (a,), (a,))


class SignBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        return (g * 0,)


def _zero_grad_op(np_fn, cls):
    def op(a):
        return record(np_fn(a._data), cls, (a,))
    return op


sign_ = _zero_grad_op(np.sign, SignBackward0)


class RoundBackward0(SignBackward0):
    __slots__ = ()


class FloorBackward0(SignBackward0):
    __slots__ = ()


class CeilBackward0(SignBackward0):
    __slots__ = ()


class TruncBackward0(SignBackward0):
    __slots__ = ()


floor = _zero_grad_op(np.floor, FloorBackward0)
ceil = _zero_grad_op(np.ceil, CeilBackward0)
trunc = _zero_grad_op(np.trunc, TruncBackward0)


class RoundBackward1(SignBackward0):
    __slots__ = ()


def round(a, decimals=0):  # noqa: A001
    """Round half to even, as PyTorch (``decimals`` digits after the point)."""
    return record(np.round(a._data, decimals), RoundBackward0 if decimals == 0 else RoundBackward1, (a,))


def frac(a):
    return a - trunc(a)


class ClampBackward1(Node):
    __slots__ = ()

    def backward(self, g, a, lo, hi):
        inside = None
        if lo is not None:
            inside = a >= lo
        if hi is not None:
            inside = (a <= hi) if inside is None else inside & (a <= hi)
        return (g * inside,)


def clamp(a, min=None, max=None):  # noqa: A002
    """Limit values to [min, max]; the boundaries count as inside for the gradient."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = a
        if min is not None:
            out = maximum(out, min if isinstance(min, Tensor) else Tensor(np.asarray(min, a._data.dtype)))
        if max is not None:
            out = minimum(out, max if isinstance(max, Tensor) else Tensor(np.asarray(max, a._data.dtype)))
        return out
    d = a._data
    out = np.clip(d, min, max)
    out = fix_dtype(out, d, None, min if min is not None else max)
    return record(out, ClampBackward1, (a,), (a, min, max))


class MaximumBackward0(Node):
    """Ties split the gradient 0.5/0.5; a side that does not lose gets all of it (so NaN passes it on)."""
    __slots__ = ()
    _loses = staticmethod(lambda x, y: x < y)  # x loses to y: it gets no gradient

    def backward(self, g, a, b):
        sa, sb = self._args
        loses = self._loses
        tie = a == b
        half = g * 0.5
        zero = g * 0
        ga = gb = None
        if self._next[0] is not None:
            ga = sum_to(dual_where(tie, half, dual_where(loses(a, b), zero, g)), sa)
        if self._next[1] is not None:
            gb = sum_to(dual_where(tie, half, dual_where(loses(b, a), zero, g)), sb)
        return ga, gb


class MinimumBackward0(MaximumBackward0):
    __slots__ = ()
    _loses = staticmethod(lambda x, y: x > y)


def _binary_tensor(a, b):
    bt, bd = operand(b)
    if bt is None:
        bt = Tensor(np.asarray(bd, dtype=a._data.dtype))
        bd = bt._data
    return bt, bd


def maximum(a, b):
    """Elementwise max; ties split the gradient 0.5/0.5."""
    bt, bd = _binary_tensor(a, b)
    try:
        out = fix_dtype(np.maximum(a._data, bd), a._data, bt, bd)
    except ValueError:
        raise broadcast_error(a._data, bd) from None
    return record(out, MaximumBackward0, (a, bt), (a, bt), (a._data.shape, bd.shape))


def minimum(a, b):
    """Elementwise min; ties split the gradient 0.5/0.5."""
    bt, bd = _binary_tensor(a, b)
    try:
        out = fix_dtype(np.minimum(a._data, bd), a._data, bt, bd)
    except ValueError:
        raise broadcast_error(a._data, bd) from None
    return record(out, MinimumBackward0, (a, bt), (a, bt), (a._data.shape, bd.shape))


class WhereBackward0(Node):
    __slots__ = ()

    def backward(self, g, cond):
        sa, sb = self._args
        ga = None if self._next[0] is None else sum_to(dual_where(cond, g, g * 0), sa)
        gb = None if self._next[1] is None else sum_to(dual_where(cond, g * 0, g), sb)
        return ga, gb


def where(condition, input=None, other=None):  # noqa: A002
    """Pick ``input`` where ``condition`` else ``other``; both branches still receive gradient
    (so a NaN gradient in the unused branch propagates, as in PyTorch)."""
    if input is None and other is None:
        return tuple(make(i) for i in np.nonzero(_cond_array(condition)))
    c = _cond_array(condition)
    at, ad = operand(input)
    bt, bd = operand(other)
    if at is None and bt is None:
        dt = _dt.default_np() if isinstance(ad, float) or isinstance(bd, float) else np.dtype(np.int64)
        return make(np.where(c, ad, bd).astype(dt))
    if at is None:
        ad = np.asarray(ad, dtype=_dt.promote_scalar(bd, ad))
    if bt is None:
        bd = np.asarray(bd, dtype=_dt.promote_scalar(ad, bd))
    try:
        out = np.where(c, ad, bd)
    except ValueError:
        try:
            values = np.broadcast_shapes(np.shape(ad), np.shape(bd))
        except ValueError:
            raise broadcast_error(ad, bd) from None
        raise broadcast_shape_error(np.shape(c), values) from None
    want = _dt.promote(ad, bd)
    if out.dtype != want:
        out = out.astype(want)
    return record(out, WhereBackward0, (at, bt), (c,),
                  (None if at is None else ad.shape, None if bt is None else bd.shape))


def _cond_array(condition):
    c = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if c.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{_dt.from_numpy_dtype(c.dtype)._legacy[:-6]}")
    return c


# ------------------------------------------------------------------ non-differentiable results
def _compare(np_fn):
    def op(a, b):
        _, bd = operand(b)
        try:
            return make(np_fn(a._data, bd))
        except ValueError:
            raise broadcast_error(a._data, bd) from None
    return op


eq = _compare(np.equal)
ne = _compare(np.not_equal)
lt = _compare(np.less)
le = _compare(np.less_equal)
gt = _compare(np.greater)
ge = _compare(np.greater_equal)


def isnan(a):
    return make(np.isnan(a._data))


def isfinite(a):
    return make(np.isfinite(a._data))


def isinf(a):
    return make(np.isinf(a._data))


def logical_not(a):
    return make(np.logical_not(a._data))


def logical_and(a, b):
    return make(np.logical_and(a._data, operand(b)[1]))


def logical_or(a, b):
    return make(np.logical_or(a._data, operand(b)[1]))


def logical_xor(a, b):
    return make(np.logical_xor(a._data, operand(b)[1]))


def _bitwise(np_fn):
    def op(a, b):
        bt, bd = operand(b)
        return make(fix_dtype(np_fn(a._data, bd), a._data, bt, bd))
    return op


bitwise_and = _bitwise(np.bitwise_and)
bitwise_or = _bitwise(np.bitwise_or)
bitwise_xor = _bitwise(np.bitwise_xor)


def invert(a):
    d = a._data
    if d.dtype.kind == "f":
        raise TypeError("bitwise_not is only supported for integer and boolean tensors")
    return make(np.invert(d))


def floor_divide(a, b):
    bt, bd = operand(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return make(fix_dtype(np.floor_divide(a._data, bd), a._data, bt, bd))


class RemainderBackward0(Node):
    """a % b = a - floor(a / b) * b: gradient 1 for a and -floor(a / b) for b."""
    __slots__ = ()
    saved_names = ("self", "other")

    def backward(self, g, a, b):
        sa, sb = self._args
        ga = None if self._next[0] is None else sum_to(g, sa)
        gb = None
        if self._next[1] is not None:
            quotient = (a / b).floor() if isinstance(a, Tensor) else np.floor(a / b)
            gb = sum_to(-g * quotient, sb)
        return ga, gb


def remainder(a, b):
    """Python-style modulus (the sign of the divisor). Example: ``x % 3``."""
    bt, bd = operand(b)
    ad = a._data
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = fix_dtype(np.remainder(ad, bd), ad, bt, bd)
    except ValueError:
        raise broadcast_error(ad, bd) from None
    if out.dtype.kind != "f":
        return make(out)
    return record(out, RemainderBackward0, (a, bt), (a, bt if bt is not None else bd),
                  (ad.shape, None if bt is None else bd.shape))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.allclose(a._data, operand(b)[1], rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return make(np.isclose(a._data, operand(b)[1], rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(a, b):
    return a._data.shape == b._data.shape and bool(np.array_equal(a._data, b._data))


def square(a):
    """a ** 2 (PowBackward0, as PyTorch)."""
    from .arith import pow as _pow
    return _pow(a, 2)
