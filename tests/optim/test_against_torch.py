"""Differential tests against PyTorch itself; skipped when torch is not importable (never a runtime dependency)."""
import warnings

import numpy as np
import pytest

import framework
from framework import optim
from framework.autograd.tensor import Tensor
from .optim_reference import (BASE_LRS, CONFIGS, PROBLEMS, SCHEDULE_BUILDERS, assert_same_history,
                             framework_run, lr_sequence)

torch = pytest.importorskip("torch")

CASES = [pytest.param(name, options, problem, id=f"{name}-{problem}-" + ",".join(
    f"{k}={v}" for k, v in sorted(options.items()))) for name, configs in CONFIGS.items() for options in configs
    for problem in PROBLEMS]


def torch_run(name, options, problem, steps=10):
    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in problem.initial]
    opt = getattr(torch.optim, name)(params, **options)
    history = []
    for _ in range(steps):
        grads = problem.grads([p.detach().numpy().copy() for p in params])
        for p, g in zip(params, grads):
            p.grad = torch.from_numpy(g.copy())
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history


@pytest.mark.parametrize("name, options, problem", CASES)
def test_ten_steps_match_pytorch(name, options, problem):
    problem = PROBLEMS[problem]()
    assert_same_history(framework_run(getattr(optim, name), options, problem), torch_run(name, options, problem))


def _to_plain(value):
    if isinstance(value, (Tensor, torch.Tensor)):
        return ("tensor", str(value.dtype).split(".")[-1], np.asarray(value.detach().numpy()).tolist())
    if isinstance(value, dict):
        return {k: _to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_plain(v) for v in value)
    return value


@pytest.mark.parametrize("name, options", [
    ("SGD", {"lr": 0.1}), ("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {}), ("Adam", {"amsgrad": True}),
    ("AdamW", {}), ("RMSprop", {"momentum": 0.5, "centered": True}), ("Adagrad", {"lr_decay": 0.1})])
def test_state_dict_and_repr_match_pytorch(name, options):
    values = [[1.0, -2.0], [0.5]]
    ours = [framework.tensor(v, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, requires_grad=True) for v in values]
    opt_ours = getattr(optim, name)([{"params": ours[:1]}, {"params": ours[1:], "lr": 0.05}], **options)
    opt_theirs = getattr(torch.optim, name)([{"params": theirs[:1]}, {"params": theirs[1:], "lr": 0.05}], **options)
    assert repr(opt_ours) == repr(opt_theirs)
    assert _to_plain(opt_ours.state_dict()) == _to_plain(opt_theirs.state_dict())
    for p, q in zip(ours, theirs):
        p.grad = framework.ones(*p.shape)
        q.grad = torch.ones(q.shape)
    opt_ours.step()
    opt_theirs.step()
    ours_sd, theirs_sd = _to_plain(opt_ours.state_dict()), _to_plain(opt_theirs.state_dict())
    assert ours_sd["param_groups"] == theirs_sd["param_groups"]
    assert ours_sd["state"].keys() == theirs_sd["state"].keys()
    for index, state in ours_sd["state"].items():
        assert list(state) == list(theirs_sd["state"][index])
        for key, (kind, dtype, data) in state.items():
            assert (kind, dtype) == theirs_sd["state"][index][key][:2], key
            np.testing.assert_allclose(data, theirs_sd["state"][index][key][2], rtol=1e-6)


def _optimizers(**options):
    ours = optim.SGD([{"params": [framework.zeros(1, requires_grad=True)], "lr": lr} for lr in BASE_LRS], **options)
    theirs = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in BASE_LRS],
                             **options)
    return ours, theirs


@pytest.mark.parametrize("name", list(SCHEDULE_BUILDERS))
def test_schedules_equal_pytorch_exactly(name):
    opt_ours, opt_theirs = _optimizers(momentum=0.9)
    ours = SCHEDULE_BUILDERS[name](opt_ours, optim.lr_scheduler)
    theirs = SCHEDULE_BUILDERS[name](opt_theirs, torch.optim.lr_scheduler)
    assert lr_sequence(opt_ours, ours) == lr_sequence(opt_theirs, theirs)
    assert [g["momentum"] for g in opt_ours.param_groups] == [g["momentum"] for g in opt_theirs.param_groups]
    assert ours.get_last_lr() == theirs.get_last_lr()
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    for key in ("base_lrs", "last_epoch", "_step_count", "_last_lr"):
        assert ours_sd.get(key) == theirs_sd.get(key), key


def test_plateau_equals_pytorch():
    metrics = [5.0, 4.0, 4.0, 4.0, 3.9, 3.9, 3.9, 3.9, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]
    opt_ours, opt_theirs = _optimizers()
    ours = optim.lr_scheduler.ReduceLROnPlateau(opt_ours, factor=0.5, patience=1, cooldown=1, min_lr=0.02)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(opt_theirs, factor=0.5, patience=1, cooldown=1, min_lr=0.02)
    for metric in metrics:
        ours.step(metric)
        theirs.step(metric)
        assert ours.get_last_lr() == theirs.get_last_lr()
    assert ours.state_dict() == theirs.state_dict()


def test_step_order_warning_text_equals_pytorch():
    def caught(opt, module):
        sched = module.StepLR(opt, step_size=2)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            sched.step()
        return [str(w.message) for w in record]

    opt_ours, opt_theirs = _optimizers()
    assert caught(opt_ours, optim.lr_scheduler) == caught(opt_theirs, torch.optim.lr_scheduler)
