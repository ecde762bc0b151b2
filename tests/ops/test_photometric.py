"""Math of Color, GaussianNoise, GaussianBlur and RandomErasing."""

from __future__ import annotations

import pytest
import torch

from genaug.ops import Color, GaussianBlur, GaussianNoise, RandomErasing
from genaug.ops.functional import image as F
from genaug.rng import as_generator


def test_brightness_multiplies_and_clamps() -> None:
    x = torch.full((2, 1, 4, 4), 0.4)
    out = F.adjust_brightness(x, torch.tensor([0.5, 3.0]))
    assert torch.allclose(out[0], torch.full_like(x[0], 0.2))
    assert torch.equal(out[1], torch.ones_like(x[1]))


@pytest.mark.parametrize("channels", [1, 3])
def test_contrast_zero_gives_flat_mean_and_one_is_identity(channels: int) -> None:
    x = torch.rand(2, channels, 5, 5, generator=as_generator(0))
    flat = F.adjust_contrast(x, torch.zeros(2))
    assert torch.allclose(flat, flat[..., :1, :1].expand_as(flat))
    assert torch.allclose(flat[:, 0, 0, 0], F.grayscale(x).mean(dim=(1, 2, 3)))
    assert torch.allclose(F.adjust_contrast(x, torch.ones(2)), x)


def test_color_factors_come_from_their_ranges(images: torch.Tensor) -> None:
    aug = Color(brightness=(0.5, 0.5), contrast=0.0)
    assert torch.allclose(aug(images, generator=0), images * 0.5)
    aug = Color(brightness=0.3, contrast=(0.5, 2.0))
    params = aug.make_params(torch.rand(300, 3, 2, 2, generator=as_generator(0)), generator=as_generator(0))
    assert params["brightness"].min() >= 0.7 and params["brightness"].max() <= 1.3
    assert params["contrast"].min() >= 0.5 and params["contrast"].max() <= 2.0


def test_saturation_is_skipped_for_grayscale_and_desaturates_rgb() -> None:
    gray = torch.rand(2, 1, 4, 4, generator=as_generator(0))
    assert torch.equal(Color(brightness=0, contrast=0, saturation=(0, 0))(gray, generator=0), gray)
    rgb = torch.rand(2, 3, 4, 4, generator=as_generator(0))
    out = Color(brightness=0, contrast=0, saturation=(0, 0))(rgb, generator=0)
    assert torch.allclose(out, F.grayscale(rgb).expand_as(rgb), atol=1e-6)


def test_gaussian_noise_std_is_roughly_right() -> None:
    x = torch.full((4, 1, 64, 64), 0.5)
    out = GaussianNoise(std=0.05)(x, generator=0)
    assert abs((out - x).std().item() - 0.05) < 0.003
    assert abs((out - x).mean().item()) < 0.003
    params = GaussianNoise(std=(0.01, 0.1)).make_params(x, generator=as_generator(0))
    assert params["std"].min() >= 0.01 and params["std"].max() <= 0.1


def test_gaussian_noise_clamps_only_when_asked() -> None:
    x = torch.full((2, 1, 16, 16), 0.99)
    assert GaussianNoise(std=0.5)(x, generator=0).max() <= 1.0
    assert GaussianNoise(std=0.5, clamp=False)(x, generator=0).max() > 1.0


def test_gaussian_blur_keeps_constant_images_and_smooths() -> None:
    const = torch.full((2, 3, 9, 9), 0.3)
    assert torch.allclose(GaussianBlur(kernel_size=5)(const, generator=0), const, atol=1e-6)
    x = torch.rand(2, 1, 16, 16, generator=as_generator(0))
    out = GaussianBlur(kernel_size=5, sigma=2.0)(x, generator=0)
    assert out.var() < x.var() / 2
    assert torch.allclose(out.mean(), x.mean(), atol=0.02)


def test_gaussian_blur_kernel_larger_than_image_is_an_error() -> None:
    with pytest.raises(ValueError, match="kernel_size"):
        GaussianBlur(kernel_size=7)(torch.rand(1, 1, 5, 5, generator=as_generator(0)), generator=0)
    with pytest.raises(ValueError, match="sigma"):
        GaussianBlur(sigma=0.0)


def test_random_erasing_erases_one_box_of_the_right_size() -> None:
    x = torch.rand(200, 1, 20, 20, generator=as_generator(0)) * 0.5 + 0.5  # never 0
    aug = RandomErasing(scale=(0.1, 0.2), ratio=(0.5, 2.0), value=0.0, p=1.0)
    out = aug(x, generator=0)
    erased = (out == 0).float().mean(dim=(1, 2, 3))
    assert erased.min() >= 0.08 and erased.max() <= 0.22
    params = aug.make_params(x, generator=as_generator(0))
    y0, x0, y1, x1 = params["box"].unbind(-1)
    assert torch.allclose(erased, ((y1 - y0) * (x1 - x0)).float() / 400)
    ratio = (y1 - y0).float() / (x1 - x0).float()  # erasing's ratio is h / w
    assert ratio.min() >= 0.4 and ratio.max() <= 2.5


def test_random_erasing_random_fill() -> None:
    x = torch.zeros(4, 3, 16, 16)
    out = RandomErasing(value="random", p=1.0)(x, generator=0)
    assert (out > 0).any() and out.max() <= 1.0
    with pytest.raises(ValueError, match="value"):
        RandomErasing(value=2.0)
