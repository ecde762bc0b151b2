"""Spectrogram generators, pseudo-labels of an audio pool, audio quality features and filters,
bad audio input for every audio synthesizer, the audio demo spec."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from genaug import quality, registry
from genaug.data.labeled import LabeledData
from genaug.synth.base import Synthesizer

RATE = 8000
T = 1600
SPEC = {"n_mels": 8, "frames": 8, "griffin_lim_iters": 4}
TINY = {
    "spec_vae": {"synthesizer": {"name": "cvae", "latent_dim": 4, "width": 4, "hidden_dim": 16, "steps": 4,
                                 "batch_size": 8}, **SPEC},
    "spec_diffusion": {"synthesizer": {"name": "diffusion", "width": 8, "channel_mults": [1, 2],
                                       "num_timesteps": 20, "steps": 3, "batch_size": 8,
                                       "sampling_steps": 3}, **SPEC},
    "pseudo_label": {"model": {"name": "audio_cnn", "steps": 3, "arch_kwargs": {"width": 4, "n_mels": 8,
                                                                             "sample_rate": RATE}}},
}  # fmt: skip


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tones(per_class: int = 6, seed: int = 0, channels: int = 1, rate: int = RATE) -> LabeledData:
    """Three classes of noisy tones (300 / 900 / 2000 Hz), meta sample_rate and length."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(T) / RATE
    xs, ys = [], []
    for k, f in enumerate((300.0, 900.0, 2000.0)):
        for _ in range(per_class):
            amp = 0.2 + 0.3 * torch.rand(1, generator=g)
            xs.append(amp * torch.sin(2 * math.pi * f * t) + 0.01 * torch.randn(T, generator=g))
            ys.append(k)
    x = torch.stack(xs).unsqueeze(1).repeat(1, channels, 1)
    n = len(ys)
    meta = {"sample_rate": np.full(n, rate), "length": np.full(n, T)}
    return LabeledData(x, np.array(ys), ("low", "mid", "high"), "audio", meta)


@pytest.mark.parametrize("name", ["spec_vae", "spec_diffusion"])
def test_spectrogram_generators_sample_clips_of_the_training_length_and_round_trip(name, tmp_path) -> None:
    train, pool = tones(), tones(per_class=2, seed=1)
    synth = registry.create("synthesizer", name, **TINY[name]).fit(train, unlabeled=pool, generator=0)
    assert synth.history_["unlabeled_samples"] > 0  # trained with the pool
    out = synth.sample({0: 2, 2: 1}, generator=1)
    assert out.x.shape == (3, 1, T) and out.y.tolist() == [0, 0, 2] and out.modality == "audio"
    assert (out.meta["sample_rate"] == RATE).all() and torch.isfinite(out.x).all()
    rms = out.x.double().pow(2).mean(dim=(1, 2)).sqrt()
    real_rms = train.x.double().pow(2).mean(dim=(1, 2)).sqrt().mean()
    assert torch.allclose(rms, real_rms.expand(3), rtol=1e-3)  # at the training clips' level
    synth.save(tmp_path / "m")
    again = Synthesizer.load(tmp_path / "m").sample({0: 2, 2: 1}, generator=1)
    assert torch.equal(again.x, out.x)


def test_pseudo_label_labels_an_audio_pool_with_an_audio_teacher() -> None:
    train, pool = tones(per_class=4), tones(per_class=5, seed=3)
    synth = registry.create("synthesizer", "pseudo_label", **TINY["pseudo_label"])
    out = synth.fit(train, unlabeled=pool, generator=0).sample(3, generator=0)
    assert out.x.shape == (9, 1, T) and out.modality == "audio"
    assert "confidence" in out.meta and (out.meta["source_index"] >= 0).all()


AUDIO_SYNTHS = ["spec_vae", "spec_diffusion", "espeak_tts", "pseudo_label"]


@pytest.mark.parametrize("name", AUDIO_SYNTHS)
def test_audio_synthesizers_refuse_bad_audio(name) -> None:
    options = TINY.get(name, {"voices": ["en-us+m2"]})
    make = lambda: registry.create("synthesizer", name, **options)  # noqa: E731
    good = tones(per_class=3)
    mixed = good.with_meta(sample_rate=np.array([RATE, 16000] * (len(good) // 2) + [RATE] * (len(good) % 2)))
    with pytest.raises(ValueError, match="sample rate"):
        make().fit(mixed, unlabeled=good, generator=0)  # clips at two rates
    bad = good.x.clone()
    bad[1, 0, 5] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        make().fit(LabeledData(bad, good.y, good.class_names, "audio", good.meta), generator=0)
    empty = LabeledData(torch.zeros(len(good), 1, 0), good.y, good.class_names, "audio", good.meta)
    with pytest.raises(ValueError):
        make().fit(empty, generator=0)
    with pytest.raises(ValueError, match="shape"):
        make().fit(good, unlabeled=tones(per_class=2, channels=2), generator=0)  # stereo pool, mono data


def test_audio_cnn_standardises_each_clip_and_refuses_stereo_after_mono() -> None:
    from genaug.train.audio import LogMelCNN

    net = LogMelCNN(1, 3, sample_rate=RATE, width=4, n_mels=8)
    x = tones(per_class=1).x
    assert torch.allclose(net.frontend(x), net.frontend(4 * x), atol=1e-4)  # gain does not matter
    clf = registry.create("model", "audio_cnn", steps=2, arch_kwargs={"width": 4, "n_mels": 8})
    clf.fit(tones(per_class=2), generator=0)
    with pytest.raises(ValueError):
        clf.predict(tones(per_class=1, channels=2))


def test_audio_quality_features_metrics_and_energy_filter() -> None:
    real, same, other = tones(seed=0), tones(seed=1), tones(seed=2)
    shifted = LabeledData(torch.roll(other.x, 1, dims=0) * 0 + torch.randn_like(other.x) * 0.1, other.y,
                          other.class_names, "audio", other.meta)  # noise, wrong for every label
    fad = quality.FID(features="mfcc_stats")
    assert fad(real, same)["fid"] < fad(real, shifted)["fid"]
    assert set(quality.PRDC(features="mfcc_stats")(real, same)) == {"precision", "recall", "density",
                                                                    "coverage"}  # fmt: skip
    assert quality.FID(features="log_mel_conv")(real, same)["fid"] >= 0
    fidelity = quality.LabelFidelity()(real, same)
    assert next(iter(fidelity.values())) > 0.9  # the default audio space (mfcc_stats) separates tones
    assert "memorization" in " ".join(quality.Memorization()(real, real.subset([0, 1, 2])))
    silent = LabeledData(torch.zeros(2, 1, T), np.array([0, 1]), real.class_names, "audio",
                         {"sample_rate": np.full(2, RATE), "length": np.full(2, T)})  # fmt: skip
    candidates = same.concat(silent)
    kept = registry.create("filter", "audio_energy", min_db=-20).fit(real)(candidates)
    assert len(kept) == len(same)
    emb = quality.audio_classifier_features(real, steps=2, arch_kwargs={"width": 4, "n_mels": 8,
                                                                        "sample_rate": RATE})  # fmt: skip
    assert emb(real).shape == (len(real), 8)


def test_audio_demo_spec_is_valid_and_the_cli_offers_it() -> None:
    from typer.testing import CliRunner

    from genaug.cli import app
    from genaug.experiment.audio_demo import audio_demo_spec

    spec = audio_demo_spec(3)
    assert spec.dataset.name == "spoken_digits" and spec.seeds == [3, 4]
    assert {s.display_name for s in spec.strategies} == {"none", "waveform-ops", "tts", "auto"}
    result = CliRunner().invoke(app, ["demo", "--help"])
    assert "audio" in result.output


def test_sample_rate_ignores_the_fill_value_of_rows_joined_without_a_rate() -> None:
    from genaug.modalities.audio import sample_rate_of

    real = tones(per_class=1)
    joined = real.with_meta(sample_rate=np.array([RATE, -1, RATE]))  # e.g. pseudo-labels concatenated
    assert sample_rate_of(joined) == RATE
    with pytest.raises(ValueError, match="no positive rate"):
        sample_rate_of(real.with_meta(sample_rate=np.array([-1, -1, -1])))
