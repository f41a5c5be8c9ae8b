"""chain: 2,000 elementwise ops on a 16-element tensor, then backward (no optimiser: there are no weights).

The op mix is ``chain_ops`` of benchmarks/autograd.py and the by-hand version its ``chain_numpy``, imported
from that file (not copied). The step's check value is the gradient of the leaf, summed.
"""
import importlib.util
import sys
from pathlib import Path

import numpy as np

from ._common import rng

SIZES = {"full": {"ops": 2000, "elements": 16}, "tiny": {"ops": 40, "elements": 16}}


def _autograd_benchmark():
    """benchmarks/autograd.py as a module. It imports torch if it can; outside the PyTorch worker torch is
    hidden while it loads, so the framework and numpy processes never load PyTorch's libraries."""
    name = "_benchmarks_autograd"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / "autograd.py")
    module = importlib.util.module_from_spec(spec)
    hide = "torch" not in sys.modules
    if hide:
        sys.modules["torch"] = None  # `import torch` raises ImportError
    try:
        spec.loader.exec_module(module)
    finally:
        if hide:
            del sys.modules["torch"]
    sys.modules[name] = module
    return module


def _data(size):
    return rng(1).standard_normal(size["elements"]).astype(np.float32)


def _build_autograd(lib, size):
    chain_ops = _autograd_benchmark().chain_ops
    x = lib.tensor(_data(size), requires_grad=True)
    n = size["ops"]

    def step():
        chain_ops(x, n).sum().backward()
        grad = x.grad
        x.grad = None
        return grad
    return step


def build_framework(size):
    import framework
    return _build_autograd(framework, size)


def build_torch(size):
    import torch
    return _build_autograd(torch, size)


def build_numpy(size):
    chain_numpy = _autograd_benchmark().chain_numpy
    a, n = _data(size), size["ops"]
    return lambda: chain_numpy(a, n)
