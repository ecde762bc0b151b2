"""Pure diffusion math shared by every diffusion model (images, signals, tables): beta
schedules, forward noising ``q_sample``, the DDIM update and the DDPM ancestral step.

Notation (Ho et al. 2020; Song et al. 2021): ``alpha_bar[t] = prod_{s<=t} (1 - beta[s])`` for
``t = 0 .. T-1``; ``x_t = sqrt(alpha_bar[t]) x0 + sqrt(1 - alpha_bar[t]) eps``. A "previous"
timestep of -1 means the clean sample (``alpha_bar = 1``).

Example:
    >>> betas = make_betas("cosine", 1000)
    >>> ac = alphas_cumprod(betas)
    >>> bool((ac[1:] < ac[:-1]).all())
    True
"""

from __future__ import annotations

import math
from typing import Literal

import torch

Schedule = Literal["linear", "cosine"]


def make_betas(schedule: Schedule, num_timesteps: int) -> torch.Tensor:
    """Noise variances ``beta[t]`` for ``t = 0 .. num_timesteps - 1``.

    Args:
        schedule: ``"linear"`` (DDPM, 1e-4 to 0.02 rescaled to ``num_timesteps``) or ``"cosine"``
            (Nichol & Dhariwal 2021, offset s = 0.008, betas clipped at 0.999).
        num_timesteps: T >= 1.

    Returns:
        float64 tensor of shape (T,), values in (0, 1).
    """
    if not isinstance(num_timesteps, int) or isinstance(num_timesteps, bool) or num_timesteps < 1:
        raise ValueError(f"num_timesteps must be an int >= 1; got {num_timesteps!r}")
    t = num_timesteps
    if schedule == "linear":
        scale = 1000.0 / t
        return torch.linspace(scale * 1e-4, min(scale * 0.02, 0.999), t, dtype=torch.float64)
    if schedule == "cosine":
        s = 0.008
        steps = torch.arange(t + 1, dtype=torch.float64) / t
        f = torch.cos((steps + s) / (1 + s) * math.pi / 2) ** 2
        # beta[t] = 1 - abar(t+1) / abar(t) with abar(t) = f(t) / f(0); the f(0) cancels.
        return (1 - f[1:] / f[:-1]).clamp(1e-8, 0.999)
    raise ValueError(f"schedule must be one of ['linear', 'cosine']; got {schedule!r}")


def alphas_cumprod(betas: torch.Tensor) -> torch.Tensor:
    """``alpha_bar[t] = prod_{s<=t} (1 - beta[s])``, strictly decreasing in t.

    Shape:
        (T,) -> (T,).
    """
    return torch.cumprod(1.0 - betas.double(), dim=0)


def _gather(ac: torch.Tensor, t: torch.Tensor | int, ndim: int, like: torch.Tensor) -> torch.Tensor:
    """``ac[t]`` broadcast to ``ndim`` dims (t = -1 gives 1.0)."""
    t = torch.as_tensor(t, device=ac.device, dtype=torch.long)
    one = torch.ones((), dtype=ac.dtype, device=ac.device)
    vals = torch.where(t >= 0, ac[t.clamp_min(0)], one)
    if vals.ndim == 0:
        return vals.to(like.dtype).to(like.device)
    return vals.view(-1, *([1] * (ndim - 1))).to(like.dtype).to(like.device)


def q_sample(x0: torch.Tensor, t: torch.Tensor | int, noise: torch.Tensor, ac: torch.Tensor) -> torch.Tensor:
    """Forward-noise ``x0`` to timestep ``t``: ``sqrt(ab[t]) x0 + sqrt(1 - ab[t]) noise``.

    Args:
        x0: clean samples (B, ...).
        t: one int for the batch or a (B,) long tensor.
        noise: standard normal noise shaped like ``x0``.
        ac: ``alphas_cumprod`` (T,).

    Returns:
        ``x_t``, shaped like ``x0``.
    """
    ab = _gather(ac, t, x0.ndim, x0)
    return ab.sqrt() * x0 + (1 - ab).sqrt() * noise


def ddpm_step(
    x_t: torch.Tensor,
    eps: torch.Tensor,
    t: int,
    betas: torch.Tensor,
    ac: torch.Tensor,
    *,
    noise: torch.Tensor,
    clip: float | None = None,
) -> torch.Tensor:
    """One ancestral DDPM step ``x_t -> x_{t-1}`` given the predicted noise (no noise at t = 0).

    The posterior ``q(x_{t-1} | x_t, x0_hat)`` with ``x0_hat`` from ``eps`` (clamped to
    ``[-clip, clip]`` when given); the scalars are computed in float64.

    Args:
        x_t: current samples (B, ...).
        eps: predicted noise, shaped like ``x_t``.
        t: current timestep in ``[0, T)``.
        betas: the schedule (T,); ac: ``alphas_cumprod(betas)``.
        noise: standard normal noise shaped like ``x_t`` (unused at ``t == 0``).
        clip: bound of the predicted clean sample, or None.

    Returns:
        ``x_{t-1}``, shaped like ``x_t``.
    """
    abar, beta = float(ac[t]), float(betas[t])
    abar_prev = float(ac[t - 1]) if t > 0 else 1.0
    x0 = (x_t - math.sqrt(1 - abar) * eps) / math.sqrt(abar)
    if clip is not None:
        x0 = x0.clamp(-clip, clip)
    c0 = beta * math.sqrt(abar_prev) / (1 - abar)
    ct = (1 - abar_prev) * math.sqrt(1 - beta) / (1 - abar)
    mean = c0 * x0 + ct * x_t
    if t == 0:
        return mean
    var = beta * (1 - abar_prev) / (1 - abar)
    return mean + math.sqrt(var) * noise


def predict_x0(x_t: torch.Tensor, eps: torch.Tensor, t: torch.Tensor | int, ac: torch.Tensor) -> torch.Tensor:
    """The clean sample implied by ``x_t`` and predicted noise ``eps``."""
    ab = _gather(ac, t, x_t.ndim, x_t)
    return (x_t - (1 - ab).sqrt() * eps) / ab.sqrt()


def ddim_timesteps(num_timesteps: int, sampling_steps: int, start: int | None = None) -> list[int]:
    """Descending timesteps for a DDIM run from ``start`` (default ``T - 1``) down to about 0.

    Evenly spaced, always including ``start``; at most ``sampling_steps`` entries (fewer when
    ``start + 1 < sampling_steps``).

    Example:
        >>> ddim_timesteps(1000, 4)
        [999, 666, 333, 0]
    """
    if sampling_steps < 1:
        raise ValueError(f"sampling_steps must be >= 1; got {sampling_steps!r}")
    start = num_timesteps - 1 if start is None else int(start)
    if not 0 <= start < num_timesteps:
        raise ValueError(f"start must be in [0, {num_timesteps - 1}]; got {start!r}")
    n = min(sampling_steps, start + 1)
    if n == 1:
        return [start]
    ts = torch.linspace(start, 0, n, dtype=torch.float64).round().long().tolist()
    out: list[int] = []
    for t in ts:
        if not out or t < out[-1]:
            out.append(int(t))
    return out


def ddim_step(
    x_t: torch.Tensor,
    eps: torch.Tensor,
    t: int,
    t_prev: int,
    ac: torch.Tensor,
    *,
    eta: float = 0.0,
    noise: torch.Tensor | None = None,
    clip: float | None = None,
) -> torch.Tensor:
    """One DDIM update from timestep ``t`` to ``t_prev`` (``-1`` = the clean sample).

    ``x_prev = sqrt(ab_prev) x0 + sqrt(1 - ab_prev - sigma^2) eps + sigma noise`` with
    ``sigma = eta * sqrt((1 - ab_prev) / (1 - ab_t)) * sqrt(1 - ab_t / ab_prev)``; ``eta = 0`` is
    deterministic, ``eta = 1`` matches DDPM ancestral sampling.

    Args:
        x_t: current samples (B, ...).
        eps: predicted noise, shaped like ``x_t``.
        t: current timestep; t_prev: target timestep (< t), or -1.
        ac: ``alphas_cumprod`` (T,).
        eta: stochasticity in [0, 1].
        noise: standard normal noise shaped like ``x_t``; required when ``eta > 0``.
        clip: if given, the predicted ``x0`` is clamped to ``[-clip, clip]`` (and ``eps``
            recomputed to match).

    Returns:
        ``x_{t_prev}``, shaped like ``x_t``.
    """
    if t_prev >= t:
        raise ValueError(f"t_prev must be smaller than t; got t={t}, t_prev={t_prev}")
    ab_t = _gather(ac, t, x_t.ndim, x_t)
    ab_prev = _gather(ac, t_prev, x_t.ndim, x_t)
    x0 = (x_t - (1 - ab_t).sqrt() * eps) / ab_t.sqrt()
    if clip is not None:
        x0 = x0.clamp(-clip, clip)
        eps = (x_t - ab_t.sqrt() * x0) / (1 - ab_t).sqrt()
    sigma = eta * ((1 - ab_prev) / (1 - ab_t)).sqrt() * (1 - ab_t / ab_prev).sqrt()
    x_prev = ab_prev.sqrt() * x0 + (1 - ab_prev - sigma**2).clamp_min(0).sqrt() * eps
    if eta > 0:
        if noise is None:
            raise ValueError("noise is required when eta > 0")
        x_prev = x_prev + sigma * noise
    return x_prev


def dpm_solver_pp_step(
    x_t: torch.Tensor,
    x0: torch.Tensor,
    t: int,
    t_prev: int,
    ac: torch.Tensor,
    *,
    x0_last: torch.Tensor | None = None,
    t_last: int | None = None,
) -> torch.Tensor:
    """One DPM-Solver++ (2M) update from ``t`` to ``t_prev`` given the predicted clean sample.

    Lu et al. 2022 (arXiv:2211.01095), multistep second order in the data prediction, with
    ``alpha = sqrt(ab)``, ``sigma = sqrt(1 - ab)``, ``lambda = log(alpha / sigma)`` and
    ``h = lambda(t_prev) - lambda(t)``::

        x_prev = sigma(t_prev) / sigma(t) * x_t - alpha(t_prev) * (exp(-h) - 1) * D

    with ``D = x0`` (first order: exactly the deterministic DDIM step) or, given the previous
    step's prediction ``x0_last`` at ``t_last``, ``D = (1 + 1/(2r)) x0 - 1/(2r) x0_last`` with
    ``r = h_last / h``. A step to the clean sample (``t_prev = -1``) returns ``x0``.
    The scalars are computed in float64.

    Args:
        x_t: current samples (B, ...).
        x0: predicted clean samples at ``t`` (e.g. clipped), shaped like ``x_t``.
        t: current timestep; t_prev: target timestep (< t), or -1.
        ac: ``alphas_cumprod`` (T,).
        x0_last: the previous step's prediction (None: first order).
        t_last: the previous step's timestep (> t); required with ``x0_last``.

    Returns:
        ``x_{t_prev}``, shaped like ``x_t``.

    Example:
        >>> ac = alphas_cumprod(make_betas("cosine", 100))
        >>> x0 = torch.zeros(2, 3)
        >>> bool(dpm_solver_pp_step(torch.randn(2, 3), x0, 50, -1, ac).eq(0).all())
        True
    """
    if t_prev >= t:
        raise ValueError(f"t_prev must be smaller than t; got t={t}, t_prev={t_prev}")
    if t_prev < 0:
        return x0
    ab_t, ab_p = float(ac[t]), float(ac[t_prev])

    def lam(ab: float) -> float:
        return 0.5 * math.log(ab / (1.0 - ab))

    h = lam(ab_p) - lam(ab_t)
    d = x0
    if x0_last is not None:
        if t_last is None or t_last <= t:
            raise ValueError(f"t_last must be a timestep after t={t}; got {t_last!r}")
        r = (lam(ab_t) - lam(float(ac[t_last]))) / h
        d = (1.0 + 0.5 / r) * x0 - (0.5 / r) * x0_last
    ratio = math.sqrt((1.0 - ab_p) / (1.0 - ab_t))
    return ratio * x_t + (math.sqrt(ab_p) * -math.expm1(-h)) * d
