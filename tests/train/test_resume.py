"""Stop and resume: a run interrupted by SIGTERM/SIGINT (a real signal, in a subprocess) and resumed with
--resume ends bit for bit where the uninterrupted run ends: weights, optimiser state, data-loader position,
RNG states and metrics, with shuffling and dropout on, mid-epoch and at epoch boundaries."""
import random
import shutil

import numpy as np
import pytest
from safetensors.numpy import load_file

import framework
from framework.autograd.tensor import Tensor
from .train_helpers import read_events, read_metrics, run_cli, run_process, steps_of, tiny_config, write_config

# A user model that sends itself a signal at its N-th training forward call (N from the environment), so
# the interruption lands at an exact micro-batch.
KILLER = '''
import os, signal
import framework

class KillerMLP(framework.nn.MLP):
    calls = 0

    def forward(self, x):
        if self.training:
            KillerMLP.calls += 1
            if str(KillerMLP.calls) == os.environ.get("KILL_AT_CALL"):
                os.kill(os.getpid(), getattr(signal, os.environ.get("KILL_SIGNAL", "SIGTERM")))
        return super().forward(x)
'''
# 120 spiral points, 90 for training: 6 micro-batches of 16 (the last has 10) per epoch; with k=2, 3 optimiser
# steps per epoch, the last one on 26 samples. Checkpoints after every step, so there is an older one too.
CONFIG = tiny_config(
    model={"_target_": "killer.KillerMLP", "sizes": [2, 16, 3], "dropout": 0.2},
    train={"epochs": 3, "grad_accum_steps": 2, "checkpoint_every": 1, "keep_last": 3},
    logging={"log_every": 2, "tensorboard": True, "progress": "plain"},
)
MICRO_BATCHES_PER_EPOCH = 6


def prepare(directory, config=CONFIG):
    (directory / "killer.py").write_text(KILLER)
    return write_config(directory, config, "resume.yaml")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run."""
    directory = tmp_path_factory.mktemp("reference")
    path = prepare(directory)
    result = run_process(path, "output_dir=full", cwd=directory)
    assert result.code == 0, result
    return directory / "full"


def interrupt(tmp_path, call, signal_name="SIGTERM", *extra):
    path = prepare(tmp_path)
    result = run_process(path, "output_dir=cut", *extra, cwd=tmp_path,
                         env={"KILL_AT_CALL": str(call), "KILL_SIGNAL": signal_name})
    expected = {"SIGTERM": 143, "SIGINT": 130}[signal_name]
    assert result.code == expected, result
    assert "Traceback" not in result.err
    assert f"stopped by {signal_name}" in result.err and "--resume" in result.err
    return path


def same(a, b, where="state"):
    """Bitwise equality of nested state (tensors compared by value, dtype and shape)."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        assert isinstance(a, Tensor) and isinstance(b, Tensor), where
        assert a._data.dtype == b._data.dtype and np.array_equal(a._data, b._data), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def assert_same_run(run, reference):
    weights = load_file(str(run / "checkpoints" / "last" / "model.safetensors"))
    expected = load_file(str(reference / "checkpoints" / "last" / "model.safetensors"))
    assert weights.keys() == expected.keys()
    for key in expected:
        assert np.array_equal(weights[key], expected[key]), key
    state = framework.load(str(run / "checkpoints" / "last" / "state.safetensors"))
    expected_state = framework.load(str(reference / "checkpoints" / "last" / "state.safetensors"))
    for key in ("optimizer", "loader", "rng", "progress", "best"):
        same(state.get(key), expected_state.get(key), key)

    def records(directory):
        return [{k: v for k, v in r.items() if k != "train/throughput"} for r in read_metrics(directory)]
    assert records(run) == records(reference)


def resume(capsys, path, *args):
    result = run_cli(capsys, path, "output_dir=cut", *args)
    assert result.code == 0, result
    return result


@pytest.mark.parametrize("call, signal_name", [
    (3, "SIGTERM"),                               # first micro-batch of the 2nd window of epoch 1
    (MICRO_BATCHES_PER_EPOCH, "SIGTERM"),         # the last micro-batch of epoch 1: the epoch boundary
    (MICRO_BATCHES_PER_EPOCH + 2, "SIGINT"),      # Ctrl-C in the middle of epoch 2
    (random.Random(2024).randint(1, 3 * MICRO_BATCHES_PER_EPOCH - 1), "SIGTERM"),  # a random step
], ids=["mid-epoch", "epoch-boundary", "sigint", "random-step"])
def test_interrupted_and_resumed_run_equals_the_uninterrupted_one(capsys, tmp_path, reference, call, signal_name):
    path = interrupt(tmp_path, call, signal_name)
    stopped_at = framework.load(str(tmp_path / "cut" / "checkpoints" / "last" / "state.safetensors"))
    assert stopped_at["progress"]["step"] == (call + 1) // 2, "the step being computed is finished first"
    result = resume(capsys, path, "--resume", "auto")
    step = stopped_at["progress"]["step"]
    assert f"resumed from cut/checkpoints/step_{step:08d} at step {step}" in result.out
    assert_same_run(tmp_path / "cut", reference)
    # TensorBoard is told to drop what the interrupted process logged after its checkpoint
    assert steps_of(read_events(tmp_path / "cut"), "session_start", "session_log") == [step + 1]


def test_resume_skips_a_damaged_checkpoint_with_a_warning(capsys, tmp_path, reference):
    path = interrupt(tmp_path, 5)
    newest = (tmp_path / "cut" / "checkpoints" / "last").resolve()
    assert newest.name == "step_00000003"
    data = (newest / "state.safetensors").read_bytes()
    (newest / "state.safetensors").write_bytes(data[: len(data) // 2])  # truncated
    result = resume(capsys, path, "--resume", "auto")
    assert "warning: checkpoint cut/checkpoints/step_00000003 is damaged or incomplete" in result.err
    assert "skipping it" in result.err
    assert "resumed from cut/checkpoints/step_00000002 at step 2" in result.out
    assert_same_run(tmp_path / "cut", reference)


def test_resume_from_an_explicit_older_checkpoint(capsys, tmp_path, reference):
    path = interrupt(tmp_path, 8)
    older = sorted((tmp_path / "cut" / "checkpoints").glob("step_*"))[0]
    resume(capsys, path, "--resume", older)
    assert_same_run(tmp_path / "cut", reference)


def test_raising_epochs_extends_a_finished_run(capsys, tmp_path, reference):
    path = prepare(tmp_path)
    result = run_cli(capsys, path, "output_dir=cut", "train.epochs=2")
    assert result.code == 0, result
    again = run_cli(capsys, path, "output_dir=cut", "train.epochs=2", "--resume")
    assert again.code == 0 and "nothing to train: train.epochs=2 done" in again.out
    resume(capsys, path, "--resume", "auto")
    assert_same_run(tmp_path / "cut", reference)


def test_raising_max_steps_extends_a_run_stopped_mid_epoch(capsys, tmp_path, reference):
    path = prepare(tmp_path)
    result = run_cli(capsys, path, "output_dir=cut", "train.max_steps=4")
    assert result.code == 0, result
    state = framework.load(str(tmp_path / "cut" / "checkpoints" / "last" / "state.safetensors"))
    assert state["progress"]["step"] == 4 and state["loader"]["position"] == 2
    resume(capsys, path, "--resume", "auto")
    assert_same_run(tmp_path / "cut", reference)


def test_resume_with_an_incompatible_config_says_what_differs(capsys, tmp_path, reference):
    path = prepare(tmp_path)
    shutil.copytree(reference, tmp_path / "cut")
    result = run_cli(capsys, path, "output_dir=cut", "model.sizes=[2, 32, 3]", "optimizer.lr=0.5", "--resume")
    assert result.code == 2, result
    assert "model.sizes is [2, 16, 3] there and [2, 32, 3] here" in result.err
    assert "optimizer.lr is 0.01 there and 0.5 here" in result.err
    assert "Traceback" not in result.err


def test_resume_auto_without_checkpoints_starts_a_new_run(capsys, tmp_path):
    path = prepare(tmp_path)
    result = run_cli(capsys, path, "train.epochs=1", "--resume", "auto")
    assert result.code == 0, result
    assert "no checkpoint found under runs/resume; starting a new run" in result.err
    assert len(list((tmp_path / "runs" / "resume").iterdir())) == 1


def test_resume_auto_picks_the_newest_run_of_the_config(capsys, tmp_path):
    path = prepare(tmp_path)
    assert run_cli(capsys, path, "train.max_steps=2").code == 0
    runs = sorted((tmp_path / "runs" / "resume").iterdir())
    (run_dir,) = runs
    result = run_cli(capsys, path, "train.max_steps=3", "--resume")
    assert result.code == 0, result
    assert sorted((tmp_path / "runs" / "resume").iterdir()) == runs, "continued in the same run directory"
    assert (run_dir / "checkpoints" / "last").resolve().name == "step_00000003"


def test_resume_from_a_missing_path_is_a_config_error(capsys, tmp_path):
    path = prepare(tmp_path)
    result = run_cli(capsys, path, "--resume", "nowhere/checkpoints/last")
    assert result.code == 2 and "--resume nowhere/checkpoints/last: no such checkpoint or run directory" in result.err


def test_a_new_run_refuses_a_directory_that_holds_checkpoints(capsys, tmp_path):
    path = prepare(tmp_path)
    assert run_cli(capsys, path, "output_dir=cut", "train.max_steps=2").code == 0
    before = (tmp_path / "cut" / "metrics.jsonl").read_bytes()
    result = run_cli(capsys, path, "output_dir=cut", "train.max_steps=2")
    assert result.code == 2, result
    assert "cut already holds checkpoints of a run; continue it with --resume, or choose another output_dir" \
        in result.err
    assert (tmp_path / "cut" / "metrics.jsonl").read_bytes() == before


def test_a_model_that_no_longer_matches_fails_without_touching_the_run(capsys, tmp_path):
    net = ("import framework\nclass Net(framework.nn.MLP):\n"
           "    def __init__(self):\n        super().__init__([2, {}, 3])\n")
    (tmp_path / "my_net.py").write_text(net.format(4))
    path = write_config(tmp_path, tiny_config(model={"_target_": "my_net.Net"}, output_dir="run"))
    assert run_cli(capsys, path, "train.max_steps=2").code == 0
    saved = {name: (tmp_path / "run" / name).read_bytes() for name in ("metrics.jsonl", "config.yaml")}
    import sys
    del sys.modules["my_net"]
    (tmp_path / "my_net.py").write_text(net.format(5))   # the user's code changed, the config did not
    result = run_cli(capsys, path, "--resume")
    assert result.code == 2, result
    assert "the model does not match the checkpoint" in result.err and "size mismatch for 0.weight" in result.err
    assert {name: (tmp_path / "run" / name).read_bytes() for name in saved} == saved
