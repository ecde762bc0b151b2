"""RandAugment and TrivialAugment: every operation runs; magnitude 0 is (near) identity."""

from __future__ import annotations

import pytest
import torch

from genaug.ops import OPERATIONS, RandAugment, TrivialAugment
from genaug.ops.functional import image as F
from genaug.rng import as_generator


@pytest.mark.parametrize("channels", [1, 3])
def test_every_operation_runs_and_stays_in_range(channels: int) -> None:
    x = torch.rand(4, channels, 12, 12, generator=as_generator(0))
    for name in OPERATIONS:
        for policy in (RandAugment(num_ops=1, magnitude=20, operations=[name]),
                       TrivialAugment(operations=[name])):
            out = policy(x, generator=1)
            assert out.shape == x.shape, name
            assert out.min() >= 0 and out.max() <= 1, name


def test_magnitude_zero_is_identity_for_parametric_operations() -> None:
    x = torch.rand(8, 3, 12, 12, generator=as_generator(0)) * 0.9  # solarize threshold 1.0: no pixel >= 1
    ops = ["identity", "shear_x", "shear_y", "translate_x", "translate_y", "rotate", "brightness",
           "color", "contrast", "sharpness", "solarize"]
    out = RandAugment(num_ops=3, magnitude=0, operations=ops)(x, generator=0)
    assert torch.allclose(out, x, atol=1e-5)


def test_randaugment_params() -> None:
    x = torch.rand(50, 1, 8, 8, generator=as_generator(0))
    aug = RandAugment(num_ops=3, magnitude=10, num_magnitude_bins=11)
    params = aug.make_params(x, generator=as_generator(0))
    assert params["op"].shape == (3, 50)
    assert torch.all(params["magnitude"] == 1.0)
    assert set(params["sign"].unique().tolist()) == {-1.0, 1.0}
    assert params["op"].max() < len(OPERATIONS)


def test_trivialaugment_magnitudes_are_random_bins() -> None:
    x = torch.rand(200, 1, 8, 8, generator=as_generator(0))
    params = TrivialAugment(num_magnitude_bins=5).make_params(x, generator=as_generator(0))
    assert params["op"].shape == (1, 200)
    assert set(params["magnitude"].flatten().tolist()) == {0.0, 0.25, 0.5, 0.75, 1.0}


def test_each_sample_gets_its_own_operation() -> None:
    x = torch.rand(6, 1, 8, 8, generator=as_generator(0))
    aug = RandAugment(num_ops=1, magnitude=30, operations=["identity", "solarize"])
    params = aug.make_params(x, generator=as_generator(2))
    out = aug(x, params=params)
    solarized = params["op"][0] == 1
    assert solarized.any() and (~solarized).any()
    assert torch.equal(out[~solarized], x[~solarized])
    assert torch.allclose(out[solarized], 1 - x[solarized])  # magnitude max: threshold 0


def test_functional_solarize_posterize_autocontrast() -> None:
    x = torch.tensor([0.1, 0.6, 0.9]).view(1, 1, 1, 3)
    assert torch.allclose(F.solarize(x, torch.tensor([0.5])).flatten(), torch.tensor([0.1, 0.4, 0.1]))
    assert torch.allclose(F.autocontrast(x).flatten(), torch.tensor([0.0, 0.625, 1.0]))
    poster = F.posterize(x, torch.tensor([1]))
    assert torch.allclose(poster.flatten(), torch.tensor([0.0, 128 / 255, 128 / 255]))


def test_bad_policy_arguments() -> None:
    with pytest.raises(ValueError, match="magnitude"):
        RandAugment(magnitude=31)
    with pytest.raises(ValueError, match="num_ops"):
        RandAugment(num_ops=0)
    with pytest.raises(ValueError, match=r"operations\[1\]"):
        TrivialAugment(operations=["rotate", "warp"])
    with pytest.raises(ValueError, match="operations"):
        TrivialAugment(operations=[])
