"""What a run reports: tqdm progress (or plain lines off a terminal), metrics.jsonl and TensorBoard.

* ``Progress``: one tqdm bar per epoch with loss, lr and throughput in the postfix. When the output is not a
  terminal (CI, log files) there are no bars and no carriage returns: a plain line every
  ``progress_interval`` seconds. Messages always go through ``tqdm.write`` so they never tear a bar.
* ``MetricsLog``: one JSON object per line in ``metrics.jsonl``; on resume, lines past the checkpoint are
  dropped so the file reads as if the run had never stopped.
* ``TensorBoardLog``: scalars at optimiser-step indices, optional weight/gradient histograms that skip
  non-finite values, hyper-parameters with the final metrics in the same run.

Example:
    >>> logger = RunLogger("runs/xor/now", {"log_every": 10, "progress": "auto", "progress_interval": 10.0,
    ...                                      "tensorboard": True, "histogram_every": None}, epochs=3)
    >>> logger.scalars(10, 0, {"train/loss": 0.5, "train/lr": 0.01})
    >>> logger.close()
"""
import json
import math
import os
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

    def start_epoch(self, epoch, steps, done=0):
        """Begin epoch ``epoch`` (0-based) of ``steps`` optimiser steps, ``done`` of them already taken."""
        self._epoch, self._steps, self._done = epoch, steps, done
        if self.mode == "bar":
            total = f"/{self.epochs}" if self.epochs else ""
            self._bar = tqdm(total=steps, initial=done, desc=f"epoch {epoch + 1}{total}", unit="step",
                             leave=False, dynamic_ncols=True, file=self.stream)

    def advance(self, step, postfix=None):
        """One optimiser step done; ``postfix`` (loss, lr, samples/s) when fresh values were logged."""
        self._done += 1
        if postfix is not None:
            self._postfix = postfix
        if self._bar is not None:
            if postfix is not None:
                self._bar.set_postfix({k: _short(v) for k, v in postfix.items()}, refresh=False)
            self._bar.update(1)
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
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def write(self, message):
        """Print a message to stdout through tqdm.write, so it never tears a bar."""
        tqdm.write(message, file=sys.stdout)
        sys.stdout.flush()

    def close(self):
        self.end_epoch()


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
class TensorBoardLog:
    """A tensorboardX SummaryWriter on the run directory (``tensorboard --logdir runs`` shows every run).

    ``purge_step`` (on resume) tells TensorBoard to drop events at or after that step written by the
    interrupted process.

    Example:
        >>> tb = TensorBoardLog("runs/xor/now")
        >>> tb.scalars({"train/loss": 0.4}, step=10)
    """

    def __init__(self, log_dir, purge_step=None):
        self.writer = _summary_writer_class()(logdir=str(log_dir), purge_step=purge_step, flush_secs=30)

    def scalars(self, metrics, step):
        for tag, value in metrics.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.writer.add_scalar(tag, value, step)

    def histograms(self, named_parameters, step):
        """Weights and gradients as histograms; non-finite entries are counted, never passed to the writer."""
        for name, param in named_parameters:
            for kind, tensor in (("weights", param), ("grads", param._grad)):
                if tensor is None:
                    continue
                values = np.asarray(tensor._data, dtype=np.float64).ravel()
                finite = np.isfinite(values)
                bad = int(values.size - np.count_nonzero(finite))
                if bad:
                    self.writer.add_scalar(f"nonfinite/{kind}/{name}", bad, step)
                    values = values[finite]
                if values.size:
                    self.writer.add_histogram(f"{kind}/{name}", values, step)

    def hparams(self, hparams, metrics, step):
        """Hyper-parameters and final metrics into this same run (tensorboardX's add_hparams would open a
        second writer in a sub-directory, which TensorBoard shows as another run)."""
        from tensorboardX.summary import hparams as hparams_summary
        metrics = {f"hparams/{k}": float(v) for k, v in metrics.items() if _is_number(v)}
        for summary in hparams_summary(hparams, metrics):
            self.writer.file_writer.add_summary(summary)
        self.scalars(metrics, step)

    def flush(self):
        self.writer.flush()

    def close(self):
        self.writer.close()


def _summary_writer_class():
    """tensorboardX's SummaryWriter, imported without PyTorch.

    tensorboardX imports torch when it is installed, only to recognise torch tensors; that costs seconds at
    every start, and we pass it numpy arrays and floats only. So torch is hidden while tensorboardX loads
    (unless the program imported torch already).
    """
    if "tensorboardX" not in sys.modules and "torch" not in sys.modules:
        sys.modules["torch"] = None  # makes `import torch` raise ImportError
        try:
            import tensorboardX  # noqa: F401
        finally:
            del sys.modules["torch"]
    from tensorboardX import SummaryWriter
    return SummaryWriter


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
