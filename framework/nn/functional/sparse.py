"""``embedding`` (a fused lookup whose backward scatter-adds into the used rows) and ``one_hot``."""
import numpy as np

from ...autograd.ops.functions import one_hot as _one_hot
from ...autograd.tensor import make, record
from ._fused import FusedNode


class EmbeddingBackward0(FusedNode):
    """Adds each output row's gradient into its weight row; the padding row gets none."""

    __slots__ = ()
    saved_names = ("weight", "indices")

    def numpy_backward(self, g, w, idx):
        padding_idx, scale_grad_by_freq = self._args
        flat = idx.reshape(-1)
        rows = g.reshape(-1, w.shape[1])
        if scale_grad_by_freq:
            counts = np.bincount(flat, minlength=w.shape[0])
            rows = rows / counts[flat][:, None].astype(rows.dtype)
        gw = np.zeros(w.shape, dtype=g.dtype)
        np.add.at(gw, flat, rows)
        if padding_idx is not None:
            gw[padding_idx] = 0
        return (gw,)

    def composite(self, w, idx):
        padding_idx, scale_grad_by_freq = self._args
        keep = np.ones(idx.shape + (1,), dtype=w._data.dtype)
        if padding_idx is not None:
            keep[idx == padding_idx] = 0
        if scale_grad_by_freq:
            counts = np.bincount(idx.reshape(-1), minlength=w.shape[0])
            keep = keep / counts[idx][..., None]
        return w[make(idx)] * make(keep.astype(w._data.dtype))


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    """Look up rows of ``weight`` (num_embeddings, dim) by integer ``input`` of any shape.

    Example:
        >>> F.embedding(framework.tensor([[0, 2]]), framework.randn(3, 4)).shape
        framework.Size([1, 2, 4])
    """
    idx = input._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.type()} instead (while checking arguments for embedding)")
    num = weight._data.shape[0]
    if padding_idx is not None:
        if padding_idx < 0:
            padding_idx += num
        if not 0 <= padding_idx < num:
            raise AssertionError("Padding_idx must be within num_embeddings")
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    out = weight._data[idx]
    return record(out, EmbeddingBackward0, (weight,), (weight, idx), (padding_idx, scale_grad_by_freq))


def _renorm_rows(weight, idx, max_norm, norm_type):
    """Rescale (in place, outside autograd) the looked-up rows whose norm exceeds ``max_norm``."""
    w = weight._data
    rows = np.unique(idx)
    norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
    over = norms > max_norm
    if over.any():
        w[rows[over]] *= (max_norm / (norms[over] + 1e-7))[:, None].astype(w.dtype)
        weight._bump()


def one_hot(tensor, num_classes=-1):
    """Integer class indices -> int64 one-hot rows. Example: ``F.one_hot(framework.tensor([0, 2]), 3)``."""
    return _one_hot(tensor, num_classes)


__all__ = ["embedding", "one_hot", "EmbeddingBackward0"]
