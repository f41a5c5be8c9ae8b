"""Arithmetic: + - * / ** @ with broadcasting, Python scalars on either side, PyTorch dtype rules."""
import numpy as np

from ..node import OUTPUT, Node
from ..tensor import SAVE_OUTPUT, record
from ._util import (broadcast_error, elementwise, fix_dtype, log, matmul as dual_matmul, operand, sum_to, swap_last,
                    where)


class AddBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        sa, sb = self._args
        return sum_to(g, sa), (None if sb is None or self._next[1] is None else sum_to(g, sb))


def add(a, b, alpha=1):
    """a + alpha * b. Example: ``x.add(y, alpha=2)``."""
    if alpha != 1:
        b = mul(b, alpha) if hasattr(b, "_data") else b * alpha
    out, bt, bd = elementwise(np.add, a, b)
    return record(out, AddBackward0, (a, bt), (), (a._data.shape, None if bt is None else bd.shape))


class SubBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        sa, sb = self._args
        return sum_to(g, sa), (None if sb is None or self._next[1] is None else -sum_to(g, sb))


def sub(a, b, alpha=1):
    """a - alpha * b."""
    if alpha != 1:
        b = mul(b, alpha) if hasattr(b, "_data") else b * alpha
    bt, bd = operand(b)
    _check_bool_subtraction(a._data, bd)
    out, bt, bd = elementwise(np.subtract, a, b if bt is None else bt)  # an array operand is wrapped once
    return record(out, SubBackward0, (a, bt), (), (a._data.shape, None if bt is None else bd.shape))


def _check_bool_subtraction(ad, bd):
    a_bool = ad.dtype.kind == "b"
    b_bool = isinstance(bd, bool) or (isinstance(bd, np.ndarray) and bd.dtype.kind == "b")
    if a_bool and b_bool:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if a_bool or b_bool:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")


class RsubBackward1(Node):
    __slots__ = ()

    def backward(self, g):
        return (-g,)


def rsub(a, s):
    """s - a for a Python scalar ``s``."""
    bt, bd = operand(s)
    if bt is not None:
        return sub(bt, a)
    ad = a._data
    _check_bool_subtraction(ad, bd)
    return record(fix_dtype(bd - ad, ad, None, bd), RsubBackward1, (a,))


class NegBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        return (-g,)


def neg(a):
    """-a."""
    if a._data.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return record(np.negative(a._data), NegBackward0, (a,))


class MulBackward0(Node):
    __slots__ = ()
    saved_names = ("self", "other")

    def backward(self, g, a, b):
        sa, sb = self._args
        ga = None if self._next[0] is None else sum_to(g * b, sa)
        gb = None if sb is None or self._next[1] is None else sum_to(g * a, sb)
        return ga, gb


def mul(a, b):
    """Elementwise product. Example: ``x * 2``."""
    out, bt, bd = elementwise(np.multiply, a, b)
    return record(out, MulBackward0, (a, bt), _saved_operands(a, bt, bd),
                  (a._data.shape, None if bt is None else bd.shape))


def _saved_operands(a, bt, bd, quotient=False):
    """What a product or quotient saves, as PyTorch: ``self`` only when ``other`` needs a gradient, and
    ``other`` when ``self`` does (a quotient always needs it), so an in-place write to an operand the
    backward does not read is no error."""
    other_requires_grad = bt is not None and bt._requires_grad
    other = bt if bt is not None else bd
    keep_other = a._requires_grad or (quotient and other_requires_grad)
    return (a if other_requires_grad else None), (other if keep_other else None)


class DivBackward0(Node):
    __slots__ = ()
    saved_names = ("self", "other")

    def backward(self, g, a, b):
        sa, sb = self._args
        ga = None if self._next[0] is None else sum_to(g / b, sa)
        gb = None if sb is None or self._next[1] is None else sum_to(-g * a / (b * b), sb)
        return ga, gb


def div(a, b, rounding_mode=None):
    """True division (integer inputs give the default float dtype). Example: ``x / 3``."""
    bt, bd = operand(b)
    ad = a._data
    if rounding_mode is not None:
        return _rounding_div(a, bt, bd, rounding_mode)
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = fix_dtype(np.true_divide(ad, bd), ad, bt, bd, true_div=True)
    except ValueError:
        raise broadcast_error(ad, bd) from None
    if ad.dtype.kind != "f" and (bt is None or bd.dtype.kind != "f"):
        return record(out, DivBackward0, ())
    return record(out, DivBackward0, (a, bt), _saved_operands(a, bt, bd, quotient=True),
                  (ad.shape, None if bt is None else bd.shape))


class DivBackward2(Node):
    """Division with rounding: piecewise constant, so the gradient is zero (as PyTorch)."""
    __slots__ = ()

    def backward(self, g):
        sa, sb = self._args
        return sum_to(g * 0, sa), (None if sb is None or self._next[1] is None else sum_to(g * 0, sb))


def _rounding_div(a, bt, bd, rounding_mode):
    if rounding_mode not in ("floor", "trunc"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'")
    ad = a._data
    with np.errstate(divide="ignore", invalid="ignore"):
        if ad.dtype.kind == "f" or (bt is not None and bd.dtype.kind == "f") or isinstance(bd, float):
            q = np.true_divide(ad, bd)
            out = np.floor(q) if rounding_mode == "floor" else np.trunc(q)
        else:
            out = np.floor_divide(ad, bd)
            if rounding_mode == "trunc":
                out = np.where((np.remainder(ad, bd) != 0) & ((ad < 0) != (np.asarray(bd) < 0)), out + 1, out)
    out = fix_dtype(out, ad, bt, bd)
    if out.dtype.kind != "f":
        return record(out, DivBackward2, ())
    return record(out, DivBackward2, (a, bt), (), (ad.shape, None if bt is None else bd.shape))


class ReciprocalBackward0(Node):
    __slots__ = ()
    saved_names = ("result",)

    def backward(self, g, y):
        return (-g * y * y,)


def reciprocal(a):
    """1 / a."""
    with np.errstate(divide="ignore"):
        out = np.reciprocal(a._data if a._data.dtype.kind == "f" else a._data.astype(np.float32))
    return record(out, ReciprocalBackward0, (a,), SAVE_OUTPUT)


def rdiv(a, s):
    """s / a for a Python scalar ``s`` (recorded as reciprocal then multiply, as PyTorch does)."""
    bt, _ = operand(s)
    if bt is not None:
        return div(bt, a)
    return mul(reciprocal(a), s)


class PowBackward0(Node):
    __slots__ = ()
    saved_names = ("self", "exponent")

    def backward(self, g, a, e):
        if e == 0:
            return (g * 0,)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (g * e * a ** (e - 1),)


class PowBackward1(Node):
    __slots__ = ()
    saved_names = ("self", "exponent", "result")

    def backward(self, g, a, b, out):
        sa, sb = self._args
        with np.errstate(divide="ignore", invalid="ignore"):
            ga = None
            if self._next[0] is not None:
                # b * a**(b-1) is 0 * inf at a = 0, b = 0; PyTorch defines it as 0 where b == 0
                ga = sum_to(where(b == 0, 0.0, g * b * a ** (b - 1)), sa)
            gb = None
            if self._next[1] is not None:
                # d/db a**b = a**b * log(a); PyTorch defines it as 0 where a == 0 and b >= 0
                safe = where((a == 0) & (b >= 0), 0.0, out * log(where(a == 0, 1.0, a)))
                gb = sum_to(g * safe, sb)
        return ga, gb


class PowBackward2(Node):
    __slots__ = ()
    saved_names = ("self", "result")

    def backward(self, g, base, out):
        if base == 0:
            # d/dx 0**x = 0 * log(0) is nan; PyTorch defines it as 0 where x >= 0
            # (exponent >= 0 is where 0**x is 0 or 1)
            with np.errstate(invalid="ignore"):
                return (where(out <= 1, 0.0, g * out * -np.inf),)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (g * out * np.log(base),)


def pow(a, e):  # noqa: A001  (PyTorch's name)
    """a ** e for a scalar or tensor exponent. Example: ``x ** 2``."""
    et, ed = operand(e)
    ad = a._data
    with np.errstate(divide="ignore", invalid="ignore"):
        if et is None:
            if ad.dtype.kind in "iub" and isinstance(ed, int) and ed < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            out = fix_dtype(np.power(ad, ed), ad, None, ed)
            return record(out, PowBackward0, (a,), (a, ed))
        try:
            out = fix_dtype(np.power(ad, ed), ad, et, ed)
        except ValueError:
            raise broadcast_error(ad, ed) from None
    return record(out, PowBackward1, (a, et), (a, et, OUTPUT), (ad.shape, ed.shape))


def rpow(a, s):
    """s ** a for a Python scalar base ``s``."""
    bt, bd = operand(s)
    if bt is not None:
        return pow(bt, a)
    ad = a._data
    out = fix_dtype(np.power(bd, ad) if ad.dtype.kind == "f" else np.power(float(bd), ad), ad, None, bd)
    return record(out, PowBackward2, (a,), (float(bd), OUTPUT))


# ------------------------------------------------------------------------ matmul
class _MatmulBackward(Node):
    """Backward of every matmul shape case: 1-D operands are promoted, batch dims unbroadcast."""
    __slots__ = ()
    saved_names = ("self", "mat2")

    def backward(self, g, a, b):
        # ``a`` is saved only when ``b`` needs a gradient and vice versa (None otherwise)
        sa, sb = self._args
        sa2 = (1,) + tuple(sa) if len(sa) == 1 else tuple(sa)
        sb2 = tuple(sb) + (1,) if len(sb) == 1 else tuple(sb)
        gshape = list(g.shape)
        if len(sa) == 1:
            gshape.insert(len(gshape) - (0 if len(sb) == 1 else 1), 1)
        if len(sb) == 1:
            gshape.append(1)
        g2 = g.reshape(tuple(gshape))
        ga = gb = None
        if self._next[0] is not None:
            ga = sum_to(dual_matmul(g2, swap_last(b.reshape(sb2))), sa2).reshape(tuple(sa))
        if self._next[1] is not None:
            gb = sum_to(dual_matmul(swap_last(a.reshape(sa2)), g2), sb2).reshape(tuple(sb))
        return ga, gb


class MmBackward0(_MatmulBackward):
    __slots__ = ()


class DotBackward0(_MatmulBackward):
    __slots__ = ()


class MvBackward0(_MatmulBackward):
    __slots__ = ()


class BmmBackward0(_MatmulBackward):
    __slots__ = ()


_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long", "int32": "int"}


def matmul(a, b):
    """Matrix product with PyTorch's 1-D, 2-D and batched broadcasting rules. Example: ``x @ w``."""
    bt, bd = operand(b)
    ad = a._data
    if bt is None:
        raise TypeError("matmul(): argument 'other' must be Tensor, not a Python scalar")
    if ad.ndim == 0 or bd.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {ad.ndim}D and {bd.ndim}D")
    if ad.dtype != bd.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_C_NAMES.get(ad.dtype.name, ad.dtype.name)} != {_C_NAMES.get(bd.dtype.name, bd.dtype.name)}")
    ka = ad.shape[-1]
    kb = bd.shape[0] if bd.ndim == 1 else bd.shape[-2]
    if ka != kb:
        if ad.ndim == 1 and bd.ndim == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{ad.shape[0]}] and src [{bd.shape[0]}] "
                               "to have the same number of elements, but got "
                               f"{ad.shape[0]} and {bd.shape[0]} elements respectively")
        ashape = "x".join(str(s) for s in (ad.shape if ad.ndim > 1 else (1,) + ad.shape)[-2:])
        bshape = "x".join(str(s) for s in (bd.shape if bd.ndim > 1 else bd.shape + (1,))[-2:])
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({ashape} and {bshape})")
    out = np.matmul(ad, bd)
    if ad.ndim == 1 and bd.ndim == 1:
        cls = DotBackward0
    elif ad.ndim == 2 and bd.ndim == 1:
        cls = MvBackward0
    elif ad.ndim <= 2 and bd.ndim == 2:
        cls = MmBackward0
    else:
        cls = BmmBackward0
    return record(out, cls, (a, bt), _saved_operands(a, bt, bd), (ad.shape, bd.shape))
