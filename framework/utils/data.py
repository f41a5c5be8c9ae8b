"""``framework.utils.data`` is ``framework.data``, so ``torch.utils.data`` code ports by renaming ``torch``.

PyTorch's submodules are importable under the same names (``framework.utils.data.sampler`` ...).

Example:
    >>> from framework.utils.data import DataLoader, TensorDataset
    >>> from framework.utils.data.sampler import SubsetRandomSampler
"""
import sys

from ..data import *  # noqa: F401,F403
from ..data import __all__  # noqa: F401
from ..data import dataloader, dataset, sampler

# Register PyTorch's submodule paths as aliases of the real modules (not copies, so classes stay identical).
for _module in (dataloader, dataset, sampler):
    sys.modules[f"{__name__}.{_module.__name__.rsplit('.', 1)[1]}"] = _module
