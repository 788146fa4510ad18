"""viz: DOT text of the recorded graph (nodes, labels, edge direction,
gradient norms, freed graphs) and draw() with and without Graphviz."""

import importlib.util
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl
from minidl import nn, viz

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "autograd_tour.py"
NODE = re.compile(r'^\s+(t\d+) \[label="([^"]*)"', re.MULTILINE)
EDGE = re.compile(r"^\s+(t\d+) -> (t\d+);", re.MULTILINE)


def parse(dot):
    """({node id: label lines}, [(source, target)]) of a to_dot result."""
    nodes = {key: label.split("\\n") for key, label in NODE.findall(dot)}
    return nodes, EDGE.findall(dot)


def by_title(nodes):
    return {lines[0]: key for key, lines in nodes.items()}


def expression(device="cpu"):
    x = mdl.tensor([1.0, -2.0, 3.0], dtype=mdl.float64, requires_grad=True, device=device)
    w = mdl.tensor([0.5, 1.0, -1.0], dtype=mdl.float64, requires_grad=True, device=device)
    x.name, w.name = "x", "w"
    return x, w, (x * w + 1.0).tanh().sum()


def test_nodes_labels_and_edges(device):
    x, w, loss = expression(device)
    dot = viz.to_dot(loss)
    assert dot.startswith("digraph minidl {") and dot.rstrip().endswith("}")
    nodes, edges = parse(dot)
    assert len(nodes) == 6  # x, w and the ops Mul, Add, Tanh, Sum
    titles = by_title(nodes)
    assert set(titles) == {"x", "w", "Mul", "Add", "Tanh", "Sum"}
    assert nodes[titles["Mul"]][1] == f"(3,) float64 {device}"
    assert nodes[titles["Sum"]][1] == f"() float64 {device}"
    # data flows from the inputs to the op that used them, ending at the root
    expected = {("x", "Mul"), ("w", "Mul"), ("Mul", "Add"), ("Add", "Tanh"), ("Tanh", "Sum")}
    assert {(nodes[a][0], nodes[b][0]) for a, b in edges} == expected
    # node ids are numbered inputs first
    order = [nodes[key][0] for key in sorted(nodes, key=lambda k: int(k[1:]))]
    assert order.index("Mul") < order.index("Add") < order.index("Tanh") < order.index("Sum")


def test_a_tensor_used_twice_gets_two_edges():
    x = mdl.tensor([2.0], requires_grad=True)
    nodes, edges = parse(viz.to_dot(x * x))
    assert len(nodes) == 2 and len(edges) == 2 and edges[0] == edges[1]


def test_parameter_names_from_params_and_plain_inputs():
    mdl.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    loss = model(mdl.randn(5, 3)).mean()
    for params in (dict(model.named_parameters()), model):
        nodes, _ = parse(viz.to_dot(loss, params=params))
        titles = by_title(nodes)
        for name in ("0.weight", "0.bias", "2.weight", "2.bias", "input"):
            assert name in titles
        assert nodes[titles["0.weight"]][1] == "(4, 3) float32 cpu"
    nodes, _ = parse(viz.to_dot(loss))
    assert sum(lines[0] == "leaf" for lines in nodes.values()) == 4


def test_show_grads_on_leaves_and_recorded_ops():
    x, w, loss = expression()
    with viz.record_grads() as grads:
        loss.backward(retain_graph=True)
    nodes, _ = parse(viz.to_dot(loss, show_grads=True, grads=grads))
    titles = by_title(nodes)
    assert nodes[titles["x"]][2] == f"grad norm {np.linalg.norm(x.grad.numpy()):.4g}"
    assert nodes[titles["Sum"]][2] == "grad norm 1"
    assert nodes[titles["Tanh"]][2] == f"grad norm {np.sqrt(3):.4g}"
    assert all(len(lines) == 3 for lines in nodes.values())
    # without a record only the leaves carry norms
    nodes, _ = parse(viz.to_dot(loss, show_grads=True))
    assert {lines[0] for lines in nodes.values() if len(lines) == 3} == {"x", "w"}
    # and without show_grads nobody does
    nodes, _ = parse(viz.to_dot(loss))
    assert all(len(lines) == 2 for lines in nodes.values())


def test_freed_graph_is_a_clear_error():
    _, _, loss = expression()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        viz.to_dot(loss)


def test_argument_errors():
    _, _, loss = expression()
    with pytest.raises(TypeError, match="Tensor"):
        viz.to_dot(np.zeros(3))
    with pytest.raises(TypeError, match="params"):
        viz.to_dot(loss, params=[1, 2])
    with pytest.raises(TypeError, match="str names"):
        viz.to_dot(loss, params={"w": 3})
    with pytest.raises(TypeError, match="record_grads"):
        viz.to_dot(loss, show_grads=True, grads={})
    with pytest.raises(ValueError, match="show_grads"):
        viz.to_dot(loss, grads=viz.record_grads())
    with pytest.raises(ValueError, match="suffix"):
        viz.draw(loss, "graph.jpg")


def test_draw_without_dot_writes_the_dot_file(tmp_path, monkeypatch, capsys):
    _, _, loss = expression()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    written = viz.draw(loss, tmp_path / "graph.svg")
    assert written == tmp_path / "graph.dot"
    assert written.read_text() == viz.to_dot(loss)
    assert not (tmp_path / "graph.svg").exists()
    message = capsys.readouterr().out
    assert message.count("\n") == 1
    assert "apt-get install graphviz" in message and "brew install graphviz" in message


def test_draw_dot_suffix_writes_text(tmp_path):
    _, _, loss = expression()
    assert viz.draw(loss, tmp_path / "g.dot").read_text().startswith("digraph")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_draw_renders_svg_with_dot(tmp_path):
    _, _, loss = expression()
    path = viz.draw(loss, tmp_path / "graph.svg")
    assert path == tmp_path / "graph.svg" and "<svg" in path.read_text()


def test_autograd_tour_example_runs(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("autograd_tour_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--out", str(tmp_path / "tour")])
    written = list((tmp_path / "tour").iterdir())
    assert {p.name for p in written} & {"graph.svg", "graph.dot"}
    printed = capsys.readouterr().out
    assert "step 1: Sum" in printed and "gradcheck" in printed
