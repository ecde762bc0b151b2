"""Label-preserving img2img variations (SDEdit, Meng et al. 2022; the idea behind DA-Fusion).

A real labeled sample is noised to timestep ``t = strength * T`` of the diffusion schedule and
denoised by a class-conditional diffusion model, conditioned (with guidance) on the sample's own
label. The model is trained on the labeled data *and* the unlabeled pool, so the details it puts
back come from the whole pool while the coarse layout, and therefore the label, comes from the
source. ``strength`` near 0 returns nearly the source; 1 ignores it (plain class-conditional
sampling).

:class:`Img2Img` packages this as a registered synthesizer (``"img2img"``) so that the YAML
strategies ``generative`` and ``generative+classical`` can use it: ``fit`` trains (or loads) the
diffusion model and keeps the labeled samples as sources, ``sample(n_per_class)`` cycles through
each class's sources. Every sample records ``meta["source_index"]`` (index into the labeled data
given to ``fit``) and ``meta["strength"]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from genaug.data.labeled import LabeledData
from genaug.registry import register
from genaug.rng import Seed
from genaug.serialization import TensorSpec
from genaug.synth.base import Synthesizer
from genaug.synth.diffusion import Diffusion
from genaug.validation import check_int, check_range


@register("synthesizer", "img2img")
class Img2Img(Synthesizer):
    """SDEdit-style variations of the labeled samples by a class-conditional diffusion model.

    Args:
        diffusion: keyword arguments of :class:`~genaug.synth.diffusion.Diffusion` (trained in
            ``fit`` on the labeled data + the unlabeled pool); ignored when ``model_dir`` is set.
        model_dir: folder of a fitted ``Diffusion`` saved with ``save``; ``fit`` then only keeps
            the sources (its class names and sample shape must match the data).
        strength: noise level in (0, 1]: the fraction of the diffusion schedule the sources are
            noised to before denoising.
        sampling_steps: full-strength DDIM steps (a variation uses ``ceil(strength * steps)``);
            None uses the diffusion model's own setting.
        guidance_scale: classifier-free guidance weight; None uses the diffusion model's own.

    Shape:
        images (N, C, H, W) in [0, 1]; signals (N, C, T). Samples have the sources' shape.

    Example:
        >>> import torch
        >>> from genaug.data.labeled import LabeledData
        >>> data = LabeledData(torch.rand(6, 1, 8, 8), [0, 1, 2] * 2, ("a", "b", "c"), "image")
        >>> synth = Img2Img(**Img2Img.get_test_params()).fit(data, unlabeled=torch.rand(20, 1, 8, 8),
        ...                                                  generator=0)
        >>> out = synth.sample(3, generator=0)
        >>> out.y.tolist(), out.meta["source_index"].tolist()
        ([0, 0, 0, 1, 1, 1, 2, 2, 2], [0, 3, 0, 1, 4, 1, 2, 5, 2])
    """

    def __init__(
        self,
        *,
        diffusion: dict[str, Any] | None = None,
        model_dir: str | None = None,
        strength: float = 0.5,
        sampling_steps: int | None = None,
        guidance_scale: float | None = None,
    ) -> None:
        self.diffusion = diffusion
        self.model_dir = model_dir
        self.strength = strength
        self.sampling_steps = sampling_steps
        self.guidance_scale = guidance_scale
        if diffusion is not None and not isinstance(diffusion, dict):
            raise TypeError(f"diffusion must be a dict of Diffusion arguments or None; got {diffusion!r}")
        if diffusion is not None:
            Diffusion(**diffusion)  # fail early on bad options
        if model_dir is not None and not isinstance(model_dir, str | Path):
            raise TypeError(f"model_dir must be a path or None; got {model_dir!r}")
        check_range("strength", strength, 0.0, 1.0, low_inclusive=False)
        if sampling_steps is not None:
            check_int("sampling_steps", sampling_steps, 1)
        if guidance_scale is not None:
            check_range("guidance_scale", guidance_scale, 0.0)

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        return {"diffusion": Diffusion.get_test_params(), "strength": 0.5}

    # ----- fitting ------------------------------------------------------------------------------
    def _fit(self, data: LabeledData, pool: torch.Tensor | None, generator: torch.Generator) -> None:
        if self.model_dir is not None:
            model = Diffusion.load(self.model_dir)
            if tuple(model.sample_shape_) != tuple(data.sample_shape) or model.modality_ != data.modality:
                raise ValueError(
                    f"model_dir {str(self.model_dir)!r} holds a model of {model.modality_} samples of shape "
                    f"{tuple(model.sample_shape_)}; the data has {data.modality} samples of shape "
                    f"{tuple(data.sample_shape)}"
                )
            if tuple(model.class_names_) != tuple(data.class_names):
                raise ValueError(
                    f"model_dir {str(self.model_dir)!r} was fitted on classes {list(model.class_names_)}; "
                    f"the data has {list(data.class_names)}"
                )
        else:
            model = Diffusion(**(self.diffusion or {})).fit(data, unlabeled=pool, generator=generator)
        self.model_ = model
        self.sources_x_ = data.x.detach().to("cpu", torch.float32).clone()
        self.sources_y_ = np.asarray(data.y, dtype=np.int64).copy()
        self.history_ = {
            "diffusion": {k: v for k, v in model.history_.items() if k != "loss"},
            "unlabeled_samples": int(model.history_.get("unlabeled_samples", 0)),
            "sources": len(self.sources_y_),
        }

    # ----- sampling ---------------------------------------------------------------------------
    def _sources(self) -> LabeledData:
        return LabeledData(self.sources_x_, self.sources_y_, self.class_names_, self.modality_)

    def _sample(self, y: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, dict[str, Any]]:
        """Vary sources of each requested class in turn (source j, j+1, ... of that class, cycling)."""
        src = np.empty(len(y), dtype=np.int64)
        labels = y.numpy()
        for c in np.unique(labels):
            where = np.flatnonzero(labels == c)
            own = np.flatnonzero(self.sources_y_ == c)
            src[where] = own[np.arange(len(where)) % len(own)]
        out = self._vary_indices(src, self.strength, generator)
        return out.x, {"source_index": src, "strength": out.meta["strength"]}

    def _vary_indices(self, src: np.ndarray, strength: float, generator: Seed) -> LabeledData:
        sources = self._sources()
        picked = LabeledData(
            sources.x[torch.as_tensor(src)], sources.y[src], sources.class_names, sources.modality
        )
        return self.model_.vary(
            picked,
            strength=strength,
            k=1,
            generator=generator,
            sampling_steps=self.sampling_steps,
            guidance_scale=self.guidance_scale,
        )

    def vary(self, k: int = 1, *, strength: float | None = None, generator: Seed = None) -> LabeledData:
        """``k`` variations of every source sample (in source order, the k of a source consecutive).

        Args:
            k: variations per source.
            strength: overrides the constructor's ``strength``.
            generator: the only source of randomness.

        Returns:
            ``LabeledData`` of ``k * n_sources`` samples labeled as their sources, with
            ``meta["source_index"]`` (index into the data given to ``fit``) and ``meta["strength"]``.
        """
        self._check_fitted()
        k = check_int("k", k, 1)
        s = (
            self.strength
            if strength is None
            else check_range("strength", strength, 0.0, 1.0, low_inclusive=False)
        )
        src = np.repeat(np.arange(len(self.sources_y_)), k)
        out = self._vary_indices(src, s, generator)
        return self._wrap(out.x, out.y, source_index=src, strength=out.meta["strength"])

    # ----- persistence -----------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        config, _ = self.model_.export_state()
        return {"diffusion_state": config}

    def _tensors(self) -> dict[str, torch.Tensor]:
        _, tensors = self.model_.export_state()
        return {
            **{f"diffusion.{k}": v for k, v in tensors.items()},
            "sources_x_": self.sources_x_,
            "sources_y_": torch.as_tensor(self.sources_y_),
        }

    def _restore_state(self, state: dict[str, Any]) -> None:
        # The diffusion model is part of this file: rebuilt from its nested config, its weights
        # checked with ours (prefix "diffusion.").
        model, inner = Diffusion._from_config(state["diffusion_state"], where="diffusion_state")
        self._diffusion_state = inner
        self.model_ = model
        if tuple(model.sample_shape_) != tuple(self.sample_shape_) or model.modality_ != self.modality_:
            raise ValueError(
                f"diffusion_state holds a model of {self.model_.modality_} samples of shape "
                f"{list(self.model_.sample_shape_)}, not {self.modality_} {list(self.sample_shape_)}"
            )

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        inner = self.model_._expected_tensors()
        return {
            **{f"diffusion.{k}": v for k, v in inner.items()},
            "sources_x_": TensorSpec((None, *self.sample_shape_), torch.float32),
            "sources_y_": TensorSpec((None,), torch.int64),
        }

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        sub = {k[len("diffusion.") :]: v for k, v in tensors.items() if k.startswith("diffusion.")}
        self.model_._import_tensors(self._diffusion_state, sub)
        del self._diffusion_state
        self.sources_x_ = tensors["sources_x_"].float()
        self.sources_y_ = tensors["sources_y_"].numpy().astype(np.int64)
        if len(self.sources_x_) != len(self.sources_y_):
            raise ValueError(
                f"sources_x_ holds {len(self.sources_x_)} samples, sources_y_ {len(self.sources_y_)}"
            )
