"""Run unmodified PyTorch programs: make ``import torch`` resolve to ``framework``.

Example:
    >>> import framework.compat
    >>> framework.compat.install()
    >>> import torch, torch.nn as nn          # these are framework and framework.nn now
    >>> from torch.utils.data import DataLoader

From the shell: ``python -m framework.compat script.py [args...]``.
A PyTorch name that framework does not provide raises AttributeError naming it, and the first
time each such name is reached a one-line notice goes to stderr.
"""
import importlib
import importlib.abc
import importlib.util
import sys
import types

# torch submodule -> framework module that stands in for it
ALIASES = {
    "torch": "framework",
    "torch.nn": "framework.nn",
    "torch.nn.functional": "framework.nn.functional",
    "torch.nn.init": "framework.nn.init",
    "torch.nn.utils": "framework.nn.utils",
    "torch.optim": "framework.optim",
    "torch.optim.lr_scheduler": "framework.optim.lr_scheduler",
    "torch.utils": "framework.utils",
    "torch.utils.data": "framework.utils.data",
    "torch.utils.data.dataset": "framework.utils.data.dataset",
    "torch.utils.data.sampler": "framework.utils.data.sampler",
    "torch.utils.data.dataloader": "framework.utils.data.dataloader",
    "torch.utils.checkpoint": "framework.utils.checkpoint",
    "torch.autograd": "framework.autograd",
    "torch.cuda": "framework.cuda",
    "torch.accelerator": "framework.accelerator",
}

_reported = set()


def report_missing(module_name, attr):
    """Print once which PyTorch name a program reached that framework does not provide."""
    key = f"{module_name}.{attr}"
    if key not in _reported:
        _reported.add(key)
        print(f"framework.compat: {key.replace('framework', 'torch', 1)} is not supported yet", file=sys.stderr)
    return AttributeError(f"module '{module_name.replace('framework', 'torch', 1)}' has no attribute '{attr}': "
                          f"PyTorch's {key.replace('framework', 'torch', 1)} is not supported by framework yet")


class _Proxy(types.ModuleType):
    """Stands for a torch module: attribute reads go to the framework module, gaps are reported."""

    def __init__(self, torch_name, target):
        super().__init__(torch_name)
        self.__dict__["_target"] = target
        self.__dict__["__path__"] = []  # a package, so `import torch.x.y` searches our finder
        self.__dict__["__file__"] = getattr(target, "__file__", None)

    def __getattr__(self, attr):
        target = self.__dict__["_target"]
        try:
            return getattr(target, attr)
        except AttributeError:
            sub = f"{self.__name__}.{attr}"
            if sub in ALIASES:
                return importlib.import_module(sub)
            if attr.startswith("__"):
                raise
            raise report_missing(target.__name__, attr) from None

    def __dir__(self):
        return dir(self.__dict__["_target"])


class _TorchFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):
        if fullname in ALIASES or fullname.startswith("torch."):
            return importlib.util.spec_from_loader(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        name = spec.name
        if name not in ALIASES:
            raise ModuleNotFoundError(f"No module named '{name}': this PyTorch module is not supported by "
                                      "framework yet", name=name)
        return _Proxy(name, importlib.import_module(ALIASES[name]))

    def exec_module(self, module):
        pass


_FINDER = _TorchFinder()


def install():
    """Make ``import torch`` (and its common submodules) resolve to framework in this process."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    for name in [n for n in sys.modules if n == "torch" or n.startswith("torch.")]:
        if not isinstance(sys.modules[name], _Proxy):
            del sys.modules[name]


def uninstall():
    """Undo ``install()``: ``import torch`` finds the real PyTorch again (if installed)."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [n for n in sys.modules if n == "torch" or n.startswith("torch.")]:
        if isinstance(sys.modules[name], _Proxy):
            del sys.modules[name]
