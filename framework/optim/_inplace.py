"""In-place numpy building blocks shared by the optimisers.

A step must not allocate parameter-sized arrays: on these machines every fresh large array costs page
faults (a numpy Adam step with temporaries measured 7x slower than one using ``out=``). So every
intermediate goes into a ``ScratchPool`` buffer that is allocated once and reused by every later step.

Example:
    >>> pool = ScratchPool()
    >>> g = effective_grad(param, grad, weight_decay=0.1, maximize=False, pool=pool)
"""
import numpy as np


class ScratchPool:
    """Work arrays reused across parameters and steps: one flat buffer per (dtype, slot).

    Each buffer grows to the largest parameter seen; ``get`` hands out a view of its first ``size``
    elements shaped like the parameter, so all parameters of an optimiser share the same memory.

    Example:
        >>> pool = ScratchPool()
        >>> tmp = pool.get(param_array, 0)     # same shape and dtype as param_array
    """

    __slots__ = ("_flat", "_views")

    def __init__(self):
        self._flat = {}
        self._views = {}  # (shape, dtype, slot) -> view of the flat buffer: slicing and reshaping cost two calls

    def get(self, like, slot):
        view_key = (like.shape, like.dtype, slot)
        view = self._views.get(view_key)
        if view is not None:
            return view
        key = (like.dtype, slot)
        flat = self._flat.get(key)
        if flat is None or flat.size < like.size:
            flat = self._flat[key] = np.empty(like.size, like.dtype)
            self._views = {k: v for k, v in self._views.items() if k[1:] != key}  # views of the old buffer
        view = self._views[view_key] = flat[:like.size].reshape(like.shape)
        return view


def effective_grad(param, grad, weight_decay, maximize, pool):
    """The gradient an update uses: ``-grad`` if maximising, plus coupled (L2) decay ``weight_decay * param``.

    Returns ``grad`` itself when neither applies (no copy); otherwise the result lives in scratch slot 0
    (slot 1 is used as a temporary and is free again afterwards). ``grad`` is never written to.
    """
    if weight_decay != 0:
        out = pool.get(param, 0)
        decay = pool.get(param, 1)
        np.multiply(param, weight_decay, out=decay)
        if maximize:
            np.subtract(decay, grad, out=out)      # == (-grad) + weight_decay * param
        else:
            np.add(grad, decay, out=out)
        return out
    if maximize:
        out = pool.get(param, 0)
        np.negative(grad, out=out)
        return out
    return grad


def lerp_(start, end, weight, tmp):
    """``start += weight * (end - start)`` in place, with PyTorch's choice of form for large weights.

    PyTorch's lerp switches to ``end - (end - start) * (1 - weight)`` once ``|weight| >= 0.5``, which is
    more accurate there; doing the same keeps Adam's first moment as close to PyTorch as numpy allows.
    """
    np.subtract(end, start, out=tmp)
    if abs(weight) < 0.5:
        tmp *= weight
        start += tmp
    else:
        tmp *= 1.0 - weight
        np.subtract(end, tmp, out=start)


def add_scaled_product_(target, a, b, value, tmp):
    """``target += value * a * b`` in place (PyTorch's ``addcmul_``), using ``tmp`` for the product."""
    np.multiply(a, value, out=tmp)
    tmp *= b
    target += tmp


def add_scaled_quotient_(target, a, b, value, tmp):
    """``target += value * a / b`` in place (PyTorch's ``addcdiv_``); ``tmp`` may be ``a`` or ``b``, so a
    caller that no longer needs ``b`` saves a buffer (one less array in cache)."""
    np.divide(a, b, out=tmp)
    tmp *= value
    target += tmp


def add_scaled_(target, a, value, tmp):
    """``target += value * a`` in place (PyTorch's ``add_(a, alpha=value)``), using ``tmp`` for the product."""
    np.multiply(a, value, out=tmp)
    target += tmp
