"""Turn a list of samples into one batch: ``default_collate`` (batched) and ``default_convert`` (unbatched).

Example:
    >>> default_collate([(np.zeros(3, np.float32), 1), (np.ones(3, np.float32), 0)])
    [tensor([[0., 0., 0.],
            [1., 1., 1.]]), tensor([1, 0])]
"""
import collections.abc
import copy

import numpy as np

from ..autograd import dtypes as _dt
from ..autograd.tensor import Tensor

COLLATE_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"

# numpy dtype kinds a Tensor cannot hold: bytes, unicode, object, void, complex, datetimes
_NON_NUMERIC_KINDS = frozenset("SUOVcmM")


def _wrap(array):
    """A Tensor around ``array`` (no copy), refusing dtypes the framework has no Tensor type for."""
    if array.dtype not in _dt._BY_NP:
        _dt.from_numpy_dtype(array.dtype)  # raises the framework's TypeError naming the dtype
    return Tensor(array)


def _stack_tensors(batch):
    first = batch[0].shape
    for i, t in enumerate(batch):
        if t.shape != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 "
                               f"and {list(t.shape)} at entry {i}")
    return Tensor(np.stack([t._data for t in batch]))


def _stack_arrays(batch):
    elem = batch[0]
    if elem.dtype.kind in _NON_NUMERIC_KINDS:
        raise TypeError(COLLATE_ERROR.format(elem.dtype))
    for i, a in enumerate(batch):
        if a.shape != elem.shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(elem.shape)} at entry 0 "
                               f"and {list(a.shape)} at entry {i}")
    return _wrap(np.stack(batch))


def _python_numbers(batch):
    # PyTorch: bools -> bool, ints -> int64; floats -> the default float dtype (PyTorch itself uses float64
    # here; the framework keeps float32 so a batch of Python floats never promotes a float32 model).
    array = np.asarray(batch)
    kind = array.dtype.kind
    if kind == "f":
        return Tensor(array.astype(_dt.default_np(), copy=False))
    if kind in "iu":
        return Tensor(array.astype(np.int64, copy=False))
    if kind == "b":
        return Tensor(array)
    raise TypeError(COLLATE_ERROR.format(type(batch[0])))


def _rebuild_mapping(elem, values):
    # Keep the sample's mapping type (OrderedDict, a user subclass ...) where it can be copied or rebuilt.
    try:
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update(values)
            return clone
        return type(elem)(values)
    except TypeError:
        return values


def _rebuild_sequence(elem, values):
    if isinstance(elem, tuple):
        return values  # PyTorch returns a list for tuple samples (so TensorDataset batches are lists)
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            for i, v in enumerate(values):
                clone[i] = v
            return clone
        return type(elem)(values)
    except TypeError:
        return values


def default_collate(batch):
    """Stack a list of samples into a batch, recursing into tuples, lists and dicts as PyTorch does.

    Tensors and numpy arrays are stacked along a new first dimension (numpy dtypes are kept); Python ints
    become int64, bools bool, Python floats the default dtype (float32); numpy scalars keep their dtype;
    strings and bytes are returned as a list. Tuples and lists are collated element-wise into a list,
    namedtuples into the same namedtuple, mappings key by key.

    Example:
        >>> default_collate([{"x": 1.5, "y": 0}, {"x": 2.5, "y": 1}])
        {'x': tensor([1.5, 2.5]), 'y': tensor([0, 1])}
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack_tensors(batch)
    if isinstance(elem, np.ndarray):
        return _stack_arrays(batch)
    if isinstance(elem, (np.bool_, np.number)):
        return _wrap(np.asarray(batch))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, (bool, int, float)):
        return _python_numbers(batch)
    if isinstance(elem, collections.abc.Mapping):
        return _rebuild_mapping(elem, {key: default_collate([d[key] for d in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return _rebuild_sequence(elem, [default_collate(list(field)) for field in zip(*batch)])
    raise TypeError(COLLATE_ERROR.format(type(elem)))


def default_convert(data):
    """Convert one unbatched sample: numpy arrays and numpy scalars become Tensors, containers are walked.

    Used by ``DataLoader(batch_size=None)``. Python numbers and strings are returned unchanged, as in PyTorch.

    Example:
        >>> default_convert((np.array([1, 2]), "a"))
        [tensor([1, 2]), 'a']
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if data.dtype.kind in _NON_NUMERIC_KINDS else _wrap(data)
    if isinstance(data, (np.bool_, np.number)):
        return _wrap(np.asarray(data))
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, collections.abc.Sequence):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data
