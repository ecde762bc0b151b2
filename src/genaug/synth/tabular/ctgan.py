"""CTGAN: a conditional Wasserstein GAN (gradient penalty, PacGAN) for mixed tables.

Encoding as in TVAE (mode-specific normalization + one-hot). The conditional vector is
``[class one-hot | one-hot of one value of one categorical column]``:

* **training-by-sampling**: each training row draws a class with probability proportional to
  ``log(1 + n_c)``, then (if there are categorical columns) a column uniformly and one of its
  values seen in that class with probability proportional to ``log(1 + count)``, then a real
  row matching both. The discriminator judges (row, condition) pairs, and the generator pays a
  cross-entropy penalty when its output disagrees with the conditioned value.
* **sampling**: the class is the requested one; the column value is drawn from its empirical
  frequency within the class.

The generator is a residual MLP with Gumbel-softmax outputs (temperature ``gumbel_tau``); the
discriminator an MLP with LeakyReLU that sees ``pac`` rows at once (PacGAN). No dropout (it
would use the global RNG); every random number comes from the explicit generator.

Example:
    >>> from genaug.data.tabular import load_german_credit
    >>> syn = CTGAN(steps=200, progress=False).fit(load_german_credit(), generator=0)
    >>> bad = syn.sample({1: 100}, generator=0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from genaug.registry import register
from genaug.serialization import TensorSpec
from genaug.synth.nn import mlp
from genaug.synth.tabular.base import EncodedTabularSynthesizer, progress_bar
from genaug.synth.tabular.nets import ResidualMLP
from genaug.validation import check_int, check_range

__all__ = ["CTGAN"]


class _CondSampler:
    """Vectorized training-by-sampling over (class, column, value) cells."""

    def __init__(self, y: np.ndarray, codes: np.ndarray, cards: list[int], n_classes: int) -> None:
        self.n_classes, self.q = n_classes, codes.shape[1]
        counts = np.bincount(y, minlength=n_classes)
        self.class_p = torch.from_numpy(np.log1p(counts) / np.log1p(counts).sum())
        self.members = [np.flatnonzero(y == c) for c in range(n_classes)]
        self.offsets = np.concatenate([[0], np.cumsum(cards)]).astype(np.int64)
        vmax = max(cards, default=1)
        pairs = max(n_classes * self.q, 1)
        self.cum = np.ones((pairs, vmax))  # cumulative log-frequency probabilities per (c, j)
        self.cell = np.zeros((pairs, vmax), dtype=np.int64)  # cell id of (c, j, k-th value)
        self.value = np.zeros((pairs, vmax), dtype=np.int64)
        rows, starts, sizes = [], [], []
        for c in range(n_classes):
            in_c = self.members[c]
            for j in range(self.q):
                pair = c * self.q + j
                vals, cnt = np.unique(codes[in_c, j], return_counts=True)
                if len(vals) == 0:
                    continue
                w = np.log1p(cnt)
                self.cum[pair, : len(vals)] = np.cumsum(w / w.sum())
                for k, v in enumerate(vals):
                    self.cell[pair, k] = len(starts)
                    self.value[pair, k] = v
                    match = in_c[codes[in_c, j] == v]
                    starts.append(sum(sizes))
                    sizes.append(len(match))
                    rows.append(match)
                self.cell[pair, len(vals) :] = self.cell[pair, len(vals) - 1]
                self.value[pair, len(vals) :] = self.value[pair, len(vals) - 1]
        self.rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        self.starts, self.sizes = np.asarray(starts, dtype=np.int64), np.asarray(sizes, dtype=np.int64)

    def draw(
        self, n: int, generator: torch.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Classes (n,), columns (n,) (-1 if none), values (n,) and matching real row indices (n,)."""
        classes = torch.multinomial(self.class_p, n, replacement=True, generator=generator).numpy()
        u = torch.rand((n, 2), generator=generator, dtype=torch.float64).numpy()
        if self.q == 0:
            sizes = np.array([len(m) for m in self.members])[classes]
            pick = np.minimum((u[:, 0] * sizes).astype(np.int64), sizes - 1)
            rows = np.array([self.members[c][i] for c, i in zip(classes, pick, strict=True)], dtype=np.int64)
            return classes, np.full(n, -1), np.zeros(n, dtype=np.int64), rows
        cols = torch.randint(0, self.q, (n,), generator=generator).numpy()
        pair = classes * self.q + cols
        k = np.minimum((self.cum[pair] < u[:, :1]).sum(axis=1), self.cum.shape[1] - 1)
        cell = self.cell[pair, k]
        pick = np.minimum((u[:, 1] * self.sizes[cell]).astype(np.int64), self.sizes[cell] - 1)
        return classes, cols, self.value[pair, k], self.rows[self.starts[cell] + pick]


@register("synthesizer", "ctgan")
class CTGAN(EncodedTabularSynthesizer):
    """Class-conditional CTGAN (WGAN-GP, training-by-sampling, PacGAN).

    Args:
        embedding_dim: size of the generator's noise input.
        generator_hidden: widths of the generator's residual blocks.
        discriminator_hidden: widths of the discriminator's layers.
        steps: generator updates (fixed budget).
        batch_size: rows per step; a multiple of ``pac``.
        pac: rows the discriminator judges together.
        discriminator_steps: discriminator updates per generator update.
        lr: Adam learning rate of both networks.
        gp_weight: weight of the gradient penalty.
        gumbel_tau: Gumbel-softmax temperature of the generator's discrete outputs.
        max_modes: at most this many modes per numeric column.
        progress: show a rich progress bar while fitting.
    """

    def __init__(
        self, *, embedding_dim: int = 128, generator_hidden: Sequence[int] = (256, 256),
        discriminator_hidden: Sequence[int] = (256, 256), steps: int = 1000, batch_size: int = 500,
        pac: int = 10, discriminator_steps: int = 1, lr: float = 2e-4, gp_weight: float = 10.0,
        gumbel_tau: float = 0.2, max_modes: int = 10, progress: bool = True,
    ) -> None:  # fmt: skip
        self.embedding_dim = embedding_dim
        self.generator_hidden = generator_hidden
        self.discriminator_hidden = discriminator_hidden
        self.steps = steps
        self.batch_size = batch_size
        self.pac = pac
        self.discriminator_steps = discriminator_steps
        self.lr = lr
        self.gp_weight = gp_weight
        self.gumbel_tau = gumbel_tau
        self.max_modes = max_modes
        self.progress = progress
        for name in ("embedding_dim", "steps", "batch_size", "pac", "discriminator_steps", "max_modes"):
            check_int(name, getattr(self, name), 1)
        if batch_size % pac:
            raise ValueError(f"batch_size must be a multiple of pac ({pac}); got {batch_size}")
        check_range("lr", lr, 0.0, low_inclusive=False)
        check_range("gp_weight", gp_weight, 0.0)
        check_range("gumbel_tau", gumbel_tau, 0.0, low_inclusive=False)
        for name in ("generator_hidden", "discriminator_hidden"):
            hidden = getattr(self, name)
            if not hidden or any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in hidden):
                raise ValueError(f"{name} must be a non-empty sequence of positive ints; got {hidden!r}")

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        """A handful of steps on tiny networks (for fast tests)."""
        return {"steps": 4, "batch_size": 20, "pac": 5, "embedding_dim": 8, "generator_hidden": (16,),
                "discriminator_hidden": (16,), "progress": False}  # fmt: skip

    # ------------------------------------------------------------------------------ networks
    @property
    def _cond_dim(self) -> int:
        return len(self.class_names_) + sum(self.cardinalities_)

    def _nets(self) -> dict[str, tuple[str, Any]]:
        dim, cond = self.encoder_.dim_, self._cond_dim
        gen_hidden = list(self.generator_hidden)
        sizes = [(dim + cond) * self.pac, *self.discriminator_hidden, 1]
        return {
            "gen": ("gen_net_", lambda: ResidualMLP(self.embedding_dim + cond, gen_hidden, dim)),
            "disc": ("disc_net_", lambda: mlp(sizes, activation=lambda: nn.LeakyReLU(0.2))),
        }

    def _cond(self, classes: np.ndarray, cols: np.ndarray, values: np.ndarray) -> torch.Tensor:
        n, n_classes = len(classes), len(self.class_names_)
        cond = np.zeros((n, self._cond_dim), dtype=np.float32)
        cond[np.arange(n), classes] = 1.0
        has = cols >= 0
        if has.any():
            offsets = np.concatenate([[0], np.cumsum(self.cardinalities_)]).astype(np.int64)
            cond[np.flatnonzero(has), n_classes + offsets[cols[has]] + values[has]] = 1.0
        return torch.from_numpy(cond)

    def _critic(self, rows: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        x = torch.cat([rows, cond], dim=1)
        return self.disc_net_(x.reshape(-1, x.shape[1] * self.pac))

    def _penalty(
        self, real: torch.Tensor, fake: torch.Tensor, cond: torch.Tensor, g: torch.Generator
    ) -> torch.Tensor:
        n = real.shape[0]
        alpha = torch.rand((n // self.pac, 1, 1), generator=g).expand(-1, self.pac, 1).reshape(n, 1)
        mix = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        out = self._critic(mix, cond)
        (grad,) = torch.autograd.grad(out.sum(), mix, create_graph=True)
        norms = grad.reshape(-1, self.pac * grad.shape[1]).norm(2, dim=1)
        return ((norms - 1) ** 2).mean()

    def _cond_loss(self, raw: torch.Tensor, cols: np.ndarray, values: np.ndarray) -> torch.Tensor:
        has = np.flatnonzero(cols >= 0)
        if len(has) == 0:
            return raw.new_zeros(())
        spans = self.encoder_.category_spans
        loss = raw.new_zeros(())
        for j, span in enumerate(spans):
            rows = has[cols[has] == j]
            if len(rows):
                logits = raw[torch.from_numpy(rows), span.start : span.end]
                loss = loss + F.cross_entropy(logits, torch.from_numpy(values[rows]), reduction="sum")
        return loss / len(cols)

    # ----------------------------------------------------------------------------------- fit
    def _fit_table(
        self, num: np.ndarray, codes: np.ndarray, y: np.ndarray, generator: torch.Generator
    ) -> None:
        data = self._encode_table(num, codes, generator)
        n_classes = len(self.class_names_)
        sampler = _CondSampler(y, codes, self.cardinalities_, n_classes)
        self.freq_ = np.zeros((n_classes, sum(self.cardinalities_)))
        offsets = np.concatenate([[0], np.cumsum(self.cardinalities_)]).astype(np.int64)
        for j, k in enumerate(self.cardinalities_):
            for c in range(n_classes):
                self.freq_[c, offsets[j] : offsets[j + 1]] = np.bincount(codes[y == c, j], minlength=k)
        self._build_nets(generator)
        betas = (0.5, 0.9)
        opt_g = torch.optim.Adam(self.gen_net_.parameters(), lr=self.lr, betas=betas, weight_decay=1e-6)
        opt_d = torch.optim.Adam(self.disc_net_.parameters(), lr=self.lr, betas=betas, weight_decay=1e-6)
        b, tau = self.batch_size, self.gumbel_tau
        self.gen_net_.train()
        with progress_bar(self.steps, "CTGAN", self.progress) as advance:
            for _ in range(self.steps):
                for _ in range(self.discriminator_steps):
                    classes, cols, values, rows = sampler.draw(b, generator)
                    cond = self._cond(classes, cols, values)
                    z = torch.randn((b, self.embedding_dim), generator=generator)
                    with torch.no_grad():
                        raw = self.gen_net_(torch.cat([z, cond], dim=1))
                        fake = self.encoder_.activate(raw, gumbel_tau=tau, generator=generator)
                    real = data[rows]
                    loss_d = self._critic(fake, cond).mean() - self._critic(real, cond).mean()
                    loss_d = loss_d + self.gp_weight * self._penalty(real, fake, cond, generator)
                    opt_d.zero_grad()
                    loss_d.backward()
                    opt_d.step()
                classes, cols, values, _ = sampler.draw(b, generator)
                cond = self._cond(classes, cols, values)
                z = torch.randn((b, self.embedding_dim), generator=generator)
                raw = self.gen_net_(torch.cat([z, cond], dim=1))
                fake = self.encoder_.activate(raw, gumbel_tau=tau, generator=generator)
                loss_g = -self._critic(fake, cond).mean() + self._cond_loss(raw, cols, values)
                opt_g.zero_grad()
                loss_g.backward()
                opt_g.step()
                advance(loss=loss_g.item())
        self.gen_net_.eval()

    # -------------------------------------------------------------------------------- sample
    @torch.no_grad()
    def _sample_class(self, c: int, n: int, generator: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
        q = len(self.cardinalities_)
        cols = np.full(n, -1)
        values = np.zeros(n, dtype=np.int64)
        if q:
            cols = torch.randint(0, q, (n,), generator=generator).numpy()
            offsets = np.concatenate([[0], np.cumsum(self.cardinalities_)]).astype(np.int64)
            for j in range(q):
                rows = np.flatnonzero(cols == j)
                freq = torch.from_numpy(self.freq_[c, offsets[j] : offsets[j + 1]])
                if len(rows):
                    values[rows] = torch.multinomial(
                        freq, len(rows), replacement=True, generator=generator
                    ).numpy()
        cond = self._cond(np.full(n, c), cols, values)
        z = torch.randn((n, self.embedding_dim), generator=generator)
        out = self.encoder_.activate(self.gen_net_(torch.cat([z, cond], dim=1)))
        return self.encoder_.decode(out.numpy())

    # ----------------------------------------------------------------------------- save/load
    def _tensors(self) -> dict[str, torch.Tensor]:
        return {**super()._tensors(), **self._net_tensors(), "freq": torch.from_numpy(self.freq_)}

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        shape = (len(self.class_names_), sum(self.cardinalities_))
        return {**super()._expected_tensors(), "freq": TensorSpec(shape, torch.float64)}

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        super()._restore(state, tensors)
        self.freq_ = tensors["freq"].numpy()
