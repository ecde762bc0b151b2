"""DPM-Solver++ (2M): the update rule and the sampler option of the diffusion synthesizer."""

from __future__ import annotations

import pytest
import torch

from genaug import registry
from genaug.synth import Diffusion
from genaug.synth.schedules import (
    alphas_cumprod,
    ddim_step,
    dpm_solver_pp_step,
    make_betas,
    predict_x0,
    q_sample,
)


def _setup() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return (
        alphas_cumprod(make_betas("cosine", 100)),
        torch.randn(3, 1, 4, generator=g),
        torch.randn(3, 1, 4, generator=g),
    )


def test_first_order_step_is_the_deterministic_ddim_step() -> None:
    ac, x0, eps = _setup()
    x = q_sample(x0, 80, eps, ac)
    ours = dpm_solver_pp_step(x, predict_x0(x, eps, 80, ac), 80, 40, ac)
    assert torch.allclose(ours, ddim_step(x, eps, 80, 40, ac), atol=1e-5)


def test_second_order_step_with_the_true_clean_sample_lands_on_the_forward_process() -> None:
    ac, x0, eps = _setup()
    x = q_sample(x0, 70, eps, ac)
    out = dpm_solver_pp_step(x, x0, 70, 30, ac, x0_last=x0, t_last=90)
    assert torch.allclose(out, q_sample(x0, 30, eps, ac), atol=1e-5)
    assert torch.equal(dpm_solver_pp_step(x, x0, 70, -1, ac), x0)


def test_step_arguments_are_checked() -> None:
    ac, x0, _ = _setup()
    with pytest.raises(ValueError, match="t_prev must be smaller"):
        dpm_solver_pp_step(x0, x0, 10, 10, ac)
    with pytest.raises(ValueError, match="t_last"):
        dpm_solver_pp_step(x0, x0, 10, 5, ac, x0_last=x0, t_last=3)


def test_diffusion_samples_with_dpm_solver_deterministically(tiny_images) -> None:
    params = Diffusion.get_test_params() | {"sampler": "dpm_solver++"}
    dm = registry.create("synthesizer", "diffusion", **params).fit(tiny_images, generator=0)
    a = dm.sample({0: 3, 2: 2}, generator=1)
    b = dm.sample({0: 3, 2: 2}, generator=1)
    assert torch.equal(a.x, b.x) and a.y.tolist() == [0, 0, 0, 2, 2] and torch.isfinite(a.x).all()
    ddim = dm.generate(torch.tensor([0, 1]), generator=1, sampler="ddim")
    dpm = dm.generate(torch.tensor([0, 1]), generator=1)
    assert ddim.shape == dpm.shape and not torch.equal(ddim, dpm)
    assert dm.get_config()["sampler"] == "dpm_solver++"


def test_sampler_arguments() -> None:
    with pytest.raises(ValueError, match="sampler"):
        Diffusion(sampler="euler")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="eta must be 0"):
        Diffusion(sampler="dpm_solver++", eta=0.5)
