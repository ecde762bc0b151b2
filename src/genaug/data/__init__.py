"""Data containers, built-in datasets, readers and splits.

Importing this package registers the built-in datasets (registry kind ``"dataset"``).
"""

from genaug.data.datasets import DatasetInfo, describe_dataset, list_datasets, load_dataset
from genaug.data.labeled import LabeledData
from genaug.data.readers import read_image_folder, read_npz, write_npz
from genaug.data.splits import Split, split

__all__ = [
    "DatasetInfo",
    "LabeledData",
    "Split",
    "describe_dataset",
    "list_datasets",
    "load_dataset",
    "read_image_folder",
    "read_npz",
    "split",
    "write_npz",
]
