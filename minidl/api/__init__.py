"""The public tensor functions: ``mdl.add``, ``mdl.sum``, ``mdl.cat``, ... and,
bound to the class in ``minidl/tensor_methods.py``, the Tensor methods of the
same names.

Each function is a public entry point: it checks its arguments once (with
``minidl._checks``), applies PyTorch's rules (dimension arguments, type
promotion, return types) and calls one differentiable op from ``minidl.ops``.
Nothing here touches tensor data directly.
"""
