"""PyTorch's own MNIST example (examples/pytorch_mnist/main.py, from the
pytorch/examples repository) runs on minidl with only its import lines changed.

The runs read MNIST through MINIDL_DATA (the script asks for ../data, where
nothing is downloaded then) and skip without it."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import minidl.nn.functional as F

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pytorch_mnist" / "main.py"
IMPORTS = [
    "import argparse",
    "import minidl as torch",
    "import minidl.nn as nn",
    "import minidl.nn.functional as F",
    "import minidl.optim as optim",
    "from minidl.vision import datasets, transforms",
    "from minidl.optim.lr_scheduler import StepLR",
]
# The example with an accelerator: its loaders then use a worker process each,
# persistent workers, pin_memory and shuffling. Here the "accelerator" is the CPU.
ACCELERATOR_PATH = """
import runpy, sys
import minidl
minidl.accelerator.is_available = lambda: True
minidl.accelerator.current_accelerator = lambda check_available=False: minidl.device("cpu")
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_only_the_import_lines_are_changed():
    lines = EXAMPLE.read_text().splitlines()
    assert lines[:len(IMPORTS)] == IMPORTS
    assert not any("minidl" in line for line in lines[len(IMPORTS):])
    assert (EXAMPLE.parent / "LICENSE").read_text().startswith("BSD 3-Clause License")


@pytest.mark.slow
@pytest.mark.parametrize("path", ["cpu", "accelerator"])
def test_dry_run(tmp_path, path):
    if not hasattr(F, "nll_loss"):
        pytest.skip("the example needs minidl.nn.functional.nll_loss, not in minidl yet")
    data = os.environ.get("MINIDL_DATA")
    if not data or not (Path(data) / "mnist").is_dir():
        pytest.skip("MINIDL_DATA is not set (CI sets MINIDL_DATA=../shared/data)")
    work = tmp_path / "work"
    work.mkdir()
    env = dict(os.environ, MINIDL_DATA=str(Path(data).resolve()))
    env.pop("NUMBA_ENABLE_CUDASIM", None)  # the CPU path must not train on the simulator
    if path == "cpu":
        command = [sys.executable, str(EXAMPLE), "--dry-run", "--epochs", "1", "--no-accel"]
    else:
        command = [sys.executable, "-c", ACCELERATOR_PATH, str(EXAMPLE), "--dry-run",
                   "--epochs", "1"]
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True,
                          timeout=1800)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "Train Epoch: 1 [0/60000 (0%)]" in out
    test_line = re.search(r"Test set: Average loss: (\d+\.\d+), Accuracy: (\d+)/10000", out)
    assert test_line, out
    assert float(test_line.group(1)) < 2.31  # one step cannot do much, but it is a step
    assert not (tmp_path / "data").exists()  # found through MINIDL_DATA: no download
