"""``framework.utils``: activation checkpointing (``utils.checkpoint``) and data loading (``utils.data``).

Example:
    >>> from framework.utils.checkpoint import checkpoint
    >>> from framework.utils.data import DataLoader
"""
from . import checkpoint
from . import data

__all__ = ["checkpoint", "data"]
