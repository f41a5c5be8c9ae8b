"""Losses: the values, gradients and errors recorded in reference section 15, and gradcheck of each."""
import numpy as np
import pytest

import framework
import framework.nn.functional as F
from framework import nn

Z = [[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]]


def logsumexp(z):
    m = z.max(axis=-1, keepdims=True)
    return np.log(np.exp(z - m).sum(-1, keepdims=True)) + m


def test_cross_entropy_reference_value_and_grad():
    z = framework.tensor(Z, requires_grad=True)
    loss = nn.CrossEntropyLoss()(z, framework.tensor([0, 2]))
    assert abs(loss.item() - 1.4185397624969482) < 2e-7
    assert loss.grad_fn.name() == "NllLossBackward0"
    loss.backward()
    expected = [[-0.170499, 0.121216, 0.049283], [0.054302, 0.401240, -0.455541]]
    assert np.allclose(z.grad._data, expected, atol=1e-6)


def test_cross_entropy_reductions():
    z, t = framework.tensor(Z), framework.tensor([0, 2])
    assert np.allclose(F.cross_entropy(z, t, reduction="none")._data, [0.417030, 2.420050], atol=1e-6)
    assert abs(F.cross_entropy(z, t, reduction="sum").item() - 2.837080) < 1e-5
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        F.cross_entropy(z, t, reduction="avg")


def test_label_smoothing_value_and_grad():
    z = framework.tensor(Z, requires_grad=True)
    loss = F.cross_entropy(z, framework.tensor([0, 2]), label_smoothing=0.1)
    assert abs(loss.item() - 1.426872968673706) < 4e-7  # a few float32 ulps
    loss.backward()
    zd = np.array(Z)
    q = 0.9 * np.eye(3)[[0, 2]] + 0.1 / 3
    soft = np.exp(zd - logsumexp(zd))
    assert np.allclose(z.grad._data, (soft - q) / 2, atol=1e-6)


def test_ignore_index_averages_over_kept_rows_only():
    z = framework.tensor([Z[0], [0.3, -1.0, 2.0], Z[1]], requires_grad=True)
    t = framework.tensor([0, -100, 2])
    loss = F.cross_entropy(z, t)
    assert abs(loss.item() - F.cross_entropy(framework.tensor(Z), framework.tensor([0, 2])).item()) < 1e-6
    loss.backward()
    assert z.grad._data[1].tolist() == [0.0, 0.0, 0.0]
    smoothed = F.cross_entropy(z, t, label_smoothing=0.1).item()
    assert abs(smoothed - F.cross_entropy(framework.tensor(Z), framework.tensor([0, 2]), label_smoothing=0.1).item()) < 1e-6


def test_all_ignored_gives_nan_and_zero_grad():
    z = framework.randn(2, 3, requires_grad=True)
    loss = F.cross_entropy(z, framework.tensor([-100, -100]))
    assert np.isnan(loss.item())
    loss.backward()
    assert z.grad.tolist() == [[0.0] * 3] * 2


def test_class_weight_is_weighted_mean():
    z, t = framework.tensor(Z), framework.tensor([0, 2])
    w = framework.tensor([1.0, 1.0, 3.0])
    assert abs(F.cross_entropy(z, t, weight=w).item() - 1.9192947149276733) < 2e-7
    per_row = F.cross_entropy(z, t, reduction="none")._data
    assert np.allclose(F.cross_entropy(z, t, weight=w, reduction="none")._data, per_row * [1.0, 3.0])


def test_extreme_logits_are_exact():
    z = framework.tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    loss = F.cross_entropy(z, framework.tensor([1]))
    assert loss.item() == 1000.0
    loss.backward()
    assert z.grad.tolist() == [[1.0, -1.0, 0.0]]


def test_probability_targets_and_unbatched_and_spatial():
    assert abs(F.cross_entropy(framework.tensor([Z[0]]), framework.tensor([[0.7, 0.2, 0.1]])).item() - 0.807030) < 1e-6
    assert abs(F.cross_entropy(framework.tensor(Z[1]), framework.tensor(2)).item() - 2.420050) < 1e-5
    assert abs(F.cross_entropy(framework.zeros(2, 3, 4), framework.zeros(2, 4, dtype=framework.int64)).item()
               - np.log(3)) < 1e-6
    assert F.cross_entropy(framework.zeros(2, 3, 4), framework.zeros(2, 4, dtype=framework.int64),
                           reduction="none").shape == (2, 4)
    assert abs(F.cross_entropy(framework.tensor(Z), framework.tensor([0, 2], dtype=framework.uint8)).item()
               - 1.4185397624969482) < 2e-7


@pytest.mark.parametrize("target, exc, phrase", [
    (framework.tensor([0.0, 2.0]), RuntimeError, "expected target dtype to be Long or Byte, but got Float"),
    (framework.tensor([0, 2], dtype=framework.int32), RuntimeError, "expected target dtype to be Long or Byte, but got Int"),
    (framework.tensor([0, 3]), IndexError, "Target 3 is out of bounds."),
    (framework.tensor([-2, 0]), IndexError, "Target -2 is out of bounds."),
    (framework.tensor([0, 1, 2]), ValueError, r"Expected input batch_size \(2\) to match target batch_size \(3\)"),
    (framework.tensor([[0, 1, 2], [0, 1, 2]]), RuntimeError, "Expected floating point type for target with class "
                                                            "probabilities, got Long"),
])
def test_cross_entropy_target_errors(target, exc, phrase):
    with pytest.raises(exc, match=phrase):
        F.cross_entropy(framework.tensor(Z), target)


def test_weight_and_smoothing_argument_errors():
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 3 classes"):
        F.cross_entropy(framework.tensor(Z), framework.tensor([0, 1]), weight=framework.ones(2))
    with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0"):
        F.cross_entropy(framework.tensor(Z), framework.tensor([0, 1]), label_smoothing=1.5)


CE_CASES = [dict(), dict(reduction="sum"), dict(reduction="none"), dict(label_smoothing=0.2),
            dict(weight=True), dict(weight=True, label_smoothing=0.3, ignore_index=1)]


@pytest.mark.parametrize("shape", [(4, 3), (3,), (2, 3, 2), (2, 3, 2, 2)])
@pytest.mark.parametrize("kw", CE_CASES, ids=str)
def test_cross_entropy_and_nll_grads(check, shape, kw):
    x = check.leaf(*shape)
    classes = shape[0] if len(shape) == 1 else shape[1]
    tshape = () if len(shape) == 1 else shape[:1] + shape[2:]
    target = framework.tensor(check.rng.integers(0, classes, tshape))
    kw = dict(kw)
    if kw.get("weight"):
        kw["weight"] = framework.tensor(check.rng.uniform(0.5, 2.0, classes))
    check.grad(lambda t: F.cross_entropy(t, target, **kw), x)
    check.gradgrad(lambda t: F.cross_entropy(t, target, **kw), x)
    nll_kw = {k: v for k, v in kw.items() if k != "label_smoothing"}
    dim = 0 if len(shape) == 1 else 1
    check.grad(lambda t: F.nll_loss(t.log_softmax(dim), target, **nll_kw), x)
    direct = F.nll_loss(x.log_softmax(dim), target, **nll_kw)
    fused = F.cross_entropy(x, target, **nll_kw)
    assert np.allclose(direct._data, fused._data)


@pytest.mark.parametrize("kw", [dict(), dict(label_smoothing=0.1, weight=True), dict(reduction="none")], ids=str)
def test_probability_target_grads_for_input_and_target(check, kw):
    x = check.leaf(3, 4)
    q = check.leaf(3, 4, low=0.0, high=1.0)
    kw = dict(kw)
    if kw.get("weight"):
        kw["weight"] = framework.tensor(check.rng.uniform(0.5, 2.0, 4))
    check.grad(lambda a, b: F.cross_entropy(a, b, **kw), x, q)
    check.gradgrad(lambda a, b: F.cross_entropy(a, b, **kw), x, q)


def test_nll_loss_value_and_module():
    logp = framework.tensor(Z).log_softmax(1)
    assert abs(nn.NLLLoss()(logp, framework.tensor([0, 2])).item() - 1.4185397624969482) < 2e-7
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte"):
        F.nll_loss(logp, framework.tensor([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]))


def test_bce_with_logits_reference():
    x = framework.tensor([-100.0, -2.0, 0.0, 3.0, 100.0], requires_grad=True)
    y = framework.tensor([0.0, 1.0, 0.5, 1.0, 0.0])
    loss = nn.BCEWithLogitsLoss()(x, y)
    assert abs(loss.item() - 20.573732376098633) < 2e-6
    loss.backward()
    assert np.allclose(x.grad._data, [0.0, -0.176159, 0.0, -0.009485, 0.2], atol=1e-6)


def test_bce_with_logits_pos_weight_formula(check):
    x = check.leaf(4, 2, requires_grad=False)
    y = framework.tensor(check.rng.integers(0, 2, (4, 2)).astype(np.float64))
    pw = framework.tensor([3.0, 0.5], dtype=framework.float64)
    s = 1 / (1 + np.exp(-x._data))
    expected = np.mean(-(pw._data * y._data * np.log(s) + (1 - y._data) * np.log(1 - s)))
    assert np.isclose(F.binary_cross_entropy_with_logits(x, y, pos_weight=pw).item(), expected)
    with pytest.raises(ValueError, match=r"Target size \(framework.Size\(\[3, 1\]\)\) must be the same as input size "
                                         r"\(framework.Size\(\[3\]\)\)"):
        F.binary_cross_entropy_with_logits(framework.zeros(3), framework.zeros(3, 1))


def test_bce_with_logits_grads(check):
    x, y, pw, w = check.leaf(3, 4), check.leaf(3, 4, low=0, high=1), check.leaf(4, low=0.5, high=2), check.leaf(4)
    check.grad(lambda a, b, c: F.binary_cross_entropy_with_logits(a, b, pos_weight=c), x, y, pw)
    check.gradgrad(lambda a, b, c: F.binary_cross_entropy_with_logits(a, b, pos_weight=c), x, y, pw)
    check.grad(lambda a: F.binary_cross_entropy_with_logits(a, y, weight=w, reduction="sum"), x)


def test_bce_clamps_log_and_checks_range(check):
    assert F.binary_cross_entropy(framework.tensor([0.0]), framework.tensor([1.0])).item() == 100.0
    assert F.binary_cross_entropy(framework.tensor([1.0]), framework.tensor([0.0])).item() == 100.0
    p = check.leaf(3, 4, low=0.05, high=0.95)
    y = check.leaf(3, 4, low=0, high=1)
    check.grad(lambda a, b: F.binary_cross_entropy(a, b), p, y)
    check.gradgrad(lambda a, b: F.binary_cross_entropy(a, b), p, y)
    expected = np.mean(-(y._data * np.log(p._data) + (1 - y._data) * np.log(1 - p._data)))
    assert np.isclose(nn.BCELoss()(p, y).item(), expected)
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(framework.tensor([1.5]), framework.tensor([1.0]))
    with pytest.raises(ValueError, match="Please ensure they have the same size"):
        F.binary_cross_entropy(framework.tensor([0.5]), framework.tensor([[1.0]]))


def test_mse_reference_values_and_target_grad():
    a = framework.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = framework.tensor([1.5, 2.0, 5.0])
    loss = nn.MSELoss()(a, b)
    assert abs(loss.item() - 1.4166666269302368) < 1e-7
    loss.backward()
    assert np.allclose(a.grad._data, [-0.333333, 0.0, -1.333333], atol=1e-6)
    assert F.mse_loss(a, b, reduction="sum").item() == 4.25
    assert F.mse_loss(a, b, reduction="none").tolist() == [0.25, 0.0, 4.0]
    x = framework.tensor([1.0, 2.0], requires_grad=True)
    t = framework.tensor([2.0, 3.0], requires_grad=True)
    F.mse_loss(x, t, reduction="sum").backward()
    assert x.grad.tolist() == [-2.0, -2.0] and t.grad.tolist() == [2.0, 2.0]
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        F.mse_loss(a, b, reduction="avg")


def test_mse_broadcast_warning_exact():
    msg = (r"Using a target size \(framework.Size\(\[3\]\)\) that is different to the input size "
           r"\(framework.Size\(\[3, 1\]\)\). This will likely lead to incorrect results due to broadcasting. "
           r"Please ensure they have the same size.")
    with pytest.warns(UserWarning, match=msg):
        out = F.mse_loss(framework.zeros(3, 1), framework.ones(3), reduction="none")
    assert out.shape == (3, 3)


@pytest.mark.parametrize("beta", [1.0, 0.5, 0.0])
def test_smooth_l1_and_l1(check, beta):
    a, b = check.leaf(3, 4), check.leaf(3, 4)
    d = np.abs(a._data - b._data)
    expected = d if beta == 0 else np.where(d < beta, 0.5 * d ** 2 / beta, d - 0.5 * beta)
    assert np.isclose(nn.SmoothL1Loss(beta=beta)(a, b).item(), expected.mean())
    check.grad(lambda x, y: F.smooth_l1_loss(x, y, beta=beta), a, b)
    assert np.isclose(nn.L1Loss(reduction="sum")(a, b).item(), d.sum())
    check.grad(lambda x, y: F.l1_loss(x, y), a, b)
    check.grad(lambda x, y: F.mse_loss(x, y), a, b)


def test_legacy_reduction_flags_warn():
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        loss = nn.MSELoss(size_average=False)
    assert loss.reduction == "sum"


def test_loss_modules_store_options_and_buffers():
    ce = nn.CrossEntropyLoss(weight=framework.ones(3), ignore_index=2, label_smoothing=0.1, reduction="sum")
    assert list(ce.state_dict()) == ["weight"]
    assert ce(framework.tensor(Z), framework.tensor([0, 2])).item() == pytest.approx(
        F.cross_entropy(framework.tensor(Z), framework.tensor([0, 2]), ignore_index=2, label_smoothing=0.1,
                        reduction="sum").item())
    bce = nn.BCEWithLogitsLoss(pos_weight=framework.tensor([2.0]))
    assert list(bce.state_dict()) == ["pos_weight"]
    assert nn.HuberLoss(delta=2.0)(framework.zeros(2), framework.tensor([1.0, 3.0])).item() == pytest.approx((0.5 + 2.0 * (3 - 1)) / 2)


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize("in_shape, target_shape", [((5,), (5,)), ((2, 3, 4), (2, 3, 4)), ((3, 1), (3,)),
                                                    ((2, 3), (3,))])
@pytest.mark.parametrize("fn", [F.mse_loss, F.l1_loss, F.smooth_l1_loss, F.huber_loss], ids=lambda f: f.__name__)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses_grads_over_shapes_and_broadcasting(check, in_shape, target_shape, fn, reduction):
    a, b = check.leaf(*in_shape), check.leaf(*target_shape)
    check.grad(lambda x, y: fn(x, y, reduction=reduction), a, b)


@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 2, 3)])
def test_binary_losses_grads_over_shapes(check, shape):
    x, y = check.leaf(*shape), check.leaf(*shape, low=0, high=1)
    pw = check.leaf(shape[-1], low=0.5, high=2.0)
    check.grad(lambda a, b, c: F.binary_cross_entropy_with_logits(a, b, pos_weight=c, reduction="none"), x, y, pw)
    p = check.leaf(*shape, low=0.05, high=0.95)
    check.grad(lambda a, b: F.binary_cross_entropy(a, b, reduction="sum"), p, y)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_and_bce_with_logits_reduce_inside_one_node(check, reduction):
    # as PyTorch: the reduced loss's grad_fn is the loss node itself, not a MeanBackward0/SumBackward0
    a, b = check.leaf(2, 3), check.leaf(2, 3, low=0, high=1)
    mse = F.mse_loss(a, b, reduction=reduction)
    bce = F.binary_cross_entropy_with_logits(a, b, reduction=reduction)
    assert mse.grad_fn.name() == "MseLossBackward0"
    assert bce.grad_fn.name() == "BinaryCrossEntropyWithLogitsBackward0"
    expected_mse = (a._data - b._data) ** 2
    reduce = {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction]
    assert np.allclose(mse._data, reduce(expected_mse))
    check.grad(lambda x, y: F.mse_loss(x, y, reduction=reduction), a, b)
    check.gradgrad(lambda x, y: F.mse_loss(x, y, reduction=reduction), a, b)
    check.grad(lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction=reduction), a, b)
    check.gradgrad(lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction=reduction), a, b)


def test_mean_of_an_empty_loss_is_nan():
    empty = framework.zeros(0, requires_grad=True)
    assert np.isnan(F.mse_loss(empty, framework.zeros(0)).item())
    assert np.isnan(F.binary_cross_entropy_with_logits(empty, framework.zeros(0)).item())
    assert F.mse_loss(empty, framework.zeros(0), reduction="sum").item() == 0.0
