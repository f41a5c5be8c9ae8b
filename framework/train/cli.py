"""``python -m framework.train CONFIG [key=value ...] [--print-config] [--resume [PATH|auto]]``.

The config is loaded, overridden, and validated against its recipe's schema before anything runs. Exit
status: 0 done; 1 training failed (a NaN/inf loss, or an error in user code, shown with its traceback);
2 the config, an override or the checkpoint to resume is wrong (one paragraph, no traceback);
128 + signal number after SIGINT (130) or SIGTERM (143), once a checkpoint has been saved.

Example:
    $ python -m framework.train configs/xor.yaml optimizer.lr=0.05 train.epochs=500
    $ python -m framework.train configs/xor.yaml --resume            # same as --resume auto
"""
import argparse
import os
import sys
from pathlib import Path

from .config import apply_overrides, dump_yaml, load_yaml, validate, yaml_scalar
from .errors import ConfigError, NonFiniteLossError, TrainingInterrupted
from .instantiate import locate
from .rundir import resolve_run
from .schema import base_schema, iter_reference

DEFAULT_RECIPE = base_schema().keys["recipe"].default

DESCRIPTION = """Train a model from a YAML config.

Overrides are dotted keys set to YAML values, split on the first '=':
  optimizer.lr=0.01  train.epochs=5  model.sizes=[2,16,2]  scheduler=null
and ~key deletes a key (it falls back to its default): ~scheduler

Exit status: 0 done, 1 training failed, 2 bad config/override/checkpoint,
130/143 stopped by SIGINT/SIGTERM after saving a checkpoint."""


def _reference():
    """The config reference of the default recipe, for --help."""
    try:
        schema = load_recipe(DEFAULT_RECIPE).SCHEMA
    except ConfigError:
        schema = base_schema()
    lines = [f"config keys of {DEFAULT_RECIPE} (key = default: meaning):"]
    for key, default, doc in iter_reference(schema):
        lines.append(f"  {key} = {yaml_scalar(default)}: {doc}")
    return "\n".join(lines)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m framework.train", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", help="YAML config file, e.g. configs/xor.yaml")
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="overrides (or ~key to delete a key)")
    parser.add_argument("--print-config", action="store_true", help="print the resolved config and exit")
    parser.add_argument("--resume", nargs="?", const="auto", default=None, metavar="PATH|auto",
                        help="continue a run: 'auto' (the default when no value is given) takes the newest "
                             "valid checkpoint of this config's run directory; PATH a checkpoint, its "
                             "'last' link, a checkpoints folder or a run directory")
    return parser


def load_recipe(dotted):
    """The recipe module: it must define ``SCHEMA`` and ``main(config, resume=None)``."""
    module = locate(dotted, key="recipe")
    missing = [name for name in ("SCHEMA", "main") if not hasattr(module, name)]
    if missing:
        raise ConfigError(f"recipe {dotted} does not define {' and '.join(missing)}; a recipe module needs "
                          f"SCHEMA = framework.train.base_schema(...) and def main(config, resume=None)")
    return module


def parse_args(argv):
    parser = build_parser()
    if any(a in ("-h", "--help") for a in (sys.argv[1:] if argv is None else argv)):
        parser.epilog = _reference()  # built only when asked for: it imports the default recipe
    args = parser.parse_intermixed_args(argv)
    # `--resume key=value`: argparse took an override for the optional PATH
    if args.resume not in (None, "auto") and not os.path.exists(args.resume) and \
            ("=" in args.resume or args.resume.startswith("~")):
        args.overrides.append(args.resume)
        args.resume = "auto"
    return args


def resolve(args):
    """Load, override and validate the config; decide the run directory. Returns ``(recipe, config, ckpt)``."""
    raw = load_yaml(args.config)
    touched = apply_overrides(raw, args.overrides)
    recipe_path = raw.get("recipe", DEFAULT_RECIPE)
    try:
        recipe = load_recipe(recipe_path)
    except ConfigError as exc:
        raise ConfigError(exc.problems, source=args.config) from None
    config = validate(raw, recipe.SCHEMA, source=args.config, from_cli=touched)
    output_dir, checkpoint = resolve_run(config.output_dir, Path(args.config).stem, args.resume)
    config["output_dir"] = str(output_dir)
    return recipe, config, checkpoint


def main(argv=None):
    """Run the command line; returns the exit status."""
    args = parse_args(argv)
    try:
        recipe, config, checkpoint = resolve(args)
        if args.print_config:
            sys.stdout.write(dump_yaml(config))
            return 0
        recipe.main(config, resume=checkpoint)
        return 0
    except ConfigError as exc:
        print(f"error: {exc.paragraph()}", file=sys.stderr)
        return 2
    except NonFiniteLossError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except TrainingInterrupted as exc:
        print(f"{exc}; continue with: python -m framework.train {args.config} --resume {exc.checkpoint}",
              file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:
        print("interrupted: stopped at once, without saving a checkpoint", file=sys.stderr)
        return 130
