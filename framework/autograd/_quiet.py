"""Silencing numpy's floating-point warnings cheaply, for code that runs once per op or per backward.

``np.errstate`` is a Python-level context manager: entering and leaving it costs about ten
thousand machine instructions, as much as five ufunc calls on a small array. numpy 2 keeps the
error state in a context variable, so setting that variable to a state prepared once at import
does the same job for a fifth of the cost. On a numpy without it, ``np.errstate`` is used.

Example:
    >>> token = quiet(ALL)                # like np.errstate(all="ignore").__enter__()
    >>> try:
    ...     np.log(np.zeros(1))
    ... finally:
    ...     restore(token)
"""
import numpy as np

try:  # numpy >= 2.0
    from numpy._core._ufunc_config import _extobj_contextvar as _STATE
except ImportError:  # pragma: no cover - older numpy: the public context manager
    _STATE = None


def _prepared(**kwargs):
    if _STATE is None:  # pragma: no cover
        return kwargs
    with np.errstate(**kwargs):
        return _STATE.get()


ALL = _prepared(all="ignore")                               # backward formulas: PyTorch never warns
DIVIDE = _prepared(divide="ignore", invalid="ignore")       # quotients, logs and means of nothing


def quiet(state):
    """Enter ``state`` (``ALL`` or ``DIVIDE``); returns the token ``restore`` takes."""
    if _STATE is None:  # pragma: no cover
        ctx = np.errstate(**state)
        ctx.__enter__()
        return ctx
    return _STATE.set(state)


def restore(token):
    """Go back to the error state from before the matching ``quiet``."""
    if _STATE is None:  # pragma: no cover
        token.__exit__(None, None, None)
    else:
        _STATE.reset(token)
