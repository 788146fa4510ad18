"""The PyTorch methods and operators of ``Tensor``, one line each.

Every method is the public function of the same name in ``minidl.api``
(``x.exp()`` is ``mdl.exp(x)``); this table binds them to the class, so the
class itself (``minidl/tensor.py``) stays at the bottom of the import graph
and each method has one definition. ``grep "Tensor.exp ="`` finds a method.
"""

from . import autograd
from .api import (conversion, creation, indexing, inplace, joining, linalg, ordering, pointwise,
                  rearrange, reduction, shape)
from .nn import functional
from .tensor import Tensor


def _backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradient of this tensor into the leaves' ``.grad``
    (``gradient`` seeds it; ones for a one-element tensor)."""
    autograd.backward(self, gradient, retain_graph, create_graph, inputs)


def _where(self, condition, other):
    """``self`` where ``condition`` holds, else ``other`` (PyTorch's Tensor.where)."""
    return indexing.where(condition, self, other)


def _masked_fill_(self, mask, value):
    """``masked_fill`` in place."""
    return inplace.update("masked_fill_", self, indexing.masked_fill, mask, value)


def _scatter_(self, dim, index, src=None, *, value=None):
    """``scatter`` in place."""
    return inplace.update("scatter_", self,
                          lambda s: indexing.scatter(s, dim, index, src, value=value))


def _scatter_add_(self, dim, index, src):
    """``scatter_add`` in place."""
    return inplace.update("scatter_add_", self,
                          lambda s: indexing.scatter_add(s, dim, index, src))


def _index_put(self, indices, values, accumulate=False):
    """``index_put_`` on a copy."""
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
Tensor.div = pointwise.div
Tensor.divide = pointwise.div
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
