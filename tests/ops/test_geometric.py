"""Math of Flip, Affine and RandomResizedCrop."""

from __future__ import annotations

import pytest
import torch

from genaug.ops import Affine, Flip, RandomResizedCrop
from genaug.ops.functional import image as F
from genaug.rng import as_generator


def test_flip_twice_with_same_params_is_identity(images: torch.Tensor) -> None:
    aug = Flip(horizontal=True, vertical=True, p=0.7)
    params = aug.make_params(images, generator=as_generator(0))
    once = aug(images, params=params)
    assert not torch.equal(once, images)
    assert torch.equal(aug(once, params=params), images)


def test_flip_directions(images: torch.Tensor) -> None:
    assert torch.equal(Flip(p=1.0)(images, generator=0), images.flip(-1))
    assert torch.equal(Flip(horizontal=False, vertical=True, p=1.0)(images, generator=0), images.flip(-2))
    out = Flip(horizontal=True, vertical=True, p=1.0)(images, generator=0)
    for i in range(len(images)):  # each sample: one of h, v, or both, never unchanged
        options = [images[i].flip(-1), images[i].flip(-2), images[i].flip(-1).flip(-2)]
        assert any(torch.equal(out[i], o) for o in options)


def test_flip_mask_follows_p() -> None:
    x = torch.rand(2000, 1, 2, 2, generator=as_generator(0))
    params = Flip(p=0.3).make_params(x, generator=as_generator(1))
    assert abs(params["mask"].float().mean().item() - 0.3) < 0.04


def test_affine_with_zero_ranges_is_identity(images: torch.Tensor) -> None:
    aug = Affine(degrees=0, translate=0.0, scale=(1.0, 1.0), shear=0.0)
    assert torch.allclose(aug(images, generator=0), images, atol=1e-5)


def test_affine_rotation_by_90_degrees_is_clockwise_rot90(images: torch.Tensor) -> None:
    aug = Affine(degrees=(90, 90), translate=0.0, scale=(1, 1))
    out = aug(images, generator=0)
    assert torch.allclose(out, torch.rot90(images, k=-1, dims=(-2, -1)), atol=1e-4)


def test_affine_integer_translation_shifts_and_fills_zeros(images: torch.Tensor) -> None:
    b = len(images)
    zeros = torch.zeros(b)
    out = F.affine(images, zeros, torch.tensor([[2.0, -1.0]]).expand(b, 2), torch.ones(b), torch.zeros(b, 2))
    # content moves 2 px right and 1 px up
    assert torch.allclose(out[..., :-1, 2:], images[..., 1:, :-2], atol=1e-5)
    assert out[..., :, :2].abs().max() < 1e-5  # vacated pixels are zero (up to float rounding)
    assert out[..., -1, :].abs().max() < 1e-5


def test_affine_params_stay_in_ranges() -> None:
    x = torch.rand(500, 1, 10, 20, generator=as_generator(0))
    aug = Affine(degrees=(-5, 15), translate=(0.1, 0.2), scale=(0.8, 1.2), shear=(1, 2, -3, -2))
    params = aug.make_params(x, generator=as_generator(0))
    assert params["angle"].min() >= -5 and params["angle"].max() <= 15
    assert params["translate"][:, 0].abs().max() <= 0.1 * 20 + 1e-6
    assert params["translate"][:, 1].abs().max() <= 0.2 * 10 + 1e-6
    assert params["scale"].min() >= 0.8 and params["scale"].max() <= 1.2
    assert params["shear"][:, 0].min() >= 1 and params["shear"][:, 1].max() <= -2


def test_affine_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="degrees"):
        Affine(degrees=-5)
    with pytest.raises(ValueError, match="translate"):
        Affine(translate=1.5)
    with pytest.raises(ValueError, match="scale"):
        Affine(scale=(0.0, 1.0))
    with pytest.raises(ValueError, match="shear"):
        Affine(shear=95)
    with pytest.raises(ValueError, match="padding_mode"):
        Affine(padding_mode="wrap")


def test_random_resized_crop_full_box_is_identity(images: torch.Tensor) -> None:
    aug = RandomResizedCrop(scale=(1.0, 1.0), ratio=(1.0, 1.0))
    assert torch.allclose(aug(images, generator=0), images, atol=1e-5)


def test_random_resized_crop_boxes_fit_and_respect_scale() -> None:
    x = torch.rand(400, 1, 32, 32, generator=as_generator(0))
    params = RandomResizedCrop(scale=(0.2, 0.6), ratio=(0.5, 2.0)).make_params(x, generator=as_generator(0))
    y0, x0, y1, x1 = params["box"].unbind(-1)
    assert (y0 >= 0).all() and (x0 >= 0).all() and (y1 <= 32).all() and (x1 <= 32).all()
    area = ((y1 - y0) * (x1 - x0)).float() / 32**2
    assert area.min() >= 0.15 and area.max() <= 0.65  # rounding of the sides
    aspect = (x1 - x0).float() / (y1 - y0).float()
    assert aspect.min() >= 0.4 and aspect.max() <= 2.5


def test_random_resized_crop_crops_the_box() -> None:
    x = torch.rand(1, 1, 8, 8, generator=as_generator(0))
    aug = RandomResizedCrop(size=4)
    params = {"box": torch.tensor([[2, 2, 6, 6]]), "mask": torch.tensor([True])}
    assert torch.allclose(aug(x, params=params), x[..., 2:6, 2:6], atol=1e-5)


def test_random_resized_crop_output_size_resizes_unmasked_samples(images: torch.Tensor) -> None:
    aug = RandomResizedCrop(size=(6, 8), p=0.5)
    out = aug(images, generator=0)
    assert out.shape == (6, 3, 6, 8)
    assert aug.output_shape((6, 3, 12, 12)) == (6, 3, 6, 8)
    with pytest.raises(ValueError, match="size"):
        RandomResizedCrop(size=(0, 4))
