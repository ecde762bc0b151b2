"""Maths of the batched audio effects (genaug.ops.audio_effects / ops.functional.audio)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import soundfile as sf
import torch

from genaug import ops, registry
from genaug.errors import DataFileError
from genaug.ops.functional import audio as FA

RATE = 8000


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tones(*freqs: float, n: int = 4000) -> torch.Tensor:
    t = torch.arange(n, dtype=torch.float64) / RATE
    return torch.stack([torch.sin(2 * math.pi * f * t) for f in freqs]).unsqueeze(1).float()


def peak_hz(x: torch.Tensor) -> list[float]:
    spec = torch.fft.rfft(x[:, 0].double() * torch.hann_window(x.shape[-1], dtype=torch.float64)).abs()
    return (spec.argmax(-1).double() * RATE / x.shape[-1]).tolist()


def test_pitch_shift_moves_every_clip_by_its_own_semitones_and_keeps_tempo_and_length() -> None:
    x = tones(400.0, 400.0, 400.0)
    out = FA.pitch_shift(x, torch.tensor([12.0, 0.0, -5.0]))
    assert out.shape == x.shape
    f = peak_hz(out)
    assert f[0] == pytest.approx(800.0, abs=4) and f[2] == pytest.approx(400 * 2 ** (-5 / 12), abs=4)
    assert torch.equal(out[1], x[1])  # 0 semitones is the identity
    assert out[0].pow(2).mean().item() == pytest.approx(0.5, rel=0.1)  # no loss of level
    down = FA.pitch_shift(x[:1], torch.tensor([-3.0]))  # every clip lower: the length is still kept
    assert down.shape == (1, 1, 4000) and peak_hz(down)[0] == pytest.approx(400 * 2 ** (-3 / 12), abs=4)
    aug = registry.create("augmenter", "audio_pitch", semitones=(-2, 2))
    params = aug.make_params(x, generator=torch.Generator().manual_seed(0))
    assert params["semitones"].shape == (3,) and len(set(params["semitones"].tolist())) == 3


def test_time_stretch_changes_duration_not_pitch_with_phase_locking() -> None:
    x = tones(437.5, 437.5, n=8000)
    out = FA.time_stretch(x, torch.tensor([2.0, 0.5]))
    assert out.shape == x.shape and peak_hz(out) == pytest.approx([437.5, 437.5], abs=4)
    assert (out[0, 0, 4100:].abs() < 1e-3).all()  # twice as fast: the second half is silent
    assert out[1].pow(2).mean().item() == pytest.approx(0.5, rel=0.05)  # phase locking keeps the level


def test_filters_attenuate_outside_the_band_per_clip() -> None:
    x = tones(200.0, 3000.0)
    low = registry.create("augmenter", "audio_filter", kind="lowpass", high_hz=(800, 800), sample_rate=RATE)
    high = registry.create("augmenter", "audio_filter", kind="highpass", low_hz=(800, 800), sample_rate=RATE)
    lo, hi = low(x, generator=0), high(x, generator=0)
    power = lambda z: z.pow(2).mean(dim=(1, 2))  # noqa: E731
    assert power(lo)[0] > 0.45 and power(lo)[1] < 1e-3
    assert power(hi)[0] < 1e-3 and power(hi)[1] > 0.45
    band = registry.create("augmenter", "audio_filter", kind="bandpass", low_hz=(100, 300),
                           high_hz=(1000, 2000), sample_rate=RATE)  # fmt: skip
    assert power(band(x, generator=0))[1] < 0.02  # 3 kHz: above every drawn upper edge (<= 2 kHz)
    with pytest.raises(ValueError, match="Nyquist"):  # a cut-off the sample rate cannot hold
        registry.create("augmenter", "audio_filter", high_hz=(1000, 6000), sample_rate=RATE)
    with pytest.raises(ValueError, match="sample_rate"):
        registry.create("augmenter", "audio_reverb", sample_rate=44.1)


def test_clip_polarity_reverb_and_time_warp() -> None:
    x = tones(300.0, 500.0)
    clipped = registry.create("augmenter", "audio_clip", level=0.5)(x, generator=0)
    assert clipped.abs().max() == pytest.approx(0.5, abs=1e-3)
    assert torch.equal(registry.create("augmenter", "audio_polarity", p=1.0)(x, generator=0), -x)
    reverb = registry.create("augmenter", "audio_reverb", rt60=0.3, wet=1.0, sample_rate=RATE)
    wet = reverb(x, generator=0)
    assert wet.pow(2).mean().item() == pytest.approx(x.pow(2).mean().item(), rel=1e-3)  # RMS kept
    assert not torch.allclose(wet, x, atol=1e-2)
    warp = registry.create("augmenter", "spec_time_warp", max_warp=0.2)
    assert warp(x, generator=0).shape == x.shape
    assert torch.equal(FA.time_warp(x, torch.tensor([0.5, 0.5]), torch.zeros(2)), x)


def test_background_mixes_at_the_snr_and_reports_bad_folders(tmp_path) -> None:
    folder = tmp_path / "noise"
    folder.mkdir()
    sf.write(folder / "hum.wav", (0.2 * np.sin(2 * np.pi * 50 * np.arange(16000) / 16000)).astype(np.float32),
             16000)  # another rate: resampled to the clips' rate  # fmt: skip
    aug = registry.create("augmenter", "audio_background", path=str(folder), snr_db=10.0, sample_rate=RATE)
    x = tones(1000.0, 1500.0)
    added = aug(x, generator=0) - x
    snr = 10 * torch.log10(x.pow(2).mean(dim=(1, 2)) / added.pow(2).mean(dim=(1, 2)))
    assert snr.tolist() == pytest.approx([10.0, 10.0], abs=0.01)
    (folder / "broken.wav").write_bytes(b"RIFF\x00\x00not a wav")
    with pytest.raises(DataFileError, match="broken.wav"):
        registry.create("augmenter", "audio_background", path=str(folder), sample_rate=RATE)
    with pytest.raises(DataFileError, match="not a folder"):
        registry.create("augmenter", "audio_background", path=str(tmp_path / "missing"))


AUDIO_OPS = [n for n in registry.available("augmenter") if n.startswith(("audio_", "spec_"))]


@pytest.mark.parametrize("name", AUDIO_OPS)
def test_every_audio_op_keeps_lengths_takes_stereo_and_refuses_empty_clips(name, tmp_path) -> None:
    kwargs = {}
    if name == "audio_background":
        sf.write(tmp_path / "n.wav", np.random.default_rng(0).normal(0, 0.1, 400).astype(np.float32), RATE)
        kwargs = {"path": str(tmp_path), "sample_rate": RATE}
    aug = registry.create("augmenter", name, **kwargs)
    stereo = torch.randn(3, 2, 600, generator=torch.Generator().manual_seed(0))
    out = aug(stereo, generator=1)
    assert out.shape == stereo.shape and torch.isfinite(out).all()
    params = aug.make_params(stereo, generator=torch.Generator().manual_seed(5))
    assert torch.equal(aug(stereo, params=params), aug(stereo, params=params))  # replay
    with pytest.raises(ValueError, match="empty clips"):
        aug(torch.zeros(2, 1, 0), generator=0)
    batch = ops.build([{"name": name, **kwargs}])
    assert batch(stereo[:, :1], generator=2).shape == (3, 1, 600)


def test_mixup_mixes_audio_batches() -> None:
    x = tones(300.0, 500.0, 700.0, 900.0)
    y = ops.one_hot(torch.arange(4) % 2, 2)
    mixed, y_mixed = registry.create("label_mixer", "mixup", alpha=0.4)(x, y, generator=0)
    assert mixed.shape == x.shape and torch.allclose(y_mixed.sum(1), torch.ones(4))
