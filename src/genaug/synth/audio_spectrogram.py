"""Class-conditional generators of log-mel spectrograms, heard through Griffin-Lim.

``spec_vae`` and ``spec_diffusion`` turn each training clip into a small log-mel "image"
(1, ``n_mels``, ``frames``) scaled to [0, 1], fit one of genaug's own image generators on it
(``cvae`` or ``diffusion``, any registered image synthesizer through ``synthesizer``; the
unlabeled pool goes with it), and bring samples back to waveforms: the mel power is mapped to
linear frequencies (least squares, clamped at 0), its square root is the STFT magnitude, the
phase comes from fast Griffin-Lim (:func:`genaug.ops.functional.audio.griffin_lim`, torch only),
and each clip is scaled to the training clips' mean RMS. Nothing needs torchaudio.

The STFT hop is ``T // (frames - 1)`` and the FFT size the power of two in (hop, 2 hop]; the first
``frames`` frames are kept, so the spectrogram has ``frames`` frames whatever the clip length
(the last ``T - (frames - 1) * hop`` samples of a generated clip are silent).

Example:
    >>> synth = SpecVAE(n_mels=32, frames=32, synthesizer={"name": "cvae", "steps": 500})
    >>> synth.fit(train, unlabeled=pool, generator=0).sample(10, generator=1)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.modalities.audio import SAMPLE_RATE_KEY, check_clips, sample_rate_of
from genaug.ops.audio import mel_filterbank
from genaug.ops.functional.audio import griffin_lim
from genaug.registry import register
from genaug.synth.base import Synthesizer

__all__ = ["LogMelSynthesizer", "SpecDiffusion", "SpecVAE"]


def _named(value: str | dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if isinstance(value, str):
        return value, {}
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return value["name"], {k: v for k, v in value.items() if k != "name"}
    raise ValueError(f"synthesizer must be a name or a mapping with a 'name' key; got {value!r}")


class LogMelSynthesizer(Synthesizer):
    """An image synthesizer fitted on log-mel spectrograms of audio clips (module doc).

    Args:
        synthesizer: the image generator, a registered synthesizer name or ``{name: ..., **options}``
            (it must accept the ``image`` modality).
        n_mels: mel bands of the spectrogram image, 8-128.
        frames: STFT frames of the spectrogram image, 8-256.
        floor_db: dynamic range kept below the loudest training bin (dB), 20-120.
        griffin_lim_iters: Griffin-Lim iterations when sampling, 1-500.

    Raises:
        ValueError: a bad option; a synthesizer that does not take images.
    """

    modalities: ClassVar[tuple[str, ...] | None] = ("audio",)
    uses_unlabeled: ClassVar[bool] = True
    default_synthesizer: ClassVar[dict[str, Any]] = {"name": "cvae"}

    def __init__(
        self,
        *,
        synthesizer: str | dict[str, Any] | None = None,
        n_mels: int = 32,
        frames: int = 32,
        floor_db: float = 80.0,
        griffin_lim_iters: int = 32,
    ) -> None:
        self.synthesizer = synthesizer
        self.n_mels = n_mels
        self.frames = frames
        self.floor_db = floor_db
        self.griffin_lim_iters = griffin_lim_iters
        for name, value, lo, hi in (("n_mels", n_mels, 8, 128), ("frames", frames, 8, 256),
                                    ("griffin_lim_iters", griffin_lim_iters, 1, 500)):  # fmt: skip
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise ValueError(f"{name} must be an int in [{lo}, {hi}]; got {value!r}")
        if isinstance(floor_db, bool) or not isinstance(floor_db, int | float) or not 20 <= floor_db <= 120:
            raise ValueError(f"floor_db must be a number of dB in [20, 120]; got {floor_db!r}")
        name, _ = _named(synthesizer if synthesizer is not None else self.default_synthesizer)
        cls = registry.get("synthesizer", name)
        if not cls.supports("image"):
            raise ValueError(f"synthesizer {name!r} does not take images (log-mel spectrograms); "
                             f"accepted: cvae, diffusion or another image synthesizer")  # fmt: skip

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        name = cls.default_synthesizer["name"]
        inner = registry.get("synthesizer", name).get_test_params()
        return {"synthesizer": {"name": name, **inner}, "n_mels": 8, "frames": 8, "griffin_lim_iters": 2}

    # ----- the spectrogram transform -------------------------------------------------------
    def _geometry(self, t: int) -> tuple[int, int]:
        hop = max(1, t // (self.frames - 1))
        n_fft = 1 << max(3, (2 * hop).bit_length() - 1)  # the power of two in (hop, 2 hop]
        return n_fft, hop

    def _log_mel(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1, T) -> log10 mel power (N, 1, n_mels, frames)."""
        n, c, t = x.shape
        n_fft, hop = self._geometry(t)
        window = torch.hann_window(n_fft, dtype=torch.float64)
        flat = x.to(torch.float64).mean(dim=1)  # mono
        pad = max(0, n_fft // 2 + 1 - t)
        flat = torch.nn.functional.pad(flat, (0, pad))
        spec = torch.stft(flat, n_fft, hop, window=window, center=True, return_complex=True)
        power = spec.abs().pow(2)[..., : self.frames]
        if power.shape[-1] < self.frames:
            power = torch.nn.functional.pad(power, (0, self.frames - power.shape[-1]))
        fb = mel_filterbank(power.shape[1], self.n_mels, self.sample_rate_).to(torch.float64)
        mel = torch.einsum("mf,nft->nmt", fb, power)
        return torch.log10(mel + 1e-12).unsqueeze(1)

    def _to_unit(self, log_mel: torch.Tensor) -> torch.Tensor:
        lo, hi = self.range_[0].item(), self.range_[1].item()
        return ((log_mel - lo) / (hi - lo)).clamp(0, 1).to(torch.float32)

    def _images(self, x: torch.Tensor) -> torch.Tensor:
        return self._to_unit(self._log_mel(x))

    def _waveforms(self, images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        c, t = self.sample_shape_
        lo, hi = self.range_[0].item(), self.range_[1].item()
        log_mel = images.to(torch.float64).squeeze(1) * (hi - lo) + lo
        mel = torch.pow(10.0, log_mel) * (images.squeeze(1) > 0.0)  # the floor is silence
        n_fft, hop = self._geometry(t)
        fb = mel_filterbank(n_fft // 2 + 1, self.n_mels, self.sample_rate_).to(torch.float64)
        linear = (torch.linalg.pinv(fb) @ mel).clamp_min(0.0)  # (N, F, frames)
        magnitude = linear.sqrt().to(torch.float32)  # Griffin-Lim in float32: twice as fast
        length = (self.frames - 1) * hop
        wave = griffin_lim(magnitude, n_fft, hop, length, n_iter=self.griffin_lim_iters,
                           generator=generator)[:, :t]  # fmt: skip
        wave = torch.nn.functional.pad(wave, (0, t - wave.shape[-1]))
        rms = wave.pow(2).mean(-1, keepdim=True).sqrt().clamp_min(1e-12)
        wave = wave * (float(self.rms_[0]) / rms)
        return wave.to(torch.float32).unsqueeze(1).expand(-1, c, -1).contiguous()

    # ----- hooks ---------------------------------------------------------------------------
    def _check_data(self, data: LabeledData) -> None:
        super()._check_data(data)
        check_clips(data)

    def _inner(self) -> Synthesizer:
        name, options = _named(self.synthesizer if self.synthesizer is not None else self.default_synthesizer)
        return registry.create("synthesizer", name, **options)

    def _fit(self, data: LabeledData, pool: Any, generator: torch.Generator) -> None:
        self.sample_rate_ = sample_rate_of(data, 16000)
        x = torch.as_tensor(data.x, dtype=torch.float32)
        log_mel = self._log_mel(x)
        hi = float(log_mel.max())
        lo = hi - self.floor_db / 10.0
        self.range_ = torch.tensor([lo, hi], dtype=torch.float64)
        rms = x.to(torch.float64).pow(2).mean(dim=(1, 2)).sqrt()
        self.rms_ = torch.tensor([float(rms[rms > 0].mean()) if bool((rms > 0).any()) else 0.1])
        images = LabeledData(self._to_unit(log_mel), data.y, data.class_names, "image", {})
        unlabeled = None
        if pool is not None and len(pool):
            unlabeled = self._images(torch.as_tensor(pool, dtype=torch.float32))
        self.model_ = self._inner().fit(images, unlabeled=unlabeled, generator=generator)
        inner_history = self.model_.history_
        self.history_.update({
            "synthesizer": self.model_.registry_name,
            "image_shape": [1, self.n_mels, self.frames],
            "unlabeled_samples": int(inner_history.get("unlabeled_samples", 0)),
            "loss": list(inner_history.get("loss", []))[-50:],
        })

    def _sample(self, y: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, dict[str, Any]]:
        counts = np.bincount(y.numpy(), minlength=len(self.class_names_))
        images = self.model_.sample({k: int(v) for k, v in enumerate(counts) if v}, generator=generator)
        order = np.argsort(images.y, kind="stable")  # the base class sorts labels by class too
        imgs = torch.as_tensor(images.x, dtype=torch.float32)[torch.as_tensor(order)]
        wave = self._waveforms(imgs, generator)
        return wave, {SAMPLE_RATE_KEY: np.full(len(y), self.sample_rate_, dtype=np.int64)}

    def _state(self) -> dict[str, Any]:
        config, _ = self.model_.export_state()
        return {"sample_rate_": self.sample_rate_, "inner": config}

    def _tensors(self) -> dict[str, torch.Tensor]:
        _, tensors = self.model_.export_state()
        return {**{f"inner.{k}": v for k, v in tensors.items()}, "range": self.range_, "rms": self.rms_}

    def _restore_state(self, state: dict[str, Any]) -> None:
        rate = state["sample_rate_"]
        if isinstance(rate, bool) or not isinstance(rate, int) or rate < 1000:
            raise ValueError(f"sample_rate_ must be an int >= 1000; got {rate!r}")
        if not isinstance(state.get("inner"), dict):
            raise ValueError("inner must be the saved image synthesizer's config (an object)")
        self.sample_rate_ = rate

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        inner = {k[6:]: v for k, v in tensors.items() if k.startswith("inner.")}
        self.model_ = Synthesizer.from_state(state["inner"], inner, where="inner synthesizer")
        self.range_ = tensors["range"].to(torch.float64)
        self.rms_ = tensors["rms"].to(torch.float32)


@register("synthesizer", "spec_vae")
class SpecVAE(LogMelSynthesizer):
    """Class-conditional VAE (genaug's ``cvae``) on log-mel spectrograms, Griffin-Lim to audio.

    Args: as :class:`LogMelSynthesizer` (``synthesizer`` defaults to ``{name: cvae}``).

    Example:
        >>> SpecVAE(synthesizer={"name": "cvae", "steps": 300})  # doctest: +ELLIPSIS
        SpecVAE(...)
    """

    registry_name: ClassVar[str] = "spec_vae"
    default_synthesizer: ClassVar[dict[str, Any]] = {"name": "cvae"}


@register("synthesizer", "spec_diffusion")
class SpecDiffusion(LogMelSynthesizer):
    """Class-conditional diffusion (genaug's ``diffusion``) on log-mel spectrograms, Griffin-Lim to audio.

    Args: as :class:`LogMelSynthesizer` (``synthesizer`` defaults to ``{name: diffusion}``).

    Example:
        >>> SpecDiffusion(synthesizer={"name": "diffusion", "steps": 500})  # doctest: +ELLIPSIS
        SpecDiffusion(...)
    """

    registry_name: ClassVar[str] = "spec_diffusion"
    default_synthesizer: ClassVar[dict[str, Any]] = {"name": "diffusion"}
