"""``linear``: y = x @ W.T + b as one fused node (``AddmmBackward0``) for 2-D input."""
import numpy as np

from ...autograd.node import Node
from ...autograd.tensor import record


class AddmmBackward0(Node):
    """Backward of ``x @ W.T + b``: gx = g @ W, gW = g.T @ x, gb = sum(g) (each only when needed)."""

    __slots__ = ()
    saved_names = ("mat1", "mat2")
    _fresh_grads = True  # three new products and a new sum

    def backward(self, g, x, w):
        nx, nw, nb = self._next
        gx = None if nx is None else g @ w
        gw = None if nw is None else g.T @ x
        gb = None if nb is None else (g.sum(axis=0) if g.__class__ is np.ndarray else g.sum(dim=0))
        return gx, gw, gb


def _check(x, w, b):
    xd, wd = x._data, w._data
    if wd.ndim != 2:
        raise RuntimeError(f"linear(): weight must be 2-D, got {wd.ndim}-D")
    if xd.ndim == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D and 2D")
    if xd.shape[-1] != wd.shape[1]:
        rows = int(np.prod(xd.shape[:-1])) if xd.ndim > 1 else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{xd.shape[-1]} and "
                           f"{wd.shape[1]}x{wd.shape[0]})")
    if xd.dtype != wd.dtype or (b is not None and b._data.dtype != xd.dtype):
        other = wd.dtype if xd.dtype != wd.dtype else b._data.dtype
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_name(xd.dtype)} and {_name(other)}")


def _name(np_dtype):
    return {"float32": "Float", "float64": "Double", "float16": "Half"}.get(np_dtype.name, np_dtype.name)


def linear(input, weight, bias=None):
    """Apply ``input @ weight.T + bias``; ``weight`` is (out_features, in_features).

    Example:
        >>> F.linear(framework.ones(2, 3), framework.ones(4, 3)).shape
        framework.Size([2, 4])
    """
    xd, wd = input._data, weight._data
    if xd.ndim != 2 or wd.ndim != 2 or xd.dtype != wd.dtype or xd.shape[1] != wd.shape[1] or (
            bias is not None and bias._data.dtype != xd.dtype):
        _check(input, weight, bias)  # raises for what cannot be multiplied
    x = input
    lead = None
    if xd.ndim != 2:
        lead = xd.shape[:-1]
        x = x.reshape(-1, xd.shape[-1])
        xd = x._data
    out = xd @ wd.T
    if bias is not None:
        out += bias._data
    out = record(out, AddmmBackward0, (x, weight, bias), (x, weight))
    if lead is not None:
        out = out.reshape(*lead, wd.shape[0])
    return out


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1 @ W_k @ x2 + b_k, with ``weight`` of shape (out, in1, in2)."""
    from ...autograd.ops.functions import einsum
    out = einsum("bi,kij,bj->bk", input1, weight, input2)
    return out if bias is None else out + bias


__all__ = ["linear", "bilinear", "AddmmBackward0"]
