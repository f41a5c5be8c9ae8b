"""Differential tests against real PyTorch (skipped when it is not installed): values and
gradients of each op on random float64 inputs. PyTorch is never a runtime dependency."""
import numpy as np
import pytest

import framework

def _fn(lib):
    """Where the functional forms live: ``torch.nn.functional`` in PyTorch, the package itself here."""
    return lib if lib is framework else lib.nn.functional


# name -> (input shapes, expression written once for both libraries; ``lib`` is torch or framework)
CASES = {
    "broadcast_arith": ([(3, 1), (1, 4)], lambda lib, a, b: (a + b) * (a - b) / (b * b + 1) + 2.0 ** a - 1 / (a * a + 1)),
    "pow": ([(2, 3), (2, 3)], lambda lib, a, b: (a * a + 0.5) ** b + a ** 3),
    "matmul_batched": ([(2, 1, 2, 3), (3, 3, 2)], lambda lib, a, b: a @ b),
    "matmul_vec": ([(3,), (2, 3, 2)], lambda lib, a, b: a @ b),
    "unary": ([(2, 3)], lambda lib, a: a.exp() + (a * a + 1).log() + a.sin() * a.cos() + a.tanh() + a.sigmoid()
              + (a * a + 1).sqrt() + (a * a + 1).rsqrt() + a.abs() + a.relu() + (a * a).log1p() + a.expm1()
              + a.erf()),
    "activations": ([(2, 3)], lambda lib, a: _fn(lib).gelu(a) + _fn(lib).gelu(a, approximate="tanh")
                    + _fn(lib).softplus(a, beta=2.0, threshold=1.0) + _fn(lib).leaky_relu(a, 0.1)),
    "clamp_max_min_where": ([(2, 3), (2, 3)], lambda lib, a, b: a.clamp(-0.5, 0.5) + lib.maximum(a, b)
                            + lib.minimum(a, b) + lib.where(a > b, a * b, b - a)),
    "reductions": ([(2, 3, 4)], lambda lib, a: a.sum(dim=(0, 2)).sum() + a.mean(dim=-1, keepdim=True).sum()
                   + a.var(dim=1).sum() + a.std() + a.prod(dim=2).sum() + a.amax(dim=(1, 2)).sum()
                   + a.max(dim=1).values.sum() + a.min() + a.logsumexp(dim=0).sum() + a.norm()
                   + a.norm(p=1, dim=2).sum() + a.norm(p=float("inf"), dim=0).sum()),
    "softmax_family": ([(2, 3, 4)], lambda lib, a: a.softmax(dim=1) * a.log_softmax(dim=-1) + a.cumsum(dim=2)),
    "shapes": ([(2, 3, 4)], lambda lib, a: a.permute(2, 0, 1).reshape(4, 6).T.unsqueeze(0).expand(2, 6, 4)
               .flatten(1).repeat(2, 1)[:, 1:].transpose(0, 1).squeeze()),
    "joins": ([(2, 3), (2, 3)], lambda lib, a, b: lib.cat([a, b], dim=1) + lib.stack([a, b], 1).reshape(2, 6)
              + lib.cat(list(a.split(2, dim=1)) + list(b.chunk(2, dim=1)), dim=1)),
    "indexing": ([(3, 4)], lambda lib, a: a[[0, 0, 2]].sum() + a[a > 0].sum() + a[None, 1, ::2].sum()
                 + a[..., [1, 1]].sum() + a.gather(1, lib.tensor([[0, 0], [3, 1], [2, 2]])).sum()
                 + a.masked_fill(a < 0, 0.5).sum() + _fn(lib).pad(a, (1, 2, 0, 1)).sum()
                 + a.tril(1).sum() + a.triu(-1).sum()),
    "einsum": ([(2, 3, 4), (2, 4, 3)], lambda lib, a, b: lib.einsum("bij,bjk->bik", a, b)
               + lib.einsum("bii->b", lib.einsum("bij,bjk->bik", a, b)).reshape(2, 1, 1)),
}


def _run(lib, fn, arrays):
    leaves = [lib.tensor(x, dtype=lib.float64, requires_grad=True) for x in arrays]
    out = fn(lib, *leaves)
    seed = np.random.default_rng(1).standard_normal(tuple(out.shape))
    out.backward(lib.tensor(seed, dtype=lib.float64))
    return out.detach().numpy(), [leaf.grad.numpy() for leaf in leaves]


@pytest.mark.parametrize("name", list(CASES))
def test_values_and_gradients_match_pytorch(torch, name):
    shapes, fn = CASES[name]
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours, our_grads = _run(framework, fn, arrays)
    theirs, their_grads = _run(torch, fn, arrays)
    np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-9)
    for mine, ref in zip(our_grads, their_grads):
        np.testing.assert_allclose(mine, ref, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("values", [[1.0, 3.0, 3.0, 2.0], [0.0, 0.0, 1.0], [-1.0, 0.0, 2.0]])
def test_non_smooth_points_match_pytorch(torch, values):
    exprs = [lambda lib, x: x.max(), lambda lib, x: x.abs().sum(), lambda lib, x: x.relu().sum(),
             lambda lib, x: x.clamp(min=0).sum(), lambda lib, x: x.norm(), lambda lib, x: x.prod(),
             lambda lib, x: x.amax(dim=0)]
    for fn in exprs:
        mine = framework.tensor(values, dtype=framework.float64, requires_grad=True)
        ref = torch.tensor(values, dtype=torch.float64, requires_grad=True)
        fn(framework, mine).backward()
        fn(torch, ref).backward()
        np.testing.assert_allclose(mine.grad.numpy(), ref.grad.numpy())


SECOND_ORDER = {
    "prod": lambda lib, x: x.prod(1).sum() + x[:2, :2].prod(),
    "max_dim_amax": lambda lib, x: (x.max(1).values ** 3).sum() + (x.amax(0) ** 3).sum(),
    "gather_index": lambda lib, x: (x.gather(1, lib.tensor([[0, 0], [3, 1], [2, 2]])) ** 3).sum()
    + (x[[0, 0, 2]] ** 3).sum() + (x[x > 0] ** 3).sum(),
    "cumsum": lambda lib, x: (x.cumsum(1) ** 3).sum(),
    "activations": lambda lib, x: (_fn(lib).gelu(x) + _fn(lib).gelu(x, approximate="tanh") + _fn(lib).softplus(x)
                                   + x.erf()).sum(),
    "norms_and_moments": lambda lib, x: x.norm(dim=1).sum() + x.norm(p=3) + x.std(0).sum() + x.var(),
    "softmax_family": lambda lib, x: x.logsumexp(1).sum() + (x.softmax(1) ** 2).sum() + x.log_softmax(0).exp().sum(),
    "einsum": lambda lib, x: lib.einsum("ij,kj->ik", x, x).pow(2).sum(),
    "branches": lambda lib, x: (lib.maximum(x, x.flip(0)) ** 3).sum() + lib.where(x > 0, x ** 3, x.exp()).sum()
    + ((x * x + 1) ** x).sum() + ((x + 5) % 0.7 * x ** 2).sum(),
}


@pytest.mark.parametrize("name", list(SECOND_ORDER))
def test_hessian_vector_products_match_pytorch(torch, name):
    fn = SECOND_ORDER[name]
    rng = np.random.default_rng(0)
    a, v = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    results = []
    for lib in (framework, torch):
        x = lib.tensor(a, requires_grad=True)
        (g,) = lib.autograd.grad(fn(lib, x), x, create_graph=True)
        (hv,) = lib.autograd.grad((g * lib.tensor(v)).sum(), x)
        results.append((g.detach().numpy(), hv.numpy()))
    (g_ours, hv_ours), (g_ref, hv_ref) = results
    np.testing.assert_allclose(g_ours, g_ref, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(hv_ours, hv_ref, rtol=1e-7, atol=1e-9)
