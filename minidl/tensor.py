"""Tensor: a device array, its device, its gradient and the node that made it.

The methods here only normalise arguments and call autograd Functions from
``minidl.ops``; no arithmetic on tensor data happens in this file.
"""

import numbers

import numpy as np

from . import autograd
from .backend import get_backend, normalize_device
from .ops import elementwise as ew
from .ops import linalg, reduce, shape

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int64 = np.dtype(np.int64)
int32 = np.dtype(np.int32)
bool_ = np.dtype(np.bool_)

_BASIC_INDEX_TYPES = (int, np.integer, slice, type(None), type(Ellipsis))

# bool, signed and unsigned integers, floating point: what a tensor may hold
_TENSOR_KINDS = "biuf"


class Tensor:
    """An n-dimensional array on one device that can record its history.

    ``Tensor(data)`` copies array-like ``data``; floating point data becomes
    float32 unless ``dtype`` says otherwise (PyTorch's default)."""

    # Let NumPy defer to our reflected operators (np_array + tensor).
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, device=None, dtype=None):
        device = normalize_device(device)
        if dtype is not None:
            dtype = _as_dtype("tensor", dtype)
        try:
            array = np.array(data.numpy() if isinstance(data, Tensor) else data, copy=True)
        except ValueError as exc:  # ragged nested lists
            raise ValueError(f"tensor: cannot make an array of the data ({exc})") from None
        if array.dtype.kind not in _TENSOR_KINDS:
            raise TypeError(f"tensor: data must be numbers or booleans, got "
                            f"{type(data).__name__} of dtype {array.dtype}")
        if dtype is None and array.dtype.kind == "f":
            dtype = float32
        elif dtype is None and array.dtype.kind in "iu":
            dtype = int64
        if dtype is not None:
            array = array.astype(dtype, copy=False)
        self._init(get_backend(device).from_numpy(array), device)
        if requires_grad:
            self.requires_grad_(True)

    def _init(self, data, device):
        self.data = data
        self.device = device
        self.requires_grad = False
        self.grad = None
        self.name = None
        self._node = None
        self._hooks = ()
        self._retains_grad = False

    @classmethod
    def _wrap(cls, data, device):
        """A tensor around an existing backend array (no copy, no checks)."""
        tensor = cls.__new__(cls)
        tensor._init(data, device)
        return tensor

    # ---- properties ---------------------------------------------------------
    @property
    def shape(self):
        return tuple(self.data.shape)

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return len(self.data.shape)

    @property
    def size(self):
        count = 1
        for n in self.data.shape:
            count *= n
        return count

    def numel(self):
        return self.size

    def dim(self):
        return self.ndim

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    @property
    def is_leaf(self):
        return self._node is None

    @property
    def grad_fn(self):
        """The op that produced this tensor (None for leaves)."""
        return self._node

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        values = np.array2string(self.numpy(), precision=4, separator=", ")
        return f"tensor({values}, device='{self.device}', dtype={self.dtype}{grad})"

    # ---- conversion -----------------------------------------------------------
    def numpy(self):
        """The values as a host NumPy array (shares memory on the CPU)."""
        return get_backend(self.device).to_numpy(self.data)

    def item(self):
        if self.size != 1:
            raise ValueError(f"item(): only one-element tensors convert to a Python "
                             f"number, got shape {self.shape}")
        return self.numpy().reshape(()).item()

    def tolist(self):
        return self.numpy().tolist()

    def detach(self):
        """The same data, cut from the graph."""
        return Tensor._wrap(self.data, self.device)

    def requires_grad_(self, flag=True):
        if flag and self.dtype.kind != "f":
            raise TypeError(f"requires_grad: only floating point tensors can require "
                            f"gradients, got dtype {self.dtype}")
        self.requires_grad = flag
        return self

    def retain_grad(self):
        """Keep .grad on this non-leaf tensor after backward."""
        self._retains_grad = True

    def to(self, device=None, dtype=None):
        """This tensor on ``device`` and/or as ``dtype`` (self if unchanged)."""
        out = self
        if dtype is not None:
            dtype = _as_dtype("to", dtype)
        if device is not None:
            device = normalize_device(device)
            if device != self.device:
                out = shape.ToDevice.apply(out, device)
        if dtype is not None and dtype != out.dtype:
            out = out.astype(dtype)
        return out

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def astype(self, dtype):
        """A copy converted to ``dtype`` (differentiable between float types)."""
        dtype = _as_dtype("astype", dtype)
        if dtype.kind == "f":
            return ew.Cast.apply(self, dtype)
        return Tensor._wrap(get_backend(self.device).astype(self.data, dtype), self.device)

    def float(self):
        return self.astype(float32)

    def double(self):
        return self.astype(float64)

    # ---- autograd -------------------------------------------------------------
    def backward(self, grad=None, retain_graph=False):
        """Accumulate gradients of this tensor into every leaf's ``.grad``."""
        autograd.backward(self, grad, retain_graph)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a
        returned tensor replaces the gradient. Returns a handle with remove()."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: tensor does not require grad")
        self._hooks = self._hooks + (hook,)
        return _HookHandle(self, hook)

    def zero_(self):
        backend = get_backend(self.device)
        backend.copy_(self.data, backend.full(self.shape, 0, self.dtype))
        return self

    # ---- arithmetic -------------------------------------------------------------
    def _operand(self, other, op):
        """``other`` as a Tensor on our device, or a Python number as is."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, numbers.Real) and not isinstance(other, (bool, np.bool_)):
            if self.dtype.kind == "f":
                try:
                    return float(other)
                except OverflowError:
                    raise ValueError(f"{op}: {other!r} is too large for a floating point "
                                     "tensor") from None
            if isinstance(other, numbers.Integral) and self.dtype.kind in "iu":
                info = np.iinfo(self.dtype)
                if not info.min <= other <= info.max:
                    raise ValueError(f"{op}: {other!r} is out of range for a tensor of "
                                     f"dtype {self.dtype} ([{info.min}, {info.max}])")
            return other
        if isinstance(other, (np.ndarray, list, tuple, np.generic, bool)):
            # a float tensor keeps its dtype; an integer or bool tensor must not
            # truncate float operands (or turn numbers into bools)
            dtype = self.dtype if self.dtype.kind == "f" else None
            try:
                return Tensor(other, device=self.device, dtype=dtype)
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"{op}: bad operand ({exc})") from None
        raise TypeError(f"{op}: unsupported operand type {type(other).__name__} for a Tensor")

    def __add__(self, other):
        return _binary(ew.Add, self, self._operand(other, "add"))

    def __radd__(self, other):
        return _binary(ew.Add, self._operand(other, "add"), self)

    def __sub__(self, other):
        return _binary(ew.Sub, self, self._operand(other, "sub"))

    def __rsub__(self, other):
        return _binary(ew.Sub, self._operand(other, "sub"), self)

    def __mul__(self, other):
        return _binary(ew.Mul, self, self._operand(other, "mul"))

    def __rmul__(self, other):
        return _binary(ew.Mul, self._operand(other, "mul"), self)

    def __truediv__(self, other):
        return _binary(ew.Div, self, self._operand(other, "div"))

    def __rtruediv__(self, other):
        return _binary(ew.Div, self._operand(other, "div"), self)

    def __pow__(self, other):
        return _binary(ew.Pow, self, self._operand(other, "pow"))

    def __rpow__(self, other):
        return _binary(ew.Pow, self._operand(other, "pow"), self)

    def __neg__(self):
        if self.dtype.kind == "b":
            raise TypeError("neg: a bool tensor cannot be negated; convert it with "
                            ".astype(...) first")
        return ew.Neg.apply(self)

    def __matmul__(self, other):
        other = self._operand(other, "matmul")
        _check_matmul(self, other)
        return linalg.MatMul.apply(self, other)

    def __rmatmul__(self, other):
        other = self._operand(other, "matmul")
        _check_matmul(other, self)
        return linalg.MatMul.apply(other, self)

    # comparisons give boolean tensors outside the graph
    def _compare(self, op, other):
        other = self._operand(other, op)
        if isinstance(other, Tensor):
            _check_broadcast(op, self.shape, other.shape)
            raw = other.data
        else:
            raw = other
        return Tensor._wrap(get_backend(self.device).compare(op, self.data, raw), self.device)

    def __eq__(self, other):
        return self._compare("eq", other)

    def __ne__(self, other):
        return self._compare("ne", other)

    def __lt__(self, other):
        return self._compare("lt", other)

    def __le__(self, other):
        return self._compare("le", other)

    def __gt__(self, other):
        return self._compare("gt", other)

    def __ge__(self, other):
        return self._compare("ge", other)

    __hash__ = object.__hash__

    def __bool__(self):
        if self.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is "
                             "ambiguous; use .any() or .all() on .numpy()")
        return bool(self.item())

    # ---- unary maths ---------------------------------------------------------
    def exp(self):
        return ew.Exp.apply(self)

    def log(self):
        return ew.Log.apply(self)

    def sqrt(self):
        return ew.Sqrt.apply(self)

    def abs(self):
        return ew.Abs.apply(self)

    def sigmoid(self):
        return ew.Sigmoid.apply(self)

    def relu(self):
        return ew.ReLU.apply(self)

    def tanh(self):
        return ew.Tanh.apply(self)

    def clip(self, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clip: give at least one of min and max")
        return ew.Clip.apply(self, _clip_bound(self, "min", min), _clip_bound(self, "max", max))

    clamp = clip

    def maximum(self, other):
        return _binary(ew.Maximum, self, self._operand(other, "maximum"))

    # ---- reductions ----------------------------------------------------------
    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        axis, keepdims = _reduction_args("sum", self, axis, dim, keepdims, keepdim)
        return reduce.Sum.apply(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        axis, keepdims = _reduction_args("mean", self, axis, dim, keepdims, keepdim)
        _check_reduced_not_empty("mean", self, axis)
        return reduce.Mean.apply(self, axis, keepdims)

    def max(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        axis, keepdims = _reduction_args("max", self, axis, dim, keepdims, keepdim)
        _check_reduced_not_empty("max", self, axis)
        return reduce.Max.apply(self, axis, keepdims)

    def var(self, axis=None, keepdims=False, *, ddof=0, dim=None, keepdim=None):
        """Variance; ``ddof=0`` (NumPy's default) is the biased estimate."""
        axis, keepdims = _reduction_args("var", self, axis, dim, keepdims, keepdim)
        if isinstance(ddof, bool) or not isinstance(ddof, numbers.Real):
            raise TypeError(f"var: ddof must be a number, got {ddof!r}")
        count = 1
        for a in (range(self.ndim) if axis is None else axis):
            count *= self.shape[a]
        if count - ddof <= 0:
            raise ValueError(f"var: {count} values with ddof={ddof} leave no degrees of freedom")
        centered = self - reduce.Mean.apply(self, axis, True)
        return reduce.Sum.apply(centered * centered, axis, keepdims) * (1.0 / (count - ddof))

    def argmax(self, axis=None, *, dim=None):
        axis, _ = _reduction_args("argmax", self, axis, dim, False, None)
        _check_reduced_not_empty("argmax", self, axis)
        backend = get_backend(self.device)
        if axis is None:
            flat = backend.reshape(self.data, (self.size,))
            return Tensor._wrap(backend.argmax(flat, 0), self.device)
        if len(axis) != 1:
            raise ValueError("argmax: expected a single axis")
        return Tensor._wrap(backend.argmax(self.data, axis[0]), self.device)

    # ---- shape ---------------------------------------------------------------
    def reshape(self, *shape):
        shape = _shape_args("reshape", shape)
        return shape_op_reshape(self, shape)

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        start = _normalize_axis("flatten", start_dim, self.ndim)
        end = _normalize_axis("flatten", end_dim, self.ndim)
        if self.ndim == 0:
            return self.reshape(1)
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        dims = self.shape
        merged = 1
        for n in dims[start:end + 1]:
            merged *= n
        return shape.Reshape.apply(self, dims[:start] + (merged,) + dims[end + 1:])

    def permute(self, *axes):
        axes = tuple(_normalize_axis("permute", a, self.ndim)
                     for a in _shape_args("permute", axes))
        if sorted(axes) != list(range(self.ndim)):
            raise ValueError(f"permute: {axes} is not a permutation of {self.ndim} axes")
        return shape.Permute.apply(self, axes)

    def transpose(self, *axes):
        """NumPy's transpose(*axes), or PyTorch's transpose(dim0, dim1) when
        given exactly two axes of a tensor with more than two dimensions."""
        if not axes:
            return shape.Permute.apply(self, tuple(reversed(range(self.ndim))))
        if len(axes) == 2 and self.ndim != 2:
            a = _normalize_axis("transpose", axes[0], self.ndim)
            b = _normalize_axis("transpose", axes[1], self.ndim)
            order = list(range(self.ndim))
            order[a], order[b] = order[b], order[a]
            return shape.Permute.apply(self, tuple(order))
        return self.permute(*axes)

    @property
    def T(self):
        return shape.Permute.apply(self, tuple(reversed(range(self.ndim))))

    def __getitem__(self, index):
        if not isinstance(index, tuple):
            index = (index,)
        for part in index:
            if isinstance(part, (bool, np.bool_)) or not isinstance(part, _BASIC_INDEX_TYPES):
                raise TypeError(f"indexing: only basic indexing (ints, slices, None, ...) "
                                f"is supported, got {type(part).__name__}")
            if isinstance(part, slice):
                for bound in (part.start, part.stop, part.step):
                    if bound is not None and (isinstance(bound, (bool, np.bool_)) or
                                              not isinstance(bound, (int, np.integer))):
                        raise TypeError(f"indexing: slice bounds must be ints or None, "
                                        f"got {part!r}")
                if part.step is not None and part.step <= 0:
                    raise ValueError(f"indexing: slice step must be positive, got {part!r}")
        if sum(1 for part in index if part is Ellipsis) > 1:
            raise IndexError("indexing: an index can only have a single ellipsis (...)")
        _check_index_bounds(self.shape, index)
        return shape.GetItem.apply(self, index)


def _binary(function, a, b):
    """Apply a broadcasting binary op after checking the shapes and dtypes agree."""
    op = function.__name__.lower()
    a_shape = a.shape if isinstance(a, Tensor) else ()
    b_shape = b.shape if isinstance(b, Tensor) else ()
    _check_broadcast(op, a_shape, b_shape)
    a_kind = a.dtype.kind if isinstance(a, Tensor) else None
    b_kind = b.dtype.kind if isinstance(b, Tensor) else None
    if function is ew.Sub and a_kind == "b" and b_kind == "b":
        raise TypeError("sub: two bool tensors cannot be subtracted; convert them with "
                        ".astype(...) first")
    if function is ew.Pow and _is_integral(a) and _is_integral(b):
        _check_integer_power(b)
    return function.apply(a, b)


def _check_broadcast(op, a_shape, b_shape):
    if a_shape != b_shape:
        try:
            np.broadcast_shapes(a_shape, b_shape)
        except ValueError:
            raise ValueError(f"{op}: shapes {a_shape} and {b_shape} cannot be broadcast "
                             "together") from None


def _is_integral(value):
    if isinstance(value, Tensor):
        return value.dtype.kind in "biu"
    return isinstance(value, numbers.Integral)


def _check_integer_power(exponent):
    """NumPy refuses integer ** negative integer; say so with the op's name."""
    if isinstance(exponent, Tensor):
        if exponent.dtype.kind == "b" or exponent.size == 0:
            return
        backend = get_backend(exponent.device)
        negative = bool(np.any(backend.to_numpy(backend.compare("lt", exponent.data, 0))))
        value = "an exponent tensor with negative values"
    else:
        negative = exponent < 0
        value = repr(exponent)
    if negative:
        raise ValueError(f"pow: integers cannot be raised to a negative integer power, got "
                         f"{value}; convert to float first (.float())")


def _clip_bound(tensor, name, bound):
    """A clip bound: None, a real number, or a tensor that broadcasts to ``tensor``."""
    if bound is None:
        return None
    if isinstance(bound, Tensor):
        try:
            broadcast = np.broadcast_shapes(tensor.shape, bound.shape)
        except ValueError:
            broadcast = None
        if broadcast != tensor.shape:
            raise ValueError(f"clip: {name} of shape {bound.shape} does not broadcast to "
                             f"the input shape {tensor.shape}")
        return bound
    if isinstance(bound, (bool, np.bool_)) or not isinstance(bound, numbers.Real):
        raise TypeError(f"clip: {name} must be a number or a Tensor, got {bound!r}")
    return float(bound) if tensor.dtype.kind == "f" else bound


def _as_dtype(op, dtype):
    """``dtype`` as a numpy dtype a tensor can hold (bool, integer or float)."""
    try:
        result = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{op}: {dtype!r} is not a dtype") from None
    if result.kind not in _TENSOR_KINDS:
        raise TypeError(f"{op}: unsupported dtype {result}; tensors hold bool, integer "
                        "or floating point values")
    return result


def _check_reduced_not_empty(op, tensor, axis):
    """max and mean have no value over zero elements; say which axis is empty."""
    axes = range(tensor.ndim) if axis is None else axis
    empty = [a for a in axes if tensor.shape[a] == 0]
    if empty:
        raise ValueError(f"{op}: cannot reduce over axis {empty[0]} of size 0 (input shape "
                         f"{tensor.shape})")


class _HookHandle:
    def __init__(self, tensor, hook):
        self._tensor = tensor
        self._hook = hook

    def remove(self):
        self._tensor._hooks = tuple(h for h in self._tensor._hooks if h is not self._hook)


def shape_op_reshape(tensor, new_shape):
    size = tensor.size
    unknown = [i for i, n in enumerate(new_shape) if n == -1]
    if len(unknown) > 1 or any(n < -1 for n in new_shape):
        raise ValueError(f"reshape: invalid shape {new_shape}")
    known = 1
    for n in new_shape:
        if n != -1:
            known *= n
    if unknown:
        if known == 0 or size % known:
            raise ValueError(f"reshape: cannot reshape {tensor.shape} into {new_shape}")
        new_shape = tuple(size // known if n == -1 else n for n in new_shape)
    elif known != size:
        raise ValueError(f"reshape: cannot reshape {tensor.shape} ({size} elements) "
                         f"into {new_shape} ({known} elements)")
    if new_shape == tensor.shape:
        return tensor
    return shape.Reshape.apply(tensor, new_shape)


def _shape_args(op, args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for n in args:
        if not isinstance(n, (int, np.integer)) or isinstance(n, (bool, np.bool_)):
            raise TypeError(f"{op}: expected integer sizes, got {args!r}")
    return tuple(int(n) for n in args)


def _normalize_axis(op, axis, ndim):
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}")
    if not -max(ndim, 1) <= axis < max(ndim, 1):
        raise ValueError(f"{op}: axis {axis} is out of range for {ndim} dimensions")
    return int(axis) % max(ndim, 1)


def _reduction_args(op, tensor, axis, dim, keepdims, keepdim):
    """Accept NumPy's axis/keepdims or PyTorch's dim/keepdim; return a
    sorted tuple of axes (or None) and a bool."""
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: give axis or dim, not both")
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    if axis is None:
        return None, bool(keepdims)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    normalized = sorted({_normalize_axis(op, a, tensor.ndim) for a in axes})
    if len(normalized) != len(axes):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    return tuple(normalized), bool(keepdims)


def _check_index_bounds(shape_, index):
    dim = 0
    for part in index:
        if part is None:
            continue
        if part is Ellipsis:
            dim = len(shape_) - sum(1 for p in index if p is not None and p is not Ellipsis)
            continue
        if dim >= len(shape_):
            raise IndexError(f"indexing: too many indices for a tensor of shape {shape_}")
        if isinstance(part, (int, np.integer)) and not -shape_[dim] <= part < shape_[dim]:
            raise IndexError(f"indexing: index {part} is out of bounds for axis {dim} "
                             f"with size {shape_[dim]}")
        dim += 1


def _check_matmul(a, b):
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(f"matmul: both operands need at least 2 dimensions, got shapes "
                         f"{a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align "
                         f"({a.shape[-1]} != {b.shape[-2]})")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"matmul: the batch dimensions of {a.shape} and {b.shape} cannot "
                         "be broadcast together") from None
