"""Parameter: a tensor that a Module registers as learnable."""

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad and is found by Module.parameters()."""

    def __init__(self, data, requires_grad=True):
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter: expected a Tensor, got {type(data).__name__}")
        self._init(data.data, data.device)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
