"""Framework dtypes: thin named wrappers over numpy dtypes, compared by identity.

Example:
    >>> import framework
    >>> framework.tensor([1.0]).dtype == framework.float32
    True
"""
import numpy as np


class dtype:
    """A tensor element type, printed and compared as PyTorch's ``torch.dtype``."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_legacy")

    def __init__(self, name, np_dtype, legacy):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.is_signed = self.np.kind in "fi"
        self.itemsize = self.np.itemsize
        self._legacy = legacy  # PyTorch's legacy type name, used in error messages

    def __repr__(self):
        return f"framework.{self.name}"

    def __reduce__(self):
        return (from_name, (self.name,))


float16 = dtype("float16", np.float16, "HalfTensor")
float32 = dtype("float32", np.float32, "FloatTensor")
float64 = dtype("float64", np.float64, "DoubleTensor")
uint8 = dtype("uint8", np.uint8, "ByteTensor")
int8 = dtype("int8", np.int8, "CharTensor")
int16 = dtype("int16", np.int16, "ShortTensor")
int32 = dtype("int32", np.int32, "IntTensor")
int64 = dtype("int64", np.int64, "LongTensor")
bool_ = dtype("bool", np.bool_, "BoolTensor")

ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool_)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update(half=float16, float=float32, double=float64, long=int64, int=int32, short=int16)

_default = float32


def from_name(name):
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype):
    """The framework dtype for a numpy dtype; raises TypeError for unsupported ones."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        d = np.dtype(np_dtype)
        if d in _BY_NP:
            return _BY_NP[d]
        raise TypeError(f"can't convert np.ndarray of type {d}. The only supported types are: "
                        "float64, float32, float16, int64, int32, int16, int8, uint8, and bool.") from None


def to_numpy_dtype(d):
    """Accept a framework dtype, numpy dtype, string or Python type; return a numpy dtype."""
    if isinstance(d, dtype):
        return d.np
    if d is float:
        return _default.np
    if d is int:
        return np.dtype(np.int64)
    if d is bool:
        return np.dtype(np.bool_)
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d].np
    try:
        return from_numpy_dtype(np.dtype(d)).np
    except TypeError as exc:
        raise TypeError(f"unsupported dtype {d!r}") from exc


def get_default_dtype():
    """The dtype Python floats become (float32 unless changed).

    Example:
        >>> framework.get_default_dtype()
        framework.float32
    """
    return _default


def set_default_dtype(d):
    """Set the dtype for Python floats and float factories (float32 or float64).

    Example:
        >>> framework.set_default_dtype(framework.float64)
    """
    global _default
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d!r}")
    _default = d


def default_np():
    return _default.np


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def category(np_dtype):
    return _CATEGORY[np_dtype.kind]


def promote(a, b):
    """PyTorch's result dtype for a binary op between two arrays (a, b are numpy arrays).

    Higher category (bool < int < float) wins; within a category a 0-d operand does not
    promote a dimensioned one.
    """
    da, db = a.dtype, b.dtype
    if da == db:
        return da
    ca, cb = _CATEGORY[da.kind], _CATEGORY[db.kind]
    if ca != cb:
        return da if ca > cb else db
    if a.ndim == 0 and b.ndim:
        return db
    if b.ndim == 0 and a.ndim:
        return da
    return np.promote_types(da, db)


def promote_scalar(a, s):
    """Result dtype of array ``a`` combined with Python scalar ``s``: scalars never upcast."""
    da = a.dtype
    kind = da.kind
    if isinstance(s, bool):
        return da
    if isinstance(s, int):
        return np.dtype(np.int64) if kind == "b" else da
    if isinstance(s, float):
        return da if kind == "f" else _default.np
    if isinstance(s, (np.floating,)):
        return da if kind == "f" else _default.np
    if isinstance(s, (np.integer,)):
        return np.dtype(np.int64) if kind == "b" else da
    raise TypeError(f"unsupported scalar type {type(s).__name__}")
