"""Contract suite for everything registered as an ``augmenter``.

Batch augmenters (images and signals) and label mixers (MixUp/CutMix) each get their own
branch. Registry entries that are neither (e.g. tabular resamplers with ``fit_resample``) are
left out here: they follow a different protocol and own their contract suite.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import torch

from genaug import registry
from genaug.ops import Augmenter, LabelMixer, TextAugmenter, build, one_hot, to_config
from genaug.rng import as_generator


def _background_folder() -> Path:
    """Two short WAV files (a tone and noise) for ``audio_background``."""
    import numpy as np
    import soundfile as sf

    folder = Path(tempfile.mkdtemp(prefix="genaug-background-"))
    t = np.arange(800) / 8000
    sf.write(folder / "tone.wav", (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32), 8000)
    sf.write(folder / "noise.wav", np.random.default_rng(0).normal(0, 0.1, 600).astype(np.float32), 8000)
    return folder


_BACKGROUND = _background_folder()

# Augmenters that cannot be built with default arguments.
ARGS: dict[str, dict] = {
    "sequential": {"augmenters": [{"name": "flip"}, {"name": "gaussian_noise"}]},
    "one_of": {"augmenters": [{"name": "affine"}, {"name": "gaussian_noise"}]},
    "random_apply": {"augmenters": [{"name": "affine"}, {"name": "color"}], "p": 0.5},
    "audio_background": {"path": str(_BACKGROUND), "sample_rate": 8000},
}

# name -> (bad keyword arguments, the argument the error must name)
BAD_ARGS: dict[str, tuple[dict, str]] = {
    "affine": ({"degrees": -5}, "degrees"),
    "flip": ({"horizontal": False, "vertical": False}, "horizontal"),
    "random_resized_crop": ({"scale": (0.5, 1.5)}, "scale"),
    "color": ({"brightness": -0.1}, "brightness"),
    "gaussian_noise": ({"std": -0.1}, "std"),
    "gaussian_blur": ({"kernel_size": 4}, "kernel_size"),
    "random_erasing": ({"value": "noise"}, "value"),
    "randaugment": ({"magnitude": 40}, "magnitude"),
    "trivialaugment": ({"operations": ["warp"]}, "operations"),
    "sequential": ({"augmenters": []}, "augmenters"),
    "one_of": ({"augmenters": [{"name": "flip"}], "weights": [1.0, 2.0]}, "weights"),
    "random_apply": ({"augmenters": [{"name": "flip"}], "p": 2.0}, "p"),
    "mixup": ({"alpha": 0.0}, "alpha"),
    "cutmix": ({"alpha": -1.0}, "alpha"),
    "signal_shift": ({"max_shift": 1.5}, "max_shift"),
    "signal_scale": ({"time": (0.0, 1.0)}, "time"),
    "signal_noise": ({"std": (0.2, 0.1)}, "std"),
    "audio_gain": ({"db": 90.0}, "db"),
    "audio_noise": ({"color": "blue"}, "color"),
    "audio_shift": ({"max_shift": -0.1}, "max_shift"),
    "audio_speed": ({"factor": (1.2, 1.1)}, "factor"),
    "spec_mask": ({"n_masks": 0}, "n_masks"),
    "audio_pitch": ({"semitones": 30}, "semitones"),
    "audio_stretch": ({"rate": (0.0, 1.0)}, "rate"),
    "audio_filter": ({"high_hz": (1000, 9000), "sample_rate": 16000}, "high_hz"),
    "audio_clip": ({"level": 0.0}, "level"),
    "audio_polarity": ({"p": -0.5}, "p"),
    "audio_reverb": ({"rt60": 6.0}, "rt60"),
    "audio_background": ({"snr_db": (30, 10)}, "snr_db"),
    "spec_time_warp": ({"max_warp": 0.7}, "max_warp"),
    "eda": ({"alpha_sr": 0.0, "alpha_ri": 0.0, "alpha_rs": 0.0, "p_rd": 0.0}, "alpha_sr"),
    "synonym_replace": ({"alpha": 1.5}, "alpha"),
    "random_insert": ({"alpha": -0.1}, "alpha"),
    "random_swap": ({"protected": "cat"}, "protected"),
    "random_delete": ({"alpha": 2.0}, "alpha"),
    "glove_replace": ({"top_k": 0}, "top_k"),
    "char_noise": ({"kinds": ["telepathy"]}, "kinds"),
}

# Text batches (list[str]): real sentences, so that every word op has something to change.
TEXTS = [
    "The quick brown fox jumps over the lazy dog near the river bank.",
    "Computers are good at following instructions, but not at reading minds.",
    "A good lawyer knows the law; a great lawyer knows the judge.",
    "Politicians and diapers must be changed often, and for the same reason.",
    "An apple a day keeps the doctor away, if you aim it well enough.",
    "Science is what we understand well enough to explain to a computer.",
    "Love is an ocean of emotions entirely surrounded by expenses.",
    "The team played terribly and still won the big final game.",
]



def _kind(name: str) -> str:
    return "label_mixer" if name in registry.available("label_mixer") else "augmenter"


# Batch augmenters and label mixers; tabular resamplers (kind ``resampler``, ``fit_resample``)
# follow another protocol and have their own suite (tests/tabular/test_resamplers.py).
NAMES = registry.available("augmenter") + registry.available("label_mixer")


@pytest.mark.parametrize("kind", ["augmenter", "label_mixer"])
def test_every_entry_of_the_kind_has_the_kind_protocol(kind):
    base = Augmenter if kind == "augmenter" else LabelMixer
    for name in registry.available(kind):
        cls = registry.get(kind, name)
        assert isinstance(cls, type) and issubclass(cls, base), (kind, name)


@pytest.fixture(autouse=True)
def _single_thread():
    """Tiny tensors: one intra-op thread avoids thread-pool overhead on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def make(name: str, **overrides) -> object:
    return registry.create(_kind(name), name, **{**ARGS.get(name, {}), **overrides})


def kind_of(name: str) -> str:
    aug = make(name)
    if isinstance(aug, LabelMixer):
        return "mixer"
    if isinstance(aug, TextAugmenter):
        return "text"
    return "signal" if aug.input_ndim == 3 else "image"


def batch_for(kind: str, *, channels: int = 3, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    if kind == "text":
        return list(TEXTS)
    g = as_generator(1234)
    if kind == "signal":
        return torch.randn(8, 2, 40, generator=g).to(dtype)
    return torch.rand(8, channels, 16, 16, generator=g).to(dtype)


def labels(n: int = 8, k: int = 3) -> torch.Tensor:
    return one_hot(torch.arange(n) % k, k)


def run(name: str, aug, x: torch.Tensor, **kw):
    """Output tensor(s) of one call (mixers return (x, y))."""
    if isinstance(aug, LabelMixer):
        return aug(x, labels(len(x)), **kw)
    return aug(x, **kw)


def same(a, b) -> bool:
    if isinstance(a, list):
        return a == b
    if isinstance(a, tuple):
        return all(torch.equal(u, v) for u, v in zip(a, b, strict=True))
    return torch.equal(a, b)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("channels", [1, 3])
def test_keeps_shape_and_dtype(name: str, channels: int) -> None:
    kind = kind_of(name)
    if kind == "text":  # a list of str in, a list of as many str out
        out = run(name, make(name), batch_for(kind), generator=channels)
        assert isinstance(out, list) and len(out) == len(TEXTS) and all(isinstance(s, str) for s in out)
        assert run(name, make(name), [], generator=0) == []
        return
    for dtype in (torch.float32, torch.float64):
        x = batch_for(kind, channels=channels, dtype=dtype)
        out = run(name, make(name), x, generator=0)
        if kind == "mixer":
            out, y = out
            assert y.shape == (len(x), 3)
            assert torch.allclose(y.sum(1), torch.ones(len(x), dtype=y.dtype))
        assert out.shape == x.shape
        assert out.dtype == x.dtype


@pytest.mark.parametrize("name", NAMES)
def test_p_zero_is_identity(name: str) -> None:
    kind = kind_of(name)
    x = batch_for(kind)
    out = run(name, make(name, p=0.0), x, generator=0)
    if kind == "mixer":
        (out, y), y0 = out, labels()
        assert torch.equal(y, y0)
    assert same(out, x)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_output_different_seed_different_output(name: str) -> None:
    kind = kind_of(name)
    x = batch_for(kind)
    aug = make(name)
    a = run(name, aug, x, generator=7)
    b = run(name, aug, x, generator=7)
    c = run(name, aug, x, generator=8)
    assert same(a, b)
    assert not same(a, c)
    # A generator object is consumed: two calls in a row draw different parameters.
    g = as_generator(7)
    assert same(run(name, aug, x, generator=g), a)
    assert not same(run(name, aug, x, generator=g), a)


@pytest.mark.parametrize("name", NAMES)
def test_params_replay_reproduces_exactly(name: str) -> None:
    kind = kind_of(name)
    x = batch_for(kind)
    aug = make(name)
    params = aug.make_params(x, generator=as_generator(3))
    assert "mask" in params
    replay = run(name, aug, x, params=params)
    again = run(name, aug, x, params=params)
    fresh = run(name, aug, x, generator=3)
    assert same(replay, again)
    assert same(replay, fresh)


@pytest.mark.parametrize("name", [n for n in NAMES if kind_of(n) not in ("signal", "text")])  # unbounded
def test_image_outputs_stay_in_unit_range(name: str) -> None:
    kind = kind_of(name)
    x = batch_for(kind)
    x[0] = 0.0
    x[1] = 1.0
    aug = make(name, p=1.0)
    for seed in range(3):
        out = run(name, aug, x, generator=seed)
        out = out[0] if kind == "mixer" else out
        assert float(out.min()) >= 0.0
        assert float(out.max()) <= 1.0


@pytest.mark.parametrize("name", NAMES)
def test_bad_arguments_raise_value_error_naming_them(name: str) -> None:
    kind_of(name)
    with pytest.raises(ValueError, match=r"\bp\b"):
        make(name, p=1.5)
    assert name in BAD_ARGS, f"add a bad-argument case for {name!r} to BAD_ARGS"
    kwargs, arg = BAD_ARGS[name]
    with pytest.raises(ValueError, match=arg):
        make(name, **kwargs)


@pytest.mark.parametrize("name", NAMES)
def test_bad_batch_is_rejected(name: str) -> None:
    kind = kind_of(name)
    aug = make(name)
    x = batch_for(kind)
    if kind == "mixer":
        with pytest.raises(ValueError, match="y_soft"):
            aug(x, labels(len(x) - 1), generator=0)  # one label row short
        with pytest.raises(TypeError, match="y_soft"):
            aug(x, torch.arange(len(x)), generator=0)  # int labels, not soft labels
        with pytest.raises(ValueError):
            aug(x[:, 0, 0, 0], labels(len(x)), generator=0)  # no sample dimensions
        return
    if kind == "text":
        with pytest.raises(TypeError, match=r"batch\[1\]"):
            aug(["fine", 3, "also fine"], generator=0)  # a non-string item
        with pytest.raises(TypeError, match="list of str"):
            aug(torch.rand(2, 3), generator=0)
        with pytest.raises(TypeError, match="list of str"):
            aug("a single string is not a batch", generator=0)
        odd = ["", "   ", "caf\u00e9 na\u00efve \u65e5\u672c\u8a9e \U0001f600", "one"]  # empty, mixed scripts
        assert len(aug(odd, generator=0)) == 4
        assert aug(odd, generator=0)[0] == ""
        return
    with pytest.raises(ValueError):
        aug(x[0], generator=0)  # missing batch dimension
    with pytest.raises(TypeError):
        aug((x * 255).to(torch.uint8), generator=0)
    bad = x.clone()
    bad[0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        aug(bad, generator=0)


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip_gives_same_output(name: str) -> None:
    kind = kind_of(name)
    x = batch_for(kind)
    aug = make(name)
    config = aug.get_config()
    assert set(config) >= {"p"}
    restored = type(aug).from_config(config)
    assert same(run(name, restored, x, generator=5), run(name, aug, x, generator=5))
    # Through JSON and the builder, as a YAML/JSON experiment file would do.
    text = json.dumps(to_config(aug))
    rebuilt = build(json.loads(text))
    assert type(rebuilt) is type(aug)
    assert same(run(name, rebuilt, x, generator=5), run(name, aug, x, generator=5))


@pytest.mark.parametrize("name", NAMES)
def test_registered_class_is_documented(name: str) -> None:
    kind_of(name)
    cls = registry.get(_kind(name), name)
    assert cls.registry_name == name
    doc = cls.__doc__ or ""
    for section in ("Args:", "Shape:", "Example:"):
        assert section in doc, f"{cls.__name__} docstring lacks {section}"


def test_registry_create_passes_an_option_called_kind_through():
    from genaug import registry

    resampler = registry.create("resampler", "borderline_smote", kind="borderline-2")
    assert resampler.kind == "borderline-2"
