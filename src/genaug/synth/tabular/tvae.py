"""TVAE: a class-conditional variational autoencoder for mixed tables.

Rows are encoded with mode-specific normalization for numeric columns and one-hot categoricals
(:class:`~genaug.synth.tabular.transformer.TableEncoder`). Encoder and decoder are MLPs that
also see the class one-hot (a conditional VAE), so rows of any class, the minority included,
are sampled by decoding ``z ~ N(0, I)`` with that class. The reconstruction loss is a Gaussian
likelihood with a learned per-dimension scale on the ``alpha`` values and cross-entropy on the
mode and category blocks; the KL term is the usual one. At sampling time modes take the argmax
and categories are drawn from the decoder's softmax.

Batches are drawn class by class with probability proportional to ``log(1 + n_c)`` so that a
tiny minority still appears in most batches. Training runs a fixed number of ``steps``.

Example:
    >>> from genaug.data.tabular import load_yeast4
    >>> syn = TVAE(steps=200, progress=False).fit(load_yeast4(), generator=0)
    >>> rows = syn.sample({1: 100}, generator=0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from genaug.registry import register
from genaug.rng import draw_seed
from genaug.serialization import TensorSpec
from genaug.synth.nn import mlp
from genaug.synth.tabular.base import EncodedTabularSynthesizer, class_batch_sampler, draw_batch, progress_bar
from genaug.validation import check_int, check_range

__all__ = ["TVAE"]


class _Encoder(nn.Module):
    def __init__(self, n_in: int, hidden: Sequence[int], latent: int) -> None:
        super().__init__()
        self.body = mlp([n_in, *hidden], activation=nn.ReLU, final_activation=True)
        self.mu = nn.Linear(hidden[-1], latent)
        self.logvar = nn.Linear(hidden[-1], latent)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(x)
        return self.mu(h), self.logvar(h)


@register("synthesizer", "tvae")
class TVAE(EncodedTabularSynthesizer):
    """Class-conditional TVAE.

    Args:
        latent_dim: size of z.
        hidden: hidden layer sizes of encoder and decoder.
        steps: optimizer steps (fixed budget).
        batch_size: rows per step.
        lr: Adam learning rate.
        loss_factor: weight of the reconstruction term relative to the KL term.
        max_modes: at most this many modes per numeric column.
        progress: show a rich progress bar while fitting.

    Shape:
        ``sample`` returns the training columns (see :class:`TabularSynthesizer`).
    """

    def __init__(
        self,
        *,
        latent_dim: int = 64,
        hidden: Sequence[int] = (128, 128),
        steps: int = 1000,
        batch_size: int = 256,
        lr: float = 1e-3,
        loss_factor: float = 2.0,
        max_modes: int = 10,
        progress: bool = True,
    ) -> None:
        self.latent_dim = latent_dim
        self.hidden = hidden
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.loss_factor = loss_factor
        self.max_modes = max_modes
        self.progress = progress
        check_int("latent_dim", latent_dim, 1)
        check_int("steps", steps, 1)
        check_int("batch_size", batch_size, 1)
        check_int("max_modes", max_modes, 1)
        check_range("lr", lr, 0.0, low_inclusive=False)
        check_range("loss_factor", loss_factor, 0.0, low_inclusive=False)
        if not hidden or any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in hidden):
            raise ValueError(f"hidden must be a non-empty sequence of positive ints; got {hidden!r}")

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        """A handful of steps on tiny networks (for fast tests)."""
        return {"steps": 8, "batch_size": 32, "hidden": (16,), "latent_dim": 4, "progress": False}

    def _nets(self) -> dict[str, tuple[str, Any]]:
        dim, n_classes = self.encoder_.dim_, len(self.class_names_)
        hidden, latent = list(self.hidden), self.latent_dim
        return {
            "enc": ("enc_net_", lambda: _Encoder(dim + n_classes, hidden, latent)),
            "dec": ("dec_net_", lambda: mlp([latent + n_classes, *hidden[::-1], dim], activation=nn.ReLU)),
        }

    def _fit_table(
        self, num: np.ndarray, codes: np.ndarray, y: np.ndarray, generator: torch.Generator
    ) -> None:
        data = self._encode_table(num, codes, generator)
        n_classes = len(self.class_names_)
        onehot = F.one_hot(torch.from_numpy(y), n_classes).float()
        self._build_nets(generator)
        self.log_sigma_ = nn.Parameter(torch.full((self.encoder_.dim_,), float(np.log(0.1))))
        params = [*self.enc_net_.parameters(), *self.dec_net_.parameters(), self.log_sigma_]
        opt = torch.optim.Adam(params, lr=self.lr, weight_decay=1e-5)
        probs, members = class_batch_sampler(y, n_classes)
        self.enc_net_.train()
        self.dec_net_.train()
        with progress_bar(self.steps, "TVAE", self.progress) as advance:
            for _ in range(self.steps):
                rows, _ = draw_batch(probs, members, self.batch_size, generator)
                x, c = data[rows], onehot[rows]
                mu, logvar = self.enc_net_(torch.cat([x, c], dim=1))
                eps = torch.randn(mu.shape, generator=generator)
                z = mu + eps * torch.exp(0.5 * logvar)
                out = self.dec_net_(torch.cat([z, c], dim=1))
                recon = self._reconstruction(out, x)
                kl = -0.5 * torch.sum(1 + logvar - mu**2 - logvar.exp()) / len(rows)
                loss = self.loss_factor * recon + kl
                opt.zero_grad()
                loss.backward()
                opt.step()
                with torch.no_grad():
                    self.log_sigma_.clamp_(np.log(0.01), np.log(1.0))
                advance(loss=loss.item())
        self.enc_net_.eval()
        self.dec_net_.eval()

    def _reconstruction(self, out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        idx = self.encoder_.alpha_index_
        log_sigma = self.log_sigma_[idx]
        diff = x[:, idx] - torch.tanh(out[:, idx])
        gaussian = (diff**2 / (2 * torch.exp(2 * log_sigma))).sum() + log_sigma.sum() * len(x)
        return (gaussian + self.encoder_.cross_entropy(out, x).sum()) / len(x)

    @torch.no_grad()
    def _sample_class(self, c: int, n: int, generator: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
        z = torch.randn((n, self.latent_dim), generator=generator)
        cond = F.one_hot(torch.full((n,), c, dtype=torch.long), len(self.class_names_)).float()
        out = self.encoder_.activate(self.dec_net_(torch.cat([z, cond], dim=1)))
        rng = np.random.default_rng(draw_seed(generator))
        return self.encoder_.decode(out.numpy(), rng=rng)

    def _tensors(self) -> dict[str, torch.Tensor]:
        return {**super()._tensors(), **self._net_tensors(), "log_sigma": self.log_sigma_.detach()}

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        return {**super()._expected_tensors(), "log_sigma": TensorSpec((self.encoder_.dim_,), torch.float32)}

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        super()._restore(state, tensors)
        self.log_sigma_ = nn.Parameter(tensors["log_sigma"].clone())
