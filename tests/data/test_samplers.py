"""Samplers: orders, lengths, reproducibility, and PyTorch's argument errors."""
import numpy as np
import pytest

import framework
from framework.data import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                            WeightedRandomSampler)


def gen(seed):
    return framework.Generator().manual_seed(seed)


def test_sequential_sampler():
    s = SequentialSampler(range(5))
    assert list(s) == [0, 1, 2, 3, 4]
    assert len(s) == 5


def test_random_sampler_is_a_permutation():
    s = RandomSampler(range(50), generator=gen(0))
    order = list(s)
    assert sorted(order) == list(range(50))
    assert order != list(range(50))
    assert len(s) == 50
    assert all(type(i) is int for i in order)


def test_random_sampler_with_a_generator_is_reproducible_and_reshuffles_each_pass():
    a, b = RandomSampler(range(30), generator=gen(1)), RandomSampler(range(30), generator=gen(1))
    first_a, first_b = list(a), list(b)
    assert first_a == first_b
    assert list(a) != first_a  # the next pass draws a new order


def test_random_sampler_follows_the_global_generator():
    framework.manual_seed(11)
    first = list(RandomSampler(range(30)))
    framework.manual_seed(11)
    assert list(RandomSampler(range(30))) == first


def test_random_sampler_with_replacement():
    s = RandomSampler(range(5), replacement=True, num_samples=40, generator=gen(2))
    draws = list(s)
    assert len(draws) == len(s) == 40
    assert set(draws) <= set(range(5))
    assert len(set(draws)) < 40


def test_random_sampler_more_samples_than_data_without_replacement_chains_permutations():
    draws = list(RandomSampler(range(4), num_samples=10, generator=gen(3)))
    assert len(draws) == 10
    assert sorted(draws[:4]) == [0, 1, 2, 3] and sorted(draws[4:8]) == [0, 1, 2, 3]
    assert len(set(draws[8:])) == 2


def test_random_sampler_fewer_samples_without_replacement_are_distinct():
    draws = list(RandomSampler(range(10), num_samples=4, generator=gen(3)))
    assert len(draws) == 4 == len(set(draws))


@pytest.mark.parametrize("kwargs, message", [
    ({"replacement": 1}, "replacement should be a boolean value, but got replacement=1"),
    ({"num_samples": 0}, "num_samples should be a positive integer value, but got num_samples=0"),
    ({"num_samples": 2.5}, "num_samples should be a positive integer value, but got num_samples=2.5"),
])
def test_random_sampler_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RandomSampler(range(3), **kwargs)


def test_subset_random_sampler_permutes_the_given_indices():
    s = SubsetRandomSampler([10, 20, 30, 40], generator=gen(0))
    draws = list(s)
    assert sorted(draws) == [10, 20, 30, 40]
    assert len(s) == 4


def test_weighted_random_sampler_never_draws_zero_weights():
    draws = list(WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 200, generator=gen(0)))
    assert set(draws) == {1, 3}
    assert draws.count(3) > draws.count(1)


def test_weighted_random_sampler_without_replacement_draws_distinct_indices():
    draws = list(WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 5, replacement=False, generator=gen(1)))
    assert len(draws) == len(set(draws)) == 5


def test_weighted_random_sampler_accepts_tensors():
    s = WeightedRandomSampler(framework.tensor([0.0, 2.0]), 3)
    assert list(s) == [1, 1, 1] and len(s) == 3


@pytest.mark.parametrize("args, kwargs, exc, message", [
    (([1.0, 2.0], 0), {}, ValueError, "num_samples should be a positive integer value, but got num_samples=0"),
    (([1.0, 2.0], 2), {"replacement": "yes"}, ValueError, "replacement should be a boolean value"),
    (([[1.0, 2.0]], 2), {}, ValueError, r"weights should be a 1d sequence but given weights have shape \(1, 2\)"),
    (([1.0, -2.0], 2), {}, RuntimeError, "invalid multinomial distribution"),
    (([0.0, 0.0], 2), {}, RuntimeError, r"invalid multinomial distribution \(sum of probabilities <= 0\)"),
    (([1.0, 0.0, 1.0], 3), {"replacement": False}, RuntimeError, "cannot sample n_sample > prob_dist.size"),
])
def test_weighted_random_sampler_errors(args, kwargs, exc, message):
    with pytest.raises(exc, match=message):
        WeightedRandomSampler(*args, **kwargs)


def test_batch_sampler_groups_indices():
    assert list(BatchSampler(SequentialSampler(range(10)), 3, False)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert list(BatchSampler(SequentialSampler(range(10)), 3, True)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert len(BatchSampler(range(10), 3, False)) == 4
    assert len(BatchSampler(range(10), 3, True)) == 3
    assert len(BatchSampler(range(9), 3, False)) == 3


def test_batch_sampler_batches_from_matches_iteration():
    bs = BatchSampler(range(10), 4, False)
    assert [b.tolist() for b in bs.batches_from(np.arange(10))] == list(bs)
    bs = BatchSampler(range(10), 4, True)
    assert [b.tolist() for b in bs.batches_from(np.arange(10))] == list(bs)


@pytest.mark.parametrize("batch_size, drop_last, message", [
    (0, False, "batch_size should be a positive integer value, but got batch_size=0"),
    (True, False, "batch_size should be a positive integer value, but got batch_size=True"),
    (2, 1, "drop_last should be a boolean value, but got drop_last=1"),
])
def test_batch_sampler_argument_errors(batch_size, drop_last, message):
    with pytest.raises(ValueError, match=message):
        BatchSampler(range(4), batch_size, drop_last)


def test_custom_sampler_from_sample_indices():
    class Reversed(Sampler):
        def __init__(self, n):
            self.n = n

        def sample_indices(self, rng):
            return np.arange(self.n - 1, -1, -1)

        def __len__(self):
            return self.n

    assert list(Reversed(3)) == [2, 1, 0]


def test_sampler_without_an_order_says_what_to_define():
    with pytest.raises(NotImplementedError, match="must define __iter__ or sample_indices"):
        iter(Sampler())
