"""Audio feature spaces and the silence/energy filter; the metrics are genaug's own.

Every feature metric and filter of :mod:`genaug.quality` (``fid``, ``kid``, ``prdc``,
``label_fidelity``, ``memorization``, ``dedup``, ...) takes audio through a feature extractor:

================== ==================================================================================
features=          what a clip becomes
================== ==================================================================================
``mfcc_stats``     MFCC statistics (mean/std of 20 MFCCs and their deltas, 80 numbers per channel):
                   the audio default; ``fid`` in this space is a Fréchet audio distance (FAD-like:
                   the same formula as FAD, on MFCC statistics rather than VGGish embeddings)
``log_mel_conv``   random convolutional features of the standardised log-mel image (seed 0)
a trained model    embeddings of a trained audio classifier: :func:`audio_classifier_features`
                   (an ``audio_cnn`` fitted on the real clips, penultimate layer)
================== ==================================================================================

The sample rate comes from ``meta["sample_rate"]`` (``sample_rate`` when absent), so real and
synthetic clips are compared on the same mel scale.

``audio_energy`` (a filter) drops silent or near-silent synthetic clips: its score is the
clip's RMS level in dB relative to the median RMS of the real clips, kept when above
``min_db``.

Example:
    >>> from genaug import quality
    >>> quality.FID(features="mfcc_stats")(real, synthetic)        # doctest: +SKIP
    {'fid': ...}
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from genaug.data.labeled import LabeledData
from genaug.modalities.audio import sample_rate_of
from genaug.quality import features as _features
from genaug.quality.features import ClassifierFeatures, FeatureExtractor, RandomConvFeatures
from genaug.quality.filters import Filter
from genaug.registry import register
from genaug.validation import check_range

__all__ = ["AudioEnergyFilter", "LogMelConvFeatures", "MFCCStatsFeatures", "audio_classifier_features"]


def _clips(data: LabeledData | Any, sample_rate: int) -> tuple[torch.Tensor, int]:
    x = data.x if isinstance(data, LabeledData) else data
    t = torch.as_tensor(x, dtype=torch.float32)
    if t.ndim != 3:
        raise ValueError(f"audio features take clips (N, C, T); got shape {tuple(t.shape)}")
    rate = sample_rate_of(data, sample_rate) if isinstance(data, LabeledData) else sample_rate
    return t, rate


class MFCCStatsFeatures(FeatureExtractor):
    """MFCC statistics of each clip (:func:`genaug.train.audio.mfcc_statistics`), (N, 4 C n_mfcc).

    Args:
        n_mfcc: MFCCs per frame, 4-40.
        sample_rate: Hz used when the data carries no ``meta["sample_rate"]``.
    """

    def __init__(self, *, n_mfcc: int = 20, sample_rate: int = 16000) -> None:
        self.n_mfcc = n_mfcc
        self.sample_rate = sample_rate
        if isinstance(n_mfcc, bool) or not isinstance(n_mfcc, int) or not 4 <= n_mfcc <= 40:
            raise ValueError(f"n_mfcc must be an int in [4, 40]; got {n_mfcc!r}")

    def __call__(self, data: LabeledData | Any) -> np.ndarray:
        from genaug.train.audio import mfcc_statistics

        x, rate = _clips(data, self.sample_rate)
        if len(x) == 0:
            return np.zeros((0, 4 * x.shape[1] * self.n_mfcc))
        return mfcc_statistics(x, rate, n_mfcc=self.n_mfcc)


class LogMelConvFeatures(FeatureExtractor):
    """Random-conv features (:class:`~genaug.quality.features.RandomConvFeatures`, seed 0) of each
    clip's log-mel image (40 bands), standardised per clip.

    Args:
        sample_rate: Hz used when the data carries no ``meta["sample_rate"]``.
        out_dim: feature dimension.
    """

    def __init__(self, *, sample_rate: int = 16000, out_dim: int = 128) -> None:
        self.sample_rate = sample_rate
        self.out_dim = out_dim
        self._conv = RandomConvFeatures(out_dim=out_dim)

    def __call__(self, data: LabeledData | Any) -> np.ndarray:
        from genaug.ops.audio import log_mel

        x, rate = _clips(data, self.sample_rate)
        if len(x) == 0:
            return np.zeros((0, self.out_dim))
        lm = log_mel(x, rate, n_mels=40).mean(dim=1, keepdim=True)  # (N, 1, 40, frames)
        lm = lm - lm.mean(dim=(1, 2, 3), keepdim=True)
        lm = lm / lm.std(dim=(1, 2, 3), keepdim=True).clamp_min(1e-5)
        return self._conv(lm)


def audio_classifier_features(
    real: LabeledData, *, steps: int = 300, generator: Any = 0, **config: Any
) -> ClassifierFeatures:
    """Embeddings of a trained audio classifier: an ``audio_cnn`` fitted on ``real`` (never the
    test split); its penultimate layer is the feature space.

    Args:
        real: labeled real clips.
        steps: training steps.
        generator: the training seed.
        **config: other ``audio_cnn`` options (``arch_kwargs`` defaults to the data's rate).
    """
    from genaug import registry

    kwargs = dict(config)
    kwargs.setdefault("arch_kwargs", {"sample_rate": sample_rate_of(real, 16000)})
    clf = registry.create("model", "audio_cnn", steps=steps, **kwargs).fit(real, None, generator=generator)
    return ClassifierFeatures(clf)


@register("filter", "audio_energy")
class AudioEnergyFilter(Filter):
    """Drop silent synthetic clips: keep a clip whose RMS level is at least ``min_db`` relative to
    the median RMS of the real clips.

    Score: ``20 log10(rms / median_real_rms)`` in dB (``-200`` for an all-zero clip).

    Args:
        min_db: the lowest level kept, in dB relative to the real clips' median, within [-120, 20].

    Example:
        >>> kept = AudioEnergyFilter(min_db=-20).fit(real)(synthetic)  # doctest: +SKIP
    """

    name = "audio_energy"

    def __init__(self, *, min_db: float = -20.0) -> None:
        self.min_db = min_db
        check_range("min_db", min_db, -120.0, 20.0)

    @staticmethod
    def _rms(data: LabeledData) -> np.ndarray:
        x = torch.as_tensor(data.x, dtype=torch.float64)
        if x.ndim != 3:
            raise ValueError(f"audio_energy takes audio clips (N, C, T); got shape {tuple(x.shape)}")
        return x.pow(2).mean(dim=(1, 2)).sqrt().numpy() if len(x) else np.zeros(0)

    def _fit(self, real: LabeledData) -> None:
        rms = self._rms(real)
        loud = rms[rms > 0]
        if not len(loud):
            raise ValueError("audio_energy needs real clips that are not all silent")
        self.reference_rms_ = float(np.median(loud))

    def score(self, synthetic: LabeledData) -> np.ndarray:
        """(M,) level in dB relative to the real clips' median RMS."""
        synthetic = self._check(synthetic)
        rms = self._rms(synthetic)
        with np.errstate(divide="ignore"):
            db = 20.0 * np.log10(rms / self.reference_rms_)
        return np.where(rms > 0, db, -200.0)

    def _keep(self, synthetic: LabeledData, scores: np.ndarray) -> np.ndarray:
        return np.flatnonzero(scores >= self.min_db)


_features._NAMED.setdefault("mfcc_stats", MFCCStatsFeatures)  # features="mfcc_stats"
_features._NAMED.setdefault("log_mel_conv", LogMelConvFeatures)  # features="log_mel_conv"
