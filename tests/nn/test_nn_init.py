"""framework.nn.init: ranges and statistics of each initialiser, seeding, errors."""
import math

import numpy as np
import pytest

import framework
from framework.nn import init


def test_calculate_gain():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="negative_slope x not a valid number"):
        init.calculate_gain("leaky_relu", "x")


def test_uniform_normal_constant_and_version_bump():
    framework.manual_seed(0)
    t = framework.empty(200, 50)
    v = t._version
    init.uniform_(t, -2.0, 3.0)
    assert t._version == v + 1 and -2.0 <= float(t.min()) and float(t.max()) < 3.0
    init.normal_(t, mean=1.0, std=0.5)
    assert abs(float(t.mean()) - 1.0) < 0.02 and abs(float(t.std()) - 0.5) < 0.02
    assert init.constant_(t, 0.3) is t and np.all(t._data == np.float32(0.3))
    assert float(init.zeros_(t).abs().sum()) == 0.0 and float(init.ones_(t).sum()) == 200 * 50
    assert t.dtype == framework.float32


def test_initialisers_work_on_parameters_requiring_grad():
    p = framework.nn.Parameter(framework.empty(3, 4))
    init.kaiming_uniform_(p)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None


@pytest.mark.parametrize("shape", [(64, 32), (16, 8, 3, 3)])
def test_xavier_and_kaiming_scales(shape):
    framework.manual_seed(1)
    t = framework.empty(*shape)
    fan_in = shape[1] * int(np.prod(shape[2:]))
    fan_out = shape[0] * int(np.prod(shape[2:]))
    init.xavier_uniform_(t, gain=2.0)
    bound = 2.0 * math.sqrt(6 / (fan_in + fan_out))
    assert float(t.abs().max()) <= bound and float(t.abs().max()) > 0.9 * bound
    init.xavier_normal_(t)
    assert float(t.std()) == pytest.approx(math.sqrt(2 / (fan_in + fan_out)), rel=0.1)
    init.kaiming_uniform_(t, nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / fan_in)
    assert float(t.abs().max()) <= bound and float(t.abs().max()) > 0.9 * bound
    init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu")
    assert float(t.std()) == pytest.approx(math.sqrt(2 / fan_out), rel=0.1)


def test_trunc_normal_stays_in_range():
    framework.manual_seed(2)
    t = init.trunc_normal_(framework.empty(5000), mean=0.0, std=1.0, a=-0.5, b=1.0)
    assert float(t.min()) >= -0.5 and float(t.max()) <= 1.0
    assert float(t.std()) < 0.5  # truncation narrows the spread
    with pytest.raises(ValueError, match="must be smaller than b"):
        init.trunc_normal_(framework.empty(3), a=1.0, b=0.0)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 2, 3)])
def test_orthogonal(shape):
    framework.manual_seed(3)
    t = init.orthogonal_(framework.empty(*shape, dtype=framework.float64), gain=2.0)
    flat = t._data.reshape(shape[0], -1)
    small = min(flat.shape)
    gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    assert np.allclose(gram, 4.0 * np.eye(small))
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(framework.empty(3))


def test_generator_argument_and_global_seed_reproduce():
    g1 = framework.Generator().manual_seed(7)
    g2 = framework.Generator().manual_seed(7)
    a = init.normal_(framework.empty(10), generator=g1)
    b = init.normal_(framework.empty(10), generator=g2)
    assert np.array_equal(a._data, b._data)
    framework.manual_seed(9)
    c = init.kaiming_uniform_(framework.empty(4, 4))
    framework.manual_seed(9)
    d = init.kaiming_uniform_(framework.empty(4, 4))
    assert np.array_equal(c._data, d._data)


def test_fan_and_mode_errors_and_zero_element_warning():
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"):
        init.xavier_uniform_(framework.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported, please use one of fan_in, fan_out"):
        init.kaiming_uniform_(framework.empty(3, 3), mode="fan_avg")
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(framework.empty(0, 3))


def test_eye_and_dirac():
    assert init.eye_(framework.empty(2, 3)).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    w = init.dirac_(framework.empty(2, 2, 3, 3))
    x = framework.randn(1, 2, 5, 5)
    out = framework.nn.functional.conv2d(x, w, padding=1)
    assert np.allclose(out._data, x._data, atol=1e-6)
