"""xor: MLP 2-8-1, tanh, BCE-with-logits, SGD (lr 0.1), the full batch of 4 XOR points.

A step is nothing but per-op overhead: every array has at most 16 elements.
"""
import numpy as np

from ._common import (library_builders, linear_backward_numpy, linear_weights, load_weights, rng, SGDNumpy,
                      training_step)

SIZES = {"full": {"hidden": 8}, "tiny": {"hidden": 8}}
LR = 0.1


def _weights(size):
    gen = rng()
    return linear_weights(gen, 2, size["hidden"]) + linear_weights(gen, size["hidden"], 1)


def _data():
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    y = np.array([[0], [1], [1], [0]], np.float32)
    return x, y


def _build_module(lib, size):
    """framework and torch share this: the same nn names, the same loop."""
    nn, F = lib.nn, lib.nn.functional
    model = load_weights(lib, nn.Sequential(nn.Linear(2, size["hidden"]), nn.Tanh(),
                                            nn.Linear(size["hidden"], 1)), _weights(size))
    opt = lib.optim.SGD(model.parameters(), lr=LR)
    x, y = (lib.from_numpy(a) for a in _data())
    return training_step(F.binary_cross_entropy_with_logits, model, opt, x, y)


build_framework, build_torch = library_builders(_build_module)


def build_numpy(size):
    params = _weights(size)
    w1, b1, w2, b2 = params
    grads = [np.empty_like(p) for p in params]
    g_w1, g_b1, g_w2, g_b2 = grads
    opt = SGDNumpy(params, grads, LR)
    x, y = _data()
    n = x.shape[0]

    def step():
        h = np.tanh(x @ w1.T + b1)
        z = h @ w2.T + b2
        # stable BCE with logits: max(z, 0) - z * y + log(1 + exp(-|z|))
        loss = float((np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))).mean())
        g_z = (1.0 / (1.0 + np.exp(-z)) - y) * (1.0 / n)
        g_h = np.empty_like(h)
        linear_backward_numpy(g_z, h, w2, g_w2, g_b2, g_h)
        g_h *= 1.0 - h * h
        linear_backward_numpy(g_h, x, w1, g_w1, g_b1)
        opt.step()
        return loss
    return step
