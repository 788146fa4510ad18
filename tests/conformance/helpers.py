"""Running one case on minidl and on PyTorch and comparing what comes out.

A case is a function written once against a module namespace ``lib`` (the
``minidl`` or the ``torch`` module): ``lambda lib, x, y: lib.where(x > 0, x, y)``.
Inputs are NumPy arrays; each framework gets its own tensors of the same
values. Forward results must agree in value, shape and dtype; for float64
inputs that require grad, the gradients of ``sum(output * projection)``
(a fixed random projection) must agree too."""

import numpy as np

import minidl as mdl

try:
    import torch
except ImportError:  # the suite is skipped (see conftest.py)
    torch = None

RTOL, ATOL = 1e-6, 1e-8


def _to_numpy(value):
    if torch is not None and isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, mdl.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _dtype_name(value):
    if isinstance(value, mdl.Tensor):
        return str(value.dtype)
    if torch is not None and isinstance(value, torch.Tensor):
        return str(value.dtype).replace("torch.", "")
    return type(value).__name__


def _flatten(result):
    if isinstance(result, (tuple, list)):
        out = []
        for r in result:
            out.extend(_flatten(r))
        return out
    return [result]


def run(lib, fn, arrays, grad, device="cpu"):
    """fn(lib, *tensors) on ``lib``; returns (outputs, input gradients)."""
    if lib is mdl:
        tensors = [mdl.tensor(a, device=device, requires_grad=grad and a.dtype == np.float64)
                   for a in arrays]
    else:
        tensors = [torch.tensor(a, requires_grad=grad and a.dtype == np.float64)
                   for a in arrays]
    outputs = _flatten(fn(lib, *tensors))
    grads = []
    if grad:
        rng = np.random.default_rng(7)
        total = None
        for out in outputs:
            if getattr(out, "requires_grad", False) and out.dtype in (
                    getattr(lib, "float64"),):
                weights = rng.standard_normal(tuple(out.shape))
                w = lib.tensor(weights, dtype=lib.float64) if lib is torch else \
                    mdl.tensor(weights, device=device)
                term = (out * w).sum()
                total = term if total is None else total + term
        if total is not None:
            total.backward()
        grads = [None if t.grad is None else _to_numpy(t.grad) for t in tensors]
    return outputs, grads


def compare(fn, *arrays, grad=True, device="cpu", rtol=RTOL, atol=ATOL, check_dtype=True):
    """Assert minidl and PyTorch agree on ``fn`` applied to ``arrays``."""
    arrays = [np.asarray(a) for a in arrays]
    ours, our_grads = run(mdl, fn, arrays, grad, device)
    theirs, their_grads = run(torch, fn, arrays, grad)
    assert len(ours) == len(theirs), f"{len(ours)} outputs, PyTorch gives {len(theirs)}"
    for i, (a, b) in enumerate(zip(ours, theirs)):
        a_np, b_np = _to_numpy(a), _to_numpy(b)
        assert a_np.shape == b_np.shape, f"output {i}: shape {a_np.shape} != {b_np.shape}"
        if check_dtype:
            assert _dtype_name(a) == _dtype_name(b), \
                f"output {i}: dtype {_dtype_name(a)} != PyTorch's {_dtype_name(b)}"
        np.testing.assert_allclose(a_np.astype(np.float64) if a_np.dtype != bool else a_np,
                                   b_np.astype(np.float64) if b_np.dtype != bool else b_np,
                                   rtol=rtol, atol=atol, err_msg=f"output {i}")
    for i, (a, b) in enumerate(zip(our_grads, their_grads)):
        if b is None:
            assert a is None or not np.any(a), f"input {i}: PyTorch has no gradient"
            continue
        assert a is not None, f"input {i}: no gradient, PyTorch has one"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"gradient of input {i}")
