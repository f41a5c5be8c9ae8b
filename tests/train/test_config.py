"""Config loading, overrides and validation (framework/train/config.py, schema.py, instantiate.py)."""
import pytest

from framework.train.config import (ConfigNode, apply_overrides, dump_yaml, load_yaml, parse_yaml, validate,
                                    validate_section)
from framework.train.errors import ConfigError
from framework.train.instantiate import instantiate, locate
from framework.train.schema import TRAIN, Component, Key, Section, base_schema, iter_reference

SCHEMA = base_schema(
    model=Component("network", required=True),
    optimizer=Component("optimiser", required=True, positional=("params",)),
    scheduler=Component("scheduler", positional=("optimizer",)),
    data=Section("data", {"batch_size": Key(32, int, "batch", minimum=1)}),
)
MODEL = {"_target_": "framework.nn.MLP", "sizes": [2, 4, 2]}
OPTIM = {"_target_": "framework.optim.SGD", "lr": 0.1}


def good():
    return {"model": dict(MODEL), "optimizer": dict(OPTIM)}


def problems_of(raw, **kwargs):
    with pytest.raises(ConfigError) as info:
        validate(raw, SCHEMA, **kwargs)
    return info.value.problems


# ---------------------------------------------------------------------------------------------- YAML
def test_scientific_notation_without_dot_is_a_float():
    assert parse_yaml("a: 1e-3\nb: -2E4\nc: 5\nd: .5\ne: 3.0\nf: abc", "x") == \
        {"a": 0.001, "b": -20000.0, "c": 5, "d": 0.5, "e": 3.0, "f": "abc"}


def test_malformed_yaml_names_line_and_column():
    with pytest.raises(ConfigError, match=r"bad.yaml: not valid YAML at line 2, column \d+"):
        parse_yaml("a: [1,\nb: 2", "bad.yaml")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"config file 'nope.yaml' not found"):
        load_yaml("nope.yaml")


def test_top_level_must_be_a_mapping(tmp_path):
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="must be a mapping of keys to values, but the file holds a list"):
        load_yaml(tmp_path / "list.yaml")


def test_empty_file_is_an_empty_config(tmp_path):
    (tmp_path / "empty.yaml").write_text("# nothing\n")
    assert load_yaml(tmp_path / "empty.yaml") == {}


# ---------------------------------------------------------------------------------------------- overrides
def test_overrides_are_typed_by_yaml_and_create_nested_keys():
    raw = {"train": {"epochs": 3}}
    touched = apply_overrides(raw, ["train.epochs=5", "optimizer.lr=1e-3", "model.sizes=[2, 8, 2]",
                                    "scheduler=null", "name=a=b", "flag=true"])
    assert raw == {"train": {"epochs": 5}, "optimizer": {"lr": 0.001}, "model": {"sizes": [2, 8, 2]},
                   "scheduler": None, "name": "a=b", "flag": True}
    assert touched == {"train.epochs", "optimizer.lr", "model.sizes", "scheduler", "name", "flag"}


def test_tilde_deletes_a_key():
    raw = {"scheduler": {"_target_": "x"}, "train": {"epochs": 3, "max_steps": 4}}
    apply_overrides(raw, ["~scheduler", "~train.max_steps"])
    assert raw == {"train": {"epochs": 3}}


def test_deleting_a_missing_key_suggests_the_close_one():
    with pytest.raises(ConfigError, match=r"there is no key train.epoch to delete \(did you mean ~train.epochs\?\)"):
        apply_overrides({"train": {"epochs": 3}}, ["~train.epoch"])


@pytest.mark.parametrize("item, phrase", [
    ("train.epochs", "must look like key=value"),
    ("train..epochs=3", "has an empty key"),
    ("train.epochs.x=1", "train.epochs is 3, not a mapping"),
    ("train.epochs=[1,", "not valid YAML"),
])
def test_bad_overrides(item, phrase):
    with pytest.raises(ConfigError, match=phrase):
        apply_overrides({"train": {"epochs": 3}}, [item])


# ---------------------------------------------------------------------------------------------- validation
def test_defaults_are_filled_in_and_attributes_read():
    config = validate(good(), SCHEMA)
    assert isinstance(config, ConfigNode)
    assert config.train.epochs == TRAIN.keys["epochs"].default
    assert config.train.grad_accum_steps == 1 and config.scheduler is None and config.data.batch_size == 32
    assert config.model.sizes == [2, 4, 2]
    with pytest.raises(AttributeError, match="config has no key 'nope'"):
        config.nope


def test_int_is_accepted_for_a_float_key():
    raw = dict(good(), train={"clip_grad_norm": 1})
    assert validate(raw, SCHEMA).train.clip_grad_norm == 1.0


def test_unknown_key_with_suggestion_from_siblings():
    raw = dict(good(), train={"epoch": 3})
    assert problems_of(raw) == ["unknown key train.epoch (did you mean train.epochs?)"]


def test_unknown_key_at_the_wrong_level_suggests_where_it_lives():
    raw = dict(good(), grad_accum_steps=2)
    assert problems_of(raw) == ["unknown key grad_accum_steps (did you mean train.grad_accum_steps?)"]


def test_unknown_key_without_a_close_match_lists_the_known_keys():
    raw = dict(good(), data={"zzz": 1})
    assert problems_of(raw) == ["unknown key data.zzz (known keys here: batch_size)"]


def test_unknown_key_from_the_command_line_says_so():
    raw = dict(good(), train={"epoch": 3})
    (problem,) = problems_of(raw, from_cli={"train.epoch"})
    assert problem.endswith("(set on the command line)")


@pytest.mark.parametrize("section, value, phrase", [
    ({"train": {"epochs": "ten"}}, None, "train.epochs must be an integer, got 'ten' (str)"),
    ({"train": {"epochs": True}}, None, "train.epochs must be an integer, got True (bool)"),
    ({"train": {"epochs": 0}}, None, "train.epochs must be at least 1, got 0"),
    ({"train": {"clip_grad_norm": 0}}, None, "train.clip_grad_norm must be greater than 0, got 0"),
    ({"train": {"mode": "down"}}, None, "train.mode must be one of 'min', 'max', got 'down'"),
    ({"train": {"detect_anomaly": "yes please"}}, None, "train.detect_anomaly must be true or false"),
    ({"train": {"epochs": None}}, None, "train.epochs must be an integer, got null"),
    ({"train": 5}, None, "train must be a mapping of keys, got 5"),
])
def test_wrong_types_name_the_key(section, value, phrase):
    raw = dict(good(), **section)
    assert any(phrase in p for p in problems_of(raw)), problems_of(raw)


def test_all_problems_are_reported_in_one_paragraph():
    raw = dict(good(), train={"epoch": 3, "max_steps": "x"})
    with pytest.raises(ConfigError) as info:
        validate(raw, SCHEMA, source="c.yaml")
    text = str(info.value)
    assert text.startswith("c.yaml: 2 problems: (1) unknown key train.epoch")
    assert "(2) train.max_steps must be an integer or null, got 'x' (str)" in text
    assert "\n" not in text


# ---------------------------------------------------------------------------------------------- components
def test_missing_required_component():
    assert problems_of({"optimizer": dict(OPTIM)}) == [
        "model is required: give it a _target_ (a dotted path such as framework.nn.MLP) and its arguments"]


def test_component_must_have_a_target():
    assert problems_of(dict(good(), model={"sizes": [2, 2]})) == [
        "model must be a mapping with a _target_ (a dotted path such as framework.nn.MLP)"]


def test_component_argument_not_in_the_signature_suggests_the_close_one():
    raw = dict(good(), model={**MODEL, "activaton": "tanh"})
    (problem,) = problems_of(raw)
    assert problem.startswith("unknown key model.activaton: framework.nn.MLP takes no argument 'activaton' "
                              "(did you mean model.activation?)")


def test_missing_required_argument_of_the_target():
    raw = dict(good(), model={"_target_": "framework.nn.MLP"})
    assert problems_of(raw) == ["model is missing 'sizes', a required argument of framework.nn.MLP"]


def test_arguments_the_recipe_passes_are_not_required_and_not_allowed():
    raw = dict(good(), scheduler={"_target_": "framework.optim.lr_scheduler.StepLR", "step_size": 2})
    validate(raw, SCHEMA)  # the optimizer is passed by the recipe
    raw["optimizer"] = dict(OPTIM, params=[1])
    (problem,) = problems_of(raw)
    assert problem.startswith("optimizer.params is already given positionally, as params (passed by the recipe)")


def test_nested_components_and_positional_args_are_checked():
    raw = dict(good(), model={"_target_": "framework.nn.Sequential", "_args_": [
        {"_target_": "framework.nn.Linear", "in_features": 2, "out_feature": 3}]})
    unknown, missing = problems_of(raw)
    assert unknown.startswith("unknown key model._args_[0].out_feature: framework.nn.Linear takes no argument "
                              "'out_feature' (did you mean model._args_[0].out_features?)")
    assert missing == "model._args_[0] is missing 'out_features', a required argument of framework.nn.Linear"


def test_bad_target_is_reported_with_suggestion():
    raw = dict(good(), model={"_target_": "framework.nn.MPL", "sizes": [2, 2]})
    assert problems_of(raw) == ["model._target_: cannot import 'framework.nn.MPL': module 'framework.nn' has no "
                                "attribute 'MPL' (did you mean framework.nn.MLP?)"]


def test_validated_config_round_trips_through_yaml():
    config = validate(good(), SCHEMA)
    assert validate(parse_yaml(dump_yaml(config), "x"), SCHEMA) == config


def test_validate_section_fills_defaults():
    problems = []
    section = validate_section({"epochs": 3}, TRAIN, "train", problems)
    assert problems == [] and section.epochs == 3 and section.keep_last == TRAIN.keys["keep_last"].default


def test_reference_lists_every_key_with_default_and_meaning():
    rows = {key: (default, doc) for key, default, doc in iter_reference(SCHEMA)}
    assert rows["train.grad_accum_steps"][0] == 1
    assert rows["model"][0] == "required"
    assert all(doc for _, doc in rows.values())
    assert "logging.tensorboard" in rows and "data.batch_size" in rows


# ---------------------------------------------------------------------------------------------- instantiate
def test_locate_prefers_attributes_over_same_named_submodules():
    import framework.data.datasets as datasets
    assert locate("framework.data.datasets.xor") is datasets.xor


def test_locate_missing_module():
    with pytest.raises(ConfigError, match=r"cannot import 'no_such_module.Net': No module named 'no_such_module'"):
        locate("no_such_module.Net")


def test_locate_shows_the_real_import_error_of_a_user_module(tmp_path):
    (tmp_path / "broken_models.py").write_text("import not_installed_package\nclass Net: pass\n")
    with pytest.raises(ConfigError, match=r"importing broken_models failed with ModuleNotFoundError: "
                                          r"No module named 'not_installed_package'"):
        locate("broken_models.Net")


def test_locate_shows_a_syntax_error_of_a_user_module(tmp_path):
    (tmp_path / "typo_models.py").write_text("class Net(:\n    pass\n")
    with pytest.raises(ConfigError, match=r"importing typo_models failed with SyntaxError"):
        locate("typo_models.Net")


@pytest.mark.parametrize("path", ["", "framework..nn", "framework.nn.M-LP", 3])
def test_locate_rejects_malformed_paths(path):
    with pytest.raises(ConfigError, match="must be a dotted path such as framework.nn.MLP"):
        locate(path)


def test_instantiate_user_module_from_working_directory(tmp_path):
    (tmp_path / "my_models.py").write_text(
        "import framework\n"
        "class XORNet(framework.nn.Module):\n"
        "    def __init__(self, hidden=8):\n"
        "        super().__init__()\n"
        "        self.net = framework.nn.MLP([2, hidden, 2])\n"
        "    def forward(self, x):\n"
        "        return self.net(x)\n")
    model = instantiate({"_target_": "my_models.XORNet", "hidden": 5})
    assert type(model).__name__ == "XORNet" and model.net.sizes == [2, 5, 2]


def test_instantiate_passes_positional_args_then_args_then_keywords():
    model = instantiate({"_target_": "framework.nn.Sequential", "_args_": [
        {"_target_": "framework.nn.Linear", "in_features": 2, "out_features": 3},
        {"_target_": "framework.nn.ReLU"}]})
    assert len(model) == 2
    opt = instantiate({"_target_": "framework.optim.SGD", "lr": 0.5}, model.parameters())
    assert opt.param_groups[0]["lr"] == 0.5
    assert instantiate(None) is None


def test_instantiate_turns_constructor_errors_into_config_errors():
    with pytest.raises(ConfigError, match=r"model: framework.nn.MLP\(sizes=\[2\]\) failed: ValueError: MLP needs"):
        instantiate({"_target_": "framework.nn.MLP", "sizes": [2]}, key="model")
