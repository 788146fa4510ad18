"""Moving and converting tensors: ``to``, ``cpu``, ``cuda``, ``float``,
``double``, ``long``, ``int``, ``bool``, ``type_as``, ``clone``, ``contiguous``.

Conversions between floating point dtypes and device moves are
differentiable; a result identical to the input is the input itself, as in
PyTorch."""

from .. import _checks, _dtypes
from ..backend import normalize_device
from ..ops import shape as shape_ops
from ..tensor import Tensor
from ._common import cast


def to(input, *args, dtype=None, device=None, non_blocking=False, copy=False):
    """This tensor on another device and/or as another dtype: ``x.to("cuda")``,
    ``x.to(mdl.float64)``, ``x.to("cpu", mdl.float32)``, ``x.to(other)``
    (other's device and dtype). Positional arguments may be a device string,
    a dtype or a tensor; ``dtype=`` and ``device=`` may be given by keyword.
    ``non_blocking`` is accepted for PyTorch's signature and has no effect
    (copies are synchronous); ``copy=True`` returns a new tensor even when
    nothing changes. Without a change the tensor itself comes back."""
    _checks.tensor("to", input)
    for arg in args:
        if isinstance(arg, Tensor):
            device, dtype = arg.device, arg.dtype
        elif isinstance(arg, str):
            device = arg
        elif arg is not None:
            dtype = arg
    out = input
    if device is not None:
        device = normalize_device(device)
        if device != out.device:
            out = shape_ops.ToDevice.apply(out, device)
    if dtype is not None:
        out = cast("to", out, _dtypes.as_dtype("to", dtype))
    if copy and out is input:
        out = clone(input)
    return out


def cpu(input):
    """This tensor on the CPU (itself if it is there)."""
    return to(input, "cpu")


def cuda(input, device=None):
    """This tensor on the GPU (itself if it is there). ``device`` is accepted
    for PyTorch's signature; minidl uses one GPU, "cuda"."""
    return to(input, "cuda")


def type_as(input, other):
    """This tensor converted to ``other``'s dtype."""
    return to(input, dtype=other.dtype)


def float(input):
    """As float32."""
    return to(input, dtype=_dtypes.float32)


def double(input):
    """As float64."""
    return to(input, dtype=_dtypes.float64)


def long(input):
    """As int64."""
    return to(input, dtype=_dtypes.int64)


def int(input):
    """As int32."""
    return to(input, dtype=_dtypes.int32)


def bool(input):
    """As bool."""
    return to(input, dtype=_dtypes.bool_)


def clone(input):
    """A copy of ``input`` with its own storage (differentiable)."""
    _checks.tensor("clone", input)
    return shape_ops.Clone.apply(input)


def contiguous(input):
    """The tensor itself: minidl's backends hand out arrays their kernels can read."""
    _checks.tensor("contiguous", input)
    return input
