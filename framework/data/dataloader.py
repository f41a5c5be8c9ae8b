"""DataLoader: sampler -> batch of indices -> samples -> collate, reproducible and resumable.

Each epoch's order comes from a numpy Generator seeded with ``SeedSequence([seed, epoch])``, so the same
seed gives the same batches in every run, and ``state_dict()`` (epoch, position in the epoch, seed) is
enough to continue a run exactly where it stopped.

Example:
    >>> loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, seed=0)
    >>> for xb, yb in loader:
    ...     loss = loss_fn(model(xb), yb)
    >>> state = loader.state_dict()       # plain JSON-able dict, store it in the checkpoint
    >>> loader.load_state_dict(state)     # the next iteration continues from there
"""
import itertools
import math
import warnings

import numpy as np

from ..autograd.random import Generator
from ..autograd.random import rng as _framework_rng
from ..autograd.tensor import Tensor
from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .fetch import collated_batch, samples_at
from .prefetch import Prefetcher
from .sampler import BatchSampler, RandomSampler, SequentialSampler, check_bool, check_positive_int, draws_whole_passes

_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")
_STATE_KEYS = ("epoch", "position", "seed")


def get_worker_info():
    """Always None: the framework loads data in the main process (and at most one prefetch thread).

    Example:
        >>> get_worker_info() is None
        True
    """
    return None


def _check_options(dataset, shuffle, sampler, batch_sampler, batch_size, drop_last):
    """PyTorch's early errors for contradictory options, in PyTorch's order."""
    if isinstance(dataset, IterableDataset):
        if shuffle not in (False, None):
            raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle option, "
                             f"but got shuffle={shuffle}")
        if sampler is not None:
            raise ValueError("DataLoader with IterableDataset: expected unspecified sampler option, "
                             f"but got sampler={sampler}")
        if batch_sampler is not None:
            raise ValueError("DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                             f"but got batch_sampler={batch_sampler}")
    if sampler is not None and shuffle:
        raise ValueError("sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None:
        if batch_size != 1 or shuffle or sampler is not None or drop_last:
            raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                             "and drop_last")
    elif batch_size is None and drop_last:
        raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")


def _check_workers(num_workers, timeout, prefetch_factor, persistent_workers, prefetch):
    if num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                         "to enable multiprocessing, otherwise set prefetch_factor to None.")
    if prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    if not isinstance(prefetch, int) or isinstance(prefetch, bool) or prefetch < 0:
        raise ValueError(f"prefetch should be a non-negative integer (batches made ahead in a background thread), "
                         f"but got prefetch={prefetch!r}")
    if num_workers > 0:
        depth = num_workers * (2 if prefetch_factor is None else prefetch_factor)
        warnings.warn(f"DataLoader(num_workers={num_workers}): the framework has no worker processes; batches are "
                      f"made in one background thread instead (prefetch={max(prefetch, depth)})", stacklevel=3)
        return max(prefetch, depth)
    return prefetch


def _check_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, but got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, but got seed={seed}")
    return int(seed)


def _rewrap(batch):
    """Fresh Tensor objects around a batch made in the prefetch thread, so they carry the consumer's grad
    mode flags exactly as a batch made in the consumer's thread would."""
    if isinstance(batch, Tensor):
        return Tensor(batch._data)
    if isinstance(batch, list):
        return [_rewrap(b) for b in batch]
    if isinstance(batch, tuple):
        items = [_rewrap(b) for b in batch]
        return type(batch)(*items) if hasattr(batch, "_fields") else tuple(items)
    if isinstance(batch, dict):
        return {key: _rewrap(value) for key, value in batch.items()}
    return batch


class DataLoader:
    """Iterate over a dataset in (shuffled, collated) batches.

    Args:
        dataset: a map-style dataset (``__getitem__``/``__len__``), an ``IterableDataset``, or a numpy
            array / Tensor whose rows are the samples.
        batch_size: samples per batch; None yields single samples (converted by ``default_convert``).
        shuffle: a fresh random order every epoch.
        sampler / batch_sampler: custom order (mutually exclusive with shuffle / batch options, as in PyTorch).
        drop_last: drop the last, incomplete batch.
        collate_fn: list of samples -> batch; default ``default_collate``. When it is the default and the
            dataset offers ``__getbatch__`` (TensorDataset, Subset) a batch is one fancy-indexing call.
        generator: a ``framework.Generator`` to draw the seed from (when ``seed`` is None).
        seed: base seed; epoch e's order is drawn from ``SeedSequence([seed, e])``. When None, it is drawn at
            construction from ``generator`` or the global generator, so ``framework.manual_seed`` fixes it.
        prefetch: make up to this many batches ahead in a background thread (0 = off). Same batches either way,
            unless the dataset itself draws from the global generator (random augmentation), whose draws then
            interleave with the training thread's.
        num_workers, prefetch_factor, persistent_workers, pin_memory, timeout: accepted for PyTorch code and
            validated as PyTorch does; ``num_workers > 0`` turns into thread prefetching (with a warning).

    Example:
        >>> loader = DataLoader(dataset, batch_size=64, shuffle=True, seed=1)
        >>> len(loader)            # batches per epoch
        >>> xb, yb = next(iter(loader))
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None, *, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, generator=None, seed=None,
                 prefetch=0, prefetch_factor=None, persistent_workers=False):
        prefetch = _check_workers(num_workers, timeout, prefetch_factor, persistent_workers, prefetch)
        _check_options(dataset, shuffle, sampler, batch_sampler, batch_size, drop_last)
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(f"generator must be a framework.Generator, but got {type(generator).__name__}")
        self._iterable = isinstance(dataset, IterableDataset)
        if batch_size is not None and batch_sampler is None:
            check_positive_int("batch_size", batch_size)
            check_bool("drop_last", drop_last)
        if sampler is None and not self._iterable:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset))
        if batch_sampler is not None:
            batch_size, drop_last = None, False
        elif batch_size is not None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.prefetch = prefetch
        self._default_collate = collate_fn is None or collate_fn is default_collate
        self._auto_collation = batch_sampler is not None or (self._iterable and batch_size is not None)
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        if seed is None:
            seed_source = generator if generator is not None else getattr(sampler, "generator", None)
            if not isinstance(seed_source, Generator):
                seed_source = None
            seed = int(_framework_rng(seed_source).integers(0, 2 ** 63))
        self.seed = _check_seed(seed)
        self._epoch = 0           # epoch of the current (or next) iteration
        self._position = 0        # batches of that epoch handed out so far
        self._in_epoch = False    # an iteration began and has not finished
        self._resume = False      # the next iteration continues at (_epoch, _position)
        self._active = None       # token of the iterator that owns the progress counters
        self._initialized = True

    def __setattr__(self, name, value):
        if name in _FROZEN and self.__dict__.get("_initialized"):
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is initialized")
        object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ length
    def __len__(self):
        if self._iterable:
            length = len(self.dataset)
            if self.batch_size is None:
                return length
            return length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
        return len(self.batch_sampler if self._auto_collation else self.sampler)

    # ------------------------------------------------------------------ iteration
    def __iter__(self):
        return self._epoch_iterator()

    def _epoch_iterator(self):
        if self._resume:
            self._resume = False
        else:
            if self._in_epoch:      # the previous iteration was abandoned: this is a new epoch
                self._epoch += 1
            self._position = 0
        token = self._active = object()
        self._in_epoch = True
        epoch = self._epoch
        batches = self._batches(epoch, self._position)
        prefetcher = Prefetcher(batches, self.prefetch) if self.prefetch else None
        try:
            for batch in (prefetcher if prefetcher is not None else batches):
                if prefetcher is not None:
                    batch = _rewrap(batch)
                if self._active is token:
                    self._position += 1
                yield batch
        finally:
            if prefetcher is not None:
                prefetcher.close()
        if self._active is token:
            self._epoch, self._position, self._in_epoch = epoch + 1, 0, False

    def epoch_rng(self, epoch):
        """The numpy Generator that draws epoch ``epoch``'s order: seeded from (seed, epoch) alone."""
        return np.random.default_rng(np.random.SeedSequence([self.seed, int(epoch)]))

    def _batches(self, epoch, start):
        """The collated batches of ``epoch`` from batch number ``start`` on."""
        if self._iterable:
            return itertools.islice(self._iterable_batches(), start, None)
        return (self._fetch(indices) for indices in self._index_batches(epoch, start))

    def _index_batches(self, epoch, start):
        if self._auto_collation:
            bs = self.batch_sampler
            if type(bs) is BatchSampler and draws_whole_passes(bs.sampler):
                indices = np.asarray(bs.sampler.sample_indices(self.epoch_rng(epoch)), dtype=np.int64)
                return bs.batches_from(indices)[start:]
            # a custom (batch) sampler is iterated; resuming replays and skips the batches already seen
            return itertools.islice(iter(bs), start, None)
        if draws_whole_passes(self.sampler):
            return self.sampler.sample_indices(self.epoch_rng(epoch))[start:].tolist()
        return itertools.islice(iter(self.sampler), start, None)

    def _fetch(self, indices):
        if not self._auto_collation:
            return self.collate_fn(self.dataset[indices])
        if self._default_collate:
            return collated_batch(self.dataset, indices)
        return self.collate_fn(samples_at(self.dataset, indices))

    def _iterable_batches(self):
        samples = iter(self.dataset)
        if not self._auto_collation:
            yield from (self.collate_fn(sample) for sample in samples)
            return
        while True:
            chunk = list(itertools.islice(samples, self.batch_size))
            if not chunk or (self.drop_last and len(chunk) < self.batch_size):
                return
            yield self.collate_fn(chunk)

    # ------------------------------------------------------------------ resumable state
    def state_dict(self):
        """Where the loader stands, as plain JSON-serialisable Python.

        ``epoch`` is the epoch of the current (or next) iteration, ``position`` the number of its batches
        already handed out, ``seed`` the base seed every epoch's order derives from.

        Example:
            >>> json.dumps(loader.state_dict())
            '{"epoch": 2, "position": 17, "seed": 123, "num_samples": 60000, "num_batches": 469}'
        """
        return {"epoch": int(self._epoch), "position": int(self._position), "seed": int(self.seed),
                "num_samples": self._length_or_none(self.dataset), "num_batches": self._length_or_none(self)}

    def load_state_dict(self, state_dict):
        """Continue from ``state_dict``: the next ``iter(loader)`` yields the batches an uninterrupted run
        would have yielded after that point, and later epochs follow the same orders.

        Example:
            >>> loader.load_state_dict(checkpoint["loader"])
            >>> for batch in loader: ...   # the rest of the interrupted epoch
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"DataLoader.load_state_dict expects a dict, but got {type(state_dict).__name__}")
        missing = [key for key in _STATE_KEYS if key not in state_dict]
        if missing:
            raise KeyError(f"DataLoader state_dict is missing key(s) {missing}; expected {list(_STATE_KEYS)}")
        values = {}
        for key in _STATE_KEYS:
            value = state_dict[key]
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"DataLoader state_dict[{key!r}] must be a non-negative int, but got {value!r}")
            values[key] = int(value)
        for key, ours in (("num_samples", self._length_or_none(self.dataset)),
                          ("num_batches", self._length_or_none(self))):
            saved = state_dict.get(key)
            if saved is not None and ours is not None and saved != ours:
                raise ValueError(f"DataLoader state_dict was saved with {key}={saved}, but this loader has "
                                 f"{key}={ours}: it belongs to a different dataset or batch setting")
        num_batches = self._length_or_none(self)
        if num_batches is not None and values["position"] > num_batches:
            raise ValueError(f"DataLoader state_dict position {values['position']} is past the end of an epoch "
                             f"of {num_batches} batches")
        self.seed = values["seed"]
        self._epoch, self._position = values["epoch"], values["position"]
        self._in_epoch, self._resume, self._active = False, True, None

    @staticmethod
    def _length_or_none(obj):
        try:
            return int(len(obj))
        except (TypeError, NotImplementedError):
            return None
