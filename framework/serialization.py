"""``framework.save`` / ``framework.load``: state files that can never run code.

A file is a plain safetensors file. Tensors are stored as safetensors tensors; everything else
(numbers, strings, bools, None, lists, tuples, dicts, their nesting and order) is a JSON skeleton
kept in the safetensors metadata, where each tensor appears as a reference to its stored name.
Nothing is pickled. A model's ``state_dict`` is stored under its own keys, so PyTorch reads it with
``safetensors.torch.load_file`` and loads it with ``load_state_dict``; any plain safetensors file
(from PyTorch too) loads back as an ordered dict of tensors.

Example:
    >>> framework.save(model.state_dict(), "model.safetensors")
    >>> model.load_state_dict(framework.load("model.safetensors"))
    <All keys matched successfully>
"""
import json
import math
import os
import struct
import tempfile
from collections import OrderedDict

import numpy as np

from .autograd import dtypes
from .autograd.tensor import Tensor

FORMAT_KEY = "framework.skeleton"
FORMAT_VERSION = 1
_MAX_HEADER = 100 * 1024 * 1024


class _Encoder:
    """Turns a state object into (JSON skeleton, {stored name: numpy array})."""

    def __init__(self):
        self.arrays = {}

    def name_for(self, path):
        base = ".".join(str(p) for p in path) or "tensor"
        name, n = base, 1
        while name in self.arrays or name == "__metadata__":
            name = f"{base}#{n}"
            n += 1
        return name

    def encode(self, obj, path):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, (int, np.integer)):
            return int(obj)
        if isinstance(obj, (float, np.floating)):
            value = float(obj)
            return value if math.isfinite(value) else {"__float__": repr(value)}
        if isinstance(obj, Tensor):
            name = self.name_for(path)
            self.arrays[name] = _contiguous(obj._data)
            return {"__tensor__": name}
        if isinstance(obj, np.ndarray):
            name = self.name_for(path)
            self.arrays[name] = _contiguous(obj)
            return {"__ndarray__": name}
        if isinstance(obj, tuple):
            return {"__tuple__": [self.encode(v, path + (i,)) for i, v in enumerate(obj)]}
        if isinstance(obj, list):
            return [self.encode(v, path + (i,)) for i, v in enumerate(obj)]
        if isinstance(obj, dict):
            items = []
            for key, value in obj.items():
                if not (key is None or isinstance(key, (str, int, float, bool, tuple))):
                    raise TypeError(f"framework.save cannot store a dict key of type {type(key).__name__} "
                                    f"(at {_where(path)})")
                items.append([self.encode(key, path + ("key",)), self.encode(value, path + (key,))])
            tag = "__odict__" if isinstance(obj, OrderedDict) else "__dict__"
            return {tag: items}
        if isinstance(obj, dtypes.dtype):
            return {"__dtype__": obj.name}
        raise TypeError(f"framework.save cannot store an object of type {type(obj).__name__} (at {_where(path)}): "
                        "only tensors, numpy arrays, numbers, strings, bools, None and lists/tuples/dicts of them "
                        "are supported. No pickle is used, so arbitrary Python objects cannot be saved; save their "
                        "state_dict() instead.")


def _contiguous(arr):
    """A C-contiguous array of the same shape (np.ascontiguousarray would turn 0-d into 1-d)."""
    return arr if arr.flags.c_contiguous else arr.copy(order="C")


def _where(path):
    return "/".join(str(p) for p in path) or "top level"


def _decode(node, arrays, path):
    if isinstance(node, list):
        return [_decode(v, arrays, path) for v in node]
    if not isinstance(node, dict):
        return node
    if len(node) != 1:
        raise ValueError(f"{path}: malformed framework state file (unexpected object {sorted(node)[:3]})")
    tag, value = next(iter(node.items()))
    if tag == "__tensor__":
        return Tensor(arrays[value])
    if tag == "__ndarray__":
        return arrays[value]
    if tag == "__float__":
        return float(value)
    if tag == "__tuple__":
        return tuple(_decode(v, arrays, path) for v in value)
    if tag in ("__dict__", "__odict__"):
        pairs = [(_hashable(_decode(k, arrays, path)), _decode(v, arrays, path)) for k, v in value]
        return OrderedDict(pairs) if tag == "__odict__" else dict(pairs)
    if tag == "__dtype__":
        return dtypes.from_name(value)
    raise ValueError(f"{path}: malformed framework state file (unknown tag {tag!r})")


def _hashable(key):
    return tuple(_hashable(k) for k in key) if isinstance(key, list) else key


def save(obj, f):
    """Write ``obj`` (a state dict: nested dicts/lists/tuples of tensors, numbers, strings, bools, None) to ``f``.

    The file is written to a temporary name in the same folder and renamed into place, so an
    existing file is never left half-written. ``f`` is a path or a writable binary file object.

    Example:
        >>> framework.save({"model": model.state_dict(), "epoch": 3}, "ckpt.safetensors")
    """
    from safetensors.numpy import save as st_save
    enc = _Encoder()
    skeleton = enc.encode(obj, ())
    meta = {"format": "pt", FORMAT_KEY: json.dumps({"version": FORMAT_VERSION, "object": skeleton})}
    data = st_save(enc.arrays, metadata=meta)
    if hasattr(f, "write"):
        f.write(data)
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _not_ours(path, why):
    return ValueError(f"{path}: not a framework state file ({why}). framework.load reads safetensors files written "
                      "by framework.save or safetensors' save_file; it never unpickles, so torch.save/pickle files "
                      "cannot be loaded (convert them with safetensors.torch.save_file first).")


def _parse_header(data, path):
    if data[:1] == b"\x80" or data[:2] == b"PK":
        raise _not_ours(path, "it looks like a pickle / torch.save archive")
    if len(data) < 8:
        raise _not_ours(path, f"only {len(data)} bytes, truncated or empty")
    (size,) = struct.unpack("<Q", data[:8])
    if size > _MAX_HEADER or size == 0:
        raise _not_ours(path, "wrong magic: the first 8 bytes are not a safetensors header length")
    if 8 + size > len(data):
        raise _not_ours(path, f"truncated: header of {size} bytes but the file has {len(data)} bytes")
    raw = data[8:8 + size]
    if raw[:1] != b"{":
        raise _not_ours(path, "wrong magic: no JSON header")
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _not_ours(path, "corrupt JSON header") from None
    if not isinstance(header, dict):
        raise _not_ours(path, "corrupt JSON header")
    end = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            end = max(end, int(info["data_offsets"][1]))
        except (TypeError, KeyError, IndexError, ValueError):
            raise _not_ours(path, f"corrupt entry for tensor {name!r}") from None
    if 8 + size + end > len(data):
        raise _not_ours(path, f"truncated: tensors need {8 + size + end} bytes but the file has {len(data)}")
    return header


def load(f, map_location=None, weights_only=True, mmap=None):
    """Read what ``framework.save`` wrote (or any safetensors file, as an ordered dict of tensors).

    A file that is not a safetensors file (a pickle, a truncated download, other data) raises
    ``ValueError`` naming the path. Nothing in the file is executed.

    Example:
        >>> state = framework.load("ckpt.safetensors")
        >>> model.load_state_dict(state["model"])
    """
    from safetensors.numpy import load as st_load
    if hasattr(f, "read"):
        data = f.read()
        path = getattr(f, "name", "<file object>")
    else:
        path = os.fspath(f)
        with open(path, "rb") as fh:
            data = fh.read()
    header = _parse_header(data, path)
    try:
        arrays = st_load(data)
    except Exception as exc:  # safetensors raises its own error types for malformed content
        raise _not_ours(path, f"safetensors could not read it: {exc}") from None
    arrays = {name: np.array(arr) if not arr.flags.writeable else arr for name, arr in arrays.items()}
    meta = header.get("__metadata__") or {}
    if FORMAT_KEY not in meta:
        names = [n for n in header if n != "__metadata__"]
        names.sort(key=lambda n: header[n]["data_offsets"][0])
        return OrderedDict((n, Tensor(arrays[n])) for n in names)
    try:
        doc = json.loads(meta[FORMAT_KEY])
    except ValueError:
        raise _not_ours(path, "corrupt framework metadata") from None
    if not isinstance(doc, dict) or doc.get("version") != FORMAT_VERSION:
        raise ValueError(f"{path}: framework state file version {doc.get('version') if isinstance(doc, dict) else '?'}"
                         f" is not supported by this version (expected {FORMAT_VERSION})")
    return _decode(doc["object"], arrays, path)


__all__ = ["save", "load"]
