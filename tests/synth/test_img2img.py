"""Img2img variations: closeness to the source at low strength, determinism, labels, provenance."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genaug.synth import Diffusion, Img2Img

TINY = Diffusion.get_test_params()


@pytest.fixture(scope="module")
def synth(tiny_images, tiny_pool) -> Img2Img:
    return Img2Img(diffusion=TINY, strength=0.5).fit(tiny_images, unlabeled=tiny_pool, generator=0)


def test_strength_near_zero_returns_nearly_the_source(synth, tiny_images) -> None:
    near = synth.vary(1, strength=1e-3, generator=0)
    full = synth.vary(1, strength=1.0, generator=0)
    d_near = (near.x - tiny_images.x).abs().mean().item()
    d_full = (full.x - tiny_images.x).abs().mean().item()
    assert d_near < 0.05
    assert d_near < 0.2 * d_full


def test_distance_to_source_grows_with_strength(synth, tiny_images) -> None:
    dists = [
        (synth.vary(2, strength=s, generator=1).x - tiny_images.x.repeat_interleave(2, 0)).abs().mean().item()
        for s in (0.02, 0.3, 1.0)
    ]
    assert dists[0] < dists[1] < dists[2]


def test_same_seed_same_output_and_labels_of_sources(synth, tiny_images) -> None:
    a = synth.vary(3, generator=7)
    b = synth.vary(3, generator=7)
    c = synth.vary(3, generator=8)
    assert torch.equal(a.x, b.x) and not torch.equal(a.x, c.x)
    src = np.repeat(np.arange(len(tiny_images)), 3)
    assert a.meta["source_index"].tolist() == src.tolist()
    assert a.y.tolist() == tiny_images.y[src].tolist()
    assert np.allclose(a.meta["strength"], 0.5)
    # The three variations of one source differ from each other.
    assert not torch.equal(a.x[0], a.x[1])


def test_sample_cycles_through_each_class_sources(synth, tiny_images) -> None:
    out = synth.sample({0: 6, 2: 3}, generator=0)
    assert out.y.tolist() == [0] * 6 + [2] * 3
    src = out.meta["source_index"]
    assert tiny_images.y[src].tolist() == out.y.tolist()
    assert src[:6].tolist() == [0, 1, 2, 3, 0, 1]
    assert src[6:].tolist() == [8, 9, 10]
    assert np.allclose(out.meta["strength"], 0.5)


def test_diffusion_vary_checks_its_input(synth, tiny_images) -> None:
    with pytest.raises(ValueError, match="strength"):
        synth.model_.vary(tiny_images, strength=0.0)
    with pytest.raises(ValueError, match="k must be"):
        synth.model_.vary(tiny_images, k=0)
    with pytest.raises(TypeError, match="data must be a LabeledData"):
        synth.model_.vary(tiny_images.x)


def test_model_dir_reuses_a_fitted_diffusion(synth, tiny_images, tmp_path) -> None:
    synth.model_.save(tmp_path / "dm")
    reused = Img2Img(model_dir=str(tmp_path / "dm"), strength=0.5).fit(tiny_images, generator=123)
    assert torch.equal(reused.vary(1, generator=0).x, synth.vary(1, generator=0).x)
    other = tiny_images.x[:, :, :4, :4].contiguous()
    with pytest.raises(ValueError, match="model_dir"):
        Img2Img(model_dir=str(tmp_path / "dm")).fit(other, tiny_images.y, generator=0)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="strength"):
        Img2Img(strength=0.0)
    with pytest.raises(ValueError, match="strength"):
        Img2Img(strength=1.5)
    with pytest.raises(TypeError, match="diffusion"):
        Img2Img(diffusion="big")
    with pytest.raises(ValueError, match="sampling_steps"):
        Img2Img(sampling_steps=0)
