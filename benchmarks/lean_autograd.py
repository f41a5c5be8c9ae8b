"""The leanest reverse-mode autograd on numpy we could write: the floor for ``benchmarks/autograd.py``.

It supports only what the elementwise chain uses (``* + tanh sigmoid sum``) and none of PyTorch's
semantics: no version counters, hooks, views, dtype rules, retain_graph or error checks. Each op
keeps its backward as a closure (micrograd's shape); backward walks an iterative topological order.
Whatever the chain costs here is what the numpy calls plus the least possible Python bookkeeping
cost; ``framework`` cannot be faster than this on the same work.

Example:
    >>> x = LeanTensor(np.ones(3, np.float32))
    >>> (x * x.sigmoid()).sum().backward()
"""
import numpy as np


class LeanTensor:
    __slots__ = ("data", "grad", "parents", "backward_fn")

    def __init__(self, data, parents=(), backward_fn=None):
        self.data = data
        self.grad = None
        self.parents = parents
        self.backward_fn = backward_fn

    def __mul__(self, other):
        if isinstance(other, LeanTensor):
            a, b = self.data, other.data
            return LeanTensor(a * b, (self, other), lambda g: (g * b, g * a))
        return LeanTensor(self.data * other, (self,), lambda g: (g * other,))

    def __add__(self, other):
        return LeanTensor(self.data + other, (self,), lambda g: (g,))

    def tanh(self):
        y = np.tanh(self.data)
        return LeanTensor(y, (self,), lambda g: (g * (1 - y * y),))

    def sigmoid(self):
        s = np.multiply(self.data, 0.5)  # 0.5 * tanh(x / 2) + 0.5, the form framework uses
        np.tanh(s, out=s)
        s *= 0.5
        s += 0.5
        return LeanTensor(s, (self,), lambda g: (g * s * (1 - s),))

    def sum(self):
        shape = self.data.shape
        return LeanTensor(self.data.sum(), (self,), lambda g: (np.broadcast_to(g, shape),))

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # iterative post-order: every node after the nodes it depends on
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node.parents)
        self.grad = np.ones_like(self.data)
        for node in reversed(order):
            if node.backward_fn is not None:
                for parent, g in zip(node.parents, node.backward_fn(node.grad)):
                    parent.grad = g if parent.grad is None else parent.grad + g
                node.grad = None
