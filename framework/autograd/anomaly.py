"""Anomaly detection: record forward tracebacks and fail on NaN gradients.

Example:
    >>> with framework.autograd.detect_anomaly():
    ...     loss.backward()   # RuntimeError: Function 'LogBackward0' returned nan values ...
"""
import warnings


class _State:
    __slots__ = ("enabled", "check_nan")

    def __init__(self):
        self.enabled = False
        self.check_nan = True


STATE = _State()


def is_anomaly_enabled():
    return STATE.enabled


def is_anomaly_check_nan_enabled():
    return STATE.check_nan


class set_detect_anomaly:
    """Turn anomaly detection on or off; as a plain call it acts globally, as a context it restores."""

    def __init__(self, mode, check_nan=True):
        self._prev = (STATE.enabled, STATE.check_nan)
        STATE.enabled = bool(mode)
        STATE.check_nan = bool(check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        STATE.enabled, STATE.check_nan = self._prev
        return False


class detect_anomaly:
    """Context manager (and decorator) enabling anomaly detection inside its block."""

    def __init__(self, check_nan=True):
        self._check_nan = check_nan
        self._prev = None
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and "
                      "should only be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self):
        self._prev = (STATE.enabled, STATE.check_nan)
        STATE.enabled = True
        STATE.check_nan = self._check_nan
        return self

    def __exit__(self, *exc):
        STATE.enabled, STATE.check_nan = self._prev
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return wrapper
