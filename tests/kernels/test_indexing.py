"""The indexing family (kernels/<device>/indexing.py): take, put and the range
check, against NumPy, on every tested device.  A failed range check raises at
once on the CPU and at the next read from the device on a GPU."""

import numpy as np
import pytest


class Bad(Exception):
    """The error a check builds from the value it flags."""


def flag(bad):
    return Bad(bad)


def test_take_and_put(call, rng):
    x = rng.standard_normal((3, 4))
    positions = np.array([[0, 11], [5, 5]])
    np.testing.assert_array_equal(call.take(x, positions), x.ravel()[positions])
    out = call.put(x, np.array([1, 1, 2]), np.array([1.0, 2.0, 3.0]), True)
    want = x.ravel().copy()
    want[1] += 3.0
    want[2] += 3.0
    np.testing.assert_allclose(out.ravel(), want)


def settle(backend):
    """Where a device raises a failed check: its next synchronize."""
    backend.synchronize()


def check(backend, values, low, high, skip=None):
    """A range check, settled (the CPU raises in the check, a GPU when settled)."""
    backend.check_range(backend.from_numpy(np.array(values)), low, high, skip, flag)
    settle(backend)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_check_range_passes_values_in_range(backend, dtype):
    values = backend.from_numpy(np.array([0, 3, 7, 7], dtype=dtype))
    backend.check_range(values, 0, 7, None, flag)
    backend.check_range(backend.from_numpy(np.zeros(0, dtype=dtype)), 1, 0, None, flag)
    settle(backend)


@pytest.mark.parametrize("values, low, high, skip, bad", [
    ([0, 9, -2, 4, -5, 12], 0, 7, None, -5),     # below first, the smallest
    ([0, 9, 2, 12], 0, 7, None, 12),             # then above, the largest
    ([0, -100, 3, -100], 0, 7, -100, None),      # skipped values pass
    ([0, -100, 3, -7], 0, 7, -100, -7),
    ([-3, 2], -3, 2, None, None),                # both ends included
])
def test_check_range_flags_the_extreme_bad_value(backend, values, low, high, skip, bad):
    if bad is None:
        check(backend, values, low, high, skip)
        return
    with pytest.raises(Bad) as raised:
        check(backend, values, low, high, skip)
    assert raised.value.args == (bad,)


def test_check_range_of_floats_flags_nan(backend):
    check(backend, np.array([0.0, 0.5, 1.0]), 0.0, 1.0)
    for values, bad in (([0.5, 1.5, -0.25, 2.0], -0.25), ([0.5, 1.5], 1.5)):
        with pytest.raises(Bad) as raised:
            check(backend, np.array(values, np.float32), 0.0, 1.0)
        assert raised.value.args == (bad,)
    with pytest.raises(Bad) as raised:
        check(backend, np.array([0.5, np.nan]), 0.0, 1.0)
    assert np.isnan(raised.value.args[0])


def test_the_first_failed_check_raises_and_none_is_left_behind(backend):
    ok = backend.from_numpy(np.array([1, 2]))
    backend.check_range(ok, 0, 5, None, flag)
    first = backend.from_numpy(np.array([1, 8]))
    if backend.name == "cpu":  # at once
        with pytest.raises(Bad) as raised:
            backend.check_range(first, 0, 5, None, lambda bad: Bad("first", bad))
        assert raised.value.args == ("first", 8)
        return
    backend.check_range(first, 0, 5, None, lambda bad: Bad("first", bad))
    backend.check_range(backend.from_numpy(np.array([7])), 0, 5, None,
                        lambda bad: Bad("second", bad))
    with pytest.raises(Bad) as raised:
        backend.to_numpy(ok)  # any read from the device settles the checks
    assert raised.value.args == ("first", 8)
    np.testing.assert_array_equal(backend.to_numpy(ok), [1, 2])  # nothing left pending


def test_many_pending_checks_are_settled_as_they_fill_the_table(gpu):
    from minidl.kernels.cuda import assertions

    values = gpu.from_numpy(np.array([3]))
    for _ in range(assertions.CAPACITY + 5):
        gpu.check_range(values, 0, 5, None, flag)
    assert len(assertions._pending) == 5
    gpu.check_range(values, 0, 2, None, flag)
    with pytest.raises(Bad):
        gpu.synchronize()
    assert assertions._pending == []
