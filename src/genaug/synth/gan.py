"""Conditional GAN with spectral norm, hinge loss and a projection discriminator.

The discriminator is ``D(x, y) = psi(phi(x)) + <embed(y), phi(x)>`` (Miyato & Koyama 2018):
an unconditional head ``psi`` plus a class projection. Labeled real samples train both terms;
pool samples (labels unknown) train only the unconditional head against generated samples, so
the feature extractor ``phi`` and realism learn from the whole pool while class information
comes only from the labeled few. The generator (class embedding + FiLM-conditioned GroupNorm)
is averaged with an EMA, which is what :meth:`CGAN.sample` uses and :meth:`CGAN.save` writes.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from genaug.data.labeled import LabeledData
from genaug.registry import register
from genaug.sizing import scaled_width
from genaug.synth.base import NetworkSynthesizer, fit_scaler, progress_bar, scale, unscale
from genaug.synth.nn import EMA, SpectralNorm, build_module, crop_to, group_norm, padded_size
from genaug.validation import check_int, check_range


class _FiLMBlock(nn.Module):
    """Upsample x2, conv 3x3, GroupNorm modulated by the class/noise embedding, LeakyReLU."""

    def __init__(self, in_ch: int, out_ch: int, emb_dim: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.norm = group_norm(out_ch)
        self.film = nn.Linear(emb_dim, 2 * out_ch)

    def forward(self, h: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.norm(self.conv(F.interpolate(h, scale_factor=2, mode="nearest")))
        gamma, beta = self.film(emb)[:, :, None, None].chunk(2, dim=1)
        return F.leaky_relu(h * (1 + gamma) + beta, 0.2)


class GeneratorNet(nn.Module):
    """``G(z, y)``: images via two FiLM up-blocks from (2*width, H/4, W/4); signals via an MLP.

    Shape:
        z (B, latent_dim), y (B,) -> (B, *sample_shape) in model space (tanh for images).
    """

    def __init__(
        self, sample_shape: tuple[int, ...], num_classes: int, *, latent_dim: int, width: int, hidden_dim: int
    ) -> None:
        super().__init__()
        self.sample_shape = tuple(sample_shape)
        self.is_image = len(sample_shape) == 3
        self.embed = nn.Embedding(num_classes, latent_dim)
        emb_dim = 2 * latent_dim
        c = sample_shape[0]
        if self.is_image:
            hp, wp = padded_size(sample_shape[1:], 4)
            self.low = (2 * width, hp // 4, wp // 4)
            self.fc = nn.Linear(emb_dim, math.prod(self.low))
            self.block1 = _FiLMBlock(2 * width, 2 * width, emb_dim)
            self.block2 = _FiLMBlock(2 * width, width, emb_dim)
            self.out = nn.Conv2d(width, c, 3, padding=1)
        else:
            flat = math.prod(sample_shape)
            self.mlp = nn.Sequential(
                nn.Linear(emb_dim, hidden_dim),
                nn.LeakyReLU(0.2),
                nn.Linear(hidden_dim, hidden_dim),
                nn.LeakyReLU(0.2),
                nn.Linear(hidden_dim, flat),
            )

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        emb = torch.cat([z, self.embed(y)], dim=1)
        if not self.is_image:
            return self.mlp(emb).view(-1, *self.sample_shape)
        h = F.leaky_relu(self.fc(emb), 0.2).view(-1, *self.low)
        h = self.block2(self.block1(h, emb), emb)
        return crop_to(torch.tanh(self.out(h)), self.sample_shape[1:])


class DiscriminatorNet(nn.Module):
    """Spectral-normalised projection discriminator with a separate unconditional head.

    Shape:
        forward(x (B, *sample_shape), y (B,)) -> (uncond (B,), projection (B,)).
    """

    def __init__(
        self, sample_shape: tuple[int, ...], num_classes: int, *, width: int, hidden_dim: int
    ) -> None:
        super().__init__()
        self.is_image = len(sample_shape) == 3
        self.num_classes = num_classes
        c = sample_shape[0]
        if self.is_image:
            self.features = nn.Sequential(
                SpectralNorm(nn.Conv2d(c, width, 3, padding=1)),
                nn.LeakyReLU(0.2),
                SpectralNorm(nn.Conv2d(width, 2 * width, 4, stride=2, padding=1)),
                nn.LeakyReLU(0.2),
                SpectralNorm(nn.Conv2d(2 * width, 4 * width, 4, stride=2, padding=1)),
                nn.LeakyReLU(0.2),
            )
            feat = 4 * width
        else:
            self.features = nn.Sequential(
                nn.Flatten(),
                SpectralNorm(nn.Linear(math.prod(sample_shape), hidden_dim)),
                nn.LeakyReLU(0.2),
                SpectralNorm(nn.Linear(hidden_dim, hidden_dim)),
                nn.LeakyReLU(0.2),
            )
            feat = hidden_dim
        self.head = SpectralNorm(nn.Linear(feat, 1))
        self.embed = SpectralNorm(nn.Linear(num_classes, feat, bias=False))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        phi = self.features(x)
        if self.is_image:
            phi = phi.sum(dim=(2, 3))
        uncond = self.head(phi).squeeze(1)
        proj = (self.embed(F.one_hot(y, self.num_classes).float()) * phi).sum(1)
        return uncond, proj


@register("synthesizer", "cgan")
class CGAN(NetworkSynthesizer):
    """Conditional GAN (SN + hinge + projection D) that also learns realism from an unlabeled pool.

    Args:
        latent_dim: size of the noise ``z`` (and of the class embedding).
        width: conv channels at full resolution (D uses up to 4x, G 2x).
            ``None`` (the default) scales it to the image size (:func:`genaug.sizing.scaled_width`:
            32 up to 16x16, 16 at 28x28, 8 at 64x64).
        hidden_dim: MLP width (signals).
        steps: alternating D/G update pairs (fixed budget).
        batch_size: labeled (and, with a pool, unlabeled) real samples per D step.
        lr: Adam learning rate for both nets (betas 0.0, 0.9).
        ema_decay: decay of the generator's weight average used for sampling.
        unlabeled_weight: weight of the unconditional-head loss on pool samples.
        device: torch device.
        progress: show a rich progress bar during fit.

    Shape:
        images (N, C, H, W) in [0, 1] (model space [-1, 1]); signals (N, C, T) standardised.

    Example:
        >>> import torch
        >>> from genaug.data.labeled import LabeledData
        >>> data = LabeledData(torch.rand(20, 1, 8, 8), [0, 1] * 10, ("a", "b"), "image")
        >>> gan = CGAN(**CGAN.get_test_params()).fit(data, unlabeled=torch.rand(30, 1, 8, 8), generator=0)
        >>> gan.sample(2, generator=0).x.shape
        torch.Size([4, 1, 8, 8])
    """

    def __init__(
        self,
        *,
        latent_dim: int = 32,
        width: int | None = None,
        hidden_dim: int = 256,
        steps: int = 2000,
        batch_size: int = 64,
        lr: float = 2e-4,
        ema_decay: float = 0.999,
        unlabeled_weight: float = 1.0,
        device: str = "cpu",
        progress: bool = False,
    ) -> None:
        self.latent_dim = latent_dim
        self.width = width
        self.hidden_dim = hidden_dim
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.ema_decay = ema_decay
        self.unlabeled_weight = unlabeled_weight
        self.device = device
        self.progress = progress
        for name in ("latent_dim", "hidden_dim", "steps", "batch_size"):
            check_int(name, getattr(self, name), 1)
        if width is not None:
            check_int("width", width, 1)
        check_range("lr", lr, 0.0, low_inclusive=False)
        check_range("ema_decay", ema_decay, 0.0, 1.0, high_inclusive=False)
        check_range("unlabeled_weight", unlabeled_weight, 0.0)

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        return {"latent_dim": 4, "width": 4, "hidden_dim": 16, "steps": 5, "batch_size": 8}

    def _gen_net(self) -> GeneratorNet:
        return GeneratorNet(
            self.sample_shape_,
            len(self.class_names_),
            latent_dim=self.latent_dim,
            width=scaled_width(self.sample_shape_, self.width),
            hidden_dim=self.hidden_dim,
        )

    def _disc_net(self) -> DiscriminatorNet:
        return DiscriminatorNet(
            self.sample_shape_, len(self.class_names_), width=scaled_width(self.sample_shape_, self.width),
            hidden_dim=self.hidden_dim,
        )

    def _fit(self, data: LabeledData, pool: torch.Tensor | None, generator: torch.Generator) -> None:
        dev = torch.device(self.device)
        self.mean_, self.std_ = fit_scaler(data.x, pool, data.modality)
        x = scale(data.x.float(), self.mean_, self.std_).to(dev)
        y = torch.as_tensor(data.y, dtype=torch.long, device=dev)
        xu = None if pool is None else scale(pool, self.mean_, self.std_).to(dev)
        g_net = build_module(self._gen_net, generator).to(dev).train()
        d_net = build_module(self._disc_net, generator).to(dev).train()
        ema = EMA(g_net, self.ema_decay)
        opt_g = torch.optim.Adam(g_net.parameters(), lr=self.lr, betas=(0.0, 0.9))
        opt_d = torch.optim.Adam(d_net.parameters(), lr=self.lr, betas=(0.0, 0.9))
        hist: dict[str, Any] = {"loss_d": [], "loss_g": [], "loss_unlabeled": [], "unlabeled_samples": 0}
        b = self.batch_size
        w_u = self.unlabeled_weight

        def fake_batch() -> tuple[torch.Tensor, torch.Tensor]:
            # Fake labels follow the labeled class frequencies (our best guess of the pool's).
            yf = y[self._batch_index(len(y), b, generator).to(dev)]
            z = torch.randn(b, self.latent_dim, generator=generator).to(dev)
            return g_net(z, yf), yf

        with progress_bar(self.steps, "cgan", self.progress) as advance:
            for _ in range(self.steps):
                # Discriminator: hinge loss, conditional on labeled reals, unconditional on the pool.
                idx = self._batch_index(len(x), b, generator).to(dev)
                with torch.no_grad():
                    fake, yf = fake_batch()
                u_real, p_real = d_net(x[idx], y[idx])
                u_fake, p_fake = d_net(fake, yf)
                loss_d = F.relu(1 - (u_real + p_real)).mean() + F.relu(1 + (u_fake + p_fake)).mean()
                if xu is not None:
                    iu = self._batch_index(len(xu), b, generator).to(dev)
                    u_pool, _ = d_net(xu[iu], yf)
                    loss_u = F.relu(1 - u_pool).mean() + F.relu(1 + u_fake).mean()
                    loss_d = loss_d + w_u * loss_u
                    hist["loss_unlabeled"].append(loss_u.item())
                    hist["unlabeled_samples"] += b
                opt_d.zero_grad(set_to_none=True)
                loss_d.backward()
                opt_d.step()
                # Generator: raise both the conditional score and (with a pool) the unconditional one.
                fake, yf = fake_batch()
                u_fake, p_fake = d_net(fake, yf)
                loss_g = -(u_fake + p_fake).mean()
                if xu is not None:
                    loss_g = loss_g - w_u * u_fake.mean()
                opt_g.zero_grad(set_to_none=True)
                loss_g.backward()
                opt_g.step()
                ema.update(g_net)
                hist["loss_d"].append(loss_d.item())
                hist["loss_g"].append(loss_g.item())
                advance(loss_d=hist["loss_d"][-1], loss_g=hist["loss_g"][-1])
        self.model_ = ema.model.eval()
        self.history_ = hist

    def _sample(self, y: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        dev = next(self.model_.parameters()).device
        z = torch.randn(len(y), self.latent_dim, generator=generator).to(dev)
        out = self.model_(z, y.to(dev)).cpu()
        return unscale(out, self.mean_, self.std_)

    def _sampling_net(self) -> torch.nn.Module:
        return self._gen_net()
