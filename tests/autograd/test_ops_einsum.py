"""einsum: values against numpy, gradcheck for contractions, outer products, traces, diagonals,
implicit output, ellipsis with broadcasting, and errors."""
import numpy as np
import pytest

import framework

EQUATIONS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bkj->bik", [(2, 2, 3), (2, 4, 3)]),
    ("i,j->ij", [(2,), (3,)]),
    ("i,i->", [(3,), (3,)]),
    ("ijk->j", [(2, 3, 2)]),
    ("ij->ji", [(2, 3)]),
    ("ij,jk", [(2, 3), (3, 2)]),
    ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("iij,j->i", [(2, 2, 3), (3,)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (3, 3, 2)]),
    ("i...->...", [(2, 3, 2)]),
    ("ij,ij->i", [(2, 1), (2, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("b i j, b j -> b i", [(2, 3, 2), (2, 2)]),
]


@pytest.mark.parametrize("equation,shapes", EQUATIONS)
def test_einsum_gradcheck(op, equation, shapes):
    op.grad(lambda *ts: framework.einsum(equation, *ts), *[op.leaf(*s) for s in shapes])


@pytest.mark.parametrize("equation,shapes", EQUATIONS)
def test_einsum_values_match_numpy(op, equation, shapes):
    arrays = [op.array(*s) for s in shapes]
    expected = np.einsum(equation.replace(" ", ""), *arrays)
    out = framework.einsum(equation, *[framework.tensor(a) for a in arrays])
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


def test_einsum_accepts_a_list_of_operands(op):
    a, b = op.array(2, 3), op.array(3, 2)
    out = framework.einsum("ij,jk->ik", [framework.tensor(a), framework.tensor(b)])
    np.testing.assert_allclose(out.numpy(), a @ b)


def test_einsum_float32_stays_float32():
    out = framework.einsum("ij,jk->ik", framework.ones(2, 3), framework.ones(3, 2))
    assert out.dtype == framework.float32


def test_einsum_errors():
    a = framework.ones(2, 3)
    with pytest.raises(RuntimeError, match="fewer operands were provided than specified in the equation"):
        framework.einsum("ij,jk->ik", a)
    with pytest.raises(RuntimeError, match="more operands were provided than specified in the equation"):
        framework.einsum("ij->ij", a, a)
    with pytest.raises(RuntimeError, match="does not match the number of dimensions"):
        framework.einsum("ijk->i", a)
    with pytest.raises(RuntimeError, match="output subscript k does not appear in the equation"):
        framework.einsum("ij->k", a)
    with pytest.raises(RuntimeError, match="operands do not broadcast"):
        framework.einsum("ij,ij->i", a, framework.ones(2, 4))
