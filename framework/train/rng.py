"""Every random generator a run draws from: seeding them all, and capturing/restoring their states.

The framework's global generator (model init, dropout), numpy's legacy global generator and Python's
``random`` module (both often used in users' own code) are covered; the DataLoader keeps its own
(seed, epoch) state in its ``state_dict``.

Example:
    >>> seed_everything(0)
    >>> state = capture()          # plain dicts, lists and a uint8 Tensor: storable with framework.save
    >>> restore(state)
"""
import random

import numpy as np

from ..autograd import random as framework_random
from ..autograd.tensor import Tensor


def seed_everything(seed):
    """Seed the framework, numpy and Python generators from one integer.

    Example:
        >>> seed_everything(42)
    """
    framework_random.manual_seed(seed)
    np.random.seed(seed % 2 ** 32)
    random.seed(seed)


def capture():
    """The state of every generator: plain numbers plus Tensors (storable with framework.save).

    Example:
        >>> framework.save({"rng": capture()}, "rng.safetensors")
    """
    _, keys, pos, has_gauss, cached = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    return {
        "framework": framework_random.get_rng_state(),
        # the long integer vectors as int64 tensors: stored as binary, not as thousands of JSON numbers
        "numpy": {"keys": Tensor(np.asarray(keys, dtype=np.int64)), "pos": int(pos), "has_gauss": int(has_gauss),
                  "cached_gaussian": float(cached)},
        "python": {"version": int(version), "internal": Tensor(np.asarray(internal, dtype=np.int64)),
                   "gauss_next": "none" if gauss_next is None else float(gauss_next)},
    }


def restore(state):
    """Put every generator back to a state returned by ``capture``.

    Example:
        >>> restore(framework.load("rng.safetensors")["rng"])
    """
    framework_random.set_rng_state(state["framework"])
    np_state = state["numpy"]
    np.random.set_state(("MT19937", np.asarray(_array(np_state["keys"])).astype(np.uint32), int(np_state["pos"]),
                         int(np_state["has_gauss"]), float(np_state["cached_gaussian"])))
    py = state["python"]
    gauss_next = None if py["gauss_next"] == "none" else float(py["gauss_next"])
    random.setstate((int(py["version"]), tuple(int(v) for v in _array(py["internal"]).tolist()), gauss_next))


def _array(value):
    return value._data if isinstance(value, Tensor) else np.asarray(value)
