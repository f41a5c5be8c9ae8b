"""Read IDX files, the format of the MNIST distribution (optionally gzip-compressed).

An IDX file is: two zero bytes, a type code, the number of dimensions, one big-endian uint32 per
dimension, then the values in C order.

Example:
    >>> images = read_idx("train-images-idx3-ubyte.gz")   # uint8 array (60000, 28, 28)
"""
import gzip
import struct

import numpy as np

_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
          0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path):
    """The array stored in IDX file ``path`` (``.gz`` files are decompressed); errors name the file."""
    path = str(path)
    try:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"{path}: cannot read IDX data ({exc})") from None
    if len(raw) < 4:
        raise ValueError(f"{path}: too short for an IDX header ({len(raw)} bytes)")
    zero, type_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or type_code not in _TYPES:
        raise ValueError(f"{path}: not an IDX file (magic number 0x{raw[:4].hex()}; expected 0x0000 then a type "
                         "code such as 08 for unsigned bytes)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: IDX header announces {ndim} dimensions but the file ends after {len(raw)} bytes")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = _TYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(f"{path}: IDX header announces shape {shape} ({expected} bytes of data) but the file "
                         f"holds {len(raw) - header} bytes after the header")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))
