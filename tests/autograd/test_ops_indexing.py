"""Indexing (ints, slices, None, ..., boolean masks, integer arrays with repeats), item
assignment, gather, masked_fill, index_select and one_hot: gradcheck and the reference's
gradients, names and errors."""
import numpy as np
import pytest

import framework

KEYS = {
    "int": 1,
    "negative_int": -1,
    "slice": slice(1, None),
    "step_slice": (slice(None), slice(None, None, 2)),
    "negative_step_free": (slice(None, None), slice(-2, None)),
    "int_and_slice": (0, slice(0, 2)),
    "none": (None, 0, slice(None, None, 2)),
    "ellipsis": (Ellipsis, 1),
    "ellipsis_slice": (Ellipsis, slice(1, None)),
    "list_repeated": [0, 0, 2],
    "tensor_repeated": framework.tensor([2, 2, 0]),
    "two_arrays": ([0, 1, 1], [2, 0, 0]),
    "slice_and_array": (slice(None), [0, 0, 3]),
    "array_2d": framework.tensor([[0, 1], [1, 1]]),
    "bool_row_mask": framework.tensor([True, False, True]),
    "bool_full_mask": framework.tensor([[True, False, True, False], [False, False, True, True],
                                        [True, True, True, False]]),
    "int_and_array": (1, [3, 3, 0]),
}


@pytest.mark.parametrize("name", list(KEYS))
def test_getitem_gradcheck(op, name):
    op.grad(lambda t: t[KEYS[name]], op.leaf(3, 4))


@pytest.mark.parametrize("name", list(KEYS))
def test_getitem_values_match_numpy(op, name):
    a = op.array(3, 4)
    key = KEYS[name]
    np_key = tuple(k.numpy() if isinstance(k, framework.Tensor) else k for k in key) if isinstance(key, tuple) else (
        key.numpy() if isinstance(key, framework.Tensor) else key)
    np.testing.assert_array_equal(framework.tensor(a)[key].numpy(), a[np_key])


def test_getitem_of_3d_and_0d(op):
    op.grad(lambda t: t[..., None, 1:, [0, 0]], op.leaf(2, 3, 2))
    op.grad(lambda t: t[None], op.leaf())
    op.grad(lambda t: t[...], op.leaf())


def test_mask_from_the_tensor_itself():
    x = framework.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x[x > 0]
    assert y.tolist() == [1.0, 3.0] and type(y.grad_fn).__name__ == "IndexBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0]


def test_repeated_indices_accumulate():
    x = framework.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 1]].sum().backward()
    assert x.grad.tolist() == [2.0, 1.0, 0.0]
    x = framework.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x[framework.tensor([2, 2, 2, 0])] * framework.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [4.0, 0.0, 6.0]


@pytest.mark.parametrize("key,expected", [
    (([0, 1, 1], [2, 0, 0]), [[0, 0, 1], [2, 0, 0]]),
    ((slice(None), [0, 0]), [[2, 0, 0], [2, 0, 0]]),
    (1, [[0, 0, 0], [1, 1, 1]]),
    ((Ellipsis, slice(1, None)), [[0, 1, 1], [0, 1, 1]]),
    ((None, 0, slice(None, None, 2)), [[1, 0, 1], [0, 0, 0]]),
])
def test_indexing_gradients_of_reference(key, expected):
    x = framework.arange(6.0).reshape(2, 3).requires_grad_()
    x[key].sum().backward()
    assert x.grad.tolist() == expected


@pytest.mark.parametrize("key,name", [(0, "SelectBackward0"), ((slice(None), slice(1, None)), "SliceBackward0"),
                                      (framework.tensor(1), "SelectBackward0"),
                                      ([0, 0], "IndexBackward0"), (framework.tensor([True, False]), "IndexBackward0")])
def test_indexing_grad_fn_names(key, name):
    assert type(framework.rand(2, 3, requires_grad=True)[key].grad_fn).__name__ == name


def test_basic_indexing_returns_views():
    x = framework.zeros(3, 4)
    row = x[1]
    x.add_(1.0)
    assert row.tolist() == [1.0] * 4 and row._version == x._version


def test_index_errors():
    x = framework.ones(3)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        x[5]
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool tensors"):
        x[framework.tensor([0.0])]
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        x[[0, 5]]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 1"):
        x[0, 0]
    with pytest.raises(IndexError, match="index out of range in self"):
        x.index_select(0, framework.tensor([3]))
    with pytest.raises(IndexError, match="index out of range in self"):
        x.index_select(0, framework.tensor([-1]))


def test_setitem_repeated_indices_last_write_wins():
    z = framework.zeros(3)
    z[[0, 0]] = framework.tensor([1.0, 2.0])
    assert z.tolist() == [2.0, 0.0, 0.0]


@pytest.mark.parametrize("key,value_shape", [(slice(0, 2), (2, 4)), ((slice(None), 1), (3,)), ([0, 2], (4,)),
                                             (framework.tensor([True, False, True]), (1, 4)), ((1, 2), ())])
def test_setitem_gradcheck_through_value_and_target(op, key, value_shape):
    def write(target, value):
        out = target * 1.0
        out[key] = value * value
        return out * target
    op.grad(write, op.leaf(3, 4), op.leaf(*value_shape))


def test_setitem_with_python_scalar_blocks_the_gradient_there():
    x = framework.ones(2, 3, requires_grad=True)
    y = x * 2
    y[:, 0] = 0.0
    y.sum().backward()
    assert x.grad.tolist() == [[0.0, 2.0, 2.0]] * 2


@pytest.mark.parametrize("dim,index", [
    (1, [[0, 0], [2, 1]]), (0, [[1, 0, 1], [1, 1, 0]]), (-1, [[2], [0]]), (1, [[0, 1, 2, 2, 2]] * 2),
    (0, [[1, 0]]),
])
def test_gather_gradcheck(op, dim, index):
    op.grad(lambda t: t.gather(dim, framework.tensor(index)), op.leaf(2, 3))


def test_gather_values_and_accumulation():
    x = framework.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    out = framework.gather(x, 1, framework.tensor([[0, 0], [2, 1]]))
    assert out.tolist() == [[1.0, 1.0], [6.0, 5.0]]
    assert type(out.grad_fn).__name__ == "GatherBackward0"
    out.sum().backward()
    assert x.grad.tolist() == [[2.0, 0.0, 0.0], [0.0, 1.0, 1.0]]


def test_gather_errors():
    x = framework.ones(2, 3)
    with pytest.raises(RuntimeError, match="gather\\(\\): Expected dtype int32/int64 for index"):
        x.gather(1, framework.tensor([[0.0]]))
    with pytest.raises(RuntimeError, match="Index tensor must have the same number of dimensions as input tensor"):
        x.gather(1, framework.tensor([0]))
    with pytest.raises(RuntimeError, match="index 3 is out of bounds for dimension 1 with size 3"):
        x.gather(1, framework.tensor([[3]]))
    with pytest.raises(RuntimeError, match="index -1 is out of bounds for dimension 1 with size 3"):
        x.gather(1, framework.tensor([[-1]]))


@pytest.mark.parametrize("mask_shape", [(2, 3), (3,), (2, 1)])
def test_masked_fill_gradcheck_with_broadcast_mask(op, mask_shape):
    mask = framework.tensor(op.array(*mask_shape) > 0)
    x = op.leaf(2, 3)
    op.grad(lambda t: t.masked_fill(mask, 0.5), x)
    op.grad(lambda t: framework.masked_fill(t, mask, framework.tensor(-1.0)), x)


def test_masked_fill_values_name_and_errors():
    x = framework.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.masked_fill(framework.tensor([True, False, True]), -1.0)
    assert y.tolist() == [-1.0, 2.0, -1.0] and type(y.grad_fn).__name__ == "MaskedFillBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]
    with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks, but got mask with dtype long int"):
        x.masked_fill(framework.tensor([1, 0, 1]), 0.0)
    with pytest.raises(RuntimeError, match="only supports a 0-dimensional value tensor"):
        x.masked_fill(framework.tensor([True, False, True]), framework.tensor([1.0]))


def test_index_select_gradcheck(op):
    op.grad(lambda t: t.index_select(1, framework.tensor([2, 0, 2])), op.leaf(2, 3))
    op.grad(lambda t: framework.index_select(t, 0, framework.tensor([1])), op.leaf(2, 3))


def test_one_hot_values_dtype_and_errors():
    out = framework.one_hot(framework.tensor([0, 2, 1]), 4)
    assert out.tolist() == [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]] and out.dtype == framework.int64
    assert framework.one_hot(framework.tensor([[1], [0]])).shape == (2, 1, 2)
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):
        framework.one_hot(framework.tensor([3]), 3)
    with pytest.raises(RuntimeError, match="one_hot is only applicable to index tensor"):
        framework.one_hot(framework.tensor([1.0]))


def test_nonzero_and_where_with_one_argument():
    x = framework.tensor([[0.0, 1.0], [2.0, 0.0]])
    assert x.nonzero().tolist() == [[0, 1], [1, 0]]
    rows, cols = framework.where(x > 0)
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0]
