"""Build objects from config nodes: ``{_target_: dotted.path, **kwargs}`` -> ``dotted.path(*args, **kwargs)``.

Targets are looked up by import, so a user's own module in the working directory works the same as
``framework.nn.MLP``. Nested nodes (a ``_target_`` inside the keyword arguments, or a list of them) are
built first. Errors name the config key and show the real import error.

Example:
    >>> model = instantiate({"_target_": "framework.nn.MLP", "sizes": [2, 8, 2]})
    >>> optimizer = instantiate({"_target_": "framework.optim.Adam", "lr": 0.01}, model.parameters())
"""
import difflib
import importlib
import os
import sys
import types

from .errors import ConfigError

TARGET = "_target_"
ARGS = "_args_"   # positional arguments, e.g. the layers of a Sequential


def is_node(value):
    """True for a mapping with a ``_target_`` key.

    Example:
        >>> is_node({"_target_": "framework.nn.ReLU"})
        True
    """
    return isinstance(value, dict) and TARGET in value


def allow_user_modules():
    """Make modules in the working directory importable (``_target_: my_models.XORNet``), as ``python -m`` does.

    Example:
        >>> allow_user_modules(); import my_models
    """
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)


def locate(dotted, key="_target_"):
    """The object a dotted path names, found left to right: attributes first, sub-modules imported as needed
    (so ``framework.data.datasets.digits`` is the function even though a module of that name exists).

    Raises ConfigError naming ``key`` with the real import error, or a did-you-mean for a missing name.

    Example:
        >>> locate("framework.nn.MLP")
        <class 'framework.nn.modules.mlp.MLP'>
    """
    if not isinstance(dotted, str) or not dotted or any(not part.isidentifier() for part in dotted.split(".")):
        raise ConfigError(f"{key} must be a dotted path such as framework.nn.MLP, got {dotted!r}")
    allow_user_modules()
    parts = dotted.split(".")
    obj = _import(parts[0], dotted, key)
    if obj is None:
        raise ConfigError(f"{key}: cannot import {dotted!r}: No module named {parts[0]!r} (looked in the "
                          f"working directory {os.getcwd()} and the installed packages)")
    for depth in range(1, len(parts)):
        attr = parts[depth]
        if hasattr(obj, attr):
            obj = getattr(obj, attr)
            continue
        found = _import(".".join(parts[:depth + 1]), dotted, key) if isinstance(obj, types.ModuleType) else None
        if found is None:
            owner = ".".join(parts[:depth])
            candidates = [n for n in dir(obj) if not n.startswith("_")]
            close = difflib.get_close_matches(attr, candidates, n=1)
            hint = f" (did you mean {owner}.{close[0]}?)" if close else ""
            kind = "module " if isinstance(obj, types.ModuleType) else ""
            raise ConfigError(f"{key}: cannot import {dotted!r}: {kind}{owner!r} has no attribute {attr!r}{hint}")
        obj = found
    return obj


def _import(module_name, dotted, key):
    """Import ``module_name``; None when that very module does not exist. Any other failure (a missing
    import inside it, a syntax error) is the user's real error and becomes a ConfigError showing it."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise ConfigError(f"{key}: cannot import {dotted!r}: importing {module_name} failed with "
                          f"ModuleNotFoundError: {exc}") from None
    except Exception as exc:  # noqa: BLE001  (a broken user module: show what broke)
        raise ConfigError(f"{key}: cannot import {dotted!r}: importing {module_name} failed with "
                          f"{type(exc).__name__}: {exc}") from None


def instantiate(node, *args, key="config"):
    """Call ``node['_target_']`` with ``args``, then ``node['_args_']`` (if any), then the other keys as
    keyword arguments; None gives None.

    Constructor errors about the arguments (TypeError, ValueError) become ConfigErrors naming ``key``.

    Example:
        >>> instantiate({"_target_": "framework.optim.lr_scheduler.StepLR", "step_size": 10}, optimizer)
    """
    if node is None:
        return None
    if not is_node(node):
        raise ConfigError(f"{key} must be a mapping with a _target_ (a dotted path such as framework.nn.MLP)")
    target = locate(node[TARGET], f"{key}._target_")
    kwargs = {name: build_nested(value, f"{key}.{name}") for name, value in node.items()
              if name not in (TARGET, ARGS)}
    extra = build_nested(list(node.get(ARGS, [])), f"{key}.{ARGS}")
    try:
        return target(*args, *extra, **kwargs)
    except (TypeError, ValueError) as exc:
        shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items() if not hasattr(v, "__dict__"))
        raise ConfigError(f"{key}: {node[TARGET]}({shown}) failed: {type(exc).__name__}: {exc}") from exc


def build_nested(value, key):
    """Build ``_target_`` nodes found in a keyword argument (directly or in a list); other values unchanged.

    Example:
        >>> build_nested([{"_target_": "framework.nn.ReLU"}, 3], "model._args_")
        [ReLU(), 3]
    """
    if is_node(value):
        return instantiate(value, key=key)
    if isinstance(value, list):
        return [build_nested(item, f"{key}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict):
        return {k: build_nested(v, f"{key}.{k}") for k, v in value.items()}
    return value
