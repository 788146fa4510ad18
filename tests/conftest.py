"""Shared test fixtures: the devices to run on and a seeded generator.

Tests that take the ``device`` fixture run once per device in
MINIDL_TEST_DEVICES (default "cpu"); CI adds "cuda" under the simulator."""

import os
import sys
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl

# The examples' own helpers (plotting, recorder) are imported by the examples'
# tests as the examples import them: from the examples folder.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

TEST_DEVICES = [d for d in os.environ.get("MINIDL_TEST_DEVICES", "cpu").split(",") if d]


@pytest.fixture(params=TEST_DEVICES)
def device(request):
    return request.param


@pytest.fixture
def rng():
    mdl.manual_seed(0)
    return np.random.default_rng(0)
