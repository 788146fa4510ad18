"""Matrix products: ``matmul`` (the ``@`` operator) with NumPy's batching."""

from .. import _checks
from ..ops import linalg
from ._common import operand, promoted


def matmul(input, other):
    """The matrix product of two tensors with at least 2 dimensions each,
    batch dimensions broadcast."""
    _checks.tensor("matmul", input)
    other = operand("matmul", other, input)
    _checks.tensor("matmul", other, "other")
    if input.ndim < 2 or other.ndim < 2:
        raise RuntimeError(f"matmul: both operands need at least 2 dimensions here, got "
                           f"shapes {input.shape} and {other.shape}")
    if input.shape[-1] != other.shape[-2]:
        raise RuntimeError(f"matmul: mat1 and mat2 shapes cannot be multiplied "
                           f"({input.shape} and {other.shape})")
    try:
        _checks.broadcast_shapes("matmul", input.shape[:-2], other.shape[:-2])
    except RuntimeError:
        raise RuntimeError(f"matmul: the batch dimensions of {input.shape} and {other.shape} "
                           "cannot be broadcast together") from None
    a, b, _ = promoted("matmul", input, other)
    return linalg.MatMul.apply(a, b)


def rmatmul(self, other):
    return matmul(operand("matmul", other, self), self)


mm = matmul
