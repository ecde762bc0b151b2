"""Semi-supervised conditional VAE (Kingma et al. 2014, "M2") for images and 1-D signals.

Why M2 and not "pretrain on the pool with an unknown-label embedding, then fine-tune": with a
null-label pretraining the class pathway of the decoder is still trained only on the few labeled
samples, and since the latent code can carry the class, the decoder learns to read the class
from ``z`` and partly ignores ``y`` (weak conditioning). In M2 a classifier ``q(y|x)`` infers a
label distribution for every pool sample and the ELBO is marginalised over it, so the
*class-conditional* decoder is trained on the whole pool, weighted by the inferred labels. The
price is ``K`` decoder passes per unlabeled sample, cheap at the small sizes genaug targets.

Objective per step (means over the batch):
``L(x, y) = -log p(x | y, z) + KL(q(z | x, y) || N(0, I))`` on labeled samples, plus
``classifier_weight * CE(q(y | x), y)``; and on pool samples
``U(x) = sum_y q(y | x) L(x, y) - H(q(y | x))``, weighted by ``unlabeled_weight``.
Images use a Bernoulli likelihood on [0, 1] values; signals a Gaussian with a learned scale on
standardised values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from genaug.data.labeled import LabeledData
from genaug.modalities import get_modality
from genaug.registry import register
from genaug.serialization import TensorSpec
from genaug.sizing import scaled_width
from genaug.synth.base import NetworkSynthesizer, fit_scaler, progress_bar, scale, unscale
from genaug.synth.nn import build_module, crop_to, mlp, pad_to_multiple, padded_size
from genaug.validation import check_choice, check_int, check_range

PRIORS = ("standard", "class")
"""Latent priors :class:`CVAE` samples from."""


class CVAENet(nn.Module):
    """Encoder trunk + classifier head ``q(y|x)`` + posterior ``q(z|x,y)`` + decoder ``p(x|y,z)``.

    Images (``dims=2``) use a conv trunk and a transposed-conv decoder (inputs zero-padded to a
    multiple of 4); signals (``dims=1``) use MLPs on the flattened (C, T) sample.

    Args:
        sample_shape: (C, H, W) or (C, T).
        num_classes: K.
        latent_dim: size of ``z``.
        width: conv channels at full resolution (images).
        hidden_dim: MLP width.

    Shape:
        features(x (B, *sample_shape)) -> (B, hidden_dim); decode(z (B, latent), y_onehot (B, K))
        -> (B, *sample_shape) (logits for images, means for signals).
    """

    def __init__(
        self, sample_shape: tuple[int, ...], num_classes: int, *, latent_dim: int, width: int, hidden_dim: int
    ) -> None:
        super().__init__()
        self.sample_shape = tuple(sample_shape)
        self.num_classes = num_classes
        self.latent_dim = latent_dim
        self.is_image = len(sample_shape) == 3
        c = sample_shape[0]
        if self.is_image:
            hp, wp = padded_size(sample_shape[1:], 4)
            self.low = (2 * width, hp // 4, wp // 4)
            flat = math.prod(self.low)
            self.trunk = nn.Sequential(
                nn.Conv2d(c, width, 3, padding=1),
                nn.SiLU(),
                nn.Conv2d(width, 2 * width, 4, stride=2, padding=1),
                nn.SiLU(),
                nn.Conv2d(2 * width, 2 * width, 4, stride=2, padding=1),
                nn.SiLU(),
                nn.Flatten(),
                nn.Linear(flat, hidden_dim),
                nn.SiLU(),
            )
            self.dec_in = mlp([latent_dim + num_classes, hidden_dim, flat], final_activation=True)
            self.dec_conv = nn.Sequential(
                nn.ConvTranspose2d(2 * width, 2 * width, 4, stride=2, padding=1),
                nn.SiLU(),
                nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),
                nn.SiLU(),
                nn.Conv2d(width, c, 3, padding=1),
            )
        else:
            flat = math.prod(sample_shape)
            self.trunk = mlp([flat, hidden_dim, hidden_dim], final_activation=True)
            self.dec_in = mlp([latent_dim + num_classes, hidden_dim, hidden_dim, flat])
            self.log_sigma = nn.Parameter(torch.empty(()))
        self.classifier = nn.Linear(hidden_dim, num_classes)
        self.posterior = mlp([hidden_dim + num_classes, hidden_dim, 2 * latent_dim])

    @torch.no_grad()
    def init_from_generator_(self, generator: torch.Generator) -> None:
        """Deterministic init of the non-layer parameter (signal likelihood scale)."""
        if not self.is_image:
            self.log_sigma.zero_()

    def features(self, x: torch.Tensor) -> torch.Tensor:
        if self.is_image:
            return self.trunk(pad_to_multiple(x, 4)[0])
        return self.trunk(x.flatten(1))

    def encode(self, h: torch.Tensor, y1h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.posterior(torch.cat([h, y1h], dim=1)).chunk(2, dim=1)
        return mu, logvar.clamp(-10.0, 10.0)

    def decode(self, z: torch.Tensor, y1h: torch.Tensor) -> torch.Tensor:
        h = self.dec_in(torch.cat([z, y1h], dim=1))
        if self.is_image:
            out = self.dec_conv(h.view(-1, *self.low))
            return crop_to(out, self.sample_shape[1:])
        return h.view(-1, *self.sample_shape)

    def neg_elbo(
        self, x: torch.Tensor, h: torch.Tensor, y: torch.Tensor, noise: torch.Tensor
    ) -> torch.Tensor:
        """Per-sample ``-ELBO(x, y)`` (nats), with reparameterisation ``noise`` (B, latent)."""
        y1h = F.one_hot(y, self.num_classes).float()
        mu, logvar = self.encode(h, y1h)
        z = mu + torch.exp(0.5 * logvar) * noise
        out = self.decode(z, y1h)
        if self.is_image:
            rec = F.binary_cross_entropy_with_logits(out, x, reduction="none").flatten(1).sum(1)
        else:
            inv_var = torch.exp(-2.0 * self.log_sigma)
            rec = 0.5 * (out - x).pow(2) * inv_var + self.log_sigma + 0.5 * math.log(2 * math.pi)
            rec = rec.flatten(1).sum(1)
        kl = -0.5 * (1.0 + logvar - mu.pow(2) - logvar.exp()).sum(1)
        return rec + kl


@register("synthesizer", "cvae")
class CVAE(NetworkSynthesizer):
    """Semi-supervised conditional VAE (M2): learns from the labeled set and an unlabeled pool.

    Args:
        latent_dim: size of the latent code ``z``.
        width: conv channels at full resolution (images); the trunk uses ``width`` and ``2*width``.
            ``None`` (the default) scales it to the image size (:func:`genaug.sizing.scaled_width`:
            32 up to 16x16, 16 at 28x28, 8 at 64x64).
        hidden_dim: width of the MLP layers.
        steps: optimisation steps (fixed budget, independent of data size).
        batch_size: labeled samples per step; the pool contributes the same number per step.
        lr: Adam learning rate.
        classifier_weight: weight of the labeled cross-entropy of ``q(y|x)`` (the "alpha" of M2).
        unlabeled_weight: weight of the pool term ``U(x)``.
        prior: where ``sample`` draws the latent code of class ``y`` from. ``"standard"``:
            ``N(0, I)``, the VAE prior; ``"class"``: a Gaussian fitted after training to the
            posterior means of the training samples of class ``y`` (Ledoit-Wolf shrunk
            covariance; the ex-post density estimate of Ghosh et al. 2020). An M2 latent still
            carries class information, so a standard-prior code decoded with label ``y`` can look
            like another class; a class prior keeps the code where class ``y``'s samples lie.
        prior_scale: multiplies the class prior's standard deviations (1: as fitted; < 1
            closer to the class means, > 1 more varied). Ignored by the standard prior.
        device: torch device for training and sampling.
        progress: show a rich progress bar during fit.

    Shape:
        fit: images (N, C, H, W) in [0, 1] (8x8 to 32x32 tested) or signals (N, C, T).
        sample: the same sample shape.

    Example:
        >>> import torch
        >>> from genaug.data.labeled import LabeledData
        >>> data = LabeledData(torch.rand(20, 1, 8, 8), [0, 1] * 10, ("a", "b"), "image")
        >>> vae = CVAE(steps=5, width=4, hidden_dim=16).fit(data, generator=0)
        >>> vae.sample(3, generator=1).x.shape
        torch.Size([6, 1, 8, 8])
    """

    def __init__(
        self,
        *,
        latent_dim: int = 16,
        width: int | None = None,
        hidden_dim: int = 256,
        steps: int = 2000,
        batch_size: int = 64,
        lr: float = 1e-3,
        classifier_weight: float = 50.0,
        unlabeled_weight: float = 1.0,
        prior: str = "standard",
        prior_scale: float = 1.0,
        device: str = "cpu",
        progress: bool = False,
    ) -> None:
        self.latent_dim = latent_dim
        self.width = width
        self.hidden_dim = hidden_dim
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.classifier_weight = classifier_weight
        self.unlabeled_weight = unlabeled_weight
        self.prior = prior
        self.prior_scale = prior_scale
        self.device = device
        self.progress = progress
        for name in ("latent_dim", "hidden_dim", "steps", "batch_size"):
            check_int(name, getattr(self, name), 1)
        if width is not None:
            check_int("width", width, 1)
        check_range("lr", lr, 0.0, low_inclusive=False)
        check_range("classifier_weight", classifier_weight, 0.0)
        check_range("unlabeled_weight", unlabeled_weight, 0.0)
        check_choice("prior", prior, PRIORS)
        check_range("prior_scale", prior_scale, 0.0, low_inclusive=False)

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        return {"latent_dim": 4, "width": 4, "hidden_dim": 16, "steps": 5, "batch_size": 8}

    def _net(self) -> CVAENet:
        return CVAENet(
            self.sample_shape_,
            len(self.class_names_),
            latent_dim=self.latent_dim,
            width=scaled_width(self.sample_shape_, self.width),
            hidden_dim=self.hidden_dim,
        )

    def _fit(self, data: LabeledData, pool: torch.Tensor | None, generator: torch.Generator) -> None:
        dev = torch.device(self.device)
        self.mean_, self.std_ = fit_scaler(data.x, pool, data.modality)
        is_image = _unit_range(data.modality)
        # Data in [0, 1] (images) keeps its values (Bernoulli likelihood); others are standardised.
        x = data.x.float() if is_image else scale(data.x.float(), self.mean_, self.std_)
        x = x.to(dev)
        y = torch.as_tensor(data.y, dtype=torch.long, device=dev)
        xu = None
        if pool is not None:
            xu = (pool if is_image else scale(pool, self.mean_, self.std_)).to(dev)
        k = len(self.class_names_)
        net = build_module(self._net, generator).to(dev)
        opt = torch.optim.Adam(net.parameters(), lr=self.lr)
        hist: dict[str, Any] = {"loss": [], "loss_labeled": [], "loss_unlabeled": [], "unlabeled_samples": 0}
        b = self.batch_size
        with progress_bar(self.steps, "cvae", self.progress) as advance:
            for _ in range(self.steps):
                idx = self._batch_index(len(x), b, generator).to(dev)
                xb, yb = x[idx], y[idx]
                h = net.features(xb)
                noise = torch.randn(b, self.latent_dim, generator=generator).to(dev)
                loss_l = net.neg_elbo(xb, h, yb, noise).mean()
                ce = F.cross_entropy(net.classifier(h), yb)
                loss = loss_l + self.classifier_weight * ce
                if xu is not None:
                    iu = self._batch_index(len(xu), b, generator).to(dev)
                    xub = xu[iu]
                    hu = net.features(xub)
                    q = F.softmax(net.classifier(hu), dim=1)  # (b, K)
                    rep = lambda t: t.repeat_interleave(k, dim=0)  # noqa: E731
                    yk = torch.arange(k, device=dev).repeat(b)
                    nu = torch.randn(b * k, self.latent_dim, generator=generator).to(dev)
                    lk = net.neg_elbo(rep(xub), rep(hu), yk, nu).view(b, k)
                    entropy = -(q * torch.log(q.clamp_min(1e-12))).sum(1)
                    loss_u = ((q * lk).sum(1) - entropy).mean()
                    loss = loss + self.unlabeled_weight * loss_u
                    hist["loss_unlabeled"].append(loss_u.item())
                    hist["unlabeled_samples"] += b
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                hist["loss"].append(loss.item())
                hist["loss_labeled"].append(loss_l.item())
                advance(loss=hist["loss"][-1])
        self.model_ = net.eval()
        self.history_ = hist
        if self.prior == "class":
            self.latent_mean_, self.latent_chol_ = self._class_prior(net, x, y, k)

    def _class_prior(self, net: CVAENet, x: torch.Tensor, y: torch.Tensor,
                     k: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-class mean (K, latent) and Cholesky factor (K, latent, latent) of the training
        samples' posterior means; a class with fewer than two samples gets the pooled covariance
        (and the overall mean when it has none)."""
        from sklearn.covariance import ledoit_wolf

        with torch.no_grad():
            mus = [net.encode(net.features(xb), F.one_hot(yb, k).float())[0]
                   for xb, yb in zip(x.split(512), y.split(512), strict=True)]
        mu = torch.cat(mus).double().cpu().numpy()
        labels = y.cpu().numpy()
        pooled = ledoit_wolf(mu)[0] if len(mu) > 1 else np.eye(self.latent_dim)
        means, chols = [], []
        for c in range(k):
            rows = mu[labels == c]
            cov = ledoit_wolf(rows)[0] if len(rows) > 1 else pooled
            means.append(rows.mean(0) if len(rows) else mu.mean(0))
            cov = cov + 1e-6 * np.eye(self.latent_dim)
            chols.append(np.linalg.cholesky(cov))
        return (torch.as_tensor(np.stack(means), dtype=torch.float32),
                torch.as_tensor(np.stack(chols), dtype=torch.float32))

    def _sample(self, y: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        net = self.model_
        dev = next(net.parameters()).device
        z = torch.randn(len(y), self.latent_dim, generator=generator)
        if self.prior == "class":
            chol = self.latent_chol_[y] * self.prior_scale  # (N, L, L)
            z = self.latent_mean_[y] + (chol @ z.unsqueeze(-1)).squeeze(-1)
        z = z.to(dev)
        out = net.decode(z, F.one_hot(y.to(dev), len(self.class_names_)).float())
        if _unit_range(self.modality_):
            return torch.sigmoid(out)
        return unscale(out, self.mean_, self.std_)

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """Class probabilities ``q(y|x)`` of the inference classifier.

        Args:
            x: samples (B, *sample_shape) in data space.

        Returns:
            Probabilities, shape (B, K).
        """
        self._check_fitted()
        net = self.model_
        dev = next(net.parameters()).device
        x = x.float() if _unit_range(self.modality_) else scale(x.float(), self.mean_, self.std_)
        with torch.no_grad():
            return F.softmax(net.classifier(net.features(x.to(dev))), dim=1).cpu()

    def _sampling_net(self) -> torch.nn.Module:
        return self._net()

    def _tensors(self) -> dict[str, torch.Tensor]:
        tensors = super()._tensors()
        if self.prior == "class":
            tensors.update(latent_mean_=self.latent_mean_, latent_chol_=self.latent_chol_)
        return tensors

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        specs = super()._expected_tensors()
        if self.prior == "class":
            k, dim = len(self.class_names_), self.latent_dim
            specs["latent_mean_"] = TensorSpec((k, dim), torch.float32)
            specs["latent_chol_"] = TensorSpec((k, dim, dim), torch.float32)
        return specs

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        super()._restore(state, tensors)
        if self.prior == "class":
            self.latent_mean_, self.latent_chol_ = tensors["latent_mean_"], tensors["latent_chol_"]


def _unit_range(modality: str) -> bool:
    """Whether data of ``modality`` lies in [0, 1] (modelled with a Bernoulli likelihood)."""
    return get_modality(modality).value_range == (0.0, 1.0)
