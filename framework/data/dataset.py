"""Datasets: the map-style ``Dataset`` and ``IterableDataset`` bases, ``TensorDataset``, ``Subset``, ``ConcatDataset``.

A map-style dataset may also define ``__getbatch__(indices)``: given an int64 numpy array of indices it
returns the batch ``default_collate`` would have built from those samples, in one vectorised step.
The DataLoader uses it when no custom ``collate_fn`` is given; ``TensorDataset`` and ``Subset`` define it.

Example:
    >>> ds = TensorDataset(framework.randn(10, 3), framework.arange(10))
    >>> x, y = ds[0]
    >>> len(ds), tuple(x.shape)
    (10, (3,))
"""
import bisect

import numpy as np

from ..autograd.tensor import Tensor
from .fetch import collated_batch, samples_at


class DatasetCheckError(AssertionError, ValueError):
    """A malformed dataset argument. PyTorch signals these with ``assert`` (AssertionError); this subclass is
    also a ValueError, and is raised even under ``python -O``."""


class Dataset:
    """Base class of map-style datasets: subclasses define ``__getitem__(index)`` and ``__len__()``.

    Example:
        >>> class Squares(Dataset):
        ...     def __len__(self): return 5
        ...     def __getitem__(self, i): return float(i), float(i * i)
        >>> Squares() + Squares()   # a ConcatDataset of 10 samples
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of stream-style datasets: subclasses define ``__iter__`` yielding samples.

    Example:
        >>> class Count(IterableDataset):
        ...     def __iter__(self): return iter(range(7))
        >>> [b.tolist() for b in DataLoader(Count(), batch_size=3)]
        [[0, 1, 2], [3, 4, 5], [6]]
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


def _as_tensor(value, position):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        return Tensor(value)
    raise TypeError(f"TensorDataset takes Tensors (or numpy arrays); argument {position} is "
                    f"{type(value).__name__}")


class TensorDataset(Dataset):
    """Samples are the rows of the given tensors: ``ds[i] == (t[i] for t in tensors)``.

    All tensors must have the same size in their first dimension. Batches are taken with one
    fancy-indexing call per tensor (no per-sample loop).

    Example:
        >>> ds = TensorDataset(framework.randn(100, 2), framework.zeros(100, dtype=framework.int64))
        >>> x, y = ds[3]
    """

    def __init__(self, *tensors):
        if not tensors:
            raise DatasetCheckError("TensorDataset needs at least one tensor")
        tensors = tuple(_as_tensor(t, i) for i, t in enumerate(tensors))
        for i, t in enumerate(tensors):
            if t._data.ndim == 0:
                raise DatasetCheckError(f"Size mismatch between tensors: tensor {i} is 0-d and has no first "
                                        "dimension to index samples by")
        n = tensors[0]._data.shape[0]
        for i, t in enumerate(tensors):
            if t._data.shape[0] != n:
                raise DatasetCheckError(f"Size mismatch between tensors: tensor 0 has {n} samples (first "
                                        f"dimension) but tensor {i} has {t._data.shape[0]}")
        self.tensors = tensors
        self._arrays = tuple(t._data for t in tensors)

    def __getitem__(self, index):
        return tuple(Tensor(a[index]) for a in self._arrays)

    def __getbatch__(self, indices):
        return [Tensor(a[indices]) for a in self._arrays]

    def __len__(self):
        return self._arrays[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Example:
        >>> evens = Subset(ds, range(0, len(ds), 2))
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices
        self._index_array = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        return samples_at(self.dataset, self._index_array[np.asarray(indices, dtype=np.int64)])

    def __getbatch__(self, indices):
        return collated_batch(self.dataset, self._index_array[indices])

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several map-style datasets one after the other.

    Example:
        >>> both = ConcatDataset([train_set, extra_set])
        >>> len(both) == len(train_set) + len(extra_set)
        True
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise DatasetCheckError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise DatasetCheckError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx += len(self)
        if idx >= len(self):
            raise IndexError(f"index {idx} is out of range for a ConcatDataset of length {len(self)}")
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]
