"""Reproducible order from (seed, epoch) and exact mid-epoch resume through state_dict."""
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import framework
from framework.autograd.tensor import Tensor
from framework.data import (BatchSampler, DataLoader, Dataset, RandomSampler, SubsetRandomSampler, TensorDataset,
                            WeightedRandomSampler)


class Indices(Dataset):
    """Sample i is i: batches show exactly which indices were drawn."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i


def tensor_dataset(n=23):
    return TensorDataset(Tensor(np.arange(n * 2, dtype=np.float32).reshape(n, 2)), Tensor(np.arange(n)))


def labels(batch):
    if isinstance(batch, list):
        return batch[1].tolist()
    return batch if isinstance(batch, int) else batch.tolist()


def run_epochs(loader, epochs):
    return [[labels(b) for b in loader] for _ in range(epochs)]


LOADERS = {
    "shuffle": lambda seed: DataLoader(tensor_dataset(), batch_size=5, shuffle=True, seed=seed),
    "shuffle_drop_last": lambda seed: DataLoader(tensor_dataset(), batch_size=5, shuffle=True, drop_last=True,
                                                 seed=seed),
    "sequential": lambda seed: DataLoader(tensor_dataset(), batch_size=4, seed=seed),
    "replacement": lambda seed: DataLoader(Indices(23), batch_size=4, seed=seed,
                                           sampler=RandomSampler(range(23), replacement=True, num_samples=30)),
    "subset_random": lambda seed: DataLoader(Indices(23), batch_size=3, seed=seed,
                                             sampler=SubsetRandomSampler(list(range(0, 23, 2)))),
    "weighted": lambda seed: DataLoader(Indices(23), batch_size=4, seed=seed,
                                        sampler=WeightedRandomSampler(np.linspace(0.1, 1, 23), 17)),
    "batch_sampler": lambda seed: DataLoader(Indices(23), seed=seed,
                                             batch_sampler=BatchSampler(RandomSampler(range(23)), 6, False)),
    "unbatched": lambda seed: DataLoader(Indices(23), batch_size=None, shuffle=True, seed=seed),
    "prefetch": lambda seed: DataLoader(tensor_dataset(), batch_size=5, shuffle=True, seed=seed, prefetch=2),
}


@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_same_seed_same_batches(kind):
    first = run_epochs(LOADERS[kind](7), 2)
    second = run_epochs(LOADERS[kind](7), 2)
    assert first == second


def test_different_seeds_and_epochs_give_different_orders():
    a = run_epochs(LOADERS["shuffle"](1), 2)
    b = run_epochs(LOADERS["shuffle"](2), 2)
    assert a != b
    assert a[0] != a[1]


def test_epoch_order_depends_on_seed_and_epoch_only():
    loader = LOADERS["shuffle"](5)
    rng = np.random.default_rng(np.random.SeedSequence([5, 1]))
    expected = rng.permutation(23).tolist()
    run_epochs(loader, 1)
    assert [i for batch in run_epochs(loader, 1)[0] for i in batch] == expected


def test_global_seed_fixes_the_loader_seed():
    framework.manual_seed(123)
    a = DataLoader(tensor_dataset(), batch_size=5, shuffle=True)
    framework.manual_seed(123)
    b = DataLoader(tensor_dataset(), batch_size=5, shuffle=True)
    assert a.seed == b.seed
    assert run_epochs(a, 2) == run_epochs(b, 2)


def test_generator_fixes_the_loader_seed():
    a = DataLoader(tensor_dataset(), batch_size=5, shuffle=True, generator=framework.Generator().manual_seed(9))
    b = DataLoader(tensor_dataset(), batch_size=5, shuffle=True, generator=framework.Generator().manual_seed(9))
    c = DataLoader(tensor_dataset(), batch_size=5, shuffle=True, generator=framework.Generator().manual_seed(10))
    assert run_epochs(a, 1) == run_epochs(b, 1) != run_epochs(c, 1)


def test_state_dict_is_plain_json():
    loader = LOADERS["shuffle"](3)
    it = iter(loader)
    next(it), next(it)
    state = loader.state_dict()
    assert json.loads(json.dumps(state)) == state
    assert state["epoch"] == 0 and state["position"] == 2 and state["seed"] == 3
    assert all(type(v) is int for v in state.values())


def test_state_dict_before_and_after_epochs():
    loader = LOADERS["shuffle"](3)
    assert (loader.state_dict()["epoch"], loader.state_dict()["position"]) == (0, 0)
    run_epochs(loader, 2)
    assert (loader.state_dict()["epoch"], loader.state_dict()["position"]) == (2, 0)


@pytest.mark.parametrize("stop_after", [0, 1, 3, 5])
@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_resume_mid_epoch_yields_the_uninterrupted_sequence(kind, stop_after):
    reference = LOADERS[kind](42)
    uninterrupted = run_epochs(reference, 3)

    interrupted = LOADERS[kind](42)
    run_epochs(interrupted, 1)
    stop_after = min(stop_after, len(interrupted))
    it = iter(interrupted)
    for _ in range(stop_after):
        next(it)
    saved = json.loads(json.dumps(interrupted.state_dict()))
    del it

    restored = LOADERS[kind](999)  # a different seed: the state dict must override it
    restored.load_state_dict(saved)
    rest_of_epoch = [labels(b) for b in restored]
    assert rest_of_epoch == uninterrupted[1][stop_after:]
    assert [labels(b) for b in restored] == uninterrupted[2]


def test_resume_after_the_last_batch_continues_with_the_next_epoch():
    reference = run_epochs(LOADERS["shuffle"](4), 2)
    loader = LOADERS["shuffle"](4)
    it = iter(loader)
    for _ in range(len(loader)):
        next(it)
    state = loader.state_dict()
    assert state["position"] == len(loader)
    restored = LOADERS["shuffle"](0)
    restored.load_state_dict(state)
    assert [labels(b) for b in restored] == []
    assert run_epochs(restored, 1) == reference[1:]


def test_abandoned_iteration_starts_a_fresh_epoch():
    loader = LOADERS["shuffle"](8)
    reference = run_epochs(LOADERS["shuffle"](8), 2)
    first = next(iter(loader))  # peek one batch, then loop normally
    assert labels(first) == reference[0][0]
    assert run_epochs(loader, 1) == [reference[1]]


def test_custom_iterated_sampler_resumes_by_skipping():
    order = [5, 3, 1, 0, 2, 4, 6]
    loader = DataLoader(Indices(7), batch_size=2, sampler=order)
    it = iter(loader)
    next(it)
    state = loader.state_dict()
    restored = DataLoader(Indices(7), batch_size=2, sampler=order)
    restored.load_state_dict(state)
    assert [labels(b) for b in restored] == [[1, 0], [2, 4], [6]]


def test_load_state_dict_errors():
    loader = LOADERS["shuffle"](1)
    good = loader.state_dict()
    with pytest.raises(KeyError, match="missing key"):
        loader.load_state_dict({"epoch": 0, "seed": 1})
    with pytest.raises(ValueError, match=r"state_dict\['position'\] must be a non-negative int"):
        loader.load_state_dict(dict(good, position=-1))
    with pytest.raises(ValueError, match="num_samples=23, but this loader has num_samples=10"):
        DataLoader(tensor_dataset(10), batch_size=5, shuffle=True).load_state_dict(good)
    with pytest.raises(ValueError, match="position 9 is past the end of an epoch of 5 batches"):
        loader.load_state_dict(dict(good, position=9))
    with pytest.raises(TypeError, match="expects a dict"):
        loader.load_state_dict([0, 0, 1])


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 40), batch_size=st.integers(1, 9), drop_last=st.booleans(), shuffle=st.booleans(),
       seed=st.integers(0, 2 ** 63 - 1), data=st.data())
def test_resume_anywhere_property(n, batch_size, drop_last, shuffle, seed, data):
    def make(s):
        return DataLoader(Indices(n), batch_size=batch_size, drop_last=drop_last, shuffle=shuffle, seed=s)

    reference = run_epochs(make(seed), 2)
    stop = data.draw(st.integers(0, len(reference[0])))
    loader = make(seed)
    it = iter(loader)
    for _ in range(stop):
        next(it)
    restored = make(0)
    restored.load_state_dict(json.loads(json.dumps(loader.state_dict())))
    assert [labels(b) for b in restored] == reference[0][stop:]
    assert run_epochs(restored, 1) == reference[1:]
