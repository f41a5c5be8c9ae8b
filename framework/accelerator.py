"""``framework.accelerator``: no accelerator is ever available; computation is on the CPU.

Example:
    >>> framework.accelerator.is_available()
    False
"""


def is_available():
    return False


def current_accelerator(check_available=False):
    return None


def device_count():
    return 0
