"""framework.nn.utils: gradient clipping (reference section 14.5) and parameter/vector conversion."""
import math

import numpy as np
import pytest

import framework
from framework import nn
from framework.nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters


def with_grads(*grads, dtype=framework.float32):
    params = []
    for g in grads:
        p = nn.Parameter(framework.zeros(len(g), dtype=dtype))
        p.grad = framework.tensor(g, dtype=dtype)
        params.append(p)
    return params


def test_returns_total_norm_before_clipping_and_scales():
    a, b = with_grads([3.0, 0.0], [0.0, 4.0])
    total = clip_grad_norm_([a, b], 1.0)
    assert total.shape == () and total.item() == 5.0
    assert np.allclose(a.grad._data, [0.6, 0.0]) and np.allclose(b.grad._data, [0.0, 0.8])


def test_clips_even_at_exactly_max_norm():
    (a,) = with_grads([3.0, 4.0])
    clip_grad_norm_([a], 5.0)
    assert np.allclose(a.grad._data, [2.999999, 3.999999], atol=1e-7) and float(a.grad._data[0]) < 3.0
    (d,) = with_grads([3.0, 0.0], dtype=framework.float64)
    (e,) = with_grads([0.0, 4.0], dtype=framework.float64)
    clip_grad_norm_([d, e], 1.0)
    assert d.grad._data[0] == 0.599999880000024


def test_below_max_unchanged_and_other_norms():
    (a,) = with_grads([0.3, 0.4])
    assert clip_grad_norm_(a, 1.0).item() == pytest.approx(0.5)
    assert a.grad.tolist() == pytest.approx([0.3, 0.4])
    (b,) = with_grads([3.0, 4.0])
    assert clip_grad_norm_([b], 2.0, norm_type=math.inf).item() == 4.0
    assert np.allclose(b.grad._data, [1.5, 2.0])
    (c,) = with_grads([3.0, 4.0])
    assert clip_grad_norm_([c], 100.0, norm_type=1).item() == 7.0


def test_no_grads_nan_and_error_if_nonfinite():
    p = nn.Parameter(framework.zeros(2))
    assert clip_grad_norm_([p], 1.0).item() == 0.0
    a, b = with_grads([float("nan"), 1.0], [2.0, 0.0])
    assert math.isnan(clip_grad_norm_([a, b], 1.0).item())
    assert np.isnan(b.grad._data).all()
    (c,) = with_grads([float("inf")])
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from `parameters` is "
                                           "non-finite, so it cannot be clipped"):
        clip_grad_norm_([c], 1.0, error_if_nonfinite=True)


def test_clip_grad_value():
    (a,) = with_grads([-3.0, 0.5, 4.0])
    assert clip_grad_value_([a], 1.0) is None
    assert a.grad.tolist() == [-1.0, 0.5, 1.0]


def test_clip_accepts_a_generator_of_module_parameters():
    model = nn.Linear(3, 2)
    model(framework.ones(4, 3) * 100).sum().backward()
    total = clip_grad_norm_(model.parameters(), 0.5)
    assert total.item() > 0.5
    after = math.sqrt(sum(float((p.grad * p.grad).sum()) for p in model.parameters()))
    assert after == pytest.approx(0.5, rel=1e-4)


def test_parameters_vector_round_trip():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = parameters_to_vector(model.parameters())
    assert vec.shape == (3 * 2 + 2 + 2 + 1,)
    assert np.array_equal(vec._data[:6], model[0].weight._data.reshape(-1))
    new = framework.arange(11, dtype=framework.float32)
    vector_to_parameters(new, model.parameters())
    assert model[0].weight.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and model[1].bias.tolist() == [10.0]
    assert parameters_to_vector(model.parameters()).tolist() == new.tolist()
    assert model[0].weight.requires_grad  # still trainable parameters
    with pytest.raises(TypeError, match="expected framework.Tensor, but got: list"):
        vector_to_parameters([1.0], model.parameters())
    with pytest.raises(RuntimeError, match="expected a 1-d vector of 11 elements"):
        vector_to_parameters(framework.zeros(5), model.parameters())


def test_parameters_to_vector_is_differentiable():
    lin = nn.Linear(2, 1)
    (parameters_to_vector(lin.parameters()) ** 2).sum().backward()
    assert np.allclose(lin.weight.grad._data, 2 * lin.weight._data)
