"""Every layer: output shape, PyTorch's default initialisation, and float64 gradcheck over several shapes."""
import math

import numpy as np
import pytest

import framework
from framework import nn
from framework.autograd import gradcheck


def grads_ok(module, x):
    """gradcheck of ``module`` w.r.t. its input (when it requires grad) and all its parameters."""
    params = [p for p in module.parameters() if p.requires_grad]
    inputs = ([x] if x.requires_grad else []) + params
    if x.requires_grad:
        return gradcheck(lambda inp, *ps: module(inp), inputs)
    return gradcheck(lambda *ps: module(x), inputs)


@pytest.mark.parametrize("shape", [(3, 4), (4,), (2, 3, 4)])
def test_linear_shapes_and_grads(check, shape):
    lin = nn.Linear(4, 5).double()
    x = check.leaf(*shape)
    assert lin(x).shape == shape[:-1] + (5,)
    assert grads_ok(lin, x)


def test_linear_forward_is_x_wT_plus_b_with_addmm_node(check):
    lin = nn.Linear(3, 2).double()
    x = check.leaf(4, 3)
    out = lin(x)
    assert out.grad_fn.name() == "AddmmBackward0"
    expected = x._data @ lin.weight._data.T + lin.bias._data
    assert np.allclose(out._data, expected)
    assert nn.Linear(3, 2, bias=False)(framework.ones(1, 3)).shape == (1, 2)


def test_linear_default_init_within_bound():
    framework.manual_seed(0)
    lin = nn.Linear(300, 50)
    bound = 1 / math.sqrt(300)
    assert lin.weight.shape == (50, 300) and lin.bias.shape == (50,)
    for p in (lin.weight, lin.bias):
        assert float(p.abs().max()) <= bound
    assert float(lin.weight.abs().max()) > 0.9 * bound  # uniform over the whole range, not a narrow one
    assert lin.weight.dtype == framework.float32 and lin.weight.requires_grad


def test_linear_errors():
    lin = nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(4x5 and 3x2\)"):
        lin(framework.ones(4, 5))
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype"):
        lin(framework.ones(4, 3, dtype=framework.float64))


def test_linear_seeded_init_is_reproducible():
    framework.manual_seed(3)
    a = nn.Linear(4, 4)
    framework.manual_seed(3)
    b = nn.Linear(4, 4)
    assert np.array_equal(a.weight._data, b.weight._data)


def test_identity_flatten_unflatten(check):
    x = check.leaf(2, 3, 4)
    assert nn.Identity(54, unused=1)(x) is x
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Unflatten(1, (3, 1))(x).shape == (2, 3, 1, 4)
    assert gradcheck(lambda t: nn.Unflatten(2, (2, 2))(nn.Flatten()(t).reshape(2, 3, 4)), (x,))
    with pytest.raises(TypeError, match="unflattened_size must be tuple or list"):
        nn.Unflatten(1, 3)


ACTIVATIONS = [nn.ReLU(), nn.LeakyReLU(0.2), nn.GELU(), nn.GELU("tanh"), nn.ELU(0.7), nn.SiLU(), nn.Tanh(),
               nn.Sigmoid(), nn.Softplus(beta=2.0, threshold=3.0), nn.Softmax(dim=1), nn.LogSoftmax(dim=-1),
               nn.SELU(), nn.Hardtanh(-0.5, 0.5)]


@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda m: repr(m))
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 2)])
def test_activations_shape_and_grads(check, act, shape):
    x = check.leaf(*shape)
    x._data[np.abs(x._data) < 1e-3] = 0.5  # keep away from kinks
    assert act(x).shape == shape
    assert gradcheck(act, (x,))


@pytest.mark.parametrize("act, fn", [
    (nn.ReLU(), lambda a: np.maximum(a, 0)),
    (nn.LeakyReLU(0.2), lambda a: np.where(a > 0, a, 0.2 * a)),
    (nn.ELU(0.7), lambda a: np.where(a > 0, a, 0.7 * np.expm1(a))),
    (nn.SiLU(), lambda a: a / (1 + np.exp(-a))),
    (nn.Tanh(), np.tanh),
    (nn.Sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
    (nn.Softplus(), lambda a: np.log1p(np.exp(a))),
    (nn.Softmax(dim=1), lambda a: np.exp(a) / np.exp(a).sum(1, keepdims=True)),
    (nn.LogSoftmax(dim=1), lambda a: a - np.log(np.exp(a).sum(1, keepdims=True))),
], ids=lambda v: repr(v) if isinstance(v, nn.Module) else "")
def test_activation_values_match_numpy(check, act, fn):
    x = check.leaf(3, 5)
    assert np.allclose(act(x)._data, fn(x._data))


def test_inplace_relu_writes_into_input():
    x = framework.tensor([-1.0, 2.0])
    out = nn.ReLU(inplace=True)(x)
    assert out is x and x.tolist() == [0.0, 2.0]
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"


def test_dropout_scales_kept_values_and_is_identity_in_eval():
    framework.manual_seed(0)
    drop = nn.Dropout(0.5)
    x = framework.ones(1000)
    out = drop(x)
    values = set(np.unique(out._data).tolist())
    assert values == {0.0, 2.0}
    assert 400 < int((out._data == 0).sum()) < 600
    assert out.grad_fn is None  # x needs no grad
    xg = framework.ones(8, requires_grad=True)
    y = drop(xg)
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    assert np.array_equal(xg.grad._data, y._data)  # the gradient goes through the same mask
    drop.eval()
    assert drop(x) is x
    assert nn.Dropout(1.0)(x).tolist() == [0.0] * 1000
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)


def test_dropout_draws_from_seeded_generator():
    framework.manual_seed(5)
    a = nn.Dropout(0.3)(framework.ones(50))
    framework.manual_seed(5)
    b = nn.Dropout(0.3)(framework.ones(50))
    assert np.array_equal(a._data, b._data)


def test_dropout_grad_with_fixed_seed(check):
    drop = nn.Dropout(0.4)

    def fn(x):
        framework.manual_seed(11)
        return drop(x)

    assert gradcheck(fn, (check.leaf(3, 4),))


def test_embedding_lookup_padding_and_grads(check):
    framework.manual_seed(0)
    emb = nn.Embedding(5, 3, padding_idx=0)
    assert emb.weight.shape == (5, 3) and emb.weight[0].tolist() == [0.0, 0.0, 0.0]
    idx = framework.tensor([[1, 0, 3], [3, 3, 4]])
    out = emb(idx)
    assert out.shape == (2, 3, 3) and np.array_equal(out._data[0, 2], emb.weight._data[3])
    out.sum().backward()
    g = emb.weight.grad._data
    assert g[0].tolist() == [0.0, 0.0, 0.0]      # padding row gets no gradient
    assert g[3].tolist() == [3.0, 3.0, 3.0]      # used three times
    emb.double()
    no_pad = framework.tensor([[1, 2], [4, 4]])  # the padding row is deliberately left out of the gradient
    assert gradcheck(lambda w: emb(no_pad), (emb.weight,))
    with pytest.raises(IndexError, match="index out of range in self"):
        emb(framework.tensor([5]))
    with pytest.raises(RuntimeError, match="'indices' to have one of the following scalar types: Long, Int"):
        emb(framework.tensor([1.0]))
    assert nn.Embedding(5, 2, padding_idx=-1).padding_idx == 4


def test_embedding_from_pretrained_is_frozen():
    w = framework.randn(4, 2)
    emb = nn.Embedding.from_pretrained(w)
    assert not emb.weight.requires_grad and np.array_equal(emb(framework.tensor([2]))._data[0], w._data[2])


@pytest.mark.parametrize("shape, normalized", [((3, 4), (4,)), ((2, 3, 4), (3, 4)), ((5,), 5)])
def test_layer_norm_shapes_values_grads(check, shape, normalized):
    ln = nn.LayerNorm(normalized).double()
    ln.weight.detach()._data[...] = check.rng.standard_normal(ln.weight.shape)
    ln.bias.detach()._data[...] = check.rng.standard_normal(ln.bias.shape)
    x = check.leaf(*shape)
    out = ln(x)
    k = len(ln.normalized_shape)
    axes = tuple(range(x.ndim - k, x.ndim))
    xn = (x._data - x._data.mean(axes, keepdims=True)) / np.sqrt(x._data.var(axes, keepdims=True) + 1e-5)
    assert np.allclose(out._data, xn * ln.weight._data + ln.bias._data)
    assert out.grad_fn.name() == "NativeLayerNormBackward0"
    assert grads_ok(ln, x)
    check.gradgrad(lambda t: ln(t), x)


def test_layer_norm_without_affine_and_shape_error():
    ln = nn.LayerNorm(3, elementwise_affine=False)
    assert list(ln.state_dict()) == []
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[3\], expected input with shape \[\*, 3\]"):
        ln(framework.ones(2, 4))


def test_batchnorm1d_reference_numbers():
    bn = nn.BatchNorm1d(2)
    x = framework.tensor([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
    train_out = bn(x)
    assert np.allclose(bn.running_mean._data, [0.3, 0.6])
    assert np.allclose(bn.running_var._data, [1.3, 2.5])  # unbiased batch variances 4 and 16
    assert int(bn.num_batches_tracked) == 1 and bn.num_batches_tracked.dtype == framework.int64
    xd = x._data
    assert np.allclose(train_out._data, (xd - xd.mean(0)) / np.sqrt(xd.var(0) + 1e-5), atol=1e-6)  # biased var
    bn.eval()
    expected = [[0.613938, 0.885436], [2.368048, 3.415253], [4.122157, 5.945070]]
    assert np.allclose(bn(x)._data, expected, atol=1e-5)
    assert int(bn.num_batches_tracked) == 1  # eval does not count


def test_batchnorm_momentum_none_is_cumulative_average():
    bn = nn.BatchNorm1d(1, momentum=None)
    bn(framework.tensor([[1.0], [3.0]]))
    bn(framework.tensor([[5.0], [7.0]]))
    assert np.allclose(bn.running_mean._data, [4.0])


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval():
    bn = nn.BatchNorm1d(2, track_running_stats=False, affine=False).eval()
    x = framework.tensor([[1.0, 2.0], [3.0, 6.0]])
    assert np.allclose(bn(x)._data, [[-1.0, -1.0], [1.0, 1.0]], atol=1e-4)
    assert list(bn.state_dict()) == []


@pytest.mark.parametrize("cls, shape", [(nn.BatchNorm1d, (4, 3)), (nn.BatchNorm1d, (3, 3, 2)),
                                        (nn.BatchNorm2d, (2, 3, 2, 2))])
def test_batchnorm_grads_train_and_eval(check, cls, shape):
    bn = cls(3).double()
    bn.weight.detach()._data[...] = check.rng.uniform(0.5, 1.5, 3)
    x = check.leaf(*shape)
    assert bn(x).shape == shape
    assert grads_ok(bn, x)
    check.gradgrad(lambda t: bn(t), x)
    bn.eval()
    assert grads_ok(bn, x)


def test_batchnorm_errors():
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(framework.ones(1, 3, 2, 2))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(framework.ones(1, 3, 2))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(framework.ones(1, 3))


@pytest.mark.parametrize("kw, shape, out_shape", [
    (dict(), (2, 3, 7, 6), (2, 4, 5, 4)),
    (dict(stride=2, padding=1), (1, 3, 7, 6), (1, 4, 4, 3)),
    (dict(padding="same", dilation=2), (2, 3, 5, 5), (2, 4, 5, 5)),
    (dict(groups=3, bias=False), (1, 3, 4, 4), (1, 6, 2, 2)),
    (dict(), (3, 5, 5), (4, 3, 3)),
])
def test_conv2d_shapes_and_grads(check, kw, shape, out_shape):
    out_channels = 6 if kw.get("groups") else 4
    conv = nn.Conv2d(3, out_channels, 3, **kw).double()
    x = check.leaf(*shape)
    out = conv(x)
    assert out.shape == out_shape
    assert grads_ok(conv, x)


@pytest.mark.parametrize("kw, shape, out_shape", [
    (dict(), (2, 3, 9), (2, 4, 7)),
    (dict(stride=2, padding=2, dilation=2), (1, 3, 8), (1, 4, 4)),
    (dict(groups=3, padding="same"), (2, 3, 6), (2, 6, 6)),
])
def test_conv1d_shapes_and_grads(check, kw, shape, out_shape):
    conv = nn.Conv1d(3, 6 if kw.get("groups") else 4, 3, **kw).double()
    x = check.leaf(*shape)
    assert conv(x).shape == out_shape
    assert grads_ok(conv, x)


def test_conv_init_keys_and_repr():
    framework.manual_seed(0)
    conv = nn.Conv2d(2, 8, (3, 5), stride=2, padding=1)
    assert conv.weight.shape == (8, 2, 3, 5) and list(conv.state_dict()) == ["weight", "bias"]
    bound = 1 / math.sqrt(2 * 3 * 5)
    assert float(conv.weight.abs().max()) <= bound and float(conv.bias.abs().max()) <= bound
    assert repr(conv) == "Conv2d(2, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1))"
    assert repr(nn.Conv1d(1, 2, 3, bias=False)) == "Conv1d(1, 2, kernel_size=(3,), stride=(1,), bias=False)"


def test_conv_constructor_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same")


@pytest.mark.parametrize("kw, out_hw", [(dict(kernel_size=2), (3, 3)), (dict(kernel_size=3, stride=2, padding=1), (4, 4)),
                                        (dict(kernel_size=2, ceil_mode=True), (4, 4)),
                                        (dict(kernel_size=(2, 3), stride=1, dilation=(2, 1)), (5, 5))])
def test_maxpool2d_shapes_and_grads(check, kw, out_hw):
    pool = nn.MaxPool2d(**kw)
    x = check.leaf(2, 2, 7, 7)
    out = pool(x)
    assert out.shape == (2, 2) + out_hw
    assert gradcheck(pool, (x,))


@pytest.mark.parametrize("kw, out_hw", [(dict(kernel_size=2), (3, 3)), (dict(kernel_size=3, stride=2, padding=1), (4, 4)),
                                        (dict(kernel_size=3, stride=2, padding=1, count_include_pad=False), (4, 4)),
                                        (dict(kernel_size=2, ceil_mode=True), (4, 4))])
def test_avgpool2d_shapes_and_grads(check, kw, out_hw):
    pool = nn.AvgPool2d(**kw)
    x = check.leaf(2, 2, 7, 7)
    assert pool(x).shape == (2, 2) + out_hw
    assert gradcheck(pool, (x,))


@pytest.mark.parametrize("size, out_hw", [(1, (1, 1)), ((3, 2), (3, 2)), ((None, 4), (7, 4)), (7, (7, 7))])
def test_adaptive_avgpool2d_shapes_and_grads(check, size, out_hw):
    pool = nn.AdaptiveAvgPool2d(size)
    x = check.leaf(2, 3, 7, 5 if size != 7 else 7)
    assert pool(x).shape == (2, 3) + out_hw
    assert gradcheck(pool, (x,))


def test_mlp_structure_keys_and_grads(check):
    mlp = nn.MLP([4, 8, 8, 2], activation="tanh", dropout=0.1)
    assert [type(m).__name__ for m in mlp] == ["Linear", "Tanh", "Dropout", "Linear", "Tanh", "Dropout", "Linear"]
    assert list(mlp.state_dict())[:2] == ["0.weight", "0.bias"]
    assert mlp(framework.randn(5, 4)).shape == (5, 2)
    mlp = nn.MLP([3, 5, 2], activation="gelu").double()
    assert grads_ok(mlp, check.leaf(4, 3))
    assert isinstance(nn.MLP([2, 2, 2], activation=nn.SiLU)[1], nn.SiLU)
    with pytest.raises(ValueError, match="unknown activation 'swishy'"):
        nn.MLP([2, 2, 2], activation="swishy")
    with pytest.raises(ValueError, match="at least an input and an output size"):
        nn.MLP([2])


@pytest.mark.parametrize("shape", [(6,), (2, 5), (2, 3, 4)])
def test_embedding_and_dropout_over_shapes(check, shape):
    emb = nn.Embedding(7, 3).double()
    idx = framework.tensor(check.rng.integers(0, 7, shape))
    assert emb(idx).shape == shape + (3,)
    assert gradcheck(lambda w: emb(idx), (emb.weight,))
    drop = nn.Dropout(0.25)

    def fn(x):
        framework.manual_seed(1)
        return drop(x)

    x = check.leaf(*shape)
    assert fn(x).shape == shape and gradcheck(fn, (x,))
