"""``Tensor.backward``: seeds, vector-Jacobian products, freed graphs, ``inputs=`` (reference section 2)."""
import re
import warnings

import pytest

import framework
from framework import autograd, tensor
from framework.autograd import functional

FREED = re.escape("Trying to backward through the graph a second time")


@pytest.fixture
def x():
    return tensor([1.0, 2.0, 3.0], requires_grad=True)


def test_non_scalar_without_gradient_raises(x):
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()


def test_one_element_output_needs_no_gradient():
    x = tensor([3.0], requires_grad=True)
    (x * 2).backward()
    assert x.grad.tolist() == [2.0]


def test_zero_dim_leaf_backward():
    x = tensor(3.0, requires_grad=True)
    x.backward()
    assert x.grad.shape == framework.Size([])
    assert x.grad.item() == 1.0


def test_vector_jacobian_product(x):
    (x ** 2).backward(gradient=tensor([1.0, 0.1, 0.01]))
    assert x.grad.tolist() == pytest.approx([2.0, 0.4, 0.06])


def test_gradient_shape_mismatch_names_both_shapes(x):
    msg = re.escape("Mismatch in shape: grad_output[0] has a shape of framework.Size([2]) and output[0] has a "
                    "shape of framework.Size([3]).")
    with pytest.raises(RuntimeError, match=msg):
        (x ** 2).backward(gradient=framework.ones(2))


def test_gradient_shape_mismatch_for_scalar_output(x):
    msg = re.escape("grad_output[0] has a shape of framework.Size([1]) and output[0] has a shape of "
                    "framework.Size([]).")
    with pytest.raises(RuntimeError, match=msg):
        (x * 2).sum().backward(tensor([1.0]))


def test_zero_dim_seed_scales(x):
    (x ** 2).sum().backward(tensor(2.0))
    assert x.grad.tolist() == [4.0, 8.0, 12.0]


def test_int64_gradient_is_accepted():
    x = tensor([1.0, 2.0], requires_grad=True)
    (x * 2).backward(tensor([1, 1]))
    assert x.grad.dtype == framework.float32
    assert x.grad.tolist() == [2.0, 2.0]


def test_gradient_of_wrong_type_raises(x):
    with pytest.raises(TypeError, match="gradients can be either Tensors or None, but got list"):
        (x * 2).backward([1.0, 1.0, 1.0])


def test_number_of_gradients_must_match(x):
    with pytest.raises(RuntimeError, match="got 2 tensors and 1 gradients"):
        autograd.backward([x * 2, x * 3], [framework.ones(3)])


@pytest.mark.parametrize("build", [lambda x: (x * x).sum(), lambda x: (x * 2).sum(), lambda x: x.exp().sum()],
                         ids=["x*x", "x*2", "exp"])
def test_second_backward_through_freed_graph_raises(x, build):
    y = build(x)
    y.backward()
    with pytest.raises(RuntimeError, match=FREED) as info:
        y.backward()
    assert "retain_graph=True" in str(info.value)


def test_second_backward_without_saved_values_runs_and_doubles(x):
    y = (x + 1).sum()  # AddBackward0 and SumBackward0 save nothing
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_retain_graph_allows_second_backward(x):
    y = (x * x).sum()
    y.backward(retain_graph=True)
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0, 12.0]
    with pytest.raises(RuntimeError, match=FREED):
        y.backward()


def test_freed_buffers_shared_by_two_losses(x):
    s = x.exp()
    s.sum().backward()
    with pytest.raises(RuntimeError, match=FREED):
        (s * 2).sum().backward()


@pytest.mark.parametrize("build", [lambda: (tensor([1.0, 2.0, 3.0]) * tensor([1.0, 2.0, 3.0])).sum(),
                                   lambda: (tensor([1.0, 2.0], requires_grad=True).detach() ** 2).sum()],
                         ids=["constants", "detached"])
def test_backward_on_tensor_without_grad_raises(build):
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"):
        build().backward()


def test_backward_inside_no_grad_works(x):
    y = (x * x).sum()
    with framework.no_grad():
        y.backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    assert framework.is_grad_enabled()


def test_backward_inputs_restricts_accumulation():
    x = tensor(2.0, requires_grad=True)
    z = tensor(3.0, requires_grad=True)
    (x * z).backward(inputs=[x])
    assert x.grad.item() == 3.0
    assert z.grad is None


def test_backward_inputs_can_be_a_single_tensor_or_non_leaf():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    (y * y).sum().backward(inputs=y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the non-leaf warning is only for a grad that is None
        assert y.grad.tolist() == [4.0, 8.0]
    assert x.grad is None


def test_backward_inputs_errors(x):
    with pytest.raises(RuntimeError, match="'inputs' argument to backward\\(\\) cannot be empty"):
        (x * 2).sum().backward(inputs=[])
    with pytest.raises(RuntimeError, match="One of the differentiated Tensors does not require grad"):
        (x * 2).sum().backward(inputs=[tensor([1.0])])


def test_backward_inputs_skips_unrelated_branch():
    """Only the part of the graph leading to ``inputs`` runs (a broken side branch is never reached)."""
    x = tensor([1.0, 2.0], requires_grad=True)
    w = tensor([3.0, 4.0], requires_grad=True)
    a = w.exp()
    loss = (x * 3).sum() + a.sum()
    a.add_(1)  # ExpBackward0's saved result is now stale
    loss.backward(inputs=[x])
    assert x.grad.tolist() == [3.0, 3.0]
    assert w.grad is None


def test_create_graph_warns_once_per_process(monkeypatch):
    monkeypatch.setattr(functional, "_CREATE_GRAPH_WARNED", [False])
    x = tensor(2.0, requires_grad=True)
    with pytest.warns(UserWarning, match="Using backward\\(\\) with create_graph=True will create a reference cycle"):
        (x ** 3).backward(create_graph=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (x ** 3).backward(create_graph=True)


def test_create_graph_makes_grad_differentiable(monkeypatch):
    monkeypatch.setattr(functional, "_CREATE_GRAPH_WARNED", [True])
    x = tensor(2.0, requires_grad=True)
    y = x ** 3
    y.backward(create_graph=True)
    assert x.grad.item() == 12.0
    assert x.grad.requires_grad
    assert type(x.grad.grad_fn).__name__ == "CopyBackwards"
    assert repr(x.grad) == "tensor(12., grad_fn=<CopyBackwards>)"
    # the graph was retained (retain_graph defaults to create_graph): a plain second backward works
    # and accumulates in place, keeping x.grad's grad_fn
    y.backward()
    assert x.grad.item() == 24.0
    assert type(x.grad.grad_fn).__name__ == "CopyBackwards"
    # the recorded grad is itself differentiable: d(x.grad)/dx = 6x
    x2 = tensor(2.0, requires_grad=True)
    (x2 ** 3).backward(create_graph=True)
    (g2,) = autograd.grad(x2.grad, x2)
    assert g2.item() == 12.0


def test_create_graph_second_call_sums_out_of_place(monkeypatch):
    monkeypatch.setattr(functional, "_CREATE_GRAPH_WARNED", [True])
    x = tensor(2.0, requires_grad=True)
    y = x ** 3
    y.backward(create_graph=True)
    first = x.grad
    y.backward(create_graph=True)
    assert x.grad.item() == 24.0
    assert first.item() == 12.0
    assert type(x.grad.grad_fn).__name__ == "AddBackward0"


def test_autograd_backward_function_form(x):
    autograd.backward((x * x).sum())
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    autograd.backward([x * 1, x * 2], [framework.ones(3), framework.ones(3)])
    assert x.grad.tolist() == [5.0, 7.0, 9.0]
