"""Devices: the device class, one backend per device however it is named, and
the MINIDL_DEVICE flag's errors naming the variable."""

import os
import subprocess
import sys

import pytest

import minidl as mdl
from minidl.backend import get_backend


def test_device_objects_are_canonical():
    assert mdl.device("cpu") == "cpu" and mdl.device("CPU") is mdl.device("cpu")
    assert repr(mdl.device("cpu")) == "device(type='cpu')"
    assert mdl.device("cuda:0").type == "cuda" and mdl.device("cuda").index == 0
    assert mdl.zeros(2).device is mdl.device("cpu")
    with pytest.raises(ValueError, match="unknown device 'cuda:1'"):
        mdl.device("cuda:1")


def test_one_backend_per_device_however_named():
    assert get_backend(None) is get_backend("cpu") is get_backend("CPU") \
        is get_backend(mdl.device("cpu"))


@pytest.mark.slow
def test_a_bad_minidl_device_names_the_variable(tmp_path):
    env = dict(os.environ, MINIDL_DEVICE="gpu")
    done = subprocess.run([sys.executable, "-c", "import minidl"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode != 0
    assert "MINIDL_DEVICE" in done.stderr and "'gpu'" in done.stderr


def test_cuda_is_available_is_a_bool():
    assert isinstance(mdl.cuda.is_available(), bool)
