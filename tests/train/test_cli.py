"""The command line: argument handling, --print-config, --help, and config errors (exit status 2, one
paragraph, no traceback), run through ``python -m framework.train`` (runpy)."""
import pytest
import yaml

from framework.train.cli import parse_args
from .train_helpers import CONFIGS, run_cli, tiny_config, write_config

ALL_CONFIGS = sorted(CONFIGS.glob("*.yaml"))


def assert_config_error(result, phrase):
    assert result.code == 2, result
    assert result.err.startswith("error: "), result
    assert phrase in result.err, result
    assert "Traceback" not in result.err + result.out
    assert result.err.strip().count("\n") == 0, "the message is one paragraph"


def test_the_expected_configs_exist():
    names = {p.name for p in ALL_CONFIGS}
    assert {"xor.yaml", "spirals.yaml", "digits_mlp.yaml", "digits_cnn.yaml", "sine_regression.yaml"} <= names


@pytest.mark.parametrize("path", ALL_CONFIGS, ids=lambda p: p.name)
def test_every_config_validates_and_opens_with_its_command_line(capsys, path):
    first = path.read_text().splitlines()[0]
    assert first == f"# python -m framework.train configs/{path.name}"
    result = run_cli(capsys, path, "--print-config")
    assert result.code == 0, result
    printed = yaml.safe_load(result.out)
    assert printed["model"]["_target_"] and printed["train"]["epochs"] >= 1
    assert printed["output_dir"].startswith(f"runs/{path.stem}/")


def test_print_config_shows_overrides_and_defaults(capsys, tmp_path):
    path = write_config(tmp_path, tiny_config())
    result = run_cli(capsys, path, "optimizer.lr=1e-3", "train.grad_accum_steps=4", "~data.val_fraction",
                     "--print-config")
    assert result.code == 0, result
    printed = yaml.safe_load(result.out)
    assert printed["optimizer"]["lr"] == 0.001
    assert printed["train"]["grad_accum_steps"] == 4
    assert printed["data"]["val_fraction"] is None
    assert printed["train"]["keep_last"] == 2 and printed["logging"]["log_every"] == 1
    assert not (tmp_path / "runs").exists(), "--print-config runs nothing"


def test_help_lists_usage_and_config_keys(capsys):
    result = run_cli(capsys, "--help")
    assert result.code == 0
    assert "python -m framework.train" in result.out and "--resume" in result.out
    assert "train.grad_accum_steps = 1" in result.out


def test_resume_without_value_means_auto_even_before_overrides():
    args = parse_args(["c.yaml", "--resume", "train.epochs=5"])
    assert args.resume == "auto" and args.overrides == ["train.epochs=5"]
    args = parse_args(["c.yaml", "train.epochs=5", "--resume"])
    assert args.resume == "auto" and args.overrides == ["train.epochs=5"]
    args = parse_args(["c.yaml", "--resume", "runs/x/checkpoints/last"])
    assert args.resume == "runs/x/checkpoints/last"
    assert parse_args(["c.yaml"]).resume is None


def test_unknown_key_in_yaml_with_suggestion(capsys, tmp_path):
    path = write_config(tmp_path, tiny_config(train={"epoch": 3}))
    assert_config_error(run_cli(capsys, path), "unknown key train.epoch (did you mean train.epochs?)")


def test_unknown_key_on_the_command_line_with_suggestion(capsys, tmp_path):
    path = write_config(tmp_path, tiny_config())
    result = run_cli(capsys, path, "optimizer.lrr=0.1")
    assert_config_error(result, "unknown key optimizer.lrr: framework.optim.Adam takes no argument 'lrr' "
                                "(did you mean optimizer.lr?)")
    assert "(set on the command line)" in result.err


def test_bad_type_names_the_key(capsys, tmp_path):
    path = write_config(tmp_path, tiny_config())
    assert_config_error(run_cli(capsys, path, "train.epochs=ten"),
                        "train.epochs must be an integer, got 'ten' (str)")


def test_missing_file(capsys, tmp_path):
    assert_config_error(run_cli(capsys, "does_not_exist.yaml"), "config file 'does_not_exist.yaml' not found")


def test_bad_target(capsys, tmp_path):
    config = tiny_config(model={"_target_": "framework.nn.MPL", "sizes": [2, 3]})
    assert_config_error(run_cli(capsys, write_config(tmp_path, config)),
                        "model._target_: cannot import 'framework.nn.MPL': module 'framework.nn' has no attribute "
                        "'MPL' (did you mean framework.nn.MLP?)")


def test_target_whose_module_fails_to_import_shows_the_real_error(capsys, tmp_path):
    (tmp_path / "my_broken.py").write_text("import missing_dependency_xyz\n")
    config = tiny_config(model={"_target_": "my_broken.Net"})
    assert_config_error(run_cli(capsys, write_config(tmp_path, config)),
                        "ModuleNotFoundError: No module named 'missing_dependency_xyz'")


def test_malformed_yaml(capsys, tmp_path):
    path = write_config(tmp_path, "model:\n  _target_: framework.nn.MLP\n  sizes: [2, 3\n")
    assert_config_error(run_cli(capsys, path), "tiny.yaml: not valid YAML at line")


def test_malformed_override(capsys, tmp_path):
    path = write_config(tmp_path, tiny_config())
    assert_config_error(run_cli(capsys, path, "train.epochs"), "must look like key=value")


def test_bad_recipe(capsys, tmp_path):
    path = write_config(tmp_path, tiny_config(recipe="recipes.nope"))
    assert_config_error(run_cli(capsys, path), "recipe: cannot import 'recipes.nope'")


def test_recipe_without_schema(capsys, tmp_path):
    (tmp_path / "bare_recipe.py").write_text("def main(config, resume=None):\n    pass\n")
    path = write_config(tmp_path, tiny_config(recipe="bare_recipe"))
    assert_config_error(run_cli(capsys, path), "recipe bare_recipe does not define SCHEMA")


def test_constructor_error_is_a_config_error(capsys, tmp_path):
    path = write_config(tmp_path, tiny_config(model={"_target_": "framework.nn.MLP", "sizes": [2]}))
    assert_config_error(run_cli(capsys, path), "model: framework.nn.MLP(sizes=[2]) failed: ValueError")


def test_monitor_that_the_run_does_not_measure(capsys, tmp_path):
    path = write_config(tmp_path, tiny_config(train={"monitor": "val/acc"}))
    assert_config_error(run_cli(capsys, path), "train.monitor is 'val/acc', which this run does not measure "
                                               "(did you mean val/accuracy?)")


def test_argparse_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        parse_args([])
    assert info.value.code == 2
    assert "the following arguments are required: config" in capsys.readouterr().err


def test_a_held_out_set_given_twice(capsys, tmp_path):
    config = tiny_config(data={"val": {"_target_": "framework.data.datasets.spirals", "n_samples": 30}})
    assert_config_error(run_cli(capsys, write_config(tmp_path, config)),
                        "data.val and data.val_fraction are both set; give one of them")
