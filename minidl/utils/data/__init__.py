"""``minidl.utils.data``: data sets, samplers and ``DataLoader`` under PyTorch's path.

The same objects as ``minidl.data`` (where they live), so that code written
for ``torch.utils.data`` runs with ``import minidl as torch``::

    from minidl.utils.data import DataLoader, TensorDataset, random_split
"""

from ...data.collate import default_collate, default_convert
from ...data.datasets import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from ...data.loader import DataLoader
from ...data.samplers import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                              SubsetRandomSampler)
from ...data.workers import WorkerInfo, get_worker_info

__all__ = [
    "Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split",
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "BatchSampler",
    "DataLoader", "default_collate", "default_convert", "get_worker_info", "WorkerInfo",
]
