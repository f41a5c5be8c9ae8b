"""``finfo``/``iinfo``: numeric limits of framework dtypes, as PyTorch's.

Example:
    >>> framework.finfo(framework.float32).eps
    1.1920928955078125e-07
"""
import numpy as np

from .autograd import dtypes as _dt


class finfo:
    """Limits of a floating-point dtype: bits, eps, max, min, tiny, resolution."""

    def __init__(self, type=None):
        np_dtype = _dt.default_np() if type is None else _dt.to_numpy_dtype(type)
        if np_dtype.kind != "f":
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.iinfo'")
        info = np.finfo(np_dtype)
        self.bits = info.bits
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = float(info.tiny)
        self.smallest_normal = float(info.tiny)
        self.resolution = float(info.resolution)
        self.dtype = _dt.from_numpy_dtype(np_dtype).name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min:e}, max={self.max:e}, eps={self.eps:e}, "
                f"smallest_normal={self.tiny:e}, tiny={self.tiny:e}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype: bits, max, min."""

    def __init__(self, type):
        np_dtype = _dt.to_numpy_dtype(type)
        if np_dtype.kind not in "iub":
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            "'torch.finfo'")
        info = np.iinfo(np_dtype) if np_dtype.kind != "b" else np.iinfo(np.uint8)
        self.bits = info.bits
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = _dt.from_numpy_dtype(np_dtype).name

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
