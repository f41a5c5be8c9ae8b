"""The reusable training loop: epochs of optimiser steps, gradient accumulation, validation, early stopping,
checkpoints, resume, logging, and a clean stop on SIGINT/SIGTERM or a non-finite loss.

Counting: ``global_step`` counts optimiser steps. With ``train.grad_accum_steps: k`` a step takes k
micro-batches; each micro-batch loss (a mean over its samples) is weighted by its share of the window's
samples, so the accumulated gradient is the gradient of the whole window's mean loss, uneven batches
included. The last window of an epoch may be shorter; it is stepped on its own samples and never mixes
with the next epoch. The scheduler, clipping and logging act once per optimiser step.

Example:
    >>> trainer = Trainer(model, optimizer, train_loader, lambda batch: loss_fn(model(batch[0]), batch[1]),
    ...                   validate=lambda: {"val/loss": evaluate(model, val_loader)}, val_metrics=["val/loss"],
    ...                   config={"train": {"epochs": 5}}, output_dir="runs/demo")
    >>> with trainer:
    ...     trainer.fit()                     # or trainer.fit(resume="runs/demo/checkpoints/last")
"""
import contextlib
import difflib
import inspect
import math
import time
from itertools import islice
from pathlib import Path

import numpy as np

from ..autograd.grad_mode import no_grad
from ..nn.utils import clip_grad_norm_
from . import rng
from .checkpoint import CheckpointStore, read_checkpoint
from .config import ConfigNode, dump_yaml, parse_yaml, to_dict, validate_section
from .errors import CheckpointError, ConfigError, NonFiniteLossError, TrainingInterrupted
from .guards import FindNonFinite, StopOnSignal
from .logging import RunLogger
from .rundir import new_run_dir
from .schema import LOGGING, TRAIN

# Keys that may change between an interrupted run and its resumption: they decide how long to train and
# what to record, never what one step computes.
RESUMABLE_CHANGES = ("output_dir", "train.epochs", "train.max_steps", "train.checkpoint_every",
                     "train.checkpoint_epochs", "train.keep_last",
                     "train.keep_best", "train.detect_anomaly", "train.early_stopping_patience",
                     "train.early_stopping_min_delta", "train.val_every", "logging")


def batch_size_of(batch):
    """Number of samples in a batch: the first dimension of its first array-like leaf.

    Example:
        >>> batch_size_of((framework.zeros(8, 2), framework.zeros(8)))
        8
    """
    while isinstance(batch, (tuple, list, dict)):
        if not batch:
            return 0
        batch = next(iter(batch.values())) if isinstance(batch, dict) else batch[0]
    shape = getattr(batch, "shape", None)
    if not shape:
        raise TypeError(f"cannot tell how many samples a batch holds: its first element is {type(batch).__name__}")
    return int(shape[0])


def flatten(mapping, prefix=""):
    """Nested dicts to dotted keys; lists stay whole.

    Example:
        >>> flatten({"a": {"b": 1, "c": [1, 2]}})
        {'a.b': 1, 'a.c': [1, 2]}
    """
    out = {}
    for key, value in mapping.items():
        if isinstance(value, dict) and value:
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _resumable(key):
    return any(key == k or key.startswith(k + ".") for k in RESUMABLE_CHANGES)


def config_differences(saved, current):
    """Human-readable differences between two configs, ignoring keys a resume may change.

    Example:
        >>> config_differences({"model": {"sizes": [2, 8]}}, {"model": {"sizes": [2, 16]}})
        ['model.sizes is [2, 8] there and [2, 16] here']
    """
    a, b = flatten(to_dict(saved)), flatten(to_dict(current))
    diffs = []
    for key in sorted(set(a) | set(b)):
        if _resumable(key):
            continue
        if key not in b:
            diffs.append(f"{key} is {a[key]!r} there and absent here")
        elif key not in a:
            diffs.append(f"{key} is absent there and {b[key]!r} here")
        elif a[key] != b[key]:
            diffs.append(f"{key} is {a[key]!r} there and {b[key]!r} here")
    return diffs


class Trainer:
    """Train ``model`` with ``optimizer`` on ``train_loader``; ``compute_loss(batch)`` returns the batch's mean loss.

    Args:
        model: a ``framework.nn.Module``.
        optimizer: a ``framework.optim`` optimiser over the model's parameters.
        train_loader: a ``framework.data.DataLoader`` (its ``state_dict`` makes mid-epoch resume exact).
        compute_loss: ``batch -> loss`` (a 0-d Tensor, mean over the batch's samples).
        scheduler: optional LR scheduler, stepped per optimiser step (``train.scheduler_interval: epoch``:
            per epoch; ReduceLROnPlateau-style schedulers get the monitored metric at each validation).
        validate: optional ``() -> {"val/loss": ..., ...}`` run in eval mode under no_grad at validation epochs.
        val_metrics: the names ``validate`` returns (so ``train.monitor`` is checked before training).
        config: the run's config (a dict with ``train`` and ``logging`` sections; missing keys get defaults).
        output_dir: the run directory (default: ``config['output_dir']`` or ``runs/run/<timestamp>``).

    Example:
        >>> with Trainer(model, opt, loader, compute_loss, config={"train": {"epochs": 3}}) as trainer:
        ...     trainer.fit()
    """

    def __init__(self, model, optimizer, train_loader, compute_loss, *, scheduler=None, validate=None,
                 val_metrics=(), config=None, output_dir=None):
        config = ConfigNode(to_dict(config or {}))
        problems = []
        config["train"] = validate_section(config.get("train"), TRAIN, "train", problems)
        config["logging"] = validate_section(config.get("logging"), LOGGING, "logging", problems)
        if problems:
            raise ConfigError(problems)
        self.config = config
        self.options = config.train
        self.model = model
        self.optimizer = optimizer
        self.train_loader = train_loader
        self.compute_loss = compute_loss
        self.scheduler = scheduler
        self.validate = validate
        self.output_dir = Path(output_dir or config.get("output_dir") or new_run_dir("run"))
        self.config["output_dir"] = str(self.output_dir)
        if len(train_loader) == 0:
            raise ConfigError("the training data gives no batches (fewer samples than data.batch_size with "
                              "drop_last, or an empty dataset)")
        self.monitor, self.mode = self._resolve_monitor(val_metrics)
        self.checkpoints = CheckpointStore(self.output_dir / "checkpoints", self.options.keep_last,
                                           self.options.keep_best, self.mode, self.monitor)
        self._params = [p for group in optimizer.param_groups for p in group["params"]]
        self._plateau = scheduler is not None and "metrics" in inspect.signature(scheduler.step).parameters
        # progress counters (all saved in checkpoints)
        self.global_step = 0
        self.epoch = 0                    # completed epochs
        self.best_value = None
        self.best_step = None
        self.bad_validations = 0
        self._epoch_loss = 0.0            # sum of loss * samples this epoch
        self._epoch_samples = 0
        self._log_loss = 0.0              # same, since the last logged step
        self._log_samples = 0
        # run-time only
        self.logger = None
        self.stop_reason = None
        self.last_metrics = {}
        self.stop_signal = None
        self._saved_step = None
        self.nonfinite_origin = None
        self._log_clock = time.perf_counter()

    # ------------------------------------------------------------------------------------------ set-up
    def _resolve_monitor(self, val_metrics):
        measured = list(val_metrics) if self.validate is not None else []
        available = ["train/loss"] + measured
        monitor = self.options.monitor
        if monitor is None:
            monitor = "val/loss" if "val/loss" in measured else "train/loss"
        elif monitor not in available:
            close = difflib.get_close_matches(monitor, available, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            if monitor in val_metrics:
                hint = " (there is no validation data: set data.val or data.val_fraction)"
            raise ConfigError(f"train.monitor is {monitor!r}, which this run does not measure{hint}; it "
                              f"measures {', '.join(available)}")
        mode = self.options.mode or ("max" if "acc" in monitor.rsplit("/", 1)[-1] else "min")
        return monitor, mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        """Flush and close the logs (TensorBoard writer included); safe to call more than once."""
        if self.logger is not None:
            self.logger.close()

    # ------------------------------------------------------------------------------------------ the run
    def fit(self, resume=None):
        """Train until ``train.epochs`` (or ``train.max_steps``, or early stopping); returns the last metrics.

        ``resume``: a checkpoint directory to continue from (the whole state is restored, so the result is
        bitwise that of an uninterrupted run). A checkpoint is written when the run ends.
        Raises TrainingInterrupted after SIGINT/SIGTERM (a checkpoint was saved first), NonFiniteLossError
        on a NaN/inf loss, CheckpointError when ``resume`` cannot be used.
        """
        loaded = read_checkpoint(resume) if resume is not None else None
        if loaded is not None:
            # everything that can refuse the checkpoint runs before any file of the run directory is touched
            self._check_compatible(loaded, resume)
            self._restore(loaded, resume)
        elif self.checkpoints.latest() is not None:
            raise ConfigError(f"{self.output_dir} already holds checkpoints of a run; continue it with --resume, "
                              f"or choose another output_dir")
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self._config_yaml = dump_yaml(self.config)
        (self.output_dir / "config.yaml").write_text(self._config_yaml, encoding="utf-8")
        resume_step = self.global_step if loaded is not None else None
        self.logger = RunLogger(self.output_dir, self.config.logging, self.options.epochs, resume_step)
        try:
            if loaded is not None:
                position = self.train_loader.state_dict()["position"]
                where = f"{position} of {len(self.train_loader)} batches into" if position else "at the start of"
                self.logger.message(f"resumed from {resume} at step {self.global_step} ({where} epoch "
                                    f"{self.epoch + 1})")
            else:
                self.logger.message(f"run directory: {self.output_dir}")
            if self._finished():
                self.logger.message(f"nothing to train: {self._finished()} (raise train.epochs, train.max_steps "
                                    f"or train.early_stopping_patience to continue this run)")
                return self.last_metrics
            self._log_clock = time.perf_counter()
            with self._signals(), self._anomaly():
                while not self._finished():
                    self._train_epoch()
                    self._stop_if_signalled()
            if self._saved_step != self.global_step:
                self._save_checkpoint()
            self.logger.flush()
            return self.last_metrics
        except BaseException:
            self.close()
            raise

    def _finished(self):
        """Why the run is over, or an empty string."""
        opts = self.options
        if self.stop_reason:
            return self.stop_reason
        if opts.max_steps is not None and self.global_step >= opts.max_steps:
            return f"train.max_steps={opts.max_steps} reached"
        if self.epoch >= opts.epochs:
            return f"train.epochs={opts.epochs} done"
        if opts.early_stopping_patience is not None and self.bad_validations >= opts.early_stopping_patience:
            return f"stopped early ({self.monitor} did not improve for {self.bad_validations} validations)"
        return ""

    def _train_epoch(self):
        loader, k = self.train_loader, self.options.grad_accum_steps
        n_batches = len(loader)
        position = loader.state_dict()["position"] if hasattr(loader, "state_dict") else 0
        steps_in_epoch = math.ceil(n_batches / k)
        self.logger.progress.start_epoch(self.epoch, steps_in_epoch, math.ceil(position / k))
        self.model.train()
        batches = iter(loader)
        while position < n_batches:
            window = list(islice(batches, k))
            if not window:  # the loader gave fewer batches than its len() said
                position = n_batches
                break
            position += len(window)
            self._optimizer_step(window)
            if position >= n_batches:
                next(batches, None)  # let the loader finish its epoch, so its state points at the next one
            self._after_step(epoch_done=position >= n_batches)
            if self.stop_signal is not None or self._finished():
                break
        self.logger.progress.end_epoch()
        if position >= n_batches:  # else stopped mid-epoch (signal, max_steps): the epoch goes on after a resume
            self._end_epoch()

    def _optimizer_step(self, window):
        sizes = [batch_size_of(batch) for batch in window]
        total = sum(sizes)
        self.optimizer.zero_grad(set_to_none=True)
        loss_sum = 0.0
        for index, (batch, n) in enumerate(zip(window, sizes)):
            self.nonfinite_origin = None
            loss = self.compute_loss(batch)
            value = float(loss.item())
            if not math.isfinite(value):
                self._stop_non_finite(value, loss, index, len(window))
            self._backward(loss if n == total else loss * (n / total))
            loss_sum += value * n
        log_now = (self.global_step + 1) % self.config.logging.log_every == 0
        grad_norm = None
        if self.options.clip_grad_norm is not None:
            grad_norm = float(clip_grad_norm_(self._params, self.options.clip_grad_norm))
        elif log_now:
            grad_norm = self._grad_norm()
        lr = float(self.optimizer.param_groups[0]["lr"])
        self.optimizer.step()
        if self.scheduler is not None and not self._plateau and self.options.scheduler_interval == "step":
            self.scheduler.step()
        self.global_step += 1
        self._epoch_loss += loss_sum
        self._epoch_samples += total
        self._log_loss += loss_sum
        self._log_samples += total
        if log_now:
            self._log_step(lr, grad_norm)
        else:
            self.logger.progress.advance(self.global_step)

    def _backward(self, loss):
        try:
            loss.backward()
        except RuntimeError as exc:
            if self.options.detect_anomaly and "returned nan values" in str(exc):
                raise NonFiniteLossError(
                    f"non-finite gradient at step {self.global_step + 1} (epoch {self.epoch + 1}): {exc} "
                    f"Training stopped; {self._last_good()}") from None
            raise

    def _grad_norm(self):
        total = 0.0
        for p in self._params:
            g = p._grad
            if g is not None:
                flat = g._data.ravel()
                total += float(np.dot(flat, flat))
        return math.sqrt(total)

    def _log_step(self, lr, grad_norm):
        now = time.perf_counter()
        elapsed = max(now - self._log_clock, 1e-12)
        throughput = self._log_samples / elapsed
        metrics = {"train/loss": self._log_loss / self._log_samples, "train/lr": lr}
        if grad_norm is not None:
            metrics["train/grad_norm"] = grad_norm
        metrics["train/throughput"] = throughput
        self.logger.scalars(self.global_step, self.epoch + 1, metrics)  # epochs counted from 1, as printed
        self.logger.progress.advance(self.global_step, {"loss": metrics["train/loss"], "lr": lr,
                                                        "samples/s": f"{throughput:.0f}"})
        self._log_loss, self._log_samples = 0.0, 0
        self._log_clock = time.perf_counter()

    def _after_step(self, epoch_done):
        every = self.config.logging.histogram_every
        if every is not None and self.global_step % every == 0:
            self.logger.histograms(self.model.named_parameters(), self.global_step)
        every = self.options.checkpoint_every
        if every is not None and self.global_step % every == 0 and not epoch_done:
            self._save_checkpoint()

    def _end_epoch(self):
        self.epoch += 1
        metrics = {"train/loss": self._epoch_loss / max(self._epoch_samples, 1)}
        self._epoch_loss, self._epoch_samples = 0.0, 0
        opts = self.options
        validated = self.validate is not None and (self.epoch % opts.val_every == 0 or self.epoch >= opts.epochs)
        if validated:
            was_training = self.model.training
            self.model.eval()
            with no_grad():
                metrics.update(self.validate())
            self.model.train(was_training)
        if self.scheduler is not None:
            if self._plateau:
                if self.monitor in metrics:
                    self.scheduler.step(metrics[self.monitor])
            elif opts.scheduler_interval == "epoch":
                self.scheduler.step()
        value = metrics.get(self.monitor)
        if value is not None:
            self._track_best(value)
        record = {("train/epoch_loss" if k == "train/loss" else k): v for k, v in metrics.items()}
        self.logger.scalars(self.global_step, self.epoch, record)
        self.last_metrics = metrics
        if validated or self.epoch >= opts.epochs or self._finished():
            shown = "  ".join(f"{k} {v:.4g}" for k, v in metrics.items())
            self.logger.message(f"epoch {self.epoch}/{opts.epochs}  step {self.global_step}  {shown}")
        if self.stop_reason:
            self.logger.message(self.stop_reason)
        if self.epoch % opts.checkpoint_epochs == 0 or self._finished():
            self._save_checkpoint(value)
        self.logger.flush()

    def _track_best(self, value):
        delta = self.options.early_stopping_min_delta
        improved = (self.best_value is None or
                    (value < self.best_value - delta if self.mode == "min" else value > self.best_value + delta))
        if improved:
            self.best_value, self.best_step, self.bad_validations = float(value), self.global_step, 0
            return
        self.bad_validations += 1
        patience = self.options.early_stopping_patience
        if patience is not None and self.bad_validations >= patience:
            self.stop_reason = (f"early stopping: {self.monitor} has not improved for {self.bad_validations} "
                                f"validations (best {self.best_value:.6g} at step {self.best_step})")

    # ------------------------------------------------------------------------------------------ final results
    def log_final(self, metrics):
        """Record final evaluation metrics (metrics.jsonl, and TensorBoard hparams with the config)."""
        hparams = {}
        for key, value in flatten(to_dict(self.config)).items():
            if key.startswith("logging.") or key == "output_dir":
                continue
            hparams[key] = value if isinstance(value, (bool, int, float, str)) else str(value)
        self.logger.final(self.global_step, self.epoch, metrics, hparams)
        self.logger.flush()

    # ------------------------------------------------------------------------------------------ checkpoints
    def state_dict(self):
        """The whole training state except the model weights (saved separately as model.safetensors)."""
        state = {
            "optimizer": self.optimizer.state_dict(),
            "loader": self.train_loader.state_dict(),
            "rng": rng.capture(),
            "progress": {"step": self.global_step, "epoch": self.epoch, "epoch_loss": self._epoch_loss,
                         "epoch_samples": self._epoch_samples, "log_loss": self._log_loss,
                         "log_samples": self._log_samples, "bad_validations": self.bad_validations},
            "config": self._config_yaml,
        }
        if self.scheduler is not None:
            state["scheduler"] = self.scheduler.state_dict()
        if self.best_value is not None:
            state["best"] = {"value": self.best_value, "step": self.best_step}
        return state

    def _save_checkpoint(self, value=None):
        path = self.checkpoints.save(self.global_step, self.epoch, self.model.state_dict(), self.state_dict(),
                                     value=value)
        self._saved_step = self.global_step
        return path

    def _check_compatible(self, loaded, path):
        saved = parse_yaml(loaded["state"]["config"], f"{path}/state")
        diffs = config_differences(saved, self.config)
        if diffs:
            allowed = ", ".join(RESUMABLE_CHANGES)
            raise CheckpointError(f"cannot resume from {path}: it was written by a run with a different config: "
                                  f"{'; '.join(diffs)}. Only {allowed} may change when resuming; use the "
                                  f"checkpoint's values or start a new run without --resume")

    def _restore(self, loaded, path):
        state = loaded["state"]
        try:
            self.model.load_state_dict(loaded["model"])
        except (RuntimeError, KeyError, ValueError) as exc:
            raise CheckpointError(f"cannot resume from {path}: the model does not match the checkpoint: "
                                  f"{exc}") from None
        try:
            self.optimizer.load_state_dict(state["optimizer"])
            if self.scheduler is not None:
                self.scheduler.load_state_dict(state["scheduler"])
            self.train_loader.load_state_dict(state["loader"])
        except (RuntimeError, KeyError, ValueError, TypeError) as exc:
            raise CheckpointError(f"cannot resume from {path}: its optimiser, scheduler or data-loader state "
                                  f"does not fit this run: {exc}") from None
        rng.restore(state["rng"])
        progress = state["progress"]
        self.global_step, self.epoch = int(progress["step"]), int(progress["epoch"])
        self._epoch_loss, self._epoch_samples = float(progress["epoch_loss"]), int(progress["epoch_samples"])
        self._log_loss, self._log_samples = float(progress["log_loss"]), int(progress["log_samples"])
        self.bad_validations = int(progress["bad_validations"])
        best = state.get("best")
        if best:
            self.best_value, self.best_step = float(best["value"]), int(best["step"])
        self._saved_step = self.global_step

    def _last_good(self):
        latest = self.checkpoints.latest()
        if latest is None:
            return "no checkpoint was written yet"
        return f"the last good checkpoint is {latest} (continue with --resume {latest})"

    # ------------------------------------------------------------------------------------------ stops
    def _stop_if_signalled(self):
        if self.stop_signal is None:
            return
        if self._saved_step != self.global_step:
            self._save_checkpoint()
        self.logger.flush()
        raise TrainingInterrupted(self.stop_signal, self.global_step, self.checkpoints.latest())

    def _stop_non_finite(self, value, loss, index, count):
        where = f"step {self.global_step + 1} (epoch {self.epoch + 1}, micro-batch {index + 1} of {count})"
        if self.options.detect_anomaly:
            if self.nonfinite_origin is not None:
                origin = f"non-finite values first appeared in the output of {self.nonfinite_origin}"
            else:
                op = type(loss.grad_fn).__name__ if loss.grad_fn is not None else "the loss function"
                origin = (f"the model's outputs were finite; the loss computation made it "
                          f"(last op {op})")
            hint = origin
        else:
            hint = "set train.detect_anomaly=true to find the module or op that produced it"
        raise NonFiniteLossError(f"loss is {value} at {where}; training stopped ({hint}). {self._last_good()}.")

    def _signals(self):
        return StopOnSignal(self)

    def _anomaly(self):
        return FindNonFinite(self) if self.options.detect_anomaly else contextlib.nullcontext()
