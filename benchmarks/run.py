"""All of the project's performance measurements in one run, written to
benchmarks/RESULTS.md: batch norm forward+backward against PyTorch and NumPy
(with the achieved bandwidth against a copy measured in the same run), the
training steps of the MNIST MLP and the small Inception net against PyTorch,
start-up time with a warm and a cold Numba cache, and the memory of a
training step (peak, and growth over many steps, which would show a leak).

    python benchmarks/run.py [--repeats 30] [--rounds 5] [--out benchmarks/RESULTS.md]

PyTorch is optional: without it those columns say so. Every framework runs in
a process of its own (two OpenMP pools in one process slow both down).
"""

import argparse
import datetime
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

import train_step  # noqa: E402  (the training-step workloads and workers)

BN_SHAPES = [(64, 32, 28, 28), (256, 64, 14, 14), (60, 100), (1024, 1024)]
STEP_TARGETS = {"paper MLP, batch 60, no BN": 1.2, "paper MLP, batch 60, BN": 1.5,
                "small Inception, batch 64, BN": 2.0}
STARTUP_TARGET_SECONDS = 2.0
BYTES_PER_ELEMENT = 16  # fwd reads x, writes y; bwd reads x and dy, writes dx (float32)


def median_ms(fn, repeats, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def bn_inputs(shape):
    rng = np.random.default_rng(0)
    return (rng.standard_normal(shape, dtype=np.float32),
            rng.standard_normal(shape, dtype=np.float32),
            rng.standard_normal(shape[1], dtype=np.float32),
            rng.standard_normal(shape[1], dtype=np.float32))


def bn_worker(framework, shape, repeats):
    """Median ms of one training-mode batch norm forward + backward."""
    x, dy, gamma, beta = bn_inputs(shape)
    if framework == "minidl":
        from minidl.backend import get_backend

        backend = get_backend("cpu")  # the CPU backend's memory policy applies

        def run():
            _, mean, _, invstd = backend.batch_norm_forward_train(x, gamma, beta, 1e-5)
            backend.batch_norm_backward(dy, x, gamma, mean, invstd)

        # where the time goes: the two halves timed on their own
        _, mean, _, invstd = backend.batch_norm_forward_train(x, gamma, beta, 1e-5)
        forward = median_ms(lambda: backend.batch_norm_forward_train(x, gamma, beta, 1e-5),
                            repeats)
        backward = median_ms(lambda: backend.batch_norm_backward(dy, x, gamma, mean, invstd),
                             repeats)
        from access_pattern import read_bandwidths

        by_channel, in_order = read_bandwidths(shape, repeats)
        return {"ms": median_ms(run, repeats), "forward_ms": forward, "backward_ms": backward,
                "read_channel_gbs": by_channel, "read_contiguous_gbs": in_order}
    elif framework == "numpy":
        sys.path.insert(0, HERE)
        from batchnorm_cpu import numpy_bn_forward_backward

        def run():
            numpy_bn_forward_backward(x, gamma, beta, dy)
    else:
        import torch

        tx = torch.from_numpy(x).requires_grad_(True)
        tdy, tg, tb = torch.from_numpy(dy), torch.from_numpy(gamma), torch.from_numpy(beta)
        tg.requires_grad_(True)
        tb.requires_grad_(True)

        def run():
            y = torch.nn.functional.batch_norm(tx, None, None, tg, tb, training=True)
            y.backward(tdy)
    return {"ms": median_ms(run, repeats)}


def interleaved(measurements, rounds):
    """Run every measurement once per round, taking turns, and keep each one's median
    round: the machine's speed drifts over minutes, and taking turns lets the drift
    hit every framework alike instead of whichever happened to run during a slow
    spell. ``measurements`` maps a name to a function returning {"ms": ...}."""
    results = {name: [] for name in measurements}
    for _ in range(rounds):
        for name, measure in measurements.items():
            results[name].append(measure())
    return {name: sorted(runs, key=lambda r: r["ms"])[len(runs) // 2]
            for name, runs in results.items()}


def copy_bandwidth_gbs(repeats):
    """Read + write bandwidth of a 64 MiB copy, in GB/s (two threads' worth
    is what NumPy's single-threaded copy gets; reported as measured)."""
    src = np.ones(16 * 1024 * 1024, dtype=np.float32)
    dst = np.empty_like(src)
    ms = median_ms(lambda: np.copyto(dst, src), repeats)
    return 2 * src.nbytes / (ms / 1000) / 1e9


def run_self(*args):
    result = subprocess.run([sys.executable, __file__, *args], capture_output=True,
                            text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


STARTUP_SCRIPT = """
import time
start = time.perf_counter()
import numpy as np, minidl as mdl, minidl.functional as F
from minidl import optim
from minidl.models import PaperMLP
model = PaperMLP(batch_norm=True)
opt = optim.SGD(model.parameters(), lr=0.5)
x = mdl.tensor(np.random.rand(60, 784)); y = mdl.tensor(np.random.randint(0, 10, 60))
loss = F.cross_entropy(model(x), y); loss.backward(); opt.step(); loss.item()
print(time.perf_counter() - start)
"""


def startup_seconds(cache_dir=None):
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    result = subprocess.run([sys.executable, "-c", STARTUP_SCRIPT], capture_output=True,
                            text=True, check=True, env=env)
    return float(result.stdout.strip().splitlines()[-1])


def memory_worker(steps):
    """Peak RSS and traced-memory growth over a run of MLP+BN training steps."""
    import resource
    import tracemalloc

    import minidl as mdl
    import minidl.functional as F
    from minidl import optim
    from minidl.models import PaperMLP

    mdl.manual_seed(0)
    model = PaperMLP(batch_norm=True)
    opt = optim.SGD(model.parameters(), lr=0.5)
    rng = np.random.default_rng(0)
    x = mdl.tensor(rng.random((60, 784)))
    y = mdl.tensor(rng.integers(0, 10, 60))

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    # Warm up past the point where NumPy's and Numba's internal caches stop
    # filling (traced memory plateaus after a few hundred steps), then look
    # for growth between two later points: a leak grows linearly with steps.
    for _ in range(1000):
        step()
    tracemalloc.start()
    for _ in range(100):
        step()
    after_first = tracemalloc.get_traced_memory()[0]
    for _ in range(steps):
        step()
    after_many = tracemalloc.get_traced_memory()[0]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"peak_traced_kib": peak / 1024, "growth_bytes": after_many - after_first,
            "steps": steps, "max_rss_mib": rss_kib / 1024}


def profile_worker(steps):
    """The minidl profiler's table for the small Inception training step."""
    import minidl as mdl

    make_ours, _, x, y, lr = train_step.WORKLOADS["small Inception, batch 64, BN"]
    mdl.manual_seed(0)
    step = train_step.minidl_step(make_ours(), x, y, lr)
    for _ in range(3):
        step()
    with mdl.profile() as p:
        for _ in range(steps):
            step()
    matmul_seconds = p.stats[("primitive", "cpu.matmul")][1]
    return {"table": p.table(limit=8), "step_ms": 1000 * p.wall / steps,
            "matmul_ms": 1000 * matmul_seconds / steps}


def versions():
    import numba

    import minidl

    info = [f"Python {platform.python_version()}", f"numpy {np.__version__}",
            f"numba {numba.__version__}", f"minidl {minidl.__version__}"]
    probe = subprocess.run([sys.executable, "-c", "import torch; print(torch.__version__,"
                            " torch.get_num_threads())"], capture_output=True, text=True)
    torch_info = probe.stdout.split() if probe.returncode == 0 else None
    info.append(f"PyTorch {torch_info[0]} ({torch_info[1]} threads)" if torch_info
                else "PyTorch not installed")
    return info, torch_info is not None


def cpu_name():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds taking turns between frameworks (median kept)")
    parser.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    parser.add_argument("--bn-worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--memory-worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--profile-worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bn_worker:
        framework, shape = args.bn_worker[0], tuple(json.loads(args.bn_worker[1]))
        print(json.dumps(bn_worker(framework, shape, args.repeats)))
        return
    if args.profile_worker:
        print(json.dumps(profile_worker(args.profile_worker)))
        return
    if args.memory_worker:
        print(json.dumps(memory_worker(args.memory_worker)))
        return

    info, have_torch = versions()
    lines = ["# Benchmark results", "",
             f"{datetime.date.today()}, {cpu_name()}, {os.cpu_count()} cores; "
             + ", ".join(info) + f". Medians of {args.repeats} runs after warm-up, "
             f"measured in {args.rounds} rounds that take turns between the frameworks (each in a process of its own), "
             "keeping each one's median round; "
             "every ratio below was measured in this one run.", ""]

    targets = []  # (what, measured ratio, target ratio)
    bandwidth = copy_bandwidth_gbs(args.repeats)
    lines += ["## Batch norm forward + backward (training, float32)", "",
              f"Copy bandwidth measured in this run: {bandwidth:.1f} GB/s (read + write, "
              f"np.copyto of 64 MiB). Achieved bandwidth counts {BYTES_PER_ELEMENT} bytes "
              "per element; a share above 100% means part of the array was still in the "
              "cache from the previous repeat.", "",
              "| shape | minidl ms | PyTorch ms | NumPy ms | vs PyTorch | vs NumPy | "
              "bandwidth (share of copy) |",
              "|---|---|---|---|---|---|---|"]
    bn_details = []
    bn_missed = []
    for shape in BN_SHAPES:
        shape_arg = json.dumps(list(shape))
        frameworks = ("minidl", "numpy", "torch") if have_torch else ("minidl", "numpy")
        measured = interleaved(
            {fw: (lambda fw=fw: run_self("--bn-worker", fw, shape_arg, "--repeats",
                                         str(args.repeats))) for fw in frameworks},
            args.rounds)
        mine = measured["minidl"]
        ours = mine["ms"]
        ref = measured["numpy"]["ms"]
        theirs = measured["torch"]["ms"] if have_torch else None
        gbs = BYTES_PER_ELEMENT * int(np.prod(shape)) / (ours / 1000) / 1e9
        torch_cols = (f"{theirs:.3f} | " if theirs else "- | ")
        ratio = f"{theirs / ours:.2f}x" if theirs else "-"
        lines.append(f"| {shape} | {ours:.3f} | {torch_cols}{ref:.3f} | {ratio} | "
                     f"{ref / ours:.2f}x | {gbs:.1f} GB/s ({gbs / bandwidth:.0%}) |")
        print(lines[-1], flush=True)
        if theirs:
            goal = 3.0 if len(shape) == 4 else 1.0
            targets.append((f"batch norm {shape} vs PyTorch", theirs / ours, goal))
            if theirs / ours < goal:
                floor = 20 * int(np.prod(shape)) / (bandwidth * 1e9) * 1000
                bn_missed.append(
                    f"- {shape}: {theirs / ours:.2f}x, short of {goal:g}x. Moving the 20 "
                    f"bytes per element the forward and backward need takes {floor:.2f} ms "
                    f"at this run's copy bandwidth; {goal:g}x PyTorch means "
                    f"{theirs / goal:.2f} ms ({theirs / goal / floor:.2f}x that floor), and "
                    f"minidl takes {ours:.2f} ms ({ours / floor:.2f}x the floor).")
        elements = int(np.prod(shape))
        forward_gbs = 8 * elements / (mine["forward_ms"] / 1000) / 1e9
        backward_gbs = 12 * elements / (mine["backward_ms"] / 1000) / 1e9
        bn_details.append(
            f"| {shape} | {mine['forward_ms']:.3f} | {forward_gbs:.1f} GB/s "
            f"({forward_gbs / bandwidth:.0%}) | {mine['backward_ms']:.3f} | "
            f"{backward_gbs:.1f} GB/s ({backward_gbs / bandwidth:.0%}) | "
            f"{mine['read_channel_gbs'] / mine['read_contiguous_gbs']:.0%} |")
    lines += ["", "Where the time goes and what limits it: forward and backward timed "
              "apart. Each moves the least data it can: the forward reads x and writes y "
              "(8 bytes per float32 element), the backward reads x and dy and writes dx "
              "(12 bytes); a channel comes from memory once per phase and its second pass "
              "hits the cache. Their bandwidth against the copy's above is how close each "
              "phase is to the memory limit. The last column reads the same array channel "
              "by channel, as the kernels do, against reading it in memory order "
              "(`benchmarks/access_pattern.py`): what the NCHW layout's short, far-apart "
              "runs (a (256, 64, 14, 14) channel is 256 runs of 784 bytes, 50 KB apart) "
              "cost before any arithmetic.", "",
              "| shape | forward ms | forward bandwidth (share of copy) | backward ms | "
              "backward bandwidth (share of copy) | channel-order / contiguous read |",
              "|---|---|---|---|---|---|", *bn_details]
    if bn_missed:
        lines += ["", "Targets missed in this run, against the memory limit:", "", *bn_missed]

    lines += ["", "## Training steps", "",
              "| work | minidl ms/step | PyTorch ms/step | minidl speed-up |", "|---|---|---|---|"]
    step_ms = {}
    with tempfile.TemporaryDirectory() as folder:
        import minidl as mdl

        for name, (make_ours, _, _, _, _) in train_step.WORKLOADS.items():
            mdl.manual_seed(0)
            weights = os.path.join(folder, "weights.npz")
            mdl.save(make_ours().state_dict(), weights)
            frameworks = ("minidl", "torch") if have_torch else ("minidl",)
            measured = interleaved(
                {fw: (lambda fw=fw: train_step.measure(fw, name, weights, args.repeats))
                 for fw in frameworks}, args.rounds)
            ours = measured["minidl"]
            if not have_torch:
                lines.append(f"| {name} | {ours['ms']:.2f} | - | - |")
            else:
                theirs = measured["torch"]
                step_ms[name] = (ours["ms"], theirs["ms"])
                targets.append((f"{name} step vs PyTorch", theirs["ms"] / ours["ms"],
                                STEP_TARGETS[name]))
                lines.append(f"| {name} | {ours['ms']:.2f} | {theirs['ms']:.2f} | "
                             f"{theirs['ms'] / ours['ms']:.2f}x |")
            print(lines[-1], flush=True)

    profiled = run_self("--profile-worker", "10")
    lines += ["", "### Where the small Inception step's time goes", "",
              "The minidl profiler over 10 steps (`with mdl.profile() as p: ...`; profiled "
              f"steps take {profiled['step_ms']:.1f} ms with the timers in place):", "",
              profiled["table"], ""]
    inception = step_ms.get("small Inception, batch 64, BN")
    if inception:
        ours_ms, torch_ms = inception
        budget = torch_ms / 2
        rest = profiled["step_ms"] - profiled["matmul_ms"]
        if budget <= profiled["matmul_ms"]:
            verdict = "less than the matrix products alone take"
        else:
            verdict = (f"{budget - profiled['matmul_ms']:.1f} ms for everything else, which "
                       f"takes {rest:.1f} ms now (pooling, batch norm, im2col/col2im, ReLU "
                       "and per-op overhead, in the table above)")
        lines.append(
            f"What limits it: at 2x PyTorch a step would have to take {budget:.1f} ms. The "
            f"convolutions' matrix products (BLAS sgemm on im2col patches, batched per "
            f"image) take {profiled['matmul_ms']:.1f} ms of each step, leaving {verdict}. "
            "The products are small (8 to 32 output channels, 9 to 216 patch rows, 49 or "
            "196 positions per image), where OpenBLAS runs far below the machine's peak; "
            "one product per convolution over the whole batch (patches laid out as "
            "(C*kh*kw, N*OH*OW)) was prototyped: about 10% faster on the 3x3 products "
            "alone, about 1 ms a step, far from closing the gap, and slower end to end "
            "when the patches were transposed in NumPy. Beating this needs direct "
            "convolution kernels (no im2col), as oneDNN has, or fusing batch norm and "
            "ReLU into the convolution.")
    warm = startup_seconds()  # populates the cache if needed
    warm = min(warm, startup_seconds())
    with tempfile.TemporaryDirectory() as empty_cache:
        cold = startup_seconds(empty_cache)
    memory = run_self("--memory-worker", "1000")
    lines += ["", "## Start-up and memory", "",
              f"- `import minidl` + first MLP-with-BN training step: {warm:.2f} s with Numba's "
              f"cache populated, {cold:.2f} s with an empty cache (every kernel compiled).",
              f"- MLP-with-BN training step: peak traced memory {memory['peak_traced_kib']:.0f} "
              f"KiB (traced by tracemalloc after 1,100 steps); it grew by "
              f"{memory['growth_bytes']} bytes over {memory['steps']} further steps "
              f"(a leak, such as a graph kept alive after backward, would grow with every "
              f"step); process max RSS {memory['max_rss_mib']:.0f} MiB."]
    print("\n".join(lines[-3:]), flush=True)
    summary = ["## Targets", "", "| target | measured | goal | |", "|---|---|---|---|"]
    for what, measured, goal in targets:
        summary.append(f"| {what} | {measured:.2f}x | >= {goal:g}x | "
                       f"{'met' if measured >= goal else 'missed'} |")
    summary.append(f"| start-up with a warm cache | {warm:.2f} s | < "
                   f"{STARTUP_TARGET_SECONDS:g} s | "
                   f"{'met' if warm < STARTUP_TARGET_SECONDS else 'missed'} |")
    summary.append(f"| memory growth over {memory['steps']} steps | {memory['growth_bytes']} "
                   f"bytes | no leak | {'met' if memory['growth_bytes'] < 4096 else 'check'} |")
    header_end = 4
    lines[header_end:header_end] = summary + [""]
    print("\n".join(summary), flush=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
