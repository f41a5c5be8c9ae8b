"""``framework.nn``: modules, layers, losses, initialisers and utilities, named as in PyTorch.

Example:
    >>> from framework import nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> loss = nn.CrossEntropyLoss()(model(framework.randn(3, 4)), framework.tensor([0, 1, 1]))
"""
from . import functional, init, utils
from .module import Module
from .modules import *  # noqa: F401,F403  (every layer class)
from .parameter import Buffer, Parameter
