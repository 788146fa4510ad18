"""Do two frameworks compute the same thing? Compares the outputs the workers
wrote in their ``check`` (batch norm: y, dx, dgamma, dbeta; training steps:
the first forward's logits and the losses of the first three steps from the
same weights on the same batches). Imports only NumPy.
"""

import os

import numpy as np

# float32 tolerances: arrays by their largest difference relative to the
# reference's largest magnitude (reductions over 10^5..10^6 elements round
# differently in each framework), losses relative to the reference loss
ARRAY_TOLERANCE = 1e-5
LOSS_TOLERANCE = 1e-5
BN_OUTPUTS = ("y", "dx", "dgamma", "dbeta")


def relative_max_error(ours, reference):
    scale = max(float(np.max(np.abs(reference))), 1e-30)
    return float(np.max(np.abs(ours.astype(np.float64) - reference))) / scale


def compare(work, framework, reference, out_folder, scalars, is_batch_norm):
    """One record per compared quantity: {work, framework, reference, what,
    error, tolerance, passed}. ``out_folder(framework)`` is where that
    framework's check wrote its arrays, ``scalars[framework]`` what it returned."""
    records = []

    def add(what, error, tolerance):
        records.append({"work": work, "framework": framework, "reference": reference,
                        "what": what, "error": error, "tolerance": tolerance,
                        "passed": bool(error <= tolerance)})

    names = BN_OUTPUTS if is_batch_norm else ("logits",)
    for name in names:
        ours = np.load(os.path.join(out_folder(framework), f"{name}.npy"))
        theirs = np.load(os.path.join(out_folder(reference), f"{name}.npy"))
        if ours.shape != theirs.shape:
            add(f"{name} shape {ours.shape} vs {theirs.shape}", float("inf"), ARRAY_TOLERANCE)
            continue
        add(name, relative_max_error(ours, theirs.astype(np.float64)), ARRAY_TOLERANCE)
    if not is_batch_norm:
        ours, theirs = scalars[framework]["losses"], scalars[reference]["losses"]
        for i, (a, b) in enumerate(zip(ours, theirs)):
            add(f"loss {i + 1} ({a:.6f} vs {b:.6f})", abs(a - b) / max(abs(b), 1e-30),
                LOSS_TOLERANCE)
    return records
