"""Fusion of real and synthetic data for training: strategies, a mixed batch sampler, a Dataset.

Registered fusion strategies (kind ``"fusion"``): ``mix_concat``, ``mix_ratio``, ``mix_topup``,
``mix_weighted``, ``mix_curriculum``. See :mod:`genaug.mixing.strategies`.
"""

from genaug.mixing.base import MixingStrategy, composition, fuse, mark_source
from genaug.mixing.dataset import LabeledDataset
from genaug.mixing.sampler import MixedBatchSampler
from genaug.mixing.strategies import MixConcat, MixCurriculum, MixRatio, MixTopUp, MixWeighted

__all__ = [
    "LabeledDataset", "MixConcat", "MixCurriculum", "MixRatio", "MixTopUp", "MixWeighted",
    "MixedBatchSampler", "MixingStrategy", "composition", "fuse", "mark_source",
]
