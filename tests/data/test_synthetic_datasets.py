"""Synthetic datasets: shapes, dtypes, geometry, seeding and argument errors."""
import numpy as np
import pytest

import framework
from framework.data import DataLoader, TensorDataset, datasets

CLASSIFIERS = {
    "xor": (lambda **kw: datasets.xor(n_samples=12, **kw), 12, 2, 2),
    "moons": (lambda **kw: datasets.moons(n_samples=51, **kw), 51, 2, 2),
    "circles": (lambda **kw: datasets.circles(n_samples=40, **kw), 40, 2, 2),
    "spirals": (lambda **kw: datasets.spirals(n_samples=61, n_classes=4, **kw), 61, 2, 4),
    "blobs": (lambda **kw: datasets.blobs(n_samples=30, n_features=5, centers=3, **kw), 30, 5, 3),
}


def arrays(ds):
    return [t.numpy() for t in ds.tensors]


@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
def test_classification_shapes_and_dtypes(name):
    make, n, d, k = CLASSIFIERS[name]
    ds = make(noise=0.1, seed=0)
    assert isinstance(ds, TensorDataset) and len(ds) == n
    x, y = ds.tensors
    assert tuple(x.shape) == (n, d) and x.dtype == framework.float32
    assert tuple(y.shape) == (n,) and y.dtype == framework.int64
    assert set(y.tolist()) == set(range(k))


@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
def test_same_seed_same_data_other_seed_other_data(name):
    make = CLASSIFIERS[name][0]
    a, b, c = arrays(make(noise=0.1, seed=1)), arrays(make(noise=0.1, seed=1)), arrays(make(noise=0.1, seed=2))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
def test_seed_none_follows_the_global_generator(name):
    make = CLASSIFIERS[name][0]
    framework.manual_seed(3)
    a = arrays(make(noise=0.1, seed=None))
    framework.manual_seed(3)
    b = arrays(make(noise=0.1, seed=None))
    np.testing.assert_array_equal(a[0], b[0])


def test_xor_is_the_four_points():
    x, y = arrays(datasets.xor())
    np.testing.assert_array_equal(x, np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32))
    np.testing.assert_array_equal(y, [0, 1, 1, 0])


def test_xor_with_noise_stays_near_the_corners():
    x, y = arrays(datasets.xor(n_samples=400, noise=0.05, seed=0))
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])[np.arange(400) % 4]
    assert np.abs(x - corners).max() < 0.5
    assert not np.array_equal(x, corners)
    np.testing.assert_array_equal(y, np.array([0, 1, 1, 0])[np.arange(400) % 4])


def test_moons_geometry_without_noise():
    x, y = arrays(datasets.moons(100, noise=0.0))
    upper, lower = x[y == 0], x[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-6)
    assert (upper[:, 1] >= -1e-6).all() and (lower[:, 1] <= 0.5 + 1e-6).all()


def test_circles_geometry_without_noise():
    x, y = arrays(datasets.circles(60, noise=0.0, factor=0.3))
    radius = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(radius[y == 1], 0.3, atol=1e-6)


def test_spirals_share_samples_evenly():
    _, y = arrays(datasets.spirals(n_samples=10, n_classes=3))
    assert np.bincount(y).tolist() == [4, 3, 3]


def test_blobs_with_given_centres():
    centres = np.array([[0.0, 0.0], [10.0, 10.0]])
    x, y = arrays(datasets.blobs(200, centers=centres, noise=0.1))
    for k in range(2):
        np.testing.assert_allclose(x[y == k].mean(axis=0), centres[k], atol=0.1)


def test_unshuffled_datasets_keep_classes_in_blocks():
    _, y = arrays(datasets.moons(10, shuffle=False))
    assert y.tolist() == [0] * 5 + [1] * 5


def test_sine_regression_targets():
    ds = datasets.sine_regression(64, noise=0.0, seed=0)
    x, y = ds.tensors
    assert tuple(x.shape) == (64, 1) and tuple(y.shape) == (64, 1)
    assert x.dtype == framework.float32 and y.dtype == framework.float32
    np.testing.assert_allclose(y.numpy(), np.sin(x.numpy()), atol=1e-6)
    assert (x.numpy() >= -np.pi).all() and (x.numpy() <= np.pi).all()


def test_sine_regression_noise_and_range():
    x, y = arrays(datasets.sine_regression(500, noise=0.1, x_range=(0.0, 1.0), seed=1))
    residual = y - np.sin(x)
    assert 0.05 < residual.std() < 0.2
    assert x.min() >= 0 and x.max() <= 1


def test_synthetic_datasets_work_with_the_loader():
    xb, yb = next(iter(DataLoader(datasets.spirals(30), batch_size=8, shuffle=True, seed=0)))
    assert tuple(xb.shape) == (8, 2) and yb.dtype == framework.int64


@pytest.mark.parametrize("call, message", [
    (lambda: datasets.moons(0), "n_samples must be an integer >= 2"),
    (lambda: datasets.xor(n_samples=2.5), "n_samples must be an integer >= 1"),
    (lambda: datasets.moons(10, noise=-1), "noise must be a non-negative number"),
    (lambda: datasets.circles(10, factor=1.5), "factor must be between 0 and 1"),
    (lambda: datasets.spirals(2, n_classes=3), "at least one sample per class"),
    (lambda: datasets.spirals(10, n_classes=0), "n_classes must be an integer >= 1"),
    (lambda: datasets.blobs(10, centers=np.zeros(3)), "centers must be an int or an array of shape"),
    (lambda: datasets.blobs(10, noise=-1.0), "noise must be non-negative"),
    (lambda: datasets.sine_regression(10, x_range=(1, 0)), "x_range must be"),
])
def test_argument_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
