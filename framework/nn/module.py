"""``Module``: the base class of every layer and model, with PyTorch's registration rules.

Assigning a ``Parameter`` or a ``Module`` to an attribute registers it; ``state_dict`` and
``load_state_dict`` walk the registered tree, so a model's weights file has the same keys as the
same model in PyTorch.

Example:
    >>> class Net(framework.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc = framework.nn.Linear(3, 2)
    ...     def forward(self, x):
    ...         return self.fc(x).relu()
    >>> [name for name, _ in Net().named_parameters()]
    ['fc.weight', 'fc.bias']
"""
from collections import OrderedDict, namedtuple

import numpy as np

from ..autograd import dtypes as _dt
from ..autograd.device import device as _device
from ..autograd.grad_mode import no_grad
from ..autograd.hooks import RemovableHandle
from ..autograd.tensor import Tensor
from .parameter import Buffer, Parameter


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it did not find and those it did not use."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"

    __str__ = __repr__


def _typename(value):
    """The type name PyTorch prints in assignment errors (``framework.FloatTensor`` for tensors)."""
    if isinstance(value, Tensor):
        return value.type()
    return type(value).__name__


def _indent(text, spaces):
    """Indent every line of ``text`` but the first (for nested reprs)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    pad = " " * spaces
    return lines[0] + "\n" + "\n".join(pad + line for line in lines[1:])


def _check_name(name, kind, owner):
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
    if "." in name:
        raise KeyError(f"{kind} name can't contain \".\"")
    if name == "":
        raise KeyError(f"{kind} name can't be empty string \"\"")


class Module:
    """Base class for all neural network layers and models.

    Subclasses call ``super().__init__()`` first, assign parameters and sub-modules as attributes,
    and implement ``forward``. Call the module (``model(x)``), not ``forward``, so hooks run.

    Example:
        >>> model = framework.nn.Sequential(framework.nn.Linear(4, 2), framework.nn.ReLU())
        >>> model(framework.randn(3, 4)).shape
        framework.Size([3, 2])
    """

    training: bool

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments: {args} {kwargs}")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = {}
        d["_forward_pre_hooks"] = {}
        d["_forward_pre_hooks_with_kwargs"] = set()
        d["_forward_hooks"] = {}
        d["_forward_hooks_with_kwargs"] = set()
        d["_backward_pre_hooks"] = {}
        d["_backward_hooks"] = {}

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ------------------------------------------------------------------ registration
    def register_parameter(self, name, param):
        """Register ``param`` (a ``Parameter`` or None) under ``name``.

        Example:
            >>> m.register_parameter("scale", framework.nn.Parameter(framework.ones(1)))
        """
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name(name, "parameter", self)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is None:
            self._parameters[name] = None
            return
        if not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            "(framework.nn.Parameter or None required)")
        if param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                             f"created explicitly. To express '{name}' as a function of another Tensor, compute "
                             "the value in the forward() method.")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Register a tensor that is state but not a parameter (running statistics, masks).

        Non-persistent buffers are left out of ``state_dict``.

        Example:
            >>> m.register_buffer("running_mean", framework.zeros(3))
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name(name, "buffer", self)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            "(framework Tensor or None required)")
        if isinstance(tensor, Buffer):
            tensor = Tensor(tensor._data)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        """Register ``module`` as a child named ``name`` (what attribute assignment does).

        Example:
            >>> m.add_module("head", framework.nn.Linear(4, 2))
        """
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {type(name).__name__}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f"module name can't contain \".\", got: {name}")
        if name == "":
            raise KeyError("module name can't be empty string \"\"")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        """The sub-module at dotted path ``target`` (``""`` is the module itself).

        Example:
            >>> model.get_submodule("block.0")
        """
        if target == "":
            return self
        mod = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(f"{mod._get_name()} has no attribute `{item}`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return mod

    def get_parameter(self, target):
        """The parameter at dotted path ``target`` (``"block.0.weight"``)."""
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(f"{mod._get_name()} has no attribute `{name}`")
        param = getattr(mod, name)
        if not isinstance(param, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return param

    def get_buffer(self, target):
        """The buffer at dotted path ``target``."""
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if name not in mod._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return mod._buffers[name]

    # ------------------------------------------------------------------ attribute protocol
    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            entries = d.get(store)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                "(framework.nn.Parameter or None expected)")
            params[name] = None
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name)
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                "(framework.nn.Module or None expected)")
            modules[name] = None
            return
        if isinstance(value, Buffer):
            if d.get("_buffers") is None:
                raise AttributeError("cannot assign buffer before Module.__init__() call")
            self._forget(name)
            self.register_buffer(name, value, value.persistent)
            return
        buffers = d.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                "(framework.Tensor or None expected)")
            buffers[name] = value
            return
        object.__setattr__(self, name, value)

    def _forget(self, name):
        """Drop ``name`` from every registry before it is registered again under another kind."""
        d = self.__dict__
        d.pop(name, None)
        for store in ("_parameters", "_buffers", "_modules"):
            d[store].pop(name, None)
        d["_non_persistent_buffers_set"].discard(name)

    def __delattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if name in d.get(store, ()):
                del d[store][name]
                d["_non_persistent_buffers_set"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))

    # ------------------------------------------------------------------ traversal
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Yield ``(dotted_name, module)`` for this module and all below it, depth first, self first.

        Example:
            >>> [n for n, _ in model.named_modules()]
            ['', '0', '1']
        """
        seen = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, mod = stack.pop()
            if remove_duplicate:
                if id(mod) in seen:
                    continue
                seen.add(id(mod))
            yield name, mod
            children = [(name + ("." if name else "") + key, child) for key, child in mod._modules.items()
                        if child is not None]
            stack.extend(reversed(children))

    def modules(self):
        """Every module in the tree, this one first."""
        for _, mod in self.named_modules():
            yield mod

    def named_children(self):
        """Yield ``(name, child)`` for the direct children, each module once."""
        seen = set()
        for name, mod in self._modules.items():
            if mod is not None and id(mod) not in seen:
                seen.add(id(mod))
                yield name, mod

    def children(self):
        for _, mod in self.named_children():
            yield mod

    def _named_members(self, store, prefix, recurse, remove_duplicate):
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        seen = set()
        for mod_prefix, mod in mods:
            for name, value in getattr(mod, store).items():
                if value is None:
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield (mod_prefix + "." + name if mod_prefix else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Yield ``(dotted_name, parameter)``: a module's own first, then its children's; shared ones once.

        Example:
            >>> [n for n, _ in framework.nn.Linear(2, 3).named_parameters()]
            ['weight', 'bias']
        """
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        """Every parameter (each once), in ``named_parameters`` order."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """Yield ``(dotted_name, buffer)`` like ``named_parameters``."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ------------------------------------------------------------------ state
    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """An ``OrderedDict`` of parameters and persistent buffers by dotted name.

        Own parameters come first, then own persistent buffers, then each child's entries. The
        values are detached tensors sharing storage with the module (``keep_vars=True`` gives the
        parameters themselves).

        Example:
            >>> list(framework.nn.BatchNorm1d(3).state_dict())
            ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
        """
        if args:  # PyTorch's deprecated positional form: state_dict(destination, prefix, keep_vars)
            destination = args[0]
            prefix = args[1] if len(args) > 1 else prefix
            keep_vars = args[2] if len(args) > 2 else keep_vars
        out = OrderedDict() if destination is None else destination
        stack = [(prefix, self)]
        while stack:
            pre, mod = stack.pop()
            for name, p in mod._parameters.items():
                if p is not None:
                    out[pre + name] = p if keep_vars else p.detach()
            for name, b in mod._buffers.items():
                if b is not None and name not in mod._non_persistent_buffers_set:
                    out[pre + name] = b if keep_vars else b.detach()
            stack.extend(reversed([(pre + name + ".", child) for name, child in mod._modules.items()
                                   if child is not None]))
        return out

    def _local_state(self):
        state = {name: p for name, p in self._parameters.items() if p is not None}
        state.update((name, b) for name, b in self._buffers.items()
                     if b is not None and name not in self._non_persistent_buffers_set)
        return state

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy parameters and buffers from ``state_dict`` into this module (and its children).

        Returns ``(missing_keys, unexpected_keys)``. With ``strict=True`` any missing or unexpected
        key raises ``RuntimeError``; a shape mismatch raises even with ``strict=False``.

        Example:
            >>> model.load_state_dict(framework.load("model.safetensors"))
            <All keys matched successfully>
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing, unexpected, errors = [], [], []
        stack = [("", self)]
        while stack:
            prefix, mod = stack.pop()
            local = mod._local_state()
            for name, target in local.items():
                key = prefix + name
                if key not in state_dict:
                    missing.append(key)
                    continue
                _copy_into(mod, name, target, state_dict[key], key, assign, errors)
            for key in state_dict:
                if not key.startswith(prefix):
                    continue
                head = key[len(prefix):].split(".", 1)[0]
                if head not in mod._modules and head not in local:
                    unexpected.append(key)
            stack.extend(reversed([(prefix + name + ".", child) for name, child in mod._modules.items()
                                   if child is not None]))
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(errors)))
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ modes and conversions
    def train(self, mode=True):
        """Set training mode here and in every sub-module; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for mod in self.modules():
            mod.__dict__["training"] = mode
        return self

    def eval(self):
        """Evaluation mode (dropout off, batch norm uses running statistics); returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` on every parameter (``False`` freezes the module); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters: to None (default) or to zeros in place."""
        for p in self.parameters():
            if p._grad is None:
                continue
            if set_to_none:
                p._grad = None
            else:
                g = p._grad
                if g.grad_fn is not None:
                    g = p._grad = g.detach()
                g._data[...] = 0
                g._bump()

    def apply(self, fn):
        """Call ``fn(module)`` on every sub-module (children first) and on self; returns self.

        Example:
            >>> model.apply(lambda m: framework.nn.init.zeros_(m.bias) if isinstance(m, framework.nn.Linear) else None)
        """
        order = []
        stack = [(self, False)]
        while stack:
            mod, expanded = stack.pop()
            if expanded:
                order.append(mod)
                continue
            stack.append((mod, True))
            stack.extend((child, False) for child in reversed(list(mod.children())))
        for mod in order:
            fn(mod)
        return self

    def _convert(self, fn):
        """Apply ``fn`` to the array of every parameter, buffer and gradient, keeping the objects."""
        with no_grad():
            for mod in self.modules():
                for store in (mod._parameters, mod._buffers):
                    for t in store.values():
                        if t is None:
                            continue
                        new = fn(t._data)
                        if new is not t._data:
                            t._data = new
                            t._bump()
                        if t._grad is not None:
                            t._grad._data = fn(t._grad._data)
        return self

    def to(self, *args, **kwargs):
        """Convert floating-point parameters and buffers to a dtype; devices other than cpu are refused.

        Example:
            >>> model.to(framework.float64).to("cpu")
        """
        dtype = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (_dt.dtype, np.dtype)):
                dtype = a
            elif isinstance(a, (str, _device)):
                dev = a
            else:
                raise TypeError(f"to() received an invalid combination of arguments: {a!r}")
        if dev is not None:
            _device(dev)
        if dtype is None:
            return self
        np_dtype = _dt.to_numpy_dtype(dtype)
        if np_dtype.kind != "f":
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
        return self._convert(lambda a: a.astype(np_dtype) if a.dtype.kind == "f" and a.dtype != np_dtype else a)

    def float(self):
        return self.to(_dt.float32)

    def double(self):
        return self.to(_dt.float64)

    def half(self):
        return self.to(_dt.float16)

    def cpu(self):
        return self

    def type(self, dst_type):
        return self.to(dst_type)

    # ------------------------------------------------------------------ calling and hooks
    def __call__(self, *args, **kwargs):
        d = self.__dict__
        if not (d["_forward_pre_hooks"] or d["_forward_hooks"] or d["_backward_hooks"]
                or d["_backward_pre_hooks"]):
            return self.forward(*args, **kwargs)
        from ._hooks import call_with_hooks
        return call_with_hooks(self, args, kwargs)

    def _register_hook(self, store, hook, prepend, kwarg_store=None, with_kwargs=False):
        handle = RemovableHandle(store, hook)
        if prepend:
            items = list(store.items())
            store.clear()
            store[handle.id] = hook
            store.update(items[:-1])
        if kwarg_store is not None and with_kwargs:
            kwarg_store.add(handle.id)
        return handle

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Run ``hook(module, args)`` before ``forward``; a non-None result replaces the args.

        With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs)`` returning ``(args, kwargs)``.

        Example:
            >>> h = model.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
            >>> h.remove()
        """
        return self._register_hook(self._forward_pre_hooks, hook, prepend, self._forward_pre_hooks_with_kwargs,
                                   with_kwargs)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """Run ``hook(module, args, output)`` after ``forward``; a non-None result replaces the output.

        With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs, output)``.

        Example:
            >>> h = model.register_forward_hook(lambda m, args, out: out + 1)
        """
        return self._register_hook(self._forward_hooks, hook, prepend, self._forward_hooks_with_kwargs,
                                   with_kwargs)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """Run ``hook(module, grad_output)`` before the module's input gradients are computed.

        A non-None result replaces ``grad_output``.
        """
        return self._register_hook(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """Run ``hook(module, grad_input, grad_output)`` once the gradients of the module's inputs are known.

        ``grad_input`` and ``grad_output`` are tuples with one entry per tensor input / output (None
        for inputs that do not require grad). A non-None result replaces ``grad_input``.

        Example:
            >>> h = layer.register_full_backward_hook(lambda m, gin, gout: print(gout[0].shape))
        """
        return self._register_hook(self._backward_hooks, hook, prepend)

    # ------------------------------------------------------------------ printing
    def extra_repr(self):
        """The text inside this module's parentheses in its repr; layers override it."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): {_indent(repr(mod), 2)}" for name, mod in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                body = extra_lines[0]
            else:
                body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"

    def __getstate__(self):
        return self.__dict__.copy()

    def __setstate__(self, state):
        self.__dict__.update(state)


def _copy_into(mod, name, target, source, key, assign, errors):
    """Copy one state-dict entry into ``target`` (in place), recording shape errors like PyTorch."""
    if not isinstance(source, Tensor):
        if isinstance(source, np.ndarray):
            source = Tensor(source)
        else:
            errors.append(f'While copying the parameter named "{key}", expected framework.Tensor or Tensor-like '
                          f"object from checkpoint but received {type(source)}")
            return
    src = source._data
    if src.shape != target._data.shape:
        errors.append(f"size mismatch for {key}: copying a param with shape {source.shape} from checkpoint, "
                      f"the shape in current model is {target.shape}.")
        return
    if assign:
        if isinstance(target, Parameter):
            new = Parameter(source.detach(), requires_grad=target.requires_grad)
            mod._parameters[name] = new
        else:
            mod._buffers[name] = source.detach()
        return
    with no_grad():
        np.copyto(target._data, src, casting="unsafe")
        target._bump()
