"""Small seeded toy datasets made on the spot: xor, moons, circles, spirals, blobs, sine_regression.

Each returns a TensorDataset of float32 features and int64 class labels (float32 (N, 1) targets for
regression). The same ``seed`` gives the same data; ``seed=None`` draws from the framework's global
generator, so ``framework.manual_seed`` fixes it.

Example:
    >>> ds = moons(200, noise=0.1, seed=0)
    >>> x, y = ds.tensors
    >>> tuple(x.shape), x.dtype, y.dtype
    ((200, 2), framework.float32, framework.int64)
"""
import numbers

import numpy as np

from ...autograd.random import rng as _framework_rng
from ...autograd.tensor import Tensor
from ..dataset import TensorDataset


def _rng(seed):
    return _framework_rng() if seed is None else np.random.default_rng(seed)


def _check_count(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, but got {name}={value!r}")
    return int(value)


def _check_noise(noise):
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not noise >= 0:
        raise ValueError(f"noise must be a non-negative number, but got noise={noise!r}")
    return float(noise)


def _classification(points, labels, rng, noise, shuffle):
    if noise:
        points = points + rng.normal(scale=noise, size=points.shape)
    if shuffle:
        order = rng.permutation(len(labels))
        points, labels = points[order], labels[order]
    return TensorDataset(Tensor(points.astype(np.float32)), Tensor(labels.astype(np.int64)))


def xor(n_samples=4, noise=0.0, seed=0):
    """The XOR problem: points (0,0), (0,1), (1,0), (1,1) with labels 0, 1, 1, 0.

    ``n_samples`` cycles through the four corners (in that order); ``noise`` adds Gaussian jitter.

    Example:
        >>> x, y = xor().tensors
        >>> x.tolist(), y.tolist()
        ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    n = _check_count("n_samples", n_samples)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    which = np.arange(n) % 4
    return _classification(corners[which], np.array([0, 1, 1, 0])[which], _rng(seed), _check_noise(noise),
                           shuffle=False)


def moons(n_samples=100, noise=0.0, seed=0, shuffle=True):
    """Two interleaving half circles (label 0: upper, label 1: lower), as scikit-learn's make_moons.

    Example:
        >>> ds = moons(100, noise=0.1)
    """
    n = _check_count("n_samples", n_samples, 2)
    n_upper = n // 2
    n_lower = n - n_upper
    t_upper = np.linspace(0, np.pi, n_upper)
    t_lower = np.linspace(0, np.pi, n_lower)
    points = np.concatenate([np.stack([np.cos(t_upper), np.sin(t_upper)], 1),
                             np.stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)], 1)])
    labels = np.concatenate([np.zeros(n_upper), np.ones(n_lower)])
    return _classification(points, labels, _rng(seed), _check_noise(noise), shuffle)


def circles(n_samples=100, noise=0.0, factor=0.8, seed=0, shuffle=True):
    """A small circle (label 1, radius ``factor``) inside a unit circle (label 0).

    Example:
        >>> ds = circles(100, noise=0.05, factor=0.5)
    """
    n = _check_count("n_samples", n_samples, 2)
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0 < factor < 1:
        raise ValueError(f"factor must be between 0 and 1 (exclusive), but got factor={factor!r}")
    n_outer = n // 2
    n_inner = n - n_outer
    t_outer = np.linspace(0, 2 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0, 2 * np.pi, n_inner, endpoint=False)
    points = np.concatenate([np.stack([np.cos(t_outer), np.sin(t_outer)], 1),
                             factor * np.stack([np.cos(t_inner), np.sin(t_inner)], 1)])
    labels = np.concatenate([np.zeros(n_outer), np.ones(n_inner)])
    return _classification(points, labels, _rng(seed), _check_noise(noise), shuffle)


def spirals(n_samples=300, n_classes=3, noise=0.2, seed=0, shuffle=True):
    """``n_classes`` interleaved spiral arms in 2-D, one class per arm (the CS231n spiral data).

    ``noise`` jitters each point's angle (radians). Samples are shared out as evenly as possible.

    Example:
        >>> x, y = spirals(300, n_classes=3).tensors
        >>> sorted(set(y.tolist()))
        [0, 1, 2]
    """
    n = _check_count("n_samples", n_samples)
    k = _check_count("n_classes", n_classes)
    if n < k:
        raise ValueError(f"spirals needs at least one sample per class: n_samples={n} < n_classes={k}")
    rng = _rng(seed)
    noise = _check_noise(noise)
    sizes = [n // k + (1 if c < n % k else 0) for c in range(k)]
    points, labels = [], []
    for c, size in enumerate(sizes):
        radius = np.linspace(0.0, 1.0, size)
        angle = np.linspace(c * 4.0, (c + 1) * 4.0, size) + rng.normal(scale=noise, size=size)
        points.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], 1))
        labels.append(np.full(size, c))
    return _classification(np.concatenate(points), np.concatenate(labels), rng, 0.0, shuffle)


def blobs(n_samples=100, n_features=2, centers=3, noise=1.0, center_box=(-10.0, 10.0), seed=0, shuffle=True):
    """Isotropic Gaussian clusters, one class per centre, as scikit-learn's make_blobs.

    ``centers`` is a number of centres (placed uniformly at random in ``center_box``) or an array of them;
    ``noise`` is the standard deviation of each cluster (scikit-learn's ``cluster_std``; one per centre
    allowed).

    Example:
        >>> x, y = blobs(90, centers=[[0, 0], [5, 5], [0, 5]], noise=0.5).tensors
    """
    n = _check_count("n_samples", n_samples)
    rng = _rng(seed)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = _check_count("centers", centers)
        d = _check_count("n_features", n_features)
        centre_points = rng.uniform(center_box[0], center_box[1], size=(k, d))
    else:
        centre_points = np.asarray(centers, dtype=np.float64)
        if centre_points.ndim != 2 or len(centre_points) == 0:
            raise ValueError(f"centers must be an int or an array of shape (n_centers, n_features), but got "
                             f"shape {centre_points.shape}")
        k = len(centre_points)
    std = np.broadcast_to(np.asarray(noise, dtype=np.float64), (k,))
    if not np.all(std >= 0):
        raise ValueError(f"noise must be non-negative (one value, or one per centre), but got noise={noise!r}")
    sizes = [n // k + (1 if c < n % k else 0) for c in range(k)]
    labels = np.repeat(np.arange(k), sizes)
    points = centre_points[labels] + rng.normal(size=(n, centre_points.shape[1])) * std[labels, None]
    return _classification(points, labels, rng, 0.0, shuffle)


def sine_regression(n_samples=100, noise=0.1, x_range=(-np.pi, np.pi), seed=0):
    """Regression toy: x uniform in ``x_range``, target sin(x) plus Gaussian noise; both float32 (N, 1).

    Example:
        >>> x, y = sine_regression(64).tensors
        >>> tuple(x.shape), tuple(y.shape)
        ((64, 1), (64, 1))
    """
    n = _check_count("n_samples", n_samples)
    noise = _check_noise(noise)
    low, high = x_range
    if not low < high:
        raise ValueError(f"x_range must be (low, high) with low < high, but got {x_range!r}")
    rng = _rng(seed)
    x = rng.uniform(low, high, size=(n, 1))
    y = np.sin(x) + (rng.normal(scale=noise, size=(n, 1)) if noise else 0.0)
    return TensorDataset(Tensor(x.astype(np.float32)), Tensor(y.astype(np.float32)))
