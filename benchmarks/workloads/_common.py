"""What the workloads share: seeded initial weights, loading them into a model, and the by-hand numpy
pieces used by more than one workload (cross entropy from logits, Adam, SGD), each written once.

Every system of a workload starts from the same numpy weights and data, so their losses can be compared
(run.py checks that they agree) and the steps do the same arithmetic.

Example:
    >>> arrays = linear_weights(rng(), 784, 256)          # [weight (256, 784), bias (256,)]
    >>> load_weights(framework, model, arrays)             # copy into model.parameters(), in order
"""
import math

import numpy as np

SEED = 0


def rng(offset=0):
    """A fresh numpy Generator: the same weights and data for every system."""
    return np.random.default_rng(SEED + offset)


def linear_weights(gen, n_in, n_out):
    """PyTorch-style uniform init of a Linear layer: [weight (n_out, n_in), bias (n_out,)], float32."""
    bound = 1.0 / np.sqrt(n_in)
    return [gen.uniform(-bound, bound, (n_out, n_in)).astype(np.float32),
            gen.uniform(-bound, bound, n_out).astype(np.float32)]


def conv_weights(gen, c_in, c_out, k):
    """PyTorch-style uniform init of a Conv2d layer: [weight (c_out, c_in, k, k), bias (c_out,)], float32."""
    bound = 1.0 / np.sqrt(c_in * k * k)
    return [gen.uniform(-bound, bound, (c_out, c_in, k, k)).astype(np.float32),
            gen.uniform(-bound, bound, c_out).astype(np.float32)]


def load_weights(lib, model, arrays):
    """Copy ``arrays`` into ``model.parameters()`` (same order and shapes); ``lib`` is framework or torch."""
    params = list(model.parameters())
    if [tuple(p.shape) for p in params] != [a.shape for a in arrays]:
        raise ValueError("benchmark weights do not match the model's parameters")
    with lib.no_grad():
        for p, a in zip(params, arrays):
            p.copy_(lib.from_numpy(a))
    return model


# ---------------------------------------------------------------------------------- numpy by hand
def cross_entropy_numpy(logits, target, grad):
    """Mean cross entropy of ``logits`` (N, C) against class indices; writes d loss / d logits into ``grad``."""
    n = logits.shape[0]
    rows = np.arange(n)
    top = logits.max(axis=1, keepdims=True)
    np.subtract(logits, top, out=grad)
    np.exp(grad, out=grad)
    total = grad.sum(axis=1, keepdims=True)
    loss = float(np.log(total).mean() + top.mean() - logits[rows, target].mean())
    grad /= total                 # softmax
    grad[rows, target] -= 1.0
    grad *= 1.0 / n
    return loss


class AdamNumpy:
    """Adam as PyTorch computes it, in place: no parameter-sized array is allocated after construction.

    ``params`` and ``grads`` are matching lists of arrays; the caller fills ``grads`` before ``step()``.
    Twelve passes over each parameter: sqrt(v) / c + eps is computed as (sqrt(v) + eps * c) / c with the
    1 / c folded into the step size (c = sqrt(1 - beta2**t)), the same rounding-level rewrite the
    framework's Adam makes.
    """

    def __init__(self, params, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.grads = params, grads
        self.lr, self.beta1, self.beta2, self.eps = lr, betas[0], betas[1], eps
        self.exp_avg = [np.zeros_like(p) for p in params]
        self.exp_avg_sq = [np.zeros_like(p) for p in params]
        self.scratch = np.empty(max(p.size for p in params), np.float32)
        self.t = 0

    def step(self):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        correction = math.sqrt(1.0 - b2 ** self.t)  # a Python float: a numpy float64 would promote the loops
        scale = self.lr / (1.0 - b1 ** self.t) * correction
        for p, g, m, v in zip(self.params, self.grads, self.exp_avg, self.exp_avg_sq):
            tmp = self.scratch[:p.size].reshape(p.shape)
            np.subtract(g, m, out=tmp)      # m += (1 - b1) * (g - m)
            tmp *= 1.0 - b1
            m += tmp
            v *= b2                         # v = b2 * v + (1 - b2) * g * g
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - b2
            v += tmp
            np.sqrt(v, out=tmp)             # p -= scale * m / (sqrt(v) + eps * c)
            tmp += self.eps * correction
            np.divide(m, tmp, out=tmp)
            tmp *= scale
            p -= tmp


class SGDNumpy:
    """Plain SGD in place: ``p -= lr * g`` through one scratch buffer."""

    def __init__(self, params, grads, lr):
        self.params, self.grads, self.lr = params, grads, lr
        self.scratch = np.empty(max(p.size for p in params), np.float32)

    def step(self):
        for p, g in zip(self.params, self.grads):
            tmp = self.scratch[:p.size].reshape(p.shape)
            np.multiply(g, self.lr, out=tmp)
            p -= tmp


def linear_backward_numpy(grad_out, inputs, weight, grad_weight, grad_bias, grad_in=None):
    """Gradients of ``inputs @ weight.T + bias`` into preallocated arrays (``grad_in`` optional)."""
    np.matmul(grad_out.T, inputs, out=grad_weight)
    np.sum(grad_out, axis=0, out=grad_bias)
    if grad_in is not None:
        np.matmul(grad_out, weight, out=grad_in)


def linear_forward_numpy(inputs, weight, bias, out):
    """``inputs @ weight.T + bias`` into ``out``."""
    np.matmul(inputs, weight.T, out=out)
    out += bias
    return out


def training_step(loss_fn, model, opt, x, y):
    """The step every library version times: forward, loss, backward, optimiser step, zero_grad."""
    def step():
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss
    return step


def library_builders(build_module):
    """``build_framework`` and ``build_torch`` for a workload's ``build_module(lib, size)``."""
    def build_framework(size):
        import framework
        return build_module(framework, size)

    def build_torch(size):
        import torch
        return build_module(torch, size)
    return build_framework, build_torch
