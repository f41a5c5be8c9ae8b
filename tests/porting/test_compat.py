"""The torch alias, CPU-only device handling, and the dtype/device names real programs use."""
import sys

import pytest

import framework
import framework.compat as compat


@pytest.fixture
def alias():
    saved = {n: m for n, m in sys.modules.items() if n == "torch" or n.startswith("torch.")}
    compat.install()
    yield
    compat.uninstall()
    sys.modules.update(saved)


def test_import_torch_resolves_to_framework(alias):
    import torch
    import torch.nn as nn
    from torch.utils.data import DataLoader

    assert torch.tensor([1.0]).dtype == framework.float32
    assert nn.Linear is framework.nn.Linear
    assert DataLoader is framework.data.DataLoader


def test_missing_name_raises_attribute_error_naming_it(alias, capsys):
    import torch

    with pytest.raises(AttributeError, match=r"torch\.fft is not supported"):
        torch.fft
    with pytest.raises(AttributeError):
        torch.fft
    err = capsys.readouterr().err
    assert err.count("torch.fft is not supported yet") == 1


def test_unknown_torch_submodule_is_a_clear_import_error(alias):
    with pytest.raises(ModuleNotFoundError, match="torch.distributed"):
        import torch.distributed  # noqa: F401


def test_cuda_is_never_available():
    assert framework.cuda.is_available() is False
    assert framework.accelerator.is_available() is False


def test_cuda_device_request_says_cpu_only():
    with pytest.raises(RuntimeError, match="computes on the CPU"):
        framework.device("cuda")
    with pytest.raises(RuntimeError, match="computes on the CPU"):
        framework.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="computes on the CPU"):
        framework.ones(2).to("cuda:0")


def test_cpu_device_is_accepted_everywhere():
    t = framework.zeros(2, device="cpu")
    assert t.device == framework.device("cpu")
    assert t.to("cpu", framework.float64).dtype == framework.float64
    assert t.cpu() is t
    framework.set_default_device("cpu")


def test_dtype_aliases_and_limits():
    assert framework.float is framework.float32
    assert framework.double is framework.float64
    assert framework.long is framework.int64
    assert framework.half is framework.float16
    assert framework.finfo(framework.float32).eps == pytest.approx(1.1920928955078125e-07)
    assert framework.iinfo(framework.int32).max == 2 ** 31 - 1
    with pytest.raises(TypeError, match="floating point"):
        framework.finfo(framework.int64)


def test_shape_is_a_tuple_with_numel():
    t = framework.zeros(2, 3)
    assert t.shape == (2, 3)
    assert t.size() == (2, 3)
    assert t.shape.numel() == 6
    assert t.size(-1) == 3
    assert repr(t.shape) == "framework.Size([2, 3])"


def test_alias_leaves_framework_modules_untouched(alias):
    import torch.nn  # noqa: F401  (the import system sets attributes on the proxy parent)

    assert framework.nn.__name__ == "framework.nn"
    assert framework.__spec__.name == "framework"
