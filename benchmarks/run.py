"""minidl against PyTorch (CPU) and NumPy, measured fairly, written to
benchmarks/RESULTS.md.

Every framework runs in a worker process of its own: PyTorch and the NumPy
reference in processes that never import minidl, minidl in one that never
imports torch (except in the mixed mode, on purpose). This script imports
neither. Inputs and weights travel as .npy files in a temporary folder: the
inputs are written here with NumPy, the weights by a minidl process from its
models with a fixed seed; before anything is timed, each workload's outputs
are compared across frameworks (same weights, same batch).

Measured: batch norm forward + backward through the module API with autograd
(4 shapes), the paper's MLP training step with and without batch norm, the
small Inception training step, start-up time, a memory/leak check and the
MNIST example's wall time. Each workload is timed in rounds in which the
frameworks take turns (in alternating order), each turn about --turn-seconds
of steps (at least 5) from the initial weights; a framework's time is the
median of all its timed steps. The CPU time other processes on the machine
took during the turns is reported with each mode: numbers from a busy
machine are marked unreliable.

Modes, each with its own table:
  quiet  nothing else runs (beyond whatever else uses the machine);
  busy   N busy-looping processes run during every turn of every framework
         (started before it, stopped after);
  mixed  minidl runs in a process that imported torch and ran one torch op
         first (the notebook case); PyTorch still runs in its clean process.

    python benchmarks/run.py                 # quiet, busy 2, mixed: ~10 min when quiet
    python benchmarks/run.py --quick         # a smoke run, ~2 min when quiet
    python benchmarks/run.py --modes quiet,mixed --busy 3 --out /tmp/results.md
    python benchmarks/run.py --check-only    # the equivalence checks alone

PyTorch is optional: without it, the PyTorch columns and targets say so.
"""

import argparse
import datetime
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import equivalence  # noqa: E402
import example_wall  # noqa: E402
import report  # noqa: E402
import workloads  # noqa: E402
from processes import BusyLoad, Worker, cpu_seconds, machine_cpu_seconds  # noqa: E402

MODES = ("quiet", "busy", "mixed")
PAUSE_SECONDS = 0.1  # between turns, so a finished turn's spinning threads go idle
WARMUP_STEPS = 2  # untimed steps at the start of every turn

# A turn times steps for turn_seconds, at least min_repeats and at most max_repeats
FULL = {"rounds": 7, "turn_seconds": 0.5, "min_repeats": 5, "max_repeats": 2000,
        "example_steps": 2000, "memory_steps": 1000, "startup_runs": 3, "cold_start": True}
QUICK = {"rounds": 2, "turn_seconds": 0.1, "min_repeats": 3, "max_repeats": 500,
         "example_steps": 300, "memory_steps": 200, "startup_runs": 1, "cold_start": False}


class Run:
    """The settings and folders of one harness run."""

    def __init__(self, args, folder):
        self.args = args
        self.settings = dict(QUICK if args.quick else FULL)
        for name in ("rounds", "turn_seconds", "example_steps"):
            if getattr(args, name) is not None:
                self.settings[name] = getattr(args, name)
        self.folder = folder
        self.inputs = os.path.join(folder, "inputs")
        self.weights = os.path.join(folder, "weights")
        self.logs = os.path.join(folder, "logs")
        self.have_torch = importlib.util.find_spec("torch") is not None
        self.works = [work for work in workloads.all_workloads()
                      if not args.only or any(part.lower() in work.lower() for part in args.only)]

    def work_inputs(self, work):
        return os.path.join(self.inputs, workloads.folder_name(work))

    def work_weights(self, work):
        if workloads.bn_shape(work) is not None:
            return None
        return os.path.join(self.weights, workloads.folder_name(work))


def frameworks_for(run, mode, work):
    """Which workers time ``work`` in ``mode``: minidl, PyTorch when installed,
    and the NumPy reference for batch norm in the quiet mode."""
    names = ["minidl"]
    if run.have_torch:
        names.append("torch")
    if mode == "quiet" and workloads.bn_shape(work) is not None:
        names.append("numpy")
    return names


def start_workers(run, mode):
    workers = {}
    os.makedirs(run.logs, exist_ok=True)
    args = ["--mixed"] if mode == "mixed" else []
    wanted = [("minidl", "minidl", args)]
    if run.have_torch:
        wanted.append(("torch", "PyTorch", ()))
    if mode == "quiet":
        wanted.append(("numpy", "NumPy", ()))
    for name, label, worker_args in wanted:
        workers[name] = Worker(label, f"worker_{name}.py", worker_args,
                               os.path.join(run.logs, f"{mode}-{name}.log"))
    return workers


def run_checks(run, mode, workers, scalars):
    """Each workload's outputs in every framework against the reference
    (PyTorch, or NumPy without it); returns the records of equivalence.compare."""
    records = []
    for work in run.works:
        names = frameworks_for(run, mode, work)

        def out(name, work=work):
            return os.path.join(run.folder, "checks", mode, name, workloads.folder_name(work))

        scalars[work] = {name: workers[name].call("check", work=work, out=out(name))
                         for name in names}
        reference = "torch" if "torch" in names else ("numpy" if "numpy" in names else None)
        if reference is None:
            continue
        for name in names:
            if name != reference:
                records += equivalence.compare(work, name, reference, out, scalars[work],
                                               workloads.bn_shape(work) is not None)
    return records


def timed_turn(run, mode, workers, name, work):
    """One framework's turn. Returns its steps' seconds and a record of the
    turn: its wall time, the CPU seconds the other workers used meanwhile (they
    should sleep), and the CPU seconds processes outside this harness used
    (other users of the machine), with the seconds of the window they were
    counted in."""
    pids = {n: w.pid for n, w in workers.items()}
    before = {n: cpu_seconds(pid) for n, pid in pids.items()}
    machine_before, own_before = machine_cpu_seconds(), time.process_time()
    window_start = time.perf_counter()
    busy = BusyLoad(run.args.busy if mode == "busy" else 0, run.args.busy_kind)
    with busy:
        start = time.perf_counter()
        seconds = workers[name].call(
            "time", work=work, warmup=WARMUP_STEPS, repeats=run.settings["max_repeats"],
            budget_s=run.settings["turn_seconds"],
            min_repeats=run.settings["min_repeats"])["seconds"]
        wall = time.perf_counter() - start
    window = time.perf_counter() - window_start
    machine_after, own_after = machine_cpu_seconds(), time.process_time()
    after = {n: cpu_seconds(pid) for n, pid in pids.items()}
    used = {n: after[n] - before[n] for n in pids
            if before[n] is not None and after[n] is not None}
    turn = {"wall_s": wall, "window_s": window,
            "idle_workers_cpu_s": sum(v for n, v in used.items() if n != name)}
    if machine_before is not None and machine_after is not None:
        ours = sum(used.values()) + busy.cpu_seconds + (own_after - own_before)
        turn["outside_cpu_s"] = max(0.0, machine_after - machine_before - ours)
    return seconds, turn


def time_in_rounds(run, mode, workers, result):
    """Every workload, every framework taking its turn, round after round;
    adds each one's timing and the load records to ``result``."""
    rounds = run.settings["rounds"]
    seconds = {}  # (work, framework) -> one list of step seconds per round
    for round_index in range(rounds):
        outside_before = result.get("outside_cpu_s", 0.0)
        windows_before = result.get("windows_s", 0.0)
        for work in run.works:
            names = frameworks_for(run, mode, work)
            if round_index % 2:
                names = names[::-1]  # alternate who goes first
            for name in names:
                steps, turn = timed_turn(run, mode, workers, name, work)
                seconds.setdefault((work, name), []).append(steps)
                result["idle_cpu_s"] += turn["idle_workers_cpu_s"]
                result["turns_s"] += turn["wall_s"]
                if "outside_cpu_s" in turn:
                    result["outside_cpu_s"] = (result.get("outside_cpu_s", 0.0)
                                               + turn["outside_cpu_s"])
                    result["windows_s"] = result.get("windows_s", 0.0) + turn["window_s"]
                time.sleep(PAUSE_SECONDS)
        outside = result.get("outside_cpu_s", 0.0) - outside_before
        window = result.get("windows_s", 0.0) - windows_before
        note = (f"; other processes on the machine used {report.share(outside, window):.0%} "
                "of its CPU" if window else "")
        print(f"  {mode}: round {round_index + 1}/{rounds} done{note}", flush=True)
    for (work, name), per_round in seconds.items():
        result["timings"].setdefault(work, {})[name] = {
            "median_ms": 1000 * float(np.median(np.concatenate(per_round))),
            "round_ms": [1000 * float(np.median(r)) for r in per_round],
            "steps": int(sum(len(r) for r in per_round))}


def profile_missed(run, mode, workers, result):
    """minidl's profile of each workload whose target ``mode`` missed, under
    the mode's conditions (busy processes running in the busy mode)."""
    for work, _, _, met in result["targets"]:
        if met is False:
            step_ms = result["timings"][work]["minidl"]["median_ms"]
            steps = int(min(200, max(5, 500 / max(step_ms, 1e-3))))  # about 0.5 s
            with BusyLoad(run.args.busy if mode == "busy" else 0, run.args.busy_kind):
                result["profiles"][work] = workers["minidl"].call("profile", work=work,
                                                                  steps=steps)


def run_mode(run, mode):
    """Set up the workers of ``mode``, check equivalence, time every workload in
    rounds, and profile minidl where a target is missed."""
    result = {"mode": mode, "hello": {}, "facts_start": {}, "facts_end": {}, "timings": {},
              "idle_cpu_s": 0.0, "turns_s": 0.0, "profiles": {}}
    workers = start_workers(run, mode)
    try:
        for name, worker in workers.items():
            result["hello"][name] = worker.call("hello")
            result["facts_start"][name] = worker.call("facts")
        if "numpy" in workers:
            result["copy_gbs"] = workers["numpy"].call("copy_bandwidth", repeats=20)["gbs"]
        for work in run.works:
            for name in frameworks_for(run, mode, work):
                workers[name].call("setup", work=work, inputs=run.work_inputs(work),
                                   weights=run.work_weights(work))
        scalars = {}
        result["checks"] = run_checks(run, mode, workers, scalars)
        result["losses"] = {work: {name: s.get("losses") for name, s in by_fw.items()}
                            for work, by_fw in scalars.items()}
        print(report.checks_text(mode, result["checks"]), flush=True)
        if run.args.check_only:
            return result
        time_in_rounds(run, mode, workers, result)
        result["targets"] = report.targets_for(mode, result["timings"])
        profile_missed(run, mode, workers, result)
        for name, worker in workers.items():
            result["facts_end"][name] = worker.call("facts")
        result["threading"] = workers["minidl"].call("threading")
    finally:
        for worker in workers.values():
            worker.close()
    return result


def startup_seconds(framework, runs, env=None):
    times = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, os.path.join(HERE, "startup.py"), framework],
                              capture_output=True, text=True, check=True, env=env, cwd=HERE)
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return float(np.median(times))


def startup_and_memory(run):
    settings = run.settings
    startup_seconds("minidl", 1)  # fills Numba's cache if it is empty
    result = {"minidl_warm_s": startup_seconds("minidl", settings["startup_runs"])}
    if run.have_torch:
        result["torch_s"] = startup_seconds("torch", settings["startup_runs"])
    if settings["cold_start"]:
        with tempfile.TemporaryDirectory() as empty_cache:
            result["minidl_cold_s"] = startup_seconds(
                "minidl", 1, dict(os.environ, NUMBA_CACHE_DIR=empty_cache))
    done = subprocess.run([sys.executable, os.path.join(HERE, "worker_minidl.py"),
                           "--memory-check", str(settings["memory_steps"]),
                           "--inputs", run.inputs, "--weights", run.weights],
                          capture_output=True, text=True, check=True, cwd=HERE)
    result["memory"] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="few rounds and short turns: a smoke run of everything")
    parser.add_argument("--modes", default=",".join(MODES),
                        help="comma-separated modes to run (default: quiet,busy,mixed)")
    parser.add_argument("--busy", type=int, default=2, metavar="N",
                        help="busy-looping processes in the busy mode (default 2)")
    parser.add_argument("--busy-kind", choices=("python", "numpy"), default="python",
                        help="what the busy processes loop on (default: plain Python)")
    parser.add_argument("--rounds", type=int, help="rounds of turns (default 7, quick 2)")
    parser.add_argument("--turn-seconds", type=float,
                        help="about how long each turn times steps (default 0.5, quick 0.1)")
    parser.add_argument("--example-steps", type=int,
                        help="steps of examples/mnist_bn.py (default 2000, quick 300)")
    parser.add_argument("--skip-example", action="store_true",
                        help="do not time examples/mnist_bn.py")
    parser.add_argument("--skip-startup", action="store_true",
                        help="do not measure start-up time and memory")
    parser.add_argument("--check-only", action="store_true",
                        help="run the equivalence checks (quiet workers) and stop")
    parser.add_argument("--only", action="append", metavar="TEXT",
                        help="only the workloads whose name contains TEXT (repeatable), "
                        "e.g. --only Inception --only 'MLP step, BN'")
    parser.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    parser.add_argument("--json", help="also write the raw results as JSON here")
    args = parser.parse_args(argv)
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in args.modes if m not in MODES]
    if unknown or not args.modes:
        parser.error(f"--modes: choose from {', '.join(MODES)}, got {args.modes}")
    if args.busy < 1 and "busy" in args.modes:
        parser.error("--busy must be >= 1")
    if args.only and not any(part.lower() in work.lower() for part in args.only
                             for work in workloads.all_workloads()):
        parser.error(f"--only {args.only}: no workload matches; they are "
                     + "; ".join(workloads.all_workloads()))
    if args.check_only:
        args.modes = ["quiet"]
    return args


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()
    results = {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
               "machine": {"cpu": cpu_model(), "cores": os.cpu_count(),
                           "python": platform.python_version(),
                           "system": f"{platform.system()} {platform.release()}"},
               "modes": {}}
    with tempfile.TemporaryDirectory(prefix="minidl-bench-") as folder:
        run = Run(args, folder)
        results["settings"] = {**run.settings, "busy": args.busy, "busy_kind": args.busy_kind,
                               "pause_s": PAUSE_SECONDS, "warmup_steps": WARMUP_STEPS,
                               "quick": args.quick}
        results["inputs"] = workloads.write_inputs(run.inputs, run.works)
        subprocess.run([sys.executable, os.path.join(HERE, "worker_minidl.py"),
                        "--export-weights", run.weights], check=True, cwd=HERE)
        if not run.have_torch:
            print("PyTorch is not installed: minidl is compared with NumPy only.")
        for mode in args.modes:
            print(f"== {report.mode_title(mode, args.busy, args.busy_kind)}", flush=True)
            results["modes"][mode] = run_mode(run, mode)
            if not args.check_only:
                print(report.mode_table(results["modes"][mode]), flush=True)
                print(report.mode_profiles_text(mode, results["modes"][mode]), flush=True)
        if args.check_only:
            checks = results["modes"]["quiet"]["checks"]
            return 0 if checks and all(c["passed"] for c in checks) else 1
        if not args.skip_startup:
            results["startup"] = startup_and_memory(run)
            print(report.startup_text(results["startup"]), flush=True)
    if not args.skip_example:
        try:
            results["example"] = example_wall.measure(run.settings["example_steps"], args.busy,
                                                      1, args.busy_kind)
        except RuntimeError as error:
            results["example"] = {"error": str(error)}
        print(report.example_text(results["example"]), flush=True)
    results["total_s"] = time.perf_counter() - started
    text = report.results_markdown(results)
    print(report.summary_text(results), flush=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)
    print(f"written to {args.out} ({results['total_s'] / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
