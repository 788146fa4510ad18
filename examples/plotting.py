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
