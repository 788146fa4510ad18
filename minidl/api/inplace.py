"""In-place operations (``add_``, ``mul_``, ``copy_``, ``zero_``, ``+=``, ...) with
PyTorch's safety rules.

- Outside ``no_grad``, a leaf that requires grad cannot be modified in place
  (``param -= lr * param.grad`` raises: do it under ``no_grad()``).
- A tensor in the graph may be updated in place: the op is recorded as usual
  and the tensor takes the new node, as PyTorch does; an in-place change to a
  view of such a tensor is refused with a clear error (minidl does not track
  views through autograd).
- Every in-place change bumps the storage's version counter, so backward
  raises if a value it saved was modified in between.
- The result must fit the tensor: same shape after broadcasting, and a dtype
  it can be cast to (an integer tensor cannot take a float result).
"""

import weakref

from .. import _checks, _dtypes, autograd
from ..backend import get_backend
from ..ops import indexing as ops_indexing
from ..ops import shape as shape_ops
from ..tensor import Tensor
from . import maths, pointwise
from ._common import cast, operand


def _wants_graph(self, args):
    return autograd.is_grad_enabled() and (
        self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args))


def update(op, self, compute, *args):
    """``self <- compute(self, *args)`` in place; returns self."""
    _checks.tensor(op, self)
    if _wants_graph(self, args):
        if self._node is None and self._requires_grad:
            raise RuntimeError(
                f"{op}: a leaf Variable that requires grad is being used in an in-place "
                "operation; wrap the update in `with minidl.no_grad():`")
        base = self._base
        if base is not None and base._node is None and base._requires_grad:
            raise RuntimeError(
                f"{op}: a view of a leaf Variable that requires grad is being used in an "
                "in-place operation; wrap the update in `with minidl.no_grad():`")
        result = _fitted(op, self, compute(_private_source(self), *args))
        if base is not None:
            _update_base(base, self, result)
        _write(self, result)
        _take_node(self, result)
        if base is not None:
            # the view is now a view of the updated base (PyTorch's CopySlices)
            _take_node(self, self._view_fn(base), keep_versions=True)
    else:
        with autograd.no_grad():
            result = _fitted(op, self, compute(self, *args))
        _write(self, result)
    return self


def _private_source(self):
    """A copy of self's current value carrying self's place in the graph: what
    an op saves for backward must not be the storage about to be overwritten."""
    source = Tensor._wrap(get_backend(self.device).copy(self._data), self.device)
    source._node = self._node
    source._output_index = self._output_index
    source._requires_grad = self._requires_grad
    return source


def _update_base(base, view, result):
    """Write ``result`` (the view's new value) into ``base`` at the view's
    positions, recorded as a Put so that the base's gradient flows through the
    untouched part and the view's part separately."""
    backend = get_backend(base.device)
    grid = Tensor._wrap(backend.reshape(backend.arange(0, base.numel(), 1, _dtypes.int64),
                                        base.shape), base.device)
    with autograd.no_grad():
        positions = view._view_fn(grid)._data
    updated = ops_indexing.Put.apply(_private_source(base), backend.copy(positions),
                                     result, False)
    _write(base, updated)
    _take_node(base, updated)


def _fitted(op, self, result):
    """``result`` checked against self's shape and cast to self's dtype."""
    if result.shape != self.shape:
        raise RuntimeError(f"{op}: output with shape {self.shape} doesn't match the "
                           f"broadcast shape {result.shape}")
    if result.dtype != self.dtype:
        if _dtypes.promote_types(result.dtype, self.dtype) != self.dtype:
            raise RuntimeError(f"{op}: result type {result.dtype} can't be cast to the "
                               f"desired output type {self.dtype}")
        result = cast(op, result, self.dtype)
    return result


def _write(self, result):
    if result._data is not self._data:
        get_backend(self.device).copy_(self._data, result._data)
    self._version.value += 1


def _take_node(self, result, keep_versions=False):
    """Make ``self`` the output of the node that computed ``result``."""
    node = result._node
    if node is None:
        return
    self._node = node
    self._output_index = result._output_index
    self._requires_grad = True
    if keep_versions:
        return
    node.saved_versions = tuple(
        (self._version, self._version.value) if counter is result._version else (counter, v)
        for counter, v in node.saved_versions)
    if node.output_ref is not None:
        node.output_ref = weakref.ref(self)


# ---- arithmetic ---------------------------------------------------------------------
def add_(self, other, *, alpha=1):
    """self += alpha * other, in place."""
    return update("add_", self, lambda s, o: pointwise.add(s, o, alpha=alpha),
                  operand("add_", other, self))


def sub_(self, other, *, alpha=1):
    """self -= alpha * other, in place."""
    return update("sub_", self, lambda s, o: pointwise.sub(s, o, alpha=alpha),
                  operand("sub_", other, self))


def mul_(self, other):
    """self *= other, in place."""
    return update("mul_", self, pointwise.mul, operand("mul_", other, self))


def div_(self, other, *, rounding_mode=None):
    """self /= other, in place (true division needs a float tensor); the
    ``rounding_mode`` None, "trunc" or "floor" of ``div``."""
    return update("div_", self, lambda s, o: maths.div(s, o, rounding_mode=rounding_mode),
                  operand("div_", other, self))


def addcmul_(self, tensor1, tensor2, *, value=1):
    """self += value * tensor1 * tensor2, in place."""
    return update("addcmul_", self,
                  lambda s, a, b: pointwise.addcmul(s, a, b, value=value), tensor1, tensor2)


def addcdiv_(self, tensor1, tensor2, *, value=1):
    """self += value * tensor1 / tensor2, in place."""
    return update("addcdiv_", self,
                  lambda s, a, b: pointwise.addcdiv(s, a, b, value=value), tensor1, tensor2)


def pow_(self, exponent):
    """self **= exponent, in place."""
    return update("pow_", self, pointwise.pow, operand("pow_", exponent, self))


def clamp_(self, min=None, max=None):
    """Values limited to [min, max], in place."""
    return update("clamp_", self, lambda s: pointwise.clamp(s, min, max))


clip_ = clamp_


def neg_(self):
    """self = -self, in place."""
    return update("neg_", self, pointwise.neg)


def exp_(self):
    """self = e ** self, in place."""
    return update("exp_", self, pointwise.exp)


def log_(self):
    """self = log(self), in place."""
    return update("log_", self, pointwise.log)


def sqrt_(self):
    """self = sqrt(self), in place."""
    return update("sqrt_", self, pointwise.sqrt)


def abs_(self):
    """self = |self|, in place."""
    return update("abs_", self, pointwise.abs)


def sigmoid_(self):
    """self = sigmoid(self), in place."""
    return update("sigmoid_", self, pointwise.sigmoid)


def tanh_(self):
    """self = tanh(self), in place."""
    return update("tanh_", self, pointwise.tanh)


def relu_(self):
    """self = max(self, 0), in place."""
    return update("relu_", self, pointwise.relu)


def lerp_(self, end, weight):
    """self = lerp(self, end, weight), in place (running averages)."""
    end = operand("lerp_", end, self)
    return update("lerp_", self, lambda s, e, w: maths.lerp(s, e, w), end, weight)


def in_place(function):
    """The in-place form of a tensor function: ``x.sin_()`` is ``x = sin(x)`` in
    x's storage, under the rules above (``x.fmod_(3)``, ``x.round_(decimals=1)``)."""
    name = function.__name__ + "_"

    def method(self, *args, **kwargs):
        return update(name, self, lambda s, *a: function(s, *a, **kwargs), *args)

    method.__name__ = name
    method.__doc__ = f"``{function.__name__}`` in place: self = {function.__name__}(self, ...)."
    return method


# ---- filling and copying --------------------------------------------------------------
def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast to self's shape, converted to self's dtype, moved
    from its device) into self. The gradient flows to ``src``.
    ``non_blocking`` is accepted for PyTorch's signature and has no effect."""
    _checks.tensor("copy_", self)
    _checks.tensor("copy_", src, "src")
    shape = _checks.broadcast_shapes("copy_", self.shape, src.shape)
    if shape != self.shape:
        raise RuntimeError(f"copy_: the source of shape {src.shape} does not broadcast to "
                           f"the destination's shape {self.shape}")

    def compute(_, source):
        if source.device != self.device:
            source = shape_ops.ToDevice.apply(source, self.device)
        source = cast("copy_", source, self.dtype)
        if source.shape != self.shape:
            source = shape_ops.Expand.apply(source, self.shape)
        return source

    if not _wants_graph(self, (src,)) and src.device == self.device:
        get_backend(self.device).copy_(self._data, src._data)
        self._version.value += 1
        return self
    return update("copy_", self, compute, src)


def fill_(self, value):
    """Every element set to ``value`` (a number or a one-element tensor)."""
    _checks.tensor("fill_", self)
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise RuntimeError(f"fill_ only supports a 0-dimension value tensor, got shape "
                               f"{value.shape}")
        value = value.item()
    if not _checks.is_real(value) and not isinstance(value, bool):
        raise TypeError(f"fill_: value must be a number, got {value!r}")
    value = cast("fill_", operand("fill_", value, self), self.dtype)
    if self._requires_grad and self._node is None and autograd.is_grad_enabled():
        raise RuntimeError("fill_: a leaf Variable that requires grad is being used in an "
                           "in-place operation; wrap the update in `with minidl.no_grad():`")
    get_backend(self.device).copy_(self._data, value)
    self._version.value += 1
    if autograd.is_grad_enabled() and self._node is not None:
        self.detach_()  # the new value does not depend on the old one
    return self


def zero_(self):
    """Every element set to zero."""
    return fill_(self, 0)


# ---- random fills (outside the graph) --------------------------------------------------
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples of N(mean, std^2) from the global (or given) generator."""
    _checks.float_tensor("normal_", self, "tensor")
    mean = _checks.real("normal_", "mean", mean)
    std = _checks.real("normal_", "std", std, 0)
    rng = _checks.generator("normal_", generator)
    backend = get_backend(self.device)
    sample = backend.random_normal(self.shape, self.dtype, rng)
    return _fill_from(self, backend.add(backend.mul(sample, std), mean))


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    """Fill with samples of U(a, b) from the global (or given) generator."""
    _checks.float_tensor("uniform_", self, "tensor")
    low = _checks.real("uniform_", "from", a)
    high = _checks.real("uniform_", "to", b, low)
    rng = _checks.generator("uniform_", generator)
    backend = get_backend(self.device)
    sample = backend.random_uniform(self.shape, self.dtype, rng)
    return _fill_from(self, backend.add(backend.mul(sample, high - low), low))


def _fill_from(self, array):
    if self._requires_grad and self._node is None and autograd.is_grad_enabled():
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation; wrap the initialisation in `with minidl.no_grad():`")
    get_backend(self.device).copy_(self._data, array)
    self._version.value += 1
    return self


# ---- the augmented assignment operators -------------------------------------------------
def iadd(self, other):
    return add_(self, other)


def isub(self, other):
    return sub_(self, other)


def imul(self, other):
    return mul_(self, other)


def itruediv(self, other):
    return div_(self, other)


def ipow(self, other):
    return pow_(self, other)


def ifloordiv(self, other):
    return update("floor_divide_", self, maths.floor_divide, operand("//=", other, self))


def imod(self, other):
    return update("remainder_", self, maths.remainder, operand("%=", other, self))


def iand(self, other):
    return update("bitwise_and_", self, maths.bitwise_and, operand("&=", other, self))


def ior(self, other):
    return update("bitwise_or_", self, maths.bitwise_or, operand("|=", other, self))


def ixor(self, other):
    return update("bitwise_xor_", self, maths.bitwise_xor, operand("^=", other, self))


def ilshift(self, other):
    return update("bitwise_left_shift_", self, maths.bitwise_left_shift,
                  operand("<<=", other, self))


def irshift(self, other):
    return update("bitwise_right_shift_", self, maths.bitwise_right_shift,
                  operand(">>=", other, self))
