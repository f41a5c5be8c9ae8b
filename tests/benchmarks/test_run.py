"""benchmarks/run.py --tiny end to end, so the suite cannot rot: every workload gets a row with positive
numbers, every system computes the same losses, and the PyTorch columns come and go with PyTorch.

No timing is asserted: only that each measurement exists and is a sane positive number.
"""
import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUN = REPO / "benchmarks" / "run.py"
WORKLOADS = ["xor", "mlp", "cnn", "chain", "deep", "deep+ckpt"]
TRAINER_WORKLOAD = "digits_mlp"
COLUMN = {"framework": "framework", "numpy": "numpy", "torch": "PyTorch"}
TIMEOUT = 120  # seconds; the tiny suite takes about 5-10


def run_tiny(tmp_path, *flags, env=None):
    raw = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(RUN), "--tiny", "--json", str(raw), *flags], cwd=REPO,
                          capture_output=True, text=True, timeout=TIMEOUT, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(raw.read_text())


def table(stdout):
    """The printed table as (header, {workload: {column: cell}})."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("workload "))
    head = lines[start].split()
    rows = {}
    for line in lines[start + 1:]:
        if not line.strip():
            break
        cells = line.split()
        assert len(cells) == len(head), line
        rows[cells[0]] = dict(zip(head, cells))
    return head, rows


def positive(cell):
    value = float(cell.replace(",", "").rstrip("x%"))
    return value > 0 and math.isfinite(value)


def check_suite(stdout, results, systems):
    head, rows = table(stdout)
    assert list(rows) == WORKLOADS + [TRAINER_WORKLOAD]
    assert "ERROR" not in stdout and "WARNING" not in stdout
    for workload in WORKLOADS:
        cells = rows[workload]
        for column in [COLUMN[s] for s in systems] + ["fw/numpy", "fw_MiB", "numpy_MiB", "fw/numpy_MiB"]:
            assert positive(cells[column]), (workload, column, cells[column])
        for system in systems:
            runs = results["times"][f"{workload}/{system}"]
            assert runs and all(r["steps_per_s"] > 0 for r in runs)
        # same weights and data in every system: the same first three losses (chain: gradients)
        checks = [results["probes"][f"{workload}/{s}"]["check"] for s in systems]
        for other in checks[1:]:
            assert other == pytest.approx(checks[0], rel=1e-3, abs=1e-6)
    assert positive(rows[TRAINER_WORKLOAD]["framework"])
    assert rows[TRAINER_WORKLOAD]["numpy"] == "-"
    for text in ("Targets (", "Allocator (mlp)", "deep with and without checkpointing"):
        assert text in stdout
    for system in ("framework", "numpy"):  # mallopt on and off were both measured
        assert results["times"][f"mlp/{system}+mallopt"][0]["steps_per_s"] > 0
    return head, rows


def test_tiny_suite_without_pytorch(tmp_path):
    stdout, results = run_tiny(tmp_path, env={**os.environ, "BENCH_NO_TORCH": "1"})
    head, _ = check_suite(stdout, results, ["framework", "numpy"])
    assert "PyTorch" not in head and "fw/PyTorch" not in head
    assert results["systems"] == ["framework", "numpy"]
    assert "PyTorch not used" in stdout


def test_tiny_suite_with_pytorch(tmp_path):
    pytest.importorskip("torch")
    stdout, results = run_tiny(tmp_path)
    head, rows = check_suite(stdout, results, ["framework", "numpy", "torch"])
    assert "fw/PyTorch" in head
    for workload in WORKLOADS:
        assert positive(rows[workload]["fw/PyTorch"])
    assert rows[TRAINER_WORKLOAD]["PyTorch"] == "-"


@pytest.fixture
def run_module(monkeypatch):
    """benchmarks/run.py imported as a module (its worker and report code, no suite run)."""
    monkeypatch.syspath_prepend(str(RUN.parent))
    spec = importlib.util.spec_from_file_location("benchmarks_run", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pytorch_is_left_out_by_flag_or_environment(run_module, monkeypatch):
    parse = run_module.argparse.ArgumentParser()
    parse.add_argument("--no-torch", action="store_true")
    monkeypatch.delenv("BENCH_NO_TORCH", raising=False)
    assert not run_module.torch_wanted(parse.parse_args(["--no-torch"]))
    monkeypatch.setenv("BENCH_NO_TORCH", "1")
    assert not run_module.torch_wanted(parse.parse_args([]))
    monkeypatch.setenv("BENCH_NO_TORCH", "0")
    installed = importlib.util.find_spec("torch") is not None
    assert run_module.torch_wanted(parse.parse_args([])) == installed


def test_digits_steps_per_second_from_metrics_records(run_module):
    from workloads.digits_mlp import steps_per_second
    records = [{"step": 20, "train/throughput": 640.0},          # 20 steps of 32 samples in 1 s
               {"step": 41, "train/epoch_loss": 0.5},            # epoch records carry no throughput
               {"step": 40, "train/throughput": 320.0}]          # 20 steps in 2 s
    assert steps_per_second(records, batch_size=32) == pytest.approx(40 / 3)
    with pytest.raises(RuntimeError, match="no train/throughput"):
        steps_per_second([{"step": 41, "train/epoch_loss": 0.5}], batch_size=32)
