"""Batched waveform augmenters for audio (B, C, T) and log-mel / MFCC features, in torch.

Every op draws all of its randomness in ``make_params`` from an explicit ``torch.Generator``
(one value per clip, plus a per-clip ``mask`` drawn with probability ``p``), so a call replays
exactly from its params; nothing uses a global RNG and nothing needs torchaudio.

=============== ==================================================================================
name            what it does (per clip)
=============== ==================================================================================
``audio_gain``  multiply by ``10 ** (db / 20)``, ``db`` uniform in a range
``audio_noise`` add white, pink or brown Gaussian noise at an SNR (dB) uniform in a range
``audio_shift`` shift in time by up to ``max_shift`` of the length (zeros or circular)
``audio_speed`` speed perturbation by resampling (linear interpolation): tempo and pitch change
                together by ``factor``; the length T is kept (cropped, or padded with zeros)
``spec_mask``   SpecAugment-style frequency and time masks on the STFT, back to a waveform
=============== ==================================================================================

Example:
    >>> import torch
    >>> from genaug import ops
    >>> aug = ops.build([{"name": "audio_gain"}, {"name": "audio_noise", "snr_db": (10, 30)}])
    >>> aug(torch.randn(4, 1, 800), generator=0).shape
    torch.Size([4, 1, 800])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import ClassVar, Literal

import torch
from torch import Tensor

from genaug.ops._util import fixed_or_range, positive_pair, uniform
from genaug.ops.base import Augmenter, Params
from genaug.ops.functional import audio as FA
from genaug.registry import register
from genaug.validation import check_choice, check_range

__all__ = [
    "AudioGain", "AudioNoise", "AudioShift", "AudioSpeed", "SpecMask",
    "colored_noise", "log_mel", "mel_filterbank", "mfcc", "resample", "speed",
]  # fmt: skip


# ------------------------------------------------------------------------------- functional
def colored_noise(shape: Sequence[int], color: str, *, generator: torch.Generator) -> Tensor:
    """Gaussian noise of ``shape`` (..., T), unit variance per clip, with a 1/f**a spectrum.

    ``color``: ``"white"`` (a = 0), ``"pink"`` (a = 1) or ``"brown"`` (a = 2).
    """
    white = torch.randn(tuple(shape), generator=generator)
    if color == "white":
        return white
    a = {"pink": 1.0, "brown": 2.0}[color]
    t = white.shape[-1]
    spec = torch.fft.rfft(white, dim=-1)
    f = torch.arange(spec.shape[-1], dtype=white.dtype)
    f[0] = 1.0
    spec = spec / f.pow(a / 2.0)
    spec[..., 0] = 0.0
    out = torch.fft.irfft(spec, n=t, dim=-1)
    return out / out.std(dim=-1, keepdim=True).clamp_min(1e-12)


def speed(x: Tensor, factor: Tensor) -> Tensor:
    """Play each clip ``factor`` (B,) times faster (linear interpolation; > 1 is faster and higher).

    Output sample ``i`` reads the input at ``i * factor``; positions past the end are 0, so
    the length T is kept. ``factor == 1`` is exact identity. (:func:`genaug.ops.functional.audio.speed`.)
    """
    return FA.speed(x, factor)


def resample(x: Tensor, orig_rate: int, new_rate: int) -> Tensor:
    """Band-limited resampling of (..., T) waveforms from ``orig_rate`` to ``new_rate`` Hz.

    Windowed-sinc (Hann, 16 zero crossings) interpolation with the cut-off at the lower
    Nyquist frequency; the output has ``ceil(T * new_rate / orig_rate)`` samples.
    """
    if orig_rate == new_rate:
        return x
    g = math.gcd(int(orig_rate), int(new_rate))
    up, down = int(new_rate) // g, int(orig_rate) // g
    t = x.shape[-1]
    n_out = math.ceil(t * up / down)
    cutoff = min(1.0, up / down)  # in units of the input Nyquist
    zeros = 16
    width = math.ceil(zeros / cutoff)
    # output j sits at input position j * down / up
    pos = torch.arange(n_out, dtype=torch.float64) * down / up
    base = pos.floor().long()
    offs = torch.arange(-width, width + 1)
    idx = base.view(-1, 1) + offs.view(1, -1)
    d = pos.view(-1, 1) - idx.to(torch.float64)
    kernel = (
        cutoff
        * torch.special.sinc(cutoff * d)
        * torch.where(d.abs() <= width, 0.5 * (1 + torch.cos(math.pi * d / (width + 1))), torch.zeros_like(d))
    )
    valid = (idx >= 0) & (idx < t)
    kernel = (kernel * valid).to(x.dtype)
    flat = x.reshape(-1, t)
    gathered = flat[:, idx.clamp(0, t - 1)]  # (M, n_out, taps)
    return (gathered * kernel).sum(-1).reshape(*x.shape[:-1], n_out)


def _n_fft_for(t: int, n_fft: int) -> int:
    n = min(int(n_fft), max(4, t))
    return 1 << (n.bit_length() - 1)  # a power of two <= n


def _stft(x: Tensor, n_fft: int) -> tuple[Tensor, int]:
    b, c, t = x.shape
    n = _n_fft_for(t, n_fft)
    hop = n // 4
    window = torch.hann_window(n, dtype=x.dtype, device=x.device)
    spec = torch.stft(x.reshape(b * c, t), n, hop, window=window, center=True, return_complex=True)
    return spec.reshape(b, c, *spec.shape[-2:]), n


def _istft(spec: Tensor, n: int, t: int) -> Tensor:
    b, c = spec.shape[:2]
    window = torch.hann_window(n, dtype=spec.real.dtype, device=spec.device)
    out = torch.istft(spec.reshape(b * c, *spec.shape[-2:]), n, n // 4, window=window, center=True, length=t)
    return out.reshape(b, c, t)


@lru_cache(maxsize=32)
def _mel_cached(n_freqs: int, n_mels: int, sample_rate: int, f_min: float, f_max: float) -> Tensor:
    def hz_to_mel(f: Tensor) -> Tensor:
        return 2595.0 * torch.log10(1.0 + f / 700.0)

    def mel_to_hz(m: Tensor) -> Tensor:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)

    freqs = torch.linspace(0, sample_rate / 2, n_freqs, dtype=torch.float64)
    mels = torch.linspace(float(hz_to_mel(torch.tensor(f_min))), float(hz_to_mel(torch.tensor(f_max))),
                          n_mels + 2, dtype=torch.float64)  # fmt: skip
    hz = mel_to_hz(mels)
    lower, centre, upper = hz[:-2].view(-1, 1), hz[1:-1].view(-1, 1), hz[2:].view(-1, 1)
    up = (freqs.view(1, -1) - lower) / (centre - lower).clamp_min(1e-9)
    down = (upper - freqs.view(1, -1)) / (upper - centre).clamp_min(1e-9)
    fb = torch.clamp(torch.minimum(up, down), min=0.0)
    return fb.to(torch.float32)  # (n_mels, n_freqs)


def mel_filterbank(
    n_freqs: int, n_mels: int, sample_rate: int, f_min: float = 0.0, f_max: float | None = None
) -> Tensor:
    """Triangular mel filters (HTK mel scale), shape (n_mels, n_freqs)."""
    return _mel_cached(
        int(n_freqs),
        int(n_mels),
        int(sample_rate),
        float(f_min),
        float(f_max if f_max is not None else sample_rate / 2),
    ).clone()


def log_mel(
    x: Tensor,
    sample_rate: int,
    *,
    n_mels: int = 40,
    n_fft: int = 512,
    hop: int | None = None,
    eps: float = 1e-6,
) -> Tensor:
    """Log mel spectrogram of (B, C, T) waveforms: (B, C, n_mels, frames), ``log(power + eps)``.

    ``n_fft`` shrinks to a power of two <= T for short clips; ``hop`` defaults to ``n_fft // 4``.
    """
    b, c, t = x.shape
    n = _n_fft_for(t, n_fft)
    hop = hop or n // 4
    window = torch.hann_window(n, dtype=x.dtype, device=x.device)
    spec = torch.stft(x.reshape(b * c, t), n, hop, window=window, center=True, return_complex=True)
    power = spec.real.pow(2) + spec.imag.pow(2)  # (BC, F, frames)
    fb = mel_filterbank(power.shape[1], n_mels, sample_rate).to(power.device, power.dtype)
    mel = torch.einsum("mf,bft->bmt", fb, power)
    return torch.log(mel + eps).reshape(b, c, n_mels, -1)


def mfcc(x: Tensor, sample_rate: int, *, n_mfcc: int = 13, n_mels: int = 40, n_fft: int = 512) -> Tensor:
    """MFCCs of (B, C, T) waveforms: DCT-II (orthonormal) of the log mel spectrogram,
    shape (B, C, n_mfcc, frames)."""
    lm = log_mel(x, sample_rate, n_mels=n_mels, n_fft=n_fft)
    m = torch.arange(n_mels, dtype=lm.dtype)
    k = torch.arange(n_mfcc, dtype=lm.dtype).view(-1, 1)
    dct = torch.cos(math.pi / n_mels * (m + 0.5) * k) * math.sqrt(2.0 / n_mels)
    dct[0] /= math.sqrt(2.0)
    return torch.einsum("km,bcmt->bckt", dct, lm)


# ------------------------------------------------------------------------------- augmenters
class _AudioAugmenter(Augmenter):
    """Base of the audio augmenters: (B, C, T) float batches of clips with at least one sample."""

    input_ndim: ClassVar[int] = 3

    def _check_batch(self, batch: Tensor) -> None:
        super()._check_batch(batch)
        if batch.shape[-1] == 0:
            raise ValueError(
                f"batch holds empty clips (shape {tuple(batch.shape)}, T = 0); "
                "accepted: clips (B, C, T) with T >= 1"
            )


@register("augmenter", "audio_gain")
class AudioGain(_AudioAugmenter):
    """Random gain in decibels: each clip is multiplied by ``10 ** (db / 20)``.

    Args:
        db: a number (exactly that gain) or a ``(min, max)`` range in dB, within [-60, 60].
        p: probability that a clip is changed.

    Shape:
        (B, C, T) float -> same shape and dtype (no clipping).

    Example:
        >>> import torch
        >>> AudioGain(db=6.0)(torch.ones(2, 1, 4), generator=0)[0, 0, 0].item() > 1.99
        True
    """

    def __init__(self, *, db: float | Sequence[float] = (-6.0, 6.0), p: float = 1.0) -> None:
        super().__init__(p=p)
        self.db = db
        self._db = fixed_or_range("db", db, -60.0, 60.0)

    def _make_params(self, batch: Tensor, *, generator: torch.Generator) -> Params:
        return {"db": uniform(*self._db, batch.shape[0], generator=generator)}

    @staticmethod
    def _factor(batch: Tensor, params: Params) -> Tensor:
        return (10.0 ** (params["db"] / 20.0)).to(batch.device, batch.dtype).view(-1, 1, 1)

    def _apply(self, batch: Tensor, params: Params) -> Tensor:
        return batch * self._factor(batch, params)

    def apply_inplace(self, batch: Tensor, params: Params) -> Tensor | None:
        """``apply`` written into ``batch`` (an intermediate the caller owns; bit-identical), or
        None when some clips are masked out (used by :class:`~genaug.ops.compose.Sequential`)."""
        if not bool(params["mask"].all()) or not batch.is_floating_point():
            return None
        return batch.mul_(self._factor(batch, params))


@register("augmenter", "audio_noise")
class AudioNoise(_AudioAugmenter):
    """Add Gaussian noise at a signal-to-noise ratio drawn per clip.

    The noise power is the clip's mean power (over channels and time) divided by
    ``10 ** (snr_db / 10)``; a silent clip gets no noise.

    Args:
        snr_db: a number or a ``(min, max)`` range in dB, within [-20, 100].
        color: ``"white"``, ``"pink"`` (1/f) or ``"brown"`` (1/f²).
        p: probability that a clip gets noise.

    Shape:
        (B, C, T) float -> same shape and dtype.

    Example:
        >>> import torch
        >>> x = torch.randn(2, 1, 4000)
        >>> n = AudioNoise(snr_db=20.0)(x, generator=0) - x
        >>> round(10 * torch.log10(x.pow(2).mean() / n.pow(2).mean()).item())
        20
    """

    def __init__(
        self,
        *,
        snr_db: float | Sequence[float] = (10.0, 40.0),
        color: Literal["white", "pink", "brown"] = "white",
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self.snr_db = snr_db
        self.color = color
        self._snr = fixed_or_range("snr_db", snr_db, -20.0, 100.0)
        check_choice("color", color, ["white", "pink", "brown"])

    def _make_params(self, batch: Tensor, *, generator: torch.Generator) -> Params:
        return {
            "snr_db": uniform(*self._snr, batch.shape[0], generator=generator),
            "noise": colored_noise(batch.shape, self.color, generator=generator),
        }

    @staticmethod
    def _scale(batch: Tensor, params: Params) -> Tensor:
        """Per-clip noise amplitude (B, 1, 1): ``sqrt(mean power / 10 ** (snr / 10))``. The mean
        power is ``||x||**2 / n`` from one norm pass in the batch's dtype (no float64 copy)."""
        flat = batch.reshape(batch.shape[0], -1)
        rms = torch.linalg.vector_norm(flat, dim=1) / math.sqrt(max(flat.shape[1], 1))
        snr = params["snr_db"].to(batch.device, torch.float64)
        return (rms.to(torch.float64) / 10.0 ** (snr / 20.0)).to(batch.dtype).view(-1, 1, 1)

    def _apply(self, batch: Tensor, params: Params) -> Tensor:
        noise = params["noise"].to(batch.device, batch.dtype)
        return torch.addcmul(batch, noise, self._scale(batch, params))  # x + noise * scale, one pass

    def apply_inplace(self, batch: Tensor, params: Params) -> Tensor | None:
        """``apply`` written into ``batch`` (an intermediate the caller owns; bit-identical), or
        None when some clips are masked out (used by :class:`~genaug.ops.compose.Sequential`)."""
        if not bool(params["mask"].all()) or not batch.is_floating_point():
            return None
        return batch.addcmul_(params["noise"].to(batch.device, batch.dtype), self._scale(batch, params))


@register("augmenter", "audio_shift")
class AudioShift(_AudioAugmenter):
    """Shift each clip in time by a random whole number of samples.

    Args:
        max_shift: largest shift as a fraction of the length T, in [0, 1].
        mode: ``"zeros"`` pads with silence (default); ``"circular"`` wraps around.
        p: probability that a clip is shifted.

    Shape:
        (B, C, T) float -> same shape and dtype.

    Example:
        >>> import torch
        >>> AudioShift(max_shift=0.1)(torch.randn(2, 1, 100), generator=0).shape
        torch.Size([2, 1, 100])
    """

    def __init__(
        self, *, max_shift: float = 0.1, mode: Literal["zeros", "circular"] = "zeros", p: float = 1.0
    ) -> None:
        super().__init__(p=p)
        self.max_shift = max_shift
        self.mode = mode
        check_range("max_shift", max_shift, 0.0, 1.0)
        check_choice("mode", mode, ["zeros", "circular"])

    def _make_params(self, batch: Tensor, *, generator: torch.Generator) -> Params:
        limit = round(self.max_shift * batch.shape[-1])
        return {"steps": torch.randint(-limit, limit + 1, (batch.shape[0],), generator=generator)}

    def _apply(self, batch: Tensor, params: Params) -> Tensor:
        return FA.shift(batch, params["steps"], mode=self.mode)


@register("augmenter", "audio_speed")
class AudioSpeed(_AudioAugmenter):
    """Speed perturbation by resampling (Kaldi-style): tempo and pitch change by ``factor``.

    Args:
        factor: ``(min, max)`` speed factors, > 0 and <= 4 (1.1 is 10 % faster and higher).
        p: probability that a clip is changed.

    Shape:
        (B, C, T) float -> same shape and dtype; a faster clip ends in silence, a slower one
        is cropped at T.

    Example:
        >>> import torch
        >>> AudioSpeed(factor=(0.9, 1.1))(torch.randn(2, 1, 100), generator=0).shape
        torch.Size([2, 1, 100])
    """

    def __init__(self, *, factor: Sequence[float] = (0.9, 1.1), p: float = 1.0) -> None:
        super().__init__(p=p)
        self.factor = factor
        self._factor = positive_pair("factor", factor, 4.0)

    def _make_params(self, batch: Tensor, *, generator: torch.Generator) -> Params:
        return {"factor": uniform(*self._factor, batch.shape[0], generator=generator)}

    def _apply(self, batch: Tensor, params: Params) -> Tensor:
        return speed(batch, params["factor"])


@register("augmenter", "spec_mask")
class SpecMask(_AudioAugmenter):
    """SpecAugment-style masking (Park et al. 2019) applied to the waveform through its STFT.

    Each clip gets ``n_masks`` frequency bands and ``n_masks`` time spans zeroed in its
    short-time Fourier transform (Hann window, ``n_fft`` bins, hop ``n_fft // 4``), then is
    turned back into a waveform of the same length (inverse STFT, the clip's own phase).

    Args:
        freq_width: largest band as a fraction of the frequency bins, in [0, 1].
        time_width: largest span as a fraction of the frames, in [0, 1].
        n_masks: masks of each kind per clip, 1-8.
        n_fft: FFT size (shrinks to a power of two <= T for short clips), >= 8.
        p: probability that a clip is masked.

    Shape:
        (B, C, T) float -> same shape and dtype.

    Example:
        >>> import torch
        >>> SpecMask()(torch.randn(2, 1, 800), generator=0).shape
        torch.Size([2, 1, 800])
    """

    def __init__(
        self,
        *,
        freq_width: float = 0.15,
        time_width: float = 0.1,
        n_masks: int = 1,
        n_fft: int = 256,
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self.freq_width = freq_width
        self.time_width = time_width
        self.n_masks = n_masks
        self.n_fft = n_fft
        check_range("freq_width", freq_width, 0.0, 1.0)
        check_range("time_width", time_width, 0.0, 1.0)
        if isinstance(n_masks, bool) or not isinstance(n_masks, int) or not 1 <= n_masks <= 8:
            raise ValueError(f"n_masks must be an int in [1, 8]; got {n_masks!r}")
        if isinstance(n_fft, bool) or not isinstance(n_fft, int) or n_fft < 8:
            raise ValueError(f"n_fft must be an int >= 8; got {n_fft!r}")

    def _make_params(self, batch: Tensor, *, generator: torch.Generator) -> Params:
        b, k = batch.shape[0], self.n_masks
        # widths and starts as fractions, so the params do not depend on the STFT size
        return {
            "freq_width": uniform(0.0, self.freq_width, (b, k), generator=generator),
            "freq_start": torch.rand((b, k), generator=generator),
            "time_width": uniform(0.0, self.time_width, (b, k), generator=generator),
            "time_start": torch.rand((b, k), generator=generator),
        }

    @staticmethod
    def _band(n: int, width: Tensor, start: Tensor) -> Tensor:
        w = (width * n).floor()
        s = (start * (n - w + 1)).floor().clamp(max=n - w)
        pos = torch.arange(n).view(1, 1, n)
        inside = (pos >= s.unsqueeze(-1)) & (pos < (s + w).unsqueeze(-1))
        return inside.any(dim=1)  # (B, n)

    def _apply(self, batch: Tensor, params: Params) -> Tensor:
        t = batch.shape[-1]
        spec, n = _stft(batch, self.n_fft)
        f, frames = spec.shape[-2:]
        fmask = self._band(f, params["freq_width"], params["freq_start"]).to(spec.device)
        tmask = self._band(frames, params["time_width"], params["time_start"]).to(spec.device)
        keep = ~(fmask.view(-1, 1, f, 1) | tmask.view(-1, 1, 1, frames))
        return _istft(spec * keep, n, t).to(batch.dtype)
