"""Background prefetch: identical batches, clean shutdown, errors and grad-mode flags."""
import threading

import numpy as np
import pytest

import framework
from framework.autograd.tensor import Tensor
from framework.data import DataLoader, Dataset, TensorDataset
from framework.data.prefetch import Prefetcher

THREAD_NAME = "framework-data-prefetch"


def prefetch_threads():
    return [t for t in threading.enumerate() if t.name == THREAD_NAME and t.is_alive()]


def tensor_dataset(n=40):
    return TensorDataset(Tensor(np.arange(n * 3, dtype=np.float32).reshape(n, 3)), Tensor(np.arange(n)))


def flatten(loader, epochs=2):
    return [[(x.tolist(), y.tolist()) for x, y in loader] for _ in range(epochs)]


@pytest.mark.parametrize("depth", [1, 3])
def test_prefetch_gives_identical_batches(depth):
    plain = DataLoader(tensor_dataset(), batch_size=6, shuffle=True, seed=2)
    ahead = DataLoader(tensor_dataset(), batch_size=6, shuffle=True, seed=2, prefetch=depth)
    assert flatten(plain) == flatten(ahead)
    assert not prefetch_threads()


def test_prefetch_with_per_sample_datasets():
    class Samples(Dataset):
        def __len__(self):
            return 9

        def __getitem__(self, i):
            return {"x": np.full(2, i, dtype=np.float32), "y": i}

    plain = [b["y"].tolist() for b in DataLoader(Samples(), batch_size=4, shuffle=True, seed=1)]
    ahead = [b["y"].tolist() for b in DataLoader(Samples(), batch_size=4, shuffle=True, seed=1, prefetch=2)]
    assert plain == ahead


def test_abandoned_iteration_stops_the_thread():
    loader = DataLoader(tensor_dataset(), batch_size=2, prefetch=2)
    for i, _ in enumerate(loader):
        if i == 1:
            break
    assert not prefetch_threads()


def test_closing_the_iterator_stops_the_thread():
    loader = DataLoader(tensor_dataset(), batch_size=2, prefetch=1)
    it = iter(loader)
    next(it)
    assert prefetch_threads()
    it.close()
    assert not prefetch_threads()


def test_prefetcher_close_half_way():
    produced = []

    def source():
        for i in range(1000):
            produced.append(i)
            yield i

    ahead = Prefetcher(source(), depth=2)
    assert next(ahead) == 0
    ahead.close()
    assert not ahead.alive
    assert len(produced) < 1000


def test_errors_in_the_thread_reach_the_consumer():
    class Broken(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            if i == 2:
                raise ValueError("sample 2 is corrupt")
            return i

    loader = DataLoader(Broken(), batch_size=1, prefetch=2)
    got = []
    with pytest.raises(ValueError, match="sample 2 is corrupt"):
        for b in loader:
            got.append(b.tolist())
    assert got == [[0], [1]]
    assert not prefetch_threads()


def test_prefetched_batches_carry_the_consumers_grad_mode():
    loader = DataLoader(tensor_dataset(), batch_size=2, prefetch=4)
    it = iter(loader)
    plain = next(it)[0]
    with framework.inference_mode():
        inside = next(it)[0]
    after = next(it)[0]
    it.close()
    assert not plain.is_inference()
    assert inside.is_inference()
    assert not after.is_inference()


def test_resume_with_prefetch():
    reference = flatten(DataLoader(tensor_dataset(), batch_size=6, shuffle=True, seed=4), 2)
    loader = DataLoader(tensor_dataset(), batch_size=6, shuffle=True, seed=4, prefetch=3)
    it = iter(loader)
    next(it), next(it)
    state = loader.state_dict()
    it.close()
    assert state["position"] == 2
    restored = DataLoader(tensor_dataset(), batch_size=6, shuffle=True, seed=0, prefetch=3)
    restored.load_state_dict(state)
    rest = [(x.tolist(), y.tolist()) for x, y in restored]
    assert rest == reference[0][2:]
    assert flatten(restored, 1) == reference[1:]
