"""einsum: a numpy forward, and a backward that is one more einsum per operand.

The backward contracts the output gradient with the other operands, so it is itself an einsum:
on Tensors (``create_graph=True``) it calls this op again and higher derivatives follow.
Supports implicit output, ``...`` (broadcast like PyTorch), and repeated subscripts in one
operand (``'ii->i'`` diagonal, ``'ii'`` trace).

Example:
    >>> framework.einsum("bij,bjk->bik", a, b)
"""
import string

import numpy as np

from ..node import Node
from ..tensor import Tensor, record


def _parse(equation, operands):
    """Return (input subscripts, output subscripts) with ``...`` replaced by fresh letters."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation"
                           if len(operands) > len(ins) else
                           "einsum(): fewer operands were provided than specified in the equation")
    for c in eq:
        if c not in string.ascii_letters and c not in ",.->":
            raise RuntimeError(f"einsum(): invalid subscript given at index {eq.index(c)} in the equation string, "
                               "subscripts must be in [a-zA-Z]")
    free = [c for c in string.ascii_letters if c not in eq]
    n_ell = 0
    for sub, op in zip(ins, operands):
        if "..." in sub:
            n_ell = max(n_ell, op._data.ndim - (len(sub) - 3))
    ell = "".join(free[:n_ell])
    subs = []
    for i, (sub, op) in enumerate(zip(ins, operands)):
        ndim = op._data.ndim
        if "..." in sub:
            k = ndim - (len(sub) - 3)
            if k < 0:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(sub) - 3}) is more than "
                                   f"the number of dimensions ({ndim}) for operand {i}")
            sub = sub.replace("...", ell[n_ell - k:])
        elif len(sub) != ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(sub)}) does not match the "
                               f"number of dimensions ({ndim}) for operand {i} and no ellipsis was given")
        subs.append(sub)
    if arrow:
        out = rhs.replace("...", ell)
        for c in out:
            if out.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            if c not in "".join(subs):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input "
                                   "operand")
    else:
        letters = "".join(subs)
        singles = sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell)
        out = ell + "".join(singles)
    return subs, out


def _letter_sizes(subs, operands):
    """The size of each letter after broadcasting (size-1 dims stretch, as in PyTorch)."""
    sizes = {}
    for i, (sub, op) in enumerate(zip(subs, operands)):
        for c, n in zip(sub, op._data.shape):
            prev = sizes.get(c)
            if prev is None or prev == 1:
                sizes[c] = n
            elif n != 1 and n != prev:
                raise RuntimeError(f"einsum(): operands do not broadcast with remapped shapes: subscript {c} has "
                                   f"size {prev} in one operand and {n} in operand {i}")
    return sizes


def _contract(spec, *ops):
    """``einsum`` on arrays, or recorded on Tensors when any operand is one."""
    if any(isinstance(o, Tensor) for o in ops):
        return einsum(spec, *[o if isinstance(o, Tensor) else Tensor(np.asarray(o)) for o in ops])
    return np.einsum(spec, *ops)


class EinsumBackward0(Node):
    __slots__ = ()

    def backward(self, g, *operands):
        subs, out, sizes = self._args
        if not isinstance(g, Tensor):
            g = np.asarray(g)  # 0-d numpy results arrive as numpy scalars
        dtype = g.dtype if isinstance(g, np.ndarray) else g._data.dtype
        grads = []
        for i, sub in enumerate(subs):
            if self._next[i] is None:
                grads.append(None)
                continue
            unique = "".join(dict.fromkeys(sub))
            others = [s for j, s in enumerate(subs) if j != i]
            other_ops = [op for j, op in enumerate(operands) if j != i]
            present = set(out) | set("".join(others))
            # letters summed away in the forward only in this operand: their gradient is broadcast (ones)
            summed = [c for c in unique if c not in present]
            terms = [out] + others + summed
            ops = [g] + other_ops + [np.ones(sizes[c], dtype=dtype) for c in summed]
            grad = _contract(",".join(terms) + "->" + unique, *ops)
            if unique != sub:
                grad = _spread_diagonal(grad, unique, sub, sizes, dtype)
            grads.append(grad)
        return tuple(grads)


def _spread_diagonal(grad, unique, sub, sizes, dtype):
    """Place the gradient of a repeated-subscript operand (``'ii'``) on its diagonal."""
    used = set(sub)
    spare = iter(c for c in string.ascii_letters if c not in used)
    renamed, deltas, seen = [], [], set()
    for c in sub:
        if c in seen:
            fresh = next(spare)
            deltas.append(c + fresh)
            renamed.append(fresh)
        else:
            seen.add(c)
            renamed.append(c)
    eyes = [np.eye(sizes[d[0]], dtype=dtype) for d in deltas]
    return _contract(",".join([unique] + deltas) + "->" + "".join(renamed), grad, *eyes)


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``, ``einsum('ii', m)`` (trace)."""
    subs, out = _parse(equation, operands)
    sizes = _letter_sizes(subs, operands)
    operands = list(operands)
    for i, (sub, op) in enumerate(zip(subs, operands)):
        full = tuple(sizes[c] for c in sub)
        if op._data.shape != full and len(set(sub)) == len(sub):
            operands[i] = op.expand(full)  # broadcast size-1 dims; ExpandBackward0 sums them back
    arrays = [op._data for op in operands]
    result = np.asarray(np.einsum(",".join(subs) + "->" + out, *arrays))
    return record(result, EinsumBackward0, tuple(operands), tuple(operands), (subs, out, sizes))
