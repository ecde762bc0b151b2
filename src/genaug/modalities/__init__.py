"""Registered modalities: image, signal, audio, tabular, text (see :mod:`genaug.modalities.base`)."""

from genaug.modalities.audio import AudioModality
from genaug.modalities.base import Modality, TensorModality, get_modality, modality_for_ndim
from genaug.modalities.image import ImageModality
from genaug.modalities.signal import SignalModality
from genaug.modalities.tabular import TabularModality
from genaug.modalities.text import TextModality

__all__ = [
    "AudioModality",
    "ImageModality",
    "Modality",
    "SignalModality",
    "TabularModality",
    "TensorModality",
    "TextModality",
    "get_modality",
    "modality_for_ndim",
]
