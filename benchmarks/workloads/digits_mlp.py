"""digits_mlp: configs/digits_mlp.yaml end to end through ``python -m framework.train``, as a user runs it
(TensorBoard, validation every 2 epochs and epoch checkpoints included), stopped by ``train.max_steps``.

Steps/s come from the trainer's own metrics.jsonl: every ``logging.log_every`` steps it records
``train/throughput`` (samples/s over that window). A window of s steps took about ``s * batch_size /
throughput`` seconds (the last batch of an epoch is smaller, so this slightly overstates the time), and
steps/s = total steps / total window time. Start-up (imports, data loading) and the final evaluation are
outside the windows; the subprocess's whole wall time is reported beside it. Framework only: there is no
numpy or PyTorch counterpart of the trainer.
"""
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "configs" / "digits_mlp.yaml"


def steps_per_second(records, batch_size):
    """Total steps / total time of the throughput windows in metrics.jsonl records."""
    steps = seconds = 0.0
    previous = 0
    for record in records:
        if "train/throughput" not in record:
            continue
        window = record["step"] - previous
        previous = record["step"]
        steps += window
        seconds += window * batch_size / record["train/throughput"]
    if not steps:
        raise RuntimeError("metrics.jsonl holds no train/throughput record")
    return steps / seconds


def measure(steps, timeout=120):
    """Run the trainer for ``steps`` optimiser steps in a fresh run directory; returns a result dict."""
    config = yaml.safe_load(CONFIG.read_text())
    batch_size = config["data"].get("batch_size", 32)
    log_every = min(config.get("logging", {}).get("log_every", 10), max(steps // 2, 1))
    with tempfile.TemporaryDirectory(prefix="bench_digits_") as run_dir:
        command = [sys.executable, "-m", "framework.train", str(CONFIG), f"train.max_steps={steps}",
                   f"output_dir={run_dir}/run", f"logging.log_every={log_every}"]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise RuntimeError(f"python -m framework.train exited with {done.returncode}: " + " | ".join(tail))
        lines = (Path(run_dir) / "run" / "metrics.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    return {"steps_per_s": steps_per_second(records, batch_size), "wall_s": wall, "steps": steps}
