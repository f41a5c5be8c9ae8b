"""Optimisers (SGD, Adam, AdamW, RMSprop, Adagrad) and learning-rate schedulers, shaped like torch.optim.

Example:
    >>> from framework import optim
    >>> opt = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    >>> sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
    >>> for epoch in range(100):
    ...     for x, y in loader:
    ...         opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    ...     sched.step()
"""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer, required
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "SGD", "lr_scheduler", "required"]
