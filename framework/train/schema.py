"""The shape of a training config: which keys exist, their defaults, types and meaning.

A schema is a tree of ``Section`` (a mapping of known keys), ``Key`` (a leaf value) and ``Component``
(a ``_target_`` node built by ``instantiate``). ``config.validate`` checks a YAML config against it; the
same tree prints the config reference (``python -m framework.train CONFIG --help``).
The keys every run has (``recipe``, ``seed``, ``train.*``, ``logging.*``) are defined here; a recipe adds its
own (``model``, ``optimizer``, ``data`` ...) with ``base_schema(...)``.

Example:
    >>> schema = base_schema(model=Component("the network", required=True))
    >>> schema.keys["train"].keys["epochs"].default
    10
"""
import numbers

_MISSING = object()


class Key:
    """A leaf setting: default, accepted type(s), a one-line meaning, and optional limits.

    ``types`` is a tuple of ``int``, ``float``, ``bool``, ``str``, ``list`` (an int is accepted for float);
    ``None`` is accepted when ``nullable`` (or the default is None).

    Example:
        >>> Key(10, int, "number of passes over the training data", minimum=1)
    """

    __slots__ = ("default", "types", "doc", "choices", "minimum", "nullable", "exclusive")

    def __init__(self, default, types, doc, *, choices=None, minimum=None, exclusive=False, nullable=None):
        self.default = default
        self.types = types if isinstance(types, tuple) else (types,)
        self.doc = doc
        self.choices = tuple(choices) if choices else None
        self.minimum = minimum
        self.exclusive = exclusive   # minimum itself not allowed (a strictly positive float)
        self.nullable = default is None if nullable is None else nullable

    def check(self, value):
        """The value converted to the key's type, or a ValueError whose message says what is expected."""
        if value is None:
            if self.nullable:
                return None
            raise ValueError(f"must be {self.describe()}, got null")
        if self.choices is not None:
            if value not in self.choices:
                options = ", ".join(repr(c) for c in self.choices)
                raise ValueError(f"must be one of {options}, got {value!r}")
            return value
        converted = _convert(value, self.types)
        if converted is _MISSING:
            raise ValueError(f"must be {self.describe()}, got {value!r} ({type(value).__name__})")
        if self.minimum is not None and isinstance(converted, numbers.Real):
            if converted < self.minimum or (self.exclusive and converted == self.minimum):
                bound = "greater than" if self.exclusive else "at least"
                raise ValueError(f"must be {bound} {self.minimum}, got {value!r}")
        return converted

    def describe(self):
        names = {int: "an integer", float: "a number", bool: "true or false", str: "a string", list: "a list"}
        text = " or ".join(names[t] for t in self.types)
        return text + " or null" if self.nullable else text


def _convert(value, types):
    for t in types:
        if t is bool:
            if isinstance(value, bool):
                return value
        elif t is int:
            if isinstance(value, numbers.Integral) and not isinstance(value, bool):
                return int(value)
        elif t is float:
            if isinstance(value, numbers.Real) and not isinstance(value, bool):
                return float(value)
        elif isinstance(value, t):
            return value
    return _MISSING


class Section:
    """A mapping with a fixed set of keys (``Key``, ``Section`` or ``Component`` values).

    Example:
        >>> Section("optimisation loop", {"epochs": Key(10, int, "passes over the data")})
    """

    __slots__ = ("doc", "keys")

    def __init__(self, doc, keys):
        self.doc = doc
        self.keys = dict(keys)

    @property
    def default(self):
        return {name: spec.default for name, spec in self.keys.items()}


class Component:
    """A node built from a dotted path: ``{_target_: framework.nn.MLP, sizes: [2, 8, 2]}``.

    Its other keys are keyword arguments, checked against the target's signature. ``positional`` names the
    arguments the recipe passes itself (the optimiser gets the parameters), so they are not required in the
    config. ``required`` components must be present; others default to ``default`` (None or a node).

    Example:
        >>> Component("optimiser, given the model's parameters", required=True, positional=("params",))
    """

    __slots__ = ("doc", "required", "positional", "default")

    def __init__(self, doc, *, required=False, positional=(), default=None):
        self.doc = doc
        self.required = required
        self.positional = tuple(positional)
        self.default = default


def iter_reference(section, prefix=""):
    """Yield ``(dotted key, default, meaning)`` for every key of ``section``, depth first.

    Example:
        >>> next(iter_reference(base_schema()))
        ('recipe', 'recipes.supervised', 'dotted path of the module whose main(config) runs the training')
    """
    for name, spec in section.keys.items():
        path = f"{prefix}{name}"
        if isinstance(spec, Section):
            yield from iter_reference(spec, path + ".")
        elif isinstance(spec, Component):
            default = "required" if spec.required else spec.default
            yield path, default, spec.doc
        else:
            yield path, spec.default, spec.doc


TRAIN = Section("the optimisation loop, checkpoints and early stopping", {
    "epochs": Key(10, int, "passes over the training data", minimum=1),
    "max_steps": Key(None, int, "stop after this many optimiser steps (null: no limit)", minimum=1),
    "grad_accum_steps": Key(1, int, "micro-batches per optimiser step; gradients are weighted by sample count",
                            minimum=1),
    "clip_grad_norm": Key(None, float, "clip the total gradient 2-norm to this value (null: no clipping)",
                          minimum=0, exclusive=True),
    "scheduler_interval": Key("step", str, "when the LR scheduler steps: after every optimiser step or epoch",
                              choices=("step", "epoch")),
    "detect_anomaly": Key(False, bool, "on a NaN/inf loss or gradient, name the module or op that made it "
                                       "(slower)"),
    "val_every": Key(1, int, "validate every this many epochs (and after the last one)", minimum=1),
    "checkpoint_every": Key(None, int, "also write a checkpoint every this many optimiser steps (null: only "
                                       "at epoch ends)", minimum=1),
    "checkpoint_epochs": Key(1, int, "write a checkpoint at the end of every this many epochs (one is always "
                                     "written when the run ends)", minimum=1),
    "keep_last": Key(2, int, "number of most recent checkpoints kept", minimum=1),
    "keep_best": Key(1, int, "number of best checkpoints (by monitor) kept besides the recent ones", minimum=0),
    "monitor": Key(None, str, "metric that decides the best checkpoint and early stopping "
                              "(null: val/loss when there is validation data, else train/loss)"),
    "mode": Key(None, str, "whether the monitored metric should go down or up (null: max for accuracy, else min)",
                choices=("min", "max"), nullable=True),
    "early_stopping_patience": Key(None, int, "stop after this many validations without improvement "
                                              "(null: never stop early)", minimum=1),
    "early_stopping_min_delta": Key(0.0, float, "smallest change of the monitored metric that counts as "
                                                "improvement", minimum=0),
})

LOGGING = Section("progress output, metrics.jsonl and TensorBoard", {
    "log_every": Key(10, int, "write train/loss, train/lr, train/grad_norm, train/throughput every this many "
                              "optimiser steps", minimum=1),
    "progress": Key("auto", str, "progress display: tqdm bars, plain lines (no carriage returns), or none; "
                                 "auto: bars on a terminal, plain lines otherwise",
                    choices=("auto", "bar", "plain", "none")),
    "progress_interval": Key(10.0, float, "seconds between plain progress lines", minimum=0, exclusive=True),
    "tensorboard": Key(True, bool, "write TensorBoard event files into the run directory"),
    "histogram_every": Key(None, int, "write weight and gradient histograms every this many optimiser steps "
                                      "(null: never)", minimum=1),
})


def base_schema(**recipe_keys):
    """The keys every config has, plus the recipe's own keys (inserted after ``output_dir``).

    Example:
        >>> schema = base_schema(model=Component("the network", required=True))
    """
    keys = {
        "recipe": Key("recipes.supervised", str, "dotted path of the module whose main(config) runs the training"),
        "seed": Key(0, int, "seed of every random generator (model init, dropout, shuffling)"),
        "output_dir": Key(None, str, "run directory (null: runs/<config name>/<timestamp>)"),
        "dtype": Key("float32", str, "default floating dtype of parameters and inputs",
                     choices=("float32", "float64")),
    }
    keys.update(recipe_keys)
    keys["train"] = TRAIN
    keys["logging"] = LOGGING
    return Section("a training run", keys)
