"""Helpers shared by the layers' constructors."""
import math

import numpy as np

from ...autograd import dtypes as _dt
from ...autograd.device import check_device
from .. import init
from ..parameter import Parameter
from ...autograd.tensor import Tensor


def new_parameter(shape, dtype=None, device=None):
    """An uninitialised float parameter of ``shape`` (callers initialise it in ``reset_parameters``)."""
    check_device(device)
    np_dtype = _dt.default_np() if dtype is None else _dt.to_numpy_dtype(dtype)
    return Parameter(Tensor(np.empty(shape, dtype=np_dtype)))


def fill_tensor(shape, value, dtype=None, device=None):
    """A plain tensor (for buffers) filled with ``value``."""
    check_device(device)
    np_dtype = _dt.default_np() if dtype is None else _dt.to_numpy_dtype(dtype)
    return Tensor(np.full(shape, value, dtype=np_dtype))


def fan_in_uniform_(weight, bias):
    """PyTorch's default for Linear and Conv: kaiming_uniform_(a=sqrt(5)) and bias in +-1/sqrt(fan_in)."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)
