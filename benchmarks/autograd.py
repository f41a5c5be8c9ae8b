"""Autograd benchmark: per-op overhead, a 2,000-op chain, a 100,000-op chain, and graph memory.

Run: ``python benchmarks/autograd.py``. PyTorch columns appear when torch is importable.
Targets (issue 2): chain >= 2x faster than PyTorch CPU; per-op overhead <= 4x the bare numpy call;
the 100,000-op chain completes; no graph node alive and no memory growth after 10,000 MLP iterations.
"""
import gc
import os
import sys
import time
import tracemalloc
import weakref

import numpy as np

sys.setrecursionlimit(10_000)  # the engine never recurses; this only guards the benchmark itself

import framework  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the floor sits beside this file
from lean_autograd import LeanTensor  # noqa: E402

try:
    import torch
except ImportError:  # PyTorch is optional: only the comparison columns need it
    torch = None


def best_of(fn, repeat=7, number=1):
    """Best wall time of ``number`` calls, over ``repeat`` rounds (seconds per call)."""
    return best_interleaved([fn], repeat, number)[0]


def best_interleaved(fns, repeat, number):
    """Best seconds per call of each of ``fns``, timed in turn within every round, so that load from
    other processes on this shared machine hits every contender alike (as ``benchmarks/nn.py`` does)."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            best[i] = min(best[i], (time.perf_counter() - t0) / number)
    return best


# ---------------------------------------------------------------- per-op overhead
def per_op_table():
    a_np = np.random.default_rng(0).standard_normal(16).astype(np.float32) + 2.0
    b_np = np.random.default_rng(1).standard_normal(16).astype(np.float32) + 2.0
    ops = {
        "add": (lambda x, y: x + y, np.add),
        "mul": (lambda x, y: x * y, np.multiply),
        "exp": (lambda x, y: x.exp(), lambda x, y: np.exp(x)),
        "tanh": (lambda x, y: x.tanh(), lambda x, y: np.tanh(x)),
        "relu": (lambda x, y: x.relu(), lambda x, y: np.maximum(x, 0)),
        "sum": (lambda x, y: x.sum(), lambda x, y: np.sum(x)),
    }
    rows = []
    for name, (fw_fn, np_fn) in ops.items():
        x = framework.tensor(a_np, requires_grad=True)
        y = framework.tensor(b_np, requires_grad=True)

        def fwd_bwd():
            out = fw_fn(x, y)
            (out.sum() if out.ndim else out).backward()
        contenders = [lambda: fw_fn(x, y), lambda: np_fn(a_np, b_np)]
        if torch is not None:
            tx = torch.tensor(a_np, requires_grad=True)
            ty = torch.tensor(b_np, requires_grad=True)
            contenders.append(lambda: fw_fn(tx, ty))
        fwd, bare, *theirs = best_interleaved(contenders, repeat=40, number=200)
        fb = best_of(fwd_bwd, repeat=20, number=100)
        rows.append([name, fwd * 1e6, fb * 1e6, bare * 1e6, fwd / bare] + [t * 1e6 for t in theirs])
    head = f"{'op':<6}{'fwd us':>9}{'fwd+bwd us':>12}{'numpy us':>10}{'fwd/numpy':>11}"
    head += f"{'torch fwd us':>14}" if torch is not None else ""
    print(head)
    for r in rows:
        line = f"{r[0]:<6}{r[1]:>9.2f}{r[2]:>12.2f}{r[3]:>10.2f}{r[4]:>10.1f}x"
        if torch is not None:
            line += f"{r[5]:>14.2f}"
        print(line)
    return max(r[4] for r in rows)


# ---------------------------------------------------------------- the elementwise chain
def chain_ops(x, n):
    """n elementwise ops, cycling through a few cheap unary/binary ones."""
    for i in range(n // 4):
        x = x * 0.999
        x = x + 0.001
        x = x.tanh()
        x = x * x.sigmoid()
    return x


def chain_numpy(a, n):
    """The same chain by hand in numpy: forward keeps what backward needs, backward is explicit."""
    saved = []
    x = a
    for _ in range(n // 4):
        x = x * 0.999
        x = x + 0.001
        t = np.tanh(x)
        saved.append(t)
        s = 1 / (1 + np.exp(-t))
        saved.append(s)
        x = t * s
    g = np.ones_like(x)
    for _ in range(n // 4):
        s = saved.pop()
        t = saved.pop()
        g = g * (s + t * s * (1 - s))
        g = g * (1 - t * t)
        g = g * 0.999
    return g


def chain_table(n=2000):
    a_np = np.random.default_rng(0).standard_normal(16).astype(np.float32)

    def fw():
        x = framework.tensor(a_np, requires_grad=True)
        chain_ops(x, n).sum().backward()
        return x.grad
    def lean():
        x = LeanTensor(a_np)
        chain_ops(x, n).sum().backward()
        return x.grad
    contenders = [fw, lambda: chain_numpy(a_np, n), lean]
    if torch is not None:
        torch.set_num_threads(1)

        def th():
            x = torch.tensor(a_np, requires_grad=True)
            chain_ops(x, n).sum().backward()
            return x.grad
        contenders.append(th)
    t_fw, t_np, t_lean, *t_torch = best_interleaved(contenders, repeat=15, number=1)
    print(f"\n{n}-op elementwise chain, forward+backward on 16 floats")
    print(f"  framework      {t_fw * 1e3:8.2f} ms")
    print(f"  numpy by hand  {t_np * 1e3:8.2f} ms   (framework / numpy = {t_fw / t_np:.2f}x)")
    print(f"  lean autograd  {t_lean * 1e3:8.2f} ms   (framework / lean = {t_fw / t_lean:.2f}x; the floor: "
          "benchmarks/lean_autograd.py, no PyTorch semantics)")
    ratio = None
    if torch is not None:
        t_th = t_torch[0]
        ratio = t_th / t_fw
        print(f"  PyTorch CPU    {t_th * 1e3:8.2f} ms   (framework is {ratio:.2f}x faster; target >= 2x; "
              f"the lean autograd is {t_th / t_lean:.2f}x faster)")
    g_fw = fw()._data
    print(f"  max |grad difference| vs the lean autograd: {np.abs(g_fw - lean()).max():.2e}")
    if torch is not None:
        g_th = th().numpy()
        print(f"  max |grad difference| vs PyTorch: {np.abs(g_fw - g_th).max():.2e}")
    return t_fw, ratio


def long_chain(n=100_000):
    x = framework.tensor(np.ones(4, np.float32), requires_grad=True)
    t0 = time.perf_counter()
    y = x
    for _ in range(n):
        y = y * 1.0
    y.sum().backward()
    del y
    elapsed = time.perf_counter() - t0
    ok = bool(np.all(x.grad._data == 1.0))
    print(f"\n{n:,}-op chain: forward+backward+free in {elapsed:.2f} s, gradient correct: {ok}")
    return ok


def mlp_memory(iterations=10_000):
    rng = np.random.default_rng(0)
    w1 = framework.tensor(rng.standard_normal((8, 16)).astype(np.float32) * 0.1, requires_grad=True)
    w2 = framework.tensor(rng.standard_normal((16, 1)).astype(np.float32) * 0.1, requires_grad=True)
    xb = framework.tensor(rng.standard_normal((32, 8)).astype(np.float32))
    yb = framework.tensor(rng.standard_normal((32, 1)).astype(np.float32))
    refs = []
    gc.collect()
    tracemalloc.start()
    mem_after_warmup = None
    for i in range(iterations):
        h = (xb @ w1).relu()
        loss = ((h @ w2 - yb) ** 2).mean()
        if i % 1000 == 0:
            refs.append(weakref.ref(loss.grad_fn))
        loss.backward()
        with framework.no_grad():
            w1 -= 0.01 * w1.grad
            w2 -= 0.01 * w2.grad
        w1.grad = None
        w2.grad = None
        if i == 1000:
            mem_after_warmup = tracemalloc.get_traced_memory()[0]
        if i == iterations - 1:  # the same point of the loop as the warm-up reading
            mem_end = tracemalloc.get_traced_memory()[0]
    del h, loss
    tracemalloc.stop()
    alive_without_gc = sum(r() is not None for r in refs)
    gc.collect()
    alive = sum(r() is not None for r in refs)
    print(f"\n{iterations:,} MLP iterations: graph nodes alive afterwards {alive} (before gc: {alive_without_gc}); "
          f"traced memory after 1,000 iterations {mem_after_warmup / 1024:.1f} KiB, at the end {mem_end / 1024:.1f} KiB")
    return alive_without_gc == 0 and mem_end <= mem_after_warmup + 4 * 1024


def main():
    print(f"framework autograd benchmark (numpy {np.__version__}"
          + (f", torch {torch.__version__}" if torch is not None else ", torch not installed") + ")\n")
    worst = per_op_table()
    _, ratio = chain_table()
    long_ok = long_chain()
    mem_ok = mlp_memory()
    print("\nTargets:")
    print(f"  per-op forward overhead <= 4x bare numpy: worst {worst:.1f}x -> {'met' if worst <= 4 else 'NOT met'}")
    if ratio is not None:
        print(f"  2,000-op chain >= 2x faster than PyTorch: {ratio:.2f}x -> {'met' if ratio >= 2 else 'NOT met'}")
    print(f"  100,000-op chain completes: {'met' if long_ok else 'NOT met'}")
    print(f"  no graph left alive, no memory growth: {'met' if mem_ok else 'NOT met'}")


if __name__ == "__main__":
    main()
