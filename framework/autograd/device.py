"""Devices: this framework computes on the CPU only; ``device("cpu")`` exists so PyTorch code ports.

Example:
    >>> framework.device("cpu")
    device(type='cpu')
"""


class device:
    """A compute device. Only ``"cpu"`` is available; asking for another raises a clear error."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        name = str(type)
        if ":" in name:
            name, idx = name.split(":", 1)
            index = int(idx)
        if name != "cpu":
            raise RuntimeError(f"device '{type}' is not available: this build of framework computes on the CPU "
                               "only (numpy). Use device='cpu' or leave the device out.")
        self.type = "cpu"
        self.index = index

    def __repr__(self):
        return "device(type='cpu')" if self.index is None else f"device(type='cpu', index={self.index})"

    def __str__(self):
        return "cpu"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
        return isinstance(other, device) and other.type == self.type

    def __hash__(self):
        return hash(self.type)


CPU = device("cpu")


def check_device(d):
    """Validate a ``device=`` argument (None, a string or a device)."""
    if d is not None and not isinstance(d, device):
        device(d)
