"""The conformance suite compares minidl with PyTorch itself; it is skipped
where PyTorch is not installed (it is a test-time reference only)."""

import pytest

pytest.importorskip("torch", reason="the conformance suite needs PyTorch (pip install torch)")
