"""The names data for the character-level examples: cleaning, the fixed
train/dev/test split, the 27-symbol encoding ("." starts and ends a name),
the training pairs each model reads, and drawing characters from predicted
probabilities (minidl has no ``multinomial``; NumPy draws on the host).

Shared by ``names_mlp.py`` and ``names_transformer.py`` so that both models
see exactly the same split and report losses over the same targets: every
character of a name plus its closing ".".
"""

import numpy as np

from minidl.data.names import first_names

VOCAB = ".abcdefghijklmnopqrstuvwxyz"  # index 0, ".", is both start and end
STOI = {ch: i for i, ch in enumerate(VOCAB)}
IGNORE_INDEX = -1  # target of a padding position: no loss there


def encode(name):
    """Indices of the characters of ``name`` (lower-case a-z): a list of ints."""
    try:
        return [STOI[ch] for ch in name]
    except KeyError as error:
        raise ValueError(f"{name!r}: only the letters a-z can be encoded, "
                         f"not {error.args[0]!r}") from None


def decode(indices):
    """The string of the indices (0 decodes to ".")."""
    return "".join(VOCAB[int(i)] for i in indices)


def clean_names(names):
    """Lower-cased, de-duplicated names made of a-z only, sorted.

    The source lists hold 419 names twice (in the female and the male list)
    and 19 hyphenated names; duplicates are removed so that no name lands in
    two splits, and names with a "-" are left out to keep 27 symbols.
    Sorting first makes the split depend on the seed only."""
    kept = {n.lower() for n in names}
    return sorted(n for n in kept if n and all(ch in STOI and ch != "." for ch in n))


def split_names(names, seed, fractions=(0.8, 0.1, 0.1)):
    """Shuffle ``names`` with ``seed`` and cut them into train/dev/test.

    Args:
        names: a list of strings.
        seed: seed of NumPy's generator for the shuffle.
        fractions: the train and dev shares (the test set gets the rest).
            Default: 80/10/10.

    Returns: a dict with the lists "train", "dev" and "test"."""
    if len(fractions) != 3 or abs(sum(fractions) - 1.0) > 1e-9 or min(fractions) < 0:
        raise ValueError(f"fractions must be three shares summing to 1, got {fractions}")
    order = np.random.default_rng(seed).permutation(len(names))
    shuffled = [names[i] for i in order]
    n_train = int(fractions[0] * len(names))
    n_dev = int(fractions[1] * len(names))
    return {"train": shuffled[:n_train], "dev": shuffled[n_train:n_train + n_dev],
            "test": shuffled[n_train + n_dev:]}


def load_splits(seed, root=None):
    """The cleaned names (``minidl.data.names.first_names``) split with ``seed``."""
    return split_names(clean_names(first_names(root=root)), seed)


def context_windows(names, block_size=3):
    """The MLP's examples: each character and the end "." of every name, with
    the ``block_size`` characters before it ("." before the start).

    Returns: X, int64 (N, block_size), and Y, int64 (N,), where N is the total
    length of the names plus one per name. "emma" gives "..." -> e,
    "..e" -> m, ".em" -> m, "emm" -> a, "mma" -> "."."""
    xs, ys = [], []
    for name in names:
        context = [0] * block_size
        for index in encode(name) + [0]:
            xs.append(context)
            ys.append(index)
            context = context[1:] + [index]
    return (np.array(xs, dtype=np.int64).reshape(-1, block_size),
            np.array(ys, dtype=np.int64))


def padded_sequences(names, block_size=16):
    """The transformer's examples: one row per name.

    The input is "." and the name, padded with "." to ``block_size``; the
    target at each position is the next character, the name's end "." after
    its last letter, and ``IGNORE_INDEX`` on the padding. The targets are
    exactly those of ``context_windows``, so both losses are comparable.

    Returns: X, int64 (N, block_size), and Y, int64 (N, block_size)."""
    longest = max((len(n) for n in names), default=0)
    if longest + 1 > block_size:
        raise ValueError(f"a name of {longest} letters needs block_size >= {longest + 1}, "
                         f"got {block_size}")
    x = np.zeros((len(names), block_size), dtype=np.int64)
    y = np.full((len(names), block_size), IGNORE_INDEX, dtype=np.int64)
    for row, name in enumerate(names):
        indices = encode(name)
        x[row, 1:len(indices) + 1] = indices
        y[row, :len(indices)] = indices
        y[row, len(indices)] = 0
    return x, y


def draw(probabilities, rng):
    """One index per row of ``probabilities`` (n, classes), drawn with ``rng``
    (a ``numpy.random.Generator``); rows are renormalised in float64 first."""
    p = np.asarray(probabilities, dtype=np.float64)
    p = p / p.sum(axis=1, keepdims=True)
    cumulative = np.cumsum(p, axis=1)
    u = rng.random((p.shape[0], 1))
    # the first class whose cumulative share exceeds u; the last one if rounding
    # leaves the total a hair under u
    return np.minimum((cumulative <= u).sum(axis=1), p.shape[1] - 1)
