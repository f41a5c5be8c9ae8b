"""Convolutions (``conv1d``, ``conv2d``) as one fused node each call: im2col + one batched matmul.

The forward builds a strided *view* of every receptive field (numpy stride tricks, no Python loop
over pixels), copies it once into a column matrix and multiplies by the weight. The backward
multiplies back and scatters the column gradients into the input with a loop over the kernel
offsets only (col2im).
"""
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ...autograd.ops.functions import matmul, pad as _pad, stack
from ...autograd.tensor import record
from ._fused import FusedNode


def tuple_arg(value, n, name="argument"):
    """Expand an int to an ``n``-tuple (``3`` -> ``(3, 3)``) and check a tuple's length."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match the "
                           f"convolution dimensions, but got {name}={list(value)}")
    return value


def out_size(size, kernel, stride, dilation, lo, hi):
    return (size + lo + hi - dilation * (kernel - 1) - 1) // stride + 1


def window_view(xp, kernel, stride, dilation, out_shape):
    """A read-only view (N, C, *kernel, *out) of every receptive field of the padded input ``xp``."""
    nd = len(kernel)
    s = xp.strides
    shape = xp.shape[:2] + tuple(kernel) + tuple(out_shape)
    strides = s[:2] + tuple(s[2 + i] * dilation[i] for i in range(nd)) + tuple(s[2 + i] * stride[i] for i in range(nd))
    return as_strided(xp, shape, strides, writeable=False)


def offset_slices(offset, stride, dilation, out_shape):
    """The region of the padded input that kernel offset ``offset`` touches, as slices."""
    return tuple(slice(o * d, o * d + s * (n - 1) + 1, s) for o, s, d, n in zip(offset, stride, dilation, out_shape))


def col2im(cols, padded_shape, kernel, stride, dilation, out_shape, dtype):
    """Scatter-add ``cols`` (N, C, *kernel, *out) back into an array of ``padded_shape``."""
    gxp = np.zeros(padded_shape, dtype=dtype)
    for offset in np.ndindex(*kernel):
        region = (slice(None), slice(None)) + offset_slices(offset, stride, dilation, out_shape)
        gxp[region] += cols[(slice(None), slice(None)) + offset]
    return gxp


def _unpad(gxp, pads):
    region = (slice(None), slice(None)) + tuple(slice(lo, gxp.shape[2 + i] - hi) for i, (lo, hi) in enumerate(pads))
    return gxp[region]


class ConvolutionBackward0(FusedNode):
    """Backward of an N-d convolution. ``_args`` = (stride, dilation, pads, groups, out_shape)."""

    __slots__ = ()
    saved_names = ("input", "weight")

    def numpy_backward(self, g, x, w, b):
        stride, dilation, pads, groups, out_shape = self._args
        nx, nw, nb = self._next
        n, c = x.shape[:2]
        o = w.shape[0]
        kernel = w.shape[2:]
        L = math.prod(out_shape)
        og = o // groups
        k = w[0].size
        # BLAS needs a dense gradient (a broadcast one, e.g. from .sum(), would make numpy loop in Python speed)
        g4 = np.ascontiguousarray(g).reshape(n, groups, og, L)
        gx = gw = gb = None
        if nw is not None:
            # a row of ones appended to the columns makes the same product yield the bias gradient
            cols = _columns(x, kernel, stride, dilation, pads, out_shape, groups, ones_row=nb is not None)
            gwb = np.matmul(g4, cols.swapaxes(-1, -2)).sum(axis=0)                     # (G, Og, K[+1])
            gw = gwb[:, :, :k].reshape(w.shape)
            if nb is not None:
                gb = gwb[:, :, k].reshape(o)
        elif nb is not None:
            gb = g4.sum(axis=(0, 3)).reshape(o)
        if nx is not None:
            wg = w.reshape(groups, og, k)
            gcols = np.matmul(wg.transpose(0, 2, 1), g4)                                 # (N, G, K, L)
            gcols = gcols.reshape((n, c) + tuple(kernel) + tuple(out_shape))
            padded = (n, c) + tuple(x.shape[2 + i] + lo + hi for i, (lo, hi) in enumerate(pads))
            gx = _unpad(col2im(gcols, padded, kernel, stride, dilation, out_shape, x.dtype), pads)
        return gx, gw, gb

    def composite(self, x, w, b):
        stride, dilation, pads, groups, out_shape = self._args
        return conv_composite(x, w, b, stride, dilation, pads, groups, out_shape)


def _columns(x, kernel, stride, dilation, pads, out_shape, groups, ones_row=False):
    """The im2col matrix (N, G, C/G * prod(kernel) [+ 1], prod(out)) of input array ``x``.

    With ``ones_row`` a last row of ones is appended, so ``[W | b] @ cols`` adds the bias in the product.
    """
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple(pads)) if any(lo or hi for lo, hi in pads) else x
    view = window_view(xp, kernel, stride, dilation, out_shape)
    n, c = x.shape[:2]
    cg = c // groups
    k = cg * math.prod(kernel)
    L = math.prod(out_shape)
    cols = np.empty((n, groups, k + ones_row, L), dtype=x.dtype)
    split = (n, groups, cg) + tuple(kernel) + tuple(out_shape)
    np.copyto(cols[:, :, :k].reshape(split), view.reshape(split))
    if ones_row:
        cols[:, :, k] = 1
    return cols


def conv_composite(x, w, b, stride, dilation, pads, groups, out_shape):
    """The same convolution built from differentiable ops (slices, stack, matmul): for double backward."""
    nd = len(out_shape)
    flat_pad = []
    for lo, hi in reversed(pads):
        flat_pad += [lo, hi]
    xp = _pad(x, flat_pad) if any(flat_pad) else x
    kernel = tuple(w.shape[2:])
    patches = [xp[(slice(None), slice(None)) + offset_slices(off, stride, dilation, out_shape)]
               for off in np.ndindex(*kernel)]
    n, c = x.shape[:2]
    cols = stack(patches, dim=2).reshape(n, groups, (c // groups) * math.prod(kernel), math.prod(out_shape))
    o = w.shape[0]
    out = matmul(w.reshape(groups, o // groups, -1), cols).reshape((n, o) + tuple(out_shape))
    if b is not None:
        out = out + b.reshape((1, o) + (1,) * nd)
    return out


def _resolve_padding(padding, kernel, stride, dilation, nd, name):
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            pads = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                pads.append((total // 2, total - total // 2))
            return tuple(pads)
        raise ValueError(f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
    p = tuple_arg(padding, nd, "padding")
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    return tuple((v, v) for v in p)


def convolution(input, weight, bias, stride, padding, dilation, groups, nd):
    """Shared body of ``conv1d``/``conv2d``: checks, unbatched input, and the fused node."""
    name = f"conv{nd}d"
    xd, wd = input._data, weight._data
    if wd.ndim != nd + 2:
        raise RuntimeError("weight should have at least three dimensions" if wd.ndim < 3 else
                           f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional input, but got weight "
                           f"of size {list(wd.shape)} instead")
    if xd.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input of "
                           f"size: {list(xd.shape)}")
    if xd.ndim == nd + 1:
        out = convolution(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups, nd)
        return out.squeeze(0)
    if groups < 1:
        raise RuntimeError("non-positive groups is not supported")
    kernel = wd.shape[2:]
    stride = tuple_arg(stride, nd, "stride")
    dilation = tuple_arg(dilation, nd, "dilation")
    if any(s < 1 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    pads = _resolve_padding(padding, kernel, stride, dilation, nd, name)
    n, c = xd.shape[:2]
    o = wd.shape[0]
    if c != wd.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(wd.shape)}, expected input{list(xd.shape)} "
                           f"to have {wd.shape[1] * groups} channels, but got {c} channels instead")
    if o % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size {list(wd.shape)} instead")
    if bias is not None and bias._data.shape != (o,):
        raise RuntimeError(f"Given weight of size {list(wd.shape)}, expected bias to be 1-dimensional with {o} "
                           f"elements, but got bias of size {list(bias._data.shape)} instead")
    if xd.dtype != wd.dtype:
        raise RuntimeError(f"Input type ({input.type()}) and weight type ({weight.type()}) should be the same")
    if bias is not None and bias._data.dtype != wd.dtype:
        raise RuntimeError(f"Input type ({input.type()}) and bias type ({bias.type()}) should be the same")
    padded = tuple(xd.shape[2 + i] + lo + hi for i, (lo, hi) in enumerate(pads))
    eff_kernel = tuple(dilation[i] * (kernel[i] - 1) + 1 for i in range(nd))
    if any(p < k for p, k in zip(padded, eff_kernel)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, eff_kernel))}). Kernel size can't be greater than actual input "
                           "size")
    out_shape = tuple(out_size(xd.shape[2 + i], kernel[i], stride[i], dilation[i], *pads[i]) for i in range(nd))
    og = o // groups
    wmat = wd.reshape(groups, og, -1)
    if bias is not None:
        wmat = np.concatenate([wmat, bias._data.reshape(groups, og, 1)], axis=2)
    cols = _columns(xd, kernel, stride, dilation, pads, out_shape, groups, ones_row=bias is not None)
    out = np.matmul(wmat, cols).reshape((n, o) + out_shape)
    return record(out, ConvolutionBackward0, (input, weight, bias), (input, weight, bias),
                  (stride, dilation, pads, groups, out_shape))


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution over (N, C, L) input with weight (out_channels, C/groups, kernel).

    Example:
        >>> F.conv1d(framework.randn(2, 3, 10), framework.randn(4, 3, 3)).shape
        framework.Size([2, 4, 8])
    """
    return convolution(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution over (N, C, H, W) input with weight (out_channels, C/groups, kH, kW).

    Example:
        >>> F.conv2d(framework.randn(1, 1, 28, 28), framework.randn(32, 1, 3, 3), padding=1).shape
        framework.Size([1, 32, 28, 28])
    """
    return convolution(input, weight, bias, stride, padding, dilation, groups, 2)


__all__ = ["conv1d", "conv2d", "ConvolutionBackward0"]
