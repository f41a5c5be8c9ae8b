"""Pooling: ``max_pool2d``, ``avg_pool2d`` (fused nodes over strided window views) and ``adaptive_avg_pool2d``."""
import math

import numpy as np

from ...autograd.ops.functions import amax, pad as _pad, stack
from ...autograd.tensor import make, record
from ._fused import FusedNode
from .conv import col2im, offset_slices, tuple_arg, window_view


def _pool_geometry(shape, kernel, stride, padding, dilation, ceil_mode, name):
    """Output size and the (lo, hi) padding per spatial dim, following PyTorch's rounding rules."""
    out_shape, pads = [], []
    for size, k, s, p, d in zip(shape, kernel, stride, padding, dilation):
        if p > (d * (k - 1) + 1) // 2 if name == "max_pool2d" else p > k // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, kernel_size={k} "
                               f"and dilation={d}" if name == "max_pool2d" else
                               "pad should be at most half of kernel size, but got pad={}, kernel_size={}".format(p, k))
        span = size + 2 * p - d * (k - 1) - 1
        n = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (n - 1) * s >= size + p:
            n -= 1  # the last window must start inside the input or the left padding
        if n < 1:
            raise RuntimeError(f"Given input size: ({size}). Calculated output size: ({n}). Output size is too small")
        out_shape.append(n)
        needed = (n - 1) * s + d * (k - 1) + 1
        pads.append((p, max(needed - size - p, 0)))
    return tuple(out_shape), tuple(pads)


def _pool_args(input, kernel_size, stride, padding, dilation, name):
    if input._data.ndim not in (3, 4):
        raise RuntimeError(f"{name}: Expected 3D or 4D (batch mode) tensor for input, got {input._data.ndim}D")
    kernel = tuple_arg(kernel_size, 2, "kernel_size")
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        tuple_arg(stride, 2, "stride")
    return kernel, stride, tuple_arg(padding, 2, "padding"), tuple_arg(dilation, 2, "dilation")


def _batched(input, fn):
    """Run a 4-D pooling function on 3-D (unbatched) input too."""
    if input._data.ndim == 3:
        res = fn(input.unsqueeze(0))
        if isinstance(res, tuple):
            return tuple(r.squeeze(0) for r in res)
        return res.squeeze(0)
    return fn(input)


def _pad_array(x, pads, value):
    if not any(lo or hi for lo, hi in pads):
        return x
    return np.pad(x, ((0, 0), (0, 0)) + pads, constant_values=value)


# --------------------------------------------------------------------------------- max pooling
class MaxPool2DWithIndicesBackward0(FusedNode):
    """Routes each output gradient to the input element that was the window's maximum."""

    __slots__ = ()
    saved_names = ("self", "indices")

    def numpy_backward(self, g, x, arg):
        kernel, stride, dilation, pads, out_shape = self._args
        n, c = x.shape[:2]
        padded = (n, c) + tuple(x.shape[2 + i] + lo + hi for i, (lo, hi) in enumerate(pads))
        gxp = np.zeros(padded, dtype=g.dtype)
        if tuple(stride) == tuple(kernel) and tuple(dilation) == (1, 1):
            # windows tile the input: each offset's region is written once, straight into gxp
            hit = np.empty(arg.shape, dtype=bool)
            for k, offset in enumerate(np.ndindex(*kernel)):
                region = (slice(None), slice(None)) + offset_slices(offset, stride, dilation, out_shape)
                np.equal(arg, k, out=hit)
                np.multiply(g, hit, out=gxp[region])
        else:
            for k, offset in enumerate(np.ndindex(*kernel)):
                region = (slice(None), slice(None)) + offset_slices(offset, stride, dilation, out_shape)
                gxp[region] += np.where(arg == k, g, 0)
        return (gxp[:, :, pads[0][0]:pads[0][0] + x.shape[2], pads[1][0]:pads[1][0] + x.shape[3]],)

    def composite(self, x, arg):
        kernel, stride, dilation, pads, out_shape = self._args
        windows = _window_stack(x, kernel, stride, dilation, pads, out_shape, float("-inf"))
        # pick the recorded argmax so ties are broken exactly as in the forward
        from ...autograd.ops.functions import gather
        idx = make(arg[:, :, None].astype(np.int64))
        return gather(windows, 2, idx).squeeze(2)


def _window_stack(x, kernel, stride, dilation, pads, out_shape, value):
    """Differentiable (N, C, kH*kW, oH, oW) stack of the window elements (for double backward)."""
    flat = []
    for lo, hi in reversed(pads):
        flat += [lo, hi]
    xp = _pad(x, flat, value=value) if any(flat) else x
    parts = [xp[(slice(None), slice(None)) + offset_slices(off, stride, dilation, out_shape)]
             for off in np.ndindex(*kernel)]
    return stack(parts, dim=2)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Maximum over each kH x kW window of (N, C, H, W) input.

    ``return_indices=True`` also returns the flat (h * W + w) position of each maximum.

    Example:
        >>> F.max_pool2d(framework.randn(1, 1, 4, 4), 2).shape
        framework.Size([1, 1, 2, 2])
    """
    kernel, stride, padding, dilation = _pool_args(input, kernel_size, stride, padding, dilation, "max_pool2d")
    return _batched(input, lambda x: _max_pool(x, kernel, stride, padding, dilation, ceil_mode, return_indices))


def _running_max(xp, kernel, stride, dilation, out_shape):
    """Window maxima and the kernel offset of each (the first on ties), from one strided view per kernel
    offset: no copy of the windows, a few whole-array passes per offset."""
    views = [xp[(slice(None), slice(None)) + offset_slices(off, stride, dilation, out_shape)]
             for off in np.ndindex(*kernel)]
    out = views[0].copy()
    for view in views[1:]:
        np.maximum(out, view, out=out)  # propagates NaN, as PyTorch's max pooling does
    if out.dtype.kind == "f" and np.isnan(out).any():
        # rare: locate the NaNs the slow way, so their gradient goes where PyTorch sends it
        windows = np.stack(views, axis=2)
        return out, windows.argmax(axis=2)
    small = np.int8 if len(views) < 128 else np.int64
    arg = np.zeros(out.shape, dtype=small)
    found = np.equal(views[0], out)
    hit = np.empty(out.shape, dtype=bool)
    for k in range(1, len(views)):
        np.equal(views[k], out, out=hit)
        hit &= ~found  # only the first offset that reaches the maximum
        arg += hit.astype(small) * small(k)  # arithmetic beats boolean-mask assignment here
        found |= hit
    return out, arg


def _max_pool(x, kernel, stride, padding, dilation, ceil_mode, return_indices):
    d = x._data
    out_shape, pads = _pool_geometry(d.shape[2:], kernel, stride, padding, dilation, ceil_mode, "max_pool2d")
    fill = -np.inf if d.dtype.kind == "f" else np.iinfo(d.dtype).min
    out, arg = _running_max(_pad_array(d, pads, fill), kernel, stride, dilation, out_shape)
    res = record(out, MaxPool2DWithIndicesBackward0, (x,), (x, arg), (kernel, stride, dilation, pads, out_shape))
    if not return_indices:
        return res
    kh = arg.astype(np.int64) // kernel[1]
    kw = arg.astype(np.int64) % kernel[1]
    rows = np.arange(out_shape[0])[:, None] * stride[0] - padding[0] + kh * dilation[0]
    cols = np.arange(out_shape[1])[None, :] * stride[1] - padding[1] + kw * dilation[1]
    return res, make((rows * d.shape[3] + cols).astype(np.int64))


# --------------------------------------------------------------------------------- average pooling
def _divisor(shape, kernel, stride, padding, pads, out_shape, count_include_pad):
    """How many elements each window averages over (windows are rectangles, so it factorises per axis)."""
    counts = []
    for size, k, s, p, (lo, hi), n in zip(shape, kernel, stride, padding, pads, out_shape):
        start = np.arange(n) * s - lo
        end = np.minimum(start + k, size + p)  # the extra ceil-mode padding never counts
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, size)
        counts.append(end - start)
    return np.multiply.outer(counts[0], counts[1])


class AvgPool2DBackward0(FusedNode):
    """Spreads each output gradient evenly over its window."""

    __slots__ = ()
    saved_names = ("self",)

    def numpy_backward(self, g, x):
        kernel, stride, pads, out_shape, divisor = self._args
        gcols = np.broadcast_to((g / divisor.astype(g.dtype))[:, :, None, None],
                                g.shape[:2] + tuple(kernel) + tuple(out_shape))
        padded = x.shape[:2] + tuple(x.shape[2 + i] + lo + hi for i, (lo, hi) in enumerate(pads))
        gxp = col2im(gcols, padded, kernel, stride, (1, 1), out_shape, g.dtype)
        return (gxp[:, :, pads[0][0]:pads[0][0] + x.shape[2], pads[1][0]:pads[1][0] + x.shape[3]],)

    def composite(self, x):
        kernel, stride, pads, out_shape, divisor = self._args
        windows = _window_stack(x, kernel, stride, (1, 1), pads, out_shape, 0.0)
        return windows.sum(dim=2) / make(divisor.astype(x._data.dtype))


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over each kH x kW window of (N, C, H, W) input.

    Example:
        >>> F.avg_pool2d(framework.ones(1, 1, 4, 4), 2)
        tensor([[[[1., 1.],
                  [1., 1.]]]])
    """
    kernel, stride, padding, _ = _pool_args(input, kernel_size, stride, padding, 1, "avg_pool2d")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    return _batched(input, lambda x: _avg_pool(x, kernel, stride, padding, ceil_mode, count_include_pad,
                                               divisor_override))


def _avg_pool(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    d = x._data
    out_shape, pads = _pool_geometry(d.shape[2:], kernel, stride, padding, (1, 1), ceil_mode, "avg_pool2d")
    view = window_view(_pad_array(d, pads, 0), kernel, stride, (1, 1), out_shape)
    if divisor_override is not None:
        divisor = np.full(out_shape, divisor_override)
    else:
        divisor = _divisor(d.shape[2:], kernel, stride, padding, pads, out_shape, count_include_pad)
    out = (view.sum(axis=(2, 3)) / divisor.astype(d.dtype)).astype(d.dtype, copy=False)
    return record(out, AvgPool2DBackward0, (x,), (x,), (kernel, stride, pads, out_shape, divisor))


# --------------------------------------------------------------------------------- adaptive pooling
def _adaptive_matrix(size, out, dtype):
    """(out, size) averaging matrix: row i averages input[floor(i*size/out) : ceil((i+1)*size/out)]."""
    m = np.zeros((out, size), dtype=dtype)
    for i in range(out):
        start = (i * size) // out
        end = -((-(i + 1) * size) // out)
        m[i, start:end] = 1.0 / (end - start)
    return m


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed (oH, oW) output whatever the input size (None keeps that dim).

    Example:
        >>> F.adaptive_avg_pool2d(framework.randn(2, 8, 7, 7), 1).shape
        framework.Size([2, 8, 1, 1])
    """
    d = input._data
    if d.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(d.shape)}")
    size = (output_size, output_size) if isinstance(output_size, int) or output_size is None else tuple(output_size)
    oh = d.shape[-2] if size[0] is None else int(size[0])
    ow = d.shape[-1] if size[1] is None else int(size[1])
    if oh == 1 and ow == 1:
        return input.mean(dim=(-2, -1), keepdim=True)
    rows = make(_adaptive_matrix(d.shape[-2], oh, d.dtype))
    cols = make(_adaptive_matrix(d.shape[-1], ow, d.dtype).T.copy())
    return rows @ input @ cols


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Maximum pooling to a fixed output size (windows as in ``adaptive_avg_pool2d``)."""
    d = input._data
    size = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    oh = d.shape[-2] if size[0] is None else size[0]
    ow = d.shape[-1] if size[1] is None else size[1]
    h, w = d.shape[-2:]
    if h % oh == 0 and w % ow == 0:
        return max_pool2d(input, (h // oh, w // ow), return_indices=return_indices)
    rows = []
    for i in range(oh):  # loops over output cells (few), never over pixels inside a cell
        r0, r1 = (i * h) // oh, -((-(i + 1) * h) // oh)
        row = [amax(input[..., r0:r1, (j * w) // ow:-((-(j + 1) * w) // ow)], dim=(-2, -1)) for j in range(ow)]
        rows.append(stack(row, dim=-1))
    return stack(rows, dim=-2)


__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d",
           "MaxPool2DWithIndicesBackward0", "AvgPool2DBackward0"]
