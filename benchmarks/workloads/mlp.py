"""mlp: MLP 784-256-256-10, ReLU, cross entropy, Adam (lr 1e-3), a fixed batch of 128, float32.

The step is matmul- and Adam-bound: the by-hand version writes every activation, gradient and Adam
temporary into buffers allocated once, which is the floor the framework is measured against.
"""
import numpy as np

from ._common import (AdamNumpy, cross_entropy_numpy, library_builders, linear_backward_numpy,
                      linear_forward_numpy, linear_weights, load_weights, rng, training_step)

SIZES = {"full": {"sizes": (784, 256, 256, 10), "batch": 128},
         "tiny": {"sizes": (64, 32, 32, 10), "batch": 16}}


def _weights(size):
    gen = rng()
    sizes = size["sizes"]
    return [a for n_in, n_out in zip(sizes[:-1], sizes[1:]) for a in linear_weights(gen, n_in, n_out)]


def _data(size):
    gen = rng(1)
    x = gen.standard_normal((size["batch"], size["sizes"][0])).astype(np.float32)
    y = gen.integers(0, size["sizes"][-1], size["batch"]).astype(np.int64)
    return x, y


def _build_module(lib, size):
    nn, F = lib.nn, lib.nn.functional
    d_in, h1, h2, d_out = size["sizes"]
    model = nn.Sequential(nn.Linear(d_in, h1), nn.ReLU(), nn.Linear(h1, h2), nn.ReLU(), nn.Linear(h2, d_out))
    load_weights(lib, model, _weights(size))
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    x, y = (lib.from_numpy(a) for a in _data(size))
    return training_step(F.cross_entropy, model, opt, x, y)


build_framework, build_torch = library_builders(_build_module)


def build_numpy(size):
    params = _weights(size)
    w1, b1, w2, b2, w3, b3 = params
    grads = [np.empty_like(p) for p in params]
    g_w1, g_b1, g_w2, g_b2, g_w3, g_b3 = grads
    opt = AdamNumpy(params, grads, lr=1e-3)
    x, y = _data(size)
    n, (_, n1, n2, n3) = size["batch"], size["sizes"]
    a1, a2 = np.empty((n, n1), np.float32), np.empty((n, n2), np.float32)
    logits, g_logits = np.empty((n, n3), np.float32), np.empty((n, n3), np.float32)
    g_a1, g_a2 = np.empty_like(a1), np.empty_like(a2)
    mask1, mask2 = np.empty(a1.shape, bool), np.empty(a2.shape, bool)

    def step():
        np.maximum(linear_forward_numpy(x, w1, b1, a1), 0, out=a1)
        np.maximum(linear_forward_numpy(a1, w2, b2, a2), 0, out=a2)
        linear_forward_numpy(a2, w3, b3, logits)
        loss = cross_entropy_numpy(logits, y, g_logits)
        linear_backward_numpy(g_logits, a2, w3, g_w3, g_b3, g_a2)
        np.multiply(g_a2, np.greater(a2, 0, out=mask2), out=g_a2)
        linear_backward_numpy(g_a2, a1, w2, g_w2, g_b2, g_a1)
        np.multiply(g_a1, np.greater(a1, 0, out=mask1), out=g_a1)
        linear_backward_numpy(g_a1, x, w1, g_w1, g_b1)
        opt.step()
        return loss
    return step
