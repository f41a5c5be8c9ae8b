"""Shared helpers for the nn tests: seeded float64 leaves, gradient checks, optional PyTorch."""
import zlib

import numpy as np
import pytest

import framework
from framework.autograd import gradcheck, gradgradcheck


class Checker:
    """Seeded float64 leaves plus first/second derivative checks for one test."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def leaf(self, *shape, low=None, high=None, requires_grad=True):
        arr = self.rng.standard_normal(shape) if low is None else self.rng.uniform(low, high, shape)
        return framework.tensor(np.asarray(arr, dtype=np.float64), requires_grad=requires_grad)

    def grad(self, fn, *inputs, **kw):
        assert gradcheck(fn, inputs, **kw)

    def gradgrad(self, fn, *inputs, **kw):
        assert gradgradcheck(fn, inputs, **kw)


@pytest.fixture
def check(request):
    """A ``Checker`` seeded from the test id (reproducible, different per parametrisation)."""
    return Checker(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture(autouse=True)
def _restore_global_state():
    """Each test may seed the global generator; put the state back afterwards."""
    state = framework.get_rng_state()
    yield
    framework.set_rng_state(state)


@pytest.fixture
def torch():
    """Real PyTorch for differential tests; skipped when it is absent (or only a compat alias)."""
    mod = pytest.importorskip("torch")
    if getattr(mod, "__name__", "") != "torch" or not hasattr(mod, "_C"):
        pytest.skip("torch resolves to a compat alias, not PyTorch")
    return mod

