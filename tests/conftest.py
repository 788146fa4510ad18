"""Shared test fixtures: the devices to run on and a seeded generator.

Tests that take the ``device`` fixture run once per device in
MINIDL_TEST_DEVICES (default "cpu"); CI adds "cuda" under the simulator."""

import os

import numpy as np
import pytest

import minidl as mdl

TEST_DEVICES = [d for d in os.environ.get("MINIDL_TEST_DEVICES", "cpu").split(",") if d]


@pytest.fixture(params=TEST_DEVICES)
def device(request):
    return request.param


@pytest.fixture
def rng():
    mdl.manual_seed(0)
    return np.random.default_rng(0)
