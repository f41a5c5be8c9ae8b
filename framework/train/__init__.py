"""Training from config files: ``python -m framework.train configs/xor.yaml``.

The pieces, each usable on its own: ``config`` (YAML, overrides, validation against a ``schema``),
``instantiate`` (``_target_`` dotted paths), ``Trainer`` (the loop: accumulation, clipping, schedulers,
validation, early stopping, checkpoints, resume, signals), ``checkpoint`` (atomic, with retention) and
``logging`` (tqdm, metrics.jsonl, TensorBoard). Recipes in the top-level ``recipes/`` compose them.

Example:
    >>> from framework.train import Trainer, instantiate
    >>> model = instantiate({"_target_": "framework.nn.MLP", "sizes": [2, 8, 2]})
"""
from .config import ConfigNode, apply_overrides, dump_yaml, load_yaml, validate
from .errors import CheckpointError, ConfigError, NonFiniteLossError, TrainingInterrupted
from .instantiate import instantiate, locate
from .rng import seed_everything
from .schema import Component, Key, Section, base_schema
from .trainer import Trainer

__all__ = ["CheckpointError", "Component", "ConfigError", "ConfigNode", "Key", "NonFiniteLossError", "Section",
           "Trainer", "TrainingInterrupted", "apply_overrides", "base_schema", "dump_yaml", "instantiate",
           "load_yaml", "locate", "seed_everything", "validate"]
