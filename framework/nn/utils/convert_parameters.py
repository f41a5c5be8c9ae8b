"""Flatten parameters into one vector and back."""
import numpy as np

from ...autograd.grad_mode import no_grad
from ...autograd.ops.functions import cat
from ...autograd.tensor import Tensor


def parameters_to_vector(parameters):
    """Concatenate the flattened parameters into one 1-d tensor (differentiable).

    Example:
        >>> framework.nn.utils.parameters_to_vector(framework.nn.Linear(3, 2).parameters()).shape
        framework.Size([8])
    """
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-d ``vec`` into the parameters (in place, outside autograd).

    Example:
        >>> framework.nn.utils.vector_to_parameters(v, model.parameters())
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected framework.Tensor, but got: {type(vec).__name__}")
    data = vec._data
    offset = 0
    params = list(parameters)
    total = sum(p._data.size for p in params)
    if data.ndim != 1 or data.size != total:
        raise RuntimeError(f"vector_to_parameters: expected a 1-d vector of {total} elements, got shape "
                           f"{list(data.shape)}")
    with no_grad():
        for p in params:
            n = p._data.size
            np.copyto(p._data, data[offset:offset + n].reshape(p._data.shape), casting="unsafe")
            p._bump()
            offset += n
