"""Optimiser step speed and memory: framework.optim against the best hand-written in-place numpy step.

One Adam step and one SGD-momentum step over 1M float32 parameters in 10 tensors. Targets: at most 1.2x
the hand-written time (best of the interleaved repeats), and a tracemalloc peak during ``step()``
below one parameter tensor's size (no parameter-sized array allocated per step).

Run:  python benchmarks/optim.py [--repeats 100]
"""
import argparse
import math
import statistics
import time
import tracemalloc

import numpy as np

from framework.autograd.tensor import Tensor
from framework.optim import SGD, Adam

N_TENSORS = 10
TENSOR_SIZE = 100_000
LR, BETAS, EPS, MOMENTUM = 1e-3, (0.9, 0.999), 1e-8, 0.9


def make_arrays(seed):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(TENSOR_SIZE).astype(np.float32) for _ in range(N_TENSORS)]
    grads = [rng.standard_normal(TENSOR_SIZE).astype(np.float32) for _ in range(N_TENSORS)]
    return params, grads


class HandAdam:
    """Adam written directly in numpy with preallocated buffers and folded constants: the fastest we know."""

    def __init__(self, params, grads):
        self.params, self.grads = params, grads
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.tmp = np.empty_like(params[0])
        self.t = 0

    def step(self):
        beta1, beta2 = BETAS
        self.t += 1
        bias2_sqrt = math.sqrt(1 - beta2 ** self.t)
        step_size = LR / (1 - beta1 ** self.t)
        tmp = self.tmp
        for p, g, m, v in zip(self.params, self.grads, self.m, self.v):
            m *= beta1
            np.multiply(g, 1 - beta1, out=tmp)
            m += tmp
            v *= beta2
            np.multiply(g, g, out=tmp)
            tmp *= 1 - beta2
            v += tmp
            # sqrt(v)/bias2_sqrt + eps == (sqrt(v) + eps*bias2_sqrt) / bias2_sqrt: fold the division into the step
            np.sqrt(v, out=tmp)
            tmp += EPS * bias2_sqrt
            np.divide(m, tmp, out=tmp)
            tmp *= -step_size * bias2_sqrt
            p += tmp


class HandSGD:
    """SGD with momentum written directly in numpy with preallocated buffers."""

    def __init__(self, params, grads):
        self.params, self.grads = params, grads
        self.bufs = None
        self.tmp = np.empty_like(params[0])

    def step(self):
        if self.bufs is None:
            self.bufs = [g.copy() for g in self.grads]
        else:
            for buf, g in zip(self.bufs, self.grads):
                buf *= MOMENTUM
                buf += g
        for p, buf in zip(self.params, self.bufs):
            np.multiply(buf, LR, out=self.tmp)
            p -= self.tmp


def framework_optimizer(cls, seed, **options):
    params, grads = make_arrays(seed)
    tensors = [Tensor(p, requires_grad=True) for p in params]
    for t, g in zip(tensors, grads):
        t.grad = Tensor(g)
    return cls(tensors, **options)


def time_interleaved(steps, repeats):
    """(min, median) seconds per call of each step function, calls interleaved so both see the same machine.

    The ratio uses the minimum: on a shared 2-core machine other processes only ever add time.
    """
    for step in steps:  # warm-up: state and scratch buffers are allocated on the first step
        step()
    samples = [[] for _ in steps]
    for _ in range(repeats):
        for step, bucket in zip(steps, samples):
            start = time.perf_counter()
            step()
            bucket.append(time.perf_counter() - start)
    return [(min(s), statistics.median(s)) for s in samples]


def peak_bytes_during(step):
    step()  # state already allocated; measure a steady-state step
    tracemalloc.start()
    try:
        step()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=100)
    args = parser.parse_args()

    param_bytes = TENSOR_SIZE * 4
    rows = []
    for name, ours, hand in [
        ("Adam", framework_optimizer(Adam, 0, lr=LR, betas=BETAS, eps=EPS), HandAdam(*make_arrays(1))),
        ("SGD momentum", framework_optimizer(SGD, 0, lr=LR, momentum=MOMENTUM), HandSGD(*make_arrays(1))),
    ]:
        ours_s, hand_s = time_interleaved([ours.step, hand.step], args.repeats)
        peak = peak_bytes_during(ours.step)
        rows.append((name, ours_s, hand_s, peak))

    print(f"1M float32 parameters in {N_TENSORS} tensors of {TENSOR_SIZE}; {args.repeats} interleaved steps each")
    print(f"{'step':<14}{'framework ms':>14}{'numpy ms':>10}{'ratio':>7}{'target':>8}"
          f"{'median fw/np ms':>17}{'peak alloc B':>14}{'limit B':>10}")
    ok = True
    for name, (ours_min, ours_med), (hand_min, hand_med), peak in rows:
        ratio = ours_min / hand_min
        ok &= ratio <= 1.2 and peak < param_bytes
        print(f"{name:<14}{ours_min * 1e3:>14.2f}{hand_min * 1e3:>10.2f}{ratio:>7.2f}{'<=1.20':>8}"
              f"{f'{ours_med * 1e3:.2f}/{hand_med * 1e3:.2f}':>17}{peak:>14,}{param_bytes:>10,}")
    print("targets met" if ok else "TARGETS MISSED")


if __name__ == "__main__":
    main()
