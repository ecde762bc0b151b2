"""Classical augmentation (batched, explicit-generator).

Image augmenters take (B, C, H, W) float batches in [0, 1]; signal augmenters take (B, C, T).
Every augmenter draws all randomness in ``make_params`` from an explicit ``torch.Generator`` and
applies it deterministically, so ``aug(x, generator=0)`` is repeatable and ``params`` replay a
call exactly. Label mixers (MixUp, CutMix) also take soft labels: ``mixer(x, y_soft)``.
Tabular resamplers (SMOTE family, noise, mixup) take a table and add minority rows
(``fit_resample`` / ``resample``); see :mod:`genaug.ops.tabular`.

Example:
    >>> import torch
    >>> from genaug import ops
    >>> aug = ops.build([{"name": "affine", "degrees": 10}, {"name": "gaussian_noise", "std": 0.02}])
    >>> aug(torch.rand(8, 1, 28, 28), generator=0).shape
    torch.Size([8, 1, 28, 28])
"""

from genaug.ops import audio as audio_ops  # noqa: F401  (registers audio_gain, audio_noise, ...)
from genaug.ops import audio_effects as audio_effect_ops  # noqa: F401  (audio_pitch, audio_reverb, ...)
from genaug.ops.base import Augmenter, Params
from genaug.ops.builder import accepted_options, build, build_augmenter, build_mixer, to_config
from genaug.ops.compose import OneOf, RandomApply, Sequential, apply_uint8
from genaug.ops.defaults import default_augmenter, default_config
from genaug.ops.geometric import Affine, Flip, RandomResizedCrop
from genaug.ops.loader import AugmentCollate, AugmentedDataset
from genaug.ops.mixing_ops import CutMix, LabelMixer, MixUp, one_hot
from genaug.ops.photometric import Color, GaussianBlur, GaussianNoise, RandomErasing
from genaug.ops.policies import OPERATIONS, RandAugment, TrivialAugment
from genaug.ops.signal1d import SignalNoise, SignalScale, SignalShift
from genaug.ops.tabular import (
    ADASYN,
    SMOTE,
    SMOTENC,
    BorderlineSMOTE,
    TabularMixup,
    TabularNoise,
    TabularResampler,
)
from genaug.ops.text import EDA, CharNoise, GloveReplace, TextAugmenter  # text: list[str] batches

__all__ = [
    "ADASYN",
    "SMOTE",
    "SMOTENC",
    "BorderlineSMOTE",
    "TabularMixup",
    "TabularNoise",
    "TabularResampler",
    "OPERATIONS",
    "Affine",
    "Augmenter",
    "CharNoise",
    "Color",
    "EDA",
    "GloveReplace",
    "TextAugmenter",
    "AugmentCollate",
    "AugmentedDataset",
    "CutMix",
    "Flip",
    "GaussianBlur",
    "GaussianNoise",
    "LabelMixer",
    "MixUp",
    "OneOf",
    "Params",
    "RandAugment",
    "RandomApply",
    "RandomErasing",
    "RandomResizedCrop",
    "Sequential",
    "SignalNoise",
    "SignalScale",
    "SignalShift",
    "TrivialAugment",
    "accepted_options",
    "apply_uint8",
    "build",
    "build_augmenter",
    "build_mixer",
    "default_augmenter",
    "default_config",
    "one_hot",
    "to_config",
]
