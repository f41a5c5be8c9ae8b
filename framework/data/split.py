"""Split a dataset into random, non-overlapping Subsets: ``random_split`` and ``train_val_split``.

Example:
    >>> train, val = random_split(ds, [0.8, 0.2], generator=framework.Generator().manual_seed(0))
    >>> train, val = train_val_split(ds, val_fraction=0.1, seed=0)
"""
import math
import numbers
import warnings

import numpy as np

from ..autograd.random import rng as _framework_rng
from .dataset import Subset


def _lengths_from_fractions(fractions, total):
    for i, frac in enumerate(fractions):
        if frac < 0 or frac > 1:
            raise ValueError(f"Fraction at index {i} is not between 0 and 1")
    lengths = [int(math.floor(total * frac)) for frac in fractions]
    # hand the rounding remainder out one by one, first split first (as PyTorch does)
    for i in range(total - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, length in enumerate(lengths):
        if length == 0:
            warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.", stacklevel=3)
    return lengths


def random_split(dataset, lengths, generator=None):
    """Randomly split ``dataset`` into Subsets of the given lengths, or of the given fractions (summing to 1).

    The permutation is drawn from ``generator`` (a ``framework.Generator``) or the global generator.

    Example:
        >>> a, b = random_split(range(10), [3, 7], generator=framework.Generator().manual_seed(42))
        >>> len(a), len(b)
        (3, 7)
    """
    lengths = list(lengths)
    total = len(dataset)
    if lengths and all(isinstance(x, numbers.Real) and not isinstance(x, numbers.Integral) for x in lengths) \
            and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _lengths_from_fractions(lengths, total)
    if any(not isinstance(x, numbers.Integral) or x < 0 for x in lengths):
        raise ValueError(f"random_split lengths must be non-negative ints or fractions summing to 1, "
                         f"but got {lengths}")
    if sum(lengths) != total:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = _framework_rng(generator).permutation(total).tolist()
    ends = np.cumsum(lengths).tolist()
    return [Subset(dataset, order[end - length:end]) for end, length in zip(ends, lengths)]


def train_val_split(dataset, val_fraction=0.1, seed=0):
    """Split ``dataset`` into (train, validation) Subsets, ``val_fraction`` of it (rounded, at least one
    sample) going to validation, with a permutation drawn from ``seed`` alone (None: from the global
    generator).

    Example:
        >>> train, val = train_val_split(datasets.moons(1000), val_fraction=0.2, seed=0)
        >>> len(train), len(val)
        (800, 200)
    """
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, numbers.Real) or not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be a number strictly between 0 and 1, but got {val_fraction!r}")
    total = len(dataset)
    if total < 2:
        raise ValueError(f"train_val_split needs at least 2 samples to make two non-empty parts, got {total}")
    n_val = min(max(1, round(total * val_fraction)), total - 1)
    if seed is None:
        seed = int(_framework_rng().integers(0, 2 ** 63))
    order = np.random.default_rng(np.random.SeedSequence(int(seed))).permutation(total).tolist()
    return Subset(dataset, order[n_val:]), Subset(dataset, order[:n_val])
