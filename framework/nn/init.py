"""Weight initialisers (``framework.nn.init``): fill a tensor in place from the seeded generator.

Every function runs outside autograd, writes into the tensor's memory, bumps its version and
returns it. Pass ``generator=`` to draw from a ``framework.Generator`` instead of the global one.

Example:
    >>> w = framework.empty(3, 5)
    >>> framework.nn.init.kaiming_uniform_(w, a=5 ** 0.5)   # what nn.Linear does
"""
import math
import warnings

import numpy as np

from ..autograd.random import rng


def _write(tensor, values):
    """Copy ``values`` into ``tensor`` in place (no autograd), bump its version, return it."""
    np.copyto(tensor._data, values, casting="unsafe")
    tensor._bump()
    return tensor


def _no_op(tensor):
    if tensor._data.size == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=3)
        return True
    return False


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for ``nonlinearity`` ('relu' -> sqrt(2), 'tanh' -> 5/3, ...).

    Example:
        >>> framework.nn.init.calculate_gain("leaky_relu", 0.2)
        1.3867504905630728
    """
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    dims = tensor._data.ndim
    if dims < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = int(np.prod(tensor._data.shape[2:])) if dims > 2 else 1
    return tensor._data.shape[1] * receptive, tensor._data.shape[0] * receptive


def _fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b). Example: ``init.uniform_(w, -0.1, 0.1)``."""
    return _write(tensor, rng(generator).uniform(a, b, size=tensor._data.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std^2). Example: ``init.normal_(w, std=0.02)``."""
    return _write(tensor, rng(generator).normal(mean, std, size=tensor._data.shape))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with N(mean, std^2) restricted to [a, b] (out-of-range draws are redrawn).

    Example:
        >>> init.trunc_normal_(w, std=0.02, a=-0.04, b=0.04)
    """
    if a >= b:
        raise ValueError(f"trunc_normal_: a ({a}) must be smaller than b ({b})")
    gen = rng(generator)
    values = gen.normal(mean, std, size=tensor._data.shape)
    bad = (values < a) | (values > b)
    for _ in range(1000):  # each round keeps the in-range draws; the far tails need only a few rounds
        if not bad.any():
            break
        values[bad] = gen.normal(mean, std, size=int(bad.sum()))
        bad = (values < a) | (values > b)
    np.clip(values, a, b, out=values)
    return _write(tensor, values)


def constant_(tensor, val):
    """Fill with ``val``."""
    tensor._data[...] = val
    tensor._bump()
    return tensor


def zeros_(tensor):
    return constant_(tensor, 0)


def ones_(tensor):
    return constant_(tensor, 1)


def eye_(tensor):
    """Identity matrix into a 2-D tensor."""
    if tensor._data.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, np.eye(*tensor._data.shape))


def dirac_(tensor, groups=1):
    """Identity-preserving kernel for a 3/4/5-D convolution weight."""
    d = tensor._data
    if d.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    out_per_group = d.shape[0] // groups
    values = np.zeros(d.shape)
    centre = tuple(s // 2 for s in d.shape[2:])
    for g in range(groups):
        for i in range(min(out_per_group, d.shape[1])):
            values[(g * out_per_group + i, i) + centre] = 1
    return _write(tensor, values)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-b, b) with b = gain * sqrt(3 / fan) (He). ``a`` is the leaky-relu slope.

    Example:
        >>> init.kaiming_uniform_(w, nonlinearity="relu")
    """
    if _no_op(tensor):
        return tensor
    fan = _fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std^2) with std = gain / sqrt(fan) (He)."""
    if _no_op(tensor):
        return tensor
    fan = _fan(tensor, mode)
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan), generator)


def orthogonal_(tensor, gain=1, generator=None):
    """A (semi-)orthogonal matrix (QR of a Gaussian matrix, signs fixed), times ``gain``.

    Example:
        >>> w = init.orthogonal_(framework.empty(3, 5)); (w @ w.T)   # ~identity
    """
    d = tensor._data
    if d.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if d.size == 0:
        return tensor
    rows = d.shape[0]
    cols = d.size // rows
    flat = rng(generator).normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _write(tensor, (gain * q).reshape(d.shape))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """N(0, std^2) with a fraction ``sparsity`` of each column set to zero (2-D only)."""
    d = tensor._data
    if d.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    gen = rng(generator)
    rows, cols = d.shape
    values = gen.normal(0.0, std, size=d.shape)
    zeros = int(math.ceil(sparsity * rows))
    for c in range(cols):
        values[gen.permutation(rows)[:zeros], c] = 0
    return _write(tensor, values)


__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "zeros_", "ones_", "eye_",
           "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
           "sparse_"]
