"""Creation, transfer, shape, indexing and copies on the device, and the rules
for what a CUDA array is.  The mirror file is ``kernels/cpu/layout.py``.

A CUDA array is a numba device array (the simulator's stand-in under
``NUMBA_ENABLE_CUDASIM=1``) that stays on the device from op to op: only
``to_numpy`` copies to the host, only ``from_numpy`` (and the random
primitives, see ``random``) copy to it.

Views, as on the CPU: ``reshape`` of contiguous data, ``transpose``,
``broadcast_to`` and basic ``getitem`` return device arrays over the SAME
memory, with their own shape and (non-negative) strides (``view``), so an
in-place write through a view (``copy_``, ``lerp_``, the optimizer steps)
changes the base, as NumPy and PyTorch do.  Strides are multiples of the item
size; a broadcast axis has stride 0.

Kernels see an operand as ``storage(a)``: a 1-d contiguous array that starts
at the operand's first element, plus one element stride per axis.  The
elementwise, copy and reduction kernels read through those strides directly
(one generic ``offset_of`` unravels a flat index); the other kernels (matmul,
batch norm, pooling, ...) ask for ``as_array``, which is ``a`` itself when it
is C-contiguous and a contiguous copy otherwise.  Every result is a new
C-contiguous array, except the in-place primitives, which write through the
destination's strides.

Shapes and strides travel as tuples, so each kernel is compiled once per
number of axes and no small host-to-device copy is needed per launch.  Before a
launch, axes that are contiguous in every operand are merged (``coalesce``), so
the common case unravels a single axis.

Operands of the elementwise primitives may be device arrays (0-d included),
Python scalars or NumPy scalars (``operand``); anything else (e.g. a host
``numpy.ndarray``) raises a TypeError naming the fix (``as_array``).
"""

import math
import numbers

import numpy as np
from numba import cuda

from . import assertions
from .config import MAX_DIMS, SIMULATOR, THREADS_PER_BLOCK, blocks_for, jit, launch

__all__ = [
    "from_numpy", "to_numpy", "synchronize", "full", "arange", "astype", "copy",
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


def is_contiguous(a):
    return a.is_c_contiguous()


def contiguous(a):
    """``a`` itself when C-contiguous, else a C-contiguous device copy."""
    if a.is_c_contiguous():
        return a
    out = empty(tuple(a.shape), a.dtype)
    copy_into(out, a)
    return out


def device_operand(fn, a):
    """``a`` when it is a device array (any strides); TypeError naming the fix otherwise."""
    if not is_device_array(a):
        raise TypeError(f"{fn}: expected a CUDA device array, got {type(a).__name__}; "
                        "move host data to the device first (Tensor.to('cuda'))")
    return a


def as_array(fn, a):
    """``a`` as a C-contiguous device array (a copy when it is a strided view);
    TypeError for anything else (the primitives' operand check)."""
    return contiguous(device_operand(fn, a))


def is_scalar(v):
    return isinstance(v, (numbers.Number, np.generic)) and not isinstance(v, np.ndarray)


def operand(fn, v):
    """A device array (any strides), or a NumPy scalar for a scalar operand (a 0-d
    host array too)."""
    if isinstance(v, np.ndarray) and v.ndim == 0:
        return v[()]
    if is_scalar(v):
        return v
    return device_operand(fn, v)


def as_kernel_scalar(value, dtype):
    """A Python scalar as a NumPy scalar of ``dtype``, so the kernel computes in it."""
    return np.dtype(dtype).type(value)


# --------------------------------------------------------------------------- memory and views


def empty(shape, dtype):
    """A new C-contiguous device array (from the caching allocator, see memory.py)."""
    return cuda.device_array(tuple(shape), dtype=np.dtype(dtype))


def element_strides(a):
    """Strides of ``a`` in elements (every minidl view has strides that are
    non-negative multiples of the item size)."""
    itemsize = a.dtype.itemsize
    return tuple(int(s) // itemsize for s in a.strides)


def span(shape, strides):
    """Number of elements from the first to the last element a view can reach."""
    if any(n == 0 for n in shape):
        return 0
    return 1 + sum((n - 1) * s for n, s in zip(shape, strides))


class _HostView:
    """A NumPy array interface at an offset into another array (simulator only)."""

    def __init__(self, base, offset_bytes, shape, strides_bytes):
        self._base = base  # keeps the memory alive
        pointer = base.__array_interface__["data"][0] + offset_bytes
        self.__array_interface__ = {"shape": tuple(shape), "strides": tuple(strides_bytes),
                                    "typestr": base.dtype.str, "data": (pointer, False),
                                    "version": 3}


def view(base, offset, shape, strides):
    """A device array over ``base``'s memory: element ``offset`` (from base's first
    element), ``shape`` and element ``strides`` (non-negative)."""
    shape = tuple(int(n) for n in shape)
    itemsize = base.dtype.itemsize
    strides_bytes = tuple(int(s) * itemsize for s in strides)
    if SIMULATOR:
        from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray

        host = base._ary
        if any(n == 0 for n in shape):
            return FakeCUDAArray(np.empty(shape, dtype=host.dtype))
        return FakeCUDAArray(np.asarray(_HostView(host, offset * itemsize, shape,
                                                  strides_bytes)))
    from numba.cuda.cudadrv.devicearray import DeviceNDArray

    extent = span(shape, strides) * itemsize
    if extent == 0:
        return DeviceNDArray(shape, strides_bytes, base.dtype, stream=base.stream)
    start = offset * itemsize
    gpu_data = base.gpu_data.view(start, start + extent)
    return DeviceNDArray(shape, strides_bytes, base.dtype, stream=base.stream,
                         gpu_data=gpu_data)


def flat(a):
    """1-d view of a C-contiguous device array (0-d arrays become length 1)."""
    if a.ndim == 1:
        return a
    return a.reshape(max(1, a.size) if a.ndim == 0 else a.size)


def storage(a):
    """(1-d contiguous array starting at a's first element, a's element strides):
    how kernels address an operand of any strides."""
    if a.is_c_contiguous():
        return flat(a), contiguous_strides(tuple(a.shape))
    strides = element_strides(a)
    n = span(tuple(a.shape), strides)
    return view(a, 0, (max(n, 1),) if n else (0,), (1,)), strides


def _address_range(a):
    strides = element_strides(a)
    n = span(tuple(a.shape), strides)
    if n == 0:
        return 0, 0
    if SIMULATOR:
        start = a._ary.__array_interface__["data"][0]
    else:
        start = a.device_ctypes_pointer.value or 0
    return start, start + n * a.dtype.itemsize


def overlaps(a, b):
    """True when two device arrays may share memory."""
    a0, a1 = _address_range(a)
    b0, b1 = _address_range(b)
    return a0 < b1 and b0 < a1


# --------------------------------------------------------------------------- host helpers


def contiguous_strides(shape):
    """Element strides of a C-contiguous array of ``shape``."""
    strides = [0] * len(shape)
    step = 1
    for d in range(len(shape) - 1, -1, -1):
        strides[d] = step
        step *= shape[d]
    return tuple(strides)


def broadcast_strides(shape, out_shape, strides=None):
    """Element strides that read an array of ``shape`` (with element ``strides``,
    C-contiguous when None) broadcast to ``out_shape``: 0 on broadcast axes."""
    pad = len(out_shape) - len(shape)
    full = (1,) * pad + tuple(shape)
    own = (0,) * pad + (tuple(strides) if strides is not None
                        else contiguous_strides(tuple(shape)))
    return tuple(0 if n == 1 else s for n, s in zip(full, own))


def operand_strides(a, out_shape):
    """(1-d storage, element strides over ``out_shape``) of a device array operand."""
    buf, strides = storage(a)
    return buf, broadcast_strides(tuple(a.shape), out_shape, strides)


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


def _probe(shape, strides, itemsize=1):
    """A storage-free NumPy array with ``shape`` and element ``strides``: NumPy's
    view arithmetic (indexing, reshape) on it moves no data."""
    return np.lib.stride_tricks.as_strided(
        np.zeros(1, dtype=np.uint8), shape=shape, strides=tuple(s * itemsize for s in strides))


def _offset_and_strides(probe_view, probe):
    offset = probe_view.__array_interface__["data"][0] - probe.__array_interface__["data"][0]
    return offset, tuple(probe_view.strides)


def view_of_index(shape, index, strides=None):
    """(out_shape, element offset, element strides) of ``x[index]`` for an ``x`` of
    ``shape`` and element ``strides`` (C-contiguous when None) and a basic index."""
    strides = contiguous_strides(shape) if strides is None else strides
    probe = _probe(shape, strides)
    index = index if isinstance(index, tuple) else (index,)
    if not any(part is Ellipsis for part in index):
        # an index of integers only would give a NumPy scalar (a copy, at an address of
        # its own); with an Ellipsis NumPy returns a 0-d view of the probe instead
        index = index + (Ellipsis,)
    sub = probe[index]
    offset, sub_strides = _offset_and_strides(sub, probe)
    return tuple(sub.shape), offset, sub_strides


def _reshaped_strides(shape, strides, new_shape):
    """Element strides of a no-copy reshape, or None when NumPy would copy."""
    probe = _probe(shape, strides)
    try:
        sub = np.reshape(probe, new_shape, copy=False)
    except TypeError:  # NumPy < 2.1 has no copy=False: assigning the shape never copies
        sub = probe.view()
        try:
            sub.shape = new_shape
        except AttributeError:
            return None
    except ValueError:
        return None
    return tuple(sub.strides)


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


@jit
def _copy_kernel(src, src_strides, dst, dst_strides, shape, n):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, n, step):
        dst[offset_of(i, shape, dst_strides)] = src[offset_of(i, shape, src_strides)]


@jit
def _to_bool_kernel(src, src_strides, dst, dst_strides, shape, n):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, n, step):
        dst[offset_of(i, shape, dst_strides)] = src[offset_of(i, shape, src_strides)] != 0


@jit
def _fill_kernel(dst, dst_strides, shape, n, value):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, n, step):
        dst[offset_of(i, shape, dst_strides)] = value


@jit
def _arange_kernel(out, start_value, step_value):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, out.size, step):
        # in the output's dtype, as NumPy's fill (an int index times a float32 step
        # would otherwise be float64)
        out[i] = start_value + type(step_value)(i) * step_value


# ------------------------------------------------------------------------- launchers


def _launch(kernel, n, *args):
    if n:
        launch(kernel, blocks_for(n), THREADS_PER_BLOCK, *args)


def copy_into(dst, src):
    """dst[...] = src, through both arrays' strides; src (a device array) is broadcast
    to dst's shape and converted to dst's dtype (NumPy's astype: floats truncate
    towards zero, anything non-zero is True).  A src that shares memory with dst is
    read from a copy first, so the result never depends on the write order."""
    shape = tuple(dst.shape)
    n = int(np.prod(shape, dtype=np.int64))
    if n == 0:
        return dst
    if overlaps(dst, src):
        src = contiguous(src) if not src.is_c_contiguous() else _copy_of(src)
    src_buf, src_strides = operand_strides(src, shape)
    dst_buf, dst_strides = storage(dst)
    cshape, src_strides, dst_strides = coalesce(shape, src_strides, dst_strides)
    kernel = _to_bool_kernel if np.dtype(dst.dtype) == np.bool_ else _copy_kernel
    _launch(kernel, n, src_buf, src_strides, dst_buf, dst_strides, cshape, n)
    return dst


def _copy_of(a):
    out = empty(tuple(a.shape), a.dtype)
    return copy_into(out, a)


def cast(x, dtype):
    """A new contiguous array with x's values converted to ``dtype``."""
    out = empty(tuple(x.shape), dtype)
    return copy_into(out, x)


def fill(out, value):
    """out[...] = value through out's strides, in place; returns out."""
    n = int(out.size)
    if n:
        buf, strides = storage(out)
        cshape, cstrides = coalesce(tuple(out.shape), strides)
        _launch(_fill_kernel, n, buf, cstrides, cshape, n, as_kernel_scalar(value, out.dtype))
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
    assertions.raise_pending()  # a failed check of earlier device data comes first
    if not x.is_c_contiguous():
        x = contiguous(x)
    return x.copy_to_host()


def synchronize():
    """Wait for every queued kernel; raise the error of a failed device check."""
    cuda.synchronize()
    assertions.raise_pending()


def full(shape, value, dtype):
    return fill(empty(tuple(shape), np.dtype(dtype)), value)


def arange(start, stop, step, dtype):
    """NumPy's arange(start, stop, step) computed as start + i * step."""
    dtype = np.dtype(dtype)
    integral = all(isinstance(v, (int, np.integer)) for v in (start, stop, step))
    if integral:
        n = max(0, -(-(int(stop) - int(start)) // int(step)))
    else:
        n = max(0, math.ceil((stop - start) / step))
    out = empty((n,), dtype)
    compute = np.dtype(np.float32) if dtype == np.float16 else dtype
    if dtype.kind != "f" and not all(isinstance(v, (int, np.integer)) for v in (start, step)):
        compute = np.dtype(np.float64)
    _launch(_arange_kernel, n, out, as_kernel_scalar(start, compute),
            as_kernel_scalar(step, compute))
    return out


def astype(x, dtype):
    return cast(device_operand("astype", x), dtype)


def copy(x):
    x = device_operand("copy", x)
    return cast(x, x.dtype)


# --------------------------------------------------------------------------- shape (views)


def reshape(x, shape):
    """A view when the data allows it (always for contiguous data), else a copy,
    as NumPy's reshape."""
    x = device_operand("reshape", x)
    shape = tuple(int(n) for n in shape)
    if -1 in shape:
        known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
        if shape.count(-1) > 1 or known == 0 or x.size % known:
            raise ValueError(f"reshape: cannot reshape {tuple(x.shape)} into {shape}")
        shape = tuple(x.size // known if n == -1 else n for n in shape)
    if int(np.prod(shape, dtype=np.int64)) != x.size:
        raise ValueError(f"reshape: cannot reshape {tuple(x.shape)} ({x.size} elements) "
                         f"into {shape}")
    if shape == tuple(x.shape):
        return view(x, 0, shape, element_strides(x))
    if x.is_c_contiguous():
        return view(x, 0, shape, contiguous_strides(shape))
    strides = _reshaped_strides(tuple(x.shape), element_strides(x), shape)
    if strides is None:
        return contiguous(x).reshape(shape)
    return view(x, 0, shape, strides)


def transpose(x, axes):
    """A view with the axes permuted."""
    x = device_operand("transpose", x)
    axes = tuple(int(a) for a in axes)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: {axes} is not a permutation of {x.ndim} axes")
    strides = element_strides(x)
    return view(x, 0, tuple(x.shape[a] for a in axes), tuple(strides[a] for a in axes))


def broadcast_to(x, shape):
    """A view with stride 0 along the broadcast axes."""
    x = device_operand("broadcast_to", x)
    shape = tuple(int(n) for n in shape)
    if not _broadcast_ok(tuple(x.shape), shape):
        raise ValueError(f"broadcast_to: cannot broadcast shape {tuple(x.shape)} to {shape}")
    return view(x, 0, shape, broadcast_strides(tuple(x.shape), shape, element_strides(x)))


def getitem(x, index):
    """``x[index]`` for a basic index: a view."""
    x = device_operand("getitem", x)
    shape, offset, strides = view_of_index(tuple(x.shape), index, element_strides(x))
    return view(x, offset, shape, strides)


def getitem_backward(dy, shape, index):
    dy = device_operand("getitem_backward", dy)
    shape = tuple(int(n) for n in shape)
    out = full(shape, 0, dy.dtype)
    window = getitem(out, index)
    copy_into(window, dy)
    return out


def concatenate(arrays, axis):
    arrays = [device_operand("concatenate", a) for a in arrays]
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
    out = empty(shape, dtype)
    start = 0
    for a in arrays:
        size = int(a.shape[axis])
        index = (slice(None),) * axis + (slice(start, start + size),)
        copy_into(getitem(out, index), a)
        start += size
    return out


# --------------------------------------------------------------------------- in place


def copy_(dst, src):
    """dst[...] = src through dst's strides (src broadcast and converted)."""
    dst = device_operand("copy_", dst)
    src = operand("copy_", src)
    if is_scalar(src):
        fill(dst, src)
        return
    shape = tuple(dst.shape)
    if not _broadcast_ok(tuple(src.shape), shape):
        raise ValueError(f"copy_: cannot broadcast shape {tuple(src.shape)} to {shape}")
    copy_into(dst, src)
