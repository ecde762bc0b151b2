"""Audio modality, WAV-folder reader, spoken_digits, waveform augmenters and audio classifiers."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile
import torch

from genaug import ops, registry
from genaug.data import load_dataset
from genaug.data.audio import read_wav_folder
from genaug.data.labeled import LabeledData
from genaug.errors import DataFileError, GenaugError, MissingPathError
from genaug.modalities import get_modality, modality_for_ndim
from genaug.modalities.audio import sample_rate_of
from genaug.ops.audio import log_mel, mfcc, resample, speed

RATE = 8000
SMALL = {
    "train_voices": ["en-us+m1", "en-gb+f3"],
    "test_voices": ["en-gb-x-gbclan+f1"],
    "speeds": [175],
    "pitches": [50],
    "digits": ["zero", "one", "six"],
    "duration": 0.5,
}


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tone(freq: float, n: int = 2000, rate: int = RATE) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * freq * np.arange(n) / rate)).astype(np.float32)


# ----- modality ------------------------------------------------------------------------------
def test_audio_is_its_own_modality_and_never_inferred_from_a_3d_batch() -> None:
    m = get_modality("audio")
    assert modality_for_ndim(3).name == "signal"
    assert m.default_model["name"] == "audio_cnn" and m.corruption_suite == "audio"
    for cfg in (m.default_augmenter((1, 800)), m.strong_augmenter((1, 800))):
        out = registry.create("augmenter", "sequential", augmenters=cfg)(torch.randn(3, 1, 800), generator=0)
        assert out.shape == (3, 1, 800)
    data = LabeledData(torch.zeros(2, 1, 8), [0, 1], ("a", "b"), "audio", {"sample_rate": [8000, 8000]})
    assert sample_rate_of(data) == 8000
    with pytest.raises(ValueError, match="sample rate"):
        sample_rate_of(LabeledData(torch.zeros(2, 1, 8), [0, 1], ("a", "b"), "audio"))
    with pytest.raises(ValueError, match="NaN"):
        LabeledData(torch.full((2, 1, 8), float("nan")), [0, 1], ("a", "b"), "audio")


# ----- WAV folder ----------------------------------------------------------------------------
def _folder(root, rate=RATE, stereo=False):
    for c, f in (("hi", 1000.0), ("lo", 200.0)):
        (root / c).mkdir(parents=True)
        for i in range(2):
            wave = tone(f + 10 * i, n=rate // 4, rate=rate)
            soundfile.write(root / c / f"{i}.wav", np.stack([wave, -wave], 1) if stereo else wave, rate)
    return root


def test_wav_folder_reads_classes_rate_and_lengths(tmp_path) -> None:
    root = _folder(tmp_path / "a")
    data = load_dataset("wav_folder", path=str(root))
    assert data.modality == "audio" and data.class_names == ("hi", "lo") and data.y.tolist() == [0, 0, 1, 1]
    assert data.sample_shape == (1, RATE // 4) and sample_rate_of(data) == RATE
    np.testing.assert_allclose(data.x[0, 0].numpy(), tone(1000.0, RATE // 4), atol=1e-4)
    padded = load_dataset("wav_folder", path=str(root), duration=0.5)
    assert padded.sample_shape == (1, RATE // 2) and padded.meta["length"].tolist() == [RATE // 4] * 4
    assert float(padded.x[:, :, RATE // 4 :].abs().max()) == 0.0


def test_wav_folder_resamples_or_refuses_a_mismatched_rate_naming_the_file(tmp_path) -> None:
    root = _folder(tmp_path / "a", rate=16000)
    data = load_dataset("wav_folder", path=str(root), sample_rate=RATE)
    assert data.sample_shape == (1, RATE // 4) and sample_rate_of(data) == RATE
    # a 1 kHz tone stays a 1 kHz tone after resampling
    spectrum = np.abs(np.fft.rfft(data.x[0, 0].numpy()))
    assert abs(np.argmax(spectrum) * RATE / data.sample_shape[1] - 1000.0) < 10
    with pytest.raises(GenaugError, match=r"0\.wav.*16000 Hz") as err:
        load_dataset("wav_folder", path=str(root), sample_rate=RATE, resample=False)
    assert "resample" in str(err.value)


def test_wav_folder_stereo_corrupt_and_empty_files(tmp_path) -> None:
    root = _folder(tmp_path / "s", stereo=True)
    assert load_dataset("wav_folder", path=str(root)).sample_shape == (1, RATE // 4)
    both = load_dataset("wav_folder", path=str(root), mono=False)
    assert both.sample_shape == (2, RATE // 4)
    (root / "lo" / "bad.wav").write_bytes(b"RIFF not really a wave file")
    with pytest.raises(GenaugError, match="bad.wav"):
        load_dataset("wav_folder", path=str(root))
    (root / "lo" / "bad.wav").unlink()
    soundfile.write(root / "lo" / "empty.wav", np.zeros(0, dtype=np.float32), RATE)
    with pytest.raises(DataFileError, match="empty.wav.*empty clip"):
        read_wav_folder(root)


def test_wav_folder_test_path_comes_last_at_the_train_rate(tmp_path) -> None:
    train, test = _folder(tmp_path / "tr"), _folder(tmp_path / "te", rate=16000)
    data = load_dataset("wav_folder", path=str(train), test_path=str(test))
    assert len(data) == 8 and data.meta["split"].tolist() == ["train"] * 4 + ["test"] * 4
    assert data.sample_shape == (1, RATE // 4) and set(data.meta["sample_rate"].tolist()) == {RATE}


# ----- spoken digits -------------------------------------------------------------------------
def test_spoken_digits_split_by_voice_and_deterministic(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    data = load_dataset("spoken_digits", **SMALL)
    assert data.class_names == ("zero", "one", "six") and len(data) == 9 and sample_rate_of(data) == RATE
    split, voice = data.meta["split"], data.meta["voice"]
    assert set(voice[split == "train"]).isdisjoint(voice[split == "test"])
    assert split.tolist() == ["train"] * 6 + ["test"] * 3
    assert float(data.x.abs().max()) > 0.1 and (data.meta["length"] > 0.1 * RATE).all()
    assert list((tmp_path / "genaug" / "spoken_digits").glob("*.npz")), "cached in the user's cache folder"
    again = load_dataset("spoken_digits", **SMALL, cache=False)
    assert torch.equal(again.x, data.x)
    with pytest.raises(ValueError, match="overlap"):
        load_dataset("spoken_digits", **{**SMALL, "test_voices": ["en-us+m1"]})


def test_spoken_digits_without_espeak_names_the_package(monkeypatch) -> None:
    import genaug.data.audio as A

    monkeypatch.setattr(A.shutil, "which", lambda name: None)
    with pytest.raises(MissingPathError, match="espeak-ng.*apt-get"):
        A.load_spoken_digits(**SMALL, cache=False)


# ----- ops -----------------------------------------------------------------------------------
def test_noise_hits_the_snr_and_gain_the_decibels() -> None:
    x = torch.from_numpy(np.stack([tone(440.0, 4000), 0.1 * tone(300.0, 4000)])).unsqueeze(1)
    for color in ("white", "pink", "brown"):
        aug = ops.build([{"name": "audio_noise", "snr_db": 10.0, "color": color}])
        noise = aug(x, generator=0) - x
        snr = 10 * torch.log10(x.pow(2).mean((1, 2)) / noise.pow(2).mean((1, 2)))
        assert torch.allclose(snr, torch.full((2,), 10.0), atol=0.5), (color, snr)
    assert torch.equal(
        ops.build([{"name": "audio_noise"}])(torch.zeros(2, 1, 50), generator=0), torch.zeros(2, 1, 50)
    )  # silence gets no noise
    out = ops.build([{"name": "audio_gain", "db": -20.0}])(x, generator=0)
    torch.testing.assert_close(out, 0.1 * x)


def test_per_example_probability_and_explicit_generator() -> None:
    x = torch.randn(64, 1, 200, generator=torch.Generator().manual_seed(0))
    aug = registry.create("augmenter", "audio_gain", db=6.0, p=0.5)
    params = aug.make_params(x, generator=torch.Generator().manual_seed(1))
    out = aug(x, params=params)
    changed = ~torch.isclose(out, x).all(dim=(1, 2))
    assert torch.equal(changed, params["mask"]) and 10 < int(changed.sum()) < 54


def test_speed_resampling_changes_pitch_and_keeps_length() -> None:
    x = torch.from_numpy(tone(500.0, 4000)).view(1, 1, -1)
    assert torch.equal(speed(x, torch.ones(1)), x)
    fast = speed(x, torch.tensor([1.2]))
    assert fast.shape == x.shape and float(fast[0, 0, -500:].abs().max()) == 0.0  # ends in silence
    peak = np.argmax(np.abs(np.fft.rfft(fast[0, 0, :3000].numpy()))) * RATE / 3000
    assert abs(peak - 600.0) < 10
    down = resample(x, RATE, 4000)
    assert down.shape[-1] == 2000
    assert abs(np.argmax(np.abs(np.fft.rfft(down[0, 0].numpy()))) * 4000 / 2000 - 500.0) < 5


def test_spec_mask_removes_energy_in_a_band_and_is_identity_without_masks() -> None:
    x = torch.from_numpy(tone(1000.0, 2000) + tone(3000.0, 2000)).view(1, 1, -1)
    none = registry.create("augmenter", "spec_mask", freq_width=0.0, time_width=0.0)
    torch.testing.assert_close(none(x, generator=0), x, atol=1e-5, rtol=0)
    aug = registry.create("augmenter", "spec_mask", freq_width=0.6, time_width=0.0, n_masks=2)
    before = log_mel(x, RATE, n_mels=20)
    after = [log_mel(aug(x, generator=s), RATE, n_mels=20) for s in range(4)]
    assert any(float((before - a).max()) > 3.0 for a in after)  # some band lost > e^3 of its power


def test_log_mel_and_mfcc_shapes_and_tone_location() -> None:
    x = torch.from_numpy(np.stack([tone(300.0), tone(3000.0)])).unsqueeze(1)
    lm = log_mel(x, RATE, n_mels=32)
    assert lm.shape[:3] == (2, 1, 32)
    assert int(lm[0, 0].mean(-1).argmax()) < int(lm[1, 0].mean(-1).argmax())
    assert mfcc(x, RATE, n_mfcc=13).shape[:3] == (2, 1, 13)


# ----- models --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    import os

    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    try:
        return load_dataset(
            "spoken_digits", **{**SMALL, "train_voices": ["en-us+m1", "en-gb+f3", "en-029+m2"]}
        )
    finally:
        if old is None:
            os.environ.pop("XDG_CACHE_HOME")
        else:
            os.environ["XDG_CACHE_HOME"] = old


def test_mfcc_svm_recognises_unseen_voices_and_round_trips(digits, tmp_path) -> None:
    train = digits.subset(np.flatnonzero(digits.meta["split"] == "train"))
    test = digits.subset(np.flatnonzero(digits.meta["split"] == "test"))
    clf = registry.create("model", "mfcc_svm", n_mfcc=13).fit(train, generator=0)
    acc = float((clf.predict(test) == test.y).mean())
    assert acc >= 2 / 3, acc  # chance is 1/3
    from genaug.train import load_classifier

    back = load_classifier(clf.save(tmp_path / "svm"))
    np.testing.assert_allclose(back.predict_proba(test), clf.predict_proba(test))


def test_audio_cnn_trains_with_on_the_fly_augmentation(digits) -> None:
    clf = registry.create(
        "model", "audio_cnn", steps=3, batch_size=8, arch_kwargs={"width": 8, "sample_rate": RATE}
    )
    aug = ops.build(get_modality("audio").default_augmenter(digits.sample_shape))
    clf.fit(digits, augmenter=aug, generator=0)
    proba = clf.predict_proba(digits)
    assert proba.shape == (len(digits), 3) and np.allclose(proba.sum(1), 1.0)


# ----- fast paths of the waveform pipeline ----------------------------------------------------
def test_default_augmenter_has_no_stft_masks_and_strong_keeps_them() -> None:
    m = get_modality("audio")
    assert "spec_mask" not in [c["name"] for c in m.default_augmenter((1, 800))]
    assert "spec_mask" in [c["name"] for c in m.strong_augmenter((1, 800))]


@pytest.mark.parametrize("mode", ["zeros", "circular"])
def test_slice_shift_matches_the_gather_shift(mode: str) -> None:
    from genaug.ops.functional import audio as FA
    from genaug.ops.functional import signal1d as S

    x = torch.randn(6, 2, 50)
    steps = torch.tensor([0, 7, -7, 49, -50, 123])
    assert torch.equal(FA.shift(x, steps, mode=mode), S.shift(x, steps, mode=mode))


def test_in_place_steps_of_the_pipeline_are_bit_identical_and_leave_the_input_alone() -> None:
    x = torch.randn(5, 1, 400)
    keep = x.clone()
    seq = ops.build([{"name": "audio_gain"}, {"name": "audio_noise", "snr_db": (5, 20)},
                     {"name": "audio_gain"}, {"name": "audio_shift"},
                     {"name": "audio_filter", "kind": "bandpass", "sample_rate": RATE}])
    params = seq.make_params(x, generator=torch.Generator().manual_seed(3))
    out = seq(x, params=params)
    assert torch.equal(x, keep)
    step = x
    for child, p in zip(seq._children, params["children"], strict=True):
        step = child.apply(step, p)
    assert torch.equal(out, step)
    assert torch.equal(seq(x, generator=3), seq(x, generator=3))


def test_noise_snr_and_butterworth_gain_after_the_float32_rewrite() -> None:
    from genaug.ops.functional import audio as FA

    x = torch.randn(3, 1, 8000)
    noise = registry.create("augmenter", "audio_noise", snr_db=15.0)(x, generator=0) - x
    snr = 10 * torch.log10(x.pow(2).mean(dim=(1, 2)) / noise.pow(2).mean(dim=(1, 2)))
    assert torch.allclose(snr, torch.full((3,), 15.0), atol=0.3)
    freqs = torch.tensor([0.0, 500.0, 1000.0, 2000.0])
    cut = torch.tensor([1000.0])
    for order in (1, 3, 4, 8):
        for kind in ("lowpass", "highpass"):
            ratio = freqs / cut if kind == "lowpass" else cut / freqs.clamp_min(1e-9)
            want = 1.0 / torch.sqrt(1.0 + ratio.double().pow(2 * order))
            got = FA.butterworth_gain(freqs, cut, order, kind)[0].double()
            assert torch.allclose(got, want, atol=1e-6), (order, kind)


def test_audio_cnn_fit_declares_the_consistency_options() -> None:
    import inspect

    params = inspect.signature(registry.create("model", "audio_cnn").fit).parameters
    assert {"unlabeled", "consistency", "augmenter", "generator"} <= set(params)


def test_fixmatch_trains_audio_cnn_on_the_pool_with_the_audio_views() -> None:
    from genaug.data.splits import Split
    from genaug.experiment.strategies import fit_plan

    def clips(n: int, seed: int) -> LabeledData:
        g = torch.Generator().manual_seed(seed)
        y = np.arange(n) % 2
        x = torch.randn(n, 1, 800, generator=g) * 0.1
        x[y == 1] += torch.sin(torch.arange(800) * 0.6)
        return LabeledData(x, y, ("noise", "tone"), "audio", {"sample_rate": [RATE] * n})

    split = Split(labeled=clips(4, 0), unlabeled=clips(12, 1), val=clips(4, 2), test=clips(4, 3))
    plan = registry.create("strategy", "fixmatch", ratio=1, threshold=0.5).prepare(split, generator=0)
    assert "audio_noise" in plan.info["augmenter"] and "spec_mask" not in plan.info["augmenter"]
    clf = registry.create("model", "audio_cnn", steps=3, batch_size=4, arch_kwargs={"sample_rate": RATE})
    fit_plan(clf, plan, split.val, generator=0)
    assert clf.predict(split.test).shape == (4,)
