"""The global random generator behind randn, parameter initialisation and
dropout. ``manual_seed`` makes all of them reproducible."""

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed):
    """Reseed the global generator with ``seed``, a non-negative int, and
    return it (a ``numpy.random.Generator``)."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"manual_seed: expected a non-negative int, got {seed!r}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator():
    return _generator


def resolve_generator(op, generator):
    """``generator`` if it is a NumPy Generator, the global one for None; else a
    TypeError naming ``op``."""
    if generator is None:
        return _generator
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"{op}: generator must be a numpy.random.Generator, got "
                        f"{type(generator).__name__}")
    return generator


def get_rng_state():
    """The generator's state, a plain dict that can be saved and restored."""
    return _generator.bit_generator.state


def set_rng_state(state):
    """Restore a state returned by ``get_rng_state``."""
    if not isinstance(state, dict):
        raise TypeError(f"set_rng_state: expected the dict from get_rng_state, got "
                        f"{type(state).__name__}")
    try:
        _generator.bit_generator.state = state
    except (TypeError, ValueError, KeyError) as exc:
        raise ValueError(f"set_rng_state: not a state of this generator "
                         f"({type(_generator.bit_generator).__name__}): {exc}") from None
