"""Tensor constructors and their dtypes, shapes and errors; the seeded random generator."""
import numpy as np
import pytest

import framework


@pytest.mark.parametrize("make,dtype", [
    (lambda: framework.tensor([1.0, 2.0]), framework.float32), (lambda: framework.tensor(1.5), framework.float32),
    (lambda: framework.tensor([1, 2]), framework.int64), (lambda: framework.tensor(True), framework.bool),
    (lambda: framework.tensor([1, 2.0]), framework.float32), (lambda: framework.tensor([]), framework.float32),
    (lambda: framework.zeros(2), framework.float32), (lambda: framework.ones(2), framework.float32),
    (lambda: framework.randn(2), framework.float32), (lambda: framework.rand(2), framework.float32),
    (lambda: framework.empty(2), framework.float32), (lambda: framework.linspace(0, 1, 3), framework.float32),
    (lambda: framework.arange(3.0), framework.float32), (lambda: framework.arange(0, 1, 0.5), framework.float32),
    (lambda: framework.arange(3), framework.int64), (lambda: framework.full((2,), 1), framework.int64),
    (lambda: framework.full((2,), 1.0), framework.float32), (lambda: framework.full((2,), True), framework.bool),
    (lambda: framework.eye(2), framework.float32), (lambda: framework.randint(0, 5, (3,)), framework.int64),
    (lambda: framework.randperm(4), framework.int64),
    (lambda: framework.tensor(np.array([1.0, 2.0])), framework.float64),
    (lambda: framework.tensor(np.array([1, 2])), framework.int64),
    (lambda: framework.tensor(np.array([1, 2], dtype=np.int32)), framework.int32),
    (lambda: framework.tensor(np.float64(1.0)), framework.float64),
    (lambda: framework.tensor(np.float32(1.0)), framework.float32),
    (lambda: framework.tensor([np.float64(1.0), np.float64(2.0)]), framework.float64),
    (lambda: framework.from_numpy(np.array([1.0])), framework.float64),
    (lambda: framework.as_tensor(np.array([1.0])), framework.float64),
    (lambda: framework.as_tensor([1, 2]), framework.int64),
    (lambda: framework.zeros_like(framework.tensor([1, 2])), framework.int64),
    (lambda: framework.ones_like(framework.ones(2), dtype=framework.float64), framework.float64),
    (lambda: framework.full_like(framework.tensor([1, 2]), 2.5), framework.int64),
    (lambda: framework.randn_like(framework.tensor(np.zeros(2))), framework.float64),
    (lambda: framework.rand_like(framework.ones(2)), framework.float32),
    (lambda: framework.tensor([1, 2], dtype=framework.float64), framework.float64),
    (lambda: framework.zeros(2, dtype=framework.bool), framework.bool),
    (lambda: framework.arange(3, dtype=framework.float32), framework.float32),
], ids=lambda v: "" if callable(v) else str(v))
def test_factory_dtypes(make, dtype):
    assert make().dtype == dtype


@pytest.mark.parametrize("make,shape", [
    (lambda: framework.zeros(2, 3), (2, 3)), (lambda: framework.zeros((2, 3)), (2, 3)),
    (lambda: framework.ones([2, 3]), (2, 3)), (lambda: framework.zeros(()), ()), (lambda: framework.empty(0), (0,)),
    (lambda: framework.randn(2, 1, 3), (2, 1, 3)), (lambda: framework.full((2, 3), 7), (2, 3)),
    (lambda: framework.eye(2, 3), (2, 3)), (lambda: framework.randint(5, (3,)), (3,)),
    (lambda: framework.arange(0, 1, 0.1), (10,)), (lambda: framework.linspace(0, 1, 1), (1,)),
    (lambda: framework.tensor(3.0), ()), (lambda: framework.randperm(0), (0,)),
    (lambda: framework.zeros(framework.Size([2, 2])), (2, 2)),
])
def test_factory_shapes(make, shape):
    assert make().shape == shape


def test_factory_values():
    assert framework.arange(1, 4).tolist() == [1, 2, 3]
    assert framework.arange(5, 0, -2).tolist() == [5, 3, 1]
    assert framework.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert framework.eye(2, 3).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert framework.full((2,), 7).tolist() == [7, 7]
    assert framework.tensor([1.5], dtype=framework.int64).tolist() == [1]
    assert sorted(framework.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    r = framework.randint(3, 5, (50,))
    assert r.numpy().min() >= 3 and r.numpy().max() < 5


def test_tensor_of_a_list_of_tensors_stacks_their_values():
    parts = [framework.tensor([1.0, 2.0], requires_grad=True), framework.tensor([3.0, 4.0])]
    out = framework.tensor(parts)
    assert out.tolist() == [[1.0, 2.0], [3.0, 4.0]] and not out.requires_grad
    assert framework.tensor([framework.tensor(1), framework.tensor(2)]).dtype == framework.int64


def test_requires_grad_factories_are_leaves():
    for t in (framework.zeros(2, requires_grad=True), framework.rand(2, requires_grad=True),
              framework.tensor([1.0], requires_grad=True), framework.full((2,), 1.0, requires_grad=True)):
        assert t.requires_grad and t.is_leaf and t.grad_fn is None


def test_integer_factories_cannot_require_grad():
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype can require gradients"):
        framework.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype can require gradients"):
        framework.ones(2, dtype=framework.int64, requires_grad=True)


def test_tensor_copies_and_from_numpy_shares():
    a = np.zeros(3)
    copied, shared, as_t = framework.tensor(a), framework.from_numpy(a), framework.as_tensor(a)
    a[0] = 1.0
    assert copied.tolist()[0] == 0.0 and shared.tolist()[0] == 1.0 and as_t.tolist()[0] == 1.0


def test_tensor_from_a_tensor_warns_and_detaches():
    src = framework.tensor([1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="To copy construct from a tensor, it is recommended to use "
                                         "sourceTensor.detach\\(\\).clone\\(\\)"):
        out = framework.tensor(src)
    assert not out.requires_grad and out.tolist() == [1.0]


def test_factory_errors():
    with pytest.raises(ValueError, match="expected sequence of length 2 at dim 1 \\(got 1\\)"):
        framework.tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match="Could not infer dtype of str"):
        framework.tensor("a")
    with pytest.raises(RuntimeError, match="Trying to create tensor with negative dimension -1"):
        framework.zeros(-1)
    with pytest.raises(TypeError, match="size must contain ints, got float"):
        framework.zeros(2.5)
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        framework.arange(0, 1, 0)
    with pytest.raises(TypeError, match="expected np.ndarray \\(got list\\)"):
        framework.from_numpy([1, 2])
    with pytest.raises(RuntimeError, match="\"normal_kernel_cpu\" not implemented for 'Long'"):
        framework.randn(2, dtype=framework.int64)
    with pytest.raises(RuntimeError, match="\"check_uniform_bounds\" not implemented for 'Long'"):
        framework.rand(2, dtype=framework.int64)


def test_manual_seed_reproduces_every_random_factory():
    def draw():
        return [framework.randn(3).tolist(), framework.rand(2).tolist(), framework.randint(0, 100, (3,)).tolist(),
                framework.randperm(5).tolist(), framework.randn_like(framework.zeros(2)).tolist()]
    framework.manual_seed(123)
    first = draw()
    framework.manual_seed(123)
    assert draw() == first
    framework.manual_seed(124)
    assert draw() != first


def test_generator_objects_are_independent_and_restorable():
    g = framework.Generator().manual_seed(5)
    state = g.get_state()
    assert state.dtype == framework.uint8
    framework.manual_seed(0)
    a = framework.randn(4, generator=g).tolist()
    framework.randn(100)  # the global generator does not disturb g
    g.set_state(state)
    assert framework.randn(4, generator=g).tolist() == a
    assert framework.Generator().manual_seed(5).initial_seed() == 5


def test_global_rng_state_round_trip():
    state = framework.get_rng_state()
    a = framework.rand(3).tolist()
    framework.set_rng_state(state)
    assert framework.rand(3).tolist() == a


def test_randn_float64_is_not_a_cast_of_float32_draws():
    framework.manual_seed(0)
    x = framework.randn(1000, dtype=framework.float64)
    assert x.dtype == framework.float64
    assert abs(float(x.mean())) < 0.15 and abs(float(x.std()) - 1.0) < 0.1


def test_device_argument_accepts_cpu_only():
    assert framework.zeros(2, device="cpu").device.type == "cpu"
    with pytest.raises(RuntimeError, match="device 'cuda' is not available"):
        framework.zeros(2, device="cuda")
