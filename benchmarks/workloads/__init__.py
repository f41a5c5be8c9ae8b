"""The workloads of benchmarks/run.py, one module each.

A module has ``SIZES`` (``"full"`` and ``"tiny"``) and ``build_framework(size)``, ``build_numpy(size)``,
``build_torch(size)``: each returns ``step()``, one full training step (forward, loss, backward, optimiser
step, zero_grad) whose return value is the loss (or, for ``chain``, the leaf's gradient) so run.py can check
that the systems compute the same thing. ``digits_mlp`` is different: it runs the trainer (framework only).

Example:
    >>> from workloads import ROWS
    >>> module, options = ROWS["deep+ckpt"]
    >>> step = module.build_numpy(module.SIZES["tiny"], **options)
    >>> loss = step()
"""
from . import chain, cnn, deep, digits_mlp, mlp, xor

# table row -> (module, keyword arguments of its builders)
ROWS = {
    "xor": (xor, {}),
    "mlp": (mlp, {}),
    "cnn": (cnn, {}),
    "chain": (chain, {}),
    "deep": (deep, {"checkpointing": False}),
    "deep+ckpt": (deep, {"checkpointing": True}),
}
TRAINER_ROWS = {"digits_mlp": digits_mlp}
