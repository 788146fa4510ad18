"""The two devices' kernels are mirrors: the same family files, each with the
same public functions, and backends that delegate method by method."""

import importlib
import inspect

import pytest

from minidl.backend.base import Backend

FAMILIES = ["elementwise", "maths", "reduce", "layout", "matmul", "batchnorm", "im2col", "conv",
            "pooling", "softmax_ce", "optim", "random", "indexing", "scan", "sort"]


def family(device, name):
    return importlib.import_module(f"minidl.kernels.{device}.{name}")


def test_every_primitive_has_one_family_with_the_same_names_on_both_devices():
    pytest.importorskip("numba_cuda", reason="numba-cuda (the 'cuda' extra) is not installed")
    owners = {}
    for name in FAMILIES:
        cpu, cuda = family("cpu", name), family("cuda", name)
        assert cpu.__all__ == cuda.__all__, name
        for primitive in cpu.__all__:
            assert callable(getattr(cpu, primitive)) and callable(getattr(cuda, primitive))
            assert primitive not in owners, (primitive, owners.get(primitive), name)
            owners[primitive] = name
    assert sorted(owners) == sorted(Backend.__abstractmethods__)


def _class_body(module):
    """The source after the class line, without the device's name attribute."""
    lines = inspect.getsource(module).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("class "))
    return [line for line in lines[start + 1:] if not line.startswith("    name = ")]


def test_backend_methods_delegate_to_the_family_function_of_their_name():
    """cpu.py and cuda.py read alike: the same class body, in which each method is
    `return <family>.<name>(...)`."""
    pytest.importorskip("numba_cuda", reason="numba-cuda (the 'cuda' extra) is not installed")
    from minidl.backend import cpu, cuda

    assert _class_body(cpu) == _class_body(cuda)
    source = "\n".join(_class_body(cpu))
    for name in FAMILIES:
        for primitive in family("cpu", name).__all__:
            assert f"return {name}.{primitive}(" in source, primitive
