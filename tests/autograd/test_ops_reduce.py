"""Reductions and normalising functions: gradcheck over dims (negative too), keepdim, 0-d
inputs; max/min tie rules, prod with zeros, norm at zero, softmax values, dtype errors."""
import math

import numpy as np
import pytest

import framework

# (input shape, dim) combinations: full reduction, one dim, negative dim, several dims
DIMS = [((2, 3), None), ((2, 3), 0), ((2, 3), -1), ((2, 3, 2), (0, 2)), ((2, 3, 2), (-1, 1)), ((4,), 0)]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", DIMS)
@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "amax", "amin", "logsumexp"])
def test_multi_dim_reductions_gradcheck(op, name, shape, dim, keepdim):
    x = op.leaf(*shape, away=0.1)
    if dim is None:
        if name == "logsumexp":
            dim = tuple(range(len(shape)))
        elif not keepdim:
            op.grad(lambda t: getattr(t, name)(), x)
            return
        else:
            dim = tuple(range(len(shape)))
    op.grad(lambda t: getattr(t, name)(dim=dim, keepdim=keepdim), x)


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "prod", "max", "min", "amax", "amin", "norm"])
def test_full_reductions_gradcheck(op, name):
    op.grad(lambda t: getattr(t, name)(), op.leaf(2, 3, away=0.15))


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "max", "min", "amax", "amin", "norm"])
def test_reductions_of_0d_tensors(op, name):
    x = op.leaf(away=0.5)
    op.grad(lambda t: getattr(t, name)(), x)


@pytest.mark.parametrize("fn", [lambda t: t.logsumexp(0), lambda t: t.softmax(0), lambda t: t.log_softmax(-1),
                                lambda t: t.cumsum(0), lambda t: t.sum(dim=0), lambda t: t.max(dim=0).values,
                                lambda t: t.prod(0)])
def test_dim_reductions_accept_dim_0_on_0d_tensors(op, fn):
    x = op.leaf(away=0.5)
    assert fn(x).shape == ()
    op.grad(fn, x)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["prod", "max", "min"])
def test_single_dim_reductions_gradcheck(op, name, dim, keepdim):
    x = op.leaf(3, 4, away=0.15)
    if name == "prod":
        op.grad(lambda t: t.prod(dim=dim, keepdim=keepdim), x)
    else:
        op.grad(lambda t: getattr(t, name)(dim=dim, keepdim=keepdim).values, x)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["cumsum", "softmax", "log_softmax"])
def test_scans_and_softmax_gradcheck(op, name, dim):
    op.grad(lambda t: getattr(t, name)(dim), op.leaf(3, 4))
    op.grad(lambda t: getattr(t, name)(dim), op.leaf(2, 3, 2))


@pytest.mark.parametrize("correction", [0, 1, 2])
def test_var_std_correction_gradcheck(op, correction):
    x = op.leaf(3, 4)
    op.grad(lambda t: t.var(dim=1, correction=correction), x)
    op.grad(lambda t: t.std(dim=0, correction=correction), x)
    op.grad(lambda t: t.var(unbiased=False), x)


@pytest.mark.parametrize("p", [2, 1, float("inf"), 3, "fro"])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, False), (-1, True), ((0, 1), False)])
def test_norm_gradcheck(op, p, dim, keepdim):
    x = op.leaf(2, 3, away=0.2)
    op.grad(lambda t: t.norm(p=p, dim=dim, keepdim=keepdim), x)


def test_reduction_values_and_shapes():
    x = framework.arange(6.0).reshape(2, 3)
    assert x.sum(dim=1, keepdim=True).shape == (2, 1)
    assert x.sum(dim=0).shape == (3,)
    total = x.sum(dim=(0, 1))
    assert total.item() == 15.0 and total.shape == ()
    assert x.mean(dim=1).tolist() == [1.0, 4.0]
    assert framework.zeros(0).sum().item() == 0.0
    assert math.isnan(framework.zeros(0).mean().item())
    v = framework.tensor([1.0, 2.0, 3.0, 4.0])
    assert v.var().item() == pytest.approx(1.666667, rel=1e-6)
    assert v.var(unbiased=False).item() == v.var(correction=0).item() == 1.25
    assert v.std().item() == pytest.approx(1.290994, rel=1e-6)


def _grad(fn, values):
    x = framework.tensor(values, requires_grad=True)
    fn(x).backward()
    return x.grad.tolist()


@pytest.mark.parametrize("fn,expected", [
    (lambda x: (x.sum(dim=1, keepdim=True) * framework.tensor([[1.0], [2.0]])).sum(), [[1, 1, 1], [2, 2, 2]]),
    (lambda x: (x.sum(dim=0) * framework.tensor([1.0, 2.0, 3.0])).sum(), [[1, 2, 3], [1, 2, 3]]),
    (lambda x: x.mean(dim=1).sum(), [[1 / 3] * 3] * 2),
    (lambda x: x.mean(), [[1 / 6] * 3] * 2),
    (lambda x: x.mean(dim=-1, keepdim=True).sum(), [[1 / 3] * 3] * 2),
])
def test_reduction_gradients_of_reference(fn, expected):
    np.testing.assert_allclose(_grad(fn, [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]), expected, rtol=1e-6)


@pytest.mark.parametrize("fn,values,expected", [
    (lambda x: x.max(), [1.0, 3.0, 3.0, 2.0], [0.0, 0.5, 0.5, 0.0]),
    (lambda x: x.max(), [3.0, 3.0, 3.0, 2.0], [1 / 3, 1 / 3, 1 / 3, 0.0]),
    (lambda x: x.min(), [1.0, 3.0, 1.0, 2.0], [0.5, 0.0, 0.5, 0.0]),
    (lambda x: x.max(dim=1).values.sum(), [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], [[0, 1, 0], [1, 0, 0]]),
    (lambda x: x.min(dim=1).values.sum(), [[1.0, 1.0, 3.0], [2.0, 0.0, 0.0]], [[1, 0, 0], [0, 1, 0]]),
    (lambda x: x.amax(dim=1).sum(), [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], [[0, 0.5, 0.5], [0.5, 0.5, 0]]),
    (lambda x: x.amin(dim=1).sum(), [[1.0, 1.0, 3.0], [2.0, 0.0, 0.0]], [[0.5, 0.5, 0], [0, 0.5, 0.5]]),
    (lambda x: x.amax(), [1.0, 3.0, 3.0, 2.0], [0.0, 0.5, 0.5, 0.0]),
    (lambda x: x.prod(), [2.0, 0.0, 3.0], [0.0, 6.0, 0.0]),
    (lambda x: x.prod(), [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]),
    (lambda x: x.prod(dim=1).sum(), [[2.0, 0.0, 3.0], [0.0, 0.0, 3.0]], [[0, 6, 0], [0, 0, 0]]),
    (lambda x: x.norm(), [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]),
    (lambda x: x.norm(dim=1).sum(), [[0.0, 0.0], [3.0, 4.0]], [[0, 0], [0.6, 0.8]]),
    (lambda x: x.norm(p=float("inf")), [1.0, -3.0, 3.0], [0.0, -0.5, 0.5]),
], ids=["max_tie2", "max_tie3", "min_tie", "max_dim_first", "min_dim_first", "amax_split", "amin_split",
        "amax_full", "prod_zero", "prod_two_zeros", "prod_dim_zeros", "norm_zero", "norm_dim_zero", "norm_inf_tie"])
def test_tie_and_zero_rules(fn, values, expected):
    np.testing.assert_allclose(_grad(fn, values), expected, rtol=1e-6)


def test_max_min_with_dim_return_values_and_first_indices():
    x = framework.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    values, indices = x.max(dim=1)
    assert values.tolist() == [3.0, 2.0] and indices.tolist() == [1, 0]
    assert type(values.grad_fn).__name__ == "MaxBackward0"
    assert indices.dtype == framework.int64 and not indices.requires_grad and indices.grad_fn is None
    kept = x.max(dim=1, keepdim=True)
    assert kept.values.shape == (2, 1) and kept.indices.shape == (2, 1)
    values, indices = framework.tensor([[1.0, 1.0, 3.0], [2.0, 0.0, 0.0]]).min(dim=1)
    assert values.tolist() == [1.0, 0.0] and indices.tolist() == [0, 1]


def test_argmax_argmin_first_occurrence_int64():
    x = framework.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    assert x.argmax().item() == 1 and x.argmax().dtype == framework.int64
    assert x.argmin().item() == 0
    m = framework.tensor([[1.0, 5.0], [7.0, 2.0]])
    assert m.argmax(dim=1).tolist() == [1, 0]
    assert m.argmax(dim=0, keepdim=True).tolist() == [[1, 0]]


def test_max_of_two_tensors_is_maximum():
    a = framework.tensor([1.0, 5.0])
    assert framework.max(a, framework.tensor([3.0, 2.0])).tolist() == [3.0, 5.0]


def test_max_of_empty_tensor_errors():
    with pytest.raises(RuntimeError, match="Expected reduction dim to be specified for input.numel\\(\\) == 0"):
        framework.zeros(0).max()


def test_softmax_values_and_gradient():
    x = framework.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    s = x.softmax(dim=-1)
    np.testing.assert_allclose(s.detach().numpy(), [[0.090031, 0.244728, 0.665241]], rtol=1e-5)
    (s * framework.tensor([1.0, 0.0, 0.0])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.081925, -0.022033, -0.059892]], rtol=1e-4)


def test_log_softmax_is_stable():
    x = framework.tensor([1000.0, 0.0])
    assert x.log_softmax(dim=0).tolist() == [0.0, -1000.0]
    assert x.softmax(dim=0).log().tolist() == [0.0, -math.inf]


def test_softmax_of_large_values_and_module_level_forms(op):
    x = framework.tensor([[1000.0, 1001.0], [-1000.0, -1000.0]])
    np.testing.assert_allclose(framework.softmax(x, dim=1).numpy(), [[1 / (1 + math.e), math.e / (1 + math.e)],
                                                                     [0.5, 0.5]], rtol=1e-6)
    y = op.leaf(2, 3)
    np.testing.assert_allclose(framework.log_softmax(y, 1).detach().numpy(),
                               y.detach().numpy() - np.log(np.exp(y.detach().numpy()).sum(1, keepdims=True)))


def test_softmax_without_dim_warns():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated"):
        framework.ones(2, 3).softmax()


def test_logsumexp_is_stable_and_matches_numpy(op):
    x = framework.tensor([[1000.0, 1000.0], [-math.inf, 0.0]])
    np.testing.assert_allclose(x.logsumexp(dim=1).numpy(), [1000.0 + math.log(2.0), 0.0])
    a = op.array(3, 4)
    np.testing.assert_allclose(framework.tensor(a).logsumexp(dim=(0, 1)).numpy(), np.log(np.exp(a).sum()))


def test_logsumexp_of_integers_gives_the_default_float_dtype():
    out = framework.tensor([1, 2]).logsumexp(0)
    assert out.dtype == framework.float32
    assert out.item() == pytest.approx(math.log(math.e + math.e ** 2), rel=1e-6)


def test_cumsum_values_and_dtype():
    assert framework.tensor([[1.0, 2.0], [3.0, 4.0]]).cumsum(0).tolist() == [[1.0, 2.0], [4.0, 6.0]]
    assert framework.tensor([1, 2, 3]).cumsum(0).dtype == framework.int64
    assert framework.tensor([True, True]).sum().dtype == framework.int64


def test_norm_values(op):
    a = op.array(2, 3)
    t = framework.tensor(a)
    np.testing.assert_allclose(t.norm().numpy(), np.linalg.norm(a))
    np.testing.assert_allclose(t.norm(p=1, dim=1).numpy(), np.abs(a).sum(1))
    np.testing.assert_allclose(t.norm(p=float("inf"), dim=0, keepdim=True).numpy(), np.abs(a).max(0, keepdims=True))
    np.testing.assert_allclose(t.norm(p=3).numpy(), (np.abs(a) ** 3).sum() ** (1 / 3))
    assert t.norm(p=0).item() == 6.0


@pytest.mark.parametrize("expr,name", [
    (lambda a: a.sum(), "SumBackward0"), (lambda a: a.sum(1), "SumBackward1"),
    (lambda a: a.sum(dim=(0, 1)), "SumBackward1"), (lambda a: a.mean(), "MeanBackward0"),
    (lambda a: a.mean(0), "MeanBackward1"), (lambda a: a.max(), "MaxBackward1"), (lambda a: a.min(), "MinBackward1"),
    (lambda a: a.max(1).values, "MaxBackward0"), (lambda a: a.softmax(1), "SoftmaxBackward0"),
    (lambda a: a.log_softmax(1), "LogSoftmaxBackward0"), (lambda a: a.var(), "VarBackward0"),
    (lambda a: a.std(), "StdBackward0"), (lambda a: a.norm(), "LinalgVectorNormBackward0"),
    (lambda a: a.prod(), "ProdBackward0"), (lambda a: a.prod(1), "ProdBackward1"),
    (lambda a: a.cumsum(0), "CumsumBackward0"), (lambda a: a.amax(1), "AmaxBackward0"),
    (lambda a: a.logsumexp(1), "LogsumexpBackward0"),
])
def test_grad_fn_names(expr, name):
    a = framework.rand(2, 3, requires_grad=True)
    assert type(expr(a).grad_fn).__name__ == name


def test_mean_of_integers_errors():
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype. Input dtype must be either "
                                           "a floating point or complex dtype. Got: Long"):
        framework.tensor([1, 2]).mean()


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_of_integers_error(name):
    with pytest.raises(RuntimeError, match="std and var only support floating point and complex dtypes"):
        getattr(framework.tensor([1, 2]), name)()


def test_var_without_degrees_of_freedom_is_nan_with_nan_gradient():
    for x in (framework.tensor(1.0, requires_grad=True), framework.tensor([1.0], requires_grad=True)):
        v = x.var()
        assert math.isnan(v.item())
        v.backward()
        assert math.isnan(x.grad.reshape(-1)[0].item())


def test_full_max_of_nan_gives_the_gradient_to_the_nan():
    x = framework.tensor([1.0, math.nan], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.0, 1.0]


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_of_integers_not_implemented(name):
    with pytest.raises(NotImplementedError, match=f'"{name}_lastdim_kernel_impl" not implemented for \'Long\''):
        getattr(framework.tensor([1, 2]), name)(0)


def test_norm_of_integers_errors():
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as input. Got Long"):
        framework.tensor([3, 4]).norm()


def test_mean_with_dtype_argument_converts_first():
    assert framework.tensor([1, 2]).mean(dtype=framework.float64).item() == 1.5


def test_dim_out_of_range_and_repeated_dims():
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        framework.ones(2, 3).sum(dim=2)
    with pytest.raises(RuntimeError, match="dim 1 appears multiple times in the list of dims"):
        framework.ones(2, 3).sum(dim=(1, -1))


def test_float32_reductions_stay_float32():
    x = framework.rand(3, 4, requires_grad=True)
    for out in (x.sum(), x.mean(1), x.var(), x.std(0), x.prod(), x.max(), x.amax(1), x.logsumexp(1),
                x.softmax(1), x.log_softmax(0), x.cumsum(1), x.norm()):
        assert out.dtype == framework.float32
    d = framework.tensor(np.ones(3))
    assert d.sum().dtype == d.mean().dtype == framework.float64
