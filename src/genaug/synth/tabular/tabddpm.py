"""TabDDPM: class-conditional diffusion for mixed tables (Kotelnikov et al. 2023, re-implemented).

* numeric columns: empirical quantile transform to normal scores (so samples map back into
  the training range), then Gaussian diffusion with noise prediction;
* categorical columns: multinomial diffusion, the network predicting ``p(x_0)``;
* one MLP denoiser takes ``[x_num_t | one-hot x_cat_t]`` plus a sinusoidal time embedding and
  a class embedding, and outputs ``[eps_hat | x_0 logits]``.

Loss: MSE on the noise + mean multinomial KL over the categorical columns (see
:mod:`genaug.synth.tabular.diffusion`). A fixed number of optimizer ``steps``; batches drawn
class by class with probability proportional to ``log(1 + n_c)``. Sampling runs all
``timesteps`` ancestral steps for the requested class.

Example:
    >>> from genaug.data.tabular import load_yeast4
    >>> syn = TabDDPM(steps=300, progress=False).fit(load_yeast4(), generator=0)
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
from genaug.serialization import TensorSpec
from genaug.synth.nn import mlp, sinusoidal_embedding
from genaug.synth.tabular import diffusion as D
from genaug.synth.tabular.base import TabularSynthesizer, class_batch_sampler, draw_batch, progress_bar
from genaug.synth.tabular.transformer import fit_quantiles, from_normal, to_normal
from genaug.validation import check_int, check_range

__all__ = ["TabDDPM"]


class _Denoiser(nn.Module):
    """``(x_t, t, y) -> [eps_hat | logits]``. Shape: (B, d_in), (B,), (B,) -> (B, d_in)."""

    def __init__(self, d_in: int, hidden: Sequence[int], n_classes: int, emb: int) -> None:
        super().__init__()
        self.emb = emb
        self.proj = nn.Linear(d_in, emb)
        self.time = mlp([emb, emb, emb], activation=nn.SiLU)
        self.label = nn.Embedding(n_classes, emb)
        self.body = mlp([emb, *hidden, d_in], activation=nn.ReLU)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        e = self.time(sinusoidal_embedding(t, self.emb)) + F.silu(self.label(y))
        return self.body(self.proj(x) + e)


@register("synthesizer", "tabddpm")
class TabDDPM(TabularSynthesizer):
    """Gaussian + multinomial diffusion, conditional on the class.

    Args:
        timesteps: diffusion steps T (also the number of denoising calls per sample).
        hidden: hidden widths of the denoiser MLP.
        emb_dim: width of the input projection and the time/class embeddings.
        steps: optimizer steps (fixed budget).
        batch_size: rows per step.
        lr: AdamW learning rate.
        weight_decay: AdamW weight decay.
        n_quantiles: levels of each numeric column's quantile transform.
        progress: show a rich progress bar while fitting.
    """

    def __init__(
        self, *, timesteps: int = 100, hidden: Sequence[int] = (256, 256, 256), emb_dim: int = 128,
        steps: int = 2000, batch_size: int = 256, lr: float = 1e-3, weight_decay: float = 1e-4,
        n_quantiles: int = 1000, progress: bool = True,
    ) -> None:  # fmt: skip
        self.timesteps = timesteps
        self.hidden = hidden
        self.emb_dim = emb_dim
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.n_quantiles = n_quantiles
        self.progress = progress
        for name in ("timesteps", "emb_dim", "steps", "batch_size"):
            check_int(name, getattr(self, name), 1)
        check_int("n_quantiles", n_quantiles, 2)
        check_range("lr", lr, 0.0, low_inclusive=False)
        check_range("weight_decay", weight_decay, 0.0)
        if not hidden or any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in hidden):
            raise ValueError(f"hidden must be a non-empty sequence of positive ints; got {hidden!r}")

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        """A handful of steps on tiny networks (for fast tests)."""
        return {"steps": 8, "batch_size": 32, "timesteps": 10, "hidden": (16,), "emb_dim": 8,
                "progress": False}  # fmt: skip

    # --------------------------------------------------------------------------- layout
    def _layout(self) -> None:
        """Group categorical columns by cardinality: ``groups_`` = [(K, [column indices])]."""
        groups: dict[int, list[int]] = {}
        for j, k in enumerate(self.cardinalities_):
            groups.setdefault(k, []).append(j)
        self.groups_ = sorted(groups.items())
        self.p_ = len(self.schema_.numeric)
        self.d_in_ = self.p_ + sum(self.cardinalities_)
        self.schedule_ = D.cosine_schedule(self.timesteps)

    def _split(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Categorical part of a (B, d_in) row as one (B, n_g, K_g) tensor per group."""
        out, pos = [], self.p_
        for k, cols in self.groups_:
            out.append(x[:, pos : pos + k * len(cols)].reshape(-1, len(cols), k))
            pos += k * len(cols)
        return out

    def _join(self, num: torch.Tensor, cats: list[torch.Tensor]) -> torch.Tensor:
        return torch.cat([num, *[c.reshape(c.shape[0], -1) for c in cats]], dim=1)

    def _nets(self) -> dict[str, tuple[str, Any]]:
        d_in, hidden, k, emb = self.d_in_, list(self.hidden), len(self.class_names_), self.emb_dim
        return {"net": ("net_", lambda: _Denoiser(d_in, hidden, k, emb))}

    # ------------------------------------------------------------------------------ fit
    def _fit_table(
        self, num: np.ndarray, codes: np.ndarray, y: np.ndarray, generator: torch.Generator
    ) -> None:
        self._layout()
        self.quantiles_ = np.stack([fit_quantiles(num[:, j], self.n_quantiles) for j in range(self.p_)]) \
            if self.p_ else np.zeros((0, self.n_quantiles))  # fmt: skip
        x_num = torch.from_numpy(
            np.stack([to_normal(num[:, j], self.quantiles_[j]) for j in range(self.p_)], axis=1)
            if self.p_ else np.zeros((len(y), 0))
        ).float()  # fmt: skip
        x_cat = [F.one_hot(torch.from_numpy(codes[:, cols]), k).float() for k, cols in self.groups_]
        labels = torch.from_numpy(y)
        self._build_nets(generator)
        opt = torch.optim.AdamW(self.net_.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        probs, members = class_batch_sampler(y, len(self.class_names_))
        sched = self.schedule_
        self.net_.train()
        with progress_bar(self.steps, "TabDDPM", self.progress) as advance:
            for _ in range(self.steps):
                rows, _ = draw_batch(probs, members, self.batch_size, generator)
                b = len(rows)
                t = torch.randint(0, self.timesteps, (b,), generator=generator)
                noise = torch.randn((b, self.p_), generator=generator)
                x0_num = x_num[rows]
                xt_num = D.gaussian_q_sample(sched, x0_num, t, noise)
                x0_cat = [c[rows] for c in x_cat]
                xt_cat = [D.sample_categorical(D.multinomial_q(sched, c, t), generator) for c in x0_cat]
                out = self.net_(self._join(xt_num, xt_cat), t, labels[rows])
                loss = F.mse_loss(out[:, : self.p_], noise) if self.p_ else out.new_zeros(())
                if self.groups_:
                    kl = out.new_zeros(b)
                    for x0, xt, logits in zip(x0_cat, xt_cat, self._split(out), strict=True):
                        p0 = torch.softmax(logits, dim=-1)
                        target = D.multinomial_posterior(sched, xt, x0, t)
                        kl = kl + D.multinomial_kl(target, D.multinomial_posterior(sched, xt, p0, t)).sum(
                            dim=1
                        )
                    loss = loss + kl.mean() / len(self.cardinalities_)
                opt.zero_grad()
                loss.backward()
                opt.step()
                advance(loss=loss.item())
        self.net_.eval()

    # --------------------------------------------------------------------------- sample
    @torch.no_grad()
    def _sample_class(self, c: int, n: int, generator: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
        sched = self.schedule_
        x_num = torch.randn((n, self.p_), generator=generator)
        x_cat = [
            D.sample_categorical(torch.full((n, len(cols), k), 1.0 / k), generator)
            for k, cols in self.groups_
        ]
        labels = torch.full((n,), c, dtype=torch.long)
        for step in reversed(range(self.timesteps)):
            t = torch.full((n,), step, dtype=torch.long)
            out = self.net_(self._join(x_num, x_cat), t, labels)
            noise = torch.randn((n, self.p_), generator=generator)
            x_num = D.gaussian_step(sched, x_num, out[:, : self.p_], step, noise, clip=5.0)
            x_cat = [
                D.sample_categorical(
                    D.multinomial_posterior(sched, xt, torch.softmax(logits, dim=-1), t), generator
                )
                for xt, logits in zip(x_cat, self._split(out), strict=True)
            ]
        z = x_num.double().numpy()
        num = np.stack([from_normal(z[:, j], self.quantiles_[j]) for j in range(self.p_)], axis=1) \
            if self.p_ else np.zeros((n, 0))  # fmt: skip
        codes = np.zeros((n, len(self.cardinalities_)), dtype=np.int64)
        for (_, cols), onehot in zip(self.groups_, x_cat, strict=True):
            codes[:, cols] = onehot.argmax(dim=-1).numpy()
        return num, codes

    # ------------------------------------------------------------------------ save/load
    def _tensors(self) -> dict[str, torch.Tensor]:
        quantiles = torch.from_numpy(np.ascontiguousarray(self.quantiles_))
        return {**super()._tensors(), **self._net_tensors(), "quantiles": quantiles}

    def _restore_model_state(self, model: dict[str, Any]) -> None:
        self._layout()

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        shape = (self.p_, self.n_quantiles)
        return {**super()._expected_tensors(), "quantiles": TensorSpec(shape, torch.float64)}

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        super()._restore(state, tensors)
        self.quantiles_ = tensors["quantiles"].numpy()
