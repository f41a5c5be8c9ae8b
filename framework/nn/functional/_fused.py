"""Base class for fused nodes: a numpy backward for speed, a differentiable fallback for double backward.

A fused node (convolution, pooling, normalisation, cross entropy) computes its forward and backward
directly on numpy arrays. When ``create_graph=True`` the engine hands it Tensors instead; the node
then rebuilds its forward from differentiable ops (``composite``) and differentiates that, so
higher-order gradients stay exact.
"""
from ...autograd.functional import grad as autograd_grad
from ...autograd.grad_mode import enable_grad
from ...autograd.node import Node
from ...autograd.tensor import Tensor


class FusedNode(Node):
    """Subclasses implement ``numpy_backward(g, *saved)`` and ``composite(*saved) -> Tensor``.

    ``saved`` starts with the op's inputs in the order they were recorded (None where absent).
    """

    __slots__ = ()

    def backward(self, g, *saved):
        if isinstance(g, Tensor):
            return self._graph_backward(g, saved)
        return self.numpy_backward(g, *saved)

    def _graph_backward(self, g, saved):
        needs = [edge is not None for edge in self._next]
        inputs = saved[:len(needs)]
        with enable_grad():
            out = self.composite(*saved)
        targets = [t for t, need in zip(inputs, needs) if need]
        grads = iter(autograd_grad(out, targets, g, create_graph=True, allow_unused=True))
        return tuple(next(grads) if need else None for need in needs)

    def numpy_backward(self, g, *saved):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def composite(self, *saved):  # pragma: no cover
        raise NotImplementedError
