"""Data containers, built-in datasets, readers and splits."""

from genaug.data.labeled import LabeledData

__all__ = ["LabeledData"]
