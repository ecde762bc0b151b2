"""Diffusion math for TabDDPM: the shared schedule and Gaussian steps, plus multinomial diffusion.

Timesteps are ``t = 0 .. T-1``; ``abar[t]`` is the cumulative product of ``alpha = 1 - beta`` up
to and including step t, and ``abar_prev[t] = abar[t-1]`` with ``abar_prev[0] = 1``. The
schedule, the forward noising and the Gaussian reverse step are those of every diffusion model
in the project (:mod:`genaug.synth.schedules`: ``make_betas``, ``q_sample``, ``ddpm_step``).

Gaussian (numeric columns, epsilon prediction):
``x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps``; the reverse step uses the posterior
``q(x_{t-1} | x_t, x_0_hat)`` with ``x_0_hat`` from the predicted noise (clipped).

Multinomial (one categorical column with K values, Hoogeboom et al. 2021):
``q(x_t | x_0) = Cat(abar_t x_0 + (1 - abar_t) / K)``; the posterior
``q(x_{t-1} | x_t, x_0) ~ (alpha_t x_t + (1 - alpha_t) / K) * (abar_prev_t x_0 + (1 - abar_prev_t) / K)``;
the model predicts ``p(x_0)`` and the loss is ``KL(q(x_{t-1}|x_t,x_0) || q(x_{t-1}|x_t,p(x_0)))``,
which at ``t = 0`` is the negative log-likelihood of ``x_0``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from genaug.synth.schedules import alphas_cumprod, ddpm_step, make_betas, q_sample

__all__ = [
    "Schedule",
    "cosine_schedule",
    "gaussian_q_sample",
    "gaussian_step",
    "multinomial_kl",
    "multinomial_posterior",
    "multinomial_q",
    "sample_categorical",
]


@dataclass(frozen=True)
class Schedule:
    """Per-step schedule tensors, each of shape (T,), float64."""

    betas: torch.Tensor
    alphas: torch.Tensor
    abar: torch.Tensor
    abar_prev: torch.Tensor

    @property
    def steps(self) -> int:
        """Number of timesteps T."""
        return len(self.betas)


def cosine_schedule(steps: int) -> Schedule:
    """The cosine schedule of Nichol & Dhariwal (2021) with ``steps`` timesteps
    (``make_betas("cosine", steps)``)."""
    betas = make_betas("cosine", steps)
    abar = alphas_cumprod(betas)
    abar_prev = torch.cat([torch.ones(1, dtype=torch.float64), abar[:-1]])
    return Schedule(betas, 1 - betas, abar, abar_prev)


def gaussian_q_sample(
    sched: Schedule, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor
) -> torch.Tensor:
    """``x_t`` from ``x_0`` (B, P), timesteps ``t`` (B,) and ``noise`` (B, P) (``q_sample``)."""
    return q_sample(x0, t, noise, sched.abar)


def gaussian_step(
    sched: Schedule, x_t: torch.Tensor, eps: torch.Tensor, t: int, noise: torch.Tensor, clip: float
) -> torch.Tensor:
    """One ancestral step ``x_t -> x_{t-1}`` given predicted noise ``eps`` (``ddpm_step``)."""
    return ddpm_step(x_t, eps, t, sched.betas, sched.abar, noise=noise, clip=clip)


def _bcast(v: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return v.float().reshape(-1, *([1] * (like.ndim - 1)))


def multinomial_q(sched: Schedule, x0: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """``q(x_t | x_0)`` for one-hot ``x0`` (B, ..., K) at timesteps ``t`` (B,); K is the last dim."""
    a = _bcast(sched.abar[t], x0)
    return a * x0 + (1 - a) / x0.shape[-1]


def multinomial_posterior(
    sched: Schedule, x_t: torch.Tensor, x0: torch.Tensor, t: torch.Tensor
) -> torch.Tensor:
    """``q(x_{t-1} | x_t, x_0)`` for one-hot ``x_t`` and ``x_0`` probabilities, both (B, ..., K).

    Returns:
        (B, ..., K) probabilities (sum 1 over the last dim).
    """
    k = x_t.shape[-1]
    alpha = _bcast(sched.alphas[t], x_t)
    a_prev = _bcast(sched.abar_prev[t], x_t)
    unnorm = (alpha * x_t + (1 - alpha) / k) * (a_prev * x0 + (1 - a_prev) / k)
    return unnorm / unnorm.sum(dim=-1, keepdim=True)


def multinomial_kl(q: torch.Tensor, p: torch.Tensor, eps: float = 1e-30) -> torch.Tensor:
    """``KL(q || p)`` over the last dim (0 log 0 = 0). Shape: (..., K) -> (...)."""
    return (torch.xlogy(q, q) - q * torch.log(p.clamp_min(eps))).sum(dim=-1)


def sample_categorical(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One-hot draws from ``probs`` (..., K) with the Gumbel-max trick (noise from ``generator``)."""
    u = torch.rand(probs.shape, generator=generator).clamp_(1e-10, 1 - 1e-10)
    idx = (torch.log(probs.clamp_min(1e-30)) - torch.log(-torch.log(u))).argmax(dim=-1)
    return torch.nn.functional.one_hot(idx, probs.shape[-1]).float()
