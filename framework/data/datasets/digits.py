"""digits(): the 1,797 real 8x8 handwritten digits bundled with scikit-learn (optional extra ``[datasets]``).

Example:
    >>> x, y = digits().tensors
    >>> tuple(x.shape), tuple(y.shape)
    ((1797, 64), (1797,))
"""
import numpy as np

from ...autograd.tensor import Tensor
from ..dataset import TensorDataset

INSTALL_HINT = "pip install framework[datasets]"


def digits(flatten=True):
    """The UCI 8x8 digits as a TensorDataset: float32 pixels scaled to [0, 1] (from 0..16) and int64 labels.

    Shape (1797, 64), or (1797, 1, 8, 8) with ``flatten=False``. Reads scikit-learn's bundled copy, so it
    needs the optional extra: ``pip install framework[datasets]``.

    Example:
        >>> train, val = train_val_split(digits(), val_fraction=0.2, seed=0)
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise ImportError(f"digits() reads scikit-learn's bundled copy of the digits; install the optional "
                          f"extra with `{INSTALL_HINT}` (or `pip install scikit-learn`)") from exc
    bunch = load_digits()
    pixels = np.asarray(bunch.data, dtype=np.float32) / np.float32(16)
    if not flatten:
        pixels = pixels.reshape(-1, 1, 8, 8)
    return TensorDataset(Tensor(np.ascontiguousarray(pixels)), Tensor(np.asarray(bunch.target, dtype=np.int64)))
