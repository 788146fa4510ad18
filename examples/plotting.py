"""Figures for the examples, drawn with matplotlib when it is installed
(the ``plot`` extra). Each function returns True when it wrote the file and
False when matplotlib is missing, so a run without it still completes."""


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: works without a display
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def plot_accuracy(curves, path, title="Test accuracy", zoom_from=0.2):
    """``curves``: name -> list of {"step", "test_accuracy"} records. A second
    panel zooms into the steps after the first ``zoom_from`` of training (the
    last 80% by default), where the curves sit close together, as the paper's
    Figure 1(a) does; 0 or None draws the whole run only."""
    plt = _pyplot()
    if plt is None:
        return False
    series = {}
    for name, records in curves.items():
        kept = [r for r in records if "test_accuracy" in r]
        series[name] = ([r["step"] for r in kept], [r["test_accuracy"] for r in kept])
    last = max((steps[-1] for steps, _ in series.values() if steps), default=0)
    zoom = bool(zoom_from) and last > 0
    fig, axes = plt.subplots(1, 2 if zoom else 1, figsize=(11, 4.2) if zoom else (6, 4.2))
    axes = list(axes) if zoom else [axes]
    for name, (steps, accuracy) in series.items():
        for ax in axes:
            ax.plot(steps, accuracy, label=name, linewidth=1.5)
    axes[0].set_title(title)
    if zoom:
        start = zoom_from * last
        tail = [a for steps, acc in series.values() for s_, a in zip(steps, acc) if s_ >= start]
        axes[1].set_xlim(start, last)
        if tail:
            low, high = min(tail), max(tail)
            pad = max(0.002, 0.1 * (high - low))
            axes[1].set_ylim(low - pad, high + pad)
        axes[1].set_title(f"{title}, last {100 - round(100 * zoom_from)}% of training")
    for ax in axes:
        ax.set_xlabel("training step")
        ax.set_ylabel("test accuracy")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def plot_percentiles(panels, path, ylabel="sigmoid input"):
    """``panels``: title -> list of {"step", "p15", "p50", "p85"} records,
    drawn side by side with a shared y axis (the paper's Figure 1 b, c)."""
    plt = _pyplot()
    if plt is None:
        return False
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.8), sharey=True)
    axes = [axes] if len(panels) == 1 else list(axes)
    for ax, (title, records) in zip(axes, panels.items()):
        steps = [r["step"] for r in records]
        keys = [k for k in (records[0] if records else {}) if k.startswith("p")]
        # each percentile its own line style, so the 15th and 85th can be told apart
        styles = ((":", "tab:gray"), ("-", "tab:blue"), ("--", "tab:gray"),
                  ("-.", "tab:green"), ((0, (1, 3)), "tab:red"))
        for key, (style, color) in zip(keys, styles):
            ax.plot(steps, [r[key] for r in records], linestyle=style,
                    label=f"{key[1:]}th percentile", color=color, linewidth=1.2)
        ax.set_title(title)
        ax.set_xlabel("training step")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(ylabel)
    axes[0].legend(loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def plot_steps_to_target(curves, target, reached, fewer, paper_fewer, path, title):
    """The Inception experiment's figure (the paper's Figure 2 and table).

    Left: ``curves`` (name -> list of {"step", "test_accuracy"}) against the
    step on a log scale, the ``target`` as a dotted line and a dot where each
    run first reaches it (``reached``: name -> step or None). Right: how many
    times fewer steps than the baseline each run needed, ours (``fewer``:
    name -> ratio or None) beside the paper's (``paper_fewer``), a missing
    bar meaning the target was not reached."""
    plt = _pyplot()
    if plt is None:
        return False
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6),
                                      gridspec_kw={"width_ratios": [3, 2]})
    for name, records in curves.items():
        kept = [r for r in records if "test_accuracy" in r]
        steps = [r["step"] for r in kept]
        line, = left.plot(steps, [r["test_accuracy"] for r in kept], label=name,
                          linewidth=1.3)
        step = reached.get(name)
        if step is not None and target is not None:
            left.plot([step], [target], "o", color=line.get_color(), markersize=6)
    if target is not None:
        left.axhline(target, color="black", linestyle=":", linewidth=1,
                     label=f"target {target:.4f}")
    left.set_xscale("log")
    left.set_xlabel("training step (log scale)")
    left.set_ylabel("test accuracy (evaluation subset)")
    left.set_title(title)
    left.grid(alpha=0.3)
    left.legend(fontsize=8)
    names = list(curves)
    positions = range(len(names))
    ours = [fewer.get(n) or 0 for n in names]
    paper = [paper_fewer.get(n) or 0 for n in names]
    right.barh([p + 0.2 for p in positions], ours, height=0.4, label="ours")
    right.barh([p - 0.2 for p in positions], paper, height=0.4, label="paper (ImageNet)",
               color="tab:gray")
    for p, value in zip(positions, ours):
        right.text(value, p + 0.2, f" {value:.1f}x" if value else " not reached",
                   va="center", fontsize=8)
    for p, value in zip(positions, paper):
        right.text(value, p - 0.2, f" {value:.1f}x" if value else " not reached",
                   va="center", fontsize=8, color="dimgray")
    right.set_yticks(list(positions))
    right.set_yticklabels(names)
    right.invert_yaxis()
    right.set_xlim(0, 1.25 * max(ours + paper + [1]))
    right.set_xlabel("times fewer steps than the baseline to its best")
    right.set_title("Steps to the baseline's best")
    right.legend(fontsize=8, loc="lower right")
    right.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def plot_frontier(rows, path, threshold):
    """The stability frontier: for each multiple of the base learning rate
    (``rows``: {"multiple", "bn": {"tail_accuracy"}, "no-bn": {...}}), the
    mean of the last evaluations with and without BN, and the ``threshold``
    a run must reach to count as training."""
    plt = _pyplot()
    if plt is None:
        return False
    fig, ax = plt.subplots(figsize=(6, 4.2))
    multiples = [row["multiple"] for row in rows]
    for network, label in (("bn", "with BN"), ("no-bn", "without BN")):
        values = [row[network]["tail_accuracy"] for row in rows]
        # a run that diverged before its first evaluation has no value
        ax.plot(multiples, [float("nan") if v is None else v for v in values], "o-",
                label=label)
    ax.axhline(threshold, color="black", linestyle=":", linewidth=1,
               label=f"trains: at least {threshold}")
    ax.set_xscale("log")
    ax.minorticks_off()
    ax.set_xticks(multiples)
    ax.set_xticklabels([f"x{m:g}" for m in multiples])
    ax.set_ylim(0, 1)
    ax.set_xlabel("learning rate, multiple of the base rate")
    ax.set_ylabel("test accuracy, mean of the last evaluations")
    ax.set_title("Stability frontier")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True
