"""Batched audio math on (B, C, T) float waveforms, one parameter per clip (pure functions).

Everything here is deterministic and batched: per-clip parameters are tensors of shape (B,),
only :func:`shift` loops over clips (one slice copy each, cheaper than a batched gather),
nothing draws random numbers (the augmenters in
:mod:`genaug.ops.audio_effects` draw them) and nothing needs torchaudio.

* :func:`phase_vocoder` / :func:`time_stretch`: change tempo, keep pitch (STFT phase vocoder,
  one rate per clip in one batched gather);
* :func:`pitch_shift`: change pitch, keep tempo (stretch by the pitch ratio, then resample by
  linear interpolation after an anti-aliasing low-pass), all clips at once;
* :func:`butterworth_gain` / :func:`fft_filter`: zero-phase low/high/band-pass filters applied in
  the frequency domain with a Butterworth magnitude response, one cut-off per clip;
* :func:`synthetic_rir` / :func:`fft_convolve`: exponentially decaying noise impulse responses
  (RT60 per clip) and FFT convolution;
* :func:`shift` / :func:`speed`: time shift (slice copies) and speed perturbation (linear
  resampling), one amount per clip;
* :func:`hard_clip`: clipping at a fraction of each clip's peak;
* :func:`time_warp`: SpecAugment's time warp on the STFT frames (piecewise-linear, per clip);
* :func:`griffin_lim`: phase reconstruction from a magnitude STFT (torch.stft/istft).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import Tensor

__all__ = [
    "butterworth_gain", "fft_convolve", "fft_filter", "griffin_lim", "hard_clip", "phase_vocoder",
    "pitch_shift", "shift", "speed", "stft_frames", "synthetic_rir", "time_stretch", "time_warp",
]  # fmt: skip

FilterKind = Literal["lowpass", "highpass", "bandpass"]


def stft_size(t: int, n_fft: int) -> int:
    """The FFT size used for clips of ``t`` samples: a power of two <= min(n_fft, max(4, t))."""
    n = min(int(n_fft), max(4, int(t)))
    return 1 << (n.bit_length() - 1)


def stft_frames(x: Tensor, n_fft: int) -> tuple[Tensor, int, int]:
    """Complex STFT of (M, T) waveforms: ``(spec (M, F, N), n, hop)``, Hann window, hop n/4."""
    n = stft_size(x.shape[-1], n_fft)
    hop = max(1, n // 4)
    window = torch.hann_window(n, dtype=x.dtype, device=x.device)
    spec = torch.stft(x, n, hop, window=window, center=True, return_complex=True)
    return spec, n, hop


def _istft(spec: Tensor, n: int, hop: int, length: int) -> Tensor:
    window = torch.hann_window(n, dtype=spec.real.dtype, device=spec.device)
    return torch.istft(spec, n, hop, window=window, center=True, length=length)


def phase_vocoder(spec: Tensor, rate: Tensor, hop: int, n_frames: int) -> Tensor:
    """Stretch complex STFTs (M, F, N) in time by ``rate`` (M,): output frame j reads input frame
    ``j * rate`` (> 1 is faster); magnitudes are interpolated, phases accumulated.

    Output frames past a clip's end are zero. Returns (M, F, n_frames) complex.
    """
    m, f, n = spec.shape
    n_fft = 2 * (f - 1)
    real = spec.real.dtype
    steps = torch.arange(n_frames, dtype=torch.float64, device=spec.device).view(1, -1) * rate.to(
        torch.float64
    ).view(-1, 1)  # (M, J)
    inside = steps <= n - 1
    base = steps.floor().clamp(max=n - 1)
    alpha = (steps - base).to(real).unsqueeze(1)  # (M, 1, J)
    i0 = base.long()
    i1 = (i0 + 1).clamp(max=n - 1)
    idx0 = i0.unsqueeze(1).expand(m, f, n_frames)
    idx1 = i1.unsqueeze(1).expand(m, f, n_frames)
    # magnitudes and phases once per input frame, then real-valued gathers (cheaper than complex)
    mag_in, phase_in = spec.abs(), spec.angle()
    m0, m1 = torch.gather(mag_in, 2, idx0), torch.gather(mag_in, 2, idx1)
    p0, p1 = torch.gather(phase_in, 2, idx0), torch.gather(phase_in, 2, idx1)
    mag = (1 - alpha) * m0 + alpha * m1
    two_pi = 2 * math.pi
    advance = (two_pi * hop / max(n_fft, 1)) * torch.arange(f, dtype=torch.float64, device=spec.device)
    advance = advance.remainder(two_pi).to(real).view(1, f, 1)  # phases are mod 2 pi: keeps sums small
    dphi = p1 - p0 - advance
    dphi = dphi - two_pi * torch.round(dphi / two_pi)
    inc = dphi + advance
    phase = phase_in[..., :1] + torch.cumsum(inc, dim=-1) - inc  # phase of frame j: sum of j increments
    # identity phase locking (Laroche & Dolson 1999): each bin keeps its phase offset from the
    # nearest spectral peak, so the bins of one partial stay coherent (less "phasiness")
    bins = torch.arange(f, device=spec.device).view(1, f, 1)
    padded = torch.nn.functional.pad(mag, (0, 0, 1, 1))
    peak = (mag >= padded[:, :-2]) & (mag > padded[:, 2:])
    below = torch.where(peak, bins, torch.full_like(bins, -f)).cummax(dim=1).values
    above = torch.where(peak, bins, torch.full_like(bins, 2 * f)).flip(1).cummin(dim=1).values.flip(1)
    nearest = torch.where((bins - below) <= (above - bins), below, above).clamp(0, f - 1)
    phase = torch.gather(phase, 1, nearest) + p0 - torch.gather(p0, 1, nearest)
    out = torch.polar(mag, phase)
    return out * inside.unsqueeze(1).to(out.real.dtype)


def time_stretch(x: Tensor, rate: Tensor, *, n_fft: int = 512, length: int | None = None) -> Tensor:
    """Change the tempo of (B, C, T) clips by ``rate`` (B,) (> 1 faster, shorter), pitch kept.

    Each clip's output is ``T / rate`` samples long; the result has ``length`` samples
    (default T): longer outputs are cropped at the end, shorter ones end in silence.
    ``rate == 1`` returns the input unchanged.
    """
    b, c, t = x.shape
    length = t if length is None else int(length)
    if bool((rate == 1).all()):
        return x if length == t else torch.nn.functional.pad(x, (0, max(0, length - t)))[..., :length]
    flat = x.reshape(b * c, t)
    spec, n, hop = stft_frames(flat, n_fft)
    r = rate.to(torch.float64).repeat_interleave(c)
    out_len = torch.ceil(t / r)  # samples per clip
    frames = int(math.ceil(max(float(out_len.max()), length) / hop)) + 1
    stretched = phase_vocoder(spec, r, hop, frames)
    wave = _istft(stretched, n, hop, max(length, int(out_len.max())))[:, :length]
    keep = torch.arange(length, device=x.device).view(1, -1) < out_len.view(-1, 1).to(x.device)
    out = (wave * keep).reshape(b, c, length)
    same = (rate == 1).view(-1, 1, 1).to(x.device)
    if bool(same.any()) and length == t:
        out = torch.where(same, x, out)
    return out.to(x.dtype)


def _int_pow(x: Tensor, exponent: int) -> Tensor:
    """``x ** exponent`` for an int exponent >= 1 by repeated squaring (a few multiplications,
    far cheaper than ``Tensor.pow``'s exp/log path on a CPU); a new tensor."""
    result: Tensor | None = None
    base = x
    while True:
        if exponent & 1:
            result = base.clone() if result is None else result.mul_(base)
        exponent >>= 1
        if not exponent:
            return result  # type: ignore[return-value]
        base = base * base if base is x else base.square_()


def butterworth_gain(
    freqs: Tensor, cutoff: Tensor, order: int, kind: Literal["lowpass", "highpass"]
) -> Tensor:
    """Butterworth magnitude ``1 / sqrt(1 + (f / fc) ** (2 order))`` (low-pass) or its high-pass
    mirror, for frequencies (F,) and per-clip cut-offs (M,): shape (M, F)."""
    ratio = freqs.view(1, -1) / cutoff.view(-1, 1).clamp_min(1e-6)
    if kind == "highpass":  # (fc / f) ** (2 order); f = 0 (DC) gets gain 0
        ratio = ratio.clamp_min_(1e-12).reciprocal_()
    return _int_pow(ratio, 2 * order).add_(1.0).rsqrt_()


def fft_filter(
    x: Tensor, sample_rate: int, kind: FilterKind, low: Tensor | None, high: Tensor | None, *, order: int = 4
) -> Tensor:
    """Zero-phase Butterworth-magnitude filter of (B, C, T) clips, one cut-off (Hz) per clip.

    ``lowpass`` uses ``high`` (B,), ``highpass`` uses ``low`` (B,), ``bandpass`` both. One real
    FFT, the gains multiplied into the spectrum in place, one inverse FFT.
    """
    b, c, t = x.shape
    spec = torch.fft.rfft(x, dim=-1)
    freqs = torch.fft.rfftfreq(t, d=1.0 / sample_rate, dtype=x.dtype, device=x.device)
    gain: Tensor | None = None
    if kind in ("lowpass", "bandpass"):
        assert high is not None
        gain = butterworth_gain(freqs, high.to(x.device, x.dtype), order, "lowpass")
    if kind in ("highpass", "bandpass"):
        assert low is not None
        hp = butterworth_gain(freqs, low.to(x.device, x.dtype), order, "highpass")
        gain = hp if gain is None else gain.mul_(hp)
    assert gain is not None
    spec.mul_(gain.unsqueeze(1))
    return torch.fft.irfft(spec, n=t, dim=-1).to(x.dtype)


def shift(x: Tensor, steps: Tensor, *, mode: Literal["zeros", "circular"] = "zeros") -> Tensor:
    """Shift each (C, T) clip of ``x`` by ``steps`` (B,) whole samples (positive = later).

    ``"zeros"`` fills the vacated samples with silence, ``"circular"`` wraps around. One slice
    copy per clip (no (B, T) index tensor, no gather): the same values as
    :func:`genaug.ops.functional.signal1d.shift`, several times faster for long clips.
    """
    b, _, t = x.shape
    out = torch.zeros_like(x) if mode == "zeros" else torch.empty_like(x)
    for i, s in enumerate(steps.tolist()):
        s = int(s)
        if mode == "circular":
            s %= t
            out[i, :, s:] = x[i, :, : t - s]
            out[i, :, :s] = x[i, :, t - s :]
        elif s >= t or s <= -t:
            continue
        elif s >= 0:
            out[i, :, s:] = x[i, :, : t - s]
        else:
            out[i, :, : t + s] = x[i, :, -s:]
    return out


def speed(x: Tensor, factor: Tensor) -> Tensor:
    """Play each clip ``factor`` (B,) times faster (linear interpolation; > 1 is faster and higher).

    Output sample ``i`` reads the input at ``i * factor``; positions past the end are 0, so
    the length T is kept. ``factor == 1`` is exact identity.
    """
    b, c, t = x.shape
    pos = torch.arange(t, dtype=torch.float64, device=x.device).view(1, t)
    pos = pos * factor.to(torch.float64).view(-1, 1)
    lo = pos.floor().long()
    frac = (pos - lo).to(x.dtype).view(b, 1, t)
    inside = (lo < t).view(b, 1, t)
    lo_c = lo.clamp(0, t - 1).view(b, 1, t).expand(b, c, t)
    hi_c = (lo + 1).clamp(0, t - 1).view(b, 1, t).expand(b, c, t)
    out = torch.gather(x, 2, lo_c) * (1 - frac) + torch.gather(x, 2, hi_c) * frac
    return out.masked_fill(~inside, 0.0)


def pitch_shift(x: Tensor, semitones: Tensor, *, n_fft: int = 512) -> Tensor:
    """Shift the pitch of (B, C, T) clips by ``semitones`` (B,), tempo and length kept.

    Batched: every clip is time-stretched by its pitch ratio ``r = 2 ** (s / 12)`` (one
    phase-vocoder pass for the whole batch; each clip becomes ``r * T`` long), low-passed at
    ``nyquist / r`` where ``r > 1`` (no aliasing) and read back ``r`` times faster (linear
    interpolation) into T samples. ``semitones == 0`` returns the clip unchanged.
    """
    b, c, t = x.shape
    s = semitones.to(torch.float64).to(x.device)
    if bool((s == 0).all()):
        return x
    ratio = torch.pow(2.0, s / 12.0)
    long = max(t, int(math.ceil(t * float(ratio.max()))))
    stretched = time_stretch(x, 1.0 / ratio, n_fft=n_fft, length=long)
    # anti-aliasing before reading faster: a brick-wall-ish low-pass at (nyquist / r)
    spec = torch.fft.rfft(stretched, dim=-1)
    rel = torch.linspace(0.0, 1.0, spec.shape[-1], dtype=x.dtype, device=x.device).view(1, -1)
    cut = (1.0 / ratio.clamp_min(1.0)).to(x.dtype).view(-1, 1)
    gain = 1.0 / torch.sqrt(1.0 + (rel / (0.95 * cut)).pow(16))
    stretched = torch.fft.irfft(spec * gain.unsqueeze(1), n=long, dim=-1)
    out = speed(stretched, ratio)[..., :t]
    out = torch.where((s == 0).view(-1, 1, 1), x, out.to(x.dtype))
    return out.to(x.dtype)


def synthetic_rir(
    rt60: Tensor, sample_rate: int, length: int, *, noise: Tensor
) -> Tensor:
    """Impulse responses (M, length): a unit direct path then noise decaying by 60 dB in ``rt60``
    (M,) seconds, scaled so the tail carries the energy of the direct path. ``noise`` (M, length)
    is the caller's random draw (so the result is deterministic given it)."""
    t = torch.arange(length, dtype=torch.float64, device=noise.device).view(1, -1) / sample_rate
    decay = torch.exp(-6.907755 * t / rt60.to(torch.float64).view(-1, 1).clamp_min(1e-3))  # ln(1000)
    tail = noise.to(torch.float64) * decay
    tail[:, 0] = 0.0
    tail = tail / tail.pow(2).sum(-1, keepdim=True).sqrt().clamp_min(1e-12)
    rir = tail
    rir[:, 0] = 1.0
    return rir


def fft_convolve(x: Tensor, kernel: Tensor) -> Tensor:
    """Causal convolution of (B, C, T) clips with per-clip kernels (B, L), output cropped to T."""
    b, c, t = x.shape
    n = t + kernel.shape[-1] - 1
    size = 1 << (n - 1).bit_length()
    fx = torch.fft.rfft(x.to(torch.float64), n=size, dim=-1)
    fk = torch.fft.rfft(kernel.to(torch.float64).to(x.device), n=size, dim=-1).unsqueeze(1)
    return torch.fft.irfft(fx * fk, n=size, dim=-1)[..., :t].to(x.dtype)


def hard_clip(x: Tensor, level: Tensor) -> Tensor:
    """Clip every clip of (B, C, T) at ``level`` (B,) times its own peak magnitude (0 < level <= 1)."""
    peak = x.abs().amax(dim=(1, 2), keepdim=True)
    limit = peak * level.to(x.dtype).to(x.device).view(-1, 1, 1)
    return torch.maximum(torch.minimum(x, limit), -limit)


def time_warp(x: Tensor, centre: Tensor, shift: Tensor, *, n_fft: int = 256) -> Tensor:
    """SpecAugment time warp on the STFT of (B, C, T) clips, back to a waveform of length T.

    The frame at fraction ``centre`` (B,) of the clip moves by ``shift`` (B,) (a fraction of
    the frames, positive = later); frames on each side are stretched linearly to fill the gap
    (magnitudes interpolated, phases of the nearest source frame).
    """
    b, c, t = x.shape
    spec, n, hop = stft_frames(x.reshape(b * c, t), n_fft)
    frames = spec.shape[-1]
    last = max(frames - 1, 1)
    w0 = (centre.to(torch.float64) * last).clamp(1, max(last - 1, 1))
    w1 = (w0 + shift.to(torch.float64) * last).clamp(1, max(last - 1, 1))
    j = torch.arange(frames, dtype=torch.float64).view(1, -1)
    w0v, w1v = w0.view(-1, 1), w1.view(-1, 1)
    left = j * w0v / w1v.clamp_min(1e-9)
    right = w0v + (j - w1v) * (last - w0v) / (last - w1v).clamp_min(1e-9)
    src = torch.where(j <= w1v, left, right).clamp(0, last).repeat_interleave(c, dim=0)  # (BC, frames)
    lo = src.floor().long()
    hi = (lo + 1).clamp(max=frames - 1)
    a = (src - lo).to(spec.real.dtype).unsqueeze(1)
    f = spec.shape[1]
    s0 = torch.gather(spec, 2, lo.unsqueeze(1).expand(-1, f, -1))
    s1 = torch.gather(spec, 2, hi.unsqueeze(1).expand(-1, f, -1))
    mag = (1 - a) * s0.abs() + a * s1.abs()
    phase = torch.where(a < 0.5, s0.angle(), s1.angle())
    out = _istft(torch.polar(mag, phase), n, hop, t).reshape(b, c, t)
    same = (shift == 0).view(-1, 1, 1)
    return torch.where(same, x, out.to(x.dtype))


def griffin_lim(
    magnitude: Tensor, n_fft: int, hop: int, length: int, *, n_iter: int = 32, momentum: float = 0.99,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Waveforms (M, length) whose STFT magnitude approximates ``magnitude`` (M, F, N).

    Fast Griffin-Lim (Perraudin et al. 2013) with torch.stft/istft (Hann window); the initial
    phase is random from ``generator`` (zero phase when None).
    """
    window = torch.hann_window(n_fft, dtype=magnitude.dtype, device=magnitude.device)
    if generator is None:
        angles = torch.ones_like(magnitude, dtype=torch.complex64 if magnitude.dtype == torch.float32
                                 else torch.complex128)
    else:
        phase = 2 * math.pi * torch.rand(magnitude.shape, generator=generator, dtype=magnitude.dtype)
        angles = torch.polar(torch.ones_like(magnitude), phase)
    previous = torch.zeros_like(angles)
    wave = torch.zeros(magnitude.shape[0], length, dtype=magnitude.dtype)
    for _ in range(max(1, int(n_iter))):
        wave = torch.istft(magnitude * angles, n_fft, hop, window=window, center=True, length=length)
        rebuilt = torch.stft(wave, n_fft, hop, window=window, center=True, return_complex=True)
        angles = rebuilt - (momentum / (1 + momentum)) * previous
        previous = rebuilt
        angles = angles / angles.abs().clamp_min(1e-16)
    return torch.istft(magnitude * angles, n_fft, hop, window=window, center=True, length=length)
