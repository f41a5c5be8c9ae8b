"""Second derivatives (gradgradcheck: gradcheck of the create_graph=True backward) for every op
whose backward is recorded when differentiated again, including the ops whose plain backward is
numpy-only (prod, max/min along a dim, gather, cumsum, item assignment)."""
import pytest

import framework

CASES = {
    # arithmetic, with broadcasting and scalars
    "add": (lambda a, b: a + b, [(3, 1), (1, 4)], {}),
    "sub_scalar": (lambda a: 2.0 - a, [(2, 3)], {}),
    "mul": (lambda a, b: a * b, [(2, 1, 3), (4, 1)], {}),
    "div": (lambda a, b: a / b, [(5, 3), (3,)], {"low": 0.5, "high": 2.0}),
    "rdiv": (lambda a: 2.0 / a, [(3,)], {"low": 0.5, "high": 2.0}),
    "neg": (lambda a: -a, [(3,)], {}),
    "pow_scalar": (lambda a: a ** 3, [(2, 3)], {}),
    "pow_fractional": (lambda a: a ** 1.5, [(3,)], {"low": 0.5, "high": 2.0}),
    "pow_tensor": (lambda a, b: a ** b, [(3,), (3,)], {"low": 0.5, "high": 2.0}),
    "rpow": (lambda a: 2.0 ** a, [(3,)], {}),
    "matmul_2d": (lambda a, b: a @ b, [(2, 3), (3, 2)], {}),
    "matmul_dot": (lambda a, b: a @ b, [(3,), (3,)], {}),
    "matmul_mv": (lambda a, b: a @ b, [(2, 3), (3,)], {}),
    "matmul_vm": (lambda a, b: a @ b, [(3,), (3, 2)], {}),
    "matmul_batched": (lambda a, b: a @ b, [(2, 1, 2, 3), (3, 3, 2)], {}),
    # pointwise
    "exp": (lambda a: a.exp(), [(2, 3)], {}),
    "log": (lambda a: a.log(), [(3,)], {"low": 0.5, "high": 2.0}),
    "log1p": (lambda a: a.log1p(), [(3,)], {"low": 0.0, "high": 2.0}),
    "expm1": (lambda a: a.expm1(), [(3,)], {}),
    "sin": (lambda a: a.sin(), [(3,)], {}),
    "cos": (lambda a: a.cos(), [(3,)], {}),
    "tanh": (lambda a: a.tanh(), [(3,)], {}),
    "sigmoid": (lambda a: a.sigmoid(), [(3,)], {}),
    "sqrt": (lambda a: a.sqrt(), [(3,)], {"low": 0.5, "high": 2.0}),
    "rsqrt": (lambda a: a.rsqrt(), [(3,)], {"low": 0.5, "high": 2.0}),
    "erf": (lambda a: a.erf(), [(3,)], {}),
    "gelu": (lambda a: framework.gelu(a), [(4,)], {}),
    "gelu_tanh": (lambda a: framework.gelu(a, approximate="tanh"), [(4,)], {}),
    "softplus": (lambda a: framework.softplus(a), [(4,)], {}),
    "abs": (lambda a: a.abs() * a, [(4,)], {"away": 0.2}),
    "relu": (lambda a: a.relu() * a, [(4,)], {"away": 0.2}),
    "leaky_relu": (lambda a: framework.leaky_relu(a, 0.2) * a, [(4,)], {"away": 0.2}),
    "clamp": (lambda a: a.clamp(-0.5, 0.5) * a, [(6,)], {"away": 0.15}),
    "where": (lambda a, b: framework.where(a > 0, a * a, b * b), [(3, 1), (1, 4)], {}),
    "maximum": (lambda a, b: framework.maximum(a, b) ** 2, [(4,), (4,)], {"away": 0.2}),
    "minimum": (lambda a, b: framework.minimum(a, b) ** 2, [(4,), (4,)], {"away": 0.2}),
    # reductions and normalisation
    "sum": (lambda a: a.sum() ** 2, [(2, 3)], {}),
    "sum_dim": (lambda a: a.sum(dim=-1, keepdim=True) ** 2, [(2, 3)], {}),
    "mean": (lambda a: a.mean(dim=0) ** 2, [(2, 3)], {}),
    "var": (lambda a: a.var(dim=1), [(2, 3)], {}),
    "std": (lambda a: a.std(), [(2, 3)], {}),
    "prod": (lambda a: a.prod(), [(2, 3)], {}),
    "prod_dim": (lambda a: a.prod(dim=0), [(3, 2)], {}),
    "prod_dim_keepdim": (lambda a: a.prod(dim=-1, keepdim=True), [(2, 3)], {}),
    "max": (lambda a: a.max() ** 2, [(2, 3)], {"away": 0.2}),
    "max_dim": (lambda a: a.max(dim=1).values ** 2, [(2, 3)], {"away": 0.2}),
    "min_dim_keepdim": (lambda a: a.min(dim=0, keepdim=True).values ** 2, [(2, 3)], {"away": 0.2}),
    "amax": (lambda a: a.amax(dim=1) ** 2, [(2, 3)], {"away": 0.2}),
    "logsumexp": (lambda a: a.logsumexp(dim=1), [(2, 3)], {}),
    "softmax": (lambda a: a.softmax(dim=-1), [(2, 3)], {}),
    "log_softmax": (lambda a: a.log_softmax(dim=0), [(2, 3)], {}),
    "cumsum": (lambda a: a.cumsum(dim=1) ** 2, [(2, 3)], {}),
    "norm": (lambda a: a.norm(), [(2, 3)], {}),
    "norm_dim": (lambda a: a.norm(dim=1, keepdim=True), [(2, 3)], {}),
    "norm_p1": (lambda a: a.norm(p=1) ** 2, [(2, 3)], {"away": 0.2}),
    "norm_p3": (lambda a: a.norm(p=3, dim=0), [(2, 3)], {"away": 0.2}),
    # shape ops
    "reshape": (lambda a: a.reshape(3, 2) ** 2, [(2, 3)], {}),
    "permute": (lambda a: a.permute(2, 0, 1) ** 2, [(2, 3, 2)], {}),
    "transpose": (lambda a: a.transpose(0, 1) ** 2, [(2, 3)], {}),
    "expand": (lambda a: a.expand(2, 3, 4) ** 2, [(3, 1)], {}),
    "squeeze_unsqueeze": (lambda a: a.squeeze(1).unsqueeze(0) ** 2, [(2, 1, 3)], {}),
    "repeat": (lambda a: a.repeat(2, 2) ** 2, [(2, 3)], {}),
    "flip": (lambda a: a.flip(1) ** 2, [(2, 3)], {}),
    "cat": (lambda a, b: framework.cat([a, b], dim=1) ** 2, [(2, 1), (2, 3)], {}),
    "stack": (lambda a, b: framework.stack([a, b]) ** 2, [(2, 3), (2, 3)], {}),
    "split": (lambda a: [p ** 2 for p in a.split(2, dim=1)], [(2, 5)], {}),
    "unbind": (lambda a: [p ** 2 for p in a.unbind(0)], [(2, 3)], {}),
    "pad": (lambda a: framework.pad(a, (1, 2)) ** 2, [(2, 3)], {}),
    "tril": (lambda a: a.tril() ** 2, [(3, 3)], {}),
    "to_dtype": (lambda a: a.to(framework.float64) ** 2, [(3,)], {}),
    "clone": (lambda a: a.clone() ** 2, [(3,)], {}),
    # indexing
    "select": (lambda a: a[1] ** 2, [(3, 2)], {}),
    "slice": (lambda a: a[:, 1:] ** 2, [(3, 3)], {}),
    "index_repeated": (lambda a: a[[0, 0, 2]] ** 2, [(3, 2)], {}),
    "index_mask": (lambda a: a[a > 0] ** 2, [(3, 2)], {}),
    "gather": (lambda a: a.gather(1, framework.tensor([[0, 0], [2, 1]])) ** 2, [(2, 3)], {}),
    "masked_fill": (lambda a: a.masked_fill(framework.tensor([True, False, True]), 0.0) ** 2, [(2, 3)], {}),
    "einsum": (lambda a, b: framework.einsum("bij,bjk->bik", a, b), [(2, 2, 3), (2, 3, 2)], {}),
    "einsum_trace": (lambda a: framework.einsum("ii", a) ** 2, [(3, 3)], {}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_gradgradcheck(op, name):
    fn, shapes, opts = CASES[name]
    op.gradgrad(fn, *[op.leaf(*s, **opts) for s in shapes])


def _setitem(target, value):
    out = target * target
    out[[0, 2]] = value * value
    return out


def test_item_assignment_gradgradcheck(op):
    op.gradgrad(_setitem, op.leaf(3, 2), op.leaf(2))


def test_third_derivative_through_numpy_free_backwards(op):
    # each backward records ops whose own backward is recorded too
    x = op.leaf(3, low=0.5, high=2.0)
    y = (x.prod() * x.max(dim=0).values + x.gather(0, framework.tensor([1, 1])).sum()) ** 2
    (g,) = framework.autograd.grad(y, x, create_graph=True)
    (h,) = framework.autograd.grad(g.sum(), x, create_graph=True)
    (k,) = framework.autograd.grad(h.sum(), x)
    assert k.shape == x.shape and k.requires_grad is False


def test_create_graph_of_prod_with_a_zero_matches_the_plain_gradient():
    x = framework.tensor([2.0, 0.0, 3.0], requires_grad=True)
    (g,) = framework.autograd.grad(x.prod(), x, create_graph=True)
    assert g.tolist() == [0.0, 6.0, 0.0] and g.requires_grad
    (h,) = framework.autograd.grad(g[1], x)
    assert h.tolist() == [3.0, 0.0, 2.0]
