"""The names real PyTorch programs reach for beyond the core, at the top level of the package."""
import numpy as np
import pytest

import framework
import framework.nn.functional as F

FUNCTION_FORMS = ["exp", "sum", "mean", "max", "min", "argmax", "matmul", "mm", "bmm", "cat", "stack", "where",
                  "clamp", "sqrt", "tanh", "sigmoid", "relu", "softmax", "log_softmax", "abs", "pow", "maximum",
                  "minimum", "zeros_like", "allclose", "equal", "isclose", "flatten", "squeeze", "unsqueeze",
                  "transpose", "permute", "reshape", "einsum", "numel", "is_tensor", "is_floating_point"]


@pytest.mark.parametrize("name", FUNCTION_FORMS)
def test_module_level_function_form_exists(name):
    assert callable(getattr(framework, name))


def test_function_forms_match_methods():
    x = framework.tensor([[1.0, -2.0], [3.0, 0.5]])
    assert framework.equal(framework.exp(x), x.exp())
    values, indices = framework.max(x, dim=1)
    assert values.tolist() == [1.0, 3.0] and indices.tolist() == [0, 0]
    assert framework.mm(x, x).tolist() == (x @ x).tolist()
    assert framework.bmm(x[None], x[None]).shape == (1, 2, 2)
    assert framework.einsum("ij,jk->ik", x, x).tolist() == (x @ x).tolist()
    assert framework.numel(x) == 4
    assert framework.is_tensor(x) and not framework.is_tensor(np.zeros(2))
    assert framework.is_floating_point(x) and not framework.is_floating_point(framework.arange(3))
    assert framework.transpose(x, 0, 1).tolist() == x.T.tolist()
    assert framework.allclose(framework.pow(x, 2), x * x)


def test_dtype_comparisons_and_type_conversion():
    x = framework.ones(2)
    assert x.dtype == framework.float32
    assert x.type(framework.float64).dtype == framework.float64
    assert x.type(framework.long).dtype == framework.int64
    assert framework.zeros(2, dtype=framework.uint8).dtype == framework.uint8
    assert x.to(framework.half).dtype == framework.float16


def test_generator_objects_drive_every_random_factory():
    draws = []
    for _ in range(2):
        g = framework.Generator().manual_seed(7)
        draws.append((framework.randn(3, generator=g).tolist(), framework.rand(2, generator=g).tolist(),
                      framework.randint(0, 10, (4,), generator=g).tolist(), framework.randperm(5, generator=g).tolist()))
    assert draws[0] == draws[1]


def test_rng_state_round_trip():
    framework.manual_seed(3)
    state = framework.get_rng_state()
    first = framework.randn(4).tolist()
    framework.set_rng_state(state)
    assert framework.randn(4).tolist() == first
    assert isinstance(framework.seed(), int)


def test_save_and_load_a_state_dict_with_a_pt_extension(tmp_path):
    model = framework.nn.Linear(3, 2)
    path = tmp_path / "m.pt"
    framework.save(model.state_dict(), path)
    restored = framework.nn.Linear(3, 2)
    restored.load_state_dict(framework.load(path))
    assert framework.equal(restored.weight, model.weight)


def test_saving_an_arbitrary_object_says_no_pickle(tmp_path):
    with pytest.raises(TypeError, match="pickle"):
        framework.save(object(), tmp_path / "x.pt")


def test_module_to_accepts_cpu_and_rejects_cuda():
    model = framework.nn.Linear(2, 2)
    assert model.to("cpu") is model
    assert model.to(framework.device("cpu"), framework.float64).weight.dtype == framework.float64
    with pytest.raises(RuntimeError, match="CPU"):
        model.to("cuda")


def test_utils_namespaces_and_functional():
    from framework.utils.checkpoint import checkpoint
    from framework.utils.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(framework.arange(6.0).reshape(3, 2)), batch_size=2)
    assert [b[0].shape[0] for b in loader] == [2, 1]
    x = framework.ones(2, requires_grad=True)
    checkpoint(lambda t: F.relu(t * 2), x, use_reentrant=False).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
