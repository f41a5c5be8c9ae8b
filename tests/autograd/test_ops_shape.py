"""Shape ops (views, joins, splits, padding, triangles, dtype copies): gradcheck over shapes and
negative dims, views sharing memory and version counters, grad_fn names and errors."""
import numpy as np
import pytest

import framework

VIEWS = {
    "reshape": ((2, 3, 2), lambda t: t.reshape(3, -1)),
    "reshape_tuple": ((2, 3), lambda t: t.reshape((6,))),
    "reshape_0d": ((), lambda t: t.reshape(1, 1)),
    "to_0d": ((1, 1), lambda t: t.reshape(())),
    "view": ((2, 3), lambda t: t.view(3, 2)),
    "view_as": ((2, 3), lambda t: t.view_as(framework.zeros(6))),
    "flatten": ((2, 3, 2), lambda t: t.flatten()),
    "flatten_range": ((2, 3, 2, 2), lambda t: t.flatten(1, -2)),
    "flatten_0d": ((), lambda t: t.flatten()),
    "unflatten": ((2, 6), lambda t: t.unflatten(1, (3, 2))),
    "transpose": ((2, 3, 2), lambda t: t.transpose(0, 2)),
    "transpose_neg": ((2, 3, 2), lambda t: t.transpose(-1, -3)),
    "permute": ((2, 3, 4), lambda t: t.permute(2, 0, 1)),
    "permute_neg": ((2, 3, 4), lambda t: t.permute(-1, -3, -2)),
    "T": ((2, 3), lambda t: t.T),
    "T_3d": ((2, 3, 4), lambda t: t.T),
    "mT": ((2, 3, 4), lambda t: t.mT),
    "t": ((2, 3), lambda t: t.t()),
    "squeeze_all": ((2, 1, 3, 1), lambda t: t.squeeze()),
    "squeeze_dim": ((2, 1, 3), lambda t: t.squeeze(1)),
    "squeeze_neg": ((2, 3, 1), lambda t: t.squeeze(-1)),
    "squeeze_noop": ((2, 3), lambda t: t.squeeze(0)),
    "unsqueeze": ((2, 3), lambda t: t.unsqueeze(1)),
    "unsqueeze_neg": ((2, 3), lambda t: t.unsqueeze(-1)),
    "unsqueeze_0d": ((), lambda t: t.unsqueeze(0)),
    "expand": ((3, 1), lambda t: t.expand(2, 3, 4)),
    "expand_keep": ((3, 1), lambda t: t.expand(-1, 4)),
    "expand_0d": ((), lambda t: t.expand(2, 2)),
    "expand_as": ((1, 3), lambda t: t.expand_as(framework.zeros(2, 3))),
    "broadcast_to": ((3,), lambda t: t.broadcast_to((2, 3))),
    "broadcast_to_fn": ((2, 1), lambda t: framework.broadcast_to(t, (2, 2, 4))),
    "repeat": ((2, 3), lambda t: t.repeat(2, 1, 3)),
    "repeat_same_rank": ((2, 3), lambda t: t.repeat(2, 2)),
    "flip": ((2, 3), lambda t: t.flip(0)),
    "flip_dims": ((2, 3, 2), lambda t: t.flip((0, -1))),
    "chain": ((2, 3, 4), lambda t: t.permute(1, 0, 2).reshape(3, 8).T.unsqueeze(0)[0, 1:]),
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_view_ops_gradcheck(op, name):
    shape, fn = VIEWS[name]
    op.grad(fn, op.leaf(*shape))


def test_view_values_match_numpy(op):
    a = op.array(2, 3, 4)
    t = framework.tensor(a)
    np.testing.assert_array_equal(t.permute(2, 0, 1).numpy(), a.transpose(2, 0, 1))
    np.testing.assert_array_equal(t.T.numpy(), a.T)
    np.testing.assert_array_equal(t.mT.numpy(), a.swapaxes(-1, -2))
    np.testing.assert_array_equal(t.repeat(2, 1, 1, 2).numpy(), np.tile(a, (2, 1, 1, 2)))
    np.testing.assert_array_equal(t.flatten(1).numpy(), a.reshape(2, 12))


@pytest.mark.parametrize("make", [lambda t: t.reshape(6), lambda t: t.view(3, 2), lambda t: t.transpose(0, 1),
                                  lambda t: t.T, lambda t: t.unsqueeze(0), lambda t: t[0], lambda t: t[:, 1:],
                                  lambda t: t.permute(1, 0).T, lambda t: t.T.transpose(0, 1)[1]])
def test_views_share_memory_and_version_with_their_base(make):
    base = framework.zeros(2, 3)
    view = make(base)
    assert np.shares_memory(view.numpy(), base.numpy())
    before = view._version
    base.add_(1.0)
    assert view._version == before + 1
    assert float(view.sum()) == view.numel()


@pytest.mark.parametrize("sizes,dim", [([(2, 1), (2, 3)], 1), ([(2, 3), (1, 3), (3, 3)], 0), ([(2, 3), (2, 3)], -1),
                                       ([(4,), (2,)], 0)])
def test_cat_gradcheck(op, sizes, dim):
    leaves = [op.leaf(*s) for s in sizes]
    op.grad(lambda *ts: framework.cat(ts, dim=dim), *leaves)


def test_cat_with_constants_and_aliases(op):
    a = op.leaf(2, 3)
    c = framework.tensor(op.array(1, 3))
    op.grad(lambda t: framework.cat([c, t, c], 0), a)
    op.grad(lambda t: framework.concat([t, t], dim=1), a)
    op.grad(lambda t: framework.cat([t, framework.zeros(0, dtype=framework.float64)]), a)


@pytest.mark.parametrize("shape,dim", [((2, 3), 0), ((2, 3), 1), ((2, 3), 2), ((2, 3), -1), ((), 0), ((3,), -2)])
def test_stack_gradcheck(op, shape, dim):
    op.grad(lambda a, b: framework.stack([a, b, a], dim=dim), op.leaf(*shape), op.leaf(*shape))


@pytest.mark.parametrize("size_or_sections,dim", [(2, 1), (3, 1), ([1, 4], 1), ([2, 0, 3], -1), (1, 0)])
def test_split_gradcheck(op, size_or_sections, dim):
    x = op.leaf(2, 5)
    op.grad(lambda t: t.split(size_or_sections, dim=dim), x)
    op.grad(lambda t: t.split(size_or_sections, dim=dim)[-1], x)


@pytest.mark.parametrize("chunks,dim", [(2, 0), (3, 0), (4, 1), (1, -1)])
def test_chunk_gradcheck(op, chunks, dim):
    x = op.leaf(5, 3)
    op.grad(lambda t: t.chunk(chunks, dim), x)
    pieces = x.chunk(chunks, dim)
    assert sum(p.shape[dim] for p in pieces) == x.shape[dim]


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unbind_gradcheck(op, dim):
    x = op.leaf(2, 3)
    op.grad(lambda t: t.unbind(dim), x)
    op.grad(lambda t: t.unbind(dim)[1] * 2, x)


def test_unbind_outputs_share_one_node_with_output_numbers():
    u = framework.ones(2, 3, requires_grad=True)
    a1, a2 = u.unbind(0)
    assert a1.grad_fn is a2.grad_fn and (a1.output_nr, a2.output_nr) == (0, 1)
    node, nr = (a2 * 2).grad_fn.next_functions[0]
    assert type(node).__name__ == "UnbindBackward0" and nr == 1
    (a2 * 2).sum().backward()
    assert u.grad.tolist() == [[0.0] * 3, [2.0] * 3]


def test_iterating_a_tensor_unbinds_dim_0():
    x = framework.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    assert [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]
    rows[1].sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0], [1.0, 1.0]]


@pytest.mark.parametrize("pad", [(1, 2), (0, 1, 2, 0), (1, 1, 1, 1, 1, 1)])
def test_pad_gradcheck(op, pad):
    x = op.leaf(2, 3, 2)
    op.grad(lambda t: framework.pad(t, pad), x)
    op.grad(lambda t: framework.pad(t, pad, value=1.5), x)


def test_pad_values():
    out = framework.pad(framework.ones(1, 2), (1, 0, 0, 1), value=-1.0)
    assert out.tolist() == [[-1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]]


def test_pad_errors():
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        framework.pad(framework.ones(2), (1,))
    with pytest.raises(RuntimeError, match="Padding length should be less than or equal to two times the input "
                                           "dimension"):
        framework.pad(framework.ones(2), (1, 1, 1, 1))


@pytest.mark.parametrize("diagonal", [0, 1, -1])
@pytest.mark.parametrize("name", ["tril", "triu"])
def test_tril_triu_gradcheck(op, name, diagonal):
    x = op.leaf(2, 3, 4)
    op.grad(lambda t: getattr(t, name)(diagonal), x)
    expected = getattr(np, name)(x.detach().numpy(), diagonal)
    np.testing.assert_array_equal(getattr(framework, name)(x, diagonal=diagonal).detach().numpy(), expected)


def test_tril_needs_a_matrix():
    with pytest.raises(RuntimeError, match="input tensor must have at least 2 dimensions"):
        framework.ones(3).tril()


def test_to_dtype_gradcheck_and_gradient_dtypes(op):
    x = op.leaf(2, 3)
    # a float32 round trip loses precision, so the differences are taken with a larger step
    op.grad(lambda t: t.to(framework.float32).to(framework.float64) * 2, x, eps=1e-3, atol=1e-3)
    a = framework.ones(3, requires_grad=True)
    d = a.double()
    assert d.dtype == framework.float64 and type(d.grad_fn).__name__ == "ToCopyBackward0"
    (d * framework.tensor(np.array([1.0, 2.0, 3.0]))).sum().backward()
    assert a.grad.dtype == framework.float32 and a.grad.tolist() == [1.0, 2.0, 3.0]


def test_to_same_dtype_returns_self_and_to_int_is_not_differentiable():
    x = framework.ones(2, requires_grad=True)
    assert x.to(framework.float32) is x and x.float() is x
    assert x.to(framework.float32, copy=True) is not x
    as_int = x.to(framework.int64)
    assert as_int.dtype == framework.int64 and not as_int.requires_grad
    assert x.type_as(framework.zeros(1, dtype=framework.float64)).dtype == framework.float64


def test_clone_and_contiguous_gradcheck(op):
    x = op.leaf(2, 3)
    op.grad(lambda t: t.clone() * 3, x)
    op.grad(lambda t: t.T.contiguous(), x)
    c = x.clone()
    assert not np.shares_memory(c.detach().numpy(), x.detach().numpy())
    assert type(c.grad_fn).__name__ == "CloneBackward0"
    assert type(x.T.contiguous().grad_fn).__name__ == "CloneBackward0"


@pytest.mark.parametrize("expr,name", [
    (lambda a: a.reshape(3, 2), "ViewBackward0"), (lambda a: a.view(6), "ViewBackward0"),
    (lambda a: a.flatten(), "ViewBackward0"), (lambda a: a.T, "PermuteBackward0"),
    (lambda a: a.permute(1, 0), "PermuteBackward0"), (lambda a: a.transpose(0, 1), "TransposeBackward0"),
    (lambda a: framework.cat([a, a]), "CatBackward0"), (lambda a: framework.stack([a, a]), "StackBackward0"),
    (lambda a: a.expand(2, 2, 3), "ExpandBackward0"), (lambda a: a.unsqueeze(0), "UnsqueezeBackward0"),
    (lambda a: a[None].squeeze(0), "SqueezeBackward1"), (lambda a: a.double(), "ToCopyBackward0"),
    (lambda a: a.clone(), "CloneBackward0"), (lambda a: a.repeat(2, 1), "RepeatBackward0"),
    (lambda a: framework.pad(a, (1, 1)), "ConstantPadNdBackward0"), (lambda a: a.tril(), "TrilBackward0"),
    (lambda a: a.triu(), "TriuBackward0"), (lambda a: a.split(1)[0], "SplitBackward0"),
    (lambda a: a.t(), "TBackward0"), (lambda a: a[0].t(), "TBackward0"), (lambda a: a.sum().transpose(0, -1),
                                                                         "TransposeBackward0"),
    (lambda a: a[None].squeeze((0,)), "SqueezeBackward2"), (lambda a: a[None].squeeze(), "SqueezeBackward0"),
])
def test_grad_fn_names(expr, name):
    a = framework.rand(2, 3, requires_grad=True)
    assert type(expr(a).grad_fn).__name__ == name


def test_shape_errors():
    x = framework.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"shape '\[4, 2\]' is invalid for input of size 6"):
        x.reshape(4, 2)
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(4\) must match the existing size "
                                           r"\(3\) at non-singleton dimension 1.  Target sizes: \[4, 4\].  Tensor "
                                           r"sizes: \[2, 3\]"):
        x.expand(4, 4)
    with pytest.raises(RuntimeError, match=r"the number of sizes provided \(1\) must be greater or equal to the "
                                           r"number of dimensions in the tensor \(2\)"):
        x.expand(3)
    with pytest.raises(ValueError, match="expected a non-empty list of Tensors"):
        framework.cat([])
    with pytest.raises(RuntimeError, match="number of dimensions in the tensor input does not match"):
        x.permute(1, 0, 2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.transpose(0, 2)
    with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 0"):
        framework.cat([x, framework.ones(2, 2)])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        framework.stack([x, framework.ones(3, 2)])
    with pytest.raises(RuntimeError, match="split_with_sizes expects split_sizes to sum exactly to 2"):
        x.split([1, 2])
    with pytest.raises(RuntimeError, match="Number of dimensions of repeat dims can not be smaller"):
        x.repeat(2)
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        x.flatten(1, 0)
    with pytest.raises(IndexError, match="Dimension specified as 0 but tensor has no dimensions"):
        framework.tensor(1.0).unbind(0)
