"""Class-conditional DDPM with classifier-free guidance and a DDIM sampler, for images and signals.

Training (epsilon prediction, Ho et al. 2020): each step draws ``batch_size`` labeled samples,
whose labels are replaced by the null label with probability ``label_dropout``, and (when a pool
is given) ``batch_size`` pool samples, which *always* train the unconditional (null-label) branch.
So the pool teaches the network what the data looks like in general, and the few labels teach
the conditional offset that guidance amplifies (Ho & Salimans 2022).

Sampling: DDIM (Song et al. 2021) or DPM-Solver++ (2M; Lu et al. 2022, as good in 5-10 steps
as DDIM in 50-100) over ``sampling_steps`` timesteps with the EMA weights and
``eps = eps_null + guidance_scale * (eps_y - eps_null)`` (1 = plain conditional, 0 = ignore the
label). :meth:`Diffusion.vary` noises real samples part-way and denoises them (SDEdit-style
img2img); see also :class:`genaug.synth.img2img.Img2Img`.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import torch

from genaug.data.labeled import LabeledData
from genaug.modalities import get_modality
from genaug.registry import register
from genaug.rng import Seed, as_generator
from genaug.sizing import scaled_width
from genaug.synth.base import NetworkSynthesizer, fit_scaler, progress_bar, scale, unscale
from genaug.synth.nn import EMA, UNet, build_module
from genaug.synth.schedules import (
    alphas_cumprod,
    ddim_step,
    ddim_timesteps,
    dpm_solver_pp_step,
    make_betas,
    predict_x0,
    q_sample,
)
from genaug.validation import check_choice, check_int, check_range

_SAMPLE_CHUNK = 512
SAMPLERS = ("ddim", "dpm_solver++")


@register("synthesizer", "diffusion")
class Diffusion(NetworkSynthesizer):
    """Class-conditional diffusion model (DDPM training, DDIM sampling, classifier-free guidance).

    Args:
        width: UNet channels at the first level.
            ``None`` (the default) scales it to the image size (:func:`genaug.sizing.scaled_width`:
            32 up to 16x16, 16 at 28x28, 8 at 64x64).
        channel_mults: channel multiplier per UNet level (the size halves between levels; inputs
            are zero-padded to a multiple of ``2 ** (levels - 1)``).
        num_res_blocks: residual blocks per level.
        num_timesteps: diffusion steps T of the forward process.
        schedule: ``"cosine"`` or ``"linear"`` beta schedule.
        steps: optimisation steps (fixed budget).
        batch_size: labeled samples per step; the pool adds as many again.
        lr: AdamW learning rate.
        ema_decay: decay of the exponential moving average of the weights used for sampling.
        label_dropout: probability that a labeled sample trains the null-label branch.
        sampling_steps: sampler steps used by :meth:`sample` (and, scaled by strength, ``vary``);
            each costs one network pass (two with guidance).
        guidance_scale: classifier-free guidance weight w (1 = no guidance).
        eta: DDIM stochasticity (0 = deterministic given the initial noise); DPM-Solver++ is
            deterministic and needs 0.
        sampler: ``"ddim"`` or ``"dpm_solver++"`` (second-order multistep; about as good in 5-10
            steps as DDIM in 50-100, see ``benchmarks/bench_synth.py``).
        device: torch device.
        progress: show a rich progress bar during fit.

    Shape:
        images (N, C, H, W) in [0, 1] (model space [-1, 1], predicted x0 clipped there);
        signals (N, C, T) (standardised per channel, no clipping).

    Example:
        >>> import torch
        >>> from genaug.data.labeled import LabeledData
        >>> data = LabeledData(torch.rand(20, 1, 8, 8), [0, 1] * 10, ("a", "b"), "image")
        >>> dm = Diffusion(**Diffusion.get_test_params()).fit(data, generator=0)
        >>> dm.sample({1: 4}, generator=0).y.tolist()
        [1, 1, 1, 1]
    """

    def __init__(
        self,
        *,
        width: int | None = None,
        channel_mults: tuple[int, ...] = (1, 2, 2),
        num_res_blocks: int = 1,
        num_timesteps: int = 1000,
        schedule: Literal["cosine", "linear"] = "cosine",
        steps: int = 2000,
        batch_size: int = 64,
        lr: float = 1e-3,
        ema_decay: float = 0.995,
        label_dropout: float = 0.1,
        sampling_steps: int = 50,
        guidance_scale: float = 2.0,
        eta: float = 0.0,
        sampler: Literal["ddim", "dpm_solver++"] = "ddim",
        device: str = "cpu",
        progress: bool = False,
    ) -> None:
        self.width = width
        self.channel_mults = channel_mults
        self.num_res_blocks = num_res_blocks
        self.num_timesteps = num_timesteps
        self.schedule = schedule
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.ema_decay = ema_decay
        self.label_dropout = label_dropout
        self.sampling_steps = sampling_steps
        self.guidance_scale = guidance_scale
        self.eta = eta
        self.sampler = sampler
        self.device = device
        self.progress = progress
        for name in ("num_res_blocks", "num_timesteps", "steps", "batch_size", "sampling_steps"):
            check_int(name, getattr(self, name), 1)
        if width is not None:
            check_int("width", width, 1)
        if not isinstance(channel_mults, tuple | list) or not channel_mults:
            raise ValueError(f"channel_mults must be a non-empty tuple of ints; got {channel_mults!r}")
        for i, m in enumerate(channel_mults):
            check_int(f"channel_mults[{i}]", m, 1)
        check_choice("schedule", schedule, ["cosine", "linear"])
        check_range("lr", lr, 0.0, low_inclusive=False)
        check_range("ema_decay", ema_decay, 0.0, 1.0, high_inclusive=False)
        check_range("label_dropout", label_dropout, 0.0, 1.0)
        check_range("guidance_scale", guidance_scale, 0.0)
        check_range("eta", eta, 0.0, 1.0)
        check_choice("sampler", sampler, list(SAMPLERS))
        if sampler == "dpm_solver++" and eta != 0.0:
            raise ValueError(f"eta must be 0 with sampler='dpm_solver++' (it is deterministic); got {eta!r}")

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        return {
            "width": 8,
            "channel_mults": (1, 2),
            "num_timesteps": 50,
            "steps": 5,
            "batch_size": 8,
            "sampling_steps": 4,
        }

    # ----- fitting ------------------------------------------------------------------------------
    def _net(self) -> UNet:
        return UNet(
            len(self.sample_shape_) - 1,
            self.sample_shape_[0],
            len(self.class_names_),
            width=scaled_width(self.sample_shape_, self.width),
            channel_mults=tuple(self.channel_mults),
            num_res_blocks=self.num_res_blocks,
        )

    def _alphas_cumprod(self) -> torch.Tensor:
        return alphas_cumprod(make_betas(self.schedule, self.num_timesteps))

    def _fit(self, data: LabeledData, pool: torch.Tensor | None, generator: torch.Generator) -> None:
        dev = torch.device(self.device)
        self.mean_, self.std_ = fit_scaler(data.x, pool, data.modality)
        x = scale(data.x.float(), self.mean_, self.std_).to(dev)
        y = torch.as_tensor(data.y, dtype=torch.long, device=dev)
        xu = None if pool is None else scale(pool, self.mean_, self.std_).to(dev)
        null = len(self.class_names_)
        ac = self._alphas_cumprod().to(dev)
        net = build_module(self._net, generator).to(dev).train()
        ema = EMA(net, self.ema_decay)
        opt = torch.optim.AdamW(net.parameters(), lr=self.lr, weight_decay=0.0)
        warmup = max(1, min(100, self.steps // 10))
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warmup))
        hist: dict[str, Any] = {"loss": [], "loss_labeled": [], "loss_unlabeled": [], "unlabeled_samples": 0}
        b = self.batch_size
        with progress_bar(self.steps, "diffusion", self.progress) as advance:
            for _ in range(self.steps):
                idx = self._batch_index(len(x), b, generator).to(dev)
                xb, yb = x[idx], y[idx]
                drop = (torch.rand(b, generator=generator) < self.label_dropout).to(dev)
                yb = torch.where(drop, torch.full_like(yb, null), yb)
                if xu is not None:
                    iu = self._batch_index(len(xu), b, generator).to(dev)
                    xb = torch.cat([xb, xu[iu]])
                    yb = torch.cat([yb, torch.full((b,), null, dtype=torch.long, device=dev)])
                n = len(xb)
                t = torch.randint(0, self.num_timesteps, (n,), generator=generator).to(dev)
                noise = torch.randn(xb.shape, generator=generator).to(dev)
                pred = net(q_sample(xb, t, noise, ac), t, yb)
                per = (pred - noise).pow(2).flatten(1).mean(1)
                loss = per.mean()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                opt.step()
                sched.step()
                ema.update(net)
                hist["loss"].append(loss.item())
                hist["loss_labeled"].append(per[:b].mean().item())
                if xu is not None:
                    hist["loss_unlabeled"].append(per[b:].mean().item())
                    hist["unlabeled_samples"] += b
                advance(loss=hist["loss"][-1])
        self.model_ = ema.model.eval()
        self.history_ = hist

    # ----- sampling ---------------------------------------------------------------------------
    def _eps(self, x: torch.Tensor, t: int, y: torch.Tensor, guidance_scale: float) -> torch.Tensor:
        """Guided noise prediction at timestep ``t`` for labels ``y`` (model space)."""
        net = self.model_
        tt = torch.full((len(x),), t, dtype=torch.long, device=x.device)
        null = torch.full_like(y, len(self.class_names_))
        if guidance_scale == 1.0:
            return net(x, tt, y)
        if guidance_scale == 0.0:
            return net(x, tt, null)
        both = net(torch.cat([x, x]), torch.cat([tt, tt]), torch.cat([y, null]))
        eps_c, eps_u = both.chunk(2)
        return eps_u + guidance_scale * (eps_c - eps_u)

    def _denoise(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        timesteps: list[int],
        generator: torch.Generator,
        guidance_scale: float,
        sampler: str | None = None,
    ) -> torch.Tensor:
        """Run the sampler from ``timesteps[0]`` down to the clean sample (model space)."""
        ac = self._alphas_cumprod().to(x.device)
        clip = 1.0 if get_modality(self.modality_).value_range is not None else None
        if (sampler or getattr(self, "sampler", "ddim")) == "dpm_solver++":
            return self._denoise_dpm(x, y, timesteps, ac, guidance_scale, clip)
        for i, t in enumerate(timesteps):
            t_prev = timesteps[i + 1] if i + 1 < len(timesteps) else -1
            eps = self._eps(x, t, y, guidance_scale)
            noise = torch.randn(x.shape, generator=generator).to(x.device) if self.eta > 0 else None
            x = ddim_step(x, eps, t, t_prev, ac, eta=self.eta, noise=noise, clip=clip)
        return x

    def _timesteps(self, steps: int, start: int | None, sampler: str) -> list[int]:
        """Evenly spaced timesteps from ``start`` (default T - 1) down to 0: ``steps`` network
        evaluations each. DDIM evaluates at all of them (the last at t = 0, then takes its x0);
        DPM-Solver++ gets one more point and stops *at* t = 0 (no evaluation there), which
        measured better per evaluation (``benchmarks/results/speed.md``)."""
        if sampler == "dpm_solver++":
            return ddim_timesteps(self.num_timesteps, steps + 1, start=start)
        return ddim_timesteps(self.num_timesteps, steps, start=start)

    def _denoise_dpm(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        timesteps: list[int],
        ac: torch.Tensor,
        guidance_scale: float,
        clip: float | None,
    ) -> torch.Tensor:
        """DPM-Solver++ (2M) from ``timesteps[0]`` to ``timesteps[-1]`` (about 0), evaluating the
        network at every timestep but the last (first order on the first step); a single
        timestep goes straight to the clean sample. Images are clipped to [-1, 1] at the end."""
        if len(timesteps) == 1:
            timesteps = [timesteps[0], -1]
        x0_last, t_last = None, None
        for t, t_prev in zip(timesteps[:-1], timesteps[1:], strict=True):
            x0 = predict_x0(x, self._eps(x, t, y, guidance_scale), t, ac)
            if clip is not None:
                x0 = x0.clamp(-clip, clip)
            x = dpm_solver_pp_step(x, x0, t, t_prev, ac, x0_last=x0_last, t_last=t_last)
            x0_last, t_last = x0, t
        return x if clip is None else x.clamp(-clip, clip)

    def _sample(self, y: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return self.generate(y, generator=generator)

    def generate(
        self,
        y: torch.Tensor,
        *,
        generator: Seed = None,
        sampling_steps: int | None = None,
        guidance_scale: float | None = None,
        sampler: str | None = None,
    ) -> torch.Tensor:
        """Sample one item per label in ``y`` (data space), optionally overriding sampler settings.

        Args:
            y: int labels (N,) in [0, K).
            generator: the only source of randomness.
            sampling_steps: sampler steps (default: the constructor's ``sampling_steps``).
            guidance_scale: guidance weight (default: the constructor's ``guidance_scale``).
            sampler: ``"ddim"`` or ``"dpm_solver++"`` (default: the constructor's ``sampler``).

        Returns:
            Samples (N, *sample_shape); images are not yet clamped to [0, 1].
        """
        self._check_fitted()
        g = as_generator(generator)
        steps = (
            self.sampling_steps if sampling_steps is None else check_int("sampling_steps", sampling_steps, 1)
        )
        w = (
            self.guidance_scale
            if guidance_scale is None
            else check_range("guidance_scale", guidance_scale, 0.0)
        )
        if sampler is not None:
            check_choice("sampler", sampler, list(SAMPLERS))
        dev = next(self.model_.parameters()).device
        y = torch.as_tensor(y, dtype=torch.long)
        noise = torch.randn((len(y), *self.sample_shape_), generator=g)
        sampler = sampler or getattr(self, "sampler", "ddim")
        ts = self._timesteps(steps, None, sampler)
        out = []
        with torch.no_grad():
            for start in range(0, len(y), _SAMPLE_CHUNK):
                sl = slice(start, start + _SAMPLE_CHUNK)
                out.append(self._denoise(noise[sl].to(dev), y[sl].to(dev), ts, g, w, sampler).cpu())
        return unscale(torch.cat(out), self.mean_, self.std_)

    def vary(
        self,
        data: LabeledData,
        *,
        strength: float = 0.5,
        k: int = 1,
        generator: Seed = None,
        sampling_steps: int | None = None,
        guidance_scale: float | None = None,
    ) -> LabeledData:
        """Img2img variations: noise each real sample to ``t = strength * T``, denoise with DDIM.

        The reverse run is conditioned (with guidance) on the sample's own label and uses
        ``ceil(strength * sampling_steps)`` DDIM steps. Small strength keeps the source's layout;
        strength 1 ignores it.

        Args:
            data: real samples with this model's ``class_names`` and sample shape.
            strength: noise level in (0, 1].
            k: variations per sample.
            generator: the only source of randomness.
            sampling_steps: full-strength DDIM steps (default: the constructor's).
            guidance_scale: guidance weight (default: the constructor's).

        Returns:
            ``LabeledData`` of ``k * len(data)`` samples, the ``k`` variations of sample ``i``
            consecutive, keeping its label; ``meta["source"] = "synthetic"``,
            ``meta["source_index"]`` (index into ``data``) and ``meta["strength"]``.

        Shape:
            data.x (N, *sample_shape) -> x (k * N, *sample_shape).

        Example:
            >>> out = model.vary(real, strength=0.3, k=2, generator=0)  # doctest: +SKIP
        """
        self._check_fitted()
        if not isinstance(data, LabeledData):
            raise TypeError(f"data must be a LabeledData; got {type(data).__name__}")
        if data.modality != self.modality_ or tuple(data.sample_shape) != tuple(self.sample_shape_):
            raise ValueError(
                f"data must be {self.modality_} samples of shape {tuple(self.sample_shape_)}; got "
                f"{data.modality} samples of shape {tuple(data.sample_shape)}"
            )
        if tuple(data.class_names) != tuple(self.class_names_):
            raise ValueError(
                f"data.class_names must match the fitted ones {list(self.class_names_)}; "
                f"got {list(data.class_names)}"
            )
        strength = check_range("strength", strength, 0.0, 1.0, low_inclusive=False)
        k = check_int("k", k, 1)
        g = as_generator(generator)
        steps = (
            self.sampling_steps if sampling_steps is None else check_int("sampling_steps", sampling_steps, 1)
        )
        w = (
            self.guidance_scale
            if guidance_scale is None
            else check_range("guidance_scale", guidance_scale, 0.0)
        )
        n = len(data)
        src = np.repeat(np.arange(n), k)
        y = torch.as_tensor(data.y[src], dtype=torch.long)
        t_start = max(0, min(self.num_timesteps - 1, round(strength * self.num_timesteps) - 1))
        ts = self._timesteps(max(1, math.ceil(strength * steps)), t_start, getattr(self, "sampler", "ddim"))
        ac = self._alphas_cumprod()
        dev = next(self.model_.parameters()).device
        x0 = scale(data.x.float()[torch.as_tensor(src)], self.mean_, self.std_)
        noise = torch.randn(x0.shape, generator=g)
        xt = q_sample(x0, t_start, noise, ac)
        out = []
        with torch.no_grad():
            for start in range(0, len(y), _SAMPLE_CHUNK):
                sl = slice(start, start + _SAMPLE_CHUNK)
                out.append(self._denoise(xt[sl].to(dev), y[sl].to(dev), ts, g, w).cpu())
        x = unscale(torch.cat(out), self.mean_, self.std_) if out else torch.zeros((0, *self.sample_shape_))
        return self._wrap(
            x, y.numpy(), source_index=src.astype(np.int64), strength=np.full(len(src), strength)
        )

    # ----- persistence -----------------------------------------------------------------------
    def _sampling_net(self) -> torch.nn.Module:
        return self._net()
