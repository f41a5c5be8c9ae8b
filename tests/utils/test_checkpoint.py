"""Activation checkpointing: bitwise-equal results and gradients, repeated dropout masks, BatchNorm
statistics updated once, what is kept alive, warnings and the reentrant variant."""
import copy
import gc
import tracemalloc
import warnings

import numpy as np
import pytest

import framework
from framework import nn
from framework.utils.checkpoint import CheckpointError, checkpoint, checkpoint_sequential


def make_model():
    framework.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.5), nn.BatchNorm1d(8), nn.Linear(8, 8),
                         nn.GELU(), nn.Dropout(0.3), nn.Linear(8, 3))


def run(model, x, mode, segments=2):
    framework.manual_seed(123)
    if mode == "plain":
        out = model(x)
    else:
        out = checkpoint_sequential(model, segments, x, use_reentrant=(mode == "reentrant"))
    loss = (out * framework.arange(3, dtype=framework.float32)).sum()
    loss.backward()
    return out, loss


@pytest.mark.parametrize("mode", ["non_reentrant", "reentrant"])
@pytest.mark.parametrize("segments", [2, 4])
def test_results_and_gradients_bitwise_equal(mode, segments):
    base = make_model()
    x_data = framework.randn(6, 4)
    plain, ckpt = copy.deepcopy(base), copy.deepcopy(base)
    x1 = x_data.clone().requires_grad_()
    x2 = x_data.clone().requires_grad_()
    out1, loss1 = run(plain, x1, "plain")
    out2, loss2 = run(ckpt, x2, mode, segments)
    assert np.array_equal(out1._data, out2._data) and np.array_equal(loss1._data, loss2._data)
    assert np.array_equal(x1.grad._data, x2.grad._data)
    for (name, p1), (_, p2) in zip(plain.named_parameters(), ckpt.named_parameters()):
        assert np.array_equal(p1.grad._data, p2.grad._data), name
    bn1, bn2 = plain[3], ckpt[3]
    assert int(bn2.num_batches_tracked) == 1  # updated once by the forward, not again by the recompute
    assert np.array_equal(bn1.running_mean._data, bn2.running_mean._data)
    assert np.array_equal(bn1.running_var._data, bn2.running_var._data)


def test_dropout_mask_repeats_and_global_rng_untouched():
    drop = nn.Dropout(0.5)
    x = framework.ones(1000, requires_grad=True)
    out = checkpoint(lambda h: drop(h * 3), x, use_reentrant=False)
    state_after_forward = framework.get_rng_state()
    out.sum().backward()
    assert set(np.unique(out._data).tolist()) == {0.0, 6.0}
    assert np.array_equal(x.grad._data != 0, out._data != 0)  # gradient mask == forward mask
    assert np.array_equal(framework.get_rng_state()._data, state_after_forward._data)


def test_without_preserving_rng_the_masks_differ():
    drop = nn.Dropout(0.5)
    x = framework.ones(1000, requires_grad=True)
    out = checkpoint(lambda h: drop(h), x, use_reentrant=False, preserve_rng_state=False)
    out.sum().backward()
    agreement = np.mean((x.grad._data != 0) == (out._data != 0))
    assert agreement < 0.8


def test_function_runs_once_forward_and_once_in_backward():
    calls = []
    w = framework.randn(3, 3, requires_grad=True)

    def seg(h):
        calls.append(1)
        return (h @ w).tanh().exp()

    x = framework.randn(2, 3, requires_grad=True)
    out = checkpoint(seg, x, use_reentrant=False)
    assert len(calls) == 1
    out.sum().backward()
    assert len(calls) == 2 and w.grad is not None and x.grad is not None


def test_only_inputs_are_kept_alive():
    framework.manual_seed(0)
    blocks = [nn.Sequential(nn.Linear(64, 256), nn.Tanh(), nn.Linear(256, 64)) for _ in range(6)]
    model = nn.Sequential(*blocks)
    x = framework.randn(128, 64, requires_grad=True)

    def held(use_checkpoint):
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        h = x
        for block in model:
            h = checkpoint(block, h, use_reentrant=False) if use_checkpoint else block(h)
        kept = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
        h.sum().backward()
        return kept

    plain, ckpt = held(False), held(True)
    assert ckpt * 3 < plain


def test_works_when_no_input_requires_grad():
    w = framework.tensor([1.0], requires_grad=True)
    out = checkpoint(lambda a: a * w, framework.tensor([1.0]), use_reentrant=False)
    assert out.requires_grad
    out.sum().backward()
    assert w.grad.tolist() == [1.0]


def test_autograd_grad_double_backward_and_kwargs():
    x = framework.tensor(2.0, requires_grad=True)
    y = checkpoint(lambda a: a ** 3, x, use_reentrant=False)
    (g,) = framework.autograd.grad(y, x, create_graph=True)
    (gg,) = framework.autograd.grad(g, x)
    assert g.item() == 12.0 and gg.item() == 12.0
    w = framework.tensor([2.0], requires_grad=True)
    out = checkpoint(lambda a, scale=1.0: a * w * scale, framework.ones(1), use_reentrant=False, scale=3.0)
    (gw,) = framework.autograd.grad(out.sum(), w)
    assert gw.tolist() == [3.0]


def test_second_backward_needs_retain_graph():
    x = framework.randn(3, requires_grad=True)
    out = checkpoint(lambda a: (a * 2).exp(), x, use_reentrant=False).sum()
    out.backward(retain_graph=True)
    first = x.grad._data.copy()
    out.backward()
    assert np.allclose(x.grad._data, 2 * first)
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        out.backward()


def test_under_no_grad_output_does_not_require_grad():
    x = framework.randn(3, requires_grad=True)
    with framework.no_grad():
        out = checkpoint(lambda a: a * 2, x, use_reentrant=False)
    assert not out.requires_grad


def test_missing_use_reentrant_warns_and_uses_reentrant():
    x = framework.randn(3, requires_grad=True)
    with pytest.warns(UserWarning, match="the use_reentrant parameter should be passed explicitly"):
        out = checkpoint(lambda a: a.exp(), x)
    assert out.grad_fn.name() == "CheckpointFunctionBackward"
    out.sum().backward()
    assert np.allclose(x.grad._data, np.exp(x._data))


def test_reentrant_without_grad_inputs_warns_and_gives_no_graph():
    w = framework.tensor([1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True. Gradients will be None"):
        out = checkpoint(lambda a: a * w, framework.tensor([1.0]), use_reentrant=True)
    assert not out.requires_grad


def test_reentrant_accumulates_closure_parameter_grads():
    w = framework.tensor([3.0], requires_grad=True)
    x = framework.tensor([2.0], requires_grad=True)
    checkpoint(lambda a: a * w, x, use_reentrant=True).sum().backward()
    assert w.grad.tolist() == [2.0] and x.grad.tolist() == [3.0]


def test_tuple_outputs_and_non_tensor_args():
    x = framework.randn(3, requires_grad=True)
    a, b, tag = checkpoint(lambda t, k: (t * k, t.exp(), "tag"), x, 2.0, use_reentrant=False)
    assert tag == "tag"
    (a.sum() + b.sum()).backward()
    assert np.allclose(x.grad._data, 2.0 + np.exp(x._data))


def test_non_deterministic_recompute_is_detected():
    shapes = iter([3, 4])
    x = framework.randn(5, requires_grad=True)
    out = checkpoint(lambda t: t[:next(shapes)] * 2, x, use_reentrant=False)
    with pytest.raises(CheckpointError, match="Recomputed values for the following tensors have different metadata"):
        out.sum().backward()
    assert issubclass(CheckpointError, RuntimeError)


def test_checkpoint_sequential_argument_errors():
    with pytest.raises(ValueError, match="cannot split 2 functions into 3 segments"):
        checkpoint_sequential([nn.ReLU(), nn.ReLU()], 3, framework.ones(1), use_reentrant=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = checkpoint_sequential([nn.ReLU(), nn.Tanh()], 2, framework.ones(2, requires_grad=True),
                                    use_reentrant=False)
    assert out.shape == (2,)


def test_non_reentrant_keeps_the_segment_graph_and_refills_it_once():
    w = framework.randn(3, 3, requires_grad=True)
    calls = []

    def seg(h):
        calls.append(1)
        return (h @ w).tanh()

    x = framework.randn(2, 3, requires_grad=True)
    out = checkpoint(seg, x, use_reentrant=False)
    assert out.grad_fn.name() == "TanhBackward0"  # the segment's own last op, as in PyTorch
    assert out.grad_fn._saved == ()                # its saved output was dropped after the forward
    saved_result = out.grad_fn._saved_result       # reading a saved value recomputes the segment
    assert len(calls) == 2 and np.array_equal(saved_result._data, out._data)
    out.sum().backward()
    assert len(calls) == 2  # backward used the values already put back
    expected = (1 - out._data ** 2)
    assert np.allclose(w.grad._data, x._data.T @ expected)


def test_nested_checkpoint_is_part_of_the_outer_segment():
    framework.manual_seed(0)
    inner, outer = nn.Linear(4, 4), nn.Linear(4, 4)
    x = framework.randn(3, 4)

    def seg(h):
        return outer(checkpoint(inner, h, use_reentrant=False).relu())

    nested = checkpoint(seg, x, use_reentrant=False).sum()
    nested.backward()
    got = [p.grad._data.copy() for p in (*inner.parameters(), *outer.parameters())]
    for p in (*inner.parameters(), *outer.parameters()):
        p.grad = None
    seg(x).sum().backward()
    for g, p in zip(got, (*inner.parameters(), *outer.parameters())):
        assert np.array_equal(g, p.grad._data)


def test_input_modified_in_place_after_forward_is_an_error():
    x = framework.randn(3, requires_grad=True)
    h = x * 1.0
    out = checkpoint(lambda a: a.exp(), h, use_reentrant=False)
    with framework.no_grad():
        h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_recompute_recording_other_operations_is_detected():
    branches = iter([lambda t: t.exp(), lambda t: t.tanh()])
    x = framework.randn(5, requires_grad=True)
    out = checkpoint(lambda t: next(branches)(t * 2), x, use_reentrant=False)
    with pytest.raises(CheckpointError, match="recorded different operations"):
        out.sum().backward()


def test_segment_without_random_ops_leaves_the_generator_alone_in_backward():
    x = framework.randn(4, requires_grad=True)
    out = checkpoint(lambda a: a.sin(), x, use_reentrant=False)
    expected_next = framework.get_rng_state()
    out.sum().backward()
    assert np.array_equal(framework.get_rng_state()._data, expected_next._data)
    assert np.allclose(x.grad._data, np.cos(x._data))


@pytest.mark.parametrize("batch", [1, 4])
def test_gradcheck_and_gradgradcheck_through_a_checkpointed_block(batch):
    framework.manual_seed(0)
    block = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    x = framework.randn(batch, 3, dtype=framework.float64, requires_grad=True)
    seg = lambda t: checkpoint(block, t, use_reentrant=False)  # noqa: E731
    assert framework.autograd.gradcheck(seg, (x,))
    assert framework.autograd.gradgradcheck(seg, (x,))
