"""deep: 64 residual blocks ``x = x + Linear(ReLU(Linear(x)))`` of width 128, batch 32, MSE loss against a
fixed target, SGD (lr 0.001); with or without activation checkpointing of every block.

With checkpointing a block keeps only its input; its inner activations are recomputed during backward
(framework.utils.checkpoint, torch.utils.checkpoint with use_reentrant=False, and by hand in numpy).
``step(on_forward)`` calls ``on_forward()`` between the loss and backward, where run.py reads how much
memory the graph holds.
"""
import numpy as np

from ._common import SGDNumpy, linear_backward_numpy, linear_forward_numpy, linear_weights, load_weights, rng

ON_FORWARD = True  # step() takes an on_forward callback
SIZES = {"full": {"blocks": 64, "width": 128, "batch": 32}, "tiny": {"blocks": 4, "width": 16, "batch": 4}}
LR = 0.001


def _weights(size):
    gen = rng()
    w = size["width"]
    return [a for _ in range(size["blocks"]) for _ in range(2) for a in linear_weights(gen, w, w)]


def _data(size):
    gen = rng(1)
    shape = (size["batch"], size["width"])
    return gen.standard_normal(shape).astype(np.float32), gen.standard_normal(shape).astype(np.float32)


def _build_module(lib, size, checkpointing, checkpoint):
    nn, F = lib.nn, lib.nn.functional
    w = size["width"]
    blocks = nn.ModuleList([nn.Sequential(nn.Linear(w, w), nn.ReLU(), nn.Linear(w, w))
                            for _ in range(size["blocks"])])
    load_weights(lib, blocks, _weights(size))
    opt = lib.optim.SGD(blocks.parameters(), lr=LR)
    x, target = (lib.from_numpy(a) for a in _data(size))

    def step(on_forward=None):
        h = x
        for block in blocks:
            h = h + (checkpoint(block, h, use_reentrant=False) if checkpointing else block(h))
        loss = F.mse_loss(h, target)
        if on_forward is not None:
            on_forward()
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss
    return step


def build_framework(size, checkpointing=False):
    import framework
    from framework.utils.checkpoint import checkpoint
    return _build_module(framework, size, checkpointing, checkpoint)


def build_torch(size, checkpointing=False):
    import torch
    from torch.utils.checkpoint import checkpoint
    return _build_module(torch, size, checkpointing, checkpoint)


def build_numpy(size, checkpointing=False):
    params = _weights(size)
    grads = [np.empty_like(p) for p in params]
    opt = SGDNumpy(params, grads, LR)
    x, target = _data(size)
    n_blocks, shape = size["blocks"], x.shape
    inputs = np.empty((n_blocks + 1,) + shape, np.float32)       # block inputs (and the output): always kept
    hidden = np.empty((1 if checkpointing else n_blocks,) + shape, np.float32)  # ReLU outputs
    g_h, g_hidden, g_in = (np.empty(shape, np.float32) for _ in range(3))
    mask = np.empty(shape, bool)
    scale = 2.0 / x.size

    def block_hidden(i):
        """ReLU(Linear1(block i's input)), into the slot kept for block i."""
        a = hidden[0 if checkpointing else i]
        np.maximum(linear_forward_numpy(inputs[i], params[4 * i], params[4 * i + 1], a), 0, out=a)
        return a

    def step(on_forward=None):
        inputs[0] = x
        for i in range(n_blocks):
            out = linear_forward_numpy(block_hidden(i), params[4 * i + 2], params[4 * i + 3], inputs[i + 1])
            out += inputs[i]
        np.subtract(inputs[n_blocks], target, out=g_h)
        loss = float(np.mean(g_h * g_h))
        if on_forward is not None:
            on_forward()
        np.multiply(g_h, scale, out=g_h)
        for i in reversed(range(n_blocks)):
            a = block_hidden(i) if checkpointing else hidden[i]
            linear_backward_numpy(g_h, a, params[4 * i + 2], grads[4 * i + 2], grads[4 * i + 3], g_hidden)
            np.multiply(g_hidden, np.greater(a, 0, out=mask), out=g_hidden)
            linear_backward_numpy(g_hidden, inputs[i], params[4 * i], grads[4 * i], grads[4 * i + 1], g_in)
            np.add(g_h, g_in, out=g_h)  # the residual path adds the block's input gradient
        opt.step()
        return loss
    return step
