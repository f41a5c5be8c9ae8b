"""einsum with a numpy forward and a backward that is another einsum per operand."""
import numpy as np

from ..node import Node
from ..tensor import record


def _parse(equation, operands):
    eq = equation.replace(" ", "")
    if "..." in eq:
        raise NotImplementedError("einsum: '...' (ellipsis) subscripts are not supported yet")
    if "->" in eq:
        lhs, rhs = eq.split("->")
    else:
        lhs = eq
        letters = lhs.replace(",", "")
        rhs = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    ins = lhs.split(",")
    if len(ins) != len(operands):
        raise RuntimeError(f"einsum(): more operands were provided than specified in the equation"
                           if len(operands) > len(ins) else
                           "einsum(): fewer operands were provided than specified in the equation")
    for sub, op in zip(ins, operands):
        if len(sub) != op._data.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(sub)}) does not match the "
                               f"number of dimensions ({op._data.ndim}) for operand {ins.index(sub)}")
    return ins, rhs


class EinsumBackward0(Node):
    __slots__ = ()

    def backward(self, g, *arrays):
        ins, rhs, sizes = self._args
        grads = []
        for i, sub in enumerate(ins):
            if self._next[i] is None:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(ins) if j != i]
            other_arrays = [a for j, a in enumerate(arrays) if j != i]
            present = set(rhs) | set("".join(others))
            extra = [c for c in sub if c not in present]
            terms = [rhs] + others + list(extra)
            ops = [g] + other_arrays + [np.ones(sizes[c], dtype=g.dtype) for c in extra]
            grads.append(np.einsum(",".join(terms) + "->" + sub, *ops))
        return tuple(grads)


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``."""
    ins, rhs = _parse(equation, operands)
    sizes = {}
    for sub, op in zip(ins, operands):
        for c, n in zip(sub, op._data.shape):
            sizes[c] = n
    arrays = [op._data for op in operands]
    out = np.einsum(",".join(ins) + "->" + rhs, *arrays)
    return record(np.asarray(out), EinsumBackward0, tuple(operands), tuple(operands), (ins, rhs, sizes))
