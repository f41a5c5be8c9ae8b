"""Samplers decide which sample indices a pass over a dataset visits, and in what order.

Every built-in sampler can draw one whole pass as an int64 numpy array with ``sample_indices(rng)``
from a given numpy Generator. The DataLoader calls it with a generator seeded from (seed, epoch), which
makes the order reproducible and a run resumable mid-epoch. Custom samplers may define it too;
without it they are simply iterated. Iterating a sampler on its own draws from its ``generator``
(a ``framework.Generator``) or, when that is None, from the framework's global generator.

Example:
    >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
    [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
"""
import numpy as np

from ..autograd.random import rng as _framework_rng


def check_positive_int(name, value):
    """PyTorch's check for batch_size / num_samples (bools are refused although they are ints)."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value}")


def check_bool(name, value):
    """PyTorch's check for replacement / drop_last: a real bool, not merely something truthy."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} should be a boolean value, but got {name}={value}")


class Sampler:
    """Base class of samplers: subclasses define ``__len__`` and either ``__iter__`` or ``sample_indices``.

    A subclass that defines ``sample_indices(rng)`` (one pass as an int64 numpy array drawn from the numpy
    Generator ``rng``) and leaves ``__iter__`` alone gets a reproducible order and exact mid-epoch resume
    in the DataLoader; one that defines ``__iter__`` is simply iterated.

    Example:
        >>> class Reversed(Sampler):
        ...     def __init__(self, n): self.n = n
        ...     def sample_indices(self, rng): return np.arange(self.n - 1, -1, -1)
        ...     def __len__(self): return self.n
        >>> list(Reversed(3))
        [2, 1, 0]
    """

    generator = None

    def __init__(self, data_source=None):
        pass

    def sample_indices(self, rng):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__ or sample_indices")

    def __iter__(self):
        return iter(self.sample_indices(_framework_rng(self.generator)).tolist())


def draws_whole_passes(sampler):
    """True when the sampler's order is exactly what its ``sample_indices`` returns."""
    cls = type(sampler)
    return (isinstance(sampler, Sampler) and cls.__iter__ is Sampler.__iter__
            and cls.sample_indices is not Sampler.sample_indices)


class SequentialSampler(Sampler):
    """Indices 0, 1, ..., len(data_source) - 1.

    Example:
        >>> list(SequentialSampler(range(4)))
        [0, 1, 2, 3]
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def sample_indices(self, rng):
        return np.arange(len(self.data_source), dtype=np.int64)

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices, or ``num_samples`` draws with replacement.

    Without replacement and with ``num_samples`` larger than the dataset, whole permutations are
    concatenated (as PyTorch does).

    Example:
        >>> sorted(RandomSampler(range(5), generator=framework.Generator().manual_seed(0)))
        [0, 1, 2, 3, 4]
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        check_bool("replacement", replacement)
        if num_samples is not None:
            check_positive_int("num_samples", num_samples)
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator

    @property
    def num_samples(self):
        # read on demand: the dataset may change size after the sampler is built
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def sample_indices(self, rng):
        n, k = len(self.data_source), self.num_samples
        if self.replacement:
            return rng.integers(0, n, size=k, dtype=np.int64)
        if k == n:
            return rng.permutation(n).astype(np.int64, copy=False)
        rounds = [rng.permutation(n) for _ in range(-(-k // n))] if n else [np.empty(0, np.int64)]
        return np.concatenate(rounds)[:k].astype(np.int64, copy=False)

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order.

    Example:
        >>> sorted(SubsetRandomSampler([7, 3, 9]))
        [3, 7, 9]
    """

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def sample_indices(self, rng):
        indices = np.asarray(self.indices, dtype=np.int64).reshape(-1)
        return indices[rng.permutation(len(indices))]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probability proportional to ``weights``.

    Example:
        >>> list(WeightedRandomSampler([0.0, 1.0, 0.0], 3))
        [1, 1, 1]
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        check_positive_int("num_samples", num_samples)
        check_bool("replacement", replacement)
        weights = np.asarray(getattr(weights, "_data", weights), dtype=np.float64)
        if weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(weights.shape)}")
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0, "
                               "inf or nan)")
        if weights.sum() <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not replacement and num_samples > np.count_nonzero(weights):
            raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                               f"(num_samples={num_samples}, non-zero weights={np.count_nonzero(weights)})")
        self.weights = weights
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def sample_indices(self, rng):
        p = self.weights / self.weights.sum()
        return rng.choice(len(p), size=self.num_samples, replace=self.replacement, p=p).astype(np.int64)

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter unless ``drop_last``).

    Example:
        >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=True))
        [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        check_positive_int("batch_size", batch_size)
        check_bool("drop_last", drop_last)
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def batches_from(self, indices):
        """Split one pass of indices (a numpy array) into this sampler's batches, as array views."""
        size = self.batch_size
        stop = len(indices) - len(indices) % size if self.drop_last else len(indices)
        return [indices[i:i + size] for i in range(0, stop, size)]

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)
