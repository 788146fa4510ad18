"""Products: ``matmul`` (the ``@`` operator) with PyTorch's rules for 1-D
operands and batch broadcasting, ``mm``, ``bmm``, ``mv``, ``dot``, ``outer``
and ``einsum``. Everything is one batched matrix product (``ops.linalg.MatMul``)
plus views, so it runs and differentiates on every backend."""

import string

from .. import _checks
from ..ops import linalg
from ._common import operand, promoted
from .creation import arange
from .indexing import index_select
from .reduction import sum
from .shape import expand, permute, reshape, squeeze, unsqueeze


def matmul(input, other):
    """The matrix product with PyTorch's rules: 1-D @ 1-D is a dot product,
    a 1-D operand is a row (left) or column (right) vector that is removed
    from the result, and batch dimensions broadcast.

    Args:
        input, other: Tensors with at least one dimension; the last
            dimension of ``input`` meets the second-last of ``other``.

    Returns: a Tensor of the promoted dtype."""
    _checks.tensor("matmul", input)
    other = operand("matmul", other, input)
    _checks.tensor("matmul", other, "other")
    _checks.same_device("matmul", input, other, "other")
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes "
                           f"{input.shape} and {other.shape}")
    a = unsqueeze(input, 0) if input.ndim == 1 else input
    b = unsqueeze(other, -1) if other.ndim == 1 else other
    if a.shape[-1] != b.shape[-2]:
        raise RuntimeError(f"matmul: mat1 and mat2 shapes cannot be multiplied "
                           f"({input.shape} and {other.shape})")
    try:
        _checks.broadcast_shapes("matmul", a.shape[:-2], b.shape[:-2])
    except RuntimeError:
        raise RuntimeError(f"matmul: the batch dimensions of {input.shape} and {other.shape} "
                           "cannot be broadcast together") from None
    a, b, _ = promoted("matmul", a, b)
    out = linalg.MatMul.apply(a, b)
    if other.ndim == 1:
        out = squeeze(out, -1)
    if input.ndim == 1:
        out = squeeze(out, -2 if other.ndim > 1 else -1)
    return out


def rmatmul(self, other):
    return matmul(operand("matmul", other, self), self)


def _require_dims(op, name, x, ndim):
    _checks.tensor(op, x, name)
    if x.ndim != ndim:
        raise RuntimeError(f"{op}: {name} must be a {ndim}-D tensor, got shape {x.shape}")


def mm(input, mat2):
    """The product of two matrices: ``input`` (n, m) times ``mat2`` (m, p)
    gives (n, p)."""
    _require_dims("mm", "input", input, 2)
    _require_dims("mm", "mat2", mat2, 2)
    return matmul(input, mat2)


def bmm(input, mat2):
    """Batched products: ``input`` (b, n, m) times ``mat2`` (b, m, p) gives
    (b, n, p)."""
    _require_dims("bmm", "input", input, 3)
    _require_dims("bmm", "mat2", mat2, 3)
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {input.shape} and {mat2.shape}")
    return matmul(input, mat2)


def mv(input, vec):
    """Matrix times vector: ``input`` (n, m) times ``vec`` (m,) gives (n,)."""
    _require_dims("mv", "input", input, 2)
    _require_dims("mv", "vec", vec, 1)
    return matmul(input, vec)


def dot(input, other):
    """The dot product of ``input`` and ``other``, 1-D tensors of equal
    length; a 0-d tensor."""
    _require_dims("dot", "input", input, 1)
    _require_dims("dot", "other", other, 1)
    if input.shape != other.shape:
        raise RuntimeError(f"dot: 1D tensors expected of the same size, but got {input.shape} "
                           f"and {other.shape}")
    return matmul(input, other)


def outer(input, vec2):
    """The outer product of the 1-D tensors ``input`` (n,) and ``vec2`` (m,):
    shape (n, m)."""
    _require_dims("outer", "input", input, 1)
    _require_dims("outer", "vec2", vec2, 1)
    return matmul(unsqueeze(input, 1), unsqueeze(vec2, 0))


# ---- einsum ---------------------------------------------------------------------------------
def einsum(equation, *operands):
    """Einstein summation, as ``torch.einsum``: ``einsum("bij,bjk->bik", a, b)``;
    '...' stands for broadcast dimensions; without '->' the output has the
    labels that appear once, in alphabetical order. Operands are contracted
    pairwise, each pair as one batched matrix product.

    Args:
        equation: the subscripts, e.g. "ij,jk->ik".
        operands: the Tensors, one per comma-separated term (or one list of
            them)."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum: equation must be a str, got {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    operands = _checks.tensor_list("einsum", operands, "operands")
    inputs, output = _parse(equation, operands)
    tensors = []
    for labels, x in zip(inputs, operands):
        x, labels = _diagonal_and_sum(x, labels, output, inputs)
        tensors.append((x, labels))
    x, labels = tensors[0]
    for index in range(1, len(tensors)):
        y, y_labels = tensors[index]
        later = set(output) | {c for _, rest in tensors[index + 1:] for c in rest}
        x, labels = _contract(x, labels, y, y_labels, later)
    # labels still present but not in the output are summed away
    drop = [i for i, c in enumerate(labels) if c not in output]
    if drop:
        x = sum(x, tuple(drop))
        labels = [c for c in labels if c in output]
    if labels != list(output):
        x = permute(x, *[labels.index(c) for c in output])
    return x


def _parse(equation, operands):
    """(input label lists, output label list), '...' replaced by capital letters."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise RuntimeError(f"einsum(): more operands were provided than specified in the "
                           f"equation ({len(operands)} operands, {len(terms)} terms)")
    ellipsis_dims = 0
    for term, x in zip(terms, operands):
        named = len(term.replace("...", ""))
        if "..." in term:
            ellipsis_dims = max(ellipsis_dims, x.ndim - named)
        elif named != x.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) "
                               f"does not match the number of dimensions ({x.ndim}) for "
                               f"operand {terms.index(term)} and no ellipsis was given")
    fill = string.ascii_uppercase[:ellipsis_dims]
    inputs = []
    for term, x in zip(terms, operands):
        if "..." in term:
            own = x.ndim - len(term.replace("...", ""))
            term = term.replace("...", fill[ellipsis_dims - own:])
        for c in term:
            if not c.isalpha():
                raise RuntimeError(f"einsum(): invalid subscript given at index "
                                   f"{term.index(c)} in the equation string")
        inputs.append(list(term))
    if arrow:
        output = list(rhs.replace("...", fill))
    else:
        counts = {}
        for term in inputs:
            for c in term:
                counts[c] = counts.get(c, 0) + 1
        output = list(fill) + sorted(c for c in counts if counts[c] == 1 and c.islower())
    known = {c for term in inputs for c in term}
    for c in output:
        if c not in known:
            raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation "
                               "for any input operand")
    sizes = {}
    for term, x in zip(inputs, operands):
        for c, n in zip(term, x.shape):
            if n != 1 and sizes.get(c, n) not in (1, n):
                raise RuntimeError(f"einsum(): operands do not broadcast with remapped shapes "
                                   f"(subscript {c} has sizes {sizes[c]} and {n})")
            if n != 1 or c not in sizes:
                sizes[c] = n
    return inputs, output


def _diagonal_and_sum(x, labels, output, inputs):
    """Take the diagonal of labels repeated within one operand ("ii->i"), and
    sum labels that appear in no other operand and not in the output."""
    while len(set(labels)) != len(labels):
        c = next(c for c in labels if labels.count(c) > 1)
        first = labels.index(c)
        second = labels.index(c, first + 1)
        x = _diagonal(x, first, second)
        labels = [lab for i, lab in enumerate(labels) if i != second]
    counts = {}
    for term in inputs:
        for c in set(term):
            counts[c] = counts.get(c, 0) + 1
    drop = [i for i, c in enumerate(labels) if c not in output and counts[c] == 1]
    if drop:
        x = sum(x, tuple(drop))
        labels = [c for i, c in enumerate(labels) if i not in drop]
    return x, labels


def _diagonal(x, first, second):
    """The entries with equal indices along dims ``first`` < ``second``, kept
    at ``first``; dim ``second`` is removed."""
    n = x.shape[first]
    if x.shape[second] != n:
        raise RuntimeError(f"einsum(): subscript repeated in one operand with sizes {n} and "
                           f"{x.shape[second]}")
    rest = [d for d in range(x.ndim) if d not in (first, second)]
    moved = permute(x, *rest, first, second)
    flat = reshape(moved, moved.shape[:-2] + (n * n,))
    diagonal = index_select(flat, flat.ndim - 1, arange(0, n * n, n + 1, device=x.device))
    order = list(range(diagonal.ndim - 1))
    order.insert(first, diagonal.ndim - 1)
    return permute(diagonal, *order)


def _contract(x, x_labels, y, y_labels, later):
    """x * y summed over the labels both have and nothing later needs, as one
    batched matmul: (batch, x only, shared) @ (batch, shared, y only)."""
    batch = [c for c in x_labels if c in y_labels and c in later]
    shared = [c for c in x_labels if c in y_labels and c not in later]
    x_only = [c for c in x_labels if c not in y_labels]
    y_only = [c for c in y_labels if c not in x_labels]
    sizes = {c: n for c, n in zip(x_labels, x.shape)}
    for c, n in zip(y_labels, y.shape):
        if sizes.get(c, 1) == 1:
            sizes[c] = n
    x = permute(x, *[x_labels.index(c) for c in batch + x_only + shared])
    y = permute(y, *[y_labels.index(c) for c in batch + shared + y_only])
    x = expand(x, tuple(sizes[c] for c in batch + x_only + shared))
    y = expand(y, tuple(sizes[c] for c in batch + shared + y_only))

    def count(labels):
        total = 1
        for c in labels:
            total *= sizes[c]
        return total

    batch_shape = tuple(sizes[c] for c in batch)
    x = reshape(x, batch_shape + (count(x_only), count(shared)))
    y = reshape(y, batch_shape + (count(shared), count(y_only)))
    out = matmul(x, y)
    out = reshape(out, batch_shape + tuple(sizes[c] for c in x_only + y_only))
    return out, batch + x_only + y_only

