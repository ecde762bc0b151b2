"""Corruption suites: shape/dtype/range, graded severities, determinism, no global RNG, bad input."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from kornia.filters import gaussian_blur2d
from sklearn.datasets import load_digits

from genaug.train.corruptions import (
    IMAGE_CORRUPTIONS,
    SIGNAL_CORRUPTIONS,
    available_corruptions,
    corrupt,
    corruption_suite,
)

IMAGE_NAMES = list(IMAGE_CORRUPTIONS)
SIGNAL_NAMES = list(SIGNAL_CORRUPTIONS)
RANDOM_IMAGE = ["gaussian_noise", "shot_noise", "affine", "elastic"]
RANDOM_SIGNAL = ["gaussian_noise", "shift", "amplitude_scale", "time_warp", "dropout"]


def images(side: int, n: int = 8, channels: int = 1, seed: int = 0, width: int | None = None) -> torch.Tensor:
    """Smooth, structured images: blurred white noise stretched to [0, 1] per image."""
    g = torch.Generator().manual_seed(seed)
    x = gaussian_blur2d(torch.rand(n, channels, side, width or side, generator=g), (7, 7), (1.0, 1.0))
    low, high = x.amin(dim=(1, 2, 3), keepdim=True), x.amax(dim=(1, 2, 3), keepdim=True)
    return ((x - low) / (high - low)).clamp(0, 1)


def digits(n: int = 64) -> torch.Tensor:
    """The first ``n`` 8x8 scikit-learn digits (bundled with scikit-learn), in [0, 1]."""
    return torch.tensor(load_digits().images[:n] / 16.0, dtype=torch.float32)[:, None]


def signals(length: int, n: int = 8, channels: int = 2, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.cumsum(torch.randn(n, channels, length, generator=g), dim=-1)


def distances(fn, x, generator=1) -> list[float]:
    return [float((fn(x, s, generator=generator) - x).abs().mean()) for s in range(6)]


# ----- images ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", IMAGE_NAMES)
@pytest.mark.parametrize(("side", "width", "channels", "dtype"), [
    (8, 8, 1, torch.float32), (12, 9, 3, torch.float64), (4, 4, 1, torch.float32),
])
def test_image_corruption_keeps_shape_dtype_and_range(name, side, width, channels, dtype):
    x = images(side, n=3, channels=channels, width=width).to(dtype)
    for severity in range(6):
        y = IMAGE_CORRUPTIONS[name](x, severity, generator=0)
        assert y.shape == x.shape and y.dtype == dtype
        assert torch.isfinite(y).all() and y.min() >= 0 and y.max() <= 1


@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_image_severity_zero_is_an_identity_copy(name):
    x = images(8)
    y = IMAGE_CORRUPTIONS[name](x, 0, generator=0)
    assert torch.equal(y, x) and y is not x


@pytest.mark.parametrize("name", IMAGE_NAMES)
@pytest.mark.parametrize("side", [8, 28])
def test_image_distance_grows_with_severity(name, side):
    d = distances(IMAGE_CORRUPTIONS[name], images(side, n=16))
    assert d[0] == 0.0
    assert all(a < b for a, b in zip(d, d[1:], strict=False)), d


@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_graded_on_real_8x8_digits(name):
    d = distances(IMAGE_CORRUPTIONS[name], digits())
    assert all(a < b for a, b in zip(d, d[1:], strict=False)), d


@pytest.mark.parametrize("name", RANDOM_IMAGE)
def test_random_image_corruptions_are_deterministic_per_generator(name):
    fn, x = IMAGE_CORRUPTIONS[name], images(8)
    a = fn(x, 3, generator=5)
    assert torch.equal(a, fn(x, 3, generator=5))
    assert torch.equal(a, fn(x, 3, generator=torch.Generator().manual_seed(5)))
    assert not torch.equal(a, fn(x, 3, generator=6))
    # a shared generator advances: two calls differ
    g = torch.Generator().manual_seed(5)
    assert not torch.equal(fn(x, 3, generator=g), fn(x, 3, generator=g))


@pytest.mark.parametrize("name", sorted(set(IMAGE_NAMES) - set(RANDOM_IMAGE)))
def test_deterministic_image_corruptions_ignore_the_generator(name):
    fn, x = IMAGE_CORRUPTIONS[name], images(8)
    assert torch.equal(fn(x, 4, generator=1), fn(x, 4, generator=2))
    assert torch.equal(fn(x, 4), fn(x, 4, generator=None))


def test_corruptions_never_touch_the_global_rng():
    torch.manual_seed(123)
    state = torch.get_rng_state()
    x, s = images(8, n=2), signals(20, n=2)
    for fn in IMAGE_CORRUPTIONS.values():
        fn(x, 5, generator=0)
        fn(x, 5, generator=None)
    for fn in SIGNAL_CORRUPTIONS.values():
        fn(s, 5, generator=0)
    assert torch.equal(torch.get_rng_state(), state)


def test_known_values():
    x = torch.tensor([[[[0.0, 1.0], [0.5, 0.5]]]])
    assert torch.allclose(IMAGE_CORRUPTIONS["contrast"](x, 5), (x - 0.5) * 0.05 + 0.5)
    assert torch.allclose(IMAGE_CORRUPTIONS["brightness"](x, 1), (x + 0.1).clamp(0, 1))
    # severity 3 cuts a side of 8 px into 4 cells of 2 px: 2x2 blocks holding their mean
    x = images(8, n=2)
    y = IMAGE_CORRUPTIONS["pixelate"](x, 3)
    assert torch.allclose(y, F.avg_pool2d(x, 2).repeat_interleave(2, -2).repeat_interleave(2, -1))


# ----- signals ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SIGNAL_NAMES)
@pytest.mark.parametrize(("length", "dtype"), [(40, torch.float32), (7, torch.float64), (200, torch.float32)])
def test_signal_corruption_keeps_shape_and_dtype(name, length, dtype):
    x = signals(length, n=3).to(dtype)
    for severity in range(6):
        y = SIGNAL_CORRUPTIONS[name](x, severity, generator=0)
        assert y.shape == x.shape and y.dtype == dtype and torch.isfinite(y).all()
    assert torch.equal(SIGNAL_CORRUPTIONS[name](x, 0), x)


@pytest.mark.parametrize("name", SIGNAL_NAMES)
@pytest.mark.parametrize("length", [12, 100])
def test_signal_distance_grows_with_severity(name, length):
    d = distances(SIGNAL_CORRUPTIONS[name], signals(length, n=16))
    assert d[0] == 0.0
    assert all(a < b for a, b in zip(d, d[1:], strict=False)), d


@pytest.mark.parametrize("name", RANDOM_SIGNAL)
def test_random_signal_corruptions_are_deterministic_per_generator(name):
    fn, x = SIGNAL_CORRUPTIONS[name], signals(50)
    a = fn(x, 4, generator=9)
    assert torch.equal(a, fn(x, 4, generator=torch.Generator().manual_seed(9)))
    assert not torch.equal(a, fn(x, 4, generator=10))


def test_signal_noise_scales_with_the_signal():
    x = signals(100)
    small = SIGNAL_CORRUPTIONS["gaussian_noise"](x, 3, generator=0) - x
    large = SIGNAL_CORRUPTIONS["gaussian_noise"](x * 100, 3, generator=0) - x * 100
    assert torch.allclose(large, small * 100, rtol=1e-3, atol=1e-3)
    const = torch.zeros(2, 1, 30)  # a constant sample still gets (unit-scale) noise
    assert SIGNAL_CORRUPTIONS["gaussian_noise"](const, 1, generator=0).abs().sum() > 0


def test_signal_shift_and_dropout_values():
    x = torch.arange(10.0).view(1, 1, 10)
    y = SIGNAL_CORRUPTIONS["shift"](x, 1, generator=0)[0, 0].tolist()
    assert y in ([0.0, *range(9)], [*range(1, 10), 9.0])
    z = SIGNAL_CORRUPTIONS["dropout"](torch.ones(1, 3, 400), 5, generator=0)
    assert torch.equal(z[:, 0], z[:, 1])  # whole time steps dropped across channels
    assert 0.35 < float((z == 0).float().mean()) < 0.55


# ----- dispatch and bad input --------------------------------------------------------------------------
def test_suites_and_dispatch():
    assert available_corruptions("image") == [
        "gaussian_noise", "shot_noise", "gaussian_blur", "contrast", "brightness", "affine",
        "elastic", "pixelate",
    ]
    assert available_corruptions("signal") == available_corruptions("audio") == SIGNAL_NAMES
    assert corruption_suite("image") is not IMAGE_CORRUPTIONS
    x = images(8)
    assert torch.equal(corrupt(x, "affine", 2, generator=3), IMAGE_CORRUPTIONS["affine"](x, 2, generator=3))
    s = signals(20)
    assert torch.equal(corrupt(s, "dropout", 2, modality="signal", generator=3),
                       SIGNAL_CORRUPTIONS["dropout"](s, 2, generator=3))


@pytest.mark.parametrize(("call", "exc", "match"), [
    (lambda: corrupt(images(8), "fog", 1), ValueError, "name"),
    (lambda: corrupt(images(8), "affine", 1, modality="video"), ValueError, "modality"),
    (lambda: corrupt(images(8), "affine", 6), ValueError, "severity"),
    (lambda: corrupt(images(8), "affine", -1), ValueError, "severity"),
    (lambda: corrupt(images(8), "affine", 2.0), TypeError, "severity"),
    (lambda: corrupt(images(8) * 2, "contrast", 1), ValueError, r"\[0, 1\]"),
    (lambda: corrupt(images(8)[0], "contrast", 1), ValueError, "shape"),
    (lambda: corrupt(images(8).numpy(), "contrast", 1), TypeError, "torch.Tensor"),
    (lambda: corrupt(signals(10)[0], "shift", 1, modality="signal"), ValueError, "shape"),
    (lambda: corrupt(torch.ones(1, 1, 5, dtype=torch.long), "shift", 1, modality="signal"), TypeError,
     "floating"),
])
def test_bad_input_raises(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
