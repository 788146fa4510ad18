"""Helpers shared by the tests: float64 tensors and the one gradcheck.

Every backward test goes through ``check_gradients``, which calls the public
``minidl.gradcheck`` with its single tolerance table."""

import numpy as np

import minidl as mdl


def t32(array, device="cpu", requires_grad=False):
    """A float32 tensor of ``array`` (NumPy's float64 data would stay float64,
    as in PyTorch)."""
    return mdl.tensor(np.asarray(array, dtype=np.float32), device=device,
                      requires_grad=requires_grad)


def t64(array, device="cpu", requires_grad=True):
    """A float64 tensor for gradient checks."""
    return mdl.tensor(np.asarray(array, dtype=np.float64), dtype=mdl.float64,
                      device=device, requires_grad=requires_grad)


def check_gradients(fn, *inputs):
    """The float64 gradcheck: element by element on the CPU; on other
    devices (where each evaluation is slow on the CUDA simulator) along
    random directions (``fast_mode``), since the same test checks the CPU
    element by element."""
    on_cpu = all(t.device == "cpu" for t in inputs if isinstance(t, mdl.Tensor))
    assert mdl.gradcheck(fn, *inputs, fast_mode=not on_cpu)


def assert_close(actual, expected, dtype=np.float32):
    """Forward results against a NumPy reference, tolerance by dtype."""
    actual = actual.numpy() if isinstance(actual, mdl.Tensor) else np.asarray(actual)
    rtol, atol = (1e-5, 1e-6) if np.dtype(dtype) == np.float32 else (1e-10, 1e-12)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)
