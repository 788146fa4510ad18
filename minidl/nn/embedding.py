"""Embedding: a lookup table of learned vectors, one row per index, with
PyTorch's arguments (``padding_idx``, ``max_norm``, ``scale_grad_by_freq``),
initialisation N(0, 1) and ``from_pretrained``."""

from .. import _checks
from ..api import creation
from ..autograd import no_grad
from ..tensor import Tensor
from . import functional as F
from . import init
from .functional_embedding import padding_index
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """A (num_embeddings, embedding_dim) table; ``forward(input)`` returns the
    rows at the integer indices in ``input``.

    Args:
        num_embeddings: V, the size of the table.
        embedding_dim: D, the size of each vector.
        padding_idx: a row that gets no gradient and is initialised to zeros
            (negative counts from the end). Default: None.
        max_norm: renormalise looked-up rows whose norm exceeds it, in place.
            Default: None.
        norm_type: the p of that norm. Default: 2.0.
        scale_grad_by_freq: divide each row's gradient by its frequency in the
            batch. Default: False.
        sparse: sparse gradients are not supported (NotImplementedError).
        _weight: a (V, D) float Tensor to use as the table instead of a new
            one (as PyTorch's, for ``from_pretrained``). Default: None.
        _freeze: make the table not require grad. Default: False.
        device, dtype: where and in which float dtype to create the table.

    Shape: input (*) integers in [0, V); output (*, D).

    Attributes:
        weight: (V, D), initialised N(0, 1) (the padding row zero).
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__()
        op = "Embedding"
        self.num_embeddings = _checks.positive_int(op, "num_embeddings", num_embeddings)
        self.embedding_dim = _checks.positive_int(op, "embedding_dim", embedding_dim)
        self.padding_idx = padding_index(op, padding_idx, num_embeddings)
        self.max_norm = None if max_norm is None else _checks.real(op, "max_norm", max_norm, 0)
        self.norm_type = _checks.real(op, "norm_type", norm_type)
        self.scale_grad_by_freq = _checks.boolean(op, "scale_grad_by_freq", scale_grad_by_freq)
        if _checks.boolean(op, "sparse", sparse):
            raise NotImplementedError(f"{op}: sparse gradients are not supported in minidl; "
                                      "use sparse=False")
        self.sparse = False
        if _weight is None:
            dtype = _checks.float_dtype(op, dtype)
            self.weight = Parameter(creation.empty(num_embeddings, embedding_dim, device=device,
                                                   dtype=dtype), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            _checks.float_tensor(op, _weight, "_weight")
            if _weight.shape != (num_embeddings, embedding_dim):
                raise ValueError(f"{op}: Shape of weight does not match num_embeddings and "
                                 f"embedding_dim, got {_weight.shape}")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self):
        """Draw the table from N(0, 1) and zero the padding row."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self):
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm,
                           self.norm_type, self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        return text

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding whose table is ``embeddings`` (a 2-D float Tensor, whose
        storage the table shares); ``freeze`` (default True) keeps it out of
        training (``weight.requires_grad`` False). The other arguments,
        ``padding_idx``, ``max_norm``, ``norm_type``, ``scale_grad_by_freq``
        and ``sparse``, are the constructor's; the padding row is left as
        given."""
        if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be a 2-D Tensor, "
                             f"got {getattr(embeddings, 'shape', type(embeddings).__name__)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, _weight=embeddings, _freeze=_checks.boolean(
            "Embedding.from_pretrained", "freeze", freeze), padding_idx=padding_idx,
            max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse)
