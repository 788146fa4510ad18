"""The PyTorch methods and operators of ``Tensor``, one line each.

Every method is the public function of the same name in ``minidl.api``
(``x.exp()`` is ``mdl.exp(x)``); this table binds them to the class, so the
class itself (``minidl/tensor.py``) stays at the bottom of the import graph
and each method has one definition. ``grep "Tensor.exp ="`` finds a method.
"""

from . import autograd
from .api import (conversion, creation, indexing, inplace, joining, linalg, maths, ordering,
                  pointwise, rearrange, reduction, shape)
from .nn import functional
from .tensor import Tensor


def _backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradient of this tensor into the leaves' ``.grad``
    (``gradient`` seeds it; ones for a one-element tensor). ``retain_graph``
    keeps the graph for another backward (default: ``create_graph``);
    ``create_graph`` records the backward pass for higher-order gradients
    (default False); ``inputs``, when given, limits accumulation to those
    tensors."""
    autograd.backward(self, gradient, retain_graph, create_graph, inputs)


def _where(self, condition, other):
    """``self`` where ``condition`` holds, else ``other`` (PyTorch's Tensor.where)."""
    return indexing.where(condition, self, other)


def _masked_fill_(self, mask, value):
    """``masked_fill`` in place: ``value`` where the bool ``mask`` is True."""
    return inplace.update("masked_fill_", self, indexing.masked_fill, mask, value)


def _scatter_(self, dim, index, src=None, *, value=None):
    """``scatter`` in place: ``src`` (or the number ``value``) written at
    ``index`` along ``dim``."""
    return inplace.update("scatter_", self,
                          lambda s: indexing.scatter(s, dim, index, src, value=value))


def _scatter_add_(self, dim, index, src):
    """``scatter_add`` in place: ``src`` added at ``index`` along ``dim``."""
    return inplace.update("scatter_add_", self,
                          lambda s: indexing.scatter_add(s, dim, index, src))


def _index_put(self, indices, values, accumulate=False):
    """``index_put_`` on a copy: ``values`` written (added with
    ``accumulate``, default False) at ``indices``, a tuple of index tensors."""
    return indexing.index_put_(self.clone(), indices, values, accumulate)


def _softmax(self, dim, dtype=None):
    """softmax along ``dim`` (``F.softmax``)."""
    return functional.softmax(self, dim, dtype)


def _log_softmax(self, dim, dtype=None):
    """log_softmax along ``dim`` (``F.log_softmax``)."""
    return functional.log_softmax(self, dim, dtype)


def _new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    """Zeros of ``size`` with this tensor's dtype and device unless given."""
    return creation.zeros(*size, dtype=dtype or self.dtype, device=device or self.device,
                          requires_grad=requires_grad)


def _new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    """Ones of ``size`` with this tensor's dtype and device unless given."""
    return creation.ones(*size, dtype=dtype or self.dtype, device=device or self.device,
                         requires_grad=requires_grad)


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """``fill_value`` of ``size`` with this tensor's dtype and device unless given."""
    return creation.full(size, fill_value, dtype=dtype or self.dtype,
                         device=device or self.device, requires_grad=requires_grad)


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """A copy of ``data`` with this tensor's dtype and device unless given."""
    return creation.tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                           requires_grad=requires_grad)


# ---- autograd -----------------------------------------------------------------
Tensor.backward = _backward

# ---- arithmetic and comparison operators --------------------------------------
Tensor.__add__ = pointwise.add
Tensor.__radd__ = pointwise.radd
Tensor.__sub__ = pointwise.sub
Tensor.__rsub__ = pointwise.rsub
Tensor.__mul__ = pointwise.mul
Tensor.__rmul__ = pointwise.rmul
Tensor.__truediv__ = pointwise.div
Tensor.__rtruediv__ = pointwise.rtruediv
Tensor.__pow__ = pointwise.pow
Tensor.__rpow__ = pointwise.rpow
Tensor.__neg__ = pointwise.neg
Tensor.__abs__ = pointwise.abs
Tensor.__matmul__ = linalg.matmul
Tensor.__rmatmul__ = linalg.rmatmul
Tensor.__eq__ = pointwise.eq
Tensor.__ne__ = pointwise.ne
Tensor.__lt__ = pointwise.lt
Tensor.__le__ = pointwise.le
Tensor.__gt__ = pointwise.gt
Tensor.__ge__ = pointwise.ge
Tensor.__iadd__ = inplace.iadd
Tensor.__isub__ = inplace.isub
Tensor.__imul__ = inplace.imul
Tensor.__itruediv__ = inplace.itruediv
Tensor.__ipow__ = inplace.ipow
Tensor.__floordiv__ = maths.floor_divide
Tensor.__rfloordiv__ = maths.rfloordiv
Tensor.__mod__ = maths.remainder
Tensor.__rmod__ = maths.rmod
Tensor.__and__ = maths.bitwise_and
Tensor.__rand__ = maths.bitwise_and
Tensor.__or__ = maths.bitwise_or
Tensor.__ror__ = maths.bitwise_or
Tensor.__xor__ = maths.bitwise_xor
Tensor.__rxor__ = maths.bitwise_xor
Tensor.__invert__ = maths.bitwise_not
Tensor.__lshift__ = maths.bitwise_left_shift
Tensor.__rlshift__ = maths.rlshift
Tensor.__rshift__ = maths.bitwise_right_shift
Tensor.__rrshift__ = maths.rrshift
Tensor.__ifloordiv__ = inplace.ifloordiv
Tensor.__imod__ = inplace.imod
Tensor.__iand__ = inplace.iand
Tensor.__ior__ = inplace.ior
Tensor.__ixor__ = inplace.ixor
Tensor.__ilshift__ = inplace.ilshift
Tensor.__irshift__ = inplace.irshift
Tensor.__getitem__ = indexing.getitem
Tensor.__setitem__ = indexing.setitem
# Defining __eq__ removes the inherited hash; tensors hash by identity, as in PyTorch.
Tensor.__hash__ = object.__hash__

# ---- elementwise maths ---------------------------------------------------------
Tensor.add = pointwise.add
Tensor.sub = pointwise.sub
Tensor.subtract = pointwise.sub
Tensor.mul = pointwise.mul
Tensor.multiply = pointwise.mul
Tensor.div = maths.div
Tensor.divide = maths.div
Tensor.true_divide = pointwise.div
Tensor.pow = pointwise.pow
Tensor.addcmul = pointwise.addcmul
Tensor.addcdiv = pointwise.addcdiv
Tensor.neg = pointwise.neg
Tensor.negative = pointwise.neg
Tensor.abs = pointwise.abs
Tensor.exp = pointwise.exp
Tensor.log = pointwise.log
Tensor.sqrt = pointwise.sqrt
Tensor.sigmoid = pointwise.sigmoid
Tensor.tanh = pointwise.tanh
Tensor.relu = pointwise.relu
Tensor.softmax = _softmax
Tensor.log_softmax = _log_softmax
Tensor.clamp = pointwise.clamp
Tensor.clip = pointwise.clamp
Tensor.maximum = pointwise.maximum
Tensor.minimum = pointwise.minimum
Tensor.eq = pointwise.eq
Tensor.ne = pointwise.ne
Tensor.lt = pointwise.lt
Tensor.le = pointwise.le
Tensor.gt = pointwise.gt
Tensor.ge = pointwise.ge

# ---- in place --------------------------------------------------------------------
Tensor.add_ = inplace.add_
Tensor.sub_ = inplace.sub_
Tensor.mul_ = inplace.mul_
Tensor.div_ = inplace.div_
Tensor.pow_ = inplace.pow_
Tensor.addcmul_ = inplace.addcmul_
Tensor.addcdiv_ = inplace.addcdiv_
Tensor.clamp_ = inplace.clamp_
Tensor.clip_ = inplace.clamp_
Tensor.neg_ = inplace.neg_
Tensor.exp_ = inplace.exp_
Tensor.log_ = inplace.log_
Tensor.sqrt_ = inplace.sqrt_
Tensor.abs_ = inplace.abs_
Tensor.sigmoid_ = inplace.sigmoid_
Tensor.tanh_ = inplace.tanh_
Tensor.relu_ = inplace.relu_
Tensor.lerp_ = inplace.lerp_
Tensor.copy_ = inplace.copy_
Tensor.fill_ = inplace.fill_
Tensor.zero_ = inplace.zero_
Tensor.normal_ = inplace.normal_
Tensor.uniform_ = inplace.uniform_

# ---- the maths library -----------------------------------------------------------
Tensor.sin = maths.sin
Tensor.cos = maths.cos
Tensor.tan = maths.tan
Tensor.asin = maths.asin
Tensor.acos = maths.acos
Tensor.atan = maths.atan
Tensor.sinh = maths.sinh
Tensor.cosh = maths.cosh
Tensor.asinh = maths.asinh
Tensor.acosh = maths.acosh
Tensor.atanh = maths.atanh
Tensor.arcsin = maths.arcsin
Tensor.arccos = maths.arccos
Tensor.arctan = maths.arctan
Tensor.arcsinh = maths.arcsinh
Tensor.arccosh = maths.arccosh
Tensor.arctanh = maths.arctanh
Tensor.atan2 = maths.atan2
Tensor.arctan2 = maths.arctan2
Tensor.log2 = maths.log2
Tensor.log10 = maths.log10
Tensor.log1p = maths.log1p
Tensor.expm1 = maths.expm1
Tensor.exp2 = maths.exp2
Tensor.rsqrt = maths.rsqrt
Tensor.reciprocal = maths.reciprocal
Tensor.square = maths.square
Tensor.erf = maths.erf
Tensor.erfc = maths.erfc
Tensor.floor = maths.floor
Tensor.ceil = maths.ceil
Tensor.trunc = maths.trunc
Tensor.fix = maths.fix
Tensor.round = maths.round
Tensor.frac = maths.frac
Tensor.sign = maths.sign
Tensor.fmod = maths.fmod
Tensor.remainder = maths.remainder
Tensor.floor_divide = maths.floor_divide
Tensor.lerp = maths.lerp
Tensor.isnan = maths.isnan
Tensor.isinf = maths.isinf
Tensor.isfinite = maths.isfinite
Tensor.isclose = maths.isclose
Tensor.allclose = maths.allclose
Tensor.logical_and = maths.logical_and
Tensor.logical_or = maths.logical_or
Tensor.logical_xor = maths.logical_xor
Tensor.logical_not = maths.logical_not
Tensor.bitwise_and = maths.bitwise_and
Tensor.bitwise_or = maths.bitwise_or
Tensor.bitwise_xor = maths.bitwise_xor
Tensor.bitwise_not = maths.bitwise_not
Tensor.bitwise_left_shift = maths.bitwise_left_shift
Tensor.bitwise_right_shift = maths.bitwise_right_shift
Tensor.sin_ = inplace.in_place(maths.sin)
Tensor.cos_ = inplace.in_place(maths.cos)
Tensor.tan_ = inplace.in_place(maths.tan)
Tensor.asin_ = inplace.in_place(maths.asin)
Tensor.acos_ = inplace.in_place(maths.acos)
Tensor.atan_ = inplace.in_place(maths.atan)
Tensor.sinh_ = inplace.in_place(maths.sinh)
Tensor.cosh_ = inplace.in_place(maths.cosh)
Tensor.asinh_ = inplace.in_place(maths.asinh)
Tensor.acosh_ = inplace.in_place(maths.acosh)
Tensor.atanh_ = inplace.in_place(maths.atanh)
Tensor.arcsin_ = inplace.in_place(maths.arcsin)
Tensor.arccos_ = inplace.in_place(maths.arccos)
Tensor.arctan_ = inplace.in_place(maths.arctan)
Tensor.arcsinh_ = inplace.in_place(maths.arcsinh)
Tensor.arccosh_ = inplace.in_place(maths.arccosh)
Tensor.arctanh_ = inplace.in_place(maths.arctanh)
Tensor.atan2_ = inplace.in_place(maths.atan2)
Tensor.arctan2_ = inplace.in_place(maths.arctan2)
Tensor.log2_ = inplace.in_place(maths.log2)
Tensor.log10_ = inplace.in_place(maths.log10)
Tensor.log1p_ = inplace.in_place(maths.log1p)
Tensor.expm1_ = inplace.in_place(maths.expm1)
Tensor.exp2_ = inplace.in_place(maths.exp2)
Tensor.rsqrt_ = inplace.in_place(maths.rsqrt)
Tensor.reciprocal_ = inplace.in_place(maths.reciprocal)
Tensor.square_ = inplace.in_place(maths.square)
Tensor.erf_ = inplace.in_place(maths.erf)
Tensor.erfc_ = inplace.in_place(maths.erfc)
Tensor.floor_ = inplace.in_place(maths.floor)
Tensor.ceil_ = inplace.in_place(maths.ceil)
Tensor.trunc_ = inplace.in_place(maths.trunc)
Tensor.fix_ = inplace.in_place(maths.fix)
Tensor.round_ = inplace.in_place(maths.round)
Tensor.frac_ = inplace.in_place(maths.frac)
Tensor.sign_ = inplace.in_place(maths.sign)
Tensor.fmod_ = inplace.in_place(maths.fmod)
Tensor.remainder_ = inplace.in_place(maths.remainder)
Tensor.floor_divide_ = inplace.in_place(maths.floor_divide)
Tensor.logical_and_ = inplace.in_place(maths.logical_and)
Tensor.logical_or_ = inplace.in_place(maths.logical_or)
Tensor.logical_xor_ = inplace.in_place(maths.logical_xor)
Tensor.logical_not_ = inplace.in_place(maths.logical_not)
Tensor.bitwise_and_ = inplace.in_place(maths.bitwise_and)
Tensor.bitwise_or_ = inplace.in_place(maths.bitwise_or)
Tensor.bitwise_xor_ = inplace.in_place(maths.bitwise_xor)
Tensor.bitwise_not_ = inplace.in_place(maths.bitwise_not)
Tensor.bitwise_left_shift_ = inplace.in_place(maths.bitwise_left_shift)
Tensor.bitwise_right_shift_ = inplace.in_place(maths.bitwise_right_shift)
Tensor.divide_ = inplace.div_
Tensor.true_divide_ = inplace.div_

# ---- reductions ------------------------------------------------------------------
Tensor.sum = reduction.sum
Tensor.mean = reduction.mean
Tensor.max = reduction.max
Tensor.min = reduction.min
Tensor.amax = reduction.amax
Tensor.amin = reduction.amin
Tensor.argmax = reduction.argmax
Tensor.argmin = reduction.argmin
Tensor.var = reduction.var
Tensor.std = reduction.std
Tensor.any = reduction.any
Tensor.all = reduction.all
Tensor.logsumexp = reduction.logsumexp
Tensor.norm = reduction.norm
Tensor.prod = ordering.prod
Tensor.cumsum = ordering.cumsum
Tensor.cumprod = ordering.cumprod
Tensor.sort = ordering.sort
Tensor.argsort = ordering.argsort
Tensor.topk = ordering.topk

# ---- shape -----------------------------------------------------------------------
Tensor.size = shape.size
Tensor.reshape = shape.reshape
Tensor.view = shape.view
Tensor.view_as = shape.view_as
Tensor.reshape_as = shape.reshape_as
Tensor.flatten = shape.flatten
Tensor.permute = shape.permute
Tensor.transpose = shape.transpose
Tensor.swapaxes = shape.transpose
Tensor.swapdims = shape.transpose
Tensor.t = shape.t
Tensor.T = property(shape.T)
Tensor.mT = property(shape.mT)
Tensor.unsqueeze = shape.unsqueeze
Tensor.squeeze = shape.squeeze
Tensor.unflatten = shape.unflatten
Tensor.movedim = shape.movedim
Tensor.moveaxis = shape.movedim
Tensor.expand = shape.expand
Tensor.expand_as = shape.expand_as
Tensor.narrow = shape.narrow
Tensor.select = shape.select
Tensor.split = joining.split
Tensor.chunk = joining.chunk
Tensor.unbind = joining.unbind
Tensor.repeat = rearrange.repeat
Tensor.tile = rearrange.tile
Tensor.flip = rearrange.flip
Tensor.fliplr = rearrange.fliplr
Tensor.flipud = rearrange.flipud
Tensor.roll = rearrange.roll
Tensor.tril = rearrange.tril
Tensor.triu = rearrange.triu

# ---- selecting -------------------------------------------------------------------
Tensor.where = _where
Tensor.masked_fill = indexing.masked_fill
Tensor.masked_fill_ = _masked_fill_
Tensor.nonzero = indexing.nonzero
Tensor.gather = indexing.gather
Tensor.take_along_dim = indexing.take_along_dim
Tensor.index_select = indexing.index_select
Tensor.take = indexing.take
Tensor.scatter = indexing.scatter
Tensor.scatter_ = _scatter_
Tensor.scatter_add = indexing.scatter_add
Tensor.scatter_add_ = _scatter_add_
Tensor.masked_select = indexing.masked_select
Tensor.index_put_ = indexing.index_put_
Tensor.index_put = _index_put

# ---- linear algebra --------------------------------------------------------------
Tensor.matmul = linalg.matmul
Tensor.mm = linalg.mm
Tensor.bmm = linalg.bmm
Tensor.mv = linalg.mv
Tensor.dot = linalg.dot
Tensor.outer = linalg.outer

# ---- devices, dtypes and copies ----------------------------------------------------
Tensor.to = conversion.to
Tensor.cpu = conversion.cpu
Tensor.cuda = conversion.cuda
Tensor.type_as = conversion.type_as
Tensor.float = conversion.float
Tensor.double = conversion.double
Tensor.long = conversion.long
Tensor.int = conversion.int
Tensor.bool = conversion.bool
Tensor.clone = conversion.clone
Tensor.contiguous = conversion.contiguous
Tensor.new_zeros = _new_zeros
Tensor.new_ones = _new_ones
Tensor.new_full = _new_full
Tensor.new_tensor = _new_tensor
