"""Sequential, OneOf and RandomApply semantics."""

from __future__ import annotations

import pytest
import torch

from genaug.ops import Affine, Color, Flip, GaussianNoise, MixUp, OneOf, RandomApply, Sequential, SignalNoise
from genaug.rng import as_generator


def test_sequential_equals_children_applied_in_order(images: torch.Tensor) -> None:
    flip, noise = Flip(p=0.5), GaussianNoise(std=0.05)
    seq = Sequential(augmenters=[flip, noise])
    params = seq.make_params(images, generator=as_generator(0))
    p_flip, p_noise = params["children"]
    expected = noise.apply(flip.apply(images, p_flip), p_noise)
    assert torch.equal(seq(images, params=params), expected)
    assert len(seq) == 2 and seq.children == [flip, noise]


def test_sequential_accepts_config_dicts_and_keeps_them(images: torch.Tensor) -> None:
    config = [{"name": "affine", "degrees": 5}, {"name": "gaussian_noise", "std": 0.01}]
    seq = Sequential(augmenters=config)
    assert seq.get_config()["augmenters"] is config
    assert isinstance(seq.children[0], Affine) and seq.children[0].degrees == 5


def test_sequential_with_a_resizing_child(images: torch.Tensor) -> None:
    seq = Sequential(augmenters=[{"name": "random_resized_crop", "size": 8}, {"name": "gaussian_noise"}])
    out = seq(images, generator=0)
    assert out.shape == (6, 3, 8, 8)
    with pytest.raises(ValueError, match="p must be 1"):
        RandomApply(augmenters=seq.augmenters, p=0.5)(images, generator=0)


def test_one_of_applies_exactly_one_child_per_sample() -> None:
    x = torch.full((40, 1, 4, 4), 0.5)
    dark = Color(brightness=(0.0, 0.0), contrast=0.0)
    bright = Color(brightness=(2.0, 2.0), contrast=0.0)
    aug = OneOf(augmenters=[dark, bright])
    params = aug.make_params(x, generator=as_generator(0))
    out = aug(x, params=params)
    values = out.flatten(1)[:, 0]
    assert torch.equal(values == 0.0, params["choice"] == 0)
    assert torch.equal(values == 1.0, params["choice"] == 1)
    assert (params["choice"] == 0).any() and (params["choice"] == 1).any()


def test_one_of_weights() -> None:
    x = torch.rand(50, 1, 4, 4, generator=as_generator(0))
    aug = OneOf(augmenters=[Flip(p=1.0), GaussianNoise()], weights=[0.0, 1.0])
    params = aug.make_params(x, generator=as_generator(0))
    assert torch.all(params["choice"] == 1)
    assert params["children"][0] is None
    with pytest.raises(ValueError, match="weights"):
        OneOf(augmenters=[Flip(), Flip()], weights=[0, 0])


def test_random_apply_applies_to_about_p_of_the_samples() -> None:
    x = torch.rand(400, 1, 4, 4, generator=as_generator(0))
    aug = RandomApply(augmenters=[GaussianNoise(std=0.1, clamp=False)], p=0.25)
    out = aug(x, generator=0)
    changed = (out != x).flatten(1).any(1).float().mean().item()
    assert abs(changed - 0.25) < 0.07
    assert aug.p == 0.25 and RandomApply(augmenters=[Flip()]).p == 0.5


def test_nested_compositions_work_on_signals() -> None:
    x = torch.randn(5, 1, 30, generator=as_generator(0))
    aug = Sequential(augmenters=[
        {"name": "one_of", "augmenters": [{"name": "signal_shift"}, {"name": "signal_scale"}]},
        SignalNoise(std=0.01),
    ])
    assert aug.input_ndim == 3
    assert aug(x, generator=0).shape == x.shape
    with pytest.raises(ValueError, match=r"\(B, C, T\)"):
        aug(torch.rand(5, 1, 4, 4, generator=as_generator(0)), generator=0)


def test_composition_errors() -> None:
    with pytest.raises(ValueError, match="same kind of input"):
        Sequential(augmenters=[Flip(), SignalNoise()])
    with pytest.raises(TypeError, match="label mixers"):
        Sequential(augmenters=[Flip(), MixUp()])
    with pytest.raises(TypeError, match="augmenters"):
        Sequential(augmenters=Flip())
    with pytest.raises(ValueError, match="augmenters"):
        OneOf(augmenters=[])
    with pytest.raises(ValueError, match="shape-preserving"):
        aug = OneOf(augmenters=[{"name": "random_resized_crop", "size": 4}])
        aug(torch.rand(2, 1, 8, 8, generator=as_generator(0)), generator=0)


def test_flip_then_affine_is_fused_into_one_warp_with_the_same_result() -> None:
    from genaug.ops import Affine, Flip, Sequential

    x = torch.rand(16, 3, 12, 10, generator=torch.Generator().manual_seed(0))
    flip = Flip(horizontal=True, vertical=True, p=0.5)
    seq = Sequential(augmenters=[flip, Affine(degrees=20, translate=0.1)])
    params = seq.make_params(x, generator=torch.Generator().manual_seed(1))
    fused = seq.apply(x, params)
    flip, affine = seq.children
    two_step = affine.apply(flip.apply(x, params["children"][0]), params["children"][1])
    assert params["children"][0]["mask"].any() and not params["children"][0]["mask"].all()
    torch.testing.assert_close(fused, two_step, atol=1e-5, rtol=0)
