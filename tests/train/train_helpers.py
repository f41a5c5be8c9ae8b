"""Helpers for the training tests: run the real CLI (in-process through runpy, or as a subprocess), write
tiny configs into tmp_path, and read back what a run wrote."""
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "configs"


class Result:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def __repr__(self):
        return f"Result(code={self.code}, out={self.out[-2000:]!r}, err={self.err[-2000:]!r})"


def run_cli(capsys, *args):
    """``python -m framework.train ARGS`` in this process (runpy), returning exit code and output."""
    argv = sys.argv
    sys.argv = ["python -m framework.train", *map(str, args)]
    try:
        runpy.run_module("framework.train", run_name="__main__", alter_sys=False)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = argv
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def run_process(*args, cwd, env=None, timeout=120):
    """``python -m framework.train ARGS`` as a real subprocess (its output is a pipe: not a terminal)."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(cwd), full_env.get("PYTHONPATH", "")])
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "framework.train", *map(str, args)], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def write_config(directory, config, name="tiny.yaml"):
    """Write a config dict (or YAML text) to ``directory/name``; returns the path."""
    path = Path(directory) / name
    path.write_text(config if isinstance(config, str) else yaml.safe_dump(config, sort_keys=False))
    return path


def tiny_config(**sections):
    """A small, fast classification config (spirals, 2-16-3 MLP); keyword arguments replace sections."""
    config = {
        "recipe": "recipes.supervised",
        "seed": 0,
        "task": "classification",
        "model": {"_target_": "framework.nn.MLP", "sizes": [2, 16, 3]},
        "optimizer": {"_target_": "framework.optim.Adam", "lr": 0.01},
        "data": {"train": {"_target_": "framework.data.datasets.spirals", "n_samples": 120},
                 "val_fraction": 0.25, "batch_size": 16},
        "train": {"epochs": 2},
        "logging": {"log_every": 1, "tensorboard": False, "progress": "plain"},
    }
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict) and "_target_" not in value:
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    return config


def read_metrics(run_dir):
    with open(Path(run_dir) / "metrics.jsonl") as f:
        return [json.loads(line) for line in f]


def only_run_dir(root):
    """The single run directory under ``root/runs/<name>/``."""
    runs = [p for p in Path(root, "runs").glob("*/*") if p.is_dir()]
    assert len(runs) == 1, runs
    return runs[0]


def read_events(run_dir):
    """Every TensorBoard event under ``run_dir``, read back from its TFRecord files (checksums checked) with
    tensorboardX's protobuf classes: a list of ``(tag, step, kind)``, kind 'scalar', 'histogram' or a plugin
    name. (TensorBoard's own EventAccumulator is not a dependency; tensorboardX has no reader.)"""
    import struct

    from tensorboardX.proto import event_pb2
    from tensorboardX.record_writer import masked_crc32c

    found = []
    for path in sorted(Path(run_dir).glob("events.out.tfevents.*")):
        data = path.read_bytes()
        offset = 0
        while offset < len(data):
            # a record: 8-byte length, its 4-byte masked CRC-32C, the event, the event's masked CRC-32C
            header = data[offset: offset + 8]
            (length,) = struct.unpack("<Q", header)
            record = data[offset + 12: offset + 12 + length]
            assert struct.unpack_from("<I", data, offset + 8)[0] == masked_crc32c(header), f"{path}: bad length crc"
            assert struct.unpack_from("<I", data, offset + 12 + length)[0] == masked_crc32c(record), \
                f"{path}: bad data crc"
            offset += 12 + length + 4
            event = event_pb2.Event.FromString(record)
            if event.HasField("session_log") and event.session_log.status == event_pb2.SessionLog.START:
                found.append(("session_start", event.step, "session_log"))
            for value in event.summary.value:
                if value.HasField("histo"):
                    kind = "histogram"
                elif value.metadata.plugin_data.plugin_name:
                    kind = value.metadata.plugin_data.plugin_name
                else:
                    kind = "scalar"
                found.append((value.tag, event.step, kind))
    return found


def steps_of(events, tag, kind="scalar"):
    return [step for t, step, k in events if t == tag and k == kind]
