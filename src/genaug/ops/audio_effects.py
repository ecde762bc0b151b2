"""More batched waveform augmenters for audio (B, C, T): pitch, tempo, filters, room, mixing.

Like :mod:`genaug.ops.audio`, every op draws its randomness in ``make_params`` (one value per
clip from an explicit ``torch.Generator``, plus the per-clip ``mask`` drawn with probability
``p``), so a call replays exactly from its params; the maths is in
:mod:`genaug.ops.functional.audio` (batched, no per-clip loop, no torchaudio). Ops that speak
in hertz or seconds take ``sample_rate`` and refuse settings above the Nyquist frequency.

==================== =============================================================================
name                 what it does (per clip)
==================== =============================================================================
``audio_pitch``      pitch shift by ``semitones`` (phase-vocoder stretch + resampling), tempo kept
``audio_stretch``    time stretch by ``rate`` (phase vocoder with phase locking), pitch kept
``audio_filter``     zero-phase low-, high- or band-pass (Butterworth magnitude), cut-off per clip
``audio_clip``       hard clipping at a fraction of the clip's peak
``audio_polarity``   polarity inversion (multiply by -1)
``audio_reverb``     convolution with a synthetic room impulse response (decaying noise, RT60)
``audio_background`` mix in a clip from a folder of WAV files at an SNR
``spec_time_warp``   SpecAugment time warp of the STFT frames, back to a waveform
==================== =============================================================================

Example:
    >>> import torch
    >>> from genaug import ops
    >>> aug = ops.build([{"name": "audio_pitch", "semitones": 2}, {"name": "audio_reverb"}])
    >>> aug(torch.randn(4, 1, 800), generator=0).shape
    torch.Size([4, 1, 800])
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import torch
from torch import Tensor

from genaug.ops._util import fixed_or_range, log_uniform, positive_pair, symmetric_range, uniform
from genaug.ops.audio import _AudioAugmenter
from genaug.ops.base import Params
from genaug.ops.functional import audio as FA
from genaug.registry import register
from genaug.validation import check_choice, check_range

__all__ = [
    "AudioBackground", "AudioClip", "AudioFilter", "AudioPitch", "AudioPolarity", "AudioReverb",
    "AudioStretch", "SpecTimeWarp",
]  # fmt: skip


def _check_rate(sample_rate: int) -> int:
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or not 1000 <= sample_rate <= 384000:
        raise ValueError(f"sample_rate must be an int in [1000, 384000] (Hz); got {sample_rate!r}")
    return sample_rate


def _check_n_fft(n_fft: int) -> None:
    if isinstance(n_fft, bool) or not isinstance(n_fft, int) or n_fft < 8:
        raise ValueError(f"n_fft must be an int >= 8; got {n_fft!r}")


@register("augmenter", "audio_pitch")
class AudioPitch(_AudioAugmenter):
    """Pitch shift in semitones, tempo and length kept, every clip of the batch at once.

    Each clip is time-stretched by its pitch ratio ``2 ** (s / 12)`` (one batched phase-vocoder
    pass), low-passed against aliasing and resampled back to T samples
    (:func:`~genaug.ops.functional.audio.pitch_shift`).

    Args:
        semitones: a number ``v`` (uniform in ``[-v, v]``) or a ``(min, max)`` range, within ±24.
        n_fft: STFT size of the phase vocoder (shrinks for short clips), >= 8.
        p: probability that a clip is shifted.

    Shape:
        (B, C, T) float -> same shape and dtype.

    Example:
        >>> import torch
        >>> AudioPitch(semitones=(-3, 3))(torch.randn(2, 1, 800), generator=0).shape
        torch.Size([2, 1, 800])
    """

    def __init__(self, *, semitones: float | Sequence[float] = 3.0, n_fft: int = 512, p: float = 1.0) -> None:
        super().__init__(p=p)
        self.semitones = semitones
        self.n_fft = n_fft
        self._range = symmetric_range("semitones", semitones, 24.0)
        _check_n_fft(n_fft)

    def _make_params(self, batch: Tensor, *, generator: torch.Generator) -> Params:
        return {"semitones": uniform(*self._range, batch.shape[0], generator=generator)}

    def _apply(self, batch: Tensor, params: Params) -> Tensor:
        return FA.pitch_shift(batch, params["semitones"], n_fft=self.n_fft)


@register("augmenter", "audio_stretch")
class AudioStretch(_AudioAugmenter):
    """Time stretch (tempo change, pitch kept) by a phase vocoder with identity phase locking.

    Args:
        rate: ``(min, max)`` tempo factors, > 0 and <= 4 (1.25 plays 25 % faster).
        n_fft: STFT size (shrinks for short clips), >= 8.
        p: probability that a clip is stretched.

    Shape:
        (B, C, T) float -> same shape and dtype: a faster clip ends in silence, a slower one is
        cropped at T.

    Example:
        >>> import torch
        >>> AudioStretch(rate=(0.8, 1.25))(torch.randn(2, 1, 800), generator=0).shape
        torch.Size([2, 1, 800])
    """

    def __init__(self, *, rate: Sequence[float] = (0.8, 1.25), n_fft: int = 512, p: float = 1.0) -> None:
        super().__init__(p=p)
        self.rate = rate
        self.n_fft = n_fft
        self._rate = positive_pair("rate", rate, 4.0)
        _check_n_fft(n_fft)

    def _make_params(self, batch: Tensor, *, generator: torch.Generator) -> Params:
        return {"rate": log_uniform(*self._rate, batch.shape[0], generator=generator)}

    def _apply(self, batch: Tensor, params: Params) -> Tensor:
        return FA.time_stretch(batch, params["rate"], n_fft=self.n_fft)


@register("augmenter", "audio_filter")
class AudioFilter(_AudioAugmenter):
    """Low-, high- or band-pass filter with a random cut-off per clip (zero phase, FFT domain).

    The gain is a Butterworth magnitude of ``order``; cut-offs are drawn log-uniformly in hertz.
    A band-pass draws its low edge in ``low_hz`` and its high edge in ``high_hz``.

    Args:
        kind: ``"lowpass"``, ``"highpass"`` or ``"bandpass"``.
        low_hz: ``(min, max)`` high-pass cut-off (used by highpass and bandpass), in (0, nyquist).
        high_hz: ``(min, max)`` low-pass cut-off (used by lowpass and bandpass), in (0, nyquist].
        order: Butterworth order, 1-8.
        sample_rate: the clips' rate in Hz (cut-offs must lie below its Nyquist frequency).
        p: probability that a clip is filtered.

    Shape:
        (B, C, T) float -> same shape and dtype.

    Example:
        >>> import torch
        >>> AudioFilter(kind="lowpass", high_hz=(500, 2000), sample_rate=8000)(
        ...     torch.randn(2, 1, 800), generator=0).shape
        torch.Size([2, 1, 800])
    """

    def __init__(
        self,
        *,
        kind: Literal["lowpass", "highpass", "bandpass"] = "lowpass",
        low_hz: Sequence[float] = (100.0, 600.0),
        high_hz: Sequence[float] = (1500.0, 3500.0),
        order: int = 4,
        sample_rate: int = 16000,
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self.kind = kind
        self.low_hz = low_hz
        self.high_hz = high_hz
        self.order = order
        self.sample_rate = sample_rate
        check_choice("kind", kind, ["lowpass", "highpass", "bandpass"])
        nyquist = _check_rate(sample_rate) / 2
        self._low = positive_pair("low_hz", low_hz)
        self._high = positive_pair("high_hz", high_hz)
        for name, pair in (("low_hz", self._low), ("high_hz", self._high)):
            if pair[1] > nyquist:
                raise ValueError(
                    f"{name} {list(pair)} reaches above the Nyquist frequency {nyquist:g} Hz of "
                    f"sample_rate {sample_rate}; accepted: cut-offs in (0, {nyquist:g}]"
                )
        if kind == "bandpass" and self._low[1] >= self._high[0]:
            raise ValueError(
                f"a bandpass needs low_hz below high_hz; got low_hz={low_hz!r}, high_hz={high_hz!r}"
            )
        if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= 8:
            raise ValueError(f"order must be an int in [1, 8]; got {order!r}")

    def _make_params(self, batch: Tensor, *, generator: torch.Generator) -> Params:
        b = batch.shape[0]
        return {
            "low_hz": log_uniform(*self._low, b, generator=generator),
            "high_hz": log_uniform(*self._high, b, generator=generator),
        }

    def _apply(self, batch: Tensor, params: Params) -> Tensor:
        return FA.fft_filter(batch, self.sample_rate, self.kind, params["low_hz"], params["high_hz"],
                             order=self.order)  # fmt: skip


@register("augmenter", "audio_clip")
class AudioClip(_AudioAugmenter):
    """Hard clipping (saturation) at a random fraction of each clip's peak magnitude.

    Args:
        level: a number or a ``(min, max)`` range of fractions of the peak, within (0, 1].
        p: probability that a clip is clipped.

    Shape:
        (B, C, T) float -> same shape and dtype.

    Example:
        >>> import torch
        >>> x = torch.tensor([[[0.0, 1.0, -1.0, 0.5]]])
        >>> AudioClip(level=0.5)(x, generator=0).tolist()
        [[[0.0, 0.5, -0.5, 0.5]]]
    """

    def __init__(self, *, level: float | Sequence[float] = (0.3, 0.9), p: float = 1.0) -> None:
        super().__init__(p=p)
        self.level = level
        self._level = fixed_or_range("level", level, 0.0, 1.0)
        if self._level[0] <= 0:
            raise ValueError(f"level must be within (0, 1]; got {level!r}")

    def _make_params(self, batch: Tensor, *, generator: torch.Generator) -> Params:
        return {"level": uniform(*self._level, batch.shape[0], generator=generator)}

    def _apply(self, batch: Tensor, params: Params) -> Tensor:
        return FA.hard_clip(batch, params["level"])


@register("augmenter", "audio_polarity")
class AudioPolarity(_AudioAugmenter):
    """Polarity inversion: the clip is multiplied by -1 (inaudible alone; changes mixtures).

    Args:
        p: probability that a clip is inverted (default 0.5).

    Shape:
        (B, C, T) float -> same shape and dtype.

    Example:
        >>> import torch
        >>> AudioPolarity(p=1.0)(torch.ones(1, 1, 2), generator=0).tolist()
        [[[-1.0, -1.0]]]
    """

    def __init__(self, *, p: float = 0.5) -> None:
        super().__init__(p=p)

    def _make_params(self, batch: Tensor, *, generator: torch.Generator) -> Params:
        return {}

    def _apply(self, batch: Tensor, params: Params) -> Tensor:
        return -batch


@register("augmenter", "audio_reverb")
class AudioReverb(_AudioAugmenter):
    """Reverberation: convolution with a synthetic room impulse response per clip.

    The impulse response is a unit direct path plus Gaussian noise decaying by 60 dB in
    ``rt60`` seconds (:func:`~genaug.ops.functional.audio.synthetic_rir`); the wet signal is
    mixed with the dry one by ``wet`` and scaled back to the dry clip's RMS.

    Args:
        rt60: a number or a ``(min, max)`` range of reverberation times in seconds, in (0, 5].
        wet: a number or a ``(min, max)`` range of wet fractions, within [0, 1].
        sample_rate: the clips' rate in Hz.
        p: probability that a clip is reverberated.

    Shape:
        (B, C, T) float -> same shape and dtype (the tail past T is cut).

    Example:
        >>> import torch
        >>> AudioReverb(rt60=(0.2, 0.6), sample_rate=8000)(torch.randn(2, 1, 800), generator=0).shape
        torch.Size([2, 1, 800])
    """

    def __init__(
        self,
        *,
        rt60: float | Sequence[float] = (0.1, 0.6),
        wet: float | Sequence[float] = (0.3, 0.8),
        sample_rate: int = 16000,
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self.rt60 = rt60
        self.wet = wet
        self.sample_rate = sample_rate
        _check_rate(sample_rate)
        self._rt60 = fixed_or_range("rt60", rt60, 0.0, 5.0)
        if self._rt60[0] <= 0:
            raise ValueError(f"rt60 must be seconds within (0, 5]; got {rt60!r}")
        self._wet = fixed_or_range("wet", wet, 0.0, 1.0)

    def _rir_length(self, t: int) -> int:
        return max(2, min(t, int(round(self._rt60[1] * self.sample_rate))))

    def _make_params(self, batch: Tensor, *, generator: torch.Generator) -> Params:
        b, t = batch.shape[0], batch.shape[-1]
        return {
            "rt60": uniform(*self._rt60, b, generator=generator),
            "wet": uniform(*self._wet, b, generator=generator),
            "noise": torch.randn(b, self._rir_length(t), generator=generator),
        }

    def _apply(self, batch: Tensor, params: Params) -> Tensor:
        noise = params["noise"]
        rir = FA.synthetic_rir(params["rt60"], self.sample_rate, noise.shape[-1], noise=noise)
        dry = batch.to(torch.float64)
        wet_sig = FA.fft_convolve(dry, rir)
        w = params["wet"].to(torch.float64).to(batch.device).view(-1, 1, 1)
        out = (1 - w) * dry + w * wet_sig
        rms_in = dry.pow(2).mean(dim=(1, 2), keepdim=True).sqrt()
        rms_out = out.pow(2).mean(dim=(1, 2), keepdim=True).sqrt().clamp_min(1e-12)
        return (out * (rms_in / rms_out)).to(batch.dtype)


@register("augmenter", "audio_background")
class AudioBackground(_AudioAugmenter):
    """Mix in background sound from a folder of audio files at a random SNR.

    The files (``*.wav``, ``.flac``, ``.ogg`` anywhere under ``path``) are read once, at the
    clips' ``sample_rate`` (resampled), mono; each clip draws one file, a start offset and an
    SNR; the background is looped or cropped to T and scaled so that the clip's power over
    the background's is ``snr_db``. A silent clip gets no background.

    Args:
        path: the folder of background sounds (at least one non-silent file).
        snr_db: a number or a ``(min, max)`` range in dB, within [-20, 100].
        sample_rate: the clips' rate in Hz.
        p: probability that a clip gets background.

    Raises:
        genaug.errors.DataFileError: a missing folder, no audio file in it, or a corrupt file
            (the message names it).

    Shape:
        (B, C, T) float -> same shape and dtype (every channel gets the same background).

    Example:
        In a spec: ``augment: [{name: audio_background, path: data/noise, snr_db: [5, 20]}]``;
        in Python ``AudioBackground(path="data/noise", sample_rate=8000)(batch, generator=0)``.
    """

    def __init__(
        self,
        *,
        path: str | os.PathLike[str],
        snr_db: float | Sequence[float] = (5.0, 20.0),
        sample_rate: int = 16000,
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self.path = path
        self.snr_db = snr_db
        self.sample_rate = sample_rate
        _check_rate(sample_rate)
        self._snr = fixed_or_range("snr_db", snr_db, -20.0, 100.0)
        self._sounds = self._read(Path(path))

    def _read(self, root: Path) -> list[Tensor]:
        from genaug.data.audio import AUDIO_SUFFIXES, read_wav
        from genaug.errors import DataFileError

        if not root.is_dir():
            raise DataFileError(f"audio_background path {root} is not a folder", path=root, argument="path",
                                accepted="a folder holding .wav/.flac/.ogg files")  # fmt: skip
        files = sorted(f for f in root.rglob("*") if f.suffix.lower() in AUDIO_SUFFIXES and f.is_file())
        sounds = []
        for f in files:
            wave, _ = read_wav(f, sample_rate=self.sample_rate, resample=True, mono=True)
            if float(abs(wave).max()) > 0:
                sounds.append(torch.from_numpy(wave[0]).to(torch.float64))
        if not sounds:
            raise DataFileError(
                f"audio_background path {root} holds no non-silent audio file",
                path=root, argument="path", accepted=f"files ending in {AUDIO_SUFFIXES}",
            )
        return sounds

    def _make_params(self, batch: Tensor, *, generator: torch.Generator) -> Params:
        b = batch.shape[0]
        return {
            "index": torch.randint(len(self._sounds), (b,), generator=generator),
            "offset": torch.rand(b, generator=generator),
            "snr_db": uniform(*self._snr, b, generator=generator),
        }

    def _background(self, index: int, offset: float, t: int) -> Tensor:
        sound = self._sounds[index]
        start = int(offset * len(sound)) % len(sound)
        reps = -(-(start + t) // len(sound))
        return sound.repeat(reps)[start : start + t]

    def _apply(self, batch: Tensor, params: Params) -> Tensor:
        t = batch.shape[-1]
        noise = torch.stack([
            self._background(int(i), float(o), t)
            for i, o in zip(params["index"], params["offset"], strict=True)
        ]).to(batch.device).unsqueeze(1)  # (B, 1, T), a gather of prepared arrays; the maths is batched
        power = batch.to(torch.float64).pow(2).mean(dim=(1, 2), keepdim=True)
        npow = noise.pow(2).mean(dim=(1, 2), keepdim=True).clamp_min(1e-20)
        snr = params["snr_db"].to(torch.float64).to(batch.device).view(-1, 1, 1)
        scale = torch.sqrt(power / (npow * 10.0 ** (snr / 10.0)))
        return (batch.to(torch.float64) + noise * scale).to(batch.dtype)


@register("augmenter", "spec_time_warp")
class SpecTimeWarp(_AudioAugmenter):
    """SpecAugment time warp (Park et al. 2019) on the STFT, turned back into a waveform.

    A frame at a random position moves by up to ``max_warp`` of the frames; the frames on each
    side are stretched linearly to fill the gap
    (:func:`~genaug.ops.functional.audio.time_warp`).

    Args:
        max_warp: largest move as a fraction of the frames, in [0, 0.5].
        n_fft: STFT size (shrinks to a power of two <= T for short clips), >= 8.
        p: probability that a clip is warped.

    Shape:
        (B, C, T) float -> same shape and dtype.

    Example:
        >>> import torch
        >>> SpecTimeWarp(max_warp=0.1)(torch.randn(2, 1, 800), generator=0).shape
        torch.Size([2, 1, 800])
    """

    def __init__(self, *, max_warp: float = 0.1, n_fft: int = 256, p: float = 1.0) -> None:
        super().__init__(p=p)
        self.max_warp = max_warp
        self.n_fft = n_fft
        check_range("max_warp", max_warp, 0.0, 0.5)
        _check_n_fft(n_fft)

    def _make_params(self, batch: Tensor, *, generator: torch.Generator) -> Params:
        b = batch.shape[0]
        return {
            "centre": uniform(0.2, 0.8, b, generator=generator),
            "shift": uniform(-self.max_warp, self.max_warp, b, generator=generator),
        }

    def _apply(self, batch: Tensor, params: Params) -> Tensor:
        return FA.time_warp(batch, params["centre"], params["shift"], n_fft=self.n_fft)
