"""trace(): the printed backward steps, their order, shapes and gradient
norms, and how trace contexts nest around the engine's observer hook."""

import io

import numpy as np
import pytest

import minidl as mdl
from minidl import autograd
from minidl.tools.tracing import Trace, trace


def t64(values, device="cpu", name=None):
    tensor = mdl.tensor(values, dtype=mdl.float64, requires_grad=True, device=device)
    tensor.name = name
    return tensor


def test_trace_is_exported_from_tools():
    assert isinstance(mdl.tools.trace(), Trace)


def test_steps_follow_reverse_topological_order_with_shapes_and_norms(device):
    x = t64([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]], device)
    w = t64([0.5, -1.0, 2.0], device)
    loss = (x * w).tanh().sum()
    out = io.StringIO()
    with mdl.tools.trace(file=out) as steps:
        loss.backward()

    assert [s.op for s in steps.steps] == ["Sum", "Tanh", "Mul"]
    assert [s.number for s in steps.steps] == [1, 2, 3]
    total, tanh, mul = steps.steps
    assert total.output_shape == () and total.grad_norm == pytest.approx(1.0)
    # d sum / d input is all ones: norm sqrt(6); Sum's axis arguments are not inputs
    assert [(i.index, i.shape) for i in total.inputs] == [(0, (2, 3))]
    assert total.inputs[0].grad_norm == pytest.approx(np.sqrt(6))
    # the chain rule: what one step sends to its input is what the next step receives
    assert tanh.grad_norm == pytest.approx(total.inputs[0].grad_norm)
    assert mul.grad_norm == pytest.approx(tanh.inputs[0].grad_norm)
    assert [i.shape for i in mul.inputs] == [(2, 3), (3,)]
    np.testing.assert_allclose(mul.inputs[0].grad_norm, np.linalg.norm(x.grad.numpy()))
    np.testing.assert_allclose(mul.inputs[1].grad_norm, np.linalg.norm(w.grad.numpy()))

    text = out.getvalue()
    assert text.index("step 1: Sum") < text.index("step 2: Tanh") < text.index("step 3: Mul")
    assert "shape (2, 3)" in text and "shape (3,)" in text and "norm 1\n" in text
    assert text == "\n".join(s.format() for s in steps.steps) + "\n"


def test_input_without_grad_is_marked(device):
    x = t64([1.0, 2.0], device)
    data = mdl.tensor([3.0, 4.0], dtype=mdl.float64, device=device)
    out = io.StringIO()
    with trace(out) as recorded:
        (x * data).sum().backward()
    mul = recorded.steps[-1]
    assert mul.inputs[1].grad_norm is None
    assert "no grad" in out.getvalue()


def test_prints_to_stdout_by_default(capsys):
    x = t64([2.0])
    with trace():
        (x * x).sum().backward()
    printed = capsys.readouterr().out
    assert "step 1: Sum" in printed and "step 2: Mul" in printed


def test_nesting_registers_and_removes_observers():
    assert not autograd._observers
    x = t64([1.0, 2.0])
    sink = io.StringIO()
    with trace(sink) as outer:
        assert autograd._observers == [outer]
        with trace(sink) as inner:
            (x * 3.0).sum().backward()
        assert autograd._observers == [outer]
        (x * 2.0).sum().backward()
    assert not autograd._observers
    assert [s.op for s in inner.steps] == ["Sum", "Mul"]
    # the outer trace saw the inner backward too, then its own
    assert [s.op for s in outer.steps] == ["Sum", "Mul", "Sum", "Mul"]


def test_observer_restored_after_an_error():
    x = t64([1.0])
    with pytest.raises(ZeroDivisionError):
        with trace(io.StringIO()):
            (x * x).sum().backward()
            raise ZeroDivisionError
    assert not autograd._observers


def test_reentering_one_trace_and_bad_file_are_errors():
    recorder = trace(io.StringIO())
    with recorder:
        with pytest.raises(RuntimeError, match="already active"):
            recorder.__enter__()
    with pytest.raises(TypeError, match="write"):
        trace(file="trace.txt")
