"""Where a run lives: choosing the run directory and the checkpoint a ``--resume`` continues from.

A run directory holds ``config.yaml`` (the resolved config), ``metrics.jsonl``, the TensorBoard event files
and ``checkpoints/``. By default it is ``runs/<config name>/<timestamp>``; ``--resume auto`` then looks in
the newest run directory of that config name that holds a valid checkpoint.

Example:
    >>> output_dir, checkpoint = resolve_run(config, "configs/xor.yaml", resume="auto")
"""
import datetime
from pathlib import Path

from .checkpoint import default_warn, list_checkpoints, newest_valid, read_checkpoint, resolve
from .errors import CheckpointError

RUNS_ROOT = "runs"
CHECKPOINTS = "checkpoints"


def new_run_dir(config_name, root=RUNS_ROOT, now=None):
    """A fresh ``root/<config_name>/<timestamp>`` path (suffixed ``-2``, ``-3`` ... if taken).

    Example:
        >>> new_run_dir("xor")
        PosixPath('runs/xor/2024-05-01_12-00-00')
    """
    stamp = (now or datetime.datetime.now()).strftime("%Y-%m-%d_%H-%M-%S")
    base = Path(root) / config_name / stamp
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{stamp}-{n}")
    return candidate


def _run_dir_of(checkpoint):
    """The run directory a checkpoint belongs to (the parent of its ``checkpoints`` folder)."""
    parent = Path(checkpoint).resolve().parent
    return parent.parent if parent.name == CHECKPOINTS else parent


def find_in(path, warn=default_warn):
    """The newest valid checkpoint in a run directory, a ``checkpoints`` folder, or the checkpoint itself.

    Example:
        >>> find_in("runs/xor/2024-05-01_12-00-00").name
        'step_00000150'
    """
    path = resolve(Path(path))
    if (path / "meta.json").exists() or path.name.startswith("step_"):
        read_checkpoint(path)  # raises CheckpointError naming what is wrong
        return path
    folder = path / CHECKPOINTS if (path / CHECKPOINTS).is_dir() else path
    found = newest_valid(folder, warn)
    return None if found is None else found[0]


def resolve_run(output_dir, config_name, resume, warn=default_warn, root=RUNS_ROOT):
    """Decide ``(run directory, checkpoint to resume from or None)``.

    ``resume`` is None (new run), ``"auto"`` (the newest valid checkpoint of this run, if any) or a path (a
    checkpoint, ``last``, a ``checkpoints`` folder or a run directory). An explicit ``output_dir`` is always
    the run directory.

    Example:
        >>> resolve_run(None, "xor", None)
        (PosixPath('runs/xor/2024-05-01_12-00-00'), None)
    """
    if resume is None:
        return (Path(output_dir) if output_dir else new_run_dir(config_name, root)), None
    if resume == "auto":
        candidates = [Path(output_dir)] if output_dir else _runs_newest_first(Path(root) / config_name)
        for run_dir in candidates:
            checkpoint = find_in(run_dir, warn) if (run_dir / CHECKPOINTS).is_dir() else None
            if checkpoint is not None:
                return run_dir, checkpoint
        where = output_dir or str(Path(root) / config_name)
        warn(f"--resume auto: no checkpoint found under {where}; starting a new run")
        return (Path(output_dir) if output_dir else new_run_dir(config_name, root)), None
    path = Path(resume)
    if not path.exists() and not path.is_symlink():
        raise CheckpointError(f"--resume {resume}: no such checkpoint or run directory")
    checkpoint = find_in(path, warn)
    if checkpoint is None:
        raise CheckpointError(f"--resume {resume}: no valid checkpoint in it")
    return (Path(output_dir) if output_dir else _run_dir_of(checkpoint)), checkpoint


def _runs_newest_first(folder):
    if not folder.is_dir():
        return []
    runs = [p for p in folder.iterdir() if p.is_dir() and list_checkpoints(p / CHECKPOINTS)]
    return sorted(runs, key=lambda p: p.name, reverse=True)
