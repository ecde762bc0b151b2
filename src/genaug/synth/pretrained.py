"""Adapter for pretrained `diffusers <https://huggingface.co/docs/diffusers>`_ pipelines (DA-Fusion style).

For users who have diffusion weights locally (or on a GPU machine): the pipeline folder written
by ``save_pretrained`` is loaded with ``from_pretrained(model_dir, local_files_only=True)``;
nothing is downloaded. Two modes:

* ``"img2img"`` (DA-Fusion, Trabucco et al. 2023): each real labeled image is noised to
  ``strength`` and denoised, conditioned on its class, ``meta["source_index"]`` recording the
  source. Text pipelines (Stable Diffusion and friends, loaded through
  ``AutoPipelineForImage2Image``) get a per-class prompt; pixel-space ``UNet2DModel`` pipelines
  (``DDPMPipeline``/``DDIMPipeline`` folders) run an SDEdit loop written here with the folder's
  scheduler, passing the class as ``class_labels`` when the UNet has class embeddings.
* ``"text2img"``: samples from pure noise, conditioned on the class prompt (text pipelines) or
  the class label (class-conditional UNets).

Images are converted to the pipeline's resolution and channels (grey -> RGB by repetition,
RGB -> grey by the mean) and back to the data's shape, values in [0, 1]. ``diffusers`` is an
optional dependency: ``pip install 'genaug[diffusers]'``.

Saving and loading: ``save`` writes the sources and the sha256 of the pipeline folder, not the
pipeline. The pipeline folder is code-adjacent data (diffusers configs name classes to build),
so ``load`` never follows the ``model_dir`` stored in a saved ``config.json``: the caller passes
the folder they trust, ``PretrainedDiffusion.load(path, model_dir=...)`` or
``load_synthesizer(path, model_dir=...)``; loading without it raises
:class:`~genaug.errors.ModelFileError`. The folder given must still hash to the saved
sha256 (a changed pipeline is refused).

Example:
    >>> synth = PretrainedDiffusion(model_dir="weights/sd-1-5", mode="img2img", strength=0.5,
    ...                             prompt="a photo of a {class_name}")  # doctest: +SKIP
    >>> synth.fit(train).sample(10, generator=0)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
import torch
import torch.nn.functional as F

from genaug.data.labeled import LabeledData
from genaug.registry import register
from genaug.serialization import TensorSpec
from genaug.synth.base import Synthesizer
from genaug.validation import check_choice, check_int, check_range

_TEXT_COMPONENTS = ("text_encoder", "tokenizer")


def import_diffusers() -> Any:
    """Import ``diffusers`` or raise an ImportError that says how to install it."""
    try:
        import diffusers
    except ImportError as err:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "genaug.synth.pretrained needs the optional package 'diffusers'; install it with "
            "pip install 'genaug[diffusers]' (or pip install diffusers)"
        ) from err
    return diffusers


@contextmanager
def _quiet_diffusers() -> Iterator[None]:
    """Silence diffusers' progress bars and info logs for the duration, then restore them."""
    from diffusers.utils import logging as dlog

    bars_were_enabled = dlog.is_progress_bar_enabled()
    level = dlog.get_verbosity()
    dlog.disable_progress_bar()
    dlog.set_verbosity(logging.ERROR)
    try:
        yield
    finally:
        dlog.set_verbosity(level)
        if bars_were_enabled:
            dlog.enable_progress_bar()


def model_dir_hash(model_dir: str | Path) -> str:
    """sha256 over the relative paths and bytes of every file in ``model_dir`` (provenance)."""
    root = Path(model_dir)
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(root)).encode())
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def build_tiny_pipeline(
    path: str | Path,
    *,
    sample_size: int = 8,
    channels: int = 1,
    num_classes: int | None = 3,
    num_train_timesteps: int = 50,
    scheduler: Literal["ddim", "ddpm"] = "ddim",
    seed: int = 0,
) -> Path:
    """Save a tiny randomly initialised ``UNet2DModel`` + scheduler pipeline to ``path``.

    For tests and examples: it exercises the real loading and sampling code without weights.
    The global RNG is forked, so the caller's random state is untouched.

    Args:
        path: output folder (``model_index.json``, ``unet/``, ``scheduler/``).
        sample_size: image height and width.
        channels: image channels.
        num_classes: class embeddings of the UNet (None: unconditional).
        num_train_timesteps: length of the scheduler's training schedule.
        scheduler: ``"ddim"`` (deterministic with eta 0) or ``"ddpm"``.
        seed: seed of the random weights.

    Returns:
        ``Path(path)``.
    """
    diffusers = import_diffusers()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        unet = diffusers.UNet2DModel(
            sample_size=sample_size,
            in_channels=channels,
            out_channels=channels,
            layers_per_block=1,
            block_out_channels=(8, 16),
            down_block_types=("DownBlock2D", "DownBlock2D"),
            up_block_types=("UpBlock2D", "UpBlock2D"),
            norm_num_groups=4,
            num_class_embeds=num_classes,
        )
    sched_cls = diffusers.DDIMScheduler if scheduler == "ddim" else diffusers.DDPMScheduler
    pipe = diffusers.DDPMPipeline(unet=unet, scheduler=sched_cls(num_train_timesteps=num_train_timesteps))
    with _quiet_diffusers():
        pipe.save_pretrained(str(path))
    return Path(path)


@register("synthesizer", "pretrained_diffusion")
class PretrainedDiffusion(Synthesizer):
    """Samples from a pretrained diffusers pipeline: img2img variations or text/class-to-image.

    ``fit`` loads the pipeline and keeps the labeled images as img2img sources; it trains
    nothing, so an unlabeled pool is accepted and ignored.

    Args:
        model_dir: a folder written by a diffusers pipeline's ``save_pretrained``. Not trusted
            from a saved file: ``load(path, model_dir=...)`` requires it again.
        mode: ``"img2img"`` (vary the labeled images) or ``"text2img"`` (from noise).
        strength: img2img noise level in (0, 1].
        num_inference_steps: scheduler steps for a full-strength run.
        guidance_scale: classifier-free guidance weight of text pipelines.
        prompt: per-class prompt template for text pipelines; ``{class_name}`` is replaced.
        prompts: optional ``{class_name: prompt}`` overriding ``prompt`` for some classes (e.g.
            learned textual-inversion tokens, as in DA-Fusion).
        negative_prompt: passed to text pipelines.
        image_size: the resolution the pipeline works at (None: from the UNet config).
        batch_size: images per pipeline call.
        device: torch device of the pipeline.
        dtype: ``"float32"``, ``"float16"`` or ``"bfloat16"`` weights.

    Shape:
        images (N, C, H, W) in [0, 1]; samples have the data's shape.
    """

    modalities: ClassVar[tuple[str, ...]] = ("image",)
    uses_unlabeled: ClassVar[bool] = False
    load_time_params: ClassVar[tuple[str, ...]] = ("model_dir",)
    _tiny_dir: ClassVar[Path | None] = None

    def __init__(
        self,
        *,
        model_dir: str,
        mode: Literal["img2img", "text2img"] = "img2img",
        strength: float = 0.5,
        num_inference_steps: int = 50,
        guidance_scale: float = 7.5,
        prompt: str = "a photo of a {class_name}",
        prompts: dict[str, str] | None = None,
        negative_prompt: str | None = None,
        image_size: int | None = None,
        batch_size: int = 8,
        device: str = "cpu",
        dtype: Literal["float32", "float16", "bfloat16"] = "float32",
    ) -> None:
        self.model_dir = model_dir
        self.mode = mode
        self.strength = strength
        self.num_inference_steps = num_inference_steps
        self.guidance_scale = guidance_scale
        self.prompt = prompt
        self.prompts = prompts
        self.negative_prompt = negative_prompt
        self.image_size = image_size
        self.batch_size = batch_size
        self.device = device
        self.dtype = dtype
        if not isinstance(model_dir, str | Path):
            raise TypeError(f"model_dir must be a path to a diffusers pipeline folder; got {model_dir!r}")
        check_choice("mode", mode, ["img2img", "text2img"])
        check_range("strength", strength, 0.0, 1.0, low_inclusive=False)
        check_int("num_inference_steps", num_inference_steps, 1)
        check_range("guidance_scale", guidance_scale, 0.0)
        check_int("batch_size", batch_size, 1)
        if image_size is not None:
            check_int("image_size", image_size, 1)
        check_choice("dtype", dtype, ["float32", "float16", "bfloat16"])
        if not isinstance(prompt, str):
            raise TypeError(f"prompt must be a str; got {prompt!r}")
        if prompts is not None and not isinstance(prompts, dict):
            raise TypeError(f"prompts must be a dict {{class_name: prompt}} or None; got {prompts!r}")

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        """Points at a tiny random class-conditional pipeline saved once per process."""
        if cls._tiny_dir is None or not (cls._tiny_dir / "model_index.json").is_file():
            root = Path(tempfile.mkdtemp(prefix="genaug-tiny-diffusers-"))
            cls._tiny_dir = build_tiny_pipeline(root / "pipe", num_classes=3)
        return {"model_dir": str(cls._tiny_dir), "num_inference_steps": 4, "batch_size": 16}

    # ----- loading ----------------------------------------------------------------------------
    def _is_text_pipeline(self) -> bool:
        from genaug.errors import MissingPathError, ModelFileError

        index = Path(self.model_dir) / "model_index.json"
        accepted = "a folder written by a diffusers pipeline's save_pretrained (with model_index.json)"
        if not index.is_file():
            raise MissingPathError("does not exist", path=index, argument="model_dir", accepted=accepted)
        try:
            components = json.loads(index.read_bytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
            raise ModelFileError(f"is not valid UTF-8 JSON ({type(err).__name__})", path=index,
                                 argument="model_dir", accepted=accepted) from None
        if not isinstance(components, dict):
            raise ModelFileError(f"holds a JSON {type(components).__name__}, not an object", path=index,
                                 argument="model_dir", accepted=accepted)
        return any(components.get(name) not in (None, [None, None]) for name in _TEXT_COMPONENTS)

    def _load_pipeline(self) -> Any:
        diffusers = import_diffusers()
        text = self._is_text_pipeline()
        if text:
            loader = (
                diffusers.AutoPipelineForImage2Image
                if self.mode == "img2img"
                else diffusers.AutoPipelineForText2Image
            )
        else:
            loader = diffusers.DiffusionPipeline
        # float32 is the default; other dtypes go through the keyword every version accepts.
        kwargs = {} if self.dtype == "float32" else {"torch_dtype": getattr(torch, self.dtype)}
        # Loading may initialise modules from the global RNG before the weights overwrite them.
        with torch.random.fork_rng(devices=[]), _quiet_diffusers(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*torch_dtype.*", category=FutureWarning)
            # safetensors only: a pipeline folder with pickled (.bin) weights is refused, not unpickled
            try:
                pipe = loader.from_pretrained(str(self.model_dir), local_files_only=True,
                                              use_safetensors=True, **kwargs)
            except (OSError, ValueError, TypeError, KeyError, AttributeError, RuntimeError) as err:
                from genaug.errors import ModelFileError, one_line

                raise ModelFileError(
                    f"cannot be loaded as a diffusers pipeline: {type(err).__name__}: {one_line(err, 300)}",
                    path=self.model_dir, argument="model_dir",
                    accepted="a folder written by a diffusers pipeline's save_pretrained (safetensors)",
                ) from None
        pipe = pipe.to(self.device)
        if hasattr(pipe, "set_progress_bar_config"):
            pipe.set_progress_bar_config(disable=True)
        if not text and not (hasattr(pipe, "unet") and hasattr(pipe, "scheduler")):
            raise ValueError(
                f"{self.model_dir} holds a {type(pipe).__name__} without text encoder or unet + scheduler; "
                "accepted: text-to-image/img2img pipelines or UNet2DModel pipelines (DDPM/DDIM)"
            )
        return pipe, text

    def _fit(self, data: LabeledData, pool: torch.Tensor | None, generator: torch.Generator) -> None:
        self.pipeline_, self.text_ = self._load_pipeline()
        if not self.text_:
            cfg = self.pipeline_.unet.config
            n_emb = getattr(cfg, "num_class_embeds", None)
            if n_emb is not None and n_emb < len(data.class_names):
                raise ValueError(
                    f"the UNet in {self.model_dir} has {n_emb} class embeddings; the data has "
                    f"{len(data.class_names)} classes {list(data.class_names)}"
                )
            if n_emb is None and self.mode == "text2img":
                raise ValueError(
                    f"mode='text2img' needs a class-conditional UNet (num_class_embeds) or a text "
                    f"pipeline; {self.model_dir} holds an unconditional UNet (use mode='img2img')"
                )
        self.sources_x_ = data.x.detach().to("cpu", torch.float32).clone()
        self.sources_y_ = np.asarray(data.y, dtype=np.int64).copy()
        self.model_hash_ = model_dir_hash(self.model_dir)
        self.history_ = {"unlabeled_samples": 0, "sources": len(self.sources_y_)}

    # ----- sampling ---------------------------------------------------------------------------
    def class_prompt(self, c: int) -> str:
        """The prompt of class index ``c``."""
        name = self.class_names_[c]
        if self.prompts and name in self.prompts:
            return self.prompts[name]
        return self.prompt.format(class_name=name)

    def _work_size(self) -> int:
        if self.image_size is not None:
            return self.image_size
        if self.text_:
            unet = self.pipeline_.unet
            return int(unet.config.sample_size) * int(getattr(self.pipeline_, "vae_scale_factor", 8))
        return int(self.pipeline_.unet.config.sample_size)

    def _to_pipeline(self, x: torch.Tensor, channels: int) -> torch.Tensor:
        """Data images (B, C, H, W) in [0, 1] -> (B, channels, S, S) in [0, 1]."""
        size = self._work_size()
        if tuple(x.shape[-2:]) != (size, size):
            x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
        return _match_channels(x, channels).clamp(0, 1)

    def _from_pipeline(self, x: torch.Tensor) -> torch.Tensor:
        """(B, c, S, S) in [0, 1] -> the data's (B, C, H, W)."""
        c, h, w = self.sample_shape_
        if tuple(x.shape[-2:]) != (h, w):
            x = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False, antialias=True)
        return _match_channels(x, c).clamp(0, 1)

    def _sample(self, y: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, dict[str, Any]]:
        labels = y.numpy()
        if self.mode == "img2img":
            src = np.empty(len(labels), dtype=np.int64)
            for c in np.unique(labels):
                where = np.flatnonzero(labels == c)
                own = np.flatnonzero(self.sources_y_ == c)
                src[where] = own[np.arange(len(where)) % len(own)]
            strength = self.strength
        else:
            src = np.full(len(labels), -1, dtype=np.int64)
            strength = 1.0
        out = []
        for start in range(0, len(labels), self.batch_size):
            sl = slice(start, start + self.batch_size)
            init = None if self.mode == "text2img" else self.sources_x_[torch.as_tensor(src[sl])]
            out.append(self._run(y[sl], init, generator))
        meta = {"source_index": src, "strength": np.full(len(labels), strength)}
        return torch.cat(out), meta

    def _run(self, y: torch.Tensor, init: torch.Tensor | None, generator: torch.Generator) -> torch.Tensor:
        if self.text_:
            return self._run_text(y, init, generator)
        return self._run_unet(y, init, generator)

    def _run_text(
        self, y: torch.Tensor, init: torch.Tensor | None, generator: torch.Generator
    ) -> torch.Tensor:
        pipe = self.pipeline_
        kwargs: dict[str, Any] = {
            "prompt": [self.class_prompt(int(c)) for c in y],
            "num_inference_steps": self.num_inference_steps,
            "guidance_scale": self.guidance_scale,
            "generator": generator,
            "output_type": "np",
        }
        if self.negative_prompt is not None:
            kwargs["negative_prompt"] = [self.negative_prompt] * len(y)
        size = self._work_size()
        if init is not None:
            kwargs["image"] = self._to_pipeline(init, 3).to(self.device)
            kwargs["strength"] = self.strength
        else:
            kwargs["height"] = kwargs["width"] = size
        images = pipe(**kwargs).images  # (B, S, S, 3) float in [0, 1]
        x = torch.as_tensor(np.asarray(images), dtype=torch.float32).permute(0, 3, 1, 2)
        return self._from_pipeline(x)

    def _run_unet(
        self, y: torch.Tensor, init: torch.Tensor | None, generator: torch.Generator
    ) -> torch.Tensor:
        unet, scheduler = self.pipeline_.unet, self.pipeline_.scheduler
        dev, dtype = unet.device, unet.dtype
        channels = int(unet.config.in_channels)
        scheduler.set_timesteps(self.num_inference_steps)
        timesteps = scheduler.timesteps
        size = self._work_size()
        noise = torch.randn((len(y), channels, size, size), generator=generator).to(dev, dtype)
        if init is None:
            x = noise * scheduler.init_noise_sigma
        else:
            # As diffusers' img2img pipelines: skip the first (1 - strength) of the schedule.
            n_run = min(max(1, round(self.num_inference_steps * self.strength)), self.num_inference_steps)
            timesteps = timesteps[(self.num_inference_steps - n_run) * scheduler.order :]
            x0 = (2.0 * self._to_pipeline(init, channels) - 1.0).to(dev, dtype)
            x = scheduler.add_noise(x0, noise, timesteps[:1].repeat(len(y)))
        class_labels = y.to(dev) if getattr(unet.config, "num_class_embeds", None) is not None else None
        takes_generator = "generator" in inspect.signature(scheduler.step).parameters
        for t in timesteps:
            eps = unet(scheduler.scale_model_input(x, t), t, class_labels=class_labels).sample
            step_kwargs = {"generator": generator} if takes_generator else {}
            x = scheduler.step(eps, t, x, **step_kwargs).prev_sample
        return self._from_pipeline(((x.float().cpu() + 1.0) / 2.0).clamp(0, 1))

    # ----- persistence -----------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        return {"model_hash_": self.model_hash_}

    def _tensors(self) -> dict[str, torch.Tensor]:
        return {"sources_x_": self.sources_x_, "sources_y_": torch.as_tensor(self.sources_y_)}

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        return {
            "sources_x_": TensorSpec((None, *self.sample_shape_), torch.float32),
            "sources_y_": TensorSpec((None,), torch.int64),
        }

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        if not (Path(self.model_dir) / "model_index.json").is_file():
            raise FileNotFoundError(
                f"{Path(self.model_dir) / 'model_index.json'} not found; model_dir must be the "
                "diffusers pipeline folder this synthesizer was fitted with"
            )
        current = model_dir_hash(self.model_dir)
        if current != state["model_hash_"]:
            raise ValueError(
                f"the pipeline in {self.model_dir} changed since this synthesizer was saved "
                f"(sha256 {current[:12]} != {state['model_hash_'][:12]})"
            )
        self.pipeline_, self.text_ = self._load_pipeline()
        self.model_hash_ = state["model_hash_"]
        self.sources_x_ = tensors["sources_x_"].float()
        self.sources_y_ = tensors["sources_y_"].numpy().astype(np.int64)


def _match_channels(x: torch.Tensor, channels: int) -> torch.Tensor:
    """Grey -> ``channels`` by repetition, many -> 1 by the mean; otherwise unchanged."""
    c = x.shape[1]
    if c == channels:
        return x
    if c == 1:
        return x.repeat(1, channels, 1, 1)
    if channels == 1:
        return x.mean(dim=1, keepdim=True)
    raise ValueError(f"cannot map {c}-channel images to a {channels}-channel pipeline")
