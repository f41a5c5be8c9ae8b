"""Anomaly detection (reference section 12)."""
import math
import re
import warnings

import pytest

import framework
from framework import autograd, tensor
from framework.autograd import Function

ENABLED = "Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled " \
          "for debugging."


@pytest.fixture(autouse=True)
def anomaly_off_afterwards():
    yield
    autograd.set_detect_anomaly(False)
    assert not autograd.is_anomaly_enabled()


@pytest.fixture
def x():
    return tensor([0.0, 1.0], requires_grad=True)


def _make_sqrt_loss(x):
    return (x.sqrt() * 0).sum()  # the line the forward traceback must show


def test_detect_anomaly_warns_on_entry():
    with pytest.warns(UserWarning, match=re.escape(ENABLED)):
        with autograd.detect_anomaly():
            assert autograd.is_anomaly_enabled()
    assert not autograd.is_anomaly_enabled()


def test_nan_gradient_raises_after_forward_traceback_warning(x):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with autograd.detect_anomaly():
            loss = _make_sqrt_loss(x)
            with pytest.raises(RuntimeError, match=re.escape("Function 'SqrtBackward0' returned nan values in its "
                                                             "0th output.")):
                loss.backward()
    messages = [str(w.message) for w in rec if issubclass(w.category, UserWarning)]
    detected = [m for m in messages if m.startswith("Error detected in SqrtBackward0")]
    assert len(detected) == 1
    assert "Traceback of forward call that caused the error" in detected[0]
    assert "_make_sqrt_loss" in detected[0]
    assert "x.sqrt()" in detected[0]


def test_set_detect_anomaly_acts_globally(x):
    autograd.set_detect_anomaly(True)
    assert autograd.is_anomaly_enabled()
    assert autograd.is_anomaly_check_nan_enabled()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loss = (x.log() * 0).sum()
        with pytest.raises(RuntimeError, match=re.escape("Function 'LogBackward0' returned nan values in its 0th "
                                                         "output.")):
            loss.backward()
    autograd.set_detect_anomaly(False)
    assert not autograd.is_anomaly_enabled()


def test_set_detect_anomaly_as_context_restores():
    with autograd.set_detect_anomaly(True, check_nan=False):
        assert autograd.is_anomaly_enabled()
        assert not autograd.is_anomaly_check_nan_enabled()
    assert not autograd.is_anomaly_enabled()
    assert autograd.is_anomaly_check_nan_enabled()


def test_check_nan_false_lets_nan_through(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with autograd.detect_anomaly(check_nan=False):
            (x.log() * 0).sum().backward()
    assert math.isnan(x.grad.tolist()[0])
    assert x.grad.tolist()[1] == 0.0


def test_without_anomaly_mode_nan_is_silent(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loss = (x.sqrt() * 0).sum()
    loss.backward()
    assert math.isnan(x.grad.tolist()[0]) and x.grad.tolist()[1] == 0.0


def test_nan_in_forward_is_not_reported():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with autograd.detect_anomaly():
            y = tensor([-1.0], requires_grad=True).log()
    assert math.isnan(y.item())


def test_custom_function_is_named(x):
    class F(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with autograd.detect_anomaly():
            out = F.apply(x).sum()
            with pytest.raises(RuntimeError, match=re.escape("Function 'FBackward' returned nan values in its 0th "
                                                             "output.")):
                out.backward()
    assert any(str(w.message).startswith("Error detected in FBackward") for w in rec)


def test_version_error_hint_changes_in_anomaly_mode(x):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with autograd.detect_anomaly():
            y = x.exp()
            y.add_(1)
            with pytest.raises(RuntimeError, match="is at version 1; expected version 0 instead") as info:
                y.sum().backward()
    msg = str(info.value)
    assert "Hint: the backtrace further above shows the operation that failed to compute its gradient. The variable " \
           "in question was changed in there or anywhere later. Good luck!" in msg
    assert "enable anomaly detection" not in msg
    assert any(str(w.message).startswith("Error detected in ExpBackward0") for w in rec)


def test_detect_anomaly_as_decorator(x):
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        @autograd.detect_anomaly()
        def run():
            return autograd.is_anomaly_enabled()
    assert run() is True
    assert not autograd.is_anomaly_enabled()
