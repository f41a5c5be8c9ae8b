"""Tensor constructors with PyTorch's dtype rules (Python floats -> float32, numpy keeps its dtype).

Example:
    >>> framework.zeros(2, 3).shape
    framework.Size([2, 3])
"""
import numbers
import warnings

import numpy as np

from . import dtypes as _dt
from .device import check_device
from .random import rng
from .tensor import Tensor


def to_array(data, dtype):
    """Convert Python/numpy data to a fresh numpy array following PyTorch's dtype inference."""
    if isinstance(data, Tensor):
        arr = data._data.copy()
    elif isinstance(data, np.ndarray):
        arr = np.array(data, copy=True)
    elif isinstance(data, np.generic):
        arr = np.array(data)
    else:
        try:
            arr = np.array(data)  # tensors inside lists convert through __array__
        except ValueError:
            raise ValueError(_ragged_message(data)) from None
        kind = arr.dtype.kind
        if kind == "f":
            # Python floats become the default dtype; numpy float scalars keep theirs
            if not _has_numpy_scalar(data):
                arr = arr.astype(_dt.default_np(), copy=False)
        elif kind in "iu" and arr.dtype != np.int64 and not _has_numpy_scalar(data):
            arr = arr.astype(np.int64)
        elif kind == "O" or kind in "US":
            raise TypeError(f"Could not infer dtype of {type(data).__name__}: tensor() takes numbers, nested "
                            "sequences of numbers, numpy arrays or tensors")
    if dtype is not None:
        arr = arr.astype(_dt.to_numpy_dtype(dtype), copy=False)
    if arr.dtype not in _dt._BY_NP:
        if arr.dtype.kind == "f":
            arr = arr.astype(_dt.default_np())
        else:
            _dt.from_numpy_dtype(arr.dtype)
    return arr


def _ragged_message(data, dim=0):
    """PyTorch's message for nested sequences of unequal lengths."""
    if isinstance(data, (list, tuple)) and data and all(isinstance(d, (list, tuple)) for d in data):
        want = len(data[0])
        for d in data:
            if len(d) != want:
                return f"expected sequence of length {want} at dim {dim + 1} (got {len(d)})"
        for d in data:
            msg = _ragged_message(d, dim + 1)
            if msg:
                return msg
        return ""
    if dim == 0:
        return "too many dimensions or mixed sequences and numbers in tensor data"
    return ""


def _has_numpy_scalar(data):
    """Whether the first element of nested data is a numpy scalar/array (checked once, not per element)."""
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return isinstance(data, (np.generic, np.ndarray))


def _finish(arr, requires_grad, device=None):
    check_device(device)
    t = Tensor(arr)
    if requires_grad:
        if arr.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._requires_grad = True
    return t


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Build a tensor by copying ``data`` (numbers, nested lists, numpy arrays).

    Example:
        >>> framework.tensor([[1, 2], [3, 4]]).dtype
        framework.int64
    """
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
                      "or sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "framework.tensor(sourceTensor).", UserWarning, stacklevel=2)
    return _finish(to_array(data, dtype), requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a numpy array when no conversion is needed."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or _dt.to_numpy_dtype(dtype) == data.dtype):
        return Tensor(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array):
    """A tensor sharing memory with ``array`` (its dtype kept).

    Example:
        >>> a = numpy.zeros(3); t = framework.from_numpy(a); a[0] = 1  # t sees it
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dt.from_numpy_dtype(array.dtype)
    return Tensor(array)


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    elif len(size) == 1 and hasattr(size[0], "_data") and size[0]._data.ndim == 1:
        size = tuple(int(s) for s in size[0]._data)
    for s in size:
        if not isinstance(s, numbers.Integral):
            raise TypeError(f"size must contain ints, got {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return tuple(int(s) for s in size)


def _float_dtype(dtype):
    return _dt.default_np() if dtype is None else _dt.to_numpy_dtype(dtype)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    """A tensor of zeros. Example: ``framework.zeros(2, 3)``."""
    return _finish(np.zeros(_shape(size), dtype=_float_dtype(dtype)), requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of ones. Example: ``framework.ones(4)``."""
    return _finish(np.ones(_shape(size), dtype=_float_dtype(dtype)), requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor. Example: ``framework.empty(2, 2)``."""
    return _finish(np.empty(_shape(size), dtype=_float_dtype(dtype)), requires_grad, device)


def _scalar_dtype(value):
    if isinstance(value, bool):
        return np.dtype(np.bool_)
    if isinstance(value, numbers.Integral):
        return np.dtype(np.int64)
    return _dt.default_np()


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor filled with ``fill_value`` (int64 for an int, float32 for a float)."""
    if hasattr(fill_value, "item"):
        fill_value = fill_value.item()
    np_dtype = _scalar_dtype(fill_value) if dtype is None else _dt.to_numpy_dtype(dtype)
    size = (size,) if isinstance(size, numbers.Integral) else tuple(size)
    return _finish(np.full(_shape(size), fill_value, dtype=np_dtype), requires_grad, device)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive). Example: ``framework.arange(3)`` -> [0, 1, 2]."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if hasattr(v, "item") else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        is_int = all(isinstance(v, numbers.Integral) for v in vals)
        np_dtype = np.dtype(np.int64) if is_int else _dt.default_np()
    else:
        np_dtype = _dt.to_numpy_dtype(dtype)
    return _finish(np.arange(*vals, dtype=np.float64 if np_dtype.kind == "f" else np_dtype).astype(np_dtype),
                   requires_grad, device)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    return _finish(np.linspace(start, end, steps).astype(_float_dtype(dtype)), requires_grad, device)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The identity matrix. Example: ``framework.eye(3)``."""
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device)


def _random_float_dtype(dtype, kernel):
    np_dtype = _float_dtype(dtype)
    if np_dtype.kind != "f":
        raise RuntimeError(f'"{kernel}" not implemented for \'{_dt.from_numpy_dtype(np_dtype)._legacy[:-6]}\'')
    return np_dtype


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1) from the seeded global generator."""
    np_dtype = _random_float_dtype(dtype, "check_uniform_bounds")
    arr = rng(generator).random(_shape(size), dtype=np.float64).astype(np_dtype)
    return _finish(arr, requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples from the seeded global generator. Example: ``framework.randn(2, 3)``."""
    np_dtype = _random_float_dtype(dtype, "normal_kernel_cpu")
    g = rng(generator)
    arr = g.standard_normal(_shape(size), dtype=np.float32) if np_dtype == np.float32 else \
        g.standard_normal(_shape(size)).astype(np_dtype)
    return _finish(arr, requires_grad, device)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers in [low, high). Example: ``framework.randint(0, 10, (3,))``."""
    if size is None:
        # randint(high, size) form
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    size = (size,) if isinstance(size, numbers.Integral) else tuple(size)
    np_dtype = np.dtype(np.int64) if dtype is None else _dt.to_numpy_dtype(dtype)
    return _finish(rng(generator).integers(low, high, size=size).astype(np_dtype), requires_grad, device)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0..n-1 (int64)."""
    np_dtype = np.dtype(np.int64) if dtype is None else _dt.to_numpy_dtype(dtype)
    return _finish(rng(generator).permutation(n).astype(np_dtype), requires_grad, device)


def _like_dtype(t, dtype):
    return t._data.dtype if dtype is None else _dt.to_numpy_dtype(dtype)


def zeros_like(t, dtype=None, device=None, requires_grad=False):
    return _finish(np.zeros(t._data.shape, dtype=_like_dtype(t, dtype)), requires_grad, device)


def ones_like(t, dtype=None, device=None, requires_grad=False):
    return _finish(np.ones(t._data.shape, dtype=_like_dtype(t, dtype)), requires_grad, device)


def empty_like(t, dtype=None, device=None, requires_grad=False):
    return _finish(np.empty(t._data.shape, dtype=_like_dtype(t, dtype)), requires_grad, device)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    return _finish(np.full(t._data.shape, fill_value, dtype=_like_dtype(t, dtype)), requires_grad, device)


def rand_like(t, dtype=None, device=None, requires_grad=False, generator=None):
    return rand(*t._data.shape, dtype=_dt.from_numpy_dtype(_like_dtype(t, dtype)), requires_grad=requires_grad,
                generator=generator)


def randn_like(t, dtype=None, device=None, requires_grad=False, generator=None):
    return randn(*t._data.shape, dtype=_dt.from_numpy_dtype(_like_dtype(t, dtype)), requires_grad=requires_grad,
                 generator=generator)
