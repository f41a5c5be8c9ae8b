"""Every training test runs in its own directory and leaves global framework state as it found it."""
import sys

import pytest

import framework


@pytest.fixture(autouse=True)
def _isolate(tmp_path, monkeypatch):
    """Run in tmp_path (runs/ lands there); afterwards restore the default dtype, the RNG, sys.path, and
    forget user modules imported from tmp_path (the next test may write another module of that name)."""
    monkeypatch.chdir(tmp_path)
    dtype = framework.get_default_dtype()
    rng_state = framework.get_rng_state()
    path = list(sys.path)
    yield
    framework.set_default_dtype(dtype)
    framework.set_rng_state(rng_state)
    sys.path[:] = path
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", "") or "").startswith(str(tmp_path)):
            del sys.modules[name]
