"""Gradient accumulation through the CLI: k micro-batches of b samples make the same optimiser step as one
batch of k*b samples, uneven and incomplete windows included, and the logged loss does not depend on k."""
import numpy as np
import pytest
from safetensors.numpy import load_file

from .train_helpers import read_metrics, run_cli, tiny_config, write_config


def train(capsys, tmp_path, name, n_samples, batch_size, k, epochs=2, **train_options):
    config = tiny_config(
        dtype="float64",
        data={"train": {"_target_": "framework.data.datasets.spirals", "n_samples": n_samples},
              "val_fraction": None, "batch_size": batch_size},
        train={"epochs": epochs, "grad_accum_steps": k, **train_options},
        output_dir=str(tmp_path / name))
    result = run_cli(capsys, write_config(tmp_path, config, f"{name}.yaml"))
    assert result.code == 0, result
    run_dir = tmp_path / name
    return load_file(str(run_dir / "checkpoints" / "last" / "model.safetensors")), read_metrics(run_dir)


@pytest.mark.parametrize("n_samples", [96, 90, 56], ids=["even", "uneven-last-micro-batch", "short-last-window"])
def test_k4_at_batch_8_equals_k1_at_batch_32(capsys, tmp_path, n_samples):
    accumulated, acc_log = train(capsys, tmp_path, "k4", n_samples, 8, 4, clip_grad_norm=0.5)
    plain, plain_log = train(capsys, tmp_path, "k1", n_samples, 32, 1, clip_grad_norm=0.5)
    assert accumulated.keys() == plain.keys()
    for key in plain:
        assert plain[key].dtype == np.float64
        np.testing.assert_allclose(accumulated[key], plain[key], rtol=0, atol=1e-10, err_msg=key)
    # one record per optimiser step, the same steps, the same losses and gradient norms
    steps = [(r["step"], r.get("train/loss"), r.get("train/grad_norm")) for r in acc_log if "train/lr" in r]
    plain_steps = [(r["step"], r.get("train/loss"), r.get("train/grad_norm")) for r in plain_log if "train/lr" in r]
    assert [s for s, _, _ in steps] == [s for s, _, _ in plain_steps]
    np.testing.assert_allclose([v for _, v, _ in steps], [v for _, v, _ in plain_steps], rtol=0, atol=1e-10)
    np.testing.assert_allclose([g for _, _, g in steps], [g for _, _, g in plain_steps], rtol=0, atol=1e-10)


def test_seven_micro_batches_with_k4_make_two_steps_per_epoch(capsys, tmp_path):
    _, log = train(capsys, tmp_path, "seven", n_samples=56, batch_size=8, k=4, epochs=3)
    assert [r["step"] for r in log if "train/lr" in r] == [1, 2, 3, 4, 5, 6]
    assert [(r["step"], r["epoch"]) for r in log if "train/epoch_loss" in r] == [(2, 1), (4, 2), (6, 3)]
