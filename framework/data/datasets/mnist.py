"""MNIST from the standard IDX files in a local folder (nothing is downloaded).

Example:
    >>> train = MNIST("~/data/mnist", train=True)             # (60000, 1, 28, 28) float32 in [0, 1]
    >>> test = MNIST("~/data/mnist", train=False, flatten=True)  # (10000, 784)
"""
import os

import numpy as np

from ...autograd.tensor import Tensor
from ..dataset import TensorDataset
from .idx import read_idx

_FILES = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _find(root, name):
    folders = [root, os.path.join(root, "MNIST", "raw")]  # also torchvision's layout
    for folder in folders:
        for candidate in (name, name + ".gz"):
            path = os.path.join(folder, candidate)
            if os.path.isfile(path):
                return path
    where = " and ".join(os.path.abspath(folder) for folder in folders)
    raise FileNotFoundError(f"MNIST: {name} (or {name}.gz) not found; looked in {where}. Put the IDX files of "
                            "the MNIST distribution in one of these folders (nothing is downloaded at run time).")


class MNIST(TensorDataset):
    """The MNIST handwritten digits read from ``root`` (the training or the t10k files).

    Samples are (image, label): float32 images scaled to [0, 1], shape (1, 28, 28) or (784,) with
    ``flatten=True``, and int64 labels. ``data`` (uint8) and ``targets`` keep the raw arrays as Tensors.

    Example:
        >>> x, y = MNIST("data/mnist")[0]
        >>> tuple(x.shape), int(y)
        ((1, 28, 28), 5)
    """

    classes = [str(d) for d in range(10)]

    def __init__(self, root, train=True, flatten=False):
        root = os.path.expanduser(os.fspath(root))
        image_name, label_name = _FILES[bool(train)]
        image_path, label_path = _find(root, image_name), _find(root, label_name)
        images, labels = read_idx(image_path), read_idx(label_path)
        if images.ndim != 3:
            raise ValueError(f"{image_path}: expected a 3-d IDX array of images, got shape {images.shape}")
        if labels.ndim != 1:
            raise ValueError(f"{label_path}: expected a 1-d IDX array of labels, got shape {labels.shape}")
        if len(images) != len(labels):
            raise ValueError(f"MNIST: {image_path} holds {len(images)} images but {label_path} holds "
                             f"{len(labels)} labels")
        self.root, self.train = root, bool(train)
        self.data = Tensor(images.astype(np.uint8, copy=False))
        self.targets = Tensor(labels.astype(np.int64))
        pixels = images.astype(np.float32)
        pixels *= np.float32(1 / 255)
        shape = (len(images), -1) if flatten else (len(images), 1) + images.shape[1:]
        super().__init__(Tensor(pixels.reshape(shape)), self.targets)
