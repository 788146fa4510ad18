"""Turns the harness's results (see run.py) into text: the console tables and
benchmarks/RESULTS.md. Imports only the standard library and NumPy.
"""

import os

import numpy as np

import workloads

BN_BYTES_PER_ELEMENT = 20  # forward reads x, writes y; backward reads x, dy, writes dx
FRAMEWORK_NAMES = {"minidl": "minidl", "torch": "PyTorch", "numpy": "NumPy"}


def share(cpu_seconds, wall_seconds):
    """The share of the whole machine's CPU that ``cpu_seconds`` over
    ``wall_seconds`` of wall time are."""
    return cpu_seconds / (wall_seconds * (os.cpu_count() or 1)) if wall_seconds else 0.0


def outside_load_text(result):
    if not result.get("windows_s"):
        return "The load from other processes on the machine could not be read (/proc/stat)."
    load = share(result["outside_cpu_s"], result["windows_s"])
    verdict = ("the machine was quiet enough" if load < 0.05 else
               "**the machine was not quiet: these times and ratios are not reliable**")
    return (f"Processes outside the harness (other users of the machine) used {load:.0%} of "
            f"its CPU during the turns: {verdict}.")


def mode_title(mode, busy, busy_kind):
    if mode == "quiet":
        return "quiet: nothing else started by the harness"
    if mode == "busy":
        return (f"busy: {busy} busy-looping {busy_kind} processes during every turn of "
                "every framework")
    return ("mixed: minidl in a process that imported torch and ran one torch op first; "
            "PyTorch in its own clean process")


def speedup(timing):
    """PyTorch time / minidl time (> 1: minidl faster), or None without PyTorch."""
    if "torch" not in timing:
        return None
    return timing["torch"]["median_ms"] / timing["minidl"]["median_ms"]


def round_range(timing, reference="torch"):
    """(lowest, highest) of the per-round ratios reference / minidl."""
    if reference not in timing:
        return None
    ratios = [theirs / ours for theirs, ours in zip(timing[reference]["round_ms"],
                                                     timing["minidl"]["round_ms"])]
    return min(ratios), max(ratios)


def targets_for(mode, timings):
    """[(work, measured speed-up or None, goal, met: True/False/None)] of ``mode``."""
    rows = []
    for work, goal in workloads.TARGETS.get(mode, {}).items():
        if work not in timings:
            continue  # not measured in this run (--only)
        ratio = speedup(timings[work])
        rows.append((work, ratio, goal, None if ratio is None else ratio >= goal))
    return rows


def _ms(value):
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def mode_table(result):
    """The mode's timing table in Markdown, with the lines that qualify it."""
    lines = ["| work | minidl ms | PyTorch ms | speed-up vs PyTorch | per-round range | "
             "NumPy ms | speed-up vs NumPy | steps timed (minidl / PyTorch) |",
             "|---|---|---|---|---|---|---|---|"]
    for work in workloads.all_workloads():
        timing = result["timings"].get(work)
        if not timing:
            continue
        ours = timing["minidl"]["median_ms"]
        cells = [work, _ms(ours)]
        ratio, spread = speedup(timing), round_range(timing)
        cells += [_ms(timing["torch"]["median_ms"]), f"**{ratio:.2f}x**",
                  f"{spread[0]:.2f}-{spread[1]:.2f}x"] if ratio else ["-", "-", "-"]
        if "numpy" in timing:
            cells += [_ms(timing["numpy"]["median_ms"]),
                      f"{timing['numpy']['median_ms'] / ours:.1f}x"]
        else:
            cells += ["-", "-"]
        cells.append(f"{timing['minidl']['steps']} / "
                     + (str(timing["torch"]["steps"]) if "torch" in timing else "-"))
        lines.append("| " + " | ".join(cells) + " |")
    idle = result["idle_cpu_s"] / result["turns_s"] if result["turns_s"] else 0.0
    lines += ["", f"While one framework had its turn, the other workers used "
              f"{result['idle_cpu_s']:.2f} CPU-s in {result['turns_s']:.1f} s of turns "
              f"({idle:.1%} of one core): "
              + ("idle workers stayed idle." if idle < 0.02 else
                 "idle workers competed with the timed one."),
              "", outside_load_text(result)]
    if "copy_gbs" in result:
        lines += ["", bandwidth_text(result)]
    return "\n".join(lines)


def bandwidth_text(result):
    """minidl's batch norm bandwidth against a plain copy's."""
    copy = result["copy_gbs"]
    parts = []
    for shape in workloads.BN_SHAPES:
        timing = result["timings"].get(workloads.bn_name(shape))
        if timing:
            gbs = (BN_BYTES_PER_ELEMENT * int(np.prod(shape))
                   / (timing["minidl"]["median_ms"] / 1000) / 1e9)
            parts.append(f"{tuple(shape)} {gbs:.1f} GB/s ({gbs / copy:.0%})")
    return (f"Batch norm memory traffic: forward and backward must move at least "
            f"{BN_BYTES_PER_ELEMENT} bytes per float32 element; at minidl's times that is "
            + ", ".join(parts) + f" of the {copy:.1f} GB/s a NumPy copy of 64 MiB reached "
            "in this run (shares above 100% mean part of the data stayed in the caches).")


def checks_text(mode, checks):
    """A Markdown table of the equivalence checks of one mode."""
    lines = [f"Equivalence checks ({mode} workers): largest difference relative to the "
             "reference's largest magnitude (arrays) or to the reference loss",
             "", "| work | framework vs reference | quantity | difference | tolerance | |",
             "|---|---|---|---|---|---|"]
    for c in checks:
        lines.append(f"| {c['work']} | {FRAMEWORK_NAMES[c['framework']]} vs "
                     f"{FRAMEWORK_NAMES[c['reference']]} | {c['what']} | {c['error']:.1e} | "
                     f"{c['tolerance']:.0e} | {'ok' if c['passed'] else 'FAILED'} |")
    failed = [c for c in checks if not c["passed"]]
    lines += ["", f"{len(checks) - len(failed)} of {len(checks)} checks passed"
              + (": " + ", ".join(f"{c['work']} {c['what']}" for c in failed) + " FAILED"
                 if failed else ".")]
    return "\n".join(lines)


def startup_text(startup):
    memory = startup["memory"]
    lines = [f"- `import minidl` + the first MLP-with-BN training step in a fresh process: "
             f"{startup['minidl_warm_s']:.2f} s with Numba's cache filled"
             + (f", {startup['minidl_cold_s']:.2f} s with an empty cache (every kernel "
                "compiled)" if "minidl_cold_s" in startup else "")
             + (f"; PyTorch, the same: {startup['torch_s']:.2f} s" if "torch_s" in startup
                else "") + "."]
    lines.append(f"- MLP-with-BN training steps: peak traced memory "
                 f"{memory['peak_traced_kib']:.0f} KiB (tracemalloc, after 1,100 steps); it "
                 f"grew by {memory['growth_bytes']} bytes over {memory['steps']} further steps "
                 "(a leak, such as a graph kept alive after backward, grows with every "
                 f"step); process max RSS {memory['max_rss_mib']:.0f} MiB.")
    return "\n".join(lines)


def example_text(example):
    if "error" in example:
        return f"examples/mnist_bn.py could not be timed: {example['error']}"
    bound = ">= " if example.get("ratio_is_lower_bound") else ""
    busy = (f"{example['busy_s']:.1f} s" if example["busy_s"] is not None else
            f"over {example['busy_limit_s']:.0f} s (stopped there)")
    return (f"`python examples/mnist_bn.py --steps {example['steps']}` (both networks, "
            f"into a temporary folder): {example['quiet_s']:.1f} s quiet, {busy} with "
            f"{example['busy']} busy-looping {example['kind']} processes: {bound}"
            f"{example['ratio']:.2f}x (target <= {workloads.EXAMPLE_WALL_TARGET:g}x)."
            + (f" Processes outside the harness used up to {example['outside_load']:.0%} of "
               "the machine's CPU during these runs."
               if example.get("outside_load") is not None else ""))


def _verdict(met):
    return {True: "met", False: "**missed**", None: "n/a (no PyTorch)"}[met]


def targets_table(results):
    lines = ["| mode | work | speed-up vs PyTorch | goal | |", "|---|---|---|---|---|"]
    for mode, result in results["modes"].items():
        for work, ratio, goal, met in result.get("targets", []):
            shown = "-" if ratio is None else f"{ratio:.2f}x"
            lines.append(f"| {mode} | {work} | {shown} | >= {goal:g}x | {_verdict(met)} |")
    example = results.get("example")
    if example and "error" not in example:
        met = example["ratio"] <= workloads.EXAMPLE_WALL_TARGET
        bound = ">= " if example.get("ratio_is_lower_bound") else ""
        lines.append(f"| busy {example['busy']} / quiet | examples/mnist_bn.py wall time | "
                     f"{bound}{example['ratio']:.2f}x slower | "
                     f"<= {workloads.EXAMPLE_WALL_TARGET:g}x | {_verdict(met)} |")
    startup = results.get("startup")
    if startup:
        warm = startup["minidl_warm_s"]
        lines.append(f"| - | start-up, warm Numba cache | {warm:.2f} s | < "
                     f"{workloads.STARTUP_TARGET_SECONDS:g} s | "
                     f"{_verdict(warm < workloads.STARTUP_TARGET_SECONDS)} |")
        growth = startup["memory"]["growth_bytes"]
        lines.append(f"| - | memory growth over {startup['memory']['steps']} steps | "
                     f"{growth} bytes | no leak | {'met' if growth < 4096 else '**check**'} |")
    return "\n".join(lines)


def fairness_text(results):
    """What each worker process had loaded and which OpenMP settings it saw."""
    lines = []
    for mode, result in results["modes"].items():
        parts = []
        for name, facts in result["facts_end"].items():
            start = facts["environment_at_start"]
            set_at_start = {k: v for k, v in start.items() if v is not None}
            loaded = [f for f, key in (("torch", "torch_imported"),
                                       ("minidl", "minidl_imported")) if facts[key]]
            parts.append(f"{FRAMEWORK_NAMES[name]} worker loaded "
                         f"{' and '.join(loaded) if loaded else 'neither framework'}, started "
                         f"with {set_at_start or 'no OpenMP/thread variables set'}, ended with "
                         f"OMP_WAIT_POLICY {facts['omp_wait_policy_now'] or 'unset'}")
        lines.append(f"- {mode}: " + "; ".join(parts) + ".")
    return "\n".join(lines)


def profiles_text(results):
    """minidl's profile of every missed target, mode by mode."""
    return "\n".join(mode_profiles_text(mode, result)
                     for mode, result in results["modes"].items())


def mode_profiles_text(mode, result):
    lines = []
    for work, profiled in result.get("profiles", {}).items():
        lines += [f"### {work}, {mode}", "",
                  f"minidl's profiler over {profiled['steps']} steps (`with mdl.profile() "
                  f"as p: ...; p.table()`); {profiled['step_ms']:.2f} ms a step with the "
                  "timers in place:", "", profiled["table"], ""]
    return "\n".join(lines)


def versions_text(results):
    first = next(iter(results["modes"].values()))
    ours = first["hello"]["minidl"]
    threading = first.get("threading", {})
    text = (f"minidl {ours['minidl']}, NumPy {ours['numpy']}, Numba {ours['numba']} "
            f"({threading.get('threads', '?')} threads, threading layer "
            f"{threading.get('layer', '?')})")
    if "torch" in first["hello"]:
        theirs = first["hello"]["torch"]
        text += (f", PyTorch {theirs['torch']} ({theirs['threads']} threads, "
                 f"{theirs['parallel_backend']}, default settings)")
    else:
        text += ", PyTorch not installed"
    return text


def load_summary(results):
    """One line: how much of the machine other processes used in each mode."""
    parts = [f"{mode} {share(r['outside_cpu_s'], r['windows_s']):.0%}"
             for mode, r in results["modes"].items() if r.get("windows_s")]
    if not parts:
        return ""
    return ("CPU share other processes on the machine took during the turns: "
            + ", ".join(parts) + " (above 5%, a mode's numbers are not reliable).")


def summary_text(results):
    return "## Targets\n\n" + load_summary(results) + "\n\n" + targets_table(results)


def results_markdown(results):
    machine, settings = results["machine"], results["settings"]
    lines = ["# Benchmark results", "",
             f"{results['date']}; {machine['cpu']}, {machine['cores']} cores, "
             f"{machine['system']}; Python {machine['python']}; {versions_text(results)}. "
             f"Written by `python benchmarks/run.py"
             + (" --quick" if settings["quick"] else "") + f"` in "
             f"{results['total_s'] / 60:.1f} min.", "",
             "How it was measured: each framework in a worker process of its own (PyTorch "
             "and NumPy in processes that never imported minidl; minidl in one that never "
             "imported torch, except in the mixed mode); inputs and weights passed as .npy "
             "files; the same weights and batches on both sides, checked below. Every "
             f"workload ran in {settings['rounds']} rounds in which the frameworks took turns "
             "(order alternating between rounds), each turn about "
             f"{settings['turn_seconds']:g} s of steps (at least {settings['min_repeats']}, at "
             f"most {settings['max_repeats']}) after {settings['warmup_steps']} "
             f"untimed ones, starting from the initial weights, with a {settings['pause_s']:g} "
             "s pause between turns. A time is the median of all a framework's timed steps; "
             "speed-up = PyTorch time / minidl time (above 1: minidl faster); the per-round "
             "range is the lowest and highest speed-up of single rounds.", "",
             "Work: batch norm forward + backward in training mode through the module API "
             "with autograd (`y = bn(x); y.backward(dy)`, x and dy wrapped zero-copy with "
             "from_numpy); the paper's MLP (784-100-100-100-10, sigmoid, batch 60, SGD lr "
             "0.5) with and without batch norm; the small Inception network (batch 64, "
             "1x28x28, SGD lr 0.1 momentum 0.9). A training step is zero_grad, forward, "
             "cross-entropy, backward and the optimizer step. Inputs: "
             + "; ".join(f"{work}: {what}" for work, what in results["inputs"].items()
                         if workloads.bn_shape(work) is None) + ".", "",
             summary_text(results), ""]
    first = next(iter(results["modes"].values()))
    lines += ["## Equivalence checks", "", checks_text(first["mode"], first["checks"]), ""]
    for mode, result in list(results["modes"].items())[1:]:
        failed = [c for c in result["checks"] if not c["passed"]]
        lines.append(f"- {mode} workers: {len(result['checks']) - len(failed)} of "
                     f"{len(result['checks'])} of the same checks passed"
                     + (": FAILED " + ", ".join(f"{c['work']} {c['what']}" for c in failed)
                        if failed else "."))
    lines += ["", "## Process isolation", "", fairness_text(results), ""]
    for mode, result in results["modes"].items():
        lines += [f"## {mode_title(mode, settings['busy'], settings['busy_kind'])}", ""]
        torch_op = result["hello"]["minidl"].get("torch_op")
        if torch_op:
            lines += [f"The torch op the minidl worker ran before importing minidl: "
                      f"`{torch_op}`.", ""]
        lines += [mode_table(result), ""]
    profiles = profiles_text(results).strip()
    if profiles:
        lines += ["## Where minidl's time goes in the missed targets", "", profiles]
    if "startup" in results:
        lines += ["## Start-up and memory", "", startup_text(results["startup"]), ""]
    if "example" in results:
        lines += ["## The MNIST example on a busy machine", "", example_text(results["example"]),
                  ""]
    return "\n".join(lines)
