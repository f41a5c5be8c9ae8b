"""Differential tests against PyTorch on the same weights and inputs (skipped when torch is absent)."""
import numpy as np
import pytest

import framework
import framework.nn.functional as F
from framework import nn


def copy_weights(ours, theirs, torch):
    """Load PyTorch's parameters and buffers into our module through state_dict (same keys)."""
    ours.load_state_dict({k: framework.from_numpy(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})


def compare(ours, theirs, torch, x, atol=1e-5, train=True):
    ours.train(train)
    theirs.train(train)
    copy_weights(ours, theirs, torch)
    xo = framework.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    seed = np.random.default_rng(0).standard_normal
    out_o, out_t = ours(xo), theirs(xt)
    assert tuple(out_o.shape) == tuple(out_t.shape)
    assert np.allclose(out_o._data, out_t.detach().numpy(), atol=atol)
    g = seed(tuple(out_t.shape)).astype(x.dtype)
    (out_o * framework.tensor(g)).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    assert np.allclose(xo.grad._data, xt.grad.numpy(), atol=atol)
    for (name, p_o), (_, p_t) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert np.allclose(p_o.grad._data, p_t.grad.numpy(), atol=atol), name
    for (name, b_o), (_, b_t) in zip(ours.named_buffers(), theirs.named_buffers()):
        assert np.allclose(b_o._data, b_t.numpy(), atol=atol), name


CASES = [
    ("Linear", lambda m: m.Linear(5, 3), (4, 5)),
    ("Conv2d", lambda m: m.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 7, 6)),
    ("Conv2d groups dilation", lambda m: m.Conv2d(4, 6, (3, 2), dilation=(2, 1), groups=2, padding="same"),
     (2, 4, 6, 6)),
    ("Conv1d", lambda m: m.Conv1d(3, 4, 3, stride=2, padding=2, dilation=2), (2, 3, 11)),
    ("MaxPool2d", lambda m: m.MaxPool2d(3, 2, 1, ceil_mode=True), (2, 3, 7, 7)),
    ("AvgPool2d", lambda m: m.AvgPool2d(3, 2, 1, count_include_pad=False, ceil_mode=True), (2, 3, 8, 7)),
    ("AdaptiveAvgPool2d", lambda m: m.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5)),
    ("LayerNorm", lambda m: m.LayerNorm((3, 4)), (2, 3, 4)),
    ("BatchNorm1d", lambda m: m.BatchNorm1d(3), (5, 3)),
    ("BatchNorm2d", lambda m: m.BatchNorm2d(3, momentum=0.3), (4, 3, 2, 2)),
    ("GELU", lambda m: m.GELU(), (3, 4)),
    ("GELU tanh", lambda m: m.GELU("tanh"), (3, 4)),
    ("ELU", lambda m: m.ELU(0.5), (3, 4)),
    ("SiLU", lambda m: m.SiLU(), (3, 4)),
    ("Softplus", lambda m: m.Softplus(2.0, 1.0), (3, 4)),
    ("LogSoftmax", lambda m: m.LogSoftmax(1), (3, 4)),
    ("MLP-like", lambda m: m.Sequential(m.Linear(4, 6), m.Tanh(), m.Linear(6, 2)), (5, 4)),
]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")  # PyTorch's own note
@pytest.mark.parametrize("name, build, shape", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("train", [True, False])
def test_layer_matches_torch(torch, name, build, shape, train):
    torch.manual_seed(0)
    theirs = build(torch.nn).double()
    ours = build(nn).double()
    x = np.random.default_rng(1).standard_normal(shape)
    compare(ours, theirs, torch, x, atol=1e-6, train=train)


def test_embedding_matches_torch(torch):
    theirs = torch.nn.Embedding(6, 3, padding_idx=2)
    ours = nn.Embedding(6, 3, padding_idx=2)
    copy_weights(ours, theirs, torch)
    idx = np.array([[0, 2, 5], [2, 2, 1]])
    g = np.random.default_rng(0).standard_normal((2, 3, 3)).astype(np.float32)
    (ours(framework.tensor(idx)) * framework.tensor(g)).sum().backward()
    (theirs(torch.tensor(idx)) * torch.tensor(g)).sum().backward()
    assert np.allclose(ours.weight.grad._data, theirs.weight.grad.numpy(), atol=1e-6)


LOSSES = [
    ("cross_entropy", dict(), "index"),
    ("cross_entropy", dict(label_smoothing=0.2, ignore_index=1), "index"),
    ("cross_entropy", dict(weight=True, reduction="sum", label_smoothing=0.1), "index"),
    ("cross_entropy", dict(weight=True, label_smoothing=0.3), "prob"),
    ("nll_loss", dict(weight=True, ignore_index=0), "index"),
    ("binary_cross_entropy_with_logits", dict(pos_weight=True), "binary"),
    ("binary_cross_entropy", dict(), "binary_prob"),
    ("mse_loss", dict(), "regression"),
    ("l1_loss", dict(reduction="sum"), "regression"),
    ("smooth_l1_loss", dict(beta=0.5), "regression"),
]


@pytest.mark.parametrize("fn, kw, kind", LOSSES, ids=[f"{f}-{k}" for f, k, _ in LOSSES])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5)])
def test_loss_matches_torch(torch, fn, kw, kind, shape):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    if kind == "index":
        target = rng.integers(0, 3, shape[:1] + shape[2:])
    elif kind == "prob":
        target = rng.dirichlet(np.ones(3), shape[:1] + shape[2:])
        target = np.moveaxis(target, -1, 1)
    elif kind == "binary_prob":
        x = rng.uniform(0.05, 0.95, shape)
        target = rng.uniform(0, 1, shape)
    else:
        target = rng.uniform(0, 1, shape) if kind == "binary" else rng.standard_normal(shape)
    ours_kw, torch_kw = dict(kw), dict(kw)
    for key in ("weight", "pos_weight"):
        if kw.get(key):
            w = rng.uniform(0.5, 2.0, 3 if key == "weight" else shape[-1])
            ours_kw[key], torch_kw[key] = framework.tensor(w), torch.tensor(w)
    xo, xt = framework.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    lo = getattr(F, fn)(xo, framework.tensor(target), **ours_kw)
    lt = getattr(torch.nn.functional, fn)(xt, torch.tensor(target), **torch_kw)
    assert np.allclose(lo._data, lt.detach().numpy(), atol=1e-10)
    lo.sum().backward()
    lt.sum().backward()
    assert np.allclose(xo.grad._data, xt.grad.numpy(), atol=1e-10)


def test_cross_entropy_float32_matches_torch_bits_closely(torch):
    rng = np.random.default_rng(3)
    z = rng.standard_normal((64, 10)).astype(np.float32) * 5
    t = rng.integers(0, 10, 64)
    ours = F.cross_entropy(framework.tensor(z), framework.tensor(t)).item()
    theirs = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(t)).item()
    assert abs(ours - theirs) <= 4 * np.spacing(np.float32(theirs))


def test_init_statistics_match_torch_defaults(torch):
    # same distributions (not the same numbers: the generators differ)
    ours, theirs = nn.Linear(400, 300), torch.nn.Linear(400, 300)
    assert abs(float(ours.weight.std()) - float(theirs.weight.detach().std())) < 2e-3
    assert abs(float(ours.weight.abs().max()) - float(theirs.weight.detach().abs().max())) < 1e-3
