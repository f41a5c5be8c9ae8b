"""Checkpoints: the whole run state in one directory per optimiser step, written atomically, with retention.

Layout of ``<run>/checkpoints/``::

    step_00000040/
        model.safetensors   the model's state_dict (plain safetensors, loads into PyTorch)
        state.safetensors   optimiser, scheduler, data-loader position, RNG states, counters, best metric, config
                            (framework.save: tensors in safetensors, the rest as JSON; no pickle)
        meta.json           step, epoch, monitored metric value (read by retention without loading tensors)
    last -> step_00000040   the newest checkpoint
    best -> step_00000030   the best one by the monitored metric

A checkpoint is written under a temporary name and renamed into place (``os.replace``), so a crash while
writing leaves the previous checkpoints intact and never a partial directory under a final name.

Example:
    >>> store = CheckpointStore("runs/xor/2024-05-01_12-00-00/checkpoints", keep_last=2, keep_best=1, mode="min")
    >>> store.save(step=40, epoch=10, model_state=model.state_dict(), state=trainer_state, value=0.12)
    >>> read_checkpoint(store.directory / "last")["meta"]["step"]
    40
"""
import json
import os
import re
import shutil
import sys
from pathlib import Path

from .. import serialization
from .errors import CheckpointError

MODEL_FILE = "model.safetensors"
STATE_FILE = "state.safetensors"
META_FILE = "meta.json"
FORMAT_VERSION = 1
_NAME = re.compile(r"^step_(\d+)$")


def checkpoint_name(step):
    """Directory name of the checkpoint at optimiser step ``step`` (zero-padded so names sort by step).

    Example:
        >>> checkpoint_name(40)
        'step_00000040'
    """
    return f"step_{step:08d}"


def _fsync_path(path, directory=False):
    """Push a file (or a directory entry) to disk, so a rename after it cannot expose unwritten data."""
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_checkpoint(directory, name, model_state, state, meta):
    """Write one checkpoint directory atomically: into ``.<name>.tmp-<pid>``, then ``os.replace``.

    On any failure the temporary directory is removed and the exception propagates; an existing checkpoint
    of the same name is only replaced after the new one is complete.

    Example:
        >>> write_checkpoint(Path("checkpoints"), "step_00000040", model.state_dict(), state, {"step": 40})
        PosixPath('checkpoints/step_00000040')
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / name
    tmp = directory / f".{name}.tmp-{os.getpid()}"
    old = directory / f".{name}.old-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        serialization.save(model_state, str(tmp / MODEL_FILE))
        serialization.save(state, str(tmp / STATE_FILE))
        with open(tmp / META_FILE, "w", encoding="utf-8") as f:
            json.dump(dict(meta, format=FORMAT_VERSION), f, indent=1)
        for item in (MODEL_FILE, STATE_FILE, META_FILE):
            _fsync_path(tmp / item)
        _fsync_path(tmp, directory=True)
        if final.exists():
            # a directory cannot be replaced by os.replace while it has files: move the old one aside first
            os.replace(final, old)
        os.replace(tmp, final)
        _fsync_path(directory, directory=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not final.exists():
            os.replace(old, final)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return final


def read_meta(path):
    """The ``meta.json`` of a checkpoint directory; CheckpointError when it is missing or damaged.

    Example:
        >>> read_meta("runs/xor/now/checkpoints/last")["step"]
        150
    """
    try:
        with open(Path(path) / META_FILE, encoding="utf-8") as f:
            meta = json.load(f)
        int(meta["step"])
        return meta
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"checkpoint {path} is damaged or incomplete: cannot read {META_FILE} ({exc})") \
            from None


def read_checkpoint(path):
    """Load a checkpoint directory: ``{"model": state_dict, "state": {...}, "meta": {...}}``.

    Any damage (missing file, truncated safetensors, bad JSON) raises CheckpointError naming the path.

    Example:
        >>> ckpt = read_checkpoint("runs/xor/2024-05-01_12-00-00/checkpoints/last")
        >>> model.load_state_dict(ckpt["model"])
    """
    path = Path(path)
    if not path.is_dir():
        raise CheckpointError(f"checkpoint {path} does not exist (expected a directory holding {MODEL_FILE}, "
                              f"{STATE_FILE} and {META_FILE})")
    meta = read_meta(path)
    try:
        model_state = serialization.load(str(path / MODEL_FILE))
        state = serialization.load(str(path / STATE_FILE))
    except Exception as exc:  # noqa: BLE001  (any unreadable file means: damaged)
        raise CheckpointError(f"checkpoint {path} is damaged or incomplete: {type(exc).__name__}: {exc}") \
            from None
    return {"model": model_state, "state": state, "meta": meta}


def list_checkpoints(directory):
    """``[(step, path)]`` of the checkpoint directories under ``directory``, oldest first.

    Example:
        >>> [step for step, _ in list_checkpoints("runs/xor/now/checkpoints")]
        [100, 150]
    """
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = []
    for entry in directory.iterdir():
        match = _NAME.match(entry.name)
        if match and entry.is_dir() and not entry.is_symlink():
            found.append((int(match.group(1)), entry))
    return sorted(found)


def newest_valid(directory, warn):
    """The newest checkpoint under ``directory`` that loads, skipping damaged ones with a warning; or None.

    Returns ``(path, loaded)`` so the caller does not read it twice.

    Example:
        >>> path, checkpoint = newest_valid("runs/xor/now/checkpoints", warn=print)
    """
    for _, path in reversed(list_checkpoints(directory)):
        try:
            return path, read_checkpoint(path)
        except CheckpointError as exc:
            warn(f"warning: {exc}; skipping it")
    return None


def _point(directory, link_name, target_name):
    """Make ``directory/link_name`` name ``target_name`` (a relative symlink, replaced atomically)."""
    link = directory / link_name
    tmp = directory / f".{link_name}.tmp-{os.getpid()}"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(target_name, tmp)
        os.replace(tmp, link)
    except OSError:
        # no symlinks here (some Windows setups): a text file naming the checkpoint instead
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(target_name + "\n")
        os.replace(tmp, link)


def resolve(path):
    """The checkpoint directory a path names: ``last``/``best`` (a link, or a file holding the name where
    links are not available) are followed; any other path is returned as it is.

    Example:
        >>> resolve("runs/xor/now/checkpoints/last").name
        'step_00000150'
    """
    path = Path(path)
    if path.is_symlink():
        return path.resolve()
    if path.is_file() and path.name in ("last", "best"):
        return path.parent / path.read_text(encoding="utf-8").strip()
    return path


class CheckpointStore:
    """The ``checkpoints/`` folder of a run: saves, retention (``keep_last`` newest plus ``keep_best`` best by
    the monitored value) and the ``last``/``best`` names.

    Example:
        >>> store = CheckpointStore(run_dir / "checkpoints", keep_last=2, keep_best=1, mode="max")
        >>> path = store.save(step, epoch, model.state_dict(), state, value=val_accuracy)
    """

    def __init__(self, directory, keep_last=2, keep_best=1, mode="min", monitor=None):
        self.directory = Path(directory)
        self.keep_last = keep_last
        self.keep_best = keep_best
        self.mode = mode
        self.monitor = monitor

    def save(self, step, epoch, model_state, state, value=None):
        """Write the checkpoint of ``step``, point ``last`` at it, then apply retention; returns its path."""
        meta = {"step": int(step), "epoch": int(epoch), "monitor": self.monitor,
                "value": None if value is None else float(value)}
        name = checkpoint_name(step)
        path = write_checkpoint(self.directory, name, model_state, state, meta)
        _point(self.directory, "last", name)
        self.prune()
        return path

    def _better(self, a, b):
        return a < b if self.mode == "min" else a > b

    def prune(self):
        """Delete checkpoints that are neither among the ``keep_last`` newest nor the ``keep_best`` best."""
        entries = []
        for step, path in list_checkpoints(self.directory):
            try:
                entries.append((step, path, read_meta(path).get("value")))
            except CheckpointError:
                continue  # a damaged one is left for a person to look at, never counted as kept
        keep = {path for _, path, _ in entries[-self.keep_last:]}
        scored = [(value, step, path) for step, path, value in entries if value is not None]
        # best first; among equal values the earlier step (it reached the value first)
        scored.sort(key=lambda item: ((item[0] if self.mode == "min" else -item[0]), item[1]))
        best = [path for _, _, path in scored[:self.keep_best]]
        keep.update(best)
        for _, path, _ in entries:
            if path not in keep:
                shutil.rmtree(path, ignore_errors=True)
        if scored and scored[0][2] in keep:
            _point(self.directory, "best", scored[0][2].name)

    def latest(self):
        """Path of the newest checkpoint, or None."""
        found = list_checkpoints(self.directory)
        return found[-1][1] if found else None


def default_warn(message):
    """Print a warning line to stderr (the default ``warn`` of the functions here).

    Example:
        >>> default_warn("warning: checkpoint x is damaged; skipping it")
    """
    print(message, file=sys.stderr, flush=True)
