"""The benchmark suite of issue 7: framework against hand-written numpy and PyTorch CPU, one table.

Run:  python benchmarks/run.py [--quick] [--tiny] [--no-torch] [--threads N] [--json PATH]

Every workload (benchmarks/workloads/) is a full training step. Each system (framework, numpy by hand,
PyTorch when importable) runs in its own worker process (this script with ``--worker``), started once and
kept for the whole suite; the workers take turns, one at a time, so they never compete for the CPU.
Repetitions interleave the systems (their order rotates every round). The table shows the median steps/s
over the repetitions; a ratio is the median of the ratios within each repetition, whose runs are seconds
apart, so a slow spell of a shared machine hits both sides of a ratio alike.

Peak memory: ``tracemalloc`` peak during one training step (the fourth of a fresh build), counting
everything the step's process holds that was allocated since the model was built: parameters, optimiser
state, gradients, activations, temporaries, the batch. numpy registers its array buffers with tracemalloc;
PyTorch's allocator does not, so PyTorch has no memory column.

Threads: every worker runs with ``--threads`` BLAS/OpenMP threads (default 1). On this shared 2-core
machine two threads make OpenBLAS and PyTorch's OpenMP pool stall whenever another job holds a core
(PyTorch's xor step once ran 15x slower with 2 threads than with 1), which would measure the neighbours, not
the systems.

Allocator: the ``mlp`` rows are also run in two more workers (framework and numpy) that first set glibc's
``M_MMAP_THRESHOLD`` and ``M_TRIM_THRESHOLD`` through ``mallopt`` (ctypes), so large arrays come from the
heap and freed memory stays mapped; the report compares steps/s and page faults per step on and off.

``--quick`` (under a minute) takes fewer and shorter repetitions of the same workloads; ``--tiny`` uses tiny
sizes and one short repetition (for the test). ``--no-torch`` (or ``BENCH_NO_TORCH=1``) drops PyTorch.
"""
import argparse
import ctypes
import ctypes.util
import importlib.util
import json
import os
import platform
import resource
import selectors
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

SYSTEMS = ("framework", "numpy", "torch")
LABELS = {"framework": "framework", "numpy": "numpy", "torch": "PyTorch"}
MODES = {  # repetitions, seconds per measurement, workload size, digits_mlp steps
    "full": {"reps": 9, "seconds": 0.7, "size": "full", "digits_steps": 400},
    "quick": {"reps": 3, "seconds": 0.2, "size": "full", "digits_steps": 120},
    "tiny": {"reps": 1, "seconds": 0.02, "size": "tiny", "digits_steps": 10},
}
MALLOPT = {"M_MMAP_THRESHOLD": (-3, 32 * 1024 * 1024), "M_TRIM_THRESHOLD": (-1, 1024 * 1024 * 1024)}
WARMUP_STEPS, WARMUP_SECONDS = 3, 0.1
REPLY_TIMEOUT = 300  # seconds a worker may take for one request before the suite gives up on it
TARGETS_NOTE = "issue 7 targets, from this run's medians"


# ============================================================================================ worker side
def apply_mallopt():
    """Set the glibc thresholds of MALLOPT; returns True when glibc accepted all of them."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    return all(libc.mallopt(option, value) == 1 for option, value in MALLOPT.values())


def check_value(value):
    """A step's return value (loss or gradient; framework, torch or numpy) as one float."""
    import numpy as np
    if hasattr(value, "_data"):
        value = value._data
    elif hasattr(value, "detach"):
        value = value.detach().numpy()
    return float(np.sum(value))


class Worker:
    """One system's process: builds each workload once, then times it on request."""

    def __init__(self, system, size):
        self.system, self.size = system, size
        self.steps = {}

    def build(self, row):
        from workloads import ROWS
        module, options = ROWS[row]
        return getattr(module, f"build_{self.system}")(module.SIZES[self.size], **options)

    def time(self, row, seconds):
        step = self.steps[row]
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        clock = time.perf_counter
        start, n = clock(), 0
        while True:
            step()
            n += 1
            elapsed = clock() - start
            if elapsed >= seconds:
                break
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
        return {"steps_per_s": n / elapsed, "steps": n, "faults_per_step": faults / n}

    def probe(self, row):
        """Check values of the first three steps of a fresh build, and its memory (None for torch)."""
        from workloads import ROWS
        on_forward = getattr(ROWS[row][0], "ON_FORWARD", False)
        trace = self.system != "torch"
        if trace:
            tracemalloc.start()
        try:
            step = self.build(row)
            values = [check_value(step()) for _ in range(3)]
            if not trace:
                return {"check": values}
            resting = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            held = []
            value = step(lambda: held.append(tracemalloc.get_traced_memory()[0])) if on_forward else step()
            del value
            peak = tracemalloc.get_traced_memory()[1]
            result = {"check": values, "peak": peak, "resting": resting}
            if held:
                result["graph"] = held[0] - resting   # what the forward pass added, held for backward
            return result
        finally:
            if trace:
                tracemalloc.stop()

    def warm_up(self, rows):
        """Build every row and take a few steps, untraced: imports and one-time caches (PyTorch's first
        optimiser step imports torch._dynamo, seconds) happen here, while the other workers start too, and
        never count as a step's time or memory. These builds are the ones timed later."""
        for row in rows:
            step = self.steps[row] = self.build(row)
            start, n = time.perf_counter(), 0
            while n < WARMUP_STEPS or time.perf_counter() - start < WARMUP_SECONDS:
                step()
                n += 1

    def serve(self, requests, replies):
        for line in requests:
            request = json.loads(line)
            try:
                if request["op"] == "time":
                    reply = self.time(request["row"], request["seconds"])
                elif request["op"] == "probe":
                    reply = self.probe(request["row"])
                elif request["op"] == "info":
                    reply = worker_info(self.system)
                else:
                    raise ValueError(f"unknown request {request['op']!r}")
            except Exception as exc:  # reported in the table, not fatal for the other rows
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            replies.write(json.dumps(reply) + "\n")
            replies.flush()


def worker_info(system):
    import numpy as np
    info = {"numpy": np.__version__}
    if system == "torch":
        import torch
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    return info


def worker_main(args):
    if args.mallopt and not apply_mallopt():
        raise SystemExit("mallopt refused the thresholds")
    if args.worker == "torch":
        import torch
        torch.set_num_threads(args.threads)
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr  # anything a workload prints must not garble the replies
    worker = Worker(args.worker, args.size)
    worker.warm_up(args.rows.split(","))
    worker.serve(sys.stdin, replies)


# ============================================================================================ suite side
class WorkerProcess:
    """A running worker, answering one JSON request at a time."""

    def __init__(self, name, system, size, threads, rows, mallopt=False):
        self.name, self.system = name, system
        env = dict(os.environ)
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", system, "--size", size,
                   "--threads", str(threads), "--rows", ",".join(rows)] + (["--mallopt"] if mallopt else [])
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                        text=True, env=env, cwd=HERE.parent)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.process.stdout, selectors.EVENT_READ)

    def request(self, **request):
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            return {"error": f"worker {self.name} died: {self.stderr_tail()}"}
        if not self.selector.select(REPLY_TIMEOUT):
            return {"error": f"worker {self.name} gave no answer in {REPLY_TIMEOUT} s"}
        line = self.process.stdout.readline()
        if not line:
            return {"error": f"worker {self.name} died: {self.stderr_tail()}"}
        return json.loads(line)

    def stderr_tail(self):
        self.log.seek(0)
        lines = self.log.read().strip().splitlines()
        return " | ".join(lines[-3:]) or "no message"

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def torch_wanted(args):
    if args.no_torch or os.environ.get("BENCH_NO_TORCH", "") not in ("", "0"):
        return False
    return importlib.util.find_spec("torch") is not None


def run_suite(args):
    from workloads import ROWS, TRAINER_ROWS
    mode = MODES["tiny" if args.tiny else "quick" if args.quick else "full"]
    systems = [s for s in SYSTEMS if s != "torch" or torch_wanted(args)]
    started = time.perf_counter()
    workers = {s: WorkerProcess(s, s, mode["size"], args.threads, list(ROWS)) for s in systems}
    extra = {f"{s}+mallopt": WorkerProcess(f"{s}+mallopt", s, mode["size"], args.threads, ["mlp"], mallopt=True)
             for s in ("framework", "numpy")}
    everyone = {**workers, **extra}
    results = {"mode": "tiny" if args.tiny else "quick" if args.quick else "full", "systems": systems,
               "threads": args.threads, "times": {}, "probes": {}, "errors": {}}
    # --tiny only checks that everything runs: its trainer run overlaps the workers' start-up (saves seconds);
    # otherwise the trainer runs once per repetition, while the workers wait
    pool = ThreadPoolExecutor(max_workers=1)
    background = {row: pool.submit(module.measure, mode["digits_steps"])
                  for row, module in TRAINER_ROWS.items()} if args.tiny else {}

    def record_trainer(row, measure):
        try:
            results["times"].setdefault(f"{row}/framework", []).append(measure())
        except Exception as exc:
            results["errors"].setdefault(f"{row}/framework", f"{type(exc).__name__}: {exc}")

    def progress(text):
        print(f"[{time.perf_counter() - started:5.1f} s] {text}", file=sys.stderr, flush=True)

    try:
        results["info"] = {name: w.request(op="info") for name, w in everyone.items()}
        progress(f"workers ready: {', '.join(everyone)}")
        for row in ROWS:
            for name, w in workers.items():
                results["probes"][f"{row}/{name}"] = w.request(op="probe", row=row)
        progress("memory and agreement probes done")
        for rep in range(mode["reps"]):
            progress(f"repetition {rep + 1} of {mode['reps']}")
            for row in ROWS:
                names = list(workers) + (list(extra) if row == "mlp" else [])
                shift = rep % len(names)
                for name in names[shift:] + names[:shift]:
                    reply = everyone[name].request(op="time", row=row, seconds=mode["seconds"])
                    key = f"{row}/{name}"
                    if "error" in reply:
                        results["errors"].setdefault(key, reply["error"])
                    else:
                        results["times"].setdefault(key, []).append(reply)
            if not background:
                for row, module in TRAINER_ROWS.items():
                    record_trainer(row, lambda: module.measure(mode["digits_steps"]))
        for row, future in background.items():
            record_trainer(row, future.result)
    finally:
        pool.shutdown()
        for w in everyone.values():
            w.close()
    results["seconds"] = time.perf_counter() - started
    return results


# ============================================================================================ report
def median_rate(results, key):
    runs = results["times"].get(key)
    return statistics.median(r["steps_per_s"] for r in runs) if runs else None


def speed_ratio(results, key, other):
    """Median over the repetitions of steps/s of ``key`` / steps/s of ``other`` in the same repetition (they ran
    seconds apart, so a slow spell of the shared machine affects both); None when either was not measured."""
    a, b = results["times"].get(key), results["times"].get(other)
    if not a or not b:
        return None
    return statistics.median(x["steps_per_s"] / y["steps_per_s"] for x, y in zip(a, b))


def spread(results, key):
    runs = results["times"].get(key)
    if not runs or len(runs) < 2:
        return None
    rates = [r["steps_per_s"] for r in runs]
    return (max(rates) - min(rates)) / statistics.median(rates)


def fmt_rate(value):
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def fmt_ratio(a, b):
    return "-" if a is None or b is None else f"{a / b:.2f}x"


def fmt_x(value):
    return "-" if value is None else f"{value:.2f}x"


def mib(value):
    if value is None:
        return "-"
    value /= 2 ** 20
    return f"{value:.3g}" if value < 10 else f"{value:.1f}"


def table(results):
    from workloads import ROWS, TRAINER_ROWS
    systems = results["systems"]
    torch_on = "torch" in systems
    head = ["workload", "framework", "numpy"] + (["PyTorch"] if torch_on else [])
    head += ["fw/numpy"] + (["fw/PyTorch"] if torch_on else [])
    head += ["fw_MiB", "numpy_MiB", "fw/numpy_MiB", "spread"]
    rows = []
    for row in list(ROWS) + list(TRAINER_ROWS):
        rate = {s: median_rate(results, f"{row}/{s}") for s in systems}
        peak = {s: results["probes"].get(f"{row}/{s}", {}).get("peak") for s in ("framework", "numpy")}
        spreads = [x for x in (spread(results, f"{row}/{s}") for s in systems) if x is not None]
        line = [row] + [fmt_rate(rate[s]) for s in ("framework", "numpy")]
        line += [fmt_rate(rate["torch"])] if torch_on else []
        line += [fmt_x(speed_ratio(results, f"{row}/framework", f"{row}/numpy"))]
        line += [fmt_x(speed_ratio(results, f"{row}/framework", f"{row}/torch"))] if torch_on else []
        line += [mib(peak["framework"]), mib(peak["numpy"]), fmt_ratio(peak["framework"], peak["numpy"])]
        line += [f"{max(spreads) * 100:.0f}%" if spreads else "-"]
        rows.append(line)
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    out = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(head, widths)))]
    out += ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    return "\n".join(out)


def check_agreement(results):
    """Relative difference of each system's first three check values from the framework's."""
    from workloads import ROWS
    lines, worst = [], 0.0
    for row in ROWS:
        ref = results["probes"].get(f"{row}/framework", {}).get("check")
        for s in results["systems"][1:]:
            other = results["probes"].get(f"{row}/{s}", {}).get("check")
            if ref is None or other is None:
                continue
            diff = max(abs(a - b) / max(abs(a), 1e-12) for a, b in zip(ref, other))
            worst = max(worst, diff)
            if diff > 1e-3:
                lines.append(f"  WARNING {row}: {LABELS[s]} differs from framework by {diff:.1e} (relative)")
    return worst, lines


def targets(results):
    """(description, measured, met) for every target of issue 7 that this run measured."""
    def speed(row, s, other_row=None, other=None):
        return speed_ratio(results, f"{row}/{s}", f"{other_row or row}/{other or s}")

    def probe(row, s, key):
        return results["probes"].get(f"{row}/{s}", {}).get(key)

    found = []

    def ratio_target(text, value, bound, at_least=True):
        if value is None:
            found.append((text, "not measured", None))
        else:
            found.append((text, f"{value:.2f}x", value >= bound if at_least else value <= bound))

    def memory_ratio(a, b):
        return None if a is None or b is None else a / b

    torch_on = "torch" in results["systems"]
    if torch_on:
        ratio_target("xor >= 3x PyTorch steps/s", speed("xor", "framework", other="torch"), 3)
    ratio_target("xor >= 0.25x numpy-by-hand", speed("xor", "framework", other="numpy"), 0.25)
    if torch_on:
        ratio_target("mlp >= 1.0x PyTorch", speed("mlp", "framework", other="torch"), 1.0)
    ratio_target("mlp >= 0.9x numpy-by-hand", speed("mlp", "framework", other="numpy"), 0.9)
    if torch_on:
        ratio_target("cnn >= 0.7x PyTorch", speed("cnn", "framework", other="torch"), 0.7)
        ratio_target("chain >= 2x PyTorch", speed("chain", "framework", other="torch"), 2)
    else:
        found.append(("PyTorch targets (xor 3x, mlp 1.0x, cnn 0.7x, chain 2x)", "PyTorch not used", None))
    ratio_target("deep+ckpt peak memory <= 0.3x deep (whole-step peak)",
                 memory_ratio(probe("deep+ckpt", "framework", "peak"), probe("deep", "framework", "peak")), 0.3,
                 at_least=False)
    ratio_target("deep+ckpt graph memory <= 0.3x deep (held by the graph after forward)",
                 memory_ratio(probe("deep+ckpt", "framework", "graph"), probe("deep", "framework", "graph")), 0.3,
                 at_least=False)
    ratio_target("deep+ckpt steps/s >= 0.6x deep", speed("deep+ckpt", "framework", other_row="deep"), 0.6)
    ratio_target("mlp peak memory <= 1.3x numpy-by-hand",
                 memory_ratio(probe("mlp", "framework", "peak"), probe("mlp", "numpy", "peak")), 1.3, at_least=False)
    return found


def allocator_report(results):
    """mallopt on against off for mlp, paired by repetition (both runs of a pair are in the same round)."""
    lines = ["Allocator (mlp): glibc mallopt " + ", ".join(f"{k}={v:,}" for k, (_, v) in MALLOPT.items())
             + " set through ctypes in the worker, against the default allocator:"]
    verdicts = {}
    for s in ("framework", "numpy"):
        off, on = results["times"].get(f"mlp/{s}"), results["times"].get(f"mlp/{s}+mallopt")
        if not off or not on:
            lines.append(f"  {LABELS[s]:<9}  not measured")
            continue
        ratios = [b["steps_per_s"] / a["steps_per_s"] for a, b in zip(off, on)]
        gain = statistics.median(ratios)
        faster = sum(r > 1 for r in ratios)
        verdicts[s] = gain >= 1.05 and faster >= 2 * len(ratios) / 3
        lines.append(f"  {LABELS[s]:<9}  off {fmt_rate(median_rate(results, f'mlp/{s}')):>5} steps/s "
                     f"({statistics.median(r['faults_per_step'] for r in off):.1f} page faults/step)   "
                     f"on {fmt_rate(median_rate(results, f'mlp/{s}+mallopt')):>5} steps/s "
                     f"({statistics.median(r['faults_per_step'] for r in on):.1f} page faults/step)   "
                     f"on/off {gain:.2f}x (median of {len(ratios)} pairs; faster in {faster})")
    if "framework" in verdicts:
        verdict = ("helps: worth applying in the training entry point, with an environment variable to turn it off"
                   if verdicts["framework"] else
                   "no clear gain (needs >= 1.05x and faster in 2/3 of the pairs): not recommended")
        lines.append(f"  verdict for the framework: {verdict}")
    return lines


def deep_report(results):
    lines = ["deep with and without checkpointing (tracemalloc, MiB): whole-step peak / resting (weights, optimiser "
             "state, buffers) / held by the graph after forward"]
    for row in ("deep", "deep+ckpt"):
        for s in ("framework", "numpy"):
            p = results["probes"].get(f"{row}/{s}", {})
            if "peak" in p:
                lines.append(f"  {row:<10} {LABELS[s]:<9} peak {mib(p['peak']):>7}  resting {mib(p['resting']):>7}"
                             f"  graph {mib(p.get('graph')):>7}")
    speed = [f"{LABELS[s]} {fmt_x(speed_ratio(results, f'deep+ckpt/{s}', f'deep/{s}'))}" for s in results["systems"]]
    lines.append("  steps/s with / without checkpointing: " + ", ".join(speed))
    lines.append("  (a block keeps its input and its ReLU output for backward, one array each; checkpointed, only its "
                 "input: 0.5x is the least graph memory checkpointing can reach on this block)")
    return lines


def report(results):
    info = results.get("info", {})
    versions = [f"numpy {info.get('numpy', {}).get('numpy', '?')}"]
    if "torch" in info:
        versions.append(f"torch {info['torch'].get('torch', '?')} ({info['torch'].get('torch_threads')} threads)")
    else:
        versions.append("PyTorch not used")
    print(f"benchmarks/run.py ({results['mode']}): median steps/s over {MODES[results['mode']]['reps']} "
          f"interleaved repetitions; {results['threads']} BLAS/OpenMP thread(s) per system; "
          f"{cpu_name()}, {os.cpu_count()} cores; python {platform.python_version()}, {', '.join(versions)}")
    print("fw/numpy, fw/PyTorch: median over the repetitions of the ratio within each repetition; *_MiB: tracemalloc "
          "peak of one training step (weights, optimiser state, gradients, activations, temporaries); spread: "
          "(max - min) / median of the repetitions, worst system\n")
    print(table(results))
    digits = results["times"].get("digits_mlp/framework")
    if digits:
        walls = statistics.median(r["wall_s"] for r in digits)
        print(f"\ndigits_mlp: python -m framework.train configs/digits_mlp.yaml train.max_steps={digits[0]['steps']}; "
              f"steps/s from its metrics.jsonl (train/throughput / batch size, validation and checkpoints included); whole subprocess "
              f"{walls:.2f} s (median)")
    for key, error in results["errors"].items():
        print(f"ERROR {key}: {error}")
    worst, warnings = check_agreement(results)
    print(f"\nSame arithmetic: the first three losses (chain: gradients) of every system agree with the framework's "
          f"to {worst:.1e} (relative)")
    for line in warnings:
        print(line)
    print()
    for line in deep_report(results):
        print(line)
    print()
    for line in allocator_report(results):
        print(line)
    print(f"\nTargets ({TARGETS_NOTE}):")
    for text, measured, met in targets(results):
        status = "-" if met is None else "met" if met else "NOT met"
        print(f"  {status:<8} {text}: {measured}")
    print(f"\nsuite time {results['seconds']:.0f} s")


def cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repetitions (under a minute)")
    parser.add_argument("--tiny", action="store_true", help="tiny sizes, one repetition (for the test)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out (also BENCH_NO_TORCH=1)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads per system (default 1)")
    parser.add_argument("--json", metavar="PATH", help="also write the raw measurements as JSON")
    parser.add_argument("--worker", choices=SYSTEMS, help=argparse.SUPPRESS)
    parser.add_argument("--size", default="full", help=argparse.SUPPRESS)
    parser.add_argument("--mallopt", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rows", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker_main(args)
        return
    results = run_suite(args)
    report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
