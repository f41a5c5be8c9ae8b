"""Property tests (Hypothesis): broadcasting binary ops followed by reductions over random dims,
and matmul over random 1-D/2-D/batched shapes, checked against numpy values and gradients."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import framework

PROPERTY = settings(max_examples=60, deadline=None)


@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast together: each dim of the result is taken as-is or as 1 by each side,
    and either side may drop leading dims."""
    out = draw(st.lists(st.integers(1, 4), min_size=0, max_size=4))
    sides = []
    for _ in range(2):
        shape = [s if draw(st.booleans()) else 1 for s in out]
        sides.append(tuple(shape[draw(st.integers(0, len(shape))):]))
    return sides[0], sides[1], np.broadcast_shapes(sides[0], sides[1])


@st.composite
def reduction_dims(draw, ndim):
    if ndim == 0 or draw(st.booleans()):
        return None
    dims = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    # negative spellings of the same dims must behave the same
    return tuple(d - ndim if draw(st.booleans()) else d for d in dims)


@PROPERTY
@given(pair=broadcast_pair(), data=st.data())
def test_gradient_of_sum_of_broadcast_add_counts_uses(pair, data):
    sa, sb, out_shape = pair
    a = framework.zeros(sa, dtype=framework.float64, requires_grad=True)
    b = framework.zeros(sb, dtype=framework.float64, requires_grad=True)
    out = a + b
    assert tuple(out.shape) == out_shape
    out.sum().backward()
    total = int(np.prod(out_shape))
    np.testing.assert_array_equal(a.grad.numpy(), np.full(sa, total / max(int(np.prod(sa)), 1)))
    np.testing.assert_array_equal(b.grad.numpy(), np.full(sb, total / max(int(np.prod(sb)), 1)))


@PROPERTY
@given(pair=broadcast_pair(), data=st.data())
def test_sum_and_mean_over_random_dims_of_broadcast_products(pair, data):
    sa, sb, out_shape = pair
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 16)))
    xa, xb = rng.standard_normal(sa), rng.standard_normal(sb)
    dims = data.draw(reduction_dims(len(out_shape)))
    keepdim = data.draw(st.booleans())
    reduce_name = data.draw(st.sampled_from(["sum", "mean"]))
    a = framework.tensor(xa, requires_grad=True)
    b = framework.tensor(xb, requires_grad=True)
    prod = a * b
    reduced = getattr(prod, reduce_name)(dim=dims, keepdim=keepdim) if dims is not None else getattr(prod, reduce_name)()
    np_axes = None if dims is None else tuple(d % len(out_shape) for d in dims)
    expected = getattr(np, reduce_name)(xa * xb, axis=np_axes, keepdims=keepdim and dims is not None)
    np.testing.assert_allclose(reduced.detach().numpy(), expected, rtol=1e-12, atol=1e-12)
    # weight the reduced values so every output element gets a distinct upstream gradient
    w = rng.standard_normal(tuple(reduced.shape))
    (reduced * framework.tensor(w)).sum().backward()
    n = 1 if np_axes is None and reduce_name == "sum" else (
        int(np.prod(out_shape)) if np_axes is None else int(np.prod([out_shape[i] for i in np_axes])))
    upstream = w if dims is None or keepdim else np.expand_dims(w, np_axes)
    upstream = np.broadcast_to(upstream, out_shape) / (n if reduce_name == "mean" else 1)
    expect_a = _sum_to(upstream * np.broadcast_to(xb, out_shape), sa)
    expect_b = _sum_to(upstream * np.broadcast_to(xa, out_shape), sb)
    np.testing.assert_allclose(a.grad.numpy(), expect_a, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), expect_b, rtol=1e-10, atol=1e-12)
    assert a.grad.shape == sa and b.grad.shape == sb


def _sum_to(arr, shape):
    lead = arr.ndim - len(shape)
    arr = arr.sum(axis=tuple(range(lead))) if lead else arr
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and arr.shape[i] != 1)
    return arr.sum(axis=axes, keepdims=True) if axes else arr


@st.composite
def matmul_shapes(draw):
    k = draw(st.integers(1, 3))
    m, n = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batch = draw(st.lists(st.integers(1, 3), max_size=2))
    a_batch = [s if draw(st.booleans()) else 1 for s in batch][draw(st.integers(0, len(batch))):]
    b_batch = [s if draw(st.booleans()) else 1 for s in batch][draw(st.integers(0, len(batch))):]
    a = (k,) if draw(st.booleans()) and not a_batch else tuple(a_batch) + (m, k)
    b = (k,) if draw(st.booleans()) and not b_batch else tuple(b_batch) + (k, n)
    return a, b


@PROPERTY
@given(shapes=matmul_shapes(), seed=st.integers(0, 2 ** 16))
def test_matmul_matches_numpy_in_value_and_gradient(shapes, seed):
    sa, sb = shapes
    rng = np.random.default_rng(seed)
    xa, xb = rng.standard_normal(sa), rng.standard_normal(sb)
    a = framework.tensor(xa, requires_grad=True)
    b = framework.tensor(xb, requires_grad=True)
    out = a @ b
    expected = np.matmul(xa, xb)
    assert tuple(out.shape) == expected.shape
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(expected.shape)
    out.backward(framework.tensor(g))
    # <g, a@b> is linear in each operand, so <grad_a, da> must equal <g, da@b> exactly (up to rounding)
    da, db = rng.standard_normal(sa), rng.standard_normal(sb)
    directional_a = float(np.sum(g * np.matmul(da, xb)))
    directional_b = float(np.sum(g * np.matmul(xa, db)))
    assert a.grad.shape == sa and b.grad.shape == sb
    np.testing.assert_allclose(float(np.sum(a.grad.numpy() * da)), directional_a, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(float(np.sum(b.grad.numpy() * db)), directional_b, rtol=1e-9, atol=1e-9)


@PROPERTY
@given(pair=broadcast_pair(), seed=st.integers(0, 2 ** 16))
def test_float32_binary_ops_stay_float32_under_broadcasting(pair, seed):
    sa, sb, _ = pair
    rng = np.random.default_rng(seed)
    a = framework.tensor(rng.standard_normal(sa).astype(np.float32), requires_grad=True)
    b = framework.tensor(rng.standard_normal(sb).astype(np.float32) + 3.0, requires_grad=True)
    out = (a * b + a / b - b).sum()
    assert out.dtype == framework.float32
    out.backward()
    assert a.grad.dtype == b.grad.dtype == framework.float32
