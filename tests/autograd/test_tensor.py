"""Tensor basics: Python conversions, numpy interop, shape queries, transposes."""
import numpy as np
import pytest

import framework
from framework import tensor


@pytest.fixture
def m():
    return tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def test_item():
    assert tensor([5.0]).item() == 5.0
    assert isinstance(tensor(3).item(), int)
    assert isinstance(tensor([[2.5]]).item(), float)


def test_item_of_many_elements_raises(m):
    with pytest.raises(RuntimeError, match="a Tensor with 6 elements cannot be converted to Scalar"):
        m.item()


def test_tolist(m):
    assert m.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert tensor(2.0).tolist() == 2.0
    assert tensor([1, 2]).tolist() == [1, 2]


def test_numpy_shares_memory(m):
    arr = m.numpy()
    assert isinstance(arr, np.ndarray) and arr.dtype == np.float32
    arr[0, 0] = 10.0
    assert m[0, 0].item() == 10.0


def test_numpy_of_tensor_requiring_grad_raises():
    x = tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad. Use "
                                           r"tensor.detach\(\).numpy\(\) instead."):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0]


def test_array_protocol(m):
    arr = np.asarray(m)
    assert arr.shape == (2, 3) and arr.dtype == np.float32
    assert np.asarray(m, dtype=np.float64).dtype == np.float64
    assert np.array(tensor([1, 2])).tolist() == [1, 2]


def test_len_and_iter(m):
    assert len(m) == 2
    rows = list(m)
    assert [r.tolist() for r in rows] == m.tolist()
    assert [v.item() for v in tensor([1.0, 2.0])] == [1.0, 2.0]


def test_iteration_is_differentiable():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    total = sum(v * (i + 1) for i, v in enumerate(x))
    total.backward()
    assert x.grad.tolist() == [1.0, 2.0, 3.0]


def test_len_and_iter_of_zero_dim_raise():
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(tensor(1.0))


def test_size_numel_dim(m):
    assert m.size() == framework.Size([2, 3])
    assert isinstance(m.size(), framework.Size)
    assert m.size(0) == 2 and m.size(-1) == 3
    assert m.shape == (2, 3)
    assert m.numel() == 6
    assert m.dim() == 2 and m.ndim == 2
    assert tensor(1.0).dim() == 0 and tensor(1.0).numel() == 1


def test_size_with_bad_dim_raises(m):
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        m.size(2)


def test_transposes(m):
    assert m.T.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    assert m.mT.tolist() == m.T.tolist()
    batch = framework.arange(24.0).reshape(2, 3, 4)
    assert batch.mT.shape == (2, 4, 3)
    assert batch.mT[1].tolist() == batch[1].T.tolist()


def test_transpose_gradients():
    w = tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    (w.T * tensor([[1.0, 10.0], [100.0, 1000.0]])).sum().backward()
    assert w.grad.tolist() == [[1.0, 100.0], [10.0, 1000.0]]


def test_mT_needs_two_dims():
    with pytest.raises(IndexError, match="Dimension out of range"):
        framework.zeros(2).mT


def test_scalar_conversions():
    assert float(tensor([2.5])) == 2.5
    assert int(tensor(3.7)) == 3
    assert bool(tensor([1.0])) is True
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(tensor([1.0, 2.0]))


def test_index_conversion():
    assert [10, 20, 30][tensor(1)] == 20
    with pytest.raises(TypeError, match="only integer tensors of a single element can be converted to an index"):
        [1, 2][tensor(1.0)]


def test_data_shares_storage_outside_autograd():
    x = tensor([1.0, 2.0], requires_grad=True)
    d = x.data
    assert d.requires_grad is False and d.is_leaf
    d[0] = 9.0
    assert x.tolist() == [9.0, 2.0]
    x.data = tensor([3.0, 4.0])
    assert x.tolist() == [3.0, 4.0] and x.requires_grad


def test_constructor_wraps_numpy_without_copy():
    arr = np.ones(3, dtype=np.float32)
    t = framework.Tensor(arr)
    arr[0] = 5.0
    assert t.tolist() == [5.0, 1.0, 1.0]
