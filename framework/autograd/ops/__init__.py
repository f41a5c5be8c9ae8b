"""Differentiable operations, grouped by kind; ``functions`` binds them to Tensor and the package."""
from . import functions  # noqa: F401  (binds Tensor methods on import)
from .inplace import copy_backwards  # noqa: F401
