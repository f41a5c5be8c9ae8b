"""One seeded global random generator (numpy PCG64) behind every random factory and init.

Example:
    >>> framework.manual_seed(0)
    >>> a = framework.randn(3)
"""
import json

import numpy as np


class Generator:
    """A random generator object, accepted by ``generator=`` arguments as in PyTorch."""

    def __init__(self, device="cpu"):
        self._rng = np.random.default_rng()
        self._seed = None

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    @property
    def numpy(self):
        """The underlying ``numpy.random.Generator``."""
        return self._rng

    def get_state(self):
        """The generator state as a uint8 tensor (JSON bytes), storable in safetensors files."""
        from .tensor import Tensor
        raw = json.dumps(self._rng.bit_generator.state).encode()
        return Tensor(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, state):
        arr = state._data if hasattr(state, "_data") else np.asarray(state)
        self._rng.bit_generator.state = json.loads(bytes(arr.astype(np.uint8)).decode())
        return self


default_generator = Generator().manual_seed(0)


def rng(generator=None):
    """The numpy generator to draw from: ``generator``'s, or the global one."""
    return default_generator._rng if generator is None else generator._rng


def manual_seed(seed):
    """Seed the global generator; returns it."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def snapshot():
    """The global generator's state as a plain dict: cheaper than ``get_rng_state`` (no tensor, no JSON),
    for code that restores it in the same process (activation checkpointing)."""
    return default_generator._rng.bit_generator.state


def restore(state):
    """Put back a state taken by ``snapshot()``."""
    default_generator._rng.bit_generator.state = state


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)
