"""framework.save / framework.load: safetensors + JSON state files; no pickle; clear errors; atomic writes."""
import io
import os
import pickle
import struct
from collections import OrderedDict

import numpy as np
import pytest

import framework
from framework import nn


def model():
    framework.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))


def test_model_state_dict_round_trip(tmp_path):
    src = model()
    src(framework.randn(2, 1, 4, 4))  # move the BatchNorm statistics away from their defaults
    path = tmp_path / "model.safetensors"
    framework.save(src.state_dict(), path)
    loaded = framework.load(path)
    assert isinstance(loaded, OrderedDict) and list(loaded) == list(src.state_dict())
    for key, value in src.state_dict().items():
        assert loaded[key].dtype == value.dtype and loaded[key].shape == value.shape
        assert np.array_equal(loaded[key]._data, value._data), key
    assert loaded["1.num_batches_tracked"].shape == () and loaded["1.num_batches_tracked"].item() == 1
    dst = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))
    assert repr(dst.load_state_dict(loaded)) == "<All keys matched successfully>"
    loaded["3.weight"]._data[...] = 0  # loaded arrays are writable and independent of the file
    assert float(dst[3].weight.abs().sum()) > 0


def test_nested_state_round_trip(tmp_path):
    state = {
        "model": model().state_dict(),
        "optimizer": {"state": {0: {"step": framework.tensor(3.0), "exp_avg": framework.ones(2)}},
                      "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "foreach": None,
                                        "amsgrad": False}]},
        "epoch": 7, "name": "run-1", "best": float("inf"), "nan": float("nan"), "big": 2 ** 70,
        "rng": framework.get_rng_state(), "mask": np.arange(4, dtype=np.int32), "dtype": framework.float64,
        "tuple_key": {(1, 2): "pair"}, "empty": framework.zeros(0), "flags": framework.tensor([True, False]),
    }
    path = tmp_path / "ckpt.safetensors"
    framework.save(state, path)
    back = framework.load(path)
    assert back["epoch"] == 7 and back["name"] == "run-1" and back["big"] == 2 ** 70
    assert back["best"] == float("inf") and np.isnan(back["nan"])
    group = back["optimizer"]["param_groups"][0]
    assert group == {"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "foreach": None, "amsgrad": False}
    assert list(back["optimizer"]["state"]) == [0]
    assert back["optimizer"]["state"][0]["step"].item() == 3.0
    assert np.array_equal(back["rng"]._data, state["rng"]._data) and back["rng"].dtype == framework.uint8
    assert isinstance(back["mask"], np.ndarray) and back["mask"].dtype == np.int32
    assert back["dtype"] is framework.float64 and back["tuple_key"] == {(1, 2): "pair"}
    assert back["empty"].shape == (0,) and back["flags"].tolist() == [True, False]
    assert isinstance(back["model"], OrderedDict) and type(back) is dict


def test_generator_state_restores_the_stream(tmp_path):
    framework.manual_seed(4)
    framework.save({"rng": framework.get_rng_state()}, tmp_path / "rng.safetensors")
    expected = framework.randn(5)
    framework.set_rng_state(framework.load(tmp_path / "rng.safetensors")["rng"])
    assert np.array_equal(framework.randn(5)._data, expected._data)


def test_file_object_round_trip():
    buf = io.BytesIO()
    framework.save({"w": framework.ones(2)}, buf)
    buf.seek(0)
    assert framework.load(buf)["w"].tolist() == [1.0, 1.0]


def test_arbitrary_objects_are_refused_without_pickle(tmp_path):
    with pytest.raises(TypeError, match="cannot store an object of type Sequential .*No pickle is used"):
        framework.save({"model": model()}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="cannot store an object of type set"):
        framework.save({1, 2}, tmp_path / "x.safetensors")
    assert not os.listdir(tmp_path)  # nothing half-written is left behind


def test_pickle_file_is_rejected_with_its_path(tmp_path):
    path = tmp_path / "weights.pt"
    with open(path, "wb") as f:
        pickle.dump({"weight": [1.0, 2.0]}, f)
    with pytest.raises(ValueError, match=r"weights.pt: not a framework state file \(it looks like a pickle"):
        framework.load(path)


def test_truncated_and_foreign_files_are_rejected(tmp_path):
    good = tmp_path / "good.safetensors"
    framework.save(model().state_dict(), good)
    data = good.read_bytes()
    cases = {"truncated.safetensors": data[:-20], "header_cut.safetensors": data[:20], "tiny.safetensors": b"\x01",
             "empty.safetensors": b"", "text.safetensors": b"hello, this is not a state file at all",
             "zip.safetensors": b"PK\x03\x04" + b"\x00" * 40,
             "badjson.safetensors": struct.pack("<Q", 5) + b"{oops"}
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ValueError, match=f"{name}: not a framework state file"):
            framework.load(path)


def test_missing_file_error_names_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.safetensors"):
        framework.load(tmp_path / "nope.safetensors")


def test_save_is_atomic_and_keeps_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "state.safetensors"
    framework.save({"v": framework.ones(1)}, path)

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        framework.save({"v": framework.zeros(1)}, path)
    monkeypatch.undo()
    assert framework.load(path)["v"].tolist() == [1.0]
    assert sorted(os.listdir(tmp_path)) == ["state.safetensors"]  # the temporary file was removed


def test_plain_safetensors_file_loads_as_ordered_dict(tmp_path):
    from safetensors.numpy import save_file
    path = tmp_path / "plain.safetensors"
    save_file({"b": np.ones(2, np.float32), "a": np.zeros((1, 2), np.float64)}, str(path))
    back = framework.load(path)
    assert isinstance(back, OrderedDict) and set(back) == {"a", "b"} and back["a"].dtype == framework.float64


def test_weights_file_is_plain_safetensors_with_module_keys(tmp_path):
    from safetensors.numpy import load_file
    m = model()
    path = tmp_path / "m.safetensors"
    framework.save(m.state_dict(), path)
    raw = load_file(str(path))
    assert set(raw) == set(m.state_dict())
    assert raw["0.weight"].shape == (2, 1, 3, 3) and raw["3.weight"].shape == (3, 8)


class TestPyTorchInterop:
    """A model trained here loads into the same PyTorch architecture, and the reverse."""

    @pytest.fixture
    def torch(self):
        mod = pytest.importorskip("torch")
        if not hasattr(mod, "_C"):
            pytest.skip("torch resolves to a compat alias, not PyTorch")
        pytest.importorskip("safetensors.torch")
        return mod

    def torch_model(self, torch):
        return torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.Flatten(),
                                   torch.nn.Linear(8, 3))

    def test_ours_to_torch(self, torch, tmp_path):
        from safetensors.torch import load_file
        ours = model()
        ours(framework.randn(4, 1, 4, 4))
        ours.eval()
        path = tmp_path / "ours.safetensors"
        framework.save(ours.state_dict(), path)
        theirs = self.torch_model(torch)
        theirs.load_state_dict(load_file(str(path)))
        theirs.eval()
        x = np.random.default_rng(0).standard_normal((2, 1, 4, 4)).astype(np.float32)
        assert np.allclose(theirs(torch.from_numpy(x)).detach().numpy(), ours(framework.from_numpy(x))._data,
                           atol=1e-5)

    def test_torch_to_ours(self, torch, tmp_path):
        from safetensors.torch import save_file
        theirs = self.torch_model(torch).eval()
        path = tmp_path / "theirs.safetensors"
        save_file(theirs.state_dict(), str(path))
        ours = model().eval()
        ours.load_state_dict(framework.load(path))
        x = np.random.default_rng(1).standard_normal((2, 1, 4, 4)).astype(np.float32)
        assert np.allclose(theirs(torch.from_numpy(x)).detach().numpy(), ours(framework.from_numpy(x))._data,
                           atol=1e-5)
