"""Read the samples of a batch from a map-style dataset by the fastest route it offers.

Example:
    >>> collated_batch(TensorDataset(x, y), np.array([4, 0, 2]))   # one fancy index per tensor
    [tensor(...), tensor(...)]
"""
import numpy as np

from ..autograd.tensor import Tensor
from .collate import _NON_NUMERIC_KINDS, _wrap, default_collate


def _index_array(indices):
    if isinstance(indices, np.ndarray) and indices.dtype == np.int64:
        return indices
    return np.asarray(indices, dtype=np.int64)


def samples_at(dataset, indices):
    """The list of samples at ``indices`` (an int64 array or a list of keys): ``__getitems__`` when defined,
    else one ``dataset[i]`` per index."""
    keys = indices.tolist() if isinstance(indices, np.ndarray) else list(indices)
    getitems = getattr(dataset, "__getitems__", None)
    if getitems is not None:
        return getitems(keys)
    return [dataset[i] for i in keys]


def collated_batch(dataset, indices):
    """``default_collate(samples_at(dataset, indices))``, computed in one vectorised step where possible.

    Datasets with ``__getbatch__`` (TensorDataset, Subset ...) and plain numeric numpy arrays or Tensors used
    as datasets are indexed with the whole index array at once.
    """
    getbatch = getattr(dataset, "__getbatch__", None)
    if getbatch is not None:
        return getbatch(_index_array(indices))
    if isinstance(dataset, np.ndarray) and dataset.dtype.kind not in _NON_NUMERIC_KINDS:
        return _wrap(dataset[_index_array(indices)])
    if isinstance(dataset, Tensor):
        return Tensor(dataset._data[_index_array(indices)])
    return default_collate(samples_at(dataset, indices))
