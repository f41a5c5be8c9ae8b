"""Shared fixtures for the autograd tests: seeded float64 inputs and gradient checks.

``op`` (an ``OpCheck``) builds inputs and runs ``framework.autograd.gradcheck`` (first
derivatives) and a second-order check: gradcheck of the ``create_graph=True`` gradient, i.e.
what ``gradgradcheck`` does. The second-order check is written here on top of ``gradcheck``
and ``autograd.grad`` rather than calling ``framework.autograd.gradgradcheck``, which cannot
be used yet (see ``test_ops_second_order.py::test_framework_gradgradcheck``).
"""
import zlib

import numpy as np
import pytest

import framework
from framework.autograd import gradcheck


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


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
        """Second derivatives: the create_graph gradient of ``fn`` (contracted with random output
        gradients) is itself checked by gradcheck, with respect to the inputs and those gradients."""
        diff = [i for i, t in enumerate(inputs) if isinstance(t, framework.Tensor) and t.requires_grad]
        outs = [o for o in _as_tuple(fn(*inputs)) if o.requires_grad]
        grad_outputs = tuple(framework.tensor(self.rng.standard_normal(tuple(o.shape)), requires_grad=True)
                             for o in outs)
        n = len(inputs)

        def first_derivative(*args):
            with framework.enable_grad():
                ys = [o for o in _as_tuple(fn(*args[:n])) if o.requires_grad]
                return framework.autograd.grad(ys, [args[i] for i in diff], args[n:], create_graph=True,
                                               materialize_grads=True)

        assert gradcheck(first_derivative, tuple(inputs) + grad_outputs, **kw)

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
