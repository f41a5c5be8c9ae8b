"""Removable handles for hooks, shared by tensors, nodes and (later) modules.

Example:
    >>> h = x.register_hook(lambda g: g * 2)
    >>> h.remove()
"""
import itertools

_IDS = itertools.count()


class RemovableHandle:
    """Removes its hook from ``hooks_dict`` on ``remove()`` or when used as a context manager exits."""

    __slots__ = ("hooks_dict", "id")

    def __init__(self, hooks_dict, fn):
        self.id = next(_IDS)
        self.hooks_dict = hooks_dict
        hooks_dict[self.id] = fn

    def remove(self):
        self.hooks_dict.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False
