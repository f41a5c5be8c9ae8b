"""Differentiable operations, grouped by kind; ``functions`` binds them to Tensor and the package.

Every backward formula runs on numpy arrays (plain ``backward()``, the fast path) and on Tensors
(``create_graph=True``), where it is recorded so that it can be differentiated again. Formulas
written with the dual helpers of ``_util`` do this by themselves; the few whose fast path is
numpy-only (prod, max/min along a dim, gather, item assignment, einsum) switch to recorded ops
when the incoming gradient is a Tensor, so higher derivatives work for every op here.
"""
from . import functions  # noqa: F401  (binds Tensor methods on import)
from .inplace import copy_backwards  # noqa: F401
