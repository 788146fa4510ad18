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
        value_range: (low, high) of the bins, shared by all panels; values
            outside fall in the end bins. Default: symmetric about zero, out to
            the 99.9th percentile of |value| over all panels (a few outliers
            would otherwise squeeze every curve into the middle bins).
        saturation: add each layer's share of |value| > 0.97 to its legend
            entry (for tanh outputs).
    """
    plt = _pyplot()
    if plt is None:
        return False
    rows = list(panels)
    columns = list(panels[rows[0]])
    if value_range is None:
        top = max(float(np.percentile(np.abs(v), 99.9)) for row in panels.values()
                  for layers in row.values() for v in layers)
        value_range = (-top, top)
    edges = np.linspace(value_range[0], value_range[1], 61)
    centres = (edges[:-1] + edges[1:]) / 2
    fig, axes = plt.subplots(len(rows), len(columns), figsize=(5.2 * len(columns),
                                                              3.3 * len(rows)),
                             sharex=True, squeeze=False)
    for r, row in enumerate(rows):
        for c, column in enumerate(columns):
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


def plot_layer_series(panels, path, ylabel, title, reference=None, log_x=False,
                      names=None):
    """Side-by-side panels of one line per layer over training.

    Args:
        panels: {panel title: (steps, values)} with values (len(steps), layers).
        path: the PNG to write.
        ylabel, title: axis label and figure title.
        reference: (y, label) of a dotted horizontal line, or None.
        log_x: a log-scaled step axis (to show the first steps).
        names: the legend name of each layer. Default: "layer 1", "layer 2", ...
    """
    plt = _pyplot()
    if plt is None:
        return False
    fig, axes = plt.subplots(1, len(panels), figsize=(5.6 * len(panels), 3.8), sharey=True,
                             squeeze=False)
    for ax, (name, (steps, values)) in zip(axes[0], panels.items()):
        values = np.asarray(values)
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
