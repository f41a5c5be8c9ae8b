"""The ``reduction`` argument of losses ('none' | 'mean' | 'sum') and its legacy spellings."""
import warnings

import numpy as np

VALID = ("none", "mean", "sum")


def check(reduction):
    """Validate ``reduction`` and return it."""
    if reduction not in VALID:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def legacy(size_average=None, reduce=None, emit_warning=True):
    """Translate the deprecated ``size_average``/``reduce`` flags to a ``reduction`` string."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        result = "mean"
    elif reduce:
        result = "sum"
    else:
        result = "none"
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{result}' instead.",
                      UserWarning, stacklevel=3)
    return result


def apply(loss, reduction):
    """Reduce an elementwise loss tensor."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def apply_array(loss, reduction):
    """Reduce an elementwise loss array, in its dtype (the mean of nothing is nan, as PyTorch), for fused nodes."""
    if reduction == "none":
        return loss
    total = np.add.reduce(loss, axis=None)  # np.sum without its Python wrapper
    if reduction == "sum":
        return np.asarray(total, loss.dtype)
    if loss.size == 0:
        return np.asarray(np.nan, loss.dtype)
    return np.asarray(total / loss.dtype.type(loss.size), loss.dtype)


def spread(g, reduction, n):
    """The gradient reaching each of the ``n`` elements of a loss reduced by ``reduction`` (``g`` broadcasts)."""
    return g / n if reduction == "mean" else g
