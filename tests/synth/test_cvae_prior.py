"""The cvae's class-conditional latent prior (``prior="class"``): fitted state, sampling, save/load."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from genaug.data.labeled import LabeledData
from genaug.synth.cvae import CVAE

TINY = {"latent_dim": 4, "width": 4, "hidden_dim": 16, "steps": 20, "batch_size": 8}


def test_class_prior_is_fitted_to_the_posterior_means(tiny_images: LabeledData) -> None:
    vae = CVAE(**TINY, prior="class").fit(tiny_images, generator=0)
    net = vae.model_
    y = torch.as_tensor(tiny_images.y)
    with torch.no_grad():
        mu = net.encode(net.features(tiny_images.x.float()), F.one_hot(y, 3).float())[0]
    for c in range(3):
        torch.testing.assert_close(vae.latent_mean_[c], mu[y == c].mean(0), atol=1e-5, rtol=1e-4)
    cov = vae.latent_chol_ @ vae.latent_chol_.transpose(1, 2)
    assert vae.latent_chol_.shape == (3, 4, 4)
    assert torch.all(torch.linalg.eigvalsh(cov) > 0)


def test_class_prior_samples_sit_at_the_class_means_when_scaled_down(tiny_images: LabeledData) -> None:
    vae = CVAE(**TINY, prior="class", prior_scale=1e-4).fit(tiny_images, generator=0)
    out = vae.sample(2, generator=3)
    with torch.no_grad():
        y = torch.as_tensor(out.y)
        at_mean = torch.sigmoid(vae.model_.decode(vae.latent_mean_[y], F.one_hot(y, 3).float()))
    torch.testing.assert_close(out.x.float(), at_mean, atol=1e-3, rtol=0)


def test_class_prior_round_trips_and_is_seeded(tiny_images: LabeledData, tiny_pool: torch.Tensor,
                                               tmp_path) -> None:
    vae = CVAE(**TINY, prior="class").fit(tiny_images, unlabeled=tiny_pool, generator=0)
    again = CVAE(**TINY, prior="class").fit(tiny_images, unlabeled=tiny_pool, generator=0)
    torch.testing.assert_close(vae.sample(3, generator=1).x, again.sample(3, generator=1).x)
    vae.save(tmp_path / "m")
    loaded = CVAE.load(tmp_path / "m")
    assert loaded.prior == "class"
    torch.testing.assert_close(loaded.sample(3, generator=1).x, vae.sample(3, generator=1).x)


def test_a_class_with_one_sample_gets_the_pooled_covariance(tiny_images: LabeledData) -> None:
    keep = [i for i, c in enumerate(tiny_images.y) if c != 2] + [int(list(tiny_images.y).index(2))]
    vae = CVAE(**TINY, prior="class").fit(tiny_images.subset(keep), generator=0)
    cov = vae.latent_chol_ @ vae.latent_chol_.transpose(1, 2)
    assert torch.isfinite(cov).all()
    assert not torch.allclose(cov[2], cov[0]) and not torch.allclose(cov[2], cov[1])
    assert vae.sample(2, generator=0).x.shape == (6, 1, 8, 8)


@pytest.mark.parametrize(("option", "value", "match"), [("prior", "gmm", "prior"),
                                                        ("prior_scale", 0.0, "prior_scale")])
def test_bad_prior_options_name_the_option(option: str, value: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        CVAE(**{option: value})
