"""Exceptions of the training command, each mapped by the CLI to an exit status and a short message.

Example:
    >>> raise ConfigError("unknown key train.epoch (did you mean train.epochs?)")
"""


class ConfigError(Exception):
    """The config (file, override or checkpoint choice) is wrong; the CLI prints it and exits with status 2.

    ``problems`` is a list of one-sentence descriptions; ``source`` names the file they were found in.

    Example:
        >>> ConfigError(["train.epochs must be an integer, got 'ten' (str)"], source="configs/xor.yaml")
    """

    def __init__(self, problems, source=None):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        super().__init__(self.paragraph())

    def paragraph(self):
        """All problems as one paragraph, the form the CLI prints."""
        where = f"{self.source}: " if self.source else ""
        if len(self.problems) == 1:
            return where + self.problems[0]
        numbered = "; ".join(f"({i}) {p}" for i, p in enumerate(self.problems, 1))
        return f"{where}{len(self.problems)} problems: {numbered}"


class CheckpointError(ConfigError):
    """A checkpoint cannot be used to resume (missing, damaged, or from an incompatible config)."""


class NonFiniteLossError(RuntimeError):
    """The loss (or, under anomaly detection, a gradient) became NaN or infinite; training stopped.

    Example:
        >>> NonFiniteLossError("loss is nan at step 13 (epoch 2)")
    """


class TrainingInterrupted(Exception):
    """SIGINT/SIGTERM arrived; a checkpoint was written at ``checkpoint`` and the run stopped cleanly."""

    def __init__(self, signum, step, checkpoint):
        import signal
        self.signum = signum
        self.step = step
        self.checkpoint = checkpoint
        name = signal.Signals(signum).name
        super().__init__(f"stopped by {name} after step {step}; checkpoint saved to {checkpoint}")
