"""GPU benchmark and check for minidl's CUDA backend (run on a machine with an
NVIDIA GPU and the `cuda` extra installed; not runnable on CPU-only machines).

It does three things and writes the numbers, the GPU name and the date to
benchmarks/RESULTS_GPU.md:

1. runs the whole test suite on the GPU (MINIDL_DEVICE=cuda,
   MINIDL_TEST_DEVICES=cuda, simulator off);
2. times BatchNorm forward + backward (training) with minidl's CUDA backend
   and, when installed, PyTorch on the same GPU, at (256, 64, 56, 56) and
   (1024, 1024), synchronising the device around every timed region;
3. times one training step of the MNIST MLP (batch 60) with and without BN.

    python benchmarks/gpu.py                  # everything, on a GPU
    python benchmarks/gpu.py --skip-tests     # only the timings
    NUMBA_ENABLE_CUDASIM=1 python benchmarks/gpu.py --simulator-smoke
        # the timing code on Numba's simulator with tiny shapes (no GPU, no
        # test run, no PyTorch, results printed and not written)
"""

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS_GPU.md"
FULL_BN_SHAPES = [(256, 64, 56, 56), (1024, 1024)]
SMOKE_BN_SHAPES = [(4, 2, 3, 3), (8, 4)]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-tests", action="store_true", help="do not run the test suite")
    parser.add_argument("--repeats", type=int, default=20, help="timed repetitions (median)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed repetitions first")
    parser.add_argument("--simulator-smoke", action="store_true",
                        help="tiny shapes on the simulator; print, do not write results")
    parser.add_argument("--output", type=Path, default=RESULTS, help="results file")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.warmup < 0:
        parser.error("--repeats must be >= 1 and --warmup >= 0")
    if args.simulator_smoke:
        args.skip_tests = True
        args.repeats, args.warmup = 1, 0
    return args


def median_time(fn, sync, repeats, warmup):
    """Median seconds of fn(), with the device synchronised before and after each run."""
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def run_test_suite():
    """The whole suite on the GPU; returns (exit code, pytest's last line)."""
    env = dict(os.environ, MINIDL_DEVICE="cuda", MINIDL_TEST_DEVICES="cuda")
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", str(ROOT / "tests")],
                          cwd=ROOT.parent, env=env, capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.strip().splitlines() if ln.strip()]
    return proc.returncode, (lines[-1] if lines else proc.stderr.strip()[-200:])


def bench_minidl_bn(shape, repeats, warmup):
    from numba import cuda

    from minidl.backend import get_backend

    be = get_backend("cuda")
    rng = np.random.default_rng(0)
    x = be.from_numpy(rng.standard_normal(shape, dtype=np.float32))
    dy = be.from_numpy(rng.standard_normal(shape, dtype=np.float32))
    gamma = be.full((shape[1],), 1.0, np.float32)
    beta = be.full((shape[1],), 0.0, np.float32)

    def step():
        _, mean, _, invstd = be.batch_norm_forward_train(x, gamma, beta, 1e-5)
        be.batch_norm_backward(dy, x, gamma, mean, invstd)

    return median_time(step, cuda.synchronize, repeats, warmup)


def bench_torch_bn(shape, repeats, warmup):
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    x = torch.randn(shape, device="cuda", requires_grad=True)
    dy = torch.randn(shape, device="cuda")
    bn = (torch.nn.BatchNorm2d if len(shape) == 4 else torch.nn.BatchNorm1d)(shape[1]).cuda()

    def step():
        y = bn(x)
        y.backward(dy)

    return median_time(step, torch.cuda.synchronize, repeats, warmup)


def bench_mlp_step(batch_norm, batch, in_features, hidden, repeats, warmup):
    from numba import cuda

    import minidl as mdl
    import minidl.functional as F
    from minidl import optim
    from minidl.models import PaperMLP

    mdl.manual_seed(0)
    model = PaperMLP(batch_norm=batch_norm, in_features=in_features, hidden=hidden).to("cuda")
    opt = optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(0)
    x = mdl.tensor(rng.random((batch, in_features), dtype=np.float32), device="cuda")
    labels = mdl.tensor(rng.integers(0, 10, batch), device="cuda")

    def step():
        loss = F.cross_entropy(model(x), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return median_time(step, cuda.synchronize, repeats, warmup)


def gpu_name():
    from numba import cuda

    try:
        name = cuda.get_current_device().name
        return name.decode() if isinstance(name, bytes) else str(name)
    except Exception as exc:  # the simulator has no real device
        return f"unknown ({exc.__class__.__name__})"


def format_results(info, bn_rows, mlp_rows, tests):
    lines = [
        "# minidl CUDA backend: GPU results",
        "",
        f"- date: {info['date']}",
        f"- GPU: {info['gpu']}",
        f"- host: {info['host']}, Python {info['python']}",
        "- written by `python benchmarks/gpu.py`; medians of synchronised timings",
        "",
        "## Test suite on the GPU",
        "",
        f"`MINIDL_DEVICE=cuda MINIDL_TEST_DEVICES=cuda pytest -q tests`: {tests}",
        "",
        "## BatchNorm forward + backward (training, float32)",
        "",
        "| shape | minidl CUDA (ms) | PyTorch (ms) | minidl / PyTorch |",
        "| --- | ---: | ---: | ---: |",
    ]
    for shape, ours, torch_t in bn_rows:
        ratio = f"{ours / torch_t:.2f}" if torch_t else "n/a"
        torch_s = f"{torch_t * 1e3:.3f}" if torch_t else "not installed"
        lines.append(f"| {shape} | {ours * 1e3:.3f} | {torch_s} | {ratio} |")
    lines += ["", "## MNIST MLP, one SGD training step", "",
              "| model | batch | ms / step |", "| --- | ---: | ---: |"]
    for name, batch, t in mlp_rows:
        lines.append(f"| {name} | {batch} | {t * 1e3:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    args = parse_args(argv)
    from numba import cuda

    if not cuda.is_available():
        sys.exit("no usable CUDA GPU (or simulator): run on a GPU machine with the 'cuda' "
                 "extra, or use NUMBA_ENABLE_CUDASIM=1 with --simulator-smoke")
    smoke = args.simulator_smoke
    if smoke:
        # the simulator's syncthreads polls; a short GIL switch interval speeds it up
        sys.setswitchinterval(1e-5)
    if not smoke and os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        sys.exit("the simulator is on: real timings need a GPU (use --simulator-smoke)")
    tests = "skipped"
    if not args.skip_tests:
        code, last = run_test_suite()
        tests = f"{'passed' if code == 0 else f'FAILED (exit {code})'}: {last}"
        print("tests:", tests)
    bn_rows = []
    for shape in SMOKE_BN_SHAPES if smoke else FULL_BN_SHAPES:
        ours = bench_minidl_bn(shape, args.repeats, args.warmup)
        theirs = None if smoke else bench_torch_bn(shape, args.repeats, args.warmup)
        bn_rows.append((shape, ours, theirs))
        print(f"batchnorm {shape}: minidl {ours * 1e3:.3f} ms, torch "
              f"{'n/a' if theirs is None else f'{theirs * 1e3:.3f} ms'}")
    mlp_rows = []
    batch, in_features, hidden = (4, 16, (8, 8, 8)) if smoke else (60, 784, (100, 100, 100))
    for bn in (False, True):
        t = bench_mlp_step(bn, batch, in_features, hidden, args.repeats, args.warmup)
        name = f"PaperMLP({'BN' if bn else 'no BN'})"
        mlp_rows.append((name, batch, t))
        print(f"{name} batch {batch}: {t * 1e3:.3f} ms / step")
    info = {"date": datetime.date.today().isoformat(), "gpu": gpu_name(),
            "host": platform.node(), "python": platform.python_version()}
    text = format_results(info, bn_rows, mlp_rows, tests)
    if smoke:
        print(text)
    else:
        args.output.write_text(text)
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
