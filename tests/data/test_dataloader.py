"""DataLoader: batching, collation of each sample type, the fast path, option errors."""
import collections

import numpy as np
import pytest

import framework
import framework.utils.data as utils_data
from framework.autograd.tensor import Tensor
from framework.data import (BatchSampler, DataLoader, Dataset, IterableDataset, RandomSampler, SequentialSampler,
                            Subset, TensorDataset, default_collate, get_worker_info)
import framework.data as data


class ListDataset(Dataset):
    """Samples taken from a Python list, one __getitem__ at a time."""

    def __init__(self, samples):
        self.samples = samples
        self.calls = 0

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        self.calls += 1
        return self.samples[i]


class CountingTensorDataset(TensorDataset):
    def __init__(self, *tensors):
        super().__init__(*tensors)
        self.item_calls = 0

    def __getitem__(self, index):
        self.item_calls += 1
        return super().__getitem__(index)


class Stream(IterableDataset):
    def __init__(self, n, with_len=True):
        self.n = n
        self.with_len = with_len

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        if not self.with_len:
            raise TypeError("no len")
        return self.n


def tensor_dataset(n=10, cls=TensorDataset):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    return cls(Tensor(x), Tensor(np.arange(n, dtype=np.int64)))


def as_lists(batches):
    """Batches as nested Python lists (Tensors -> tolist), for exact comparisons."""
    def convert(b):
        if isinstance(b, Tensor):
            return (str(b.dtype), b.tolist())
        if isinstance(b, (list, tuple)):
            return [convert(x) for x in b]
        if isinstance(b, dict):
            return {k: convert(v) for k, v in b.items()}
        return b
    return [convert(b) for b in batches]


# --------------------------------------------------------------------------- batching
def test_batches_of_a_tensor_dataset():
    loader = DataLoader(tensor_dataset(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [tuple(x.shape) for x, _ in batches] == [(4, 2), (4, 2), (2, 2)]
    assert isinstance(batches[0], list)
    x, y = batches[0]
    assert x.dtype == framework.float32 and y.dtype == framework.int64
    assert y.tolist() == [0, 1, 2, 3]
    assert batches[2][1].tolist() == [8, 9]


def test_drop_last_drops_the_incomplete_batch():
    loader = DataLoader(tensor_dataset(10), batch_size=4, drop_last=True)
    batches = list(loader)
    assert len(loader) == len(batches) == 2
    assert all(tuple(y.shape) == (4,) for _, y in batches)


def test_default_batch_size_is_one():
    batches = list(DataLoader(tensor_dataset(3)))
    assert len(batches) == 3 and tuple(batches[0][0].shape) == (1, 2)


def test_shuffle_visits_every_sample_once():
    loader = DataLoader(tensor_dataset(50), batch_size=8, shuffle=True, seed=0)
    seen = [i for _, y in loader for i in y.tolist()]
    assert sorted(seen) == list(range(50))
    assert seen != list(range(50))


Point = collections.namedtuple("Point", ["x", "label"])

SAMPLE_KINDS = {
    "int": [1, 2, 3, 4, 5],
    "float": [0.5, 1.5, 2.5, 3.5, 4.5],
    "numpy": [np.full(3, i, dtype=np.float32) for i in range(5)],
    "tensor": [framework.full((2, 2), float(i)) for i in range(5)],
    "tuple": [(np.float32(i), i) for i in range(5)],
    "list": [[i, float(i)] for i in range(5)],
    "dict": [{"x": np.full(2, i, dtype=np.float32), "y": i} for i in range(5)],
    "namedtuple": [Point(np.zeros(2, np.float32) + i, i) for i in range(5)],
    "str": [f"s{i}" for i in range(5)],
}


@pytest.mark.parametrize("kind", sorted(SAMPLE_KINDS))
def test_every_sample_type_is_collated_like_default_collate(kind):
    samples = SAMPLE_KINDS[kind]
    batches = list(DataLoader(ListDataset(samples), batch_size=2))
    expected = [default_collate(samples[0:2]), default_collate(samples[2:4]), default_collate(samples[4:5])]
    assert as_lists(batches) == as_lists(expected)
    assert type(batches[0]) is type(expected[0])


def test_sample_types_keep_dtypes():
    x, y = next(iter(DataLoader(ListDataset(SAMPLE_KINDS["tuple"]), batch_size=5)))
    assert x.dtype == framework.float32 and y.dtype == framework.int64
    d = next(iter(DataLoader(ListDataset(SAMPLE_KINDS["dict"]), batch_size=5)))
    assert tuple(d["x"].shape) == (5, 2) and d["y"].dtype == framework.int64


# --------------------------------------------------------------------------- fast path
def test_tensor_dataset_batches_without_per_sample_calls():
    ds = tensor_dataset(20, CountingTensorDataset)
    batches = list(DataLoader(ds, batch_size=6, shuffle=True, seed=3))
    assert ds.item_calls == 0
    slow = list(DataLoader(ds, batch_size=6, shuffle=True, seed=3, collate_fn=default_collate.__call__))
    assert ds.item_calls == 20
    assert as_lists(batches) == as_lists(slow)


def test_subset_of_tensor_dataset_uses_the_fast_path():
    ds = tensor_dataset(20, CountingTensorDataset)
    sub = Subset(ds, list(range(0, 20, 2)))
    batches = list(DataLoader(sub, batch_size=4))
    assert ds.item_calls == 0
    assert batches[0][1].tolist() == [0, 2, 4, 6]


@pytest.mark.parametrize("make", [lambda a: a, lambda a: Tensor(a)], ids=["ndarray", "Tensor"])
def test_arrays_and_tensors_as_datasets(make):
    rows = np.arange(12, dtype=np.float32).reshape(6, 2)
    batches = list(DataLoader(make(rows), batch_size=4))
    assert batches[0].dtype == framework.float32
    assert batches[0].tolist() == rows[:4].tolist() and batches[1].tolist() == rows[4:].tolist()


def test_custom_collate_fn_receives_the_list_of_samples():
    received = []

    def collate(samples):
        received.append(samples)
        return len(samples)

    assert list(DataLoader(tensor_dataset(5), batch_size=2, collate_fn=collate)) == [2, 2, 1]
    assert isinstance(received[0], list) and isinstance(received[0][0], tuple)


def test_getitems_is_used_when_defined():
    class Batched(ListDataset):
        def __getitems__(self, indices):
            self.got = indices
            return [self.samples[i] for i in indices]

    ds = Batched(list(range(6)))
    batches = list(DataLoader(ds, batch_size=4))
    assert ds.calls == 0 and ds.got == [4, 5]
    assert batches[0].tolist() == [0, 1, 2, 3]


# --------------------------------------------------------------------------- samplers and special modes
def test_custom_sampler_and_batch_sampler():
    ds = ListDataset(list(range(10)))
    by_sampler = [b.tolist() for b in DataLoader(ds, batch_size=3, sampler=[9, 8, 7, 6])]
    assert by_sampler == [[9, 8, 7], [6]]
    by_batches = [b.tolist() for b in DataLoader(ds, batch_sampler=[[0, 5], [1], [2, 3, 4]])]
    assert by_batches == [[0, 5], [1], [2, 3, 4]]
    assert len(DataLoader(ds, batch_sampler=[[0, 5], [1]])) == 2


def test_builtin_batch_sampler_argument():
    ds = tensor_dataset(10)
    loader = DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 5, False))
    assert [y.tolist() for _, y in loader] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    assert loader.batch_size is None


def test_batch_size_none_yields_converted_samples():
    ds = ListDataset([np.array([1.0, 2.0], dtype=np.float32), np.array([3.0, 4.0], dtype=np.float32)])
    loader = DataLoader(ds, batch_size=None)
    out = list(loader)
    assert len(loader) == 2
    assert isinstance(out[0], Tensor) and tuple(out[0].shape) == (2,)
    assert out[1].tolist() == [3.0, 4.0]


def test_iterable_dataset_batches():
    loader = DataLoader(Stream(7), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(loader) == 3
    dropped = DataLoader(Stream(7), batch_size=3, drop_last=True)
    assert [b.tolist() for b in dropped] == [[0, 1, 2], [3, 4, 5]]
    assert len(dropped) == 2
    assert list(DataLoader(Stream(2), batch_size=None)) == [0, 1]


def test_iterable_dataset_without_len():
    loader = DataLoader(Stream(4, with_len=False), batch_size=2)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3]]
    with pytest.raises(TypeError):
        len(loader)
    assert loader.state_dict()["num_batches"] is None


def test_loader_reports_its_configuration_like_pytorch():
    ds = tensor_dataset(10)
    loader = DataLoader(ds, batch_size=4, shuffle=True)
    assert isinstance(loader.sampler, RandomSampler)
    assert isinstance(loader.batch_sampler, BatchSampler)
    assert loader.batch_size == 4 and loader.drop_last is False and loader.dataset is ds
    assert isinstance(DataLoader(ds).sampler, SequentialSampler)


# --------------------------------------------------------------------------- option errors
@pytest.mark.parametrize("kwargs, message", [
    ({"sampler": [0, 1], "shuffle": True}, "sampler option is mutually exclusive with shuffle"),
    ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive with batch_size, "
                                                "shuffle, sampler, and drop_last"),
    ({"batch_sampler": [[0]], "shuffle": True}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "sampler": [0]}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "drop_last": True}, "batch_sampler option is mutually exclusive"),
    ({"batch_size": None, "drop_last": True}, "batch_size=None option disables auto-batching and is mutually "
                                              "exclusive with drop_last"),
    ({"batch_size": 0}, "batch_size should be a positive integer value, but got batch_size=0"),
    ({"drop_last": "yes"}, "drop_last should be a boolean value"),
    ({"num_workers": -1}, "num_workers option should be non-negative; use num_workers=0 to disable"),
    ({"timeout": -1}, "timeout option should be non-negative"),
    ({"prefetch_factor": 2}, "prefetch_factor option could only be specified in multiprocessing"),
    ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
    ({"prefetch": -1}, "prefetch should be a non-negative integer"),
    ({"seed": -3}, "seed must be a non-negative integer"),
])
def test_contradictory_or_invalid_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(tensor_dataset(4), **kwargs)


@pytest.mark.parametrize("kwargs, message", [
    ({"shuffle": True}, "DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                        "shuffle=True"),
    ({"sampler": [0]}, "DataLoader with IterableDataset: expected unspecified sampler option"),
    ({"batch_sampler": [[0]]}, "DataLoader with IterableDataset: expected unspecified batch_sampler option"),
])
def test_iterable_dataset_option_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(Stream(3), **kwargs)


def test_seed_and_generator_types_are_checked():
    with pytest.raises(TypeError, match="seed must be an int"):
        DataLoader(tensor_dataset(4), seed=1.5)
    with pytest.raises(TypeError, match="generator must be a framework.Generator"):
        DataLoader(tensor_dataset(4), shuffle=True, generator=np.random.default_rng(0))


@pytest.mark.parametrize("attr", ["batch_size", "sampler", "batch_sampler", "drop_last", "dataset"])
def test_core_attributes_are_frozen_after_init(attr):
    loader = DataLoader(tensor_dataset(4))
    with pytest.raises(ValueError, match=f"{attr} attribute should not be set after DataLoader is initialized"):
        setattr(loader, attr, None)


def test_num_workers_becomes_thread_prefetch_with_a_warning():
    with pytest.warns(UserWarning, match="no worker processes"):
        loader = DataLoader(tensor_dataset(10), batch_size=3, num_workers=2)
    assert loader.prefetch == 4
    assert as_lists(loader) == as_lists(DataLoader(tensor_dataset(10), batch_size=3))


def test_error_in_dataset_propagates():
    class Broken(ListDataset):
        def __getitem__(self, i):
            raise KeyError(f"sample {i} is broken")

    with pytest.raises(KeyError, match="sample 0 is broken"):
        next(iter(DataLoader(Broken([1, 2]))))


# --------------------------------------------------------------------------- re-export
def test_utils_data_reexports_framework_data():
    for name in data.__all__:
        assert getattr(utils_data, name) is getattr(data, name)
    assert utils_data.DataLoader is DataLoader


def test_pytorch_submodule_paths_import_the_same_objects():
    from framework.utils.data.dataloader import DataLoader as Loader, default_collate as collate
    from framework.utils.data.dataset import Subset as SubsetAlias
    from framework.utils.data.sampler import SubsetRandomSampler

    assert Loader is DataLoader and collate is default_collate and SubsetAlias is Subset
    assert SubsetRandomSampler is data.SubsetRandomSampler


def test_get_worker_info_is_none_in_the_main_process():
    assert get_worker_info() is None
