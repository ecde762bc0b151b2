"""Data containers, built-in datasets, readers and splits.

Importing this package registers the built-in datasets (registry kind ``"dataset"``).
"""

from genaug.data import audio as audio_datasets  # noqa: F401  (registers wav_folder, spoken_digits)
from genaug.data import file_datasets  # noqa: F401  (registers csv, parquet, jsonl, ...)
from genaug.data import text as text_datasets  # noqa: F401  (registers fortunes, janeausten, text_*)
from genaug.data.datasets import DatasetInfo, describe_dataset, list_datasets, load_dataset
from genaug.data.labeled import LabeledData
from genaug.data.readers import read_image_folder, read_npz, write_npz
from genaug.data.splits import Split, split
from genaug.data.tabular import TableSchema, from_frame, read_table, table_schema

__all__ = [
    "DatasetInfo",
    "LabeledData",
    "Split",
    "TableSchema",
    "describe_dataset",
    "from_frame",
    "list_datasets",
    "load_dataset",
    "read_image_folder",
    "read_npz",
    "read_table",
    "split",
    "table_schema",
    "write_npz",
]
