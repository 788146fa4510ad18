"""An op-level profiler: time per autograd op (forward and backward) and per
backend primitive (the kernels), to find what to speed up.

    with mdl.profile() as p:
        train_step()
    print(p.table())

or run any script with ``MINIDL_PROFILE=1`` to get the table on stderr when
it exits. Ops are timed through an ``autograd.Observer``; primitives through
``minidl.backend.instrumented``, which wraps the backend methods only while a
profile is active, so nothing costs anything otherwise.

The first call of each op or primitive is reported apart ("first call"): it
includes loading or compiling the Numba kernel, which would otherwise swamp
the steady-state mean. Op times include the primitives they call. On CUDA,
kernel launches are asynchronous, so primitive times there are launch times
unless the primitive synchronises.
"""

import atexit
import os
import sys
import time
from collections import defaultdict

from .. import autograd
from ..backend import instrumented


class _Stat:
    __slots__ = ("calls", "seconds", "first")

    def __init__(self):
        self.calls = 0
        self.seconds = 0.0  # every call but the first
        self.first = None   # seconds of the first call

    def add(self, seconds):
        self.calls += 1
        if self.first is None:
            self.first = seconds
        else:
            self.seconds += seconds


class _OpTimer(autograd.Observer):
    """Times each Function's forward and each node's backward."""

    def __init__(self, stats):
        self._stats = stats
        self._starts = []

    def before_forward(self, function):
        self._starts.append(time.perf_counter())

    def after_forward(self, function, args, kwargs, output, node):
        self._stats[("op", f"{function.__name__}.forward")].add(
            time.perf_counter() - self._starts.pop())

    def before_backward(self, node):
        self._starts.append(time.perf_counter())

    def after_backward(self, node, grads, input_grads):
        self._stats[("op", f"{node.op_name}.backward")].add(
            time.perf_counter() - self._starts.pop())


class Profile:
    """Collects calls and seconds per op phase and per primitive."""

    def __init__(self):
        self.stats = defaultdict(_Stat)
        self.wall = 0.0
        self._handle = None
        self._instrumentation = None
        self._started = None

    def _record_primitive(self, name, seconds):
        self.stats[("primitive", name)].add(seconds)

    def __enter__(self):
        if self._handle is not None:
            raise RuntimeError("profile: this profile is already active")
        self._handle = autograd.add_observer(_OpTimer(self.stats))
        self._instrumentation = instrumented(self._record_primitive)
        self._instrumentation.__enter__()
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall += time.perf_counter() - self._started
        self._instrumentation.__exit__(*exc)
        self._handle.remove()
        self._handle = None
        return False

    # ---- reporting --------------------------------------------------------------
    def table(self, limit=25):
        """Ops and primitives, most steady-state time first, as Markdown tables.

        "first call ms" is each one's first call alone (kernel loading or
        compilation happens there); "total ms" and "mean us" cover the other
        calls."""
        first_total = sum(s.first or 0.0 for k, s in self.stats.items() if k[0] == "op")
        lines = [f"profiled wall time: {1000 * self.wall:.1f} ms, of which first calls of "
                 f"ops {1000 * first_total:.1f} ms (op times include the primitives they "
                 "call)"]
        for kind, title in (("op", "autograd op"), ("primitive", "backend primitive")):
            rows = sorted(((k[1], s) for k, s in self.stats.items() if k[0] == kind),
                          key=lambda item: -item[1].seconds)
            total = sum(s.seconds for _, s in rows)
            lines += ["", f"| {title} | calls | total ms | mean us | share | first call ms |",
                      "|---|---|---|---|---|---|"]
            for name, stat in rows[:limit]:
                later = stat.calls - 1
                mean = 1e6 * stat.seconds / later if later else float("nan")
                share = stat.seconds / total if total else 0.0
                lines.append(f"| {name} | {stat.calls} | {1000 * stat.seconds:.2f} | "
                             f"{mean:.1f} | {share:.1%} | {1000 * (stat.first or 0):.2f} |")
        return "\n".join(lines)


def profile():
    """A context manager that profiles the ops and primitives run inside it."""
    return Profile()


def _profile_whole_process():
    session = Profile().__enter__()

    def report():
        session.__exit__(None, None, None)
        print(session.table(), file=sys.stderr)

    atexit.register(report)


if os.environ.get("MINIDL_PROFILE"):
    _profile_whole_process()
