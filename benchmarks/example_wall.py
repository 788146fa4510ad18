"""Wall time of the MNIST example (examples/mnist_bn.py --steps N, both
networks) on a quiet machine and with busy-looping processes competing for
the cores; the ratio busy / quiet says how well minidl shares the machine
(target: at most 2x with 2 busy processes on this 2-core machine). The
example writes into a temporary folder, never into the repository; it needs
MNIST (MINIDL_DATA or the cache).

    python benchmarks/example_wall.py [--steps 2000] [--busy 2] [--rounds 1]
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

from processes import BusyLoad, machine_cpu_seconds

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "mnist_bn.py")
EXAMPLE_TIMEOUT_SECONDS = 1800
# A busy run is stopped after this many times the quiet run (at least
# BUSY_MINIMUM_LIMIT_SECONDS): far past the 2x target, its ratio is then
# reported as at least that much, and the benchmark run keeps to its time.
BUSY_LIMIT_FACTOR = 8
BUSY_MINIMUM_LIMIT_SECONDS = 180


class ExampleTimeout(RuntimeError):
    pass


def _children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_example(steps, busy=0, kind="python", limit_s=EXAMPLE_TIMEOUT_SECONDS):
    """(seconds the example took from start to exit with ``busy`` busy
    processes, the share of the machine's CPU processes outside this script
    used meanwhile or None). Raises ExampleTimeout after ``limit_s`` seconds."""
    machine, children = machine_cpu_seconds(), _children_cpu_seconds()
    own = time.process_time()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as out, BusyLoad(busy, kind):
        started = time.perf_counter()
        try:
            result = subprocess.run([sys.executable, EXAMPLE, "--steps", str(steps), "--out",
                                     out, "--no-progress"], cwd=out, capture_output=True,
                                    text=True, timeout=limit_s)
        except subprocess.TimeoutExpired:
            raise ExampleTimeout(f"examples/mnist_bn.py took over {limit_s:.0f} s") from None
        seconds = time.perf_counter() - started
    window = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"examples/mnist_bn.py failed:\n{result.stderr[-2000:]}")
    outside = None
    if machine is not None:
        ours = _children_cpu_seconds() - children + time.process_time() - own
        outside = max(0.0, machine_cpu_seconds() - machine - ours) / (
            window * (os.cpu_count() or 1))
    return seconds, outside


def measure(steps, busy=2, rounds=1, kind="python"):
    """Quiet and busy wall times, taking turns for ``rounds`` rounds; returns
    {"quiet_s", "busy_s" (minimum over the rounds; None if every busy run was
    stopped at "busy_limit_s"), "ratio" (a lower bound when stopped),
    "outside_load" (the largest share of the machine's CPU other processes
    used in a run), ...}."""
    quiet, loaded, outside = [], [], []
    limit = None
    for _ in range(rounds):
        seconds, load = run_example(steps, 0, kind)
        quiet.append(seconds)
        outside.append(load)
        limit = max(BUSY_MINIMUM_LIMIT_SECONDS, BUSY_LIMIT_FACTOR * min(quiet))
        try:
            seconds, load = run_example(steps, busy, kind, limit)
        except ExampleTimeout:
            continue
        loaded.append(seconds)
        outside.append(load)
    known = [load for load in outside if load is not None]
    busy_s = min(loaded) if loaded else None
    return {"quiet_s": min(quiet), "busy_s": busy_s, "busy_limit_s": limit,
            "ratio": (busy_s if loaded else limit) / min(quiet), "ratio_is_lower_bound":
            not loaded, "steps": steps, "busy": busy, "rounds": rounds, "kind": kind,
            "outside_load": max(known) if known else None}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--busy", type=int, default=2)
    parser.add_argument("--busy-kind", choices=("python", "numpy"), default="python")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    result = measure(args.steps, args.busy, args.rounds, args.busy_kind)
    busy = (f"{result['busy_s']:.1f} s" if result["busy_s"] is not None
            else f"over {result['busy_limit_s']:.0f} s (stopped)")
    print(f"examples/mnist_bn.py --steps {args.steps}: quiet {result['quiet_s']:.1f} s, "
          f"with {args.busy} busy processes {busy}, ratio "
          f"{'>= ' if result['ratio_is_lower_bound'] else ''}{result['ratio']:.2f}x "
          "(target <= 2x)"
          + (f"; other processes used up to {result['outside_load']:.0%} of the machine"
             if result["outside_load"] is not None else ""))


if __name__ == "__main__":
    main()
