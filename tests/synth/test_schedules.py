"""Diffusion math: schedules, forward noising, DDIM updates."""

from __future__ import annotations

import pytest
import torch

from genaug.synth.schedules import alphas_cumprod, ddim_step, ddim_timesteps, make_betas, predict_x0, q_sample


@pytest.mark.parametrize("schedule", ["cosine", "linear"])
def test_betas_in_range_and_alpha_bar_decreasing(schedule: str) -> None:
    betas = make_betas(schedule, 100)
    assert betas.shape == (100,) and (betas > 0).all() and (betas < 1).all()
    ac = alphas_cumprod(betas)
    assert (ac[1:] < ac[:-1]).all() and ac[0] > 0.99 and ac[-1] < 0.05


def test_bad_schedule_arguments() -> None:
    with pytest.raises(ValueError, match="schedule must be one of"):
        make_betas("quadratic", 10)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="num_timesteps"):
        make_betas("cosine", 0)
    with pytest.raises(ValueError, match="t_prev"):
        ddim_step(torch.zeros(1), torch.zeros(1), 3, 3, alphas_cumprod(make_betas("cosine", 10)))


def test_predict_x0_inverts_q_sample() -> None:
    ac = alphas_cumprod(make_betas("cosine", 50))
    g = torch.Generator().manual_seed(0)
    x0, eps = torch.randn(4, 1, 5, generator=g), torch.randn(4, 1, 5, generator=g)
    t = torch.tensor([0, 10, 30, 49])
    assert torch.allclose(predict_x0(q_sample(x0, t, eps, ac), eps, t, ac), x0, atol=1e-4)


def test_ddim_with_true_noise_recovers_x0_exactly() -> None:
    ac = alphas_cumprod(make_betas("linear", 100))
    g = torch.Generator().manual_seed(0)
    x0, eps = torch.randn(3, 2, 4, generator=g), torch.randn(3, 2, 4, generator=g)
    x = q_sample(x0, 80, eps, ac)
    ts = ddim_timesteps(100, 5, start=80)
    for i, t in enumerate(ts):
        t_prev = ts[i + 1] if i + 1 < len(ts) else -1
        x = ddim_step(x, eps, t, t_prev, ac)
    assert torch.allclose(x, x0, atol=1e-4)


def test_ddim_timesteps() -> None:
    assert ddim_timesteps(1000, 4) == [999, 666, 333, 0]
    assert ddim_timesteps(10, 50) == list(range(9, -1, -1))
    assert ddim_timesteps(100, 1, start=20) == [20]
    with pytest.raises(ValueError, match="start"):
        ddim_timesteps(10, 2, start=10)


def test_eta_requires_noise() -> None:
    ac = alphas_cumprod(make_betas("cosine", 10))
    with pytest.raises(ValueError, match="noise is required"):
        ddim_step(torch.zeros(2), torch.zeros(2), 5, 2, ac, eta=1.0)


def test_cosine_schedule_is_the_one_of_the_nichol_dhariwal_paper() -> None:
    import math

    for t in (10, 100, 1000):
        s = torch.arange(t + 1, dtype=torch.float64) / t
        f = torch.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2
        abar = f[1:] / f[0]
        ac = alphas_cumprod(make_betas("cosine", t))
        assert torch.allclose(ac[:-1], abar[:-1], rtol=1e-10)  # the last beta is clipped at 0.999


def test_tabular_diffusion_shares_the_schedule_and_steps() -> None:
    from genaug.synth.schedules import ddpm_step
    from genaug.synth.tabular import diffusion as D

    sched = D.cosine_schedule(20)
    assert torch.equal(sched.betas, make_betas("cosine", 20))
    assert torch.equal(sched.abar, alphas_cumprod(sched.betas))
    assert torch.equal(sched.abar_prev[1:], sched.abar[:-1]) and sched.abar_prev[0] == 1
    g = torch.Generator().manual_seed(0)
    x0, eps = torch.randn(5, 3, generator=g), torch.randn(5, 3, generator=g)
    t = torch.tensor([0, 3, 7, 12, 19])
    assert torch.equal(D.gaussian_q_sample(sched, x0, t, eps), q_sample(x0, t, eps, sched.abar))
    x_t = q_sample(x0, 7, eps, sched.abar)
    step = D.gaussian_step(sched, x_t, eps, 7, eps, clip=5.0)
    assert torch.equal(step, ddpm_step(x_t, eps, 7, sched.betas, sched.abar, noise=eps, clip=5.0))
    # with the true noise, the posterior mean at t = 0 is the clean sample
    x1 = q_sample(x0, 0, eps, sched.abar)
    out = ddpm_step(x1, eps, 0, sched.betas, sched.abar, noise=torch.zeros_like(eps))
    assert torch.allclose(out, x0, atol=1e-5)
