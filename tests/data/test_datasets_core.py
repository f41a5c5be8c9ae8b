"""TensorDataset, Subset, ConcatDataset, random_split, train_val_split."""
import numpy as np
import pytest

import framework
from framework.autograd.tensor import Tensor
from framework.data import (ConcatDataset, DataLoader, Dataset, IterableDataset, Subset, TensorDataset, datasets,
                            default_collate, random_split, train_val_split)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i * i


class Stream(IterableDataset):
    def __iter__(self):
        return iter(range(3))


def make_tensor_dataset(n=10):
    x = framework.tensor(np.arange(n * 3, dtype=np.float32).reshape(n, 3))
    y = framework.tensor(np.arange(n, dtype=np.int64))
    return TensorDataset(x, y)


def test_tensor_dataset_indexes_rows_of_every_tensor():
    ds = make_tensor_dataset()
    assert len(ds) == 10
    x, y = ds[4]
    assert x.tolist() == [12.0, 13.0, 14.0] and int(y) == 4
    assert x.dtype == framework.float32 and y.dtype == framework.int64


def test_tensor_dataset_accepts_numpy_arrays_without_copying():
    x = np.zeros((5, 2), dtype=np.float32)
    ds = TensorDataset(x)
    assert isinstance(ds.tensors[0], Tensor)
    assert ds.tensors[0]._data is x


@pytest.mark.parametrize("exc", [AssertionError, ValueError])
def test_tensor_dataset_first_dimensions_must_agree(exc):
    with pytest.raises(exc, match="Size mismatch between tensors: tensor 0 has 4 samples .* tensor 1 has 3"):
        TensorDataset(framework.zeros(4, 2), framework.zeros(3))


def test_tensor_dataset_refuses_0d_tensors_and_no_tensors():
    with pytest.raises(ValueError, match="tensor 1 is 0-d"):
        TensorDataset(framework.zeros(4), framework.tensor(1.0))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()


def test_tensor_dataset_refuses_other_types():
    with pytest.raises(TypeError, match="argument 1 is list"):
        TensorDataset(framework.zeros(2), [1, 2])


def test_tensor_dataset_getbatch_equals_collating_the_samples():
    ds = make_tensor_dataset()
    idx = np.array([7, 2, 2, 9], dtype=np.int64)
    fast = ds.__getbatch__(idx)
    slow = default_collate([ds[i] for i in idx.tolist()])
    assert len(fast) == len(slow) == 2
    for f, s in zip(fast, slow):
        assert f.dtype == s.dtype
        np.testing.assert_array_equal(f.numpy(), s.numpy())


def test_subset_maps_indices_and_keeps_the_fast_path():
    ds = make_tensor_dataset()
    sub = Subset(ds, [9, 0, 5])
    assert len(sub) == 3
    assert int(sub[0][1]) == 9
    assert [int(y) for _, y in sub.__getitems__([2, 1])] == [5, 0]
    inner = Subset(sub, [2, 0])
    batch = inner.__getbatch__(np.array([0, 1, 0]))
    assert batch[1].tolist() == [5, 9, 5]


def test_subset_of_a_plain_dataset_collates_its_samples():
    sub = Subset(Squares(6), [5, 1])
    assert sub.__getbatch__(np.array([0, 1])).tolist() == [25, 1]
    assert sub[0] == 25 and sub[-1] == 1


def test_concat_dataset_spans_its_parts():
    both = ConcatDataset([Squares(3), Squares(2)])
    assert len(both) == 5
    assert [both[i] for i in range(5)] == [0, 1, 4, 0, 1]
    assert both[-1] == 1 and both[-5] == 0
    assert both.cumulative_sizes == [3, 5]


def test_concat_dataset_index_errors():
    both = ConcatDataset([Squares(3), Squares(2)])
    with pytest.raises(IndexError, match="index 5 is out of range"):
        both[5]
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
        both[-6]


def test_concat_dataset_of_tensor_datasets_in_a_loader():
    both = ConcatDataset([make_tensor_dataset(3), make_tensor_dataset(4)])
    batches = list(DataLoader(both, batch_size=3))
    assert [y.tolist() for _, y in batches] == [[0, 1, 2], [0, 1, 2], [3]]
    assert tuple(batches[0][0].shape) == (3, 3)


def test_dataset_addition_concatenates():
    both = Squares(2) + Squares(3)
    assert isinstance(both, ConcatDataset) and len(both) == 5


def test_concat_dataset_refuses_empty_and_iterable_datasets():
    with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
        ConcatDataset([])
    with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
        ConcatDataset([Squares(2), Stream()])


def _covers(parts, n):
    seen = sorted(i for part in parts for i in part.indices)
    return seen == list(range(n))


def test_random_split_with_lengths():
    a, b = random_split(Squares(10), [3, 7], generator=framework.Generator().manual_seed(1))
    assert (len(a), len(b)) == (3, 7)
    assert _covers([a, b], 10)


def test_random_split_with_fractions_spreads_the_remainder():
    parts = random_split(Squares(10), [0.33, 0.33, 0.34], generator=framework.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [4, 3, 3]
    assert _covers(parts, 10)


def test_random_split_is_reproducible_with_a_generator():
    first = random_split(Squares(20), [0.5, 0.5], generator=framework.Generator().manual_seed(3))
    second = random_split(Squares(20), [0.5, 0.5], generator=framework.Generator().manual_seed(3))
    other = random_split(Squares(20), [0.5, 0.5], generator=framework.Generator().manual_seed(4))
    assert first[0].indices == second[0].indices
    assert first[0].indices != other[0].indices


def test_random_split_follows_the_global_generator():
    framework.manual_seed(5)
    first = random_split(Squares(20), [10, 10])
    framework.manual_seed(5)
    second = random_split(Squares(20), [10, 10])
    assert first[1].indices == second[1].indices


def test_random_split_errors():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of the input dataset"):
        random_split(Squares(10), [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(Squares(10), [1.5, -0.5])
    with pytest.raises(ValueError, match="non-negative ints or fractions"):
        random_split(Squares(10), [12, -2])


def test_random_split_warns_about_empty_splits():
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(Squares(1), [0.6, 0.4])


def test_train_val_split_is_offered_with_the_datasets():
    assert datasets.train_val_split is train_val_split


def test_train_val_split_sizes_and_disjointness():
    train, val = train_val_split(Squares(100), val_fraction=0.2, seed=0)
    assert (len(train), len(val)) == (80, 20)
    assert not set(train.indices) & set(val.indices)
    assert _covers([train, val], 100)


def test_train_val_split_depends_on_the_seed_only():
    a = train_val_split(Squares(50), 0.1, seed=7)[1].indices
    b = train_val_split(Squares(50), 0.1, seed=7)[1].indices
    c = train_val_split(Squares(50), 0.1, seed=8)[1].indices
    assert a == b and a != c


def test_train_val_split_keeps_both_parts_non_empty():
    train, val = train_val_split(Squares(3), val_fraction=0.01, seed=0)
    assert (len(train), len(val)) == (2, 1)


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.1, True, "0.2"])
def test_train_val_split_refuses_bad_fractions(fraction):
    with pytest.raises(ValueError, match="val_fraction must be a number strictly between 0 and 1"):
        train_val_split(Squares(10), fraction)


def test_train_val_split_needs_two_samples():
    with pytest.raises(ValueError, match="at least 2 samples"):
        train_val_split(Squares(1), 0.5)
