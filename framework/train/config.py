"""Load a YAML config, apply command-line overrides, and check it against a schema before anything runs.

Overrides are ``dotted.key=value`` (split on the first ``=``, the value read as YAML, so ``null`` is None
and ``[2, 8, 2]`` a list) and ``~dotted.key`` (delete the key: it falls back to its default). Every problem
found (unknown key with a did-you-mean, wrong type, bad ``_target_``, arguments the target does not take)
is collected into one ConfigError.

Example:
    >>> raw = load_yaml("configs/xor.yaml")
    >>> apply_overrides(raw, ["optimizer.lr=0.05", "~scheduler"])
    >>> config = validate(raw, recipe_schema)
    >>> config.train.epochs
    300
"""
import copy
import difflib
import inspect
import re

import yaml

from .errors import ConfigError
from .instantiate import ARGS, TARGET, is_node, locate
from .schema import Component, Section


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads ``1e-3`` as a float (YAML 1.1 needs a dot: ``1.0e-3``)."""


_FLOAT = re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
                    |\.[0-9_]+(?:[eE][-+][0-9]+)?
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$""", re.X)
_Loader.yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
for _first in "-+0123456789.":
    _Loader.yaml_implicit_resolvers[_first] = [
        (tag, rx) for tag, rx in _Loader.yaml_implicit_resolvers.get(_first, []) if tag != "tag:yaml.org,2002:float"]
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


class ConfigNode(dict):
    """A dict whose keys read as attributes too (``config.train.epochs``), so recipes read naturally.

    Example:
        >>> ConfigNode({"train": {"epochs": 3}}).train.epochs
        3
    """

    def __init__(self, mapping=()):
        super().__init__()
        for name, value in dict(mapping).items():
            self[name] = _wrap(value)

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"config has no key {name!r}") from None

    def __deepcopy__(self, memo):
        return ConfigNode(copy.deepcopy(to_dict(self), memo))

    def to_dict(self):
        return to_dict(self)


def _wrap(value):
    if isinstance(value, dict) and not isinstance(value, ConfigNode):
        return ConfigNode(value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def to_dict(value):
    """Plain dicts and lists (for YAML, JSON and comparisons).

    Example:
        >>> type(to_dict(ConfigNode({"a": {"b": 1}}))["a"])
        <class 'dict'>
    """
    if isinstance(value, dict):
        return {k: to_dict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_dict(v) for v in value]
    return value


def parse_yaml(text, source):
    """YAML text -> Python value, with a ConfigError giving line and column when it is malformed.

    Example:
        >>> parse_yaml("lr: 1e-3", "override")
        {'lr': 0.001}
    """
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506  (SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"not valid YAML{where}: {problem}", source=source) from None


def load_yaml(path):
    """Read a config file into a dict (an empty file is an empty config).

    Example:
        >>> load_yaml("configs/xor.yaml")["model"]["_target_"]
        'framework.nn.MLP'
    """
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise ConfigError(f"config file {str(path)!r} not found") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {str(path)!r}: {exc.strerror}") from None
    data = parse_yaml(text, str(path))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"a config must be a mapping of keys to values, but the file holds a "
                          f"{type(data).__name__}", source=str(path))
    return data


def dump_yaml(config):
    """The config as YAML text, keys in schema order, short lists inline."""
    return yaml.safe_dump(to_dict(config), sort_keys=False, default_flow_style=None, allow_unicode=True)


def yaml_scalar(value):
    """A value as it is written in YAML; ``required`` stays a word.

    Example:
        >>> yaml_scalar(None), yaml_scalar([2, 8, 2])
        ('null', '[2, 8, 2]')
    """
    if value == "required":
        return value
    return yaml.safe_dump(value, default_flow_style=True, width=10 ** 6).strip().removesuffix("...").strip()


def apply_overrides(raw, overrides):
    """Apply ``key=value`` / ``~key`` overrides in place; returns the set of dotted keys they touched.

    Example:
        >>> raw = {"train": {"epochs": 3}}
        >>> apply_overrides(raw, ["train.epochs=5", "optimizer.lr=1e-3"])
        {'train.epochs', 'optimizer.lr'}
        >>> raw
        {'train': {'epochs': 5}, 'optimizer': {'lr': 0.001}}
    """
    touched = set()
    for item in overrides:
        if item.startswith("~"):
            path = item[1:]
            _check_path(path, item)
            _delete(raw, path.split("."), item)
        else:
            if "=" not in item:
                raise ConfigError(f"override {item!r} must look like key=value (or ~key to delete a key)")
            path, text = item.split("=", 1)
            _check_path(path, item)
            value = parse_yaml(text, f"override {item!r}") if text.strip() else None
            _assign(raw, path.split("."), value, item)
        touched.add(path)
    return touched


def _check_path(path, item):
    if not path or any(not part for part in path.split(".")):
        raise ConfigError(f"override {item!r} has an empty key; keys are dotted names such as train.epochs")


def _assign(raw, parts, value, item):
    node = raw
    for depth, part in enumerate(parts[:-1]):
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        elif not isinstance(child, dict):
            where = ".".join(parts[:depth + 1])
            raise ConfigError(f"override {item!r}: {where} is {child!r}, not a mapping, so it has no keys")
        node = child
    node[parts[-1]] = value


def _delete(raw, parts, item):
    node = raw
    for depth, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            where = ".".join(parts[:depth + 1])
            siblings = list(node) if isinstance(node, dict) else []
            close = difflib.get_close_matches(part, siblings, n=1)
            hint = f" (did you mean ~{'.'.join(parts[:depth] + [close[0]])}?)" if close else ""
            raise ConfigError(f"override {item!r}: there is no key {where} to delete{hint}")
        if depth == len(parts) - 1:
            del node[part]
        else:
            node = node[part]


# ---------------------------------------------------------------------------------------------- validation
def validate(raw, schema, source=None, from_cli=()):
    """Check ``raw`` against ``schema``; returns the config with defaults filled in, as a ConfigNode.

    All problems are gathered into one ConfigError. ``from_cli`` holds the dotted keys set by overrides,
    so their messages say so.

    Example:
        >>> validate({"model": {"_target_": "framework.nn.MLP", "sizes": [2, 2]}}, schema).train.epochs
        10
    """
    problems = []
    resolved = _check_section(raw, schema, "", problems, set(from_cli), schema)
    if problems:
        raise ConfigError(problems, source=source)
    return ConfigNode(resolved)


def validate_section(raw, section, name, problems):
    """Check one section (``train``, ``logging``) and fill in its defaults; problems are appended.

    Example:
        >>> problems = []
        >>> validate_section({"epochs": 3}, TRAIN, "train", problems).grad_accum_steps
        1
    """
    return ConfigNode(_check_section(raw, section, name + ".", problems, set(), section))


def _origin(path, from_cli):
    return " (set on the command line)" if path in from_cli else ""


def _check_section(raw, section, prefix, problems, from_cli, root):
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.append(f"{prefix[:-1]} must be a mapping of keys, got {raw!r}{_origin(prefix[:-1], from_cli)}")
        raw = {}
    out = {}
    for name, value in raw.items():
        if name not in section.keys:
            problems.append(_unknown_key(f"{prefix}{name}", section, name, prefix, root) +
                            _origin(f"{prefix}{name}", from_cli))
    for name, spec in section.keys.items():
        path = f"{prefix}{name}"
        value = raw.get(name, _default(spec))
        if isinstance(spec, Section):
            out[name] = _check_section(value, spec, path + ".", problems, from_cli, root)
        elif isinstance(spec, Component):
            out[name] = _check_component(value, spec, path, problems, from_cli)
        else:
            try:
                out[name] = spec.check(value)
            except ValueError as exc:
                problems.append(f"{path} {exc}{_origin(path, from_cli)}")
                out[name] = value
    return out


def _default(spec):
    return copy.deepcopy(spec.default) if not isinstance(spec, Section) else None


def _unknown_key(path, section, name, prefix, root):
    close = difflib.get_close_matches(name, list(section.keys), n=1, cutoff=0.6)
    if close:
        return f"unknown key {path} (did you mean {prefix}{close[0]}?)"
    elsewhere = [p for p in _all_paths(root) if p.rsplit(".", 1)[-1] == name]
    if elsewhere:
        return f"unknown key {path} (did you mean {elsewhere[0]}?)"
    known = ", ".join(section.keys)
    return f"unknown key {path} (known keys here: {known})"


def _all_paths(section, prefix=""):
    for name, spec in section.keys.items():
        yield prefix + name
        if isinstance(spec, Section):
            yield from _all_paths(spec, f"{prefix}{name}.")


def _check_component(value, spec, path, problems, from_cli):
    if value is None:
        if spec.required:
            problems.append(f"{path} is required: give it a _target_ (a dotted path such as "
                            f"framework.nn.MLP) and its arguments")
        return None
    if not isinstance(value, dict) or TARGET not in value:
        problems.append(f"{path} must be a mapping with a _target_ (a dotted path such as framework.nn.MLP)"
                        f"{_origin(path, from_cli)}")
        return value
    check_arguments(value, path, problems, from_cli, positional=spec.positional)
    return value


def check_arguments(node, path, problems, from_cli=(), positional=()):
    """Check a ``_target_`` node: importable, and its keys are arguments the target accepts (recursively).

    ``positional`` names the leading arguments the recipe supplies itself. Problems are appended.
    """
    try:
        target = locate(node[TARGET], f"{path}._target_")
    except ConfigError as exc:
        problems.extend(p + _origin(f"{path}._target_", from_cli) for p in exc.problems)
        return
    kwargs = {k: v for k, v in node.items() if k not in (TARGET, ARGS)}
    extra_args = node.get(ARGS, [])
    if not isinstance(extra_args, list):
        problems.append(f"{path}.{ARGS} must be a list of positional arguments, got {extra_args!r}")
        extra_args = []
    for name, value in list(kwargs.items()) + [(ARGS, extra_args)]:
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            if is_node(item):
                where = f"{path}.{name}" + (f"[{i}]" if isinstance(value, list) else "")
                check_arguments(item, where, problems, from_cli)
    positional = tuple(f"{name} (passed by the recipe)" for name in positional) + \
        tuple(f"{path}.{ARGS}[{i}]" for i in range(len(extra_args)))
    if not callable(target):
        problems.append(f"{path}._target_: {node[TARGET]} is a {type(target).__name__}, not a class or function")
        return
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return  # some builtins have no signature: nothing to check
    params = list(signature.parameters.values())
    takes_any_keyword = any(p.kind is p.VAR_KEYWORD for p in params)
    takes_more_positional = any(p.kind is p.VAR_POSITIONAL for p in params)
    positional_capable = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    supplied = {p.name: label for p, label in zip(positional_capable, positional)}
    if len(positional) > len(positional_capable) and not takes_more_positional:
        problems.append(f"{path}: {node[TARGET]} takes at most {len(positional_capable)} positional argument(s), "
                        f"but gets {len(positional)}: {', '.join(positional)}")
        return
    keyword_names = [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                     and p.name not in supplied]
    for name in kwargs:
        if name in supplied:
            problems.append(f"{path}.{name} is already given positionally, as {supplied[name]}; remove it"
                            f"{_origin(f'{path}.{name}', from_cli)}")
        elif name not in keyword_names and not takes_any_keyword:
            close = difflib.get_close_matches(name, keyword_names, n=1, cutoff=0.6)
            hint = f" (did you mean {path}.{close[0]}?)" if close else ""
            accepted = ", ".join(keyword_names) or "no keyword arguments"
            problems.append(f"unknown key {path}.{name}: {node[TARGET]} takes no argument {name!r}{hint}; "
                            f"it accepts {accepted}{_origin(f'{path}.{name}', from_cli)}")
    for p in params:
        if (p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                and p.name not in supplied and p.name not in kwargs):
            problems.append(f"{path} is missing {p.name!r}, a required argument of {node[TARGET]}")
