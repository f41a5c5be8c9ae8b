"""Checkpoint files: atomic writes (a crash mid-write leaves the previous checkpoint intact and nothing
under the final name), retention by recency and by monitored value, the last/best names, damaged files,
and finding the checkpoint a --resume means."""
import os

import numpy as np
import pytest

import framework
from framework import serialization
from framework.train.checkpoint import (CheckpointStore, list_checkpoints, read_checkpoint, resolve,
                                        write_checkpoint)
from framework.train.errors import CheckpointError
from framework.train.rundir import new_run_dir, resolve_run


def model_state(value):
    return {"weight": framework.full((2, 3), float(value)), "bias": framework.zeros(2)}


def state(step):
    return {"progress": {"step": step}, "optimizer": {"state": {0: {"step": framework.tensor(float(step))}},
                                                      "param_groups": [{"lr": 0.1, "params": [0]}]}}


def save(store, step, value=None):
    return store.save(step, 0, model_state(step), state(step), value=value)


def test_a_checkpoint_holds_model_state_and_meta(tmp_path):
    store = CheckpointStore(tmp_path / "checkpoints")
    path = save(store, 7, value=0.5)
    assert path.name == "step_00000007" and sorted(os.listdir(path)) == ["meta.json", "model.safetensors",
                                                                         "state.safetensors"]
    loaded = read_checkpoint(tmp_path / "checkpoints" / "last")
    assert np.array_equal(loaded["model"]["weight"].numpy(), np.full((2, 3), 7.0, np.float32))
    assert loaded["state"]["optimizer"]["state"][0]["step"].item() == 7.0
    assert loaded["meta"]["step"] == 7 and loaded["meta"]["value"] == 0.5


def test_model_file_is_plain_safetensors_with_the_state_dict_keys(tmp_path):
    from safetensors.numpy import load_file
    path = save(CheckpointStore(tmp_path), 1)
    assert sorted(load_file(str(path / "model.safetensors"))) == ["bias", "weight"]


@pytest.mark.parametrize("failure", ["replace", "write"])
def test_a_crash_mid_write_keeps_the_previous_checkpoint_and_no_partial_final(tmp_path, monkeypatch, failure):
    store = CheckpointStore(tmp_path / "checkpoints", keep_last=5)
    save(store, 1)
    before = {p.name: p.read_bytes() for p in (tmp_path / "checkpoints" / "step_00000001").iterdir()}

    if failure == "replace":
        def broken_replace(src, dst):
            raise OSError("disk full (simulated)")
        monkeypatch.setattr(os, "replace", broken_replace)
    else:
        real_save = serialization.save

        def broken_save(obj, path):
            real_save(obj, path)
            with open(path, "r+b") as f:     # half the file on disk, then the "crash"
                f.truncate(os.path.getsize(path) // 2)
            raise OSError("killed while writing (simulated)")
        monkeypatch.setattr(serialization, "save", broken_save)

    with pytest.raises(OSError, match="simulated"):
        save(store, 2)
    monkeypatch.undo()

    entries = sorted(os.listdir(tmp_path / "checkpoints"))
    assert entries == ["last", "step_00000001"], "no partial checkpoint, no temporary left behind"
    assert (tmp_path / "checkpoints" / "last").resolve().name == "step_00000001"
    after = {p.name: p.read_bytes() for p in (tmp_path / "checkpoints" / "step_00000001").iterdir()}
    assert after == before
    read_checkpoint(tmp_path / "checkpoints" / "last")  # still loads


def test_rewriting_the_same_step_replaces_it_completely(tmp_path, monkeypatch):
    directory = tmp_path / "checkpoints"
    write_checkpoint(directory, "step_00000003", model_state(1), state(3), {"step": 3})
    write_checkpoint(directory, "step_00000003", model_state(2), state(3), {"step": 3})
    assert read_checkpoint(directory / "step_00000003")["model"]["weight"].numpy()[0, 0] == 2.0
    assert sorted(os.listdir(directory)) == ["step_00000003"]


def test_a_failed_rewrite_of_the_same_step_keeps_the_old_one(tmp_path, monkeypatch):
    directory = tmp_path / "checkpoints"
    write_checkpoint(directory, "step_00000003", model_state(1), state(3), {"step": 3})
    real_replace = os.replace
    calls = []

    def replace_fails_second_time(src, dst):
        calls.append(dst)
        if len(calls) == 2:   # the old one was moved aside; putting the new one in place fails
            raise OSError("simulated")
        real_replace(src, dst)
    monkeypatch.setattr(os, "replace", replace_fails_second_time)
    with pytest.raises(OSError, match="simulated"):
        write_checkpoint(directory, "step_00000003", model_state(2), state(3), {"step": 3})
    monkeypatch.undo()
    assert read_checkpoint(directory / "step_00000003")["model"]["weight"].numpy()[0, 0] == 1.0
    assert sorted(os.listdir(directory)) == ["step_00000003"]


def test_keep_last_keeps_the_newest(tmp_path):
    store = CheckpointStore(tmp_path, keep_last=2, keep_best=0)
    for step in range(1, 6):
        save(store, step)
    assert [s for s, _ in list_checkpoints(tmp_path)] == [4, 5]
    assert (tmp_path / "last").resolve().name == "step_00000005"
    assert not (tmp_path / "best").exists()


@pytest.mark.parametrize("mode, values, kept_best", [
    ("min", [0.5, 0.2, 0.9, 0.3, 0.8, 0.7], [2, 4]),
    ("max", [0.5, 0.2, 0.9, 0.3, 0.8, 0.7], [3, 5]),
])
def test_keep_best_keeps_the_best_by_monitored_value(tmp_path, mode, values, kept_best):
    store = CheckpointStore(tmp_path, keep_last=1, keep_best=2, mode=mode, monitor="val/loss")
    for step, value in enumerate(values, 1):
        save(store, step, value)
    save(store, 7)  # a mid-epoch checkpoint without a value is never "best"
    assert [s for s, _ in list_checkpoints(tmp_path)] == sorted(kept_best + [7])
    assert (tmp_path / "best").resolve().name == f"step_{kept_best[0]:08d}"
    assert (tmp_path / "last").resolve().name == "step_00000007"


def test_ties_keep_the_earlier_checkpoint_as_best(tmp_path):
    store = CheckpointStore(tmp_path, keep_last=1, keep_best=1, mode="max")
    save(store, 1, 0.9)
    save(store, 2, 0.9)
    save(store, 3, 0.1)
    assert (tmp_path / "best").resolve().name == "step_00000001"


def test_damaged_checkpoints_raise_a_clear_error_naming_the_path(tmp_path):
    path = save(CheckpointStore(tmp_path), 1)
    (path / "model.safetensors").write_bytes(b"\x80\x04not safetensors")
    with pytest.raises(CheckpointError, match=f"checkpoint {path} is damaged or incomplete"):
        read_checkpoint(path)
    (path / "meta.json").write_text("{")
    with pytest.raises(CheckpointError, match="cannot read meta.json"):
        read_checkpoint(path)
    with pytest.raises(CheckpointError, match="does not exist"):
        read_checkpoint(tmp_path / "step_00000099")


def test_resolve_follows_last_and_a_name_file(tmp_path):
    path = save(CheckpointStore(tmp_path), 4)
    assert resolve(tmp_path / "last") == path.resolve()
    (tmp_path / "last").unlink()
    (tmp_path / "last").write_text("step_00000004\n")   # where symlinks are not available
    assert resolve(tmp_path / "last") == tmp_path / "step_00000004"


def test_new_run_dirs_are_timestamped_and_unique(tmp_path):
    import datetime
    now = datetime.datetime(2024, 5, 1, 12, 0, 0)
    first = new_run_dir("xor", tmp_path, now)
    assert first == tmp_path / "xor" / "2024-05-01_12-00-00"
    first.mkdir(parents=True)
    assert new_run_dir("xor", tmp_path, now) == tmp_path / "xor" / "2024-05-01_12-00-00-2"


def test_resolve_run_paths(tmp_path):
    messages = []
    run = tmp_path / "runs" / "cfg" / "2024-01-01_00-00-00"
    store = CheckpointStore(run / "checkpoints")
    save(store, 1)
    newest = save(store, 2)
    assert resolve_run(None, "cfg", "auto", messages.append, tmp_path / "runs") == (run, newest)
    assert resolve_run(None, "cfg", str(run), messages.append, tmp_path / "runs") == (run.resolve(), newest)
    assert resolve_run(None, "cfg", str(run / "checkpoints" / "last"), messages.append)[1] == newest.resolve()
    assert resolve_run("elsewhere", "cfg", str(newest), messages.append)[0].name == "elsewhere"
    new_dir, checkpoint = resolve_run(None, "other", "auto", messages.append, tmp_path / "runs")
    assert checkpoint is None and new_dir.parent == tmp_path / "runs" / "other"
    assert messages == [f"--resume auto: no checkpoint found under {tmp_path / 'runs' / 'other'}; "
                        f"starting a new run"]
