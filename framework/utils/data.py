"""``framework.utils.data`` is ``framework.data``, so ``torch.utils.data`` code ports by renaming ``torch``.

Example:
    >>> from framework.utils.data import DataLoader, TensorDataset
"""
from ..data import *  # noqa: F401,F403
from ..data import __all__  # noqa: F401
