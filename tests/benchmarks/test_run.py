"""benchmarks/run.py --tiny end to end, so the suite cannot rot: every workload gets a row with positive
numbers, every system computes the same losses, and the PyTorch columns come and go with PyTorch.

No timing is asserted: only that each measurement exists and is a sane positive number.
"""
import json
import math
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


def run_tiny(tmp_path, *flags):
    raw = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(RUN), "--tiny", "--json", str(raw), *flags], cwd=REPO,
                          capture_output=True, text=True, timeout=TIMEOUT)
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
    stdout, results = run_tiny(tmp_path, "--no-torch")
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
