"""The checkpoint tests seed the global generator; each test leaves its state as it found it."""
import pytest

import framework


@pytest.fixture(autouse=True)
def _restore_global_state():
    state = framework.get_rng_state()
    yield
    framework.set_rng_state(state)
