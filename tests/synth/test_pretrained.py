"""The diffusers adapter, against tiny randomly initialised pipelines built here (no downloads)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

diffusers = pytest.importorskip("diffusers")

from genaug.synth import PretrainedDiffusion, Synthesizer  # noqa: E402
from genaug.synth.pretrained import import_diffusers  # noqa: E402


def save_tiny_pipeline(path: Path, *, num_classes: int | None, channels: int = 1) -> str:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        unet = diffusers.UNet2DModel(
            sample_size=8,
            in_channels=channels,
            out_channels=channels,
            layers_per_block=1,
            block_out_channels=(8, 16),
            down_block_types=("DownBlock2D", "DownBlock2D"),
            up_block_types=("UpBlock2D", "UpBlock2D"),
            norm_num_groups=4,
            num_class_embeds=num_classes,
        )
    pipe = diffusers.DDPMPipeline(unet=unet, scheduler=diffusers.DDIMScheduler(num_train_timesteps=50))
    pipe.save_pretrained(str(path))
    return str(path)


@pytest.fixture(scope="module")
def conditional_dir(tmp_path_factory) -> str:
    return save_tiny_pipeline(tmp_path_factory.mktemp("cond") / "pipe", num_classes=3)


@pytest.fixture(scope="module")
def unconditional_dir(tmp_path_factory) -> str:
    return save_tiny_pipeline(tmp_path_factory.mktemp("uncond") / "pipe", num_classes=None, channels=3)


def test_img2img_low_strength_stays_near_the_source(conditional_dir, tiny_images) -> None:
    synth = PretrainedDiffusion(model_dir=conditional_dir, strength=0.01, num_inference_steps=4)
    out = synth.fit(tiny_images, generator=0).sample(4, generator=0)
    assert out.y.tolist() == tiny_images.y.tolist()
    assert out.meta["source_index"].tolist() == list(range(12))
    assert np.allclose(out.meta["strength"], 0.01)
    assert (out.x - tiny_images.x).abs().mean() < 0.02
    far = PretrainedDiffusion(model_dir=conditional_dir, strength=1.0, num_inference_steps=4)
    far_x = far.fit(tiny_images, generator=0).sample(4, generator=0).x
    assert (far_x - tiny_images.x).abs().mean() > 5 * (out.x - tiny_images.x).abs().mean()


def test_text2img_with_class_labels(conditional_dir, tiny_images, tmp_path) -> None:
    synth = PretrainedDiffusion(model_dir=conditional_dir, mode="text2img", num_inference_steps=3)
    synth.fit(tiny_images, generator=0)
    a, b = synth.sample({1: 2, 2: 3}, generator=5), synth.sample({1: 2, 2: 3}, generator=5)
    assert a.y.tolist() == [1, 1, 2, 2, 2] and tuple(a.x.shape) == (5, 1, 8, 8)
    assert torch.equal(a.x, b.x)
    assert (a.meta["source_index"] == -1).all()
    synth.save(tmp_path / "m")
    loaded = Synthesizer.load(tmp_path / "m", model_dir=conditional_dir)
    assert torch.equal(loaded.sample({1: 2, 2: 3}, generator=5).x, a.x)


def test_saved_model_dir_is_not_trusted(conditional_dir, tiny_images, tmp_path) -> None:
    """The pipeline folder comes from the caller at load time, never from config.json alone."""
    from genaug.serialization import ModelFileError
    from genaug.synth import load_synthesizer

    PretrainedDiffusion(model_dir=conditional_dir, num_inference_steps=2).fit(tiny_images, generator=0).save(
        tmp_path / "m"
    )
    for load in (PretrainedDiffusion.load, Synthesizer.load, load_synthesizer):
        with pytest.raises(ModelFileError, match=r"config\.json.*model_dir is not taken from a saved file"):
            load(tmp_path / "m")
    assert load_synthesizer(tmp_path / "m", model_dir=conditional_dir).model_dir == conditional_dir


def test_unconditional_rgb_pipeline_for_grey_images(unconditional_dir, tiny_images) -> None:
    synth = PretrainedDiffusion(model_dir=unconditional_dir, strength=0.5, num_inference_steps=4)
    out = synth.fit(tiny_images, generator=0).sample(1, generator=0)
    assert tuple(out.x.shape) == (3, 1, 8, 8)
    with pytest.raises(ValueError, match="text2img.*class-conditional"):
        PretrainedDiffusion(model_dir=unconditional_dir, mode="text2img").fit(tiny_images, generator=0)


def test_too_few_class_embeddings(conditional_dir) -> None:
    x = torch.rand(5, 1, 8, 8)
    with pytest.raises(ValueError, match="3 class embeddings"):
        PretrainedDiffusion(model_dir=conditional_dir).fit(x, [0, 1, 2, 3, 4], generator=0)


def test_changed_pipeline_is_detected_on_load(tiny_images, tmp_path) -> None:
    model_dir = save_tiny_pipeline(tmp_path / "pipe", num_classes=3)
    PretrainedDiffusion(model_dir=model_dir, num_inference_steps=2).fit(tiny_images, generator=0).save(
        tmp_path / "m"
    )
    (Path(model_dir) / "scheduler" / "scheduler_config.json").write_text('{"_class_name": "DDIMScheduler"}')
    with pytest.raises(ValueError, match="changed since"):
        PretrainedDiffusion.load(tmp_path / "m", model_dir=model_dir)
    from genaug.synth.pretrained import build_tiny_pipeline

    other = build_tiny_pipeline(tmp_path / "other", num_classes=3, seed=1)
    with pytest.raises(ValueError, match="changed since"):  # another pipeline: refused by its hash
        PretrainedDiffusion.load(tmp_path / "m", model_dir=str(other))


def test_missing_folder_and_bad_arguments(tmp_path, tiny_images) -> None:
    with pytest.raises(FileNotFoundError, match="model_index.json"):
        PretrainedDiffusion(model_dir=str(tmp_path)).fit(tiny_images, generator=0)
    with pytest.raises(ValueError, match="mode must be one of"):
        PretrainedDiffusion(model_dir=str(tmp_path), mode="inpaint")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="strength"):
        PretrainedDiffusion(model_dir=str(tmp_path), strength=0)
    with pytest.raises(TypeError, match="model_dir"):
        PretrainedDiffusion(model_dir=None)  # type: ignore[arg-type]


def test_missing_diffusers_gives_install_hint(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "diffusers", None)
    with pytest.raises(ImportError, match=r"pip install 'genaug\[diffusers\]'"):
        import_diffusers()


class _FakeTextPipeline:
    """Stands in for a Stable Diffusion pipeline: records its call, returns grey images."""

    vae_scale_factor = 2

    def __init__(self) -> None:
        self.unet = type("U", (), {"config": type("C", (), {"sample_size": 8})()})()
        self.calls: list[dict] = []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        n = len(kwargs["prompt"])
        return type("Out", (), {"images": np.full((n, 16, 16, 3), 0.25, dtype=np.float32)})()


@pytest.mark.parametrize("mode", ["img2img", "text2img"])
def test_text_pipelines_get_class_prompts(monkeypatch, tiny_images, tmp_path, mode: str) -> None:
    fake = _FakeTextPipeline()
    monkeypatch.setattr(PretrainedDiffusion, "_load_pipeline", lambda self: (fake, True))
    monkeypatch.setattr("genaug.synth.pretrained.model_dir_hash", lambda path: "0" * 64)
    synth = PretrainedDiffusion(
        model_dir=str(tmp_path), mode=mode, prompt="a digit {class_name}", prompts={"c": "<digit-c>"},
        negative_prompt="blurry", strength=0.6, batch_size=4,
    )  # fmt: skip
    out = synth.fit(tiny_images, generator=0).sample({0: 1, 2: 2}, generator=0)
    assert tuple(out.x.shape) == (3, 1, 8, 8) and torch.allclose(out.x, torch.full_like(out.x, 0.25))
    call = fake.calls[0]
    assert call["prompt"] == ["a digit a", "<digit-c>", "<digit-c>"]
    assert call["negative_prompt"] == ["blurry"] * 3 and call["output_type"] == "np"
    if mode == "img2img":
        assert call["strength"] == 0.6 and tuple(call["image"].shape) == (3, 3, 16, 16)
    else:
        assert call["height"] == call["width"] == 16 and "image" not in call
