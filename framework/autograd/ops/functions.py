"""Bind every op as a Tensor method/operator and export the module-level forms (``framework.exp``)."""
import numpy as np

from ..tensor import Tensor
from . import arith, indexing, inplace, pointwise, reduce, shape
from .arith import add, div, matmul, mul, neg, pow, reciprocal, sub  # noqa: A004
from .indexing import gather, index_select, masked_fill, nonzero, one_hot
from .pointwise import (abs, allclose, bitwise_and, bitwise_or, bitwise_xor, ceil, clamp, eq, equal, erf, exp, expm1,
                        floor, floor_divide, gelu, ge, gt, isclose, isfinite, isinf, isnan, le, leaky_relu, log,
                        log1p, logical_and, logical_not, logical_or, logical_xor, lt, maximum, minimum, ne,
                        relu, remainder, round, rsqrt, softplus, sqrt, square, tanh, trunc, where)
from .pointwise import cos_ as cos, sigmoid_ as sigmoid, sign_ as sign, sin_ as sin
from .reduce import (amax, amin, argmax, argmin, cumsum, log_softmax, logsumexp, max, mean, min, norm, prod,
                     softmax, std, sum, var)
from .shape import (broadcast_to, cat, chunk, clone, flatten, flip, pad, permute, repeat, reshape, split, squeeze,
                    stack, t, transpose, tril, triu, unbind, unflatten, unsqueeze)

clip = clamp
concat = cat
concatenate = cat
absolute = abs
multiply = mul
subtract = sub
divide = div
true_divide = div
negative = neg
greater = gt
less = lt
swapaxes = transpose


def mm(a, b):
    """2-D matrix product."""
    if a._data.ndim != 2 or b._data.ndim != 2:
        raise RuntimeError("self must be a matrix" if a._data.ndim != 2 else "mat2 must be a matrix")
    return matmul(a, b)


def bmm(a, b):
    """Batched (3-D) matrix product."""
    if a._data.ndim != 3 or b._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if a._data.ndim != 3 else "batch2 must be a 3D tensor")
    return matmul(a, b)


def dot(a, b):
    return matmul(a, b)


def outer(a, b):
    return a.unsqueeze(1) * b.unsqueeze(0)


def addmm(bias, a, b, beta=1, alpha=1):
    out = matmul(a, b)
    if alpha != 1:
        out = out * alpha
    return out + (bias if beta == 1 else bias * beta)


def numel(a):
    return a.numel()


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(a):
    return a._data.dtype.kind == "f"


def einsum(equation, *operands):
    """Einstein summation for any subscripts, built from permute/reshape/mul/sum so it is differentiable."""
    from .einsum import einsum as _einsum
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return _einsum(equation, *operands)


def _r(fn):
    """Reflected operator: ``scalar (op) tensor``."""
    def op(self, other):
        return fn(self, other)
    return op


def _bind():
    T = Tensor
    # arithmetic operators
    T.__add__ = add
    T.__radd__ = lambda self, other: add(self, other)
    T.__sub__ = sub
    T.__rsub__ = arith.rsub
    T.__mul__ = mul
    T.__rmul__ = lambda self, other: mul(self, other)
    T.__truediv__ = div
    T.__rtruediv__ = arith.rdiv
    T.__floordiv__ = floor_divide
    T.__rfloordiv__ = lambda self, other: floor_divide(Tensor(np.asarray(other, self._data.dtype)), self)
    T.__mod__ = remainder
    T.__pow__ = pow
    T.__rpow__ = arith.rpow
    T.__matmul__ = matmul
    T.__rmatmul__ = lambda self, other: matmul(Tensor(np.asarray(other)), self)
    T.__neg__ = neg
    T.__pos__ = lambda self: self
    T.__abs__ = abs
    T.__eq__ = eq
    T.__ne__ = ne
    T.__lt__ = lt
    T.__le__ = le
    T.__gt__ = gt
    T.__ge__ = ge
    T.__and__ = lambda self, other: bitwise_and(self, other)
    T.__or__ = lambda self, other: bitwise_or(self, other)
    T.__xor__ = lambda self, other: bitwise_xor(self, other)
    T.__rand__ = T.__and__
    T.__ror__ = T.__or__
    T.__invert__ = pointwise.invert
    T.__getitem__ = indexing.getitem
    T.__setitem__ = inplace.setitem
    # in-place operators
    T.__iadd__ = inplace.add_
    T.__isub__ = inplace.sub_
    T.__imul__ = inplace.mul_
    T.__itruediv__ = inplace.div_
    T.__ipow__ = inplace.pow_
    # methods named as PyTorch's
    methods = dict(
        add=add, sub=sub, mul=mul, div=div, true_divide=div, pow=pow, matmul=matmul, mm=mm, bmm=bmm, dot=dot,
        neg=neg, negative=neg, reciprocal=reciprocal, abs=abs, sign=sign, exp=exp, erf=erf, log=log, log1p=log1p,
        expm1=expm1, sqrt=sqrt, rsqrt=rsqrt, sin=sin, cos=cos, tanh=tanh, sigmoid=sigmoid, relu=relu,
        square=square, floor=floor, ceil=ceil, round=round, trunc=trunc, clamp=clamp, clip=clamp,
        maximum=maximum, minimum=minimum, where=lambda self, cond, other: where(cond, self, other),
        eq=eq, ne=ne, lt=lt, le=le, gt=gt, ge=ge, isnan=isnan, isfinite=isfinite, isinf=isinf,
        logical_not=logical_not, logical_and=logical_and, logical_or=logical_or, allclose=allclose,
        isclose=isclose, equal=equal, remainder=remainder, floor_divide=floor_divide,
        sum=sum, mean=mean, var=var, std=std, prod=prod, max=max, min=min, amax=amax, amin=amin,
        argmax=argmax, argmin=argmin, logsumexp=logsumexp, softmax=softmax, log_softmax=log_softmax,
        cumsum=cumsum, norm=norm,
        reshape=reshape, view=shape.view, view_as=shape.view_as, reshape_as=shape.reshape_as, flatten=flatten,
        unflatten=unflatten, transpose=transpose, swapaxes=transpose, permute=permute, t=t, squeeze=squeeze,
        unsqueeze=unsqueeze, expand=shape.expand, expand_as=shape.expand_as, broadcast_to=broadcast_to,
        repeat=repeat, split=split, chunk=chunk, unbind=unbind, tril=tril, triu=triu, flip=flip, clone=clone,
        contiguous=shape.contiguous, gather=gather, index_select=index_select, masked_fill=masked_fill,
        nonzero=nonzero,
        add_=inplace.add_, sub_=inplace.sub_, mul_=inplace.mul_, div_=inplace.div_, pow_=inplace.pow_,
        zero_=inplace.zero_, fill_=inplace.fill_, copy_=inplace.copy_, clamp_=inplace.clamp_,
        clip_=inplace.clamp_, relu_=inplace.relu_, masked_fill_=inplace.masked_fill_, uniform_=inplace.uniform_,
        normal_=inplace.normal_,
        neg_=lambda self: inplace.inplace_unary(self, neg, False),
        exp_=lambda self: inplace.inplace_unary(self, exp, False),
        sigmoid_=lambda self: inplace.inplace_unary(self, sigmoid, False),
        tanh_=lambda self: inplace.inplace_unary(self, tanh, False),
        sqrt_=lambda self: inplace.inplace_unary(self, sqrt, False),
        abs_=lambda self: inplace.inplace_unary(self, abs, True),
    )
    for name, fn in methods.items():
        setattr(T, name, fn)
    T.T = property(shape.T)
    T.mT = property(shape.mT)
    T.to = _to
    T.type = _type
    T.type_as = lambda self, other: _to(self, other.dtype)
    T.float = lambda self: shape.to_dtype(self, np.float32)
    T.double = lambda self: shape.to_dtype(self, np.float64)
    T.half = lambda self: shape.to_dtype(self, np.float16)
    T.long = lambda self: shape.to_dtype(self, np.int64)
    T.int = lambda self: shape.to_dtype(self, np.int32)
    T.bool = lambda self: shape.to_dtype(self, np.bool_)
    T.cpu = lambda self: self
    T.new_tensor = lambda self, data, dtype=None: Tensor(np.array(data, dtype=(
        self._data.dtype if dtype is None else __import__("framework").autograd.dtypes.to_numpy_dtype(dtype))))
    T.new_zeros = lambda self, *size, dtype=None: _new_like(self, np.zeros, size, dtype)
    T.new_ones = lambda self, *size, dtype=None: _new_like(self, np.ones, size, dtype)
    T.new_empty = lambda self, *size, dtype=None: _new_like(self, np.empty, size, dtype)


def _new_like(t, np_fn, size, dtype):
    from .. import dtypes as _dt
    from ..factories import _shape
    return Tensor(np_fn(_shape(size), dtype=t._data.dtype if dtype is None else _dt.to_numpy_dtype(dtype)))


def _to(self, *args, dtype=None, device=None, copy=False, non_blocking=False):
    """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other_tensor)``."""
    from .. import dtypes as _dt
    from ..device import device as _device
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, _dt.dtype) or a in (float, int, bool) or isinstance(a, np.dtype):
            dtype = a
        elif isinstance(a, (str, _device)):
            _device(a)
        else:
            raise TypeError(f"to() received an invalid combination of arguments: {a!r}")
    if device is not None:
        _device(device)
    if dtype is None:
        return self.clone() if copy else self
    return shape.to_dtype(self, dtype, copy=copy)


def _type(self, dtype=None, non_blocking=False):
    if dtype is None:
        from .. import dtypes as _dt
        return "framework." + _dt.from_numpy_dtype(self._data.dtype)._legacy
    return _to(self, dtype)


_bind()

__all__ = [n for n in dir() if not n.startswith("_") and n not in ("np", "Tensor", "arith", "indexing", "inplace",
                                                                     "pointwise", "reduce", "shape")]
