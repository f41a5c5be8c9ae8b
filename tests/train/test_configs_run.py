"""The shipped configs run as written (a few steps each), and their weights load into PyTorch."""
import numpy as np
import pytest

import framework
from .train_helpers import CONFIGS, run_cli


@pytest.mark.parametrize("name", ["digits_mlp", "digits_cnn"])
def test_digits_configs_train_a_few_steps(capsys, tmp_path, name):
    pytest.importorskip("sklearn")
    result = run_cli(capsys, CONFIGS / f"{name}.yaml", "train.max_steps=3", "output_dir=run",
                     "logging.tensorboard=false")
    assert result.code == 0, result
    split_sizes = result.out.splitlines()[-3:]
    assert [line.split()[0] for line in split_sizes] == ["train", "val", "test"]


@pytest.mark.parametrize("name", ["spirals", "sine_regression"])
def test_synthetic_configs_train_a_few_steps(capsys, tmp_path, name):
    result = run_cli(capsys, CONFIGS / f"{name}.yaml", "train.max_steps=3", "output_dir=run",
                     "logging.tensorboard=false")
    assert result.code == 0, result
    assert (tmp_path / "run" / "checkpoints" / "last").resolve().name == "step_00000003"


def test_checkpoint_weights_load_into_pytorch(capsys, tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    result = run_cli(capsys, CONFIGS / "xor.yaml", "train.epochs=20", "output_dir=run", "logging.tensorboard=false")
    assert result.code == 0, result
    net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    net.load_state_dict(load_file(str(tmp_path / "run" / "checkpoints" / "last" / "model.safetensors")))
    ours = framework.nn.MLP([2, 8, 2], activation="tanh")
    ours.load_state_dict(framework.load(str(tmp_path / "run" / "checkpoints" / "last" / "model.safetensors")))
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    expected = net(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(ours(framework.tensor(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)
