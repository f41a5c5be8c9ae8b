"""Numerical gradient checking: central differences against the engine's vector-Jacobian products.

Example:
    >>> x = framework.randn(3, dtype=framework.float64, requires_grad=True)
    >>> framework.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
    True
"""
import warnings

import numpy as np

from .functional import grad as autograd_grad
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """Raised by gradcheck when the analytical and numerical Jacobians differ."""


def _as_tuple(x):
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _outputs(func, inputs):
    out = func(*inputs)
    return _as_tuple(out) if isinstance(out, (Tensor, tuple, list)) else (out,)


def _numerical_jacobian(func, inputs, i, n_outputs_sizes, eps):
    """Central differences, perturbing one element of input ``i`` at a time in its own memory."""
    data = inputs[i]._data
    cols = []
    with no_grad():
        for idx in np.ndindex(*data.shape):
            orig = data[idx].item()
            data[idx] = orig + eps
            plus = [o._data.astype(np.float64).reshape(-1) for o in _outputs(func, inputs)]
            data[idx] = orig - eps
            minus = [o._data.astype(np.float64).reshape(-1) for o in _outputs(func, inputs)]
            data[idx] = orig
            cols.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
    # one (out_size, in_size) matrix per output
    return [np.stack([c[k] for c in cols], axis=1) if cols else np.zeros((n_outputs_sizes[k], 0))
            for k in range(len(n_outputs_sizes))]


def _analytical_jacobian(out, inputs, diff_idx):
    size = out._data.size
    jac = {i: np.zeros((size, inputs[i]._data.size)) for i in diff_idx}
    if not out._requires_grad:
        return jac
    for k in range(size):
        seed = np.zeros(size, dtype=out._data.dtype)
        seed[k] = 1
        grads = autograd_grad(out, [inputs[i] for i in diff_idx], grad_outputs=Tensor(seed.reshape(out._data.shape)),
                              retain_graph=True, allow_unused=True)
        for i, g in zip(diff_idx, grads):
            if g is not None:
                jac[i][k] = g._data.astype(np.float64).reshape(-1)
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    """Compare the analytical Jacobian of ``func`` at ``inputs`` with central differences.

    Returns True, or raises ``GradcheckError`` (or returns False with ``raise_exception=False``).
    """
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of them have "
                         "requires_grad=True.")
    for i in diff_idx:
        if inputs[i]._data.dtype != np.float64:
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                          "This check will likely fail if all the inputs are not of double precision floating point "
                          "or complex. ", UserWarning, stacklevel=2)
    outputs = _outputs(func, inputs)
    sizes = [o._data.size for o in outputs]
    numerical = {i: _numerical_jacobian(func, inputs, i, sizes, eps) for i in diff_idx}

    def fail(msg):
        if raise_exception:
            raise GradcheckError(msg)
        return False

    for k, out in enumerate(outputs):
        if out._data.dtype.kind != "f":
            continue
        if not out._requires_grad:
            for i in diff_idx:
                if not np.allclose(numerical[i][k], 0, atol=atol):
                    return fail("Numerical gradient for function expected to be zero")
            continue
        analytical = _analytical_jacobian(out, inputs, diff_idx)
        for i in diff_idx:
            n, a = numerical[i][k], analytical[i]
            if not np.allclose(a, n, rtol=rtol, atol=atol, equal_nan=True):
                return fail(f"Jacobian mismatch for output {k} with respect to input {i},\n"
                            f"numerical:{Tensor(n)!r}\nanalytical:{Tensor(a)!r}\n")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Check second derivatives: gradcheck of the (create_graph) backward of ``func``."""
    inputs = _as_tuple(inputs)
    outputs = _outputs(func, inputs)
    rng = np.random.default_rng(0)
    if grad_outputs is None:
        grad_outputs = tuple(Tensor(rng.standard_normal(o._data.shape).astype(o._data.dtype), requires_grad=True)
                             for o in outputs if o._requires_grad)
    grad_outputs = _as_tuple(grad_outputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    n_in = len(inputs)

    def first_derivative(*args):
        ins, gos = args[:n_in], args[n_in:]
        with enable_grad():  # the numerical pass runs under no_grad, but this function differentiates
            outs = [o for o in _outputs(func, ins) if o._requires_grad]
            grads = autograd_grad(outs, [ins[i] for i in diff_idx], grad_outputs=gos, create_graph=True,
                                  allow_unused=True, materialize_grads=True)
        return tuple(grads)

    return gradcheck(first_derivative, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)


# ``framework.autograd.gradcheck.GradcheckError`` reads as in PyTorch, where gradcheck names the function
gradcheck.GradcheckError = GradcheckError
