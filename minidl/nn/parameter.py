"""Parameter: a tensor that a Module registers as learnable."""

from ..api import creation
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad (by default) and that ``Module``
    registers when assigned as an attribute, so ``parameters()``,
    ``state_dict()`` and ``to()`` find it.

    Args:
        data: the initial values (a Tensor, whose storage is shared); None
            gives an empty float tensor.
        requires_grad: whether the parameter takes part in autograd.
            Default: True.
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = creation.empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter: expected a Tensor, got {type(data).__name__}")
        self._init(data._data, data.device)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
