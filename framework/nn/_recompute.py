"""A flag raised while activation checkpointing recomputes a segment during backward.

Layers with side effects in forward (BatchNorm's running statistics) check it so that the
recomputation does not apply those effects a second time.

Example:
    >>> with recomputing():
    ...     is_recomputing()
    True
"""
import contextlib

_DEPTH = [0]


def is_recomputing():
    """True while a checkpointed segment is being recomputed for its backward pass."""
    return _DEPTH[0] > 0


@contextlib.contextmanager
def recomputing():
    """Mark the enclosed code as a recomputation (nestable)."""
    _DEPTH[0] += 1
    try:
        yield
    finally:
        _DEPTH[0] -= 1
