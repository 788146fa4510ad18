"""An op-level profiler: time per autograd op (forward and backward) and per
backend primitive (the kernels), to find what to speed up.

    with mdl.profile() as p:
        train_step()
    print(p.table())

or run any script with ``MINIDL_PROFILE=1`` to get the table on stderr when
it exits. While a profile is active, every Function's forward and backward
and every Backend method are wrapped with a timer; nothing is wrapped, and
nothing costs anything, otherwise. Op times include the primitives they
call. On CUDA, kernel launches are asynchronous, so primitive times there
are launch times unless the primitive synchronises.
"""

import atexit
import os
import sys
import time
from collections import defaultdict

from .autograd import Function
from .backend.base import Backend


def _all_subclasses(cls):
    found, stack = [], [cls]
    while stack:
        for sub in stack.pop().__subclasses__():
            found.append(sub)
            stack.append(sub)
    return found


class Profile:
    """Collects (calls, seconds) per op phase and per primitive."""

    def __init__(self):
        self.stats = defaultdict(lambda: [0, 0.0])
        self._patched = []
        self._started = None
        self.wall = 0.0

    # ---- patching ---------------------------------------------------------
    def _timed(self, key, fn):
        stats = self.stats
        clock = time.perf_counter

        def timed(*args, **kwargs):
            start = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                entry = stats[key]
                entry[0] += 1
                entry[1] += clock() - start

        timed.__wrapped__ = fn
        return timed

    def __enter__(self):
        if self._patched:
            raise RuntimeError("profile: this profile is already active")
        for cls in _all_subclasses(Function):
            for phase in ("forward", "backward"):
                raw = cls.__dict__.get(phase)
                if isinstance(raw, staticmethod):
                    wrapped = self._timed(("op", f"{cls.__name__}.{phase}"), raw.__func__)
                    self._patched.append((cls, phase, raw))
                    setattr(cls, phase, staticmethod(wrapped))
        for cls in _all_subclasses(Backend):
            for name, raw in list(cls.__dict__.items()):
                if name.startswith("_") or not callable(raw):
                    continue
                self._patched.append((cls, name, raw))
                setattr(cls, name, self._timed(("primitive", f"{cls.name}.{name}"), raw))
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall += time.perf_counter() - self._started
        for cls, name, raw in reversed(self._patched):
            setattr(cls, name, raw)
        self._patched = []
        return False

    # ---- reporting --------------------------------------------------------------
    def table(self, limit=25):
        """Ops and primitives, most total time first, as Markdown tables."""
        lines = [f"profiled wall time: {1000 * self.wall:.1f} ms "
                 "(op times include the primitives they call)"]
        for kind, title in (("op", "autograd op"), ("primitive", "backend primitive")):
            rows = sorted(((k[1], v) for k, v in self.stats.items() if k[0] == kind),
                          key=lambda item: -item[1][1])
            total = sum(v[1] for _, v in rows)
            lines += ["", f"| {title} | calls | total ms | mean us | share |",
                      "|---|---|---|---|---|"]
            for name, (calls, seconds) in rows[:limit]:
                share = seconds / total if total else 0.0
                lines.append(f"| {name} | {calls} | {1000 * seconds:.2f} | "
                             f"{1e6 * seconds / calls:.1f} | {share:.1%} |")
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
