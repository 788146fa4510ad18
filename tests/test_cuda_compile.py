"""Every CUDA kernel compiles to PTX for sm_80 and sm_90, on a machine without a
GPU, for every dtype signature its launcher uses (kernels/cuda/signatures.py),
and float32 and integer kernels compute in their own dtype: no float64
instruction in their PTX (an int64 add through float64 is inexact above 2**53;
a float32 kernel through float64 is slower for nothing).

Needs numba-cuda's compiler libraries (NVVM, NVRTC: the ``cuda`` extra or
``pip install "numba-cuda[cu12]"``) and the simulator OFF
(NUMBA_ENABLE_CUDASIM unset: the simulator compiles nothing); skipped
otherwise, with the reason.  CI runs it as a step of its own.
"""

import importlib.util
import os

import pytest

if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0"):
    pytest.skip("the CUDA simulator is on: it compiles nothing (run without "
                "NUMBA_ENABLE_CUDASIM)", allow_module_level=True)

if importlib.util.find_spec("numba_cuda") is None:
    # numba's own, deprecated numba.cuda is no substitute: minidl's kernels need numba-cuda
    pytest.skip("numba-cuda (the 'cuda' extra) is not installed", allow_module_level=True)

from numba import cuda  # noqa: E402


def _compiler_missing():
    from numba import float32

    def probe(x):
        x[0] = x[0] + 1

    try:
        cuda.compile_ptx(probe, (float32[::1],), cc=(8, 0))
    except Exception as exc:  # NVVM / NVRTC missing: DynamicLibNotFoundError and kin
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
    return None


_MISSING = _compiler_missing()
if _MISSING:
    pytest.skip(f"numba-cuda cannot compile here ({_MISSING}); install the compiler "
                "libraries: pip install 'numba-cuda[cu12]==0.30.4'", allow_module_level=True)

from minidl.kernels.cuda import signatures  # noqa: E402

TARGETS = list(signatures.targets())
ARCHS = [(8, 0), (9, 0)]


def test_every_launcher_kernel_is_listed():
    names = {t.name for t in TARGETS}
    for family in ("add", "mul", "div", "pow", "exp", "sigmoid", "relu_backward", "where",
                   "lerp_", "copy", "fill", "arange", "sum", "max", "argmax", "matmul",
                   "bn_stats", "bn_normalize", "bn_backward_stats", "bn_backward_dx",
                   "bn_forward_eval", "im2col", "col2im", "max_pool_forward",
                   "max_pool_backward", "avg_pool_forward", "avg_pool_backward",
                   "softmax_ce_forward", "softmax_ce_backward", "sgd", "adam", "adagrad"):
        assert any(n.split("[")[0] == family for n in names), family


@pytest.mark.parametrize("cc", ARCHS, ids=lambda cc: f"sm_{cc[0]}{cc[1]}")
def test_every_kernel_compiles_and_keeps_its_dtype(cc):
    failures, widened = [], []
    for target in TARGETS:
        try:
            ptx = signatures.compile_ptx(target, cc)
        except Exception as exc:
            failures.append(f"{target.name}: {type(exc).__name__}: "
                            f"{str(exc).strip().splitlines()[0][:300]}")
            continue
        assert f".target sm_{cc[0]}{cc[1]}" in ptx, target.name
        if target.f64_free:
            lines = signatures.float64_lines(ptx)
            if lines:
                widened.append(f"{target.name}: {lines[:3]}")
    assert not failures, "kernels that do not compile:\n" + "\n".join(failures)
    assert not widened, ("float32/integer kernels with float64 instructions:\n"
                         + "\n".join(widened))


def test_integer_and_float32_ops_stay_in_their_dtype():
    """The two cases of the review, spelled out: an int64 add is s64 all through, and
    a float32 sigmoid calls the float32 exp."""
    from minidl.kernels.cuda import elementwise, reduce

    by_name = {t.name: t for t in TARGETS}
    ptx = signatures.compile_ptx(by_name["add[int64,aa]"], (9, 0))
    assert "add.s64" in ptx and not signatures.float64_lines(ptx)
    ptx = signatures.compile_ptx(by_name["sigmoid[float32]"], (9, 0))
    assert not signatures.float64_lines(ptx) and ".f32" in ptx
    assert elementwise.maximum.dtypes(__import__("numpy").dtype("int64"), 3)[0] == "int64"
    assert reduce.sum_dtypes("int32") == ("int64", "int64")
