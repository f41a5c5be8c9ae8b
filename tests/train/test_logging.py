"""What a run reports: TensorBoard events (read back from the event files), metrics.jsonl, and progress
output that has no carriage returns when it is not a terminal."""
import io
import json

import numpy as np
import pytest

import framework
from framework.train import Trainer
from framework.train.logging import MetricsLog, Progress, TensorBoardLog
from .train_helpers import read_events, read_metrics, run_cli, steps_of, tiny_config, write_config


def test_tensorboard_tags_at_optimiser_steps(capsys, tmp_path):
    # 90 training samples at batch 16: 6 optimiser steps per epoch, 2 epochs
    config = tiny_config(output_dir="run", logging={"log_every": 2, "tensorboard": True, "histogram_every": 3})
    result = run_cli(capsys, write_config(tmp_path, config))
    assert result.code == 0, result
    events = read_events(tmp_path / "run")
    for tag in ("train/loss", "train/lr", "train/grad_norm", "train/throughput"):
        assert steps_of(events, tag) == [2, 4, 6, 8, 10, 12], tag
    for tag in ("val/loss", "val/accuracy", "train/epoch_loss"):
        assert steps_of(events, tag) == [6, 12], tag
    for name in ("0.weight", "0.bias", "2.weight", "2.bias"):
        assert steps_of(events, f"weights/{name}", "histogram") == [3, 6, 9, 12]
        assert steps_of(events, f"grads/{name}", "histogram") == [3, 6, 9, 12]
    assert {kind for _, _, kind in events if kind not in ("scalar", "histogram")} == {"hparams"}
    assert steps_of(events, "hparams/val/accuracy") == [12]
    # metrics.jsonl holds the same steps
    records = read_metrics(tmp_path / "run")
    *during, final = records
    assert [r["step"] for r in during if "train/loss" in r] == [2, 4, 6, 8, 10, 12]
    assert [r["step"] for r in during if "val/loss" in r] == [6, 12]
    assert final["final"] is True and final["step"] == 12
    assert set(final) >= {"train/loss", "train/accuracy", "val/loss", "val/accuracy"}


def test_histograms_never_crash_on_non_finite_values(tmp_path):
    tb = TensorBoardLog(tmp_path)
    weight = framework.nn.Parameter(framework.tensor([1.0, float("nan"), float("inf"), 2.0]))
    weight.grad = framework.tensor([float("nan")] * 4)
    bias = framework.nn.Parameter(framework.tensor([float("nan")]))
    tb.histograms([("weight", weight), ("bias", bias)], step=5)
    tb.close()
    events = read_events(tmp_path)
    assert steps_of(events, "weights/weight", "histogram") == [5]       # the finite values
    assert steps_of(events, "nonfinite/weights/weight") == [5]
    assert steps_of(events, "nonfinite/grads/weight") == [5]
    assert steps_of(events, "grads/weight", "histogram") == []          # nothing finite to show
    assert steps_of(events, "weights/bias", "histogram") == []


def test_plain_progress_off_a_terminal_has_no_carriage_returns(capsys, tmp_path):
    config = tiny_config(logging={"log_every": 2, "progress": "auto", "progress_interval": 1e-9})
    result = run_cli(capsys, write_config(tmp_path, config))
    assert result.code == 0, result
    assert "\r" not in result.out + result.err
    lines = result.out.splitlines()
    assert lines[1].startswith("epoch 1/2  step 2 (2/6 this epoch)  loss ") and "samples/s" in lines[1]
    assert any(line.startswith("epoch 2/2  step 12 (6/6 this epoch)") for line in lines)
    assert any(line.startswith("epoch 1/2  step 6  train/loss") and "val/accuracy" in line for line in lines)


def test_bars_on_a_terminal_and_none_when_asked():
    class Terminal(io.StringIO):
        def isatty(self):
            return True
    stream = Terminal()
    progress = Progress("auto", epochs=3, stream=stream)
    assert progress.mode == "bar"
    progress.start_epoch(0, steps=4)
    progress.advance(1, {"loss": 0.5, "lr": 0.01, "samples/s": 100.0})
    progress.end_epoch()
    assert "\r" in stream.getvalue() and "epoch 1/3" in stream.getvalue()
    assert Progress("auto", stream=io.StringIO()).mode == "plain"
    quiet = io.StringIO()
    silent = Progress("none", interval=1e-9, stream=quiet)
    silent.start_epoch(0, steps=2)
    silent.advance(1, {"loss": 1.0})
    assert quiet.getvalue() == ""


def test_metrics_log_resume_keeps_records_up_to_the_checkpoint(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"step": 1, "train/loss": 1.0}, {"step": 2, "val/loss": 0.9}, {"step": 2, "final": True},
        {"step": 3, "train/loss": 0.8}]) + '\n{"step": 4, "train/lo')   # a killed run's half line
    log = MetricsLog(path, resume_step=2)
    log.write({"step": 3, "train/loss": 0.7})
    log.close()
    assert [json.loads(line) for line in path.read_text().splitlines()] == [
        {"step": 1, "train/loss": 1.0}, {"step": 2, "val/loss": 0.9}, {"step": 3, "train/loss": 0.7}]
    MetricsLog(path).close()   # a new run starts a new file
    assert path.read_text() == ""


def make_trainer(tmp_path, compute_loss=None, validate=None, **train):
    framework.manual_seed(0)
    data = framework.data.datasets.spirals(64)
    model = framework.nn.MLP([2, 8, 3])
    loss_fn = framework.nn.CrossEntropyLoss()
    loader = framework.data.DataLoader(data, batch_size=16, shuffle=True, seed=0)
    optimizer = framework.optim.SGD(model.parameters(), lr=0.1)
    compute_loss = compute_loss or (lambda batch: loss_fn(model(batch[0]), batch[1]))
    config = {"train": {"epochs": 2, **train}, "logging": {"log_every": 1, "tensorboard": True,
                                                           "progress": "none"}}
    return Trainer(model, optimizer, loader, compute_loss, validate=validate,
                   val_metrics=["val/loss"] if validate else [], config=config, output_dir=tmp_path / "run")


def test_writer_is_closed_and_events_kept_when_training_fails(tmp_path):
    calls = []

    def failing_loss(batch):
        calls.append(1)
        if len(calls) == 3:
            raise ZeroDivisionError("a bug in user code")
        return framework.tensor(1.0, requires_grad=True) * 1.0

    trainer = make_trainer(tmp_path, failing_loss)
    with pytest.raises(ZeroDivisionError):
        trainer.fit()
    assert trainer.logger.tensorboard.events._file.closed, "closed"
    assert steps_of(read_events(tmp_path / "run"), "train/loss") == [1, 2]


def test_logs_are_flushed_at_every_epoch(tmp_path, monkeypatch):
    flushed_after_epoch = []
    real_flush = TensorBoardLog.flush

    def spy(self):
        flushed_after_epoch.append(trainer.epoch)
        real_flush(self)
    monkeypatch.setattr(TensorBoardLog, "flush", spy)
    seen = []

    def validate():   # metrics.jsonl is ours: what was flushed is on disk, deterministically
        seen.append([r["step"] for r in read_metrics(tmp_path / "run") if "val/loss" in r])
        return {"val/loss": 1.0}

    trainer = make_trainer(tmp_path, validate=validate, epochs=3)
    with trainer:
        trainer.fit()
    assert flushed_after_epoch[:3] == [1, 2, 3]
    assert seen == [[], [4], [4, 8]]


def test_throughput_and_lr_are_positive_numbers(tmp_path):
    with make_trainer(tmp_path) as trainer:
        trainer.fit()
    records = [r for r in read_metrics(tmp_path / "run") if "train/loss" in r]
    assert all(r["train/throughput"] > 0 and r["train/lr"] == 0.1 for r in records)
    assert all(np.isfinite(r["train/grad_norm"]) for r in records)
