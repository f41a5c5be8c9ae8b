"""Process-wide switches a training run holds while it runs, restored when it ends.

* ``StopOnSignal``: SIGINT/SIGTERM only set a flag; the Trainer finishes the optimiser step, saves a
  checkpoint and stops (a preempted job resumes exactly there). A second SIGINT stops at once.
* ``FindNonFinite``: anomaly mode (NaN gradients name their backward op) plus forward hooks that note the
  first module whose output is not finite, so a NaN loss can be traced to where it started.

Both take the Trainer, whose ``stop_signal`` and ``nonfinite_origin`` attributes they set.

Example:
    >>> with StopOnSignal(trainer), FindNonFinite(trainer):
    ...     run_the_epochs()        # Ctrl-C now only sets trainer.stop_signal
"""
import signal
import threading

import numpy as np

from .. import autograd


class StopOnSignal:
    """SIGINT/SIGTERM set a flag; the loop saves a checkpoint at the next step boundary and stops.
    A second SIGINT stops at once (KeyboardInterrupt)."""

    def __init__(self, trainer):
        self.trainer = trainer
        self.previous = {}

    def _handle(self, signum, frame):
        if self.trainer.stop_signal is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.trainer.stop_signal = signum

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        return False


class FindNonFinite:
    """Anomaly mode for the run: NaN gradients name their op, and forward hooks note the first module whose
    output is not finite."""

    def __init__(self, trainer):
        self.trainer = trainer
        self.handles = []
        self.previous = None

    def __enter__(self):
        self.previous = (autograd.is_anomaly_enabled(), autograd.is_anomaly_check_nan_enabled())
        autograd.set_detect_anomaly(True)
        for name, module in self.trainer.model.named_modules():
            self.handles.append(module.register_forward_hook(self._hook(name or "model", module)))
        return self

    def _hook(self, name, module):
        trainer = self.trainer

        def check(mod, inputs, output):
            data = getattr(output, "_data", None)
            if trainer.nonfinite_origin is None and data is not None and not np.isfinite(data).all():
                op = type(output.grad_fn).__name__ if output.grad_fn is not None else "no grad_fn"
                trainer.nonfinite_origin = f"{name} ({type(module).__name__}, op {op})"
        return check

    def __exit__(self, *exc):
        for handle in self.handles:
            handle.remove()
        autograd.set_detect_anomaly(*self.previous)
        return False
