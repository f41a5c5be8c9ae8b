"""``Parameter``: a tensor that a ``Module`` registers as one of its learnable weights.

Example:
    >>> w = framework.nn.Parameter(framework.ones(2))
    >>> w
    Parameter containing:
    tensor([1., 1.], requires_grad=True)
"""
import numpy as np

from ..autograd.tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that modules pick up on attribute assignment (``self.w = Parameter(...)``).

    It shares storage with the tensor it wraps. Operations on it give plain tensors: ``p * 2`` is a
    ``Tensor``, not a ``Parameter``.

    Example:
        >>> p = framework.nn.Parameter(framework.zeros(3), requires_grad=False)
        >>> p.requires_grad
        False
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            arr = np.empty(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            raise TypeError(f"Parameter expects a Tensor as data, got {type(data).__name__}")
        Tensor.__init__(self, arr)
        if requires_grad and arr.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        raise TypeError("framework parameters are not pickled; use framework.save (safetensors) instead")


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer on assignment (``self.mask = Buffer(t)``).

    Example:
        >>> m.mask = framework.nn.Buffer(framework.ones(3), persistent=False)
    """

    def __init__(self, data=None, *, persistent=True):
        arr = np.empty(0, dtype=np.float32) if data is None else data._data
        Tensor.__init__(self, arr)
        self.persistent = persistent
