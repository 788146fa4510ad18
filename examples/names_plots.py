"""Figures of the character-level examples (names_mlp.py, names_transformer.py),
drawn with matplotlib when the ``plot`` extra is installed. As in
``plotting.py``, each function returns True when it wrote the file and False
when matplotlib is missing, so a run without it still completes."""

import numpy as np

from plotting import _pyplot

SATURATED = 0.97  # |tanh| above this counts as saturated (gradient factor < 0.06)


def _layer_colors(plt, n):
    cmap = plt.get_cmap("viridis")
    return [cmap(i / max(1, n - 1) * 0.9) for i in range(n)]


def plot_layer_histograms(panels, path, xlabel, title, value_range=None, saturation=False):
    """A grid of histograms, one line per hidden layer.

    Args:
        panels: {row title: {column title: [values of layer 1, layer 2, ...]}},
            each values a 1-d NumPy array (e.g. every tanh output of a batch).
        path: the PNG to write.
        xlabel, title: axis label and figure title.
        value_range: (low, high) of the bins of every panel; values outside
            fall in the end bins. Default: per column, symmetric about zero,
            out to the 99.9th percentile of |value| in that column's panels (a
            few outliers would otherwise squeeze every curve into the middle
            bins; the columns may differ by orders of magnitude).
        saturation: add each layer's share of |value| > 0.97 to its legend
            entry (for tanh outputs).
    """
    plt = _pyplot()
    if plt is None:
        return False
    rows = list(panels)
    columns = list(panels[rows[0]])
    fig, axes = plt.subplots(len(rows), len(columns), figsize=(5.2 * len(columns),
                                                              3.3 * len(rows)),
                             sharex="col", squeeze=False)
    for c, column in enumerate(columns):
        low_high = value_range
        if low_high is None:
            top = max(float(np.percentile(np.abs(v), 99.9)) for row in rows
                      for v in panels[row][column])
            low_high = (-top, top)
        edges = np.linspace(low_high[0], low_high[1], 61)
        centres = (edges[:-1] + edges[1:]) / 2
        for r, row in enumerate(rows):
            ax = axes[r][c]
            layers = panels[row][column]
            for i, (values, color) in enumerate(zip(layers, _layer_colors(plt, len(layers)))):
                counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), edges,
                                         density=True)
                label = f"layer {i + 1}: std {values.std():.2g}"
                if saturation:
                    label += f", sat. {100 * np.mean(np.abs(values) > SATURATED):.1f}%"
                ax.plot(centres, counts, color=color, linewidth=1.2, label=label)
            ax.set_title(f"{row}, {column}", fontsize=10)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
            if r == len(rows) - 1:
                ax.set_xlabel(xlabel)
            if c == 0:
                ax.set_ylabel("density")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def trailing_mean(values, window):
    """The mean of each row and the ``window - 1`` rows before it (fewer at
    the start), along axis 0."""
    values = np.asarray(values, dtype=np.float64)
    sums = np.cumsum(values, axis=0)
    out = sums.copy()
    out[window:] = sums[window:] - sums[:-window]
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return out / counts.reshape(-1, *([1] * (values.ndim - 1)))


def plot_layer_series(panels, path, ylabel, title, reference=None, log_x=False,
                      names=None, smooth=1):
    """Side-by-side panels of one line per layer over training.

    Args:
        panels: {panel title: (steps, values)} with values (len(steps), layers).
        path: the PNG to write.
        ylabel, title: axis label and figure title.
        reference: (y, label) of a dotted horizontal line, or None.
        log_x: a log-scaled step axis (to show the first steps).
        names: the legend name of each layer. Default: "layer 1", "layer 2", ...
        smooth: draw the trailing mean over this many records (each record
            is one batch, so noisy). Default: 1, the records themselves.
    """
    plt = _pyplot()
    if plt is None:
        return False
    fig, axes = plt.subplots(1, len(panels), figsize=(5.6 * len(panels), 3.8), sharey=True,
                             squeeze=False)
    for ax, (name, (steps, values)) in zip(axes[0], panels.items()):
        values = trailing_mean(values, smooth)
        labels = names or [f"layer {i + 1}" for i in range(values.shape[1])]
        for i, color in enumerate(_layer_colors(plt, values.shape[1])):
            ax.plot(steps, values[:, i], color=color, linewidth=1.0, label=labels[i])
        if reference is not None:
            ax.axhline(reference[0], color="black", linestyle=":", linewidth=1,
                       label=reference[1])
        if log_x:
            ax.set_xscale("log")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("training step")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(ylabel)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def plot_loss_curves(curves, path, title, ylabel="loss (nats per character)",
                     references=()):
    """``curves``: {label: (steps, losses)} or {label: (steps, losses, style)},
    one line each, ``style`` a dict of matplotlib line options; the y axis starts
    at the lowest loss and stops a little above the highest after the first
    tenth of training, so the late differences stay visible. ``references``:
    (y, label) pairs drawn as dotted horizontal lines."""
    plt = _pyplot()
    if plt is None:
        return False
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    tails = []
    for label, (steps, losses, *style) in curves.items():
        ax.plot(steps, losses, label=label, **{"linewidth": 1.3, **(style[0] if style else {})})
        last = steps[-1] if len(steps) else 0
        tails += [v for s, v in zip(steps, losses) if s >= 0.1 * last]
    for (y, label), color in zip(references, ("tab:red", "tab:green", "tab:gray")):
        ax.axhline(y, color=color, linestyle=":", linewidth=1.2, label=label)
        tails.append(y)
    if tails:
        low, high = min(tails), max(tails)
        ax.set_ylim(low - 0.05 * (high - low) - 0.01, high + 0.1 * (high - low) + 0.01)
    ax.set_xlabel("training step")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True
