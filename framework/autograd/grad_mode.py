"""Grad mode switches: no_grad, enable_grad, set_grad_enabled, inference_mode.

Example:
    >>> with framework.no_grad():
    ...     y = x * 2          # y.requires_grad is False
"""
import functools


class _State:
    __slots__ = ("enabled", "inference")

    def __init__(self):
        self.enabled = True
        self.inference = False


STATE = _State()


def is_grad_enabled():
    """True when operations are being recorded for autograd."""
    return STATE.enabled


def is_inference_mode_enabled():
    return STATE.inference


class _Mode:
    """Base of the grad-mode context managers; usable as decorators, bare or called."""

    _target = True

    def __new__(cls, *args, **kwargs):
        if len(args) == 1 and callable(args[0]) and not kwargs and cls is not set_grad_enabled:
            # bare decorator: @no_grad
            return cls()(args[0])
        return super().__new__(cls)

    def __init__(self):
        self._prev = None

    def __enter__(self):
        self._prev = STATE.enabled
        STATE.enabled = self._target

    def __exit__(self, *exc):
        STATE.enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__._clone(self):
                return fn(*args, **kwargs)
        return wrapper

    def _clone(self):
        return self.__class__()


class no_grad(_Mode):
    """Disable graph recording inside the block (factories still honour requires_grad=True)."""
    _target = False


class enable_grad(_Mode):
    """Re-enable graph recording, for example inside no_grad."""
    _target = True


class set_grad_enabled(_Mode):
    """Set grad mode: as a plain call it acts globally, as a context manager it is restored on exit.

    Example:
        >>> with framework.set_grad_enabled(False): ...
    """

    def __init__(self, mode):
        self._target = bool(mode)
        self._prev = STATE.enabled
        STATE.enabled = self._target

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        STATE.enabled = self._prev
        return False

    def __call__(self, fn):
        STATE.enabled = self._prev  # as a decorator it acts only while fn runs
        target = self._target

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = STATE.enabled
            STATE.enabled = target
            try:
                return fn(*args, **kwargs)
            finally:
                STATE.enabled = prev
        return wrapper


class inference_mode(_Mode):
    """Like no_grad, and results are marked as inference tensors."""

    def __new__(cls, *args, **kwargs):
        if len(args) == 1 and callable(args[0]):
            return cls()(args[0])
        return object.__new__(cls)

    def __init__(self, mode=True):
        self._mode = bool(mode)
        self._prev = None

    def __enter__(self):
        # inference_mode(False) turns inference off and grad mode on, as PyTorch's guard does
        self._prev = (STATE.enabled, STATE.inference)
        STATE.enabled = not self._mode
        STATE.inference = self._mode

    def __exit__(self, *exc):
        STATE.enabled, STATE.inference = self._prev
        return False

    def _clone(self):
        return inference_mode(self._mode)
