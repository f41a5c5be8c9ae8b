"""What a run reports: tqdm progress (or plain lines off a terminal), metrics.jsonl and TensorBoard.

* ``Progress``: one tqdm bar per epoch with loss, lr and throughput in the postfix. When the output is not a
  terminal (CI, log files) there are no bars and no carriage returns: a plain line every
  ``progress_interval`` seconds. Messages always go through ``tqdm.write`` so they never tear a bar.
* ``MetricsLog``: one JSON object per line in ``metrics.jsonl``; on resume, lines past the checkpoint are
  dropped so the file reads as if the run had never stopped.
* ``TensorBoardLog``: scalars at optimiser-step indices, optional weight/gradient histograms that skip
  non-finite values, hyper-parameters with the final metrics in the same run; written with tensorboardX's
  protobufs into event files (``EventFile``), synchronously.

Example:
    >>> logger = RunLogger("runs/xor/now", {"log_every": 10, "progress": "auto", "progress_interval": 10.0,
    ...                                      "tensorboard": True, "histogram_every": None}, epochs=3)
    >>> logger.scalars(10, 0, {"train/loss": 0.5, "train/lr": 0.01})
    >>> logger.close()
"""
import importlib
import json
import math
import os
import socket
import struct
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

METRICS_FILE = "metrics.jsonl"


# ------------------------------------------------------------------------------------------------ progress
class Progress:
    """Per-epoch tqdm bars (``mode='bar'``), periodic plain lines (``'plain'``) or silence (``'none'``);
    ``'auto'`` picks bars on a terminal and plain lines otherwise.

    Example:
        >>> progress = Progress("plain", interval=5.0, epochs=10)
        >>> progress.start_epoch(0, steps=50, done=0)
        >>> progress.advance(step=1, postfix={"loss": 0.69, "lr": 0.01, "samples/s": 2400.0})
    """

    REDRAW = 0.1  # seconds

    def __init__(self, mode="auto", interval=10.0, epochs=None, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        if mode == "auto":
            isatty = getattr(self.stream, "isatty", None)
            mode = "bar" if isatty is not None and isatty() else "plain"
        self.mode = mode
        self.interval = interval
        self.epochs = epochs
        self._bar = None
        self._epoch = 0
        self._steps = 0
        self._done = 0
        self._last_line = time.monotonic()
        self._postfix = None
        self._pending = 0
        self._next_draw = 0.0

    def start_epoch(self, epoch, steps, done=0):
        """Begin epoch ``epoch`` (0-based) of ``steps`` optimiser steps, ``done`` of them already taken."""
        self._epoch, self._steps, self._done = epoch, steps, done
        if self.mode == "bar":
            description = f"epoch {epoch + 1}" + (f"/{self.epochs}" if self.epochs else "")
            if self._bar is None:
                self._bar = tqdm(total=steps, initial=done, desc=description, unit="step", leave=False,
                                 dynamic_ncols=True, file=self.stream)
            else:  # one bar, reset per epoch: making a new tqdm each epoch costs more than short epochs take
                self._bar.set_description(description, refresh=False)
                self._bar.reset(total=steps)
                if done:
                    self._bar.update(done)
            self._pending, self._next_draw = 0, 0.0

    def advance(self, step, postfix=None):
        """One optimiser step done; ``postfix`` (loss, lr, samples/s) when fresh values were logged."""
        self._done += 1
        if postfix is not None:
            self._postfix = postfix
        if self._bar is not None:
            if postfix is not None:
                self._bar.set_postfix({k: _short(v) for k, v in postfix.items()}, refresh=False)
            # hand steps to tqdm at most every REDRAW seconds: its update() costs more than a fast step's share
            self._pending += 1
            now = time.monotonic()
            if now >= self._next_draw:
                self._bar.update(self._pending)
                self._pending, self._next_draw = 0, now + self.REDRAW
        elif self.mode == "plain" and postfix is not None:
            now = time.monotonic()
            if now - self._last_line >= self.interval:
                self._last_line = now
                self.write(self.line(step))

    def line(self, step):
        """A plain progress line for the current position."""
        epochs = f"/{self.epochs}" if self.epochs else ""
        parts = [f"epoch {self._epoch + 1}{epochs}", f"step {step} ({self._done}/{self._steps} this epoch)"]
        if self._postfix:
            parts += [f"{k} {_short(v)}" for k, v in self._postfix.items()]
        return "  ".join(parts)

    def end_epoch(self):
        if self._bar is not None and self._pending:
            self._bar.update(self._pending)
            self._pending = 0

    def write(self, message):
        """Print a message to stdout through tqdm.write, so it never tears a bar."""
        tqdm.write(message, file=sys.stdout)
        sys.stdout.flush()

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _short(value):
    if isinstance(value, float):
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
            return f"{value:.3e}"
        return f"{value:.4g}"
    return str(value)


# ------------------------------------------------------------------------------------------------ metrics.jsonl
class MetricsLog:
    """Append-only ``metrics.jsonl``; ``resume_step`` keeps only the records up to that optimiser step.

    Example:
        >>> log = MetricsLog("runs/xor/now/metrics.jsonl")
        >>> log.write({"step": 10, "epoch": 0, "train/loss": 0.41})
    """

    def __init__(self, path, resume_step=None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume_step is not None and self.path.exists():
            self._truncate(resume_step)
        elif resume_step is None and self.path.exists():
            self.path.unlink()
        self._file = open(self.path, "a", encoding="utf-8")

    def _truncate(self, step):
        kept = []
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # a half-written last line of a killed run
                if record.get("step", 0) <= step and not record.get("final"):
                    kept.append(line if line.endswith("\n") else line + "\n")
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.writelines(kept)
        os.replace(tmp, self.path)

    def write(self, record):
        self._file.write(json.dumps(record) + "\n")

    def flush(self):
        self._file.flush()

    def close(self):
        if not self._file.closed:
            self._file.close()


# ------------------------------------------------------------------------------------------------ TensorBoard
class EventFile:
    """A TensorBoard event file written synchronously, with tensorboardX's protobufs and record framing.

    Why not tensorboardX's SummaryWriter: it hands every event to a background thread through a
    multiprocessing queue and fsyncs on every flush. On a 2-core machine those cost about 7% of a
    digits_mlp step (benchmarks/train.py), and a flush does not wait for events still in the queue, so
    "flushed at every epoch" would not mean "on disk". Here ``flush()`` puts everything written so far in
    the file (where TensorBoard reads it), and ``close()`` also fsyncs.

    Example:
        >>> events = EventFile("runs/xor/now")
        >>> events.write(Summary(value=[Summary.Value(tag="train/loss", simple_value=0.5)]), step=10)
        >>> events.close()
    """

    _count = 0

    def __init__(self, log_dir, purge_step=None):
        from tensorboardX.proto.event_pb2 import Event, SessionLog
        self._event = Event
        EventFile._count += 1
        name = (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}."
                f"{EventFile._count}")
        self.path = Path(log_dir) / name
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "ab")
        self._write(Event(wall_time=time.time(), file_version="brain.Event:2"))
        if purge_step is not None:
            # TensorBoard drops events at or after this step from earlier files of the run (a resumed run)
            self._write(Event(wall_time=time.time(), step=purge_step,
                              session_log=SessionLog(status=SessionLog.START)))

    def _write(self, event):
        from tensorboardX.record_writer import masked_crc32c
        data = event.SerializeToString()
        header = struct.pack("<Q", len(data))
        self._file.write(header + struct.pack("<I", masked_crc32c(header)) + data +
                         struct.pack("<I", masked_crc32c(data)))

    def write(self, summary, step):
        self._write(self._event(wall_time=time.time(), step=int(step), summary=summary))

    def flush(self):
        self._file.flush()

    def close(self):
        if not self._file.closed:
            self._file.flush()
            try:
                os.fsync(self._file.fileno())
            except OSError:
                pass
            self._file.close()


class TensorBoardLog:
    """TensorBoard logging into the run directory (``tensorboard --logdir runs`` shows every run).

    ``purge_step`` (on resume) tells TensorBoard to drop events at or after that step written by the
    interrupted process.

    Example:
        >>> tb = TensorBoardLog("runs/xor/now")
        >>> tb.scalars({"train/loss": 0.4}, step=10)
    """

    def __init__(self, log_dir, purge_step=None):
        _import_tensorboardx()
        from tensorboardX.proto.summary_pb2 import Summary
        self._summary = Summary
        self.events = EventFile(log_dir, purge_step)

    def scalars(self, metrics, step):
        """All of a step's scalars, as one event."""
        values = [self._summary.Value(tag=tag, simple_value=float(value)) for tag, value in metrics.items()
                  if isinstance(value, (int, float)) and not isinstance(value, bool)]
        if values:
            self.events.write(self._summary(value=values), step)

    def histograms(self, named_parameters, step):
        """Weights and gradients as histograms; non-finite entries are counted, never passed to the writer."""
        from tensorboardX.summary import histogram
        for name, param in named_parameters:
            for kind, tensor in (("weights", param), ("grads", param._grad)):
                if tensor is None:
                    continue
                values = np.asarray(tensor._data, dtype=np.float64).ravel()
                finite = np.isfinite(values)
                bad = int(values.size - np.count_nonzero(finite))
                if bad:
                    self.scalars({f"nonfinite/{kind}/{name}": bad}, step)
                    values = values[finite]
                if values.size:
                    self.events.write(histogram(f"{kind}/{name}", values, "auto"), step)

    def hparams(self, hparams, metrics, step):
        """Hyper-parameters and final metrics into this same run, as tensorboardX's add_hparams records them
        (which itself would open a second writer in a sub-directory: another run in TensorBoard)."""
        from tensorboardX.summary import hparams as hparams_summary
        metrics = {f"hparams/{k}": float(v) for k, v in metrics.items() if _is_number(v)}
        for summary in hparams_summary(hparams, metrics):
            self.events.write(summary, 0)
        self.scalars(metrics, step)

    def flush(self):
        self.events.flush()

    def close(self):
        self.events.close()


def _import_tensorboardx():
    """Import tensorboardX without PyTorch.

    tensorboardX imports torch when it is installed, only to recognise torch tensors; that costs seconds at
    every start, and we pass it numpy arrays and floats only. So torch is hidden while tensorboardX loads
    (unless the program imported torch already).
    """
    if "tensorboardX" not in sys.modules and "torch" not in sys.modules:
        sys.modules["torch"] = None  # makes `import torch` raise ImportError
        try:
            importlib.import_module("tensorboardX")
        finally:
            del sys.modules["torch"]


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# ------------------------------------------------------------------------------------------------ facade
class RunLogger:
    """Everything a run reports, behind one object: progress, metrics.jsonl and TensorBoard.

    Example:
        >>> logger = RunLogger(run_dir, config.logging, epochs=config.train.epochs)
        >>> logger.scalars(step, epoch, {"train/loss": 0.3})
        >>> logger.message("validation: val/loss 0.21")
        >>> logger.close()
    """

    def __init__(self, run_dir, options, epochs=None, resume_step=None):
        self.run_dir = Path(run_dir)
        self.options = options
        self.progress = Progress(options["progress"], options["progress_interval"], epochs)
        self.metrics = MetricsLog(self.run_dir / METRICS_FILE, resume_step)
        self.tensorboard = None
        if options["tensorboard"]:
            purge = None if resume_step is None else resume_step + 1
            self.tensorboard = TensorBoardLog(self.run_dir, purge_step=purge)
        self._closed = False

    def scalars(self, step, epoch, metrics, **extra):
        """Record ``metrics`` at optimiser step ``step`` in metrics.jsonl and TensorBoard."""
        self.metrics.write({"step": step, "epoch": epoch, **metrics, **extra})
        if self.tensorboard is not None:
            self.tensorboard.scalars(metrics, step)

    def histograms(self, named_parameters, step):
        if self.tensorboard is not None:
            self.tensorboard.histograms(named_parameters, step)

    def final(self, step, epoch, metrics, hparams):
        self.metrics.write({"step": step, "epoch": epoch, "final": True, **metrics})
        if self.tensorboard is not None:
            self.tensorboard.hparams(hparams, metrics, step)

    def message(self, text):
        self.progress.write(text)

    def flush(self):
        self.metrics.flush()
        if self.tensorboard is not None:
            self.tensorboard.flush()

    def close(self):
        """Close everything; safe to call twice and on the way out of a failure."""
        if self._closed:
            return
        self._closed = True
        try:
            self.progress.close()
            self.metrics.close()
        finally:
            if self.tensorboard is not None:
                self.tensorboard.close()
