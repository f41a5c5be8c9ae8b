"""The training loop's behaviour: NaN/inf stops, early stopping, max_steps, scheduler and clipping per
optimiser step, monitors, signals restored, and the regression task."""
import math
import signal

import numpy as np
import pytest

import framework
from framework.train import ConfigError, Trainer
from .train_helpers import read_metrics, run_cli, tiny_config, write_config

POISON = '''
import framework

class Poison(framework.nn.Module):
    """Passes its input through, except at training call `at`, where it returns it times NaN."""
    def __init__(self, at):
        super().__init__()
        self.at, self.calls = at, 0

    def forward(self, x):
        if self.training:
            self.calls += 1
            if self.calls == self.at:
                return x * float("nan")
        return x


class PoisonedNet(framework.nn.Module):
    def __init__(self, at):
        super().__init__()
        self.body = framework.nn.MLP([2, 8, 8])
        self.poison = Poison(at)
        self.head = framework.nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.poison(self.body(x)))


class SqrtAtZero(framework.nn.Module):
    """Finite loss, NaN gradient: d sqrt(z)/dz at z = 0 is inf, times 0 upstream."""
    def __init__(self):
        super().__init__()
        self.net = framework.nn.MLP([2, 3])
        self.zero = framework.nn.Parameter(framework.zeros(1))

    def forward(self, x):
        return self.net(x) + (self.zero.sqrt() * 0.0).sum()
'''


def poisoned(tmp_path, model, **train):
    (tmp_path / "poison.py").write_text(POISON)
    config = tiny_config(model=model, output_dir="run", train={"epochs": 2, "checkpoint_every": 1, **train})
    return write_config(tmp_path, config)


def test_nan_loss_stops_with_the_step_and_keeps_the_last_good_checkpoint(capsys, tmp_path):
    path = poisoned(tmp_path, {"_target_": "poison.PoisonedNet", "at": 3})
    result = run_cli(capsys, path)
    assert result.code == 1, result
    assert "Traceback" not in result.err
    assert "error: loss is nan at step 3 (epoch 1, micro-batch 1 of 1); training stopped (set " \
           "train.detect_anomaly=true to find the module or op that produced it)" in result.err
    assert "the last good checkpoint is run/checkpoints/step_00000002" in result.err
    assert (tmp_path / "run" / "checkpoints" / "last").resolve().name == "step_00000002"


def test_nan_loss_with_detect_anomaly_names_the_module_and_op(capsys, tmp_path):
    path = poisoned(tmp_path, {"_target_": "poison.PoisonedNet", "at": 3}, detect_anomaly=True)
    result = run_cli(capsys, path)
    assert result.code == 1, result
    assert "loss is nan at step 3" in result.err
    assert "non-finite values first appeared in the output of poison (Poison, op MulBackward0)" in result.err
    assert not framework.autograd.is_anomaly_enabled(), "anomaly mode is switched off again"


def test_nan_gradient_with_detect_anomaly_names_the_backward_op(capsys, tmp_path):
    path = poisoned(tmp_path, {"_target_": "poison.SqrtAtZero"}, detect_anomaly=True)
    with pytest.warns(UserWarning, match="Error detected in SqrtBackward0. Traceback of forward call"):
        result = run_cli(capsys, path)
    assert result.code == 1, result
    assert "non-finite gradient at step 1 (epoch 1): Function 'SqrtBackward0' returned nan values in its 0th " \
           "output." in result.err
    assert "no checkpoint was written yet" in result.err


def test_regression_task_reports_loss_only(capsys, tmp_path):
    config = tiny_config(task="regression",
                         model={"_target_": "framework.nn.MLP", "sizes": [1, 8, 1], "activation": "tanh"},
                         data={"train": {"_target_": "framework.data.datasets.sine_regression", "n_samples": 64}})
    result = run_cli(capsys, write_config(tmp_path, config))
    assert result.code == 0, result
    table = result.out.splitlines()[-4:]
    assert table[0].split() == ["split", "loss"] and table[2].split()[0] == "train" and len(table[3].split()) == 2


def test_user_module_and_user_recipe_from_the_working_directory(capsys, tmp_path):
    (tmp_path / "my_models.py").write_text(
        "import framework\n"
        "class XORNet(framework.nn.Module):\n"
        "    def __init__(self, hidden=8):\n"
        "        super().__init__()\n"
        "        self.net = framework.nn.MLP([2, hidden, 2], activation='tanh')\n"
        "    def forward(self, x):\n"
        "        return self.net(x)\n")
    (tmp_path / "my_recipe.py").write_text(
        "from recipes.supervised import SCHEMA, main as supervised\n"
        "def main(config, resume=None):\n"
        "    print('my recipe ran')\n"
        "    return supervised(config, resume)\n")
    config = tiny_config(recipe="my_recipe", model={"_target_": "my_models.XORNet", "hidden": 4},
                         data={"train": {"_target_": "framework.data.datasets.xor"}, "val_fraction": None,
                               "batch_size": 4})
    result = run_cli(capsys, write_config(tmp_path, config))
    assert result.code == 0, result
    assert result.out.startswith("my recipe ran")


# ---------------------------------------------------------------------------------------------- Trainer API
def linear_problem(tmp_path, n=32, batch_size=8, lr=0.1, validate=None, val_metrics=(), scheduler=None, **train):
    framework.manual_seed(0)
    x = framework.randn(n, 3)
    y = x @ framework.tensor([[1.0], [-2.0], [0.5]])
    data = framework.data.TensorDataset(x, y)
    model = framework.nn.Linear(3, 1)
    optimizer = framework.optim.SGD(model.parameters(), lr=lr)
    loader = framework.data.DataLoader(data, batch_size=batch_size, shuffle=False)
    loss_fn = framework.nn.MSELoss()
    sched = scheduler(optimizer) if scheduler else None
    trainer = Trainer(model, optimizer, loader, lambda b: loss_fn(model(b[0]), b[1]), scheduler=sched,
                      validate=validate, val_metrics=val_metrics,
                      config={"train": train, "logging": {"log_every": 1, "tensorboard": False,
                                                          "progress": "none"}},
                      output_dir=tmp_path / "run")
    return trainer, model, x, y


def test_max_steps_stops_mid_epoch_and_checkpoints(tmp_path):
    trainer, *_ = linear_problem(tmp_path, epochs=5, max_steps=6)
    with trainer:
        trainer.fit()
    assert trainer.global_step == 6 and trainer.epoch == 1
    assert (tmp_path / "run" / "checkpoints" / "last").resolve().name == "step_00000006"


def test_scheduler_and_logging_act_once_per_optimiser_step(tmp_path):
    trainer, *_ = linear_problem(tmp_path, epochs=2, grad_accum_steps=2,
                                 scheduler=lambda opt: framework.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5))
    with trainer:
        trainer.fit()
    lrs = [r["train/lr"] for r in read_metrics(tmp_path / "run") if "train/lr" in r]
    assert lrs == [0.1 * 0.5 ** i for i in range(4)], "2 steps per epoch, the lr each step used"


def test_grad_norm_is_the_norm_before_clipping(tmp_path):
    trainer, model, x, y = linear_problem(tmp_path, n=8, lr=1.0, epochs=1, clip_grad_norm=1e-3)
    before = [p.detach().clone() for p in model.parameters()]
    loss = framework.nn.MSELoss()(model(x), y)
    loss.backward()
    expected = math.sqrt(sum(float((p.grad ** 2).sum()) for p in model.parameters()))
    model.zero_grad()
    with trainer:
        trainer.fit()
    (record,) = [r for r in read_metrics(tmp_path / "run") if "train/grad_norm" in r]
    assert record["train/grad_norm"] == pytest.approx(expected, rel=1e-5)
    assert expected > 1e-2
    moved = math.sqrt(sum(float(((p.detach() - b) ** 2).sum()) for p, b in zip(model.parameters(), before)))
    assert moved == pytest.approx(1e-3, rel=1e-3), "the step used the clipped gradient"


def test_early_stopping_after_patience_validations_without_improvement(tmp_path):
    values = iter([1.0, 0.5, 0.6, 0.5, 0.7, 0.1])
    trainer, *_ = linear_problem(tmp_path, validate=lambda: {"val/loss": next(values)}, val_metrics=["val/loss"],
                                 epochs=6, early_stopping_patience=3)
    with trainer:
        trainer.fit()
    assert trainer.epoch == 5 and trainer.best_value == 0.5 and trainer.best_step == 8
    assert trainer.stop_reason == "early stopping: val/loss has not improved for 3 validations (best 0.5 at step 8)"
    assert (tmp_path / "run" / "checkpoints" / "best").resolve().name == "step_00000008"


def test_early_stopping_on_a_maximised_metric_with_min_delta(tmp_path):
    values = iter([0.5, 0.55, 0.58, 0.9])
    trainer, *_ = linear_problem(tmp_path, validate=lambda: {"val/accuracy": next(values)},
                                 val_metrics=["val/accuracy"], epochs=4, monitor="val/accuracy",
                                 early_stopping_patience=2, early_stopping_min_delta=0.1)
    assert trainer.mode == "max"
    with trainer:
        trainer.fit()
    assert trainer.epoch == 3 and trainer.best_value == 0.5


def test_default_monitor(tmp_path):
    trainer, *_ = linear_problem(tmp_path)
    assert (trainer.monitor, trainer.mode) == ("train/loss", "min")
    trainer, *_ = linear_problem(tmp_path, validate=dict, val_metrics=["val/loss", "val/accuracy"])
    assert trainer.monitor == "val/loss"


def test_empty_training_data_is_a_config_error(tmp_path):
    model = framework.nn.Linear(1, 1)
    loader = framework.data.DataLoader(framework.data.TensorDataset(framework.zeros(4, 1)), batch_size=8,
                                       drop_last=True)
    with pytest.raises(ConfigError, match="the training data gives no batches"):
        Trainer(model, framework.optim.SGD(model.parameters()), loader, lambda batch: None, output_dir=tmp_path)


def test_bad_train_options_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="train.grad_accum_steps must be at least 1, got 0"):
        linear_problem(tmp_path, grad_accum_steps=0)


def test_signal_handlers_are_restored_after_fit(tmp_path):
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    trainer, *_ = linear_problem(tmp_path, epochs=1)
    with trainer:
        trainer.fit()
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_losses_are_weighted_by_samples_in_the_epoch_mean(tmp_path):
    trainer, model, x, y = linear_problem(tmp_path, n=10, batch_size=4, lr=0.0, epochs=1)
    with trainer:
        trainer.fit()
    expected = float(framework.nn.MSELoss()(model(x), y))       # lr 0: the model never changed
    (record,) = [r for r in read_metrics(tmp_path / "run") if "train/epoch_loss" in r]
    assert record["train/epoch_loss"] == pytest.approx(expected, rel=1e-6)
    assert np.isfinite(record["train/epoch_loss"])


def test_monitoring_a_validation_metric_without_validation_data(tmp_path):
    with pytest.raises(ConfigError, match=r"train.monitor is 'val/accuracy', which this run does not measure "
                                          r"\(there is no validation data: set data.val or data.val_fraction\)"):
        linear_problem(tmp_path, val_metrics=["val/loss", "val/accuracy"], monitor="val/accuracy")


def test_reduce_lr_on_plateau_gets_the_monitored_metric_at_each_validation(tmp_path):
    values = iter([1.0, 1.0, 1.0, 1.0])
    trainer, *_ = linear_problem(
        tmp_path, validate=lambda: {"val/loss": next(values)}, val_metrics=["val/loss"], epochs=4,
        scheduler=lambda opt: framework.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1))
    with trainer:
        trainer.fit()
    per_epoch = [r["train/lr"] for r in read_metrics(tmp_path / "run") if "train/lr" in r][::4]
    assert per_epoch == [0.1, 0.1, 0.1, 0.05], "no improvement for more than 1 validation halves the lr"
