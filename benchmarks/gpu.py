"""GPU check and benchmark of minidl's CUDA backend against PyTorch on the same GPU.

One command on a machine with an NVIDIA GPU, the `cuda` extra and (for the
comparison) a CUDA build of PyTorch:

    python benchmarks/gpu.py

1. runs every device-parametrised test on the GPU (MINIDL_TEST_DEVICES=cuda,
   `pytest -k cuda tests`, simulator off) and the kernel compile check, and
   saves their output to benchmarks/RESULTS_GPU_tests.txt;
2. times the same work on both sides, each framework in a process of its own,
   with the device synchronised before and after every timed run (medians):
   - BatchNorm2d module forward + backward through autograd (training mode,
     running statistics updated) at (64, 32, 28, 28) and (256, 64, 14, 14);
   - one SGD training step (forward, loss, backward, update) of the paper MLP
     784-100-100-100-10 with BN, batch 60, and of minidl.models.SmallInception
     with BN, batch 64; both frameworks start from the same weights and their
     first losses are compared before anything is timed;
3. writes the table, the targets met or missed (BN >= 0.8x PyTorch/cuDNN,
   training steps >= 0.5x PyTorch) and both outputs to benchmarks/RESULTS_GPU.md.

Inputs live on the GPU on both sides, except minidl's class labels, which are
passed as a host array (as a data loader yields them): F.cross_entropy checks
them on the host and uploads 60 or 64 integers, where a device tensor of labels
would be read back to the host to be checked.

    python benchmarks/gpu.py --skip-tests       # only the timings
    NUMBA_ENABLE_CUDASIM=1 python benchmarks/gpu.py --simulator-smoke
        # every workload once, with tiny shapes, on Numba's simulator, minidl only
        # (no GPU, no PyTorch, nothing written; about 2 minutes)
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
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "RESULTS_GPU.md"
TEST_LOG = HERE / "RESULTS_GPU_tests.txt"

BN_TARGET = 0.8  # minidl speed / PyTorch speed
STEP_TARGET = 0.5


def workloads(smoke):
    """name -> (kind, spec, target ratio)."""
    if smoke:
        return {
            "BatchNorm2d fwd+bwd (2, 3, 4, 4)": ("bn", (2, 3, 4, 4), BN_TARGET),
            "paper MLP + BN step, batch 4": ("mlp", (4, 16, (8, 8, 8)), STEP_TARGET),
            "SmallInception + BN step, batch 2": ("inception", (2, 6, 4), STEP_TARGET),
        }
    return {
        "BatchNorm2d fwd+bwd (64, 32, 28, 28)": ("bn", (64, 32, 28, 28), BN_TARGET),
        "BatchNorm2d fwd+bwd (256, 64, 14, 14)": ("bn", (256, 64, 14, 14), BN_TARGET),
        "paper MLP 784-100-100-100-10 + BN step, batch 60": ("mlp", (60, 784, (100, 100, 100)),
                                                              STEP_TARGET),
        "SmallInception + BN step, batch 64": ("inception", (64, 28, 32), STEP_TARGET),
    }


def median_seconds(fn, sync, repeats, warmup):
    """Median seconds of fn(), the device synchronised before and after each run."""
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


# --------------------------------------------------------------------------- minidl side


def minidl_workload(kind, spec, weights):
    """(step, first loss or None, sync) for minidl on cuda."""
    from numba import cuda

    import minidl as mdl
    import minidl.functional as F
    from minidl import nn, optim
    from minidl.models import PaperMLP, SmallInception

    rng = np.random.default_rng(0)
    if kind == "bn":
        bn = nn.BatchNorm2d(spec[1]).to("cuda")
        x = mdl.tensor(rng.standard_normal(spec, dtype=np.float32), device="cuda",
                       requires_grad=True)
        dy = mdl.tensor(rng.standard_normal(spec, dtype=np.float32), device="cuda")

        def step():
            x.grad = None
            bn(x).backward(dy)

        return step, None, cuda.synchronize
    if kind == "mlp":
        batch, features, hidden = spec
        model = PaperMLP(batch_norm=True, in_features=features, hidden=hidden)
        x = rng.random((batch, features), dtype=np.float32)
        lr = 0.5
    else:
        batch, size, stem = spec
        model = SmallInception(bn=True, stem_channels=stem)
        x = rng.random((batch, 1, size, size), dtype=np.float32)
        lr = 0.1
    labels = rng.integers(0, 10, batch)
    if weights:
        model.load_state_dict(mdl.load(weights))
    model.to("cuda").train()
    xt = mdl.tensor(x, device="cuda")
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(xt), labels)
        loss.backward()
        opt.step()
        return loss

    first = step().item()
    return step, first, cuda.synchronize


# --------------------------------------------------------------------------- PyTorch side


def torch_workload(kind, spec, weights):
    import torch

    sys.path.insert(0, str(HERE))
    from train_step import torch_inception, torch_mlp

    import minidl as mdl

    rng = np.random.default_rng(0)
    if kind == "bn":
        bn = torch.nn.BatchNorm2d(spec[1]).cuda()
        x = torch.from_numpy(rng.standard_normal(spec, dtype=np.float32)).cuda()
        x.requires_grad_(True)
        dy = torch.from_numpy(rng.standard_normal(spec, dtype=np.float32)).cuda()

        def step():
            x.grad = None
            bn(x).backward(dy)

        return step, None, torch.cuda.synchronize
    if kind == "mlp":
        batch, features, _ = spec
        model = torch_mlp(True)
        x = rng.random((batch, features), dtype=np.float32)
        lr = 0.5
    else:
        batch, size, _ = spec
        model = torch_inception(True)
        x = rng.random((batch, 1, size, size), dtype=np.float32)
        lr = 0.1
    labels = rng.integers(0, 10, batch)
    state = {k: torch.from_numpy(np.asarray(v)) for k, v in mdl.load(weights).items()}
    model.load_state_dict(state)
    model.cuda().train()
    xt, yt = torch.from_numpy(x).cuda(), torch.from_numpy(labels).cuda()
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss

    first = step().item()
    return step, first, torch.cuda.synchronize


def run_worker(args):
    if args.simulator_smoke:
        # the simulator's syncthreads polls; a short GIL switch interval speeds it up
        sys.setswitchinterval(1e-5)
    kind, spec, _ = workloads(args.simulator_smoke)[args.work]
    make = minidl_workload if args.worker == "minidl" else torch_workload
    step, first, sync = make(kind, spec, args.weights)
    seconds = median_seconds(step, sync, args.repeats, args.warmup)
    print(json.dumps({"first_loss": first, "seconds": seconds}))


def measure(framework, name, weights, args):
    command = [sys.executable, __file__, "--worker", framework, "--work", name,
               "--repeats", str(args.repeats), "--warmup", str(args.warmup)]
    if weights:
        command += ["--weights", weights]
    if args.simulator_smoke:
        command.append("--simulator-smoke")
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode:
        return {"error": (proc.stderr.strip() or proc.stdout.strip())[-400:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- steps


def run_tests():
    """Device-parametrised tests and the compile check on the GPU; (summary, output)."""
    env = dict(os.environ, MINIDL_TEST_DEVICES="cuda")
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    commands = [[sys.executable, "-m", "pytest", "-q", "-k", "cuda", "tests"],
                [sys.executable, "-m", "pytest", "-q", "tests/test_cuda_compile.py"]]
    outputs, summaries = [], []
    for command in commands:
        proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        text = proc.stdout + proc.stderr
        lines = [ln for ln in proc.stdout.strip().splitlines() if ln.strip()]
        last = lines[-1] if lines else text.strip()[-200:]
        summaries.append(f"`{' '.join(command[1:])}`: exit {proc.returncode}, {last}")
        outputs.append(f"$ {' '.join(command[1:])}\n{text}")
    return summaries, "\n".join(outputs)


def torch_available():
    probe = subprocess.run(
        [sys.executable, "-c", "import torch; print(torch.__version__, "
         "torch.cuda.is_available(), torch.backends.cudnn.version())"],
        capture_output=True, text=True)
    if probe.returncode:
        return None
    version, available, cudnn = probe.stdout.split()
    return (version, cudnn) if available == "True" else None


def gpu_name():
    from numba import cuda

    try:
        name = cuda.get_current_device().name
        return name.decode() if isinstance(name, bytes) else str(name)
    except Exception as exc:  # the simulator has no real device
        return f"unknown ({exc.__class__.__name__})"


def format_results(info, rows, test_summaries):
    lines = ["# minidl CUDA backend: GPU results", "",
             f"- date: {info['date']}", f"- GPU: {info['gpu']}",
             f"- host: {info['host']}, Python {info['python']}, PyTorch {info['torch']}",
             "- written by `python benchmarks/gpu.py`: each framework in its own process, "
             "device synchronised around every run, medians", "",
             "## Tests on the GPU", ""]
    lines += [f"- {s}" for s in test_summaries] or ["- skipped"]
    lines += ["", f"(full output: `{TEST_LOG.name}`)", "",
              "## Timings (float32)", "",
              "| work | minidl (ms) | PyTorch (ms) | minidl speed / PyTorch | target | met |",
              "| --- | ---: | ---: | ---: | ---: | --- |"]
    for name, ours, theirs, target in rows:
        ours_ms = f"{ours * 1e3:.3f}" if ours else "error"
        theirs_ms = f"{theirs * 1e3:.3f}" if theirs else "n/a"
        if ours and theirs:
            ratio = theirs / ours
            verdict = "met" if ratio >= target else "MISSED"
            ratio_s = f"{ratio:.2f}x"
        else:
            ratio_s, verdict = "n/a", "n/a"
        lines.append(f"| {name} | {ours_ms} | {theirs_ms} | {ratio_s} | {target}x | "
                     f"{verdict} |")
    return "\n".join(lines) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-tests", action="store_true", help="do not run the tests")
    parser.add_argument("--repeats", type=int, default=50, help="timed runs (median)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs first")
    parser.add_argument("--simulator-smoke", action="store_true",
                        help="tiny shapes on the simulator, minidl only; print, do not write")
    parser.add_argument("--output", type=Path, default=RESULTS, help="results file")
    parser.add_argument("--worker", choices=("minidl", "torch"), help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--weights", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.warmup < 0:
        parser.error("--repeats must be >= 1 and --warmup >= 0")
    if args.simulator_smoke and not args.worker:
        args.skip_tests = True
        args.repeats, args.warmup = 1, 0
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        run_worker(args)
        return 0
    simulated = os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0")
    if args.simulator_smoke and not simulated:
        sys.exit("--simulator-smoke needs NUMBA_ENABLE_CUDASIM=1")
    if not args.simulator_smoke and simulated:
        sys.exit("the simulator is on: real timings need a GPU (use --simulator-smoke)")
    summaries, test_output = ["skipped"], ""
    if not args.skip_tests:
        summaries, test_output = run_tests()
        TEST_LOG.write_text(test_output)
        for line in summaries:
            print("tests:", line)
    torch_info = None if args.simulator_smoke else torch_available()
    import minidl as mdl

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, (kind, spec, target) in workloads(args.simulator_smoke).items():
            weights = None
            if kind != "bn":
                from minidl.models import PaperMLP, SmallInception

                mdl.manual_seed(0)
                model = (PaperMLP(batch_norm=True, in_features=spec[1], hidden=spec[2])
                         if kind == "mlp" else SmallInception(bn=True, stem_channels=spec[2]))
                weights = os.path.join(folder, f"{kind}.npz")
                mdl.save(model.state_dict(), weights)
            ours = measure("minidl", name, weights, args)
            theirs = measure("torch", name, weights, args) if torch_info else {}
            for side, result in (("minidl", ours), ("PyTorch", theirs)):
                if "error" in result:
                    print(f"{name}: {side} failed: {result['error']}")
            if ours.get("first_loss") is not None and theirs.get("first_loss") is not None:
                if not np.isclose(ours["first_loss"], theirs["first_loss"], rtol=1e-3):
                    print(f"{name}: first losses differ: minidl {ours['first_loss']}, "
                          f"PyTorch {theirs['first_loss']}")
            rows.append((name, ours.get("seconds"), theirs.get("seconds"), target))
            print(f"{name}: minidl {ours.get('seconds')}, PyTorch {theirs.get('seconds')}")
    info = {"date": datetime.date.today().isoformat(),
            "gpu": "simulator" if args.simulator_smoke else gpu_name(),
            "host": platform.node(), "python": platform.python_version(),
            "torch": f"{torch_info[0]} (cuDNN {torch_info[1]})" if torch_info
            else "not available"}
    text = format_results(info, rows, summaries)
    print(text)
    if not args.simulator_smoke:
        args.output.write_text(text + "\n## Test output\n\n```\n" + test_output[-20000:]
                               + "\n```\n")
        print(f"wrote {args.output} and {TEST_LOG}")
    failed = any(ours is None for _, ours, _, _ in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
