"""genaug: generative and classical data augmentation with honest, repeatable evaluation."""

from __future__ import annotations

__version__ = "0.1.0"

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.modalities import Modality, TensorModality, get_modality
from genaug.rng import Seed, as_generator

__all__ = [
    "LabeledData", "Modality", "Seed", "TensorModality", "__version__", "as_generator",
    "get_modality", "registry",
]
