"""The small ResNet example (examples/resnet_fashion.py): its blocks' shapes
and shortcuts, and its --quick run end to end in a child process on the real
Fashion-MNIST files (skipped without MINIDL_DATA)."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl
from minidl import nn

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "resnet_fashion.py"


def load_example():
    spec = importlib.util.spec_from_file_location("resnet_fashion_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fashion_available():
    root = os.environ.get("MINIDL_DATA")
    return root is not None and (
        Path(root) / "fashion-mnist" / "train-images-idx3-ubyte.gz").exists()


def test_block_keeps_the_shape_with_an_identity_shortcut():
    example = load_example()
    mdl.manual_seed(0)
    block = example.BasicBlock(8, 8, stride=1)
    assert isinstance(block.shortcut, nn.Identity)
    x = mdl.randn(2, 8, 6, 6)
    assert block(x).shape == (2, 8, 6, 6)


def test_block_projects_the_shortcut_when_the_shape_changes():
    example = load_example()
    mdl.manual_seed(0)
    block = example.BasicBlock(8, 16, stride=2)
    conv, norm = block.shortcut[0], block.shortcut[1]
    assert isinstance(conv, nn.Conv2d) and isinstance(norm, nn.BatchNorm2d)
    assert conv.kernel_size == (1, 1) and conv.stride == (2, 2) and conv.bias is None
    x = mdl.randn(2, 8, 7, 7)
    assert block(x).shape == (2, 16, 4, 4)


def test_block_adds_the_shortcut_before_the_last_relu():
    # With the residual branch's last batch norm scaled to zero, the block is
    # ReLU(shortcut(x)): ReLU(x) for the identity.
    example = load_example()
    mdl.manual_seed(0)
    block = example.BasicBlock(4, 4)
    with mdl.no_grad():
        block.bn2.weight.zero_()
    x = mdl.randn(3, 4, 5, 5)
    np.testing.assert_allclose(block(x).numpy(), np.maximum(x.numpy(), 0), atol=1e-6)


def test_resnet_layout_and_output():
    example = load_example()
    mdl.manual_seed(0)
    model = example.ResNet()
    strides = [block.conv1.stride for block in model.blocks]
    assert strides == [(1, 1), (2, 2), (2, 2)]
    assert [block.conv2.out_channels for block in model.blocks] == [16, 32, 64]
    assert model.fc.in_features == 64 and model.fc.out_features == 10
    assert sum(p.numel() for p in model.parameters()) == 77754
    logits = model(mdl.randn(2, 1, 28, 28))
    assert logits.shape == (2, 10)
    logits.sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    deeper = example.ResNet(blocks_per_stage=2)
    assert len(deeper.blocks) == 6


def test_bad_arguments_are_refused(capsys):
    example = load_example()
    for argv in (["--epochs", "0"], ["--workers", "-1"], ["--train-size", "0"]):
        with pytest.raises(SystemExit):
            example.parse_args(argv)
    assert "must be" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(not fashion_available(), reason="MINIDL_DATA does not point at "
                    "Fashion-MNIST (CI sets MINIDL_DATA=../shared/data)")
def test_quick_run_writes_everything(tmp_path):
    out = tmp_path / "run"
    env = dict(os.environ, MINIDL_DATA=str(Path(os.environ["MINIDL_DATA"]).resolve()))
    env.pop("NUMBA_ENABLE_CUDASIM", None)  # the CPU run must not train on the simulator
    done = subprocess.run([sys.executable, str(EXAMPLE), "--quick", "--out", str(out)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "final test accuracy" in done.stdout
    results = json.loads((out / "results.json").read_text())
    assert results["config"]["quick"] is True
    assert results["train_images"] == 512 and results["test_images"] == 500
    assert results["data"]["split_name"] in ("official", "npm-1.1.0")
    [record] = results["history"]
    assert np.isfinite(record["train_loss"]) and np.isfinite(record["test_loss"])
    assert record["test_accuracy"] > 0.2  # 16 steps from chance (0.1)
    report = (out / "report.md").read_text()
    assert results["data"]["split_name"] in report and "Wall time" in report
    pytest.importorskip("matplotlib")
    assert (out / "curve.png").stat().st_size > 0
