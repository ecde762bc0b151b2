"""Audio waveforms: float tensors (N, C, T) at one sample rate.

A batch is ``(N, C, T)`` float (mono ``C = 1``, stereo ``C = 2``), values in the waveform's
units (usually within [-1, 1], not enforced: gain may exceed it). The sample rate travels with
the data, in ``meta["sample_rate"]`` (one int per clip, all equal), and the clips' lengths before
padding in ``meta["length"]`` (samples); readers set both (:mod:`genaug.data.audio`).

Audio is never inferred from a raw 3-D batch (that is the ``signal`` modality,
``infer_from_ndim``); name it with ``modality: audio`` or read it with an audio dataset.

Per-stage defaults:

* classical augmentation: gain ±6 dB, time shift up to 10 % (zeros) and noise at 10-40 dB SNR
  (:mod:`genaug.ops.audio`). No SpecAugment-style masks: on 1-second spoken digits at 5 clips
  per class adding them cost accuracy (``benchmarks/results/audio.md``); ``spec_mask`` is one
  config line away for long utterances, where SpecAugment was designed to help;
* strong augmentation (consistency training): gain ±12 dB, shift 30 %, 0-20 dB SNR, speed
  ×0.85-1.15 and wider masks;
* classifier: ``audio_cnn`` (log-mel front end + small 2-D CNN, :mod:`genaug.train.audio`);
* corruption suite ``audio`` (the signal suite), quality features ``mfcc_stats`` (MFCC statistics,
  :mod:`genaug.quality.audio`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from genaug.modalities.signal import SignalModality
from genaug.registry import register

__all__ = ["AudioModality", "SAMPLE_RATE_KEY", "LENGTH_KEY", "check_clips", "sample_rate_of"]

SAMPLE_RATE_KEY = "sample_rate"
"""Per-clip meta key: the sample rate in Hz (the same for every clip of a dataset)."""
LENGTH_KEY = "length"
"""Per-clip meta key: the clip's length in samples before padding to the batch's ``T``."""


@register("modality", "audio")
class AudioModality(SignalModality):
    """Audio waveforms (N, C, T), float, sample rate in ``meta["sample_rate"]``."""

    name: ClassVar[str] = "audio"
    shape_doc: ClassVar[str] = "(N, C, T)"
    default_model: ClassVar[dict[str, Any] | None] = {"name": "audio_cnn", "steps": 300}
    corruption_suite: ClassVar[str | None] = "audio"
    infer_from_ndim: ClassVar[bool] = False
    time_stretch: ClassVar[tuple[float, float]] = (1.0, 1.0)
    default_sample_rate: ClassVar[int] = 16000
    """The rate assumed when data carries none (``meta["sample_rate"]`` missing)."""
    feature_extractor: ClassVar[dict[str, Any] | None] = {"name": "mfcc_stats"}
    """Quality metrics compare MFCC statistics (:mod:`genaug.quality.audio`; FAD-like with ``fid``)."""
    preview_max_numel: ClassVar[int] = 0
    """Waveforms are not drawn as a sample grid."""

    def default_augmenter(self, sample_shape: Sequence[int] | None) -> list[dict[str, Any]]:
        self.check_sample_shape(sample_shape)
        return [
            {"name": "audio_gain", "db": (-6.0, 6.0)},
            {"name": "audio_shift", "max_shift": 0.1},
            {"name": "audio_noise", "snr_db": (10.0, 40.0), "p": 0.5},
        ]

    def strong_augmenter(self, sample_shape: Sequence[int] | None) -> list[dict[str, Any]]:
        self.check_sample_shape(sample_shape)
        return [
            {"name": "audio_gain", "db": (-12.0, 12.0)},
            {"name": "audio_speed", "factor": (0.85, 1.15)},
            {"name": "audio_shift", "max_shift": 0.3},
            {"name": "audio_noise", "snr_db": (0.0, 20.0)},
            {"name": "spec_mask", "freq_width": 0.3, "time_width": 0.2, "n_masks": 2},
        ]


def sample_rate_of(data: Any, default: int | None = None) -> int:
    """The sample rate of audio ``data`` (a LabeledData): ``meta["sample_rate"]``.

    Raises:
        ValueError: the clips disagree on their rate, or none is stored and no ``default``.
    """
    meta = getattr(data, "meta", {}) or {}
    if SAMPLE_RATE_KEY not in meta or not len(meta[SAMPLE_RATE_KEY]):
        if default is None:
            raise ValueError(
                "audio data carries no sample rate (meta['sample_rate']); read it with an audio "
                "dataset (wav_folder, spoken_digits) or pass sample_rate="
            )
        return int(default)
    rates = np.unique(np.asarray(meta[SAMPLE_RATE_KEY]).astype(np.int64))
    rates = rates[rates > 0]  # rows joined from data without a rate carry a fill value (-1)
    if not len(rates):
        if default is None:
            raise ValueError("audio data carries no sample rate (meta['sample_rate'] holds no "
                             "positive rate); pass sample_rate=")  # fmt: skip
        return int(default)
    if len(rates) != 1:
        raise ValueError(f"audio clips must share one sample rate; got rates {rates.tolist()} Hz")
    return int(rates[0])


def check_clips(data: Any, argument: str = "X") -> None:
    """Refuse audio ``data`` (a LabeledData) of empty clips or clips at several sample rates.

    Raises:
        ValueError: ``T == 0`` (naming ``argument``), or ``meta["sample_rate"]`` holds more than
            one rate (:func:`sample_rate_of`).
    """
    shape = tuple(getattr(data, "sample_shape", ()) or ())
    if len(shape) == 2 and shape[1] == 0:
        raise ValueError(f"{argument} holds empty clips (sample shape {shape}, T = 0); accepted: "
                         "clips (C, T) with T >= 1")  # fmt: skip
    sample_rate_of(data, AudioModality.default_sample_rate)
