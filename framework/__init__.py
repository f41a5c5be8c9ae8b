"""framework: a minimal, PyTorch-shaped deep-learning framework on numpy.

Example:
    >>> import framework
    >>> x = framework.tensor([1.0, 2.0], requires_grad=True)
    >>> (x ** 2).sum().backward(); x.grad
    tensor([2., 4.])
"""
from .autograd import dtypes as _dtypes
from .autograd.device import device
from .autograd.dtypes import (dtype, float16, float32, float64, get_default_dtype, int8, int16, int32, int64,
                              set_default_dtype, uint8)
from .autograd.dtypes import bool_ as bool  # noqa: A001  (PyTorch's name)
from .autograd.factories import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                                 linspace, ones, ones_like, rand, rand_like, randint, randn, randn_like, randperm,
                                 tensor, zeros, zeros_like)
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                                 set_grad_enabled)
from .autograd.random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .autograd.random import default_generator
from .autograd.tensor import Size, Tensor
from .autograd.ops.functions import *  # noqa: F401,F403  (module-level op forms: framework.exp, ...)
from . import autograd
from .autograd.anomaly import is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly

half = float16
float = float32  # noqa: A001
double = float64
long = int64
int = int32  # noqa: A001
short = int16

from . import nn, optim, data, utils  # noqa: E402
from . import accelerator, cuda  # noqa: E402
from .info import finfo, iinfo  # noqa: E402
from .serialization import load, save  # noqa: E402


def set_default_device(device_name):
    """Accepts "cpu" (the only device); anything else raises the device error."""
    device(device_name)


def get_default_device():
    return device("cpu")


def __getattr__(name):
    # A PyTorch name we do not provide: say so clearly (and once on stderr under framework.compat).
    if name.startswith("__"):
        raise AttributeError(name)
    import sys
    if "framework.compat" in sys.modules:
        raise sys.modules["framework.compat"].report_missing("framework", name)
    raise AttributeError(f"module 'framework' has no attribute '{name}' (PyTorch's torch.{name} is not "
                         "supported by framework yet)")
