"""``repr`` of a tensor, laid out as PyTorch prints it (precision 4, width 80, summarised above 1000 elements).

Example:
    >>> framework.tensor([0.1, 2.0], requires_grad=True)
    tensor([0.1000, 2.0000], requires_grad=True)
"""
import numpy as np

from . import dtypes as _dt

PRECISION = 4
LINEWIDTH = 80
THRESHOLD = 1000
EDGEITEMS = 3


class _Formatter:
    """Picks one number format for the whole tensor, so every element gets the same width."""

    def __init__(self, arr):
        self.floating = arr.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if not self.floating:
            for v in arr.reshape(-1).tolist():
                self.max_width = max(self.max_width, len(str(v)))
            return
        vals = arr.astype(np.float64).reshape(-1)
        vals = vals[np.isfinite(vals) & (vals != 0)]
        if vals.size == 0:
            return
        absvals = np.abs(vals)
        lo, hi = absvals.min(), absvals.max()
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        if self.int_mode:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8
        else:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        if self.sci_mode:
            width = max(len(f"{v:.{PRECISION}e}") for v in vals.tolist())
        elif self.int_mode:
            width = max(len(f"{v:.0f}") + 1 for v in vals.tolist())
        else:
            width = max(len(f"{v:.{PRECISION}f}") for v in vals.tolist())
        self.max_width = max(self.max_width, width)

    def format(self, value):
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if value == value and value not in (float("inf"), float("-inf")):
                text += "."
        else:
            text = f"{value:.{PRECISION}f}"
        return " " * (self.max_width - len(text)) + text


def _summarized(arr):
    """The edge items of every dimension, which are what a summarised print shows."""
    if arr.ndim == 0:
        return arr
    if arr.shape[0] > 2 * EDGEITEMS:
        arr = np.concatenate([arr[:EDGEITEMS], arr[-EDGEITEMS:]])
    if arr.ndim == 1:
        return arr
    return np.stack([_summarized(row) for row in arr]) if arr.shape[0] else arr


def _vector(arr, indent, summarize, fmt):
    element_length = fmt.max_width + 2
    per_line = max(1, (LINEWIDTH - indent) // element_length)
    if summarize and arr.shape[0] > 2 * EDGEITEMS:
        data = ([fmt.format(v) for v in arr[:EDGEITEMS].tolist()] + [" ..."]
                + [fmt.format(v) for v in arr[-EDGEITEMS:].tolist()])
    else:
        data = [fmt.format(v) for v in arr.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _body(arr, indent, summarize, fmt):
    if arr.ndim == 0:
        return fmt.format(arr.item())
    if arr.ndim == 1:
        return _vector(arr, indent, summarize, fmt)
    n = arr.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        rows = ([_body(arr[i], indent + 1, summarize, fmt) for i in range(EDGEITEMS)] + ["..."]
                + [_body(arr[i], indent + 1, summarize, fmt) for i in range(n - EDGEITEMS, n)])
    else:
        rows = [_body(arr[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _add_suffixes(text, suffixes, indent):
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t):
    """``tensor([...], dtype=..., grad_fn=<...>)`` as PyTorch prints it."""
    arr = t._data
    prefix = "tensor("
    indent = len(prefix)
    default_float = _dt.get_default_dtype().np
    suffixes = []
    if arr.size == 0:
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        if arr.dtype != default_float:
            suffixes.append(f"dtype={_dt.from_numpy_dtype(arr.dtype)!r}")
        body = "[]"
    else:
        if arr.dtype not in (default_float, np.dtype(np.int64), np.dtype(np.bool_)):
            suffixes.append(f"dtype={_dt.from_numpy_dtype(arr.dtype)!r}")
        summarize = arr.size > THRESHOLD
        fmt = _Formatter(_summarized(arr) if summarize else arr)
        body = _body(arr, indent, summarize, fmt)
    fn = t.grad_fn
    if fn is not None:
        suffixes.append(f"grad_fn=<{type(fn).__name__}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
