"""gradcheck: analytic gradients against float64 central differences.

The function is reduced to a scalar through a fixed random projection of its
output, so every output element takes part and a wrong gradient cannot hide
behind a symmetric one. The tolerance table below is the one the test suite
uses."""

import numpy as np

from ..autograd import enable_grad, grad, no_grad
from ..backend import get_backend
from ..tensor import Tensor

# eps for the finite differences, and the atol/rtol the comparison allows
TOLERANCES = {"eps": 1e-6, "atol": 1e-5, "rtol": 1e-4}


class GradcheckError(AssertionError):
    """Analytic and numeric gradients disagree."""


def gradcheck(fn, *inputs, eps=None, atol=None, rtol=None, seed=0, fast_mode=False):
    """Check ``fn(*inputs)``'s gradients w.r.t. every input that requires grad.

    Inputs must be float64 tensors. Returns True, or raises GradcheckError
    naming, for each failing input, the worst element with its analytic and
    numeric derivative.

    Args:
        fn: a function of the inputs returning one Tensor.
        inputs: its arguments; the tensors that require grad are checked.
        eps: the central-difference step. Default: None (1e-6).
        atol, rtol: the allowed difference, ``atol + rtol * |numeric|``.
            Default: None (1e-5 and 1e-4).
        seed: seeds the random projection of the output to a scalar (and
            fast mode's directions). Default: 0.
        fast_mode: as PyTorch's: instead of one central difference per
            element, compare the derivative along random directions (three
            per input: two evaluations of ``fn`` each, whatever the input's
            size); a wrong gradient passes only by chance of measure zero.
            Default: False."""
    eps = TOLERANCES["eps"] if eps is None else eps
    atol = TOLERANCES["atol"] if atol is None else atol
    rtol = TOLERANCES["rtol"] if rtol is None else rtol
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} is {inputs[i].dtype}; use float64 inputs")

    with no_grad():
        out = fn(*inputs)
    rng = np.random.default_rng(seed)
    projection_host = rng.standard_normal(out.shape)
    backend = get_backend(out.device)
    projection = Tensor._wrap(backend.from_numpy(projection_host, out.dtype), out.device)

    def objective():
        with no_grad():
            return float((fn(*inputs) * projection).sum().item())

    for i in checked:
        inputs[i].grad = None
    (fn(*inputs) * projection).sum().backward()

    failures = []
    for i in checked:
        tensor = inputs[i]
        analytic = (tensor.grad.numpy() if tensor.grad is not None
                    else np.zeros(tensor.shape))
        if fast_mode:
            directions = rng.standard_normal((_FAST_DIRECTIONS,) + tensor.shape)
            analytic = np.array([np.sum(analytic * d) for d in directions])
            numeric = np.array([_directional_derivative(tensor, objective, eps, d)
                                for d in directions])
        else:
            numeric = _numeric_gradient(tensor, objective, eps)
        error = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        if error.size and error.max() > 0:
            worst = np.unravel_index(int(np.argmax(error)), error.shape)
            where = (f"along random direction {int(worst[0])}" if fast_mode
                     else f"worst element {tuple(map(int, worst))}")
            failures.append(f"input {i} {tensor.shape}: {where} "
                            f"analytic {analytic[worst]:.8g} numeric {numeric[worst]:.8g}")
    if failures:
        raise GradcheckError("gradcheck failed:\n  " + "\n  ".join(failures))
    return True


_FAST_DIRECTIONS = 3


def _directional_derivative(tensor, objective, eps, direction):
    """Central difference of the objective along ``direction`` (in place)."""
    backend = get_backend(tensor.device)
    host = backend.to_numpy(tensor._data).copy()
    backend.copy_(tensor._data, backend.from_numpy(host + eps * direction))
    plus = objective()
    backend.copy_(tensor._data, backend.from_numpy(host - eps * direction))
    minus = objective()
    backend.copy_(tensor._data, backend.from_numpy(host))
    return (plus - minus) / (2 * eps)


def _numeric_gradient(tensor, objective, eps):
    """Central differences, perturbing one element at a time in place."""
    backend = get_backend(tensor.device)
    host = backend.to_numpy(tensor._data).copy()
    grad = np.zeros(host.shape)
    flat = host.reshape(-1)
    for k in range(flat.size):
        original = flat[k]
        flat[k] = original + eps
        backend.copy_(tensor._data, backend.from_numpy(host))
        plus = objective()
        flat[k] = original - eps
        backend.copy_(tensor._data, backend.from_numpy(host))
        minus = objective()
        flat[k] = original
        grad.reshape(-1)[k] = (plus - minus) / (2 * eps)
    backend.copy_(tensor._data, backend.from_numpy(host))
    return grad


def gradgradcheck(fn, *inputs, eps=None, atol=None, rtol=None, seed=0):
    """Check second derivatives: the gradient of ``fn`` (taken with
    ``create_graph=True``) is itself differentiated by backward and compared
    with central differences of that gradient. Inputs must be float64
    tensors; returns True or raises GradcheckError.

    Args:
        fn: a function of the inputs returning one Tensor.
        inputs: its arguments; the tensors that require grad are checked.
        eps: the central-difference step. Default: None (1e-6).
        atol, rtol: the allowed difference, ``atol + rtol * |numeric|``.
            Default: None (1e-5 and 1e-4).
        seed: seeds the random projections. Default: 0."""
    wanted = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not wanted:
        raise ValueError("gradgradcheck: no input requires grad")
    rng = np.random.default_rng(seed + 1)
    with no_grad():
        out = fn(*inputs)
    backend = get_backend(out.device)
    projection = Tensor._wrap(backend.from_numpy(rng.standard_normal(out.shape), out.dtype),
                              out.device)
    weights = [Tensor._wrap(backend.from_numpy(rng.standard_normal(t.shape), t.dtype),
                            t.device) for t in wanted]

    def first_derivative(*xs):
        with enable_grad():
            chosen = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
            grads = grad((fn(*xs) * projection).sum(), chosen, create_graph=True,
                         allow_unused=True)
            total = None
            for g, w in zip(grads, weights):
                if g is not None:
                    term = (g * w).sum()
                    total = term if total is None else total + term
            if total is None:
                raise ValueError("gradgradcheck: the function's gradient does not depend on "
                                 "any input")
            if not total.requires_grad:
                # a constant gradient (fn is linear): its derivative is zero, which the
                # central differences must confirm; a zero term gives it a graph
                for x in chosen:
                    total = total + (x * 0).sum()
            return total

    return gradcheck(first_derivative, *inputs, eps=eps, atol=atol, rtol=rtol, seed=seed)
