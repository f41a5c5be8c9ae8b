"""``framework.autograd.grad``: tuples, unused inputs, retain/create graph, higher order (reference section 2)."""
import re

import numpy as np
import pytest

import framework
from framework import autograd, tensor

FREED = re.escape("Trying to backward through the graph a second time")


@pytest.fixture
def x():
    return tensor([1.0, 2.0, 3.0], requires_grad=True)


@pytest.fixture
def z():
    return tensor([1.0, 2.0, 3.0], requires_grad=True)


def test_returns_tuple_and_leaves_grad_alone(x):
    res = autograd.grad((x ** 2).sum(), x)
    assert isinstance(res, tuple) and len(res) == 1
    assert res[0].tolist() == [2.0, 4.0, 6.0]
    assert x.grad is None
    assert res[0].requires_grad is False


def test_grad_outputs(x):
    res = autograd.grad(x ** 2, x, grad_outputs=framework.ones(3))
    assert isinstance(res, tuple) and len(res) == 1
    assert res[0].tolist() == [2.0, 4.0, 6.0]


def test_non_scalar_without_grad_outputs_raises(x):
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        autograd.grad(x ** 2, x)


def test_unused_input_raises(x, z):
    msg = re.escape("The differentiated Tensor at index 1 appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior.")
    with pytest.raises(RuntimeError, match=msg):
        autograd.grad((x ** 2).sum(), [x, z])


def test_allow_unused_gives_none(x, z):
    gx, gz = autograd.grad((x ** 2).sum(), [x, z], allow_unused=True)
    assert gx.tolist() == [2.0, 4.0, 6.0]
    assert gz is None


def test_materialize_grads_gives_zeros(x, z):
    gx, gz = autograd.grad((x ** 2).sum(), [x, z], materialize_grads=True)
    assert gx.tolist() == [2.0, 4.0, 6.0]
    assert gz.tolist() == [0.0, 0.0, 0.0]
    assert gz.dtype == z.dtype


def test_materialize_grads_with_allow_unused_false_raises(x):
    with pytest.raises(ValueError, match="Expected allow_unused to be True or not passed when materialize_grads=True"):
        autograd.grad((x * 2).sum(), x, allow_unused=False, materialize_grads=True)


def test_input_without_requires_grad_raises(x):
    with pytest.raises(RuntimeError, match="One of the differentiated Tensors does not require grad"):
        autograd.grad((x ** 2).sum(), [x, tensor([1.0, 2.0, 3.0])])


def test_output_without_grad_raises(x):
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"):
        autograd.grad(tensor(1.0), x)


def test_empty_inputs_raise(x):
    with pytest.raises(RuntimeError, match="grad requires non-empty inputs"):
        autograd.grad((x * 2).sum(), [])


def test_count_of_grad_outputs_must_match(x):
    with pytest.raises(RuntimeError, match="got 2 tensors and 1 gradients"):
        autograd.grad([x * 2, x * 3], x, grad_outputs=[framework.ones(3)])


def test_twice_without_retain_graph_raises(x):
    y = (x * x).sum()
    autograd.grad(y, x)
    with pytest.raises(RuntimeError, match=FREED):
        autograd.grad(y, x)


def test_retain_graph(x):
    y = (x * x).sum()
    (a,) = autograd.grad(y, x, retain_graph=True)
    (b,) = autograd.grad(y, x)
    assert a.tolist() == b.tolist() == [2.0, 4.0, 6.0]


def test_create_graph_implies_retain_graph(x):
    y = (x * x).sum()
    (a,) = autograd.grad(y, x, create_graph=True)
    (b,) = autograd.grad(y, x)
    assert a.tolist() == b.tolist() == [2.0, 4.0, 6.0]
    assert a.requires_grad and not b.requires_grad


def test_higher_order_derivatives_of_cube():
    x = tensor(2.0, requires_grad=True)
    y = x ** 3
    (dy,) = autograd.grad(y, x, create_graph=True)
    assert dy.item() == 12.0
    assert dy.requires_grad
    assert type(dy.grad_fn).__name__ == "MulBackward0"
    (d2,) = autograd.grad(dy, x, create_graph=True)
    assert d2.item() == 12.0
    (d3,) = autograd.grad(d2, x)
    assert d3.item() == 6.0


def test_without_create_graph_the_result_is_constant():
    x = tensor(2.0, requires_grad=True)
    (dy,) = autograd.grad(x ** 3, x)
    assert dy.requires_grad is False
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        autograd.grad(dy, x)


def test_second_derivative_through_a_diamond():
    x = tensor(2.0, requires_grad=True)
    b = x * x
    c = b * b + b  # x**4 + x**2
    (d1,) = autograd.grad(c, x, create_graph=True)
    (d2,) = autograd.grad(d1, x)
    assert d1.item() == 4 * 2.0 ** 3 + 2 * 2.0
    assert d2.item() == 12 * 2.0 ** 2 + 2


def test_hessian_vector_product():
    values = np.array([1.0, -2.0, 3.0])
    x = tensor(values, requires_grad=True)
    f = (x ** 3).sum() + (x[0] * x[1])
    (g,) = autograd.grad(f, x, create_graph=True)
    v = tensor([1.0, 0.5, -1.0], dtype=framework.float64)
    (hv,) = autograd.grad(g, x, grad_outputs=v, retain_graph=True)
    hessian = np.diag(6 * values)
    hessian[0, 1] = hessian[1, 0] = 1.0
    np.testing.assert_allclose(hv.numpy(), hessian @ v.numpy())
    (hv2,) = autograd.grad((g * v).sum(), x)  # the same product written as a scalar
    np.testing.assert_allclose(hv2.numpy(), hessian @ v.numpy())


def test_grad_with_respect_to_non_leaf(x):
    y = x * 2
    z = (y * y).sum()
    gy, gx = autograd.grad(z, [y, x])
    assert gy.tolist() == [4.0, 8.0, 12.0]
    assert gx.tolist() == [8.0, 16.0, 24.0]


def test_grad_of_output_with_respect_to_itself(x):
    y = x * 2
    (g,) = autograd.grad(y, y, grad_outputs=framework.ones(3))
    assert g.tolist() == [1.0, 1.0, 1.0]


def test_unrelated_branch_does_not_run(x, z):
    """Only nodes on a path to the inputs run: a stale saved value elsewhere is not reported."""
    a = z.exp()
    loss = (x * 3).sum() + a.sum()
    a.add_(1)
    (gx,) = autograd.grad(loss, x)
    assert gx.tolist() == [3.0, 3.0, 3.0]


def test_dict_inputs_give_dict(x, z):
    res = autograd.grad((x * z).sum(), {"x": x, "z": z})
    assert list(res) == ["x", "z"]
    assert res["x"].tolist() == [1.0, 2.0, 3.0]


def test_is_grads_batched_computes_one_vjp_per_row(x):
    (jac,) = autograd.grad(x * 2, x, grad_outputs=framework.eye(3), is_grads_batched=True)
    assert jac.tolist() == (2 * np.eye(3)).tolist()


def test_several_outputs_sum(x):
    (g,) = autograd.grad([(x * 2).sum(), (x * x).sum()], x)
    assert g.tolist() == [4.0, 6.0, 8.0]
