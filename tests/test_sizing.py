"""Size-scaled defaults: widths left unset follow the image size; stated widths are kept."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.sizing import scaled_width
from genaug.train.nets import small_cnn


@pytest.mark.parametrize(("shape", "width"), [
    ((1, 8, 8), 32), ((1, 16, 16), 32), ((1, 20, 20), 24), ((1, 28, 28), 16), ((3, 32, 32), 16),
    ((3, 64, 64), 8), ((3, 224, 224), 8), ((2, 100), 32), ((30,), 32),
])
def test_scaled_width_table(shape: tuple[int, ...], width: int) -> None:
    assert scaled_width(shape) == width


def test_stated_width_is_kept_and_floor_applies() -> None:
    assert scaled_width((1, 64, 64), 48) == 48
    assert scaled_width((1, 64, 64), minimum=16) == 16
    assert scaled_width((1, 32, 32), base_pixels=1024) == 32


def _images(size: int) -> LabeledData:
    g = torch.Generator().manual_seed(0)
    return LabeledData(torch.rand(8, 1, size, size, generator=g), np.repeat([0, 1], 4), ["a", "b"], "image")


def _first_conv_channels(module: torch.nn.Module) -> int:
    return next(m for m in module.modules() if isinstance(m, torch.nn.Conv2d)).out_channels


def _shapes(module: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


FAST = {"cvae": {}, "cgan": {}, "diffusion": {"sampling_steps": 2, "num_timesteps": 10}}


@pytest.mark.parametrize("name", ["cvae", "cgan", "diffusion"])
def test_generator_width_follows_image_size_and_survives_save(name: str, tmp_path) -> None:
    def fit(size: int, **options):
        return registry.create("synthesizer", name, steps=1, batch_size=4, **FAST[name], **options).fit(
            _images(size), generator=0)

    synth = registry.create("synthesizer", name)
    assert synth.width is None and synth.get_config()["width"] is None
    scaled = fit(28)
    assert _shapes(scaled.model_) == _shapes(fit(28, width=16).model_)
    assert _shapes(fit(8).model_) == _shapes(fit(8, width=32).model_)
    assert _shapes(fit(28, width=8).model_) != _shapes(scaled.model_)
    scaled.save(tmp_path / name)
    loaded = registry.get("synthesizer", name).load(tmp_path / name)
    assert torch.equal(scaled.sample(2, generator=1).x, loaded.sample(2, generator=1).x)


def test_small_cnn_width_scales_past_32x32_with_a_floor_of_16() -> None:
    assert _first_conv_channels(small_cnn((1, 8, 8), 10)) == 32
    assert _first_conv_channels(small_cnn((1, 28, 28), 10)) == 32
    assert _first_conv_channels(small_cnn((3, 45, 45), 10)) == 20
    assert _first_conv_channels(small_cnn((3, 64, 64), 10)) == 16
    assert _first_conv_channels(small_cnn((3, 224, 224), 10)) == 16
    assert _first_conv_channels(small_cnn((1, 28, 28), 10, width=24)) == 24


def test_bad_width_names_the_argument() -> None:
    with pytest.raises((TypeError, ValueError), match="width"):
        registry.create("synthesizer", "cvae", width=0)
