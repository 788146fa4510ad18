"""Inception building blocks: shapes, channel counts, parameter budget,
gradients of a tiny module, and the --quick run of the experiment."""

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl
from minidl import nn
from minidl.models import InceptionModule, SmallInception, count_parameters

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "inception_bn.py"


@pytest.mark.parametrize("bn", [False, True])
def test_module_output_shape_and_channels(bn, device):
    module = InceptionModule(8, 4, (3, 6), (2, 5), 3, bn=bn).to(device)
    assert module.out_channels == 4 + 6 + 5 + 3
    out = module(mdl.randn(2, 8, 7, 5, device=device))
    assert out.shape == (2, 18, 7, 5)
    convs = [m for m in module.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 7  # 1 + 2 + 3 + 1 across the four branches
    # BN before every nonlinearity drops the convolution's bias
    assert all((c.bias is None) == bn for c in convs)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in module.modules()) == (7 if bn else 0)


def test_sigmoid_activation_and_bad_name():
    module = InceptionModule(2, 1, (1, 1), (1, 1), 1, activation="sigmoid")
    assert sum(isinstance(m, nn.Sigmoid) for m in module.modules()) == 7
    with pytest.raises(ValueError, match="activation"):
        InceptionModule(2, 1, (1, 1), (1, 1), 1, activation="gelu")


@pytest.mark.parametrize("bn", [False, True])
def test_small_network_shapes_and_size(bn, device):
    model = SmallInception(bn=bn, dropout=0.2).to(device)
    assert 20_000 <= count_parameters(model) <= 200_000
    assert model(mdl.randn(3, 1, 28, 28, device=device)).shape == (3, 10)


@pytest.mark.parametrize("bn", [False, True])
def test_gradcheck_tiny_module(bn, device):
    mdl.manual_seed(0)
    module = InceptionModule(2, 1, (1, 2), (1, 1), 1, bn=bn).to(device).double()
    x = mdl.tensor(np.random.default_rng(0).standard_normal((3, 2, 3, 3)), dtype=mdl.float64,
                   device=device, requires_grad=True)
    params = list(module.parameters())
    assert mdl.gradcheck(lambda inp, *_: module(inp), x, *params)


@pytest.mark.slow
def test_quick_run_writes_every_output(tmp_path):
    root = os.environ.get("MINIDL_DATA")
    if not root or not (Path(root) / "fashion-mnist").exists():
        pytest.skip("MINIDL_DATA does not point at Fashion-MNIST")
    spec = importlib.util.spec_from_file_location("inception_bn_example", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    out = tmp_path / "quick"
    example.main(["--quick", "--out", str(out), "--no-progress"])
    for name in ("results.json", "report.md", "accuracy.png"):
        assert (out / name).stat().st_size > 0
    results = json.loads((out / "results.json").read_text())
    variants = ["inception", "bn-baseline", "bn-x5", "bn-x30", "bn-x5-sigmoid", "sigmoid"]
    for name in variants:
        assert [r["step"] for r in results[name]["accuracy"]] == [15, 30]
        assert {"lr", "bn", "activation", "dropout", "weight_decay"} <= set(
            results[name]["config"])
    base = results["inception"]["config"]
    x5 = results["bn-x5"]["config"]
    assert x5["lr"] == pytest.approx(5 * base["lr"])
    assert x5["dropout"] == 0 and x5["weight_decay"] == pytest.approx(base["weight_decay"] / 5)
    assert results["bn-x30"]["config"]["lr"] == pytest.approx(30 * base["lr"])
    assert results["bn-x5-sigmoid"]["config"]["activation"] == "sigmoid"
    report = (out / "report.md").read_text()
    assert all(f"| {name}" in report for name in variants)


def spy_on_restore(monkeypatch):
    """The steps of the checkpoints that training resumes from."""
    from minidl import checkpoint

    steps = []
    original = checkpoint.restore_checkpoint

    def restore(state, **kwargs):
        steps.append(state["step"])
        return original(state, **kwargs)

    monkeypatch.setattr(checkpoint, "restore_checkpoint", restore)
    return steps


@pytest.mark.slow
def test_quick_run_resumes_from_a_checkpoint(tmp_path, monkeypatch):
    root = os.environ.get("MINIDL_DATA")
    if not root or not (Path(root) / "fashion-mnist").exists():
        pytest.skip("MINIDL_DATA does not point at Fashion-MNIST")
    spec = importlib.util.spec_from_file_location("inception_bn_example", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    monkeypatch.setattr(example, "plot_accuracy", lambda *args, **kwargs: True)
    out = tmp_path / "quick"
    argv = ["--quick", "--variants", "inception", "--checkpoint-every", "10", "--out", str(out),
            "--no-progress"]
    first = example.main(argv)
    checkpoint = out / "checkpoint_inception.npz"
    # As if the run had been killed after step 20: only that checkpoint is left.
    os.replace(out / "checkpoint_inception.prev.npz", checkpoint)
    restored = spy_on_restore(monkeypatch)
    resumed = example.main(argv + ["--resume"])
    assert restored == [20]
    assert resumed["inception"]["accuracy"] == first["inception"]["accuracy"]
    assert [r["step"] for r in resumed["inception"]["accuracy"]] == [15, 30]
    lines = [json.loads(line) for line in (out / "metrics_inception.jsonl").open()]
    assert [r["step"] for r in lines] == [15, 30]
