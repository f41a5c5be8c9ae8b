"""The Optimizer base class: parameter groups, per-parameter state, zero_grad, state_dict.

Subclasses describe one algorithm: they pass their hyper-parameter ``defaults``, check them in
``_check_group`` and update the parameters of one group in ``_step_group``.

Example:
    >>> opt = framework.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
"""
import copy
import warnings
from collections import defaultdict
from itertools import chain

import numpy as np

from ..autograd import dtypes as _dtypes
from ..autograd.grad_mode import enable_grad
from ..autograd.tensor import Tensor
from ._inplace import ScratchPool


class _RequiredParameter:
    """Marks a hyper-parameter with no default: every parameter group must then give it."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj):
    """PyTorch-style type name for error messages: ``framework.FloatTensor``, ``int``, ``numpy.ndarray``."""
    if isinstance(obj, Tensor):
        return "framework." + _dtypes.from_numpy_dtype(obj._data.dtype)._legacy
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in ("", "builtins") else f"{module}.{cls.__qualname__}"


def check_non_negative(group, key, what):
    """Raise ``ValueError: Invalid <what>: <value>`` when ``group[key]`` is negative (as PyTorch words it)."""
    value = group.get(key)
    if value is not None and value is not required and not 0.0 <= value:
        raise ValueError(f"Invalid {what}: {value}")


def params_with_grad(group):
    """The group's parameters that have a gradient. One whose ``.grad`` is None is skipped entirely:
    no weight decay, no momentum, no state (PyTorch's rule, and what ``zero_grad()`` relies on)."""
    return [p for p in group["params"] if p._grad is not None]


def new_step_counter():
    """The ``'step'`` state entry: a 0-d tensor, float32 (float64 when that is the default dtype) as in PyTorch."""
    dtype = np.float64 if _dtypes.default_np() == np.float64 else np.float32
    return Tensor(np.zeros((), dtype))


class Optimizer:
    """Base class of all optimisers.

    ``params`` is an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts (parameter groups, each
    with a ``'params'`` key and any hyper-parameters that differ from ``defaults``).

    Example:
        >>> opt = framework.optim.Adam([{'params': weights, 'weight_decay': 0.01},
        ...                             {'params': biases, 'weight_decay': 0.0}], lr=1e-3)
    """

    def __init__(self, params, defaults):
        self._check_group(defaults)
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + _typename(params))
        if isinstance(params, set):
            warnings.warn("optimizer parameters need to be organized in ordered collections, but the ordering "
                          "of tensors in sets will change between runs. Please use a list instead. This will be "
                          "an error in a future release.", FutureWarning, stacklevel=3)
        self.state = defaultdict(dict)
        self.param_groups = []
        self._scratch = ScratchPool()
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ to be provided by each algorithm
    @staticmethod
    def _check_group(group):
        """Raise ValueError for invalid hyper-parameters in ``group`` (the defaults or one added group)."""
        check_non_negative(group, "lr", "learning rate")
        if group.get("differentiable"):
            raise NotImplementedError("differentiable=True is not supported: framework optimisers update "
                                      "parameters in place, outside autograd")
        if group.get("fused") and group.get("foreach"):
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def _step_group(self, group):
        """Update, in place, every parameter of ``group`` that has a gradient."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _step_group (or override step)")

    # ------------------------------------------------------------------ public API
    def step(self, closure=None):
        """Update the parameters once from their ``.grad``; parameters whose grad is None are skipped.

        ``closure`` (optional) re-evaluates the model and returns the loss; it runs with grad enabled and
        its result is returned.

        Example:
            >>> loss = opt.step(lambda: loss_fn(model(x), y))
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._step_group(group)
        return loss

    def zero_grad(self, set_to_none=True):
        """Reset the gradients: set them to None (default) or fill them with zeros.

        A parameter whose grad is None is skipped by ``step`` (no weight decay, no momentum), whereas a
        zero-filled grad still gets weight decay.

        Example:
            >>> opt.zero_grad()                    # p.grad is None
            >>> opt.zero_grad(set_to_none=False)   # p.grad is all zeros
        """
        for group in self.param_groups:
            for p in group["params"]:
                grad = p._grad
                if grad is None:
                    continue
                if set_to_none:
                    p._grad = None
                    continue
                if grad.grad_fn is not None:
                    grad.detach_()
                else:
                    grad.requires_grad_(False)
                if grad._data.flags.writeable:
                    grad._data.fill(0)
                    grad._bump()
                else:  # e.g. a broadcast view left by backward: replace rather than write through it
                    p._grad = Tensor(np.zeros(grad._data.shape, grad._data.dtype))

    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``'params'``); missing hyper-parameters come from ``defaults``.

        Example:
            >>> opt.add_param_group({'params': head.parameters(), 'lr': 0.01})
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        if "params" not in param_group:
            raise KeyError("param_group must have a 'params' entry with the tensors to optimize")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names and len(names) != len(params):
            raise ValueError("all optimizer params should be with/without names. Some param names are missing")
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(p))
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        param_group["params"] = params
        if names:
            param_group["param_names"] = names
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        self._check_group(param_group)
        if len(params) != len(set(params)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          UserWarning, stacklevel=3)
        existing = set()
        for group in self.param_groups:
            existing.update(group["params"])
            if ("param_names" in group) != ("param_names" in param_group):
                kind = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {kind} to the optimizer")
        if not existing.isdisjoint(params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def state_dict(self):
        """The optimiser's state in PyTorch's layout: parameters replaced by integer indices in group order.

        ``{'state': {index: {'step': ..., 'exp_avg': ...}}, 'param_groups': [{'lr': ..., 'params': [0, 1]}]}``.
        As in PyTorch the state tensors are references, not copies: ``framework.save`` it, or
        ``copy.deepcopy`` it to keep an in-memory snapshot while training goes on.

        Example:
            >>> framework.save(opt.state_dict(), 'opt.pt')
        """
        index_of = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index_of[id(k)] if isinstance(k, Tensor) else k): dict(v) for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore a ``state_dict()``: hyper-parameters and per-parameter state, mapped onto this optimiser's params.

        Everything is checked before anything changes. State tensors are copied (cast to their parameter's
        dtype), so the loaded optimiser never shares memory with ``state_dict``.

        Example:
            >>> opt.load_state_dict(framework.load('opt.pt'))
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("optimizer state_dict must be a dict with 'state' and 'param_groups' entries")
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(self.param_groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups: "
                             f"{len(saved_groups)} in the state dict, {len(self.param_groups)} in the optimizer")
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of optimizer's "
                    f"group: group {i} has {len(saved['params'])} parameters in the state dict and "
                    f"{len(group['params'])} in the optimizer")
        param_of = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                            chain.from_iterable(g["params"] for g in self.param_groups)))
        for saved in saved_groups:
            for name, default in self.defaults.items():  # a state dict from an older version may lack new keys
                if default is not required:
                    saved.setdefault(name, default)
            self._check_group(saved)
        state = defaultdict(dict)
        for key, values in state_dict["state"].items():
            param = param_of.get(key)
            if param is None:
                state[key] = copy.deepcopy(values)
            else:
                state[param] = {name: _restore_state_value(param, key, name, v) for name, v in values.items()}
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})

    def __getstate__(self):
        # Only what defines the optimiser: a scheduler's wrapper around `step` and scratch buffers stay behind.
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        if not hasattr(self, "_scratch"):
            self._scratch = ScratchPool()

    def __repr__(self):
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {key}: {group[key]}\n" for key in sorted(group) if key != "params")
        return text + ")"


def _restore_state_value(param, index, name, value):
    """A loaded state entry as this optimiser keeps it: an owned copy, float buffers in the param's dtype."""
    if isinstance(value, np.ndarray):
        value = Tensor(value)
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    data = value._data
    if name == "step":
        return Tensor(np.array(data, copy=True))
    if data.shape != param._data.shape:
        raise ValueError(f"loaded state dict has '{name}' of shape {tuple(data.shape)} for parameter {index}, "
                         f"whose shape is {tuple(param._data.shape)}")
    dtype = param._data.dtype if data.dtype.kind == "f" and param._data.dtype.kind == "f" else data.dtype
    return Tensor(np.array(data, dtype=dtype, copy=True))
