"""Data loading, PyTorch's ``torch.utils.data`` on numpy: datasets, samplers, collation and the DataLoader.

Example:
    >>> from framework.data import DataLoader, datasets
    >>> loader = DataLoader(datasets.moons(1000, noise=0.1), batch_size=32, shuffle=True, seed=0)
    >>> for xb, yb in loader:
    ...     pass                               # xb: float32 (32, 2), yb: int64 (32,)
"""
from . import datasets
from .collate import default_collate, default_convert
from .dataloader import DataLoader, get_worker_info
from .dataset import ConcatDataset, Dataset, DatasetCheckError, IterableDataset, Subset, TensorDataset
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                      WeightedRandomSampler)
from .split import random_split, train_val_split

__all__ = ["BatchSampler", "ConcatDataset", "DataLoader", "Dataset", "DatasetCheckError", "IterableDataset",
           "RandomSampler", "Sampler", "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset",
           "WeightedRandomSampler", "datasets", "default_collate", "default_convert", "get_worker_info",
           "random_split", "train_val_split"]
