"""``framework.cuda``: there is no GPU backend; these answer as PyTorch does on a CPU-only build.

Example:
    >>> framework.cuda.is_available()
    False
"""


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Accepted and ignored (no CUDA generator), so seeding code ports unchanged."""


def manual_seed_all(seed):
    """Accepted and ignored."""


def synchronize(device=None):
    """Nothing to wait for on the CPU."""


def empty_cache():
    """Nothing to free."""
