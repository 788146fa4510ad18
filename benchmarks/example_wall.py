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


def _children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_example(steps, busy=0, kind="python"):
    """(seconds the example took from start to exit with ``busy`` busy
    processes, CPU seconds processes outside this script used meanwhile or None)."""
    machine, children = machine_cpu_seconds(), _children_cpu_seconds()
    own = time.process_time()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as out, BusyLoad(busy, kind):
        started = time.perf_counter()
        try:
            result = subprocess.run([sys.executable, EXAMPLE, "--steps", str(steps), "--out",
                                     out, "--no-progress"], cwd=out, capture_output=True,
                                    text=True, timeout=EXAMPLE_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired as error:
            raise RuntimeError(f"examples/mnist_bn.py took over {error.timeout:.0f} s") from None
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
    {"quiet_s", "busy_s" (minimum over the rounds), "ratio", "outside_load" (the
    largest share of the machine's CPU other processes used in a run), ...}."""
    quiet, loaded, outside = [], [], []
    for _ in range(rounds):
        for runs, count in ((quiet, 0), (loaded, busy)):
            seconds, load = run_example(steps, count, kind)
            runs.append(seconds)
            outside.append(load)
    known = [load for load in outside if load is not None]
    return {"quiet_s": min(quiet), "busy_s": min(loaded), "ratio": min(loaded) / min(quiet),
            "steps": steps, "busy": busy, "rounds": rounds, "kind": kind,
            "outside_load": max(known) if known else None}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--busy", type=int, default=2)
    parser.add_argument("--busy-kind", choices=("python", "numpy"), default="python")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    result = measure(args.steps, args.busy, args.rounds, args.busy_kind)
    print(f"examples/mnist_bn.py --steps {args.steps}: quiet {result['quiet_s']:.1f} s, "
          f"with {args.busy} busy processes {result['busy_s']:.1f} s, "
          f"ratio {result['ratio']:.2f}x (target <= 2x)"
          + (f"; other processes used up to {result['outside_load']:.0%} of the machine"
             if result["outside_load"] is not None else ""))


if __name__ == "__main__":
    main()
