"""Shared fixtures for the autograd tests: seeded float64 inputs and gradient checks.

``op`` (an ``OpCheck``) builds inputs and runs ``framework.autograd.gradcheck`` (first
derivatives) and ``gradgradcheck`` (second derivatives through ``create_graph=True``).
"""
import zlib

import numpy as np
import pytest

import framework
from framework.autograd import gradcheck, gradgradcheck


class OpCheck:
    """Seeded float64 leaves and gradient checks for one test."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def leaf(self, *shape, low=None, high=None, away=0.0, requires_grad=True):
        """A float64 leaf: standard normal values, or uniform in [low, high).

        ``away`` pushes normal samples at least that far from 0 (for ops with a kink at 0),
        and keeps distinct elements at least ``away`` apart (no ties for max/min/sort-like ops).
        """
        if low is not None:
            arr = self.rng.uniform(low, high, shape)
        else:
            arr = self.rng.standard_normal(shape)
            if away:
                n = arr.size
                # well separated magnitudes in random order and random signs: no ties, no zeros
                mags = away * (1 + np.arange(n)) + self.rng.uniform(0, away / 4, n)
                arr = (self.rng.permutation(mags) * self.rng.choice([-1.0, 1.0], n)).reshape(shape)
        return framework.tensor(np.asarray(arr, dtype=np.float64), requires_grad=requires_grad)

    def array(self, *shape):
        return self.rng.standard_normal(shape)

    def grad(self, fn, *inputs, **kw):
        """First derivatives of ``fn`` at ``inputs`` match central differences."""
        assert gradcheck(fn, inputs, **kw)

    def gradgrad(self, fn, *inputs, **kw):
        """Second derivatives: gradcheck of the create_graph=True backward (``gradgradcheck``)."""
        assert gradgradcheck(fn, inputs, **kw)

    def both(self, fn, *inputs, **kw):
        self.grad(fn, *inputs, **kw)
        self.gradgrad(fn, *inputs, **kw)


@pytest.fixture
def op(request):
    """An ``OpCheck`` seeded from the test id (reproducible, different per parametrisation)."""
    return OpCheck(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture
def default_float64():
    """Run a test with float64 as the default dtype, restoring float32 afterwards."""
    framework.set_default_dtype(framework.float64)
    try:
        yield
    finally:
        framework.set_default_dtype(framework.float32)


@pytest.fixture
def torch():
    """Real PyTorch for differential tests; skipped when it is absent (or only our compat alias)."""
    mod = pytest.importorskip("torch")
    if getattr(mod, "__name__", "") != "torch" or not hasattr(mod, "_C"):
        pytest.skip("torch resolves to framework's compat alias, not PyTorch")
    return mod
