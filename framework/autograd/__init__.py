"""Reverse-mode automatic differentiation on numpy arrays, with PyTorch's semantics.

Example:
    >>> from framework import autograd
    >>> (g,) = autograd.grad((x ** 3).sum(), x, create_graph=True)
"""
from . import graph
from .anomaly import detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly
from .function import Function, FunctionCtx, once_differentiable
from .functional import backward, grad
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                        set_grad_enabled)
from .node import Node
from .tensor import Tensor

__all__ = ["Function", "FunctionCtx", "GradcheckError", "Node", "Tensor", "backward", "detect_anomaly",
           "enable_grad", "grad", "gradcheck", "gradgradcheck", "graph", "inference_mode",
           "is_anomaly_check_nan_enabled", "is_anomaly_enabled", "is_grad_enabled", "is_inference_mode_enabled",
           "no_grad", "once_differentiable", "set_detect_anomaly", "set_grad_enabled"]
