"""Loss functions. Cross entropy / NLL and the binary cross entropies are fused, numerically stable nodes."""
import warnings

import numpy as np

from ...autograd.ops.functions import abs as _abs, log_softmax as _log_softmax, softplus as _softplus, where
from ...autograd.ops._util import stable_sigmoid, sum_to
from ...autograd.tensor import Tensor, make, record
from . import _reduction
from ._fused import FusedNode

_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
               "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _reduction_arg(size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        return _reduction.legacy(size_average, reduce)
    return _reduction.check(reduction)


def _warn_size(input, target):
    if input._data.shape != target._data.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", UserWarning, stacklevel=3)


def _as_tensor(target, like):
    if isinstance(target, Tensor):
        return target
    return make(np.asarray(target, dtype=like._data.dtype))


# ------------------------------------------------------------------------------------ regression
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error. Example: ``F.mse_loss(pred, y)``."""
    reduction = _reduction_arg(size_average, reduce, reduction)
    target = _as_tensor(target, input)
    _warn_size(input, target)
    x, y = input._data, target._data
    if weight is None and x.shape == y.shape and x.dtype == y.dtype and x.dtype.kind == "f":
        diff = x - y
        diff *= diff
        return record(_reduction.apply_array(diff, reduction), MseLossBackward0, (input, target), (input, target),
                      reduction)
    diff = input - target
    loss = diff * diff
    if weight is not None:
        loss = loss * weight
    return _reduction.apply(loss, reduction)


class MseLossBackward0(FusedNode):
    """(x - y)^2 elementwise, then the reduction named in ``_args`` (one node, as PyTorch's)."""

    __slots__ = ()
    saved_names = ("self", "target")

    def numpy_backward(self, g, x, y):
        nx, ny = self._next
        g2 = _reduction.spread(g, self._args, x.size) * 2
        gx = g2 * (x - y)
        return (None if nx is None else gx), (None if ny is None else -gx)

    def composite(self, x, y):
        diff = x - y
        return _reduction.apply(diff * diff, self._args)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error. Example: ``F.l1_loss(pred, y)``."""
    reduction = _reduction_arg(size_average, reduce, reduction)
    target = _as_tensor(target, input)
    _warn_size(input, target)
    loss = _abs(input - target)
    if weight is not None:
        loss = loss * weight
    return _reduction.apply(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, |d| - 0.5 beta elsewhere. Example: ``F.smooth_l1_loss(pred, y)``."""
    reduction = _reduction_arg(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    target = _as_tensor(target, input)
    _warn_size(input, target)
    diff = input - target
    ad = _abs(diff)
    if beta == 0:
        return _reduction.apply(ad, reduction)
    loss = where(ad < beta, diff * diff * (0.5 / beta), ad - 0.5 * beta)
    return _reduction.apply(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, delta * (|d| - 0.5 delta) elsewhere."""
    _reduction.check(reduction)
    target = _as_tensor(target, input)
    _warn_size(input, target)
    diff = input - target
    ad = _abs(diff)
    loss = where(ad < delta, diff * diff * 0.5, (ad - 0.5 * delta) * delta)
    if weight is not None:
        loss = loss * weight
    return _reduction.apply(loss, reduction)


# ------------------------------------------------------------------------------------ classification
class NllLossBackward0(FusedNode):
    """Backward of cross entropy on logits (fused log-softmax) or of NLL on log-probabilities.

    Saved: input, soft target (or None), and the plan arrays computed in forward.
    """

    __slots__ = ()
    saved_names = ("self", "target")

    def numpy_backward(self, g, x, soft, lse, t_safe, w_row, denom):
        plan = self._args
        z2 = _rows(x, plan)
        m, c = z2.shape
        scale = _row_scale(g, plan, m, denom, w_row)
        eps = plan["label_smoothing"]
        weight = plan["weight"]
        if soft is not None:
            q = _rows(soft, plan).astype(z2.dtype, copy=False)
            if eps:
                q = q * (1 - eps) + eps / c
            a = q * scale[:, None] if weight is None else q * weight * scale[:, None]
        else:
            a = None
            if eps:
                cls = np.ones(c, dtype=z2.dtype) if weight is None else weight
                a = np.outer(scale * plan["valid"] * (eps / c), cls).astype(z2.dtype, copy=False)
            picked_coef = scale * w_row * (1 - eps)
        if plan["logits"]:
            p = np.exp(z2 - lse)
            if a is None:
                gz = p * picked_coef[:, None]
                gz[np.arange(m), t_safe] -= picked_coef
            else:
                if soft is None:
                    a[np.arange(m), t_safe] += picked_coef
                gz = p * a.sum(axis=1, keepdims=True) - a
        else:
            gz = -a if a is not None else np.zeros_like(z2)
            if soft is None:
                gz[np.arange(m), t_safe] -= picked_coef
        gx = _unrows(gz.astype(x.dtype, copy=False), plan)
        gsoft = None
        if soft is not None and self._next[1] is not None:
            logp = z2 - lse
            coef = -(1 - eps) * scale[:, None] * (logp if weight is None else logp * weight)
            gsoft = _unrows(coef.astype(soft.dtype, copy=False), plan)
        return gx, gsoft

    def composite(self, x, soft, lse, t_safe, w_row, denom):
        plan = self._args
        logp = _log_softmax(x, plan["class_dim"]) if plan["logits"] else x
        if plan["class_dim"] == 1 and x.ndim > 2:
            logp = logp.permute(0, *range(2, x.ndim), 1)
        logp = logp.reshape(-1, plan["classes"])
        m, c = logp.shape
        eps = plan["label_smoothing"]
        weight = plan["weight"]
        wc = None if weight is None else make(weight)
        if soft is not None:
            q = soft
            if plan["class_dim"] == 1 and soft.ndim > 2:
                q = q.permute(0, *range(2, soft.ndim), 1)
            q = q.reshape(-1, c)
            if eps:
                q = q * (1 - eps) + eps / c
            terms = logp * q if wc is None else logp * q * wc
            per_row = -terms.sum(dim=1)
        else:
            picked = logp.gather(1, make(t_safe[:, None].astype(np.int64))).squeeze(1)
            per_row = -(picked * make(w_row)) * (1 - eps)
            if eps:
                valid = make(plan["valid"].astype(logp._data.dtype))
                cls = logp if wc is None else logp * wc
                per_row = per_row - cls.sum(dim=1) * valid * (eps / c)
        if plan["reduction"] == "none":
            return per_row.reshape(plan["out_shape"])
        total = per_row.sum()
        return total / float(denom) if plan["reduction"] == "mean" else total


def _rows(x, plan):
    """View input/target as (M, C) rows with the class dim last."""
    if plan["class_dim"] == 1 and x.ndim > 2:
        x = np.moveaxis(x, 1, -1)
    return x.reshape(-1, plan["classes"])


def _unrows(g2, plan):
    shape = plan["in_shape"]
    if plan["class_dim"] == 1 and len(shape) > 2:
        moved = (shape[0],) + tuple(shape[2:]) + (shape[1],)
        return np.moveaxis(g2.reshape(moved), -1, 1)
    return g2.reshape(shape)


def _row_scale(g, plan, m, denom, w_row):
    """d(loss)/d(row loss) for every row."""
    red = plan["reduction"]
    if red == "none":
        return g.reshape(m)
    if red == "sum":
        return np.full(m, g, dtype=g.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = g / denom
    if plan["soft"]:
        return np.full(m, s, dtype=g.dtype)
    # rows that are ignored contribute nothing (and 0/0 = nan must not leak into the gradient)
    return np.where(plan["valid"], s, 0).astype(g.dtype)


def _class_layout(input, target, name):
    """Check shapes; returns (class_dim, classes, out_shape, soft) for (C,), (N, C) and (N, C, d...) input."""
    xs, ts = input._data.shape, target._data.shape
    if len(xs) == 0:
        raise RuntimeError(f"{name}: input tensor should be 1D or more, got 0D")
    class_dim = 0 if len(xs) == 1 else 1
    classes = xs[class_dim]
    target_type = _TYPE_NAMES.get(target._data.dtype.name, target._data.dtype.name)
    if xs == ts and name == "cross_entropy":  # same shape as the input: class probabilities
        if target._data.dtype.kind != "f":
            raise RuntimeError(f"Expected floating point type for target with class probabilities, got {target_type}")
        return class_dim, classes, ts[:1] + ts[2:] if len(xs) > 1 else (), True
    if target._data.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {target_type}")
    expected = xs[:1] + xs[2:] if len(xs) > 1 else ()
    if len(xs) > 1 and (len(ts) == 0 or ts[0] != xs[0]):
        raise ValueError(f"Expected input batch_size ({xs[0]}) to match target batch_size "
                         f"({ts[0] if ts else 0}).")
    if ts != expected:
        raise RuntimeError(f"size mismatch (got input: {list(xs)}, target: {list(ts)})" if len(xs) > 1 else
                           "0D or 1D target tensor expected, multi-target not supported")
    return class_dim, classes, expected, False


def _class_loss(input, target, weight, ignore_index, reduction, label_smoothing, logits, name):
    reduction = _reduction.check(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f'"{name}" not implemented for \'{_TYPE_NAMES.get(x.dtype.name, x.dtype.name)}\'')
    class_dim, classes, out_shape, soft = _class_layout(input, target, name)
    w = None
    if weight is not None:
        w = weight._data.astype(x.dtype, copy=False)
        if w.shape != (classes,):
            raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or no classes but "
                               f"got weight tensor of shape: {list(w.shape)}")
    plan = {"class_dim": class_dim, "classes": classes, "in_shape": x.shape, "out_shape": out_shape,
            "reduction": reduction, "label_smoothing": float(label_smoothing), "weight": w, "logits": logits,
            "soft": soft}
    z2 = _rows(x, plan)
    m = z2.shape[0]
    lse = None
    if logits:
        zmax = z2.max(axis=1, keepdims=True)
        zmax = np.where(np.isfinite(zmax), zmax, 0)
        with np.errstate(divide="ignore"):
            lse = np.log(np.exp(z2 - zmax).sum(axis=1, keepdims=True)) + zmax
    eps = plan["label_smoothing"]
    if soft:
        q = _rows(target._data, plan).astype(x.dtype, copy=False)
        if eps:
            q = q * (1 - eps) + eps / classes
        logp = z2 - lse
        terms = logp * q if w is None else logp * q * w
        per_row = -terms.sum(axis=1)
        denom = m
        t_safe = w_row = None
    else:
        t = target._data.reshape(-1).astype(np.int64)
        valid = t != ignore_index
        bad = valid & ((t < 0) | (t >= classes))
        if bad.any():
            raise IndexError(f"Target {t[np.argmax(bad)]} is out of bounds.")
        t_safe = np.where(valid, t, 0)
        w_row = (valid if w is None else w[t_safe] * valid).astype(x.dtype)
        picked = z2[np.arange(m), t_safe]
        if logits:
            picked = picked - lse[:, 0]
        per_row = -(picked * w_row) * (1 - eps)
        if eps:
            cls_terms = z2 if w is None else z2 * w
            smooth = cls_terms.sum(axis=1) - (lse[:, 0] * (classes if w is None else w.sum()) if logits else 0)
            per_row = per_row - smooth * valid * (eps / classes)
        plan["valid"] = valid
        denom = w_row.sum(dtype=np.float64)
    if reduction == "none":
        out = per_row.reshape(out_shape)
    elif reduction == "sum":
        out = per_row.sum()
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = per_row.sum(dtype=np.float64) / denom if not soft else per_row.sum() / denom
    out = np.asarray(out, dtype=x.dtype)
    soft_t = target if soft else None
    return record(out, NllLossBackward0, (input, soft_t),
                  (input, soft_t, lse, t_safe, w_row, denom), plan)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """Cross entropy between logits ``input`` (C,), (N, C) or (N, C, d...) and class indices or probabilities.

    Computed as ``nll_loss(log_softmax(input))`` in one stable fused node (``NllLossBackward0``).

    Example:
        >>> F.cross_entropy(framework.tensor([[1000.0, 0.0, -1000.0]]), framework.tensor([1]))
        tensor(1000.)
    """
    reduction = _reduction_arg(size_average, reduce, reduction)
    return _class_loss(input, target, weight, ignore_index, reduction, label_smoothing, True, "cross_entropy")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of class ``target`` given log-probabilities ``input``.

    Example:
        >>> F.nll_loss(F.log_softmax(logits, dim=1), labels)
    """
    reduction = _reduction_arg(size_average, reduce, reduction)
    return _class_loss(input, target, weight, ignore_index, reduction, 0.0, False, "nll_loss")


# ------------------------------------------------------------------------------------ binary
class BinaryCrossEntropyBackward0(FusedNode):
    """Elementwise BCE on probabilities with log clamped at -100."""

    __slots__ = ()
    saved_names = ("self", "target")

    def numpy_backward(self, g, p, y):
        gp = gy = None
        if self._next[0] is not None:
            gp = g * (p - y) / np.maximum((1 - p) * p, 1e-12)
        if self._next[1] is not None:
            with np.errstate(divide="ignore"):
                gy = g * (np.maximum(np.log1p(-p), -100) - np.maximum(np.log(p), -100))
        return gp, gy

    def composite(self, p, y):
        return -(y * p.log().clamp(min=-100) + (1 - y) * (1 - p).log().clamp(min=-100))


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(y log p + (1 - y) log(1 - p)) with each log clamped at -100 (so p=0, y=1 gives 100).

    Example:
        >>> F.binary_cross_entropy(framework.tensor([0.0]), framework.tensor([1.0]))
        tensor(100.)
    """
    reduction = _reduction_arg(size_average, reduce, reduction)
    target = _as_tensor(target, input)
    if input._data.shape != target._data.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) "
                         "is deprecated. Please ensure they have the same size.")
    p, y = input._data, target._data
    if ((p < 0) | (p > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    with np.errstate(divide="ignore"):
        loss = -(y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log1p(-p), -100))
    loss = record(loss.astype(p.dtype, copy=False), BinaryCrossEntropyBackward0, (input, target), (input, target))
    if weight is not None:
        loss = loss * weight
    return _reduction.apply(loss, reduction)


def _softplus_np(x):
    """log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|))."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


class BinaryCrossEntropyWithLogitsBackward0(FusedNode):
    """Elementwise (1 - y) softplus(x) + pos_weight * y * softplus(-x), then the reduction named in ``_args``."""

    __slots__ = ()
    saved_names = ("self", "target", "pos_weight")

    def numpy_backward(self, g, x, y, pw):
        nx, ny, npw = self._next
        g = _reduction.spread(g, self._args, x.size)
        gx = gy = gpw = None
        if nx is not None:
            s = stable_sigmoid(x)
            if pw is None:
                s -= y  # (1 - y) s - y (1 - s) == s - y, PyTorch's form
                s *= g
                gx = s
            else:
                gx = g * ((1 - y) * s - pw * y * (1 - s))
        if ny is not None or npw is not None:
            sp_neg = _softplus_np(-x)
            if ny is not None:
                gy = g * ((sp_neg if pw is None else pw * sp_neg) - _softplus_np(x))
            if npw is not None:
                gpw = sum_to(g * y * sp_neg, pw.shape)
        return gx, gy, gpw

    def composite(self, x, y, pw):
        neg = _softplus(-x)
        pos_term = neg * y if pw is None else neg * y * pw
        return _reduction.apply((1 - y) * _softplus(x) + pos_term, self._args)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """Sigmoid + binary cross entropy in the stable form max(x, 0) - x y + log1p(exp(-|x|)).

    ``pos_weight`` multiplies the positive term (broadcast over the last dim).

    Example:
        >>> F.binary_cross_entropy_with_logits(framework.tensor([100.0]), framework.tensor([0.0]))
        tensor(100.)
    """
    reduction = _reduction_arg(size_average, reduce, reduction)
    target = _as_tensor(target, input)
    if input._data.shape != target._data.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    x, y = input._data, target._data
    pw = None if pos_weight is None else pos_weight._data
    sp_pos = _softplus_np(x)
    if pw is None:
        loss = sp_pos
        loss -= x * y  # (1 - y) softplus(x) + y softplus(-x) == softplus(x) - x y
    else:
        loss = (1 - y) * sp_pos + pw * y * (sp_pos - x)
    loss = loss.astype(x.dtype, copy=False)
    fused = "none" if weight is not None else reduction  # a weight multiplies before the reduction
    loss = record(_reduction.apply_array(loss, fused), BinaryCrossEntropyWithLogitsBackward0,
                  (input, target, pos_weight), (input, target, pos_weight), fused)
    if weight is not None:
        loss = loss * weight
        return _reduction.apply(loss, reduction)
    return loss


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target || exp(input)) with ``input`` given as log-probabilities."""
    if reduction != "batchmean":
        reduction = _reduction_arg(size_average, reduce, reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        safe = where(target > 0, target, 1.0)
        loss = where(target > 0, target * (safe.log() - input), 0.0)
    if reduction == "batchmean":
        return loss.sum() / input.shape[0]
    return _reduction.apply(loss, reduction)


__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "NllLossBackward0",
           "BinaryCrossEntropyBackward0", "BinaryCrossEntropyWithLogitsBackward0"]
