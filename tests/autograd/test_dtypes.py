"""dtype objects, the default dtype, PyTorch's promotion rules (reference section 7) and the
conversion errors of item/bool/numpy."""
import numpy as np
import pytest

import framework
from framework.autograd import dtypes


def test_dtype_objects_print_and_convert():
    assert repr(framework.float32) == "framework.float32"
    assert framework.float32.is_floating_point and not framework.int64.is_floating_point
    assert framework.float == framework.float32 and framework.double == framework.float64
    assert framework.long == framework.int64 and framework.int == framework.int32
    assert dtypes.to_numpy_dtype(framework.float64) == np.float64
    assert dtypes.to_numpy_dtype(float) == np.float32 and dtypes.to_numpy_dtype(int) == np.int64
    assert dtypes.to_numpy_dtype(bool) == np.bool_ and dtypes.to_numpy_dtype("float64") == np.float64
    assert dtypes.to_numpy_dtype(np.int32) == np.int32
    assert dtypes.from_numpy_dtype(np.dtype(np.float16)) is framework.float16


def test_unsupported_dtypes_error():
    with pytest.raises(TypeError, match="unsupported dtype"):
        dtypes.to_numpy_dtype("complex128")
    with pytest.raises(TypeError, match="can't convert np.ndarray of type uint16"):
        framework.tensor(np.zeros(2, dtype=np.uint16))


def test_dtypes_survive_pickling():
    import pickle
    assert pickle.loads(pickle.dumps(framework.float64)) is framework.float64


def test_default_dtype_is_float32():
    assert framework.get_default_dtype() == framework.float32


def test_set_default_dtype_float64(default_float64):
    assert framework.tensor([1.0]).dtype == framework.float64
    assert framework.zeros(2).dtype == framework.float64
    assert framework.arange(3.0).dtype == framework.float64
    assert (framework.tensor([1, 2]) / 2).dtype == framework.float64
    assert framework.tensor([1, 2]).exp().dtype == framework.float64
    explicit = framework.tensor([1.0], dtype=framework.float32)
    assert (explicit * 1.5).dtype == framework.float32


def test_set_default_dtype_rejects_non_float():
    with pytest.raises(TypeError, match="only floating-point types are supported as the default type"):
        framework.set_default_dtype(framework.int64)
    assert framework.get_default_dtype() == framework.float32


F32 = lambda: framework.tensor([1.0, 2.0])  # noqa: E731
F64 = lambda: framework.tensor(np.array([1.0, 2.0]))  # noqa: E731
I64 = lambda: framework.tensor([1, 2])  # noqa: E731


@pytest.mark.parametrize("make,expected", [
    (lambda: F32() / framework.tensor(1.5), framework.float32),
    (lambda: F32() * 2.5, framework.float32), (lambda: F32() + 1, framework.float32),
    (lambda: F32() / 3, framework.float32), (lambda: F32() ** 2.0, framework.float32),
    (lambda: 2.0 ** F32(), framework.float32), (lambda: F32() * np.float64(2.0), framework.float32),
    (lambda: I64() * 2, framework.int64), (lambda: I64() * 2.5, framework.float32),
    (lambda: I64() / 2, framework.float32), (lambda: I64() // 2, framework.int64),
    (lambda: I64() + True, framework.int64),
    (lambda: F64() * 2.5, framework.float64), (lambda: F64().sum(), framework.float64),
    (lambda: F64().mean(), framework.float64), (lambda: F64().exp(), framework.float64),
    (lambda: F32() * F64(), framework.float64),
    (lambda: F32() * framework.tensor(2.0, dtype=framework.float64), framework.float32),
    (lambda: F32() * framework.tensor([2.0], dtype=framework.float64), framework.float64),
    (lambda: I64() * framework.tensor(2.0, dtype=framework.float64), framework.float64),
    (lambda: I64() * framework.tensor(2.0), framework.float32),
    (lambda: F32() + I64(), framework.float32),
    (lambda: I64().exp(), framework.float32), (lambda: I64().sqrt(), framework.float32),
    (lambda: framework.tensor([1, 2], dtype=framework.int32) * 2, framework.int32),
    (lambda: framework.tensor([1, 2], dtype=framework.int32) + I64(), framework.int64),
    (lambda: framework.tensor([True]) + framework.tensor([True]), framework.bool),
    (lambda: framework.tensor([True]) * 2, framework.int64),
    (lambda: framework.tensor([True]) * 2.0, framework.float32),
    (lambda: framework.where(framework.tensor([True, False]), I64(), 2.0), framework.float32),
    (lambda: framework.maximum(I64(), F32()), framework.float32),
    (lambda: I64().clamp(0.5, 1), framework.float32), (lambda: I64().clamp(0, 1), framework.int64),
    (lambda: I64().sum(), framework.int64), (lambda: framework.tensor([True]).sum(), framework.int64),
], ids=lambda v: "" if callable(v) else str(v))
def test_promotion_rules(make, expected):
    assert make().dtype == expected


def test_float32_accumulates_in_float32():
    total = framework.tensor([0.1] * 10).sum()
    assert total.dtype == framework.float32
    assert total.item() == pytest.approx(1.0, abs=2e-7)


def test_numpy_float64_input_stays_float64():
    assert framework.tensor(np.array([1.0, 2.0])).dtype == framework.float64
    assert framework.tensor(np.float64(1.0)).dtype == framework.float64
    assert framework.tensor(np.float32(1.0)).dtype == framework.float32
    assert framework.from_numpy(np.array([1.0])).dtype == framework.float64
    assert framework.as_tensor(np.array([1.0])).dtype == framework.float64


def test_item_and_conversions():
    x = framework.tensor([2.5], requires_grad=True)
    assert x.item() == 2.5 and isinstance(x.item(), float)
    assert isinstance(framework.tensor(3).item(), int)
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        framework.ones(2).item()
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(framework.tensor([1.0, 2.0]))
    assert bool(framework.tensor([0.5])) and float(framework.tensor(1.5)) == 1.5 and int(framework.tensor(3)) == 3


def test_numpy_of_a_tensor_requiring_grad_errors():
    x = framework.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad. Use "
                                           "tensor.detach\\(\\).numpy\\(\\) instead."):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 2.0]


def test_only_float_tensors_can_require_grad():
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        framework.tensor([1, 2]).requires_grad_()


@pytest.mark.parametrize("method,expected", [("float", framework.float32), ("double", framework.float64),
                                             ("long", framework.int64), ("int", framework.int32),
                                             ("bool", framework.bool), ("half", framework.float16)])
def test_conversion_methods(method, expected):
    assert getattr(framework.tensor([1.5, 0.0]), method)().dtype == expected


def test_to_accepts_dtype_python_type_and_tensor():
    x = framework.tensor([1.0])
    assert x.to(float).dtype == framework.float32
    assert x.to(framework.zeros(1, dtype=framework.float64)).dtype == framework.float64
    assert x.to("cpu", framework.int64).dtype == framework.int64
    assert x.type(framework.float64).dtype == framework.float64 and x.type() == "framework.FloatTensor"


FLOAT32_OPS = [
    lambda t: t.prod(), lambda t: t.prod(1), lambda t: t.max(1).values, lambda t: t.min(),
    lambda t: t.gather(1, framework.tensor([[0], [1], [2]])), lambda t: framework.einsum("ij,kj->ik", t, t),
    lambda t: framework.pad(t, (1, 1)), lambda t: t.norm(p=3), lambda t: t.var(0), lambda t: t.std(),
    lambda t: t.logsumexp(1), lambda t: t % 0.3, lambda t: 0.5 ** t, lambda t: t ** framework.tensor(2.0),
    lambda t: t[[0, 0]], lambda t: t.repeat(2, 1), lambda t: t.cumsum(1), lambda t: framework.gelu(t),
    lambda t: framework.softplus(t), lambda t: t.erf(), lambda t: t.amax(0), lambda t: framework.maximum(t, 0.5),
    lambda t: t.clamp(0.2, 0.6), lambda t: framework.where(t > 0.5, t, 0.0), lambda t: t @ t.T,
    lambda t: t.softmax(0) * t.log_softmax(1), lambda t: t / (t + 1) - 2 * t,
]


@pytest.mark.parametrize("fn", FLOAT32_OPS)
def test_float32_forward_backward_and_double_backward_stay_float32(fn):
    x = framework.rand(3, 4, requires_grad=True)
    y = fn(x)
    assert y.dtype == framework.float32
    (g,) = framework.autograd.grad((y * y).sum(), x, create_graph=True)
    assert g.dtype == framework.float32
    g.sum().backward()
    assert x.grad.dtype == framework.float32
