"""framework.nn.functional: convolution and pooling against direct loops, double backward, errors."""
import itertools
import warnings

import numpy as np
import pytest

import framework
import framework.nn.functional as F


def naive_conv2d(x, w, b, stride, padding, dilation, groups):
    """Direct definition of convolution with explicit loops (test oracle only)."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    oh = (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for b_, oc, i, j in itertools.product(range(n), range(o), range(oh), range(ow)):
        g = oc // og
        acc = 0.0
        for ic, p, q in itertools.product(range(cg), range(kh), range(kw)):
            acc += w[oc, ic, p, q] * xp[b_, g * cg + ic, i * stride[0] + p * dilation[0], j * stride[1] + q * dilation[1]]
        out[b_, oc, i, j] = acc + (0 if b is None else b[oc])
    return out


@pytest.mark.parametrize("stride, padding, dilation, groups", [
    ((1, 1), (0, 0), (1, 1), 1), ((2, 1), (1, 2), (1, 1), 1), ((1, 2), (1, 0), (2, 1), 2), ((2, 2), (1, 1), (1, 1), 4)])
def test_conv2d_matches_direct_loops(check, stride, padding, dilation, groups):
    x = check.leaf(2, 4, 6, 7, requires_grad=False)
    w = check.leaf(4, 4 // groups, 3, 2, requires_grad=False)
    b = check.leaf(4, requires_grad=False)
    out = F.conv2d(x, w, b, stride, padding, dilation, groups)
    assert np.allclose(out._data, naive_conv2d(x._data, w._data, b._data, stride, padding, dilation, groups))
    assert out.dtype == framework.float64


def test_conv2d_float32_stays_float32_and_node_name():
    x = framework.randn(1, 1, 5, 5, requires_grad=True)
    out = F.conv2d(x, framework.randn(2, 1, 3, 3))
    assert out.dtype == framework.float32 and out.grad_fn.name() == "ConvolutionBackward0"


def test_conv1d_matches_conv2d_with_unit_height(check):
    x = check.leaf(2, 3, 9, requires_grad=False)
    w = check.leaf(4, 3, 3, requires_grad=False)
    one_d = F.conv1d(x, w, stride=2, padding=1)
    two_d = F.conv2d(x.unsqueeze(2), w.unsqueeze(2), stride=(1, 2), padding=(0, 1))
    assert np.allclose(one_d._data, two_d._data[:, :, 0])


def test_conv_second_derivatives(check):
    x = check.leaf(1, 2, 4, 4)
    w = check.leaf(2, 1, 2, 2)
    b = check.leaf(2)
    check.gradgrad(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, groups=2), x, w, b)
    check.gradgrad(lambda x, w: F.conv1d(x.reshape(1, 2, 16), w.reshape(2, 1, 4), dilation=2, groups=2), x, w)


@pytest.mark.parametrize("call, exc, phrase", [
    (lambda: F.conv2d(framework.ones(1, 3, 5, 5), framework.ones(2, 2, 3, 3)), RuntimeError,
     r"Given groups=1, weight of size \[2, 2, 3, 3\], expected input\[1, 3, 5, 5\] to have 2 channels, but got 3 "
     r"channels instead"),
    (lambda: F.conv2d(framework.ones(1, 1, 2, 2), framework.ones(1, 1, 3, 3)), RuntimeError,
     r"Calculated padded input size per channel: \(2 x 2\). Kernel size: \(3 x 3\). Kernel size can't be greater"),
    (lambda: F.conv2d(framework.ones(5, 5), framework.ones(1, 1, 3, 3)), RuntimeError,
     r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: \[5, 5\]"),
    (lambda: F.conv2d(framework.ones(1, 1, 5, 5), framework.ones(1, 1, 3, 3), stride=0), RuntimeError,
     "non-positive stride is not supported"),
    (lambda: F.conv2d(framework.ones(1, 1, 5, 5), framework.ones(1, 1, 3, 3), padding="full"), ValueError,
     "Invalid padding string 'full'"),
    (lambda: F.conv2d(framework.ones(1, 1, 5, 5, dtype=framework.float64), framework.ones(1, 1, 3, 3)), RuntimeError,
     r"Input type \(framework.DoubleTensor\) and weight type \(framework.FloatTensor\) should be the same"),
    (lambda: F.conv2d(framework.ones(1, 1, 5, 5), framework.ones(2, 1, 3, 3), framework.ones(3)), RuntimeError,
     "expected bias to be 1-dimensional with 2 elements"),
])
def test_conv_errors(call, exc, phrase):
    with pytest.raises(exc, match=phrase):
        call()


def naive_pool(x, k, s, p, reduce, pad_value):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=pad_value)
    oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    out = np.zeros((n, c, oh, ow))
    for i, j in itertools.product(range(oh), range(ow)):
        out[:, :, i, j] = reduce(xp[:, :, i * s:i * s + k, j * s:j * s + k], axis=(2, 3))
    return out


@pytest.mark.parametrize("k, s, p", [(2, 2, 0), (3, 2, 1), (3, 1, 1)])
def test_pools_match_direct_loops(check, k, s, p):
    x = check.leaf(2, 3, 7, 6, requires_grad=False)
    assert np.allclose(F.max_pool2d(x, k, s, p)._data, naive_pool(x._data, k, s, p, np.max, -np.inf))
    assert np.allclose(F.avg_pool2d(x, k, s, p)._data, naive_pool(x._data, k, s, p, np.mean, 0.0))


def test_avg_pool_count_include_pad_false_and_divisor_override():
    x = framework.ones(1, 1, 3, 3)
    assert F.avg_pool2d(x, 2, 1, 1, count_include_pad=False)._data.min() == 1.0
    assert F.avg_pool2d(x, 2, 1, 1)._data[0, 0, 0, 0] == 0.25
    assert F.avg_pool2d(x, 3, divisor_override=2).item() == 4.5


def test_max_pool_return_indices_and_tie_gradient():
    x = framework.tensor([[[[1.0, 5.0, 2.0, 2.0], [3.0, 4.0, 2.0, 2.0]]]], requires_grad=True)
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    assert out.tolist() == [[[[5.0, 2.0]]]] and idx.tolist() == [[[[1, 2]]]] and idx.dtype == framework.int64
    out.sum().backward()
    assert x.grad.tolist() == [[[[0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]]  # the first maximum gets it


def test_pool_second_derivatives_and_unbatched(check):
    x = check.leaf(2, 5, 5)
    assert F.max_pool2d(x, 2).shape == (2, 2, 2)
    check.gradgrad(lambda t: F.max_pool2d(t, 3, 2, 1), x)
    check.gradgrad(lambda t: F.avg_pool2d(t, 2, ceil_mode=True), x)


def test_pool_errors():
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
        F.max_pool2d(framework.ones(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(RuntimeError, match="pad should be at most half of kernel size"):
        F.avg_pool2d(framework.ones(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(RuntimeError, match="Expected 3D or 4D"):
        F.max_pool2d(framework.ones(4, 4), 2)


def test_adaptive_avg_pool_matches_bins(check):
    x = check.leaf(1, 1, 5, 3, requires_grad=False)
    out = F.adaptive_avg_pool2d(x, (2, 3))
    d = x._data[0, 0]
    assert np.allclose(out._data[0, 0, 0], d[0:3].mean(0)) and np.allclose(out._data[0, 0, 1], d[2:5].mean(0))
    assert F.adaptive_max_pool2d(x, (1, 3)).shape == (1, 1, 1, 3)


def test_dropout_functional():
    x = framework.ones(4)
    assert F.dropout(x, 0.5, training=False) is x and F.dropout(x, 0.0) is x
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got -0.1"):
        F.dropout(x, -0.1)
    framework.manual_seed(0)
    out = F.dropout2d(framework.ones(2, 3, 4, 4), 0.5)
    per_channel = out._data.reshape(6, 16)
    assert all(len(set(row.tolist())) == 1 for row in per_channel)


def test_softmax_without_dim_warns_and_picks_legacy_dim():
    x = framework.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated"):
        out = F.softmax(x)
    assert np.allclose(out._data.sum(1), 1.0)
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        F.log_softmax(framework.randn(3))


def test_one_hot_pad_and_linear_nd(check):
    assert F.one_hot(framework.tensor([0, 2]), 3).tolist() == [[1, 0, 0], [0, 0, 1]]
    assert F.pad(framework.ones(1, 2), (1, 1)).tolist() == [[0.0, 1.0, 1.0, 0.0]]
    x = check.leaf(2, 3, 4)
    w = check.leaf(5, 4)
    out = F.linear(x, w)
    assert out.shape == (2, 3, 5) and np.allclose(out._data, x._data @ w._data.T)
    check.grad(lambda x, w: F.linear(x, w), x, w)
    check.gradgrad(lambda x, w, b: F.linear(x, w, b), x, w, check.leaf(5))


@pytest.mark.parametrize("fn", [F.elu, F.silu, F.gelu, F.leaky_relu, F.softplus, F.tanh, F.sigmoid, F.relu6,
                                F.logsigmoid, lambda t: F.normalize(t, dim=1)])
def test_activation_second_derivatives(check, fn):
    x = check.leaf(3, 4)
    x._data[np.abs(x._data) < 1e-2] = 0.3
    check.grad(fn, x)
    check.gradgrad(fn, x)


def test_functional_norms_match_modules(check):
    x = check.leaf(4, 3, requires_grad=False)
    rm, rv = framework.zeros(3, dtype=framework.float64), framework.ones(3, dtype=framework.float64)
    out = F.batch_norm(x, rm, rv, training=True, momentum=0.5)
    assert np.allclose(rm._data, 0.5 * x._data.mean(0))
    assert np.allclose(rv._data, 0.5 + 0.5 * x._data.var(0, ddof=1))
    assert np.allclose(out._data, (x._data - x._data.mean(0)) / np.sqrt(x._data.var(0) + 1e-5))
    with pytest.raises(RuntimeError, match="running_mean and running_var must be defined in evaluation mode"):
        F.batch_norm(x, None, None)
    gn = F.group_norm(check.leaf(2, 4, 3), 2)
    assert gn.shape == (2, 4, 3)
    check.grad(lambda t: F.group_norm(t, 2), check.leaf(2, 4, 3))


def test_embedding_functional_max_norm():
    w = framework.tensor([[3.0, 4.0], [0.3, 0.4]])
    F.embedding(framework.tensor([0, 1]), w, max_norm=1.0)
    assert np.allclose(np.linalg.norm(w._data, axis=1), [1.0, 0.5], atol=1e-5)


def test_no_warnings_in_normal_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.conv2d(framework.randn(1, 1, 4, 4), framework.randn(1, 1, 3, 3)).sum()
        F.cross_entropy(framework.randn(2, 3), framework.tensor([0, 1]))


@pytest.mark.parametrize("name, fn", [
    ("relu", lambda t, inplace: F.relu(t, inplace=inplace)),
    ("leaky_relu", lambda t, inplace: F.leaky_relu(t, 0.1, inplace=inplace)),
    ("elu", lambda t, inplace: F.elu(t, 0.7, inplace=inplace)),
    ("selu", lambda t, inplace: F.selu(t, inplace=inplace)),
    ("silu", lambda t, inplace: F.silu(t, inplace=inplace)),
    ("hardtanh", lambda t, inplace: F.hardtanh(t, inplace=inplace)),
    ("dropout", lambda t, inplace: F.dropout(t, 0.5, inplace=inplace)),
    ("alpha_dropout", lambda t, inplace: F.alpha_dropout(t, 0.5, training=True, inplace=inplace)),
])
def test_inplace_forms_match_out_of_place_values_and_grads(check, name, fn):
    results = []
    for inplace in (False, True):
        x = framework.tensor([[-1.5, 2.0, 0.5], [0.25, -0.3, 3.0]], dtype=framework.float64, requires_grad=True)
        h = x * 1.0
        framework.manual_seed(0)
        out = fn(h, inplace)
        assert (out is h) == inplace
        out.sum().backward()
        results.append((out._data.copy(), x.grad._data.copy()))
    assert np.allclose(results[0][0], results[1][0]) and np.allclose(results[0][1], results[1][1])


def test_inplace_on_leaf_requiring_grad_is_refused():
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        F.elu(framework.ones(2, requires_grad=True), inplace=True)


def test_linear_gradients_kept_without_copy_stay_independent_and_accumulate():
    # AddmmBackward0 marks its outputs fresh, so the leaves keep them as .grad without a copy
    framework.manual_seed(0)
    lin = framework.nn.Linear(3, 2)
    x = framework.randn(4, 3, requires_grad=True)
    lin(x).sum().backward()
    grads = [x.grad._data, lin.weight.grad._data, lin.bias.grad._data]
    for i, a in enumerate(grads):
        assert a.flags.owndata and a.flags.writeable
        for b in grads[i + 1:]:
            assert not np.shares_memory(a, b)
    first = [g.copy() for g in grads]
    lin(x).sum().backward()  # accumulates in place into the kept arrays
    for t, g in zip((x, lin.weight, lin.bias), first):
        assert np.allclose(t.grad._data, 2 * g)


def test_a_gradient_passed_through_is_copied_into_grad():
    # AddBackward0 hands the incoming gradient on unchanged: the leaf must not keep the caller's array
    a = framework.zeros(3, requires_grad=True)
    seed = framework.ones(3)
    (a + 1.0).backward(seed)
    seed._data[:] = 5.0
    assert a.grad.tolist() == [1.0, 1.0, 1.0]
