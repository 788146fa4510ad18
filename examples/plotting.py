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


def plot_accuracy(curves, path, title="Test accuracy"):
    """``curves``: name -> list of {"step", "test_accuracy"} records."""
    plt = _pyplot()
    if plt is None:
        return False
    fig, ax = plt.subplots(figsize=(6, 4.2))
    for name, records in curves.items():
        steps = [r["step"] for r in records if "test_accuracy" in r]
        accuracy = [r["test_accuracy"] for r in records if "test_accuracy" in r]
        ax.plot(steps, accuracy, label=name, linewidth=1.5)
    ax.set_xlabel("training step")
    ax.set_ylabel("test accuracy")
    ax.set_title(title)
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
        for key, style in zip(keys, ("--", "-", "--")):
            ax.plot(steps, [r[key] for r in records], style, label=f"{key[1:]}th percentile",
                    color="tab:blue" if key == "p50" else "tab:gray", linewidth=1.2)
        ax.set_title(title)
        ax.set_xlabel("training step")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(ylabel)
    axes[0].legend(loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True
