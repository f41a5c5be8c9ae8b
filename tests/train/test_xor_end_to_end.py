"""The full configs/xor.yaml through the real CLI in a subprocess (output is a pipe, not a terminal)."""
import numpy as np
import yaml
from safetensors.numpy import load_file

from .train_helpers import CONFIGS, read_events, read_metrics, run_process, steps_of


def test_xor_reaches_100_percent_and_writes_a_complete_run_directory(tmp_path):
    result = run_process(CONFIGS / "xor.yaml", cwd=tmp_path)
    assert result.code == 0, result
    assert "\r" not in result.out + result.err, "non-terminal output has no carriage returns"
    assert "train  " in result.out and "100.00%" in result.out, result.out  # the final table

    (run_dir,) = list((tmp_path / "runs" / "xor").iterdir())
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert config["output_dir"] == f"runs/xor/{run_dir.name}"
    assert config["model"]["_target_"] == "framework.nn.MLP" and config["train"]["epochs"] == 150

    final = [r for r in read_metrics(run_dir) if r.get("final")]
    assert len(final) == 1 and final[0]["train/accuracy"] == 1.0 and final[0]["step"] == 150

    checkpoints = run_dir / "checkpoints"
    assert (checkpoints / "last").resolve().name == "step_00000150"
    weights = load_file(str(checkpoints / "last" / "model.safetensors"))
    assert {k: v.shape for k, v in weights.items()} == {"0.weight": (8, 2), "0.bias": (8,), "2.weight": (2, 8),
                                                        "2.bias": (2,)}
    assert all(v.dtype == np.float32 for v in weights.values())

    events = read_events(run_dir)
    logged = list(range(10, 151, 10))
    for tag in ("train/loss", "train/lr", "train/grad_norm", "train/throughput"):
        assert steps_of(events, tag) == logged, tag
    assert steps_of(events, "train/epoch_loss") == list(range(1, 151))
    assert any(kind == "hparams" for _, _, kind in events), "add_hparams data in the same run"
