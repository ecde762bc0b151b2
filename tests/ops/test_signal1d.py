"""1-D signal ops: shift, scale, noise."""

from __future__ import annotations

import pytest
import torch

from genaug.ops import SignalNoise, SignalScale, SignalShift
from genaug.ops.functional import signal1d as S
from genaug.rng import as_generator


def test_circular_shift_equals_roll() -> None:
    x = torch.randn(3, 2, 10, generator=as_generator(0))
    steps = torch.tensor([2, -3, 0])
    out = S.shift(x, steps, mode="circular")
    for i, k in enumerate(steps.tolist()):
        assert torch.equal(out[i], torch.roll(x[i], k, dims=-1))


def test_padded_shifts() -> None:
    x = torch.arange(1.0, 6.0).view(1, 1, 5)
    assert S.shift(x, torch.tensor([2]), mode="zeros").flatten().tolist() == [0, 0, 1, 2, 3]
    assert S.shift(x, torch.tensor([-2]), mode="edge").flatten().tolist() == [3, 4, 5, 5, 5]


def test_shift_steps_within_max_shift() -> None:
    x = torch.randn(500, 1, 40, generator=as_generator(0))
    steps = SignalShift(max_shift=0.1).make_params(x, generator=as_generator(0))["steps"]
    assert steps.min() == -4 and steps.max() == 4


def test_time_scale_identity_and_stretch_of_a_ramp() -> None:
    x = torch.linspace(0, 1, 21).view(1, 1, 21).repeat(2, 1, 1)
    assert torch.equal(S.time_scale(x, torch.ones(2)), x)
    out = S.time_scale(x, torch.tensor([2.0, 0.5]))
    centre = 10
    # stretched ramp: half the slope around the centre; compressed: double, clamped at the edges
    assert torch.allclose(out[0, 0, centre + 4] - out[0, 0, centre], torch.tensor(0.1), atol=1e-6)
    assert torch.allclose(out[1, 0, centre + 2] - out[1, 0, centre], torch.tensor(0.2), atol=1e-6)
    assert out[1, 0, -1] == 1.0 and out[1, 0, 0] == 0.0


def test_signal_scale_amplitude_only() -> None:
    x = torch.randn(4, 1, 16, generator=as_generator(0))
    out = SignalScale(amplitude=(2.0, 2.0), time=(1.0, 1.0))(x, generator=0)
    assert torch.allclose(out, 2 * x)


def test_signal_noise_std_roughly_right_and_unclamped() -> None:
    x = torch.full((8, 1, 1000), 5.0)
    out = SignalNoise(std=0.2)(x, generator=0)
    assert abs((out - x).std().item() - 0.2) < 0.01
    assert out.max() > 5.0


def test_signal_ops_reject_images_and_bad_args() -> None:
    with pytest.raises(ValueError, match=r"\(B, C, T\)"):
        SignalShift()(torch.rand(2, 1, 4, 4, generator=as_generator(0)), generator=0)
    with pytest.raises(ValueError, match="mode"):
        SignalShift(mode="reflect")
    with pytest.raises(ValueError, match="amplitude"):
        SignalScale(amplitude=1.0)
