"""Creation, transfer, shape, indexing and copies on the device, and the rules
for what a CUDA array is.  The mirror file is ``kernels/cpu/layout.py``.

Every array the CUDA backend hands out is a C-contiguous numba device array
(the simulator's stand-in under ``NUMBA_ENABLE_CUDASIM=1``) that stays on
the device from op to op: only ``to_numpy`` copies to the host, only
``from_numpy`` (and the random primitives, see ``random``) copy to it.  Views
(transpose, broadcast_to, basic slicing) are therefore produced by copying:
the host computes, for the source, a base offset and one stride per output
axis (0 for a broadcast axis), and one generic gather kernel unravels each
flat output index over the output shape.  The kernels can then address every
operand as a flat buffer, and the results of shape primitives are never views
that a later in-place update could alias by surprise (NumPy's views on the
CPU are never written through by the ops layer either).  The scatter kernel
is the adjoint (writes a contiguous source into a strided window of the
destination): getitem_backward and concatenate use it.

Shapes and strides travel as tuples, so each kernel is compiled once per
number of axes and no small host-to-device copy is needed per launch.  Before a
launch, axes that are contiguous in every operand are merged (``coalesce``), so
the common no-broadcast case unravels a single axis.

Operands of the elementwise primitives may be device arrays (0-d included),
Python scalars or NumPy scalars (``operand``); anything else (e.g. a host
``numpy.ndarray``) raises a TypeError naming the fix (``as_array``).
"""

import math
import numbers

import numpy as np
from numba import cuda

from .config import MAX_DIMS, THREADS_PER_BLOCK, blocks_for

__all__ = [
    "from_numpy", "to_numpy", "full", "arange", "astype", "copy",
    "reshape", "transpose", "broadcast_to", "getitem", "getitem_backward", "concatenate",
    "copy_",
]


# --------------------------------------------------------------------------- device checks


def is_device_array(a):
    """True for a numba CUDA device array (or the simulator's stand-in)."""
    return cuda.devicearray.is_cuda_ndarray(a)


def check_array(fn, name, a):
    """TypeError unless ``a`` is a device array (the launchers' argument check)."""
    if not is_device_array(a):
        raise TypeError(
            f"{fn}: {name} must be a CUDA device array, got {type(a).__name__}; "
            "move host data with CudaBackend.from_numpy (Tensor.to('cuda'))"
        )
    return a


def contiguous(a):
    """``a`` itself when C-contiguous, else a C-contiguous device copy."""
    if a.is_c_contiguous():
        return a
    return gather(a, 0, tuple(s // a.dtype.itemsize for s in a.strides), tuple(a.shape))


def as_array(fn, a):
    """``a`` as a C-contiguous device array; TypeError for anything else (the
    primitives' operand check)."""
    if not is_device_array(a):
        raise TypeError(f"{fn}: expected a CUDA device array, got {type(a).__name__}; "
                        "move host data to the device first (Tensor.to('cuda'))")
    return contiguous(a)


def is_scalar(v):
    return isinstance(v, (numbers.Number, np.generic)) and not isinstance(v, np.ndarray)


def operand(fn, v):
    """A device array, or a NumPy scalar for a scalar operand (a 0-d host array too)."""
    if isinstance(v, np.ndarray) and v.ndim == 0:
        return v[()]
    if is_scalar(v):
        return v
    return as_array(fn, v)


def as_kernel_scalar(value, dtype):
    """A Python scalar as a NumPy scalar of ``dtype``, so the kernel computes in it."""
    return np.dtype(dtype).type(value)


# --------------------------------------------------------------------------- host helpers


def contiguous_strides(shape):
    """Element strides of a C-contiguous array of ``shape``."""
    strides = [0] * len(shape)
    step = 1
    for d in range(len(shape) - 1, -1, -1):
        strides[d] = step
        step *= shape[d]
    return tuple(strides)


def broadcast_strides(shape, out_shape):
    """Strides that read a contiguous array of ``shape`` broadcast to ``out_shape``."""
    pad = len(out_shape) - len(shape)
    full = (1,) * pad + tuple(shape)
    own = contiguous_strides(full)
    return tuple(0 if n == 1 else s for n, s in zip(full, own))


def coalesce(shape, *strides_list):
    """Merge axes that are contiguous in every operand and drop size-1 axes.

    Returns (shape, strides...) with at least one axis, so kernels never see an
    empty tuple."""
    dims = [d for d in range(len(shape)) if shape[d] != 1]
    new_shape = []
    new_strides = [[] for _ in strides_list]
    for d in reversed(dims):
        if new_shape and all(s[d] == ns[0] * new_shape[0]
                             for s, ns in zip(strides_list, new_strides)):
            new_shape[0] *= shape[d]
            continue
        new_shape.insert(0, shape[d])
        for s, ns in zip(strides_list, new_strides):
            ns.insert(0, s[d])
    if not new_shape:
        return ((1,),) + tuple((0,) for _ in strides_list)
    if len(new_shape) > MAX_DIMS:
        raise ValueError(f"CUDA kernels support at most {MAX_DIMS} axes, got shape {tuple(shape)}")
    return (tuple(new_shape),) + tuple(tuple(ns) for ns in new_strides)


def flat(a):
    """1-d view of a C-contiguous device array (0-d arrays become length 1)."""
    if a.ndim == 1:
        return a
    return a.reshape(max(1, a.size) if a.ndim == 0 else a.size)


def view_of_index(shape, index):
    """(out_shape, base offset, element strides) of ``x[index]`` for a C-contiguous
    ``x`` of ``shape`` and a basic index, computed by NumPy on a storage-free probe."""
    probe = np.lib.stride_tricks.as_strided(
        np.zeros(1, dtype=np.uint8), shape=shape, strides=contiguous_strides(shape))
    view = probe[index]
    base = view.__array_interface__["data"][0] - probe.__array_interface__["data"][0]
    return tuple(view.shape), base, tuple(view.strides)


# --------------------------------------------------------------------------- kernels


@cuda.jit(device=True)
def offset_of(i, shape, strides):
    """Element offset of flat (row-major) index ``i`` of ``shape`` under ``strides``."""
    off = 0
    for d in range(len(shape) - 1, -1, -1):
        n = shape[d]
        off += (i % n) * strides[d]
        i //= n
    return off


@cuda.jit
def _gather_kernel(src, base, src_strides, out, out_shape):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, out.size, step):
        out[i] = src[base + offset_of(i, out_shape, src_strides)]


@cuda.jit
def _scatter_kernel(src, dst, base, dst_strides, src_shape):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, src.size, step):
        dst[base + offset_of(i, src_shape, dst_strides)] = src[i]

@cuda.jit
def _cast_kernel(x, out):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, out.size, step):
        out[i] = x[i]


@cuda.jit
def _to_bool_kernel(x, out):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, out.size, step):
        out[i] = x[i] != 0


@cuda.jit
def _fill_kernel(out, value):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, out.size, step):
        out[i] = value


@cuda.jit
def _arange_kernel(out, start_value, step_value):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, out.size, step):
        out[i] = start_value + i * step_value


# ------------------------------------------------------------------------- launchers


def _launch(kernel, n, *args):
    if n:
        kernel[blocks_for(n), THREADS_PER_BLOCK](*args)


def gather(src, base, src_strides, out_shape, dtype=None, out=None):
    """Contiguous array of ``out_shape`` with out[idx] = src.flat[base + idx . strides]
    (cast to ``dtype`` when given); written into ``out`` when given."""
    if out is None:
        out = cuda.device_array(out_shape, dtype=dtype or src.dtype)
    if out.size:
        shape, strides = coalesce(out_shape, src_strides)
        _gather_kernel[blocks_for(out.size), THREADS_PER_BLOCK](
            flat(src), base, strides, flat(out), shape)
    return out


def scatter(src, dst, base, dst_strides):
    """dst.flat[base + idx . dst_strides] = src[idx] for every index of ``src``."""
    if src.size:
        shape, strides = coalesce(tuple(src.shape), dst_strides)
        _scatter_kernel[blocks_for(src.size), THREADS_PER_BLOCK](
            flat(src), flat(dst), base, strides, shape)
    return dst


def cast(x, dtype):
    """A new contiguous array with x's values converted to ``dtype`` (NumPy's
    astype: floats truncate towards zero, anything non-zero is True)."""
    dtype = np.dtype(dtype)
    out = cuda.device_array(x.shape, dtype=dtype)
    kernel = _to_bool_kernel if dtype == np.bool_ else _cast_kernel
    _launch(kernel, out.size, flat(x), flat(out))
    return out


def fill(out, value):
    """out[...] = value, in place; returns out."""
    _launch(_fill_kernel, out.size, flat(out), as_kernel_scalar(value, out.dtype))
    return out


def _broadcast_ok(shape, target):
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


# --------------------------------------------------------------------------- creation and transfer


def from_numpy(array, dtype=None):
    """A device copy of ``array`` (cast to ``dtype`` when given)."""
    array = np.asarray(array)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"from_numpy: the CUDA backend holds bool, integer and float "
                        f"arrays, got dtype {array.dtype}")
    if dtype is not None and array.dtype != dtype:
        array = array.astype(dtype)
    return cuda.to_device(np.asarray(array, order="C"))  # (ascontiguousarray makes 0-d 1-d)


def to_numpy(x):
    if not is_device_array(x):
        raise TypeError(f"to_numpy: expected a CUDA device array, got {type(x).__name__}")
    return x.copy_to_host()


def full(shape, value, dtype):
    return fill(cuda.device_array(tuple(shape), dtype=np.dtype(dtype)), value)


def arange(start, stop, step, dtype):
    """NumPy's arange(start, stop, step) computed as start + i * step."""
    dtype = np.dtype(dtype)
    if all(isinstance(v, (int, np.integer)) for v in (start, stop, step)):
        n = max(0, -(-(int(stop) - int(start)) // int(step)))
    else:
        n = max(0, math.ceil((stop - start) / step))
    out = cuda.device_array((n,), dtype=dtype)
    compute = np.result_type(dtype, np.float64) if dtype.kind == "f" else dtype
    if dtype.kind not in "f" and not all(isinstance(v, (int, np.integer)) for v in (start, step)):
        compute = np.dtype(np.float64)
    _launch(_arange_kernel, n, out, as_kernel_scalar(start, compute),
            as_kernel_scalar(step, compute))
    return out


def astype(x, dtype):
    return cast(as_array("astype", x), dtype)


def copy(x):
    x = as_array("copy", x)
    return cast(x, x.dtype)


# --------------------------------------------------------------------------- shape


def reshape(x, shape):
    x = as_array("reshape", x)
    shape = tuple(int(n) for n in shape)
    if -1 in shape:
        known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
        if shape.count(-1) > 1 or known == 0 or x.size % known:
            raise ValueError(f"reshape: cannot reshape {tuple(x.shape)} into {shape}")
        shape = tuple(x.size // known if n == -1 else n for n in shape)
    if int(np.prod(shape, dtype=np.int64)) != x.size:
        raise ValueError(f"reshape: cannot reshape {tuple(x.shape)} ({x.size} elements) "
                         f"into {shape}")
    return x.reshape(shape)


def transpose(x, axes):
    x = as_array("transpose", x)
    axes = tuple(int(a) for a in axes)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: {axes} is not a permutation of {x.ndim} axes")
    strides = contiguous_strides(tuple(x.shape))
    return gather(x, 0, tuple(strides[a] for a in axes), tuple(x.shape[a] for a in axes))


def broadcast_to(x, shape):
    x = as_array("broadcast_to", x)
    shape = tuple(int(n) for n in shape)
    if not _broadcast_ok(tuple(x.shape), shape):
        raise ValueError(f"broadcast_to: cannot broadcast shape {tuple(x.shape)} to {shape}")
    return gather(x, 0, broadcast_strides(tuple(x.shape), shape), shape)


def getitem(x, index):
    x = as_array("getitem", x)
    shape, base, strides = view_of_index(tuple(x.shape), index)
    return gather(x, base, strides, shape)


def getitem_backward(dy, shape, index):
    dy = as_array("getitem_backward", dy)
    shape = tuple(int(n) for n in shape)
    out = full(shape, 0, dy.dtype)
    view_shape, base, strides = view_of_index(shape, index)
    if tuple(dy.shape) != view_shape:
        dy = broadcast_to(dy, view_shape)
    return scatter(dy, out, base, strides)


def concatenate(arrays, axis):
    arrays = [as_array("concatenate", a) for a in arrays]
    if not arrays:
        raise ValueError("concatenate: need at least one array")
    first = tuple(arrays[0].shape)
    axis = int(axis)
    if not 0 <= axis < len(first):
        raise ValueError(f"concatenate: axis {axis} is out of range for {len(first)} axes")
    for a in arrays[1:]:
        s = tuple(a.shape)
        if len(s) != len(first) or s[:axis] + s[axis + 1:] != first[:axis] + first[axis + 1:]:
            raise ValueError(f"concatenate: shapes {first} and {s} differ outside axis {axis}")
    dtype = np.result_type(*(np.dtype(a.dtype) for a in arrays))
    total = sum(int(a.shape[axis]) for a in arrays)
    shape = first[:axis] + (total,) + first[axis + 1:]
    out = cuda.device_array(shape, dtype=dtype)
    start = 0
    for a in arrays:
        size = int(a.shape[axis])
        index = (slice(None),) * axis + (slice(start, start + size),)
        _, base, strides = view_of_index(shape, index)
        src = a if a.dtype == dtype else cast(a, dtype)
        scatter(src, out, base, strides)
        start += size
    return out


# --------------------------------------------------------------------------- in place


def copy_(dst, src):
    dst = as_array("copy_", dst)
    src = operand("copy_", src)
    if is_scalar(src):
        fill(dst, src)
        return
    shape = tuple(dst.shape)
    if not _broadcast_ok(tuple(src.shape), shape):
        raise ValueError(f"copy_: cannot broadcast shape {tuple(src.shape)} to {shape}")
    gather(src, 0, broadcast_strides(tuple(src.shape), shape), shape, out=dst)
