"""Training-loop speed with and without reporting: configs/xor.yaml and configs/digits_mlp.yaml for a fixed
number of optimiser steps, as the CLI runs them, with TensorBoard on/off and the tqdm bar on/off.

Only ``Trainer.fit`` is timed (not imports, data loading or the final evaluation); validation and epoch
checkpoints are pushed out of the timed window, so the numbers are the steps themselves plus what logging
and progress add (each config's own ``logging.log_every``). Rounds are interleaved and the best (minimum)
time is kept, since other load on the machine only ever adds time.

On a shared 2-core machine the run-to-run noise is larger than the effect being measured, so a second
measure is printed too: the time spent inside the reporting code itself (progress bar, metrics.jsonl,
TensorBoard events, the gradient norm computed for logging, the per-epoch flush), summed with
perf_counter around those calls during a "tensorboard+bar" run, as a fraction of that run's fit time.
Target: TensorBoard + progress bar together cost under 5% of the step time for digits_mlp.

Run:  python benchmarks/train.py [--steps 1500] [--rounds 5]
"""
import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

from framework.train import Trainer
from framework.train.cli import parse_args, resolve

REPO = Path(__file__).resolve().parents[1]
VARIANTS = {  # name: (tensorboard, progress)
    "bare": (False, "none"),
    "tensorboard": (True, "none"),
    "bar": (False, "bar"),
    "tensorboard+bar": (True, "bar"),
}


def timed_fit(config_name, steps, tensorboard, progress, workdir):
    """Seconds spent in Trainer.fit for ``steps`` optimiser steps of a config."""
    overrides = [f"train.max_steps={steps}", "train.epochs=100000", "train.val_every=100000",
                 "train.checkpoint_epochs=100000", f"logging.tensorboard={str(tensorboard).lower()}",
                 f"logging.progress={progress}", f"output_dir={workdir / config_name / str(time.monotonic_ns())}"]
    recipe, config, _ = resolve(parse_args([str(REPO / "configs" / f"{config_name}.yaml"), *overrides]))
    elapsed = []
    original_fit = Trainer.fit

    def fit(self, resume=None):
        start = time.perf_counter()
        try:
            return original_fit(self, resume)
        finally:
            elapsed.append(time.perf_counter() - start)

    Trainer.fit = fit
    try:
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            recipe.main(config)
    finally:
        Trainer.fit = original_fit
    return elapsed[0]


# The reporting code, timed from the outside (outermost calls only: _log_step calls Progress.advance).
REPORTING = [("framework.train.trainer", "Trainer", "_log_step"),
             ("framework.train.trainer", "Trainer", "_grad_norm"),
             ("framework.train.logging", "RunLogger", "scalars"),
             ("framework.train.logging", "RunLogger", "histograms"),
             ("framework.train.logging", "RunLogger", "flush"),
             ("framework.train.logging", "RunLogger", "message"),
             ("framework.train.logging", "Progress", "start_epoch"),
             ("framework.train.logging", "Progress", "advance"),
             ("framework.train.logging", "Progress", "end_epoch")]


@contextlib.contextmanager
def reporting_clock():
    """Sum the time spent in the reporting code while the block runs; yields a one-item list."""
    import importlib
    total, depth, originals = [0.0], [0], []
    for module_name, class_name, method in REPORTING:
        cls = getattr(importlib.import_module(module_name), class_name)
        original = getattr(cls, method)
        originals.append((cls, method, original))

        def timed(self, *args, __original=original, **kwargs):
            depth[0] += 1
            start = time.perf_counter()
            try:
                return __original(self, *args, **kwargs)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    total[0] += time.perf_counter() - start
        setattr(cls, method, timed)
    try:
        yield total
    finally:
        for cls, method, original in originals:
            setattr(cls, method, original)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    configs = ["xor", "digits_mlp"]
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("scikit-learn is not installed (pip install .[datasets]): digits_mlp skipped", file=sys.stderr)
        configs = ["xor"]
    shares = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for name in configs:  # warm-up: imports, caches
            timed_fit(name, 50, True, "bar", workdir)
        times = {(c, v): [] for c in configs for v in VARIANTS}
        for _ in range(args.rounds):
            for name in configs:
                for variant, (tensorboard, progress) in VARIANTS.items():
                    times[name, variant].append(timed_fit(name, args.steps, tensorboard, progress, workdir))
        for name in configs:
            runs = []
            for _ in range(args.rounds):
                with reporting_clock() as spent:
                    fit_time = timed_fit(name, args.steps, True, "bar", workdir)
                runs.append(spent[0] / fit_time)
            shares[name] = min(runs)

    print(f"{args.steps} optimiser steps per run, best of {args.rounds} interleaved rounds")
    print(f"{'config':<12}{'variant':<18}{'steps/s':>10}{'ms/step':>10}{'vs bare':>10}")
    for name in configs:
        base = min(times[name, "bare"])
        for variant in VARIANTS:
            t = min(times[name, variant])
            print(f"{name:<12}{variant:<18}{args.steps / t:>10.0f}{1000 * t / args.steps:>10.3f}"
                  f"{(t - base) / base:>+10.1%}")
    print()
    for name in configs:
        wall = (min(times[name, "tensorboard+bar"]) - min(times[name, "bare"])) / min(times[name, "bare"])
        target = ""
        if name == "digits_mlp":
            target = "  (target < 5%: " + ("met" if shares[name] < 0.05 else "NOT met") + ")"
        print(f"{name}: TensorBoard + progress bar: {wall:+.1%} by wall time, {shares[name]:.1%} of fit time "
              f"spent in the reporting code{target}")


if __name__ == "__main__":
    main()
