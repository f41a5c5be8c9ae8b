"""cnn: Conv2d(1,16,3)-ReLU-MaxPool2d(2)-Conv2d(16,32,3)-ReLU-MaxPool2d(2)-Linear(32*5*5,10), batch 64 of
28x28 images, cross entropy, Adam (lr 1e-3).

The by-hand version keeps activations channel-major, (C, N, H, W), so each convolution is one 2-D matmul
of the weights by an im2col matrix (C*3*3, N*H*W) with no transposes; for the 1-channel input that
layout is the input's own memory. Max pooling takes the maximum of the four strided 2x2 offsets; its
backward routes the gradient to the element equal to the maximum. Ties happen only between zeros after
the ReLU, where the ReLU gradient is zero anyway, so this is PyTorch's gradient exactly.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from ._common import (AdamNumpy, conv_weights, cross_entropy_numpy, library_builders, linear_backward_numpy,
                      linear_forward_numpy, linear_weights, load_weights, rng, training_step)

SIZES = {"full": {"batch": 64, "image": 28}, "tiny": {"batch": 2, "image": 12}}
C1, C2, K, CLASSES = 16, 32, 3, 10


def _geometry(size):
    """Spatial sizes: conv1 output, pool1 output, conv2 output, pool2 output."""
    h1 = size["image"] - K + 1
    p1 = h1 // 2
    h2 = p1 - K + 1
    return h1, p1, h2, h2 // 2


def _weights(size):
    gen = rng()
    p2 = _geometry(size)[3]
    return conv_weights(gen, 1, C1, K) + conv_weights(gen, C1, C2, K) + linear_weights(gen, C2 * p2 * p2, CLASSES)


def _data(size):
    gen = rng(1)
    x = gen.standard_normal((size["batch"], 1, size["image"], size["image"])).astype(np.float32)
    y = gen.integers(0, CLASSES, size["batch"]).astype(np.int64)
    return x, y


def _build_module(lib, size):
    nn, F = lib.nn, lib.nn.functional
    p2 = _geometry(size)[3]
    model = nn.Sequential(nn.Conv2d(1, C1, K), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(C1, C2, K), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(C2 * p2 * p2, CLASSES))
    load_weights(lib, model, _weights(size))
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    x, y = (lib.from_numpy(a) for a in _data(size))
    return training_step(F.cross_entropy, model, opt, x, y)


build_framework, build_torch = library_builders(_build_module)


# ---------------------------------------------------------------------------------- numpy by hand
def _im2col(x, cols):
    """(C, N, H, W) -> cols (C*K*K, N*Ho*Wo), through one strided view and one copy."""
    c, n, h, w = x.shape
    ho, wo = h - K + 1, w - K + 1
    sc, sn, sh, sw = x.strides
    view = as_strided(x, (c, K, K, n, ho, wo), (sc, sh, sw, sn, sh, sw), writeable=False)
    np.copyto(cols.reshape(c, K, K, n, ho, wo), view)


def _col2im(cols, grad_x):
    """Scatter-add column gradients (C*K*K, N*Ho*Wo) back into grad_x (C, N, H, W)."""
    c, n, h, w = grad_x.shape
    ho, wo = h - K + 1, w - K + 1
    blocks = cols.reshape(c, K, K, n, ho, wo)
    grad_x.fill(0)
    for i in range(K):
        for j in range(K):
            grad_x[:, :, i:i + ho, j:j + wo] += blocks[:, i, j]


def _offsets(x, p):
    """The four (row, column) offsets of 2x2 windows as strided views of x (C, N, H, W); p = output size."""
    return [x[:, :, i:2 * p:2, j:2 * p:2] for i in (0, 1) for j in (0, 1)]


def _max_pool(x, out):
    a, b, c, d = _offsets(x, out.shape[2])
    np.maximum(a, b, out=out)
    np.maximum(out, c, out=out)
    np.maximum(out, d, out=out)


def _relu_max_pool_backward(relu_out, pooled, grad_pooled, grad_in, mask, positive):
    """Gradient through MaxPool2d(2) and the ReLU before it, into grad_in (same shape as relu_out)."""
    p = pooled.shape[2]
    np.greater(pooled, 0, out=positive)   # a window whose maximum is 0 passes no gradient through the ReLU
    grad_in[:, :, 2 * p:, :] = 0          # rows and columns no window covers (odd sizes)
    grad_in[:, :, :, 2 * p:] = 0
    for window, grad_window in zip(_offsets(relu_out, p), _offsets(grad_in, p)):
        np.equal(window, pooled, out=mask)
        mask &= positive
        np.multiply(grad_pooled, mask, out=grad_window)


def build_numpy(size):
    params = _weights(size)
    w1, b1, w2, b2, w3, b3 = params
    grads = [np.empty_like(p) for p in params]
    g_w1, g_b1, g_w2, g_b2, g_w3, g_b3 = grads
    opt = AdamNumpy(params, grads, lr=1e-3)
    x, y = _data(size)
    n = size["batch"]
    h1, p1, h2, p2 = _geometry(size)
    f32 = np.float32
    x_cn = x.reshape(1, n, size["image"], size["image"])  # one channel: (N, 1, H, W) is (1, N, H, W)
    w1m, w2m = w1.reshape(C1, -1), w2.reshape(C2, -1)     # views: the optimiser updates them too
    g_w1m, g_w2m = g_w1.reshape(C1, -1), g_w2.reshape(C2, -1)
    cols1, y1 = np.empty((K * K, n * h1 * h1), f32), np.empty((C1, n * h1 * h1), f32)
    pool1 = np.empty((C1, n, p1, p1), f32)
    cols2, y2 = np.empty((C1 * K * K, n * h2 * h2), f32), np.empty((C2, n * h2 * h2), f32)
    pool2 = np.empty((C2, n, p2, p2), f32)
    feat = np.empty((n, C2 * p2 * p2), f32)
    logits, g_logits = np.empty((n, CLASSES), f32), np.empty((n, CLASSES), f32)
    g_feat, g_y2, g_cols2 = np.empty_like(feat), np.empty_like(y2), np.empty_like(cols2)
    g_pool1, g_y1 = np.empty_like(pool1), np.empty_like(y1)
    masks1 = (np.empty(pool1.shape, bool), np.empty(pool1.shape, bool))
    masks2 = (np.empty(pool2.shape, bool), np.empty(pool2.shape, bool))
    y1_4d, y2_4d = y1.reshape(C1, n, h1, h1), y2.reshape(C2, n, h2, h2)
    g_y1_4d, g_y2_4d = g_y1.reshape(C1, n, h1, h1), g_y2.reshape(C2, n, h2, h2)

    def step():
        _im2col(x_cn, cols1)
        np.matmul(w1m, cols1, out=y1)
        np.add(y1, b1[:, None], out=y1)
        np.maximum(y1, 0, out=y1)
        _max_pool(y1_4d, pool1)
        _im2col(pool1, cols2)
        np.matmul(w2m, cols2, out=y2)
        np.add(y2, b2[:, None], out=y2)
        np.maximum(y2, 0, out=y2)
        _max_pool(y2_4d, pool2)
        np.copyto(feat.reshape(n, C2, p2, p2), pool2.transpose(1, 0, 2, 3))
        linear_forward_numpy(feat, w3, b3, logits)
        loss = cross_entropy_numpy(logits, y, g_logits)

        linear_backward_numpy(g_logits, feat, w3, g_w3, g_b3, g_feat)
        _relu_max_pool_backward(y2_4d, pool2, g_feat.reshape(n, C2, p2, p2).transpose(1, 0, 2, 3), g_y2_4d,
                                *masks2)
        np.matmul(g_y2, cols2.T, out=g_w2m)
        np.sum(g_y2, axis=1, out=g_b2)
        np.matmul(w2m.T, g_y2, out=g_cols2)
        _col2im(g_cols2, g_pool1)
        _relu_max_pool_backward(y1_4d, pool1, g_pool1, g_y1_4d, *masks1)
        np.matmul(g_y1, cols1.T, out=g_w1m)
        np.sum(g_y1, axis=1, out=g_b1)
        opt.step()
        return loss
    return step
