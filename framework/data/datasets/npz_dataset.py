"""NpzDataset: two arrays of a numpy ``.npz`` archive as a TensorDataset (features, target).

Example:
    >>> np.savez("train.npz", x=features, y=labels)
    >>> ds = NpzDataset("train.npz", x_key="x", y_key="y")
"""
import os
import zipfile

import numpy as np

from ...autograd.tensor import Tensor
from ..dataset import TensorDataset


def _load(path):
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such .npz file")
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ValueError(f"{path}: not a readable .npz archive ({exc})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{path}: holds a single array (.npy), not an .npz archive of named arrays")
    return archive


def _array(path, archive, key):
    if key not in archive.files:
        raise ValueError(f"{path}: no array named {key!r}; the archive holds {sorted(archive.files)}")
    try:
        array = archive[key]
    except ValueError as exc:  # object arrays need pickle, which is refused for safety
        raise ValueError(f"{path}: array {key!r} cannot be loaded without pickle ({exc})") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{path}: array {key!r} has dtype {array.dtype}; only numbers can become tensors")
    if array.ndim == 0:
        raise ValueError(f"{path}: array {key!r} is a scalar; it needs a first dimension of samples")
    return array


class NpzDataset(TensorDataset):
    """Samples are the rows of ``archive[x_key]`` (float32) and ``archive[y_key]``.

    Integer or boolean targets become int64 class labels; floating targets float32, a 1-D one reshaped to
    (N, 1). ``y_key=None`` gives a dataset of features only. Bad archives raise errors naming the path
    and the key at fault.

    Example:
        >>> ds = NpzDataset("mnist.npz", x_key="x_train", y_key="y_train")
    """

    def __init__(self, path, x_key="x", y_key="y"):
        path = os.fspath(path)
        with _load(path) as archive:
            x = _array(path, archive, x_key)
            tensors = [Tensor(np.ascontiguousarray(x, dtype=np.float32))]
            if y_key is not None:
                y = _array(path, archive, y_key)
                if len(y) != len(x):
                    raise ValueError(f"{path}: {x_key!r} has {len(x)} samples but {y_key!r} has {len(y)}")
                if y.dtype.kind == "f":
                    y = y.astype(np.float32).reshape(-1, 1) if y.ndim == 1 else y.astype(np.float32)
                else:
                    y = y.astype(np.int64)
                tensors.append(Tensor(np.ascontiguousarray(y)))
        self.path = path
        super().__init__(*tensors)
