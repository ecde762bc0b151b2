"""Column encodings for the tabular synthesizers.

* Empirical quantile maps (:func:`fit_quantiles`, :func:`to_normal`, :func:`from_normal`):
  numeric column <-> standard normal scores through the column's empirical CDF. Inverse values
  always lie in the training range. Used by the Gaussian copula and TabDDPM.
* Mode-specific normalization (:class:`ModeNormalizer`, as in CTGAN/TVAE): a variational
  Bayesian Gaussian mixture per numeric column; a value becomes (its mode, one-hot) plus
  ``alpha = (x - mean_k) / (4 std_k)`` clipped to [-1, 1].
* :class:`TableEncoder`: numeric columns (mode-specific) + one-hot categoricals as one float
  matrix, with the span layout (:class:`Span`) that the networks need for their activations.

All state is small float arrays or lists, saved in the JSON config (no pickle).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
from scipy.special import ndtr, ndtri

__all__ = ["ModeNormalizer", "Span", "TableEncoder", "fit_quantiles", "from_normal", "to_normal"]

_EPS = 1e-6


# ------------------------------------------------------------------------------ quantile maps
def fit_quantiles(values: np.ndarray, n_quantiles: int) -> np.ndarray:
    """Empirical quantiles of ``values`` at ``n_quantiles`` evenly spaced levels in [0, 1].

    Args:
        values: (N,) numbers, N >= 1.
        n_quantiles: number of levels (>= 2).

    Returns:
        (n_quantiles,) non-decreasing array from ``min(values)`` to ``max(values)``.
    """
    return np.quantile(np.asarray(values, dtype=np.float64), np.linspace(0.0, 1.0, n_quantiles))


def _levels(quantiles: np.ndarray) -> np.ndarray:
    return np.linspace(0.0, 1.0, quantiles.shape[-1])


def to_uniform(values: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Empirical CDF levels of ``values`` in [0, 1] (ties map to the middle of their range)."""
    refs = _levels(quantiles)
    up = np.interp(values, quantiles, refs)
    down = -np.interp(-values, -quantiles[::-1], -refs[::-1])
    return 0.5 * (up + down)


def to_normal(values: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Normal scores ``Phi^-1(F(values))`` (levels clipped to [1e-6, 1 - 1e-6])."""
    return ndtri(np.clip(to_uniform(values, quantiles), _EPS, 1.0 - _EPS))


def from_uniform(u: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Quantile function: levels ``u`` in [0, 1] -> values within [quantiles[0], quantiles[-1]]."""
    return np.interp(np.clip(u, 0.0, 1.0), _levels(quantiles), quantiles)


def from_normal(z: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_normal`: ``F^-1(Phi(z))``."""
    return from_uniform(ndtr(z), quantiles)


# ------------------------------------------------------------------ mode-specific normalization
@dataclass
class ModeNormalizer:
    """Mode-specific normalization of one numeric column.

    Attributes:
        means: (K,) mode means.
        stds: (K,) mode standard deviations (>= a small floor).
        weights: (K,) mode weights (sum 1), used for the mode posterior.
    """

    means: np.ndarray
    stds: np.ndarray
    weights: np.ndarray

    @classmethod
    def fit(
        cls, values: np.ndarray, *, max_modes: int, weight_threshold: float, seed: int, max_rows: int = 5000
    ) -> ModeNormalizer:
        """Fit a Dirichlet-process Bayesian GMM (scikit-learn) and keep modes above the threshold.

        Columns with at most ``max_modes`` distinct values get one narrow mode per value.
        """
        values = np.asarray(values, dtype=np.float64)
        uniq = np.unique(values)
        span = float(uniq[-1] - uniq[0]) if len(uniq) > 1 else 1.0
        floor = max(span * 1e-3, 1e-6)
        if len(uniq) <= max_modes:
            counts = np.array([(values == u).sum() for u in uniq], dtype=np.float64)
            return cls(uniq.copy(), np.full(len(uniq), floor), counts / counts.sum())
        rng = np.random.default_rng(seed)
        fit_on = values if len(values) <= max_rows else rng.choice(values, size=max_rows, replace=False)
        from sklearn.mixture import BayesianGaussianMixture

        gmm = BayesianGaussianMixture(
            n_components=max_modes,
            weight_concentration_prior_type="dirichlet_process",
            weight_concentration_prior=0.001,
            max_iter=100,
            n_init=1,
            random_state=seed % (2**32 - 1),
        )
        import warnings

        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gmm.fit(fit_on.reshape(-1, 1))
        keep = gmm.weights_ > weight_threshold
        if not keep.any():
            keep = gmm.weights_ == gmm.weights_.max()
        means = gmm.means_[keep, 0]
        stds = np.maximum(np.sqrt(gmm.covariances_[keep].reshape(-1)), floor)
        w = gmm.weights_[keep]
        return cls(means, stds, w / w.sum())

    @property
    def n_modes(self) -> int:
        """Number of modes K."""
        return len(self.means)

    def posterior(self, values: np.ndarray) -> np.ndarray:
        """(N, K) mode responsibilities of ``values``."""
        z = (values[:, None] - self.means[None]) / self.stds[None]
        logp = np.log(self.weights[None] + 1e-12) - np.log(self.stds[None]) - 0.5 * z**2
        logp -= logp.max(axis=1, keepdims=True)
        p = np.exp(logp)
        return p / p.sum(axis=1, keepdims=True)

    def transform(self, values: np.ndarray, rng: np.random.Generator | None) -> tuple[np.ndarray, np.ndarray]:
        """``alpha`` (N,) in [-1, 1] and the mode index (N,): sampled from the posterior
        with ``rng``, or its argmax when ``rng`` is None."""
        p = self.posterior(values)
        if rng is None:
            mode = p.argmax(axis=1)
        else:
            u = rng.random(len(values))[:, None]
            mode = np.minimum((np.cumsum(p, axis=1) < u).sum(axis=1), self.n_modes - 1)
        alpha = (values - self.means[mode]) / (4.0 * self.stds[mode])
        return np.clip(alpha, -1.0, 1.0), mode

    def inverse(self, alpha: np.ndarray, mode: np.ndarray) -> np.ndarray:
        """Values from ``alpha`` (N,) and mode indices (N,)."""
        return np.clip(alpha, -1.0, 1.0) * 4.0 * self.stds[mode] + self.means[mode]

    def to_dict(self) -> dict[str, list[float]]:
        """JSON-able state."""
        return {"means": self.means.tolist(), "stds": self.stds.tolist(), "weights": self.weights.tolist()}

    @classmethod
    def from_dict(cls, d: dict[str, list[float]]) -> ModeNormalizer:
        """Inverse of :meth:`to_dict`."""
        return cls(np.asarray(d["means"]), np.asarray(d["stds"]), np.asarray(d["weights"]))


# ----------------------------------------------------------------------------- table encoder
@dataclass(frozen=True)
class Span:
    """A block of the encoded row: ``kind`` is ``"alpha"`` (1 column, tanh), ``"mode"`` or
    ``"category"`` (softmax over ``end - start`` columns); ``column`` indexes ``num``/``codes``."""

    kind: Literal["alpha", "mode", "category"]
    start: int
    end: int
    column: int


class TableEncoder:
    """Numeric columns -> [alpha, one-hot mode]; categorical columns -> one-hot.

    Args:
        max_modes: at most this many modes per numeric column.
        weight_threshold: modes lighter than this are dropped.

    Shape:
        ``encode``: ``num`` (N, P), ``codes`` (N, Q) -> (N, D) float32, D = sum of span widths.
    """

    def __init__(self, *, max_modes: int = 10, weight_threshold: float = 0.005) -> None:
        self.max_modes = max_modes
        self.weight_threshold = weight_threshold

    def fit(self, num: np.ndarray, cardinalities: list[int], seed: int) -> TableEncoder:
        """Fit one :class:`ModeNormalizer` per numeric column; record the layout."""
        self.normalizers_ = [
            ModeNormalizer.fit(
                num[:, j], max_modes=self.max_modes, weight_threshold=self.weight_threshold, seed=seed + j
            )
            for j in range(num.shape[1])
        ]
        self.cardinalities_ = list(cardinalities)
        self._layout()
        return self

    def _layout(self) -> None:
        spans, pos = [], 0
        for j, norm in enumerate(self.normalizers_):
            spans.append(Span("alpha", pos, pos + 1, j))
            spans.append(Span("mode", pos + 1, pos + 1 + norm.n_modes, j))
            pos += 1 + norm.n_modes
        for j, card in enumerate(self.cardinalities_):
            spans.append(Span("category", pos, pos + card, j))
            pos += card
        self.spans_ = spans
        self.dim_ = pos
        self.alpha_index_ = torch.tensor([s.start for s in spans if s.kind == "alpha"], dtype=torch.long)
        groups: dict[int, list[list[int]]] = {}
        for s in spans:
            if s.kind != "alpha":
                groups.setdefault(s.end - s.start, []).append(list(range(s.start, s.end)))
        self.softmax_groups_ = [torch.tensor(g, dtype=torch.long) for _, g in sorted(groups.items())]

    @property
    def category_spans(self) -> list[Span]:
        """Spans of the categorical columns, in ``codes`` order."""
        return [s for s in self.spans_ if s.kind == "category"]

    def encode(
        self, num: np.ndarray, codes: np.ndarray, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        """(N, D) float32 encoding (modes sampled from the posterior with ``rng``)."""
        out = np.zeros((len(num), self.dim_), dtype=np.float32)
        rows = np.arange(len(num))
        for s in self.spans_:
            if s.kind == "alpha":
                alpha, mode = self.normalizers_[s.column].transform(num[:, s.column], rng)
                out[:, s.start] = alpha
                out[rows, s.end + mode] = 1.0
            elif s.kind == "category":
                out[rows, s.start + codes[:, s.column]] = 1.0
        return out

    def activate(
        self, raw: torch.Tensor, *, gumbel_tau: float | None = None, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Network output -> encoded space: tanh on alphas; softmax (or Gumbel-softmax with
        temperature ``gumbel_tau``, noise from ``generator``) on the other spans.

        Shape:
            (B, D) -> (B, D).
        """
        out = torch.empty_like(raw)
        out[:, self.alpha_index_] = torch.tanh(raw[:, self.alpha_index_])
        for idx in self.softmax_groups_:
            block = raw[:, idx]
            if gumbel_tau is not None:
                u = torch.rand(block.shape, generator=generator).clamp_(1e-10, 1.0 - 1e-10)
                block = (block - torch.log(-torch.log(u))) / gumbel_tau
            out[:, idx] = torch.softmax(block, dim=-1)
        return out

    def cross_entropy(self, raw: torch.Tensor, encoded: torch.Tensor) -> torch.Tensor:
        """Summed cross-entropy of every softmax span of ``raw`` logits against the one-hot
        blocks of ``encoded``, per row.

        Shape:
            (B, D), (B, D) -> (B,).
        """
        total = raw.new_zeros(raw.shape[0])
        for idx in self.softmax_groups_:
            total = total - (torch.log_softmax(raw[:, idx], dim=-1) * encoded[:, idx]).sum(dim=(1, 2))
        return total

    def decode(
        self, encoded: np.ndarray, *, rng: np.random.Generator | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(N, D) encoded rows (alphas in [-1, 1], softmax spans as scores) -> ``num``, ``codes``.

        Modes take the argmax; categories are drawn from the span's probabilities with ``rng``
        (argmax when ``rng`` is None).
        """
        n = len(encoded)
        num = np.zeros((n, len(self.normalizers_)))
        codes = np.zeros((n, len(self.cardinalities_)), dtype=np.int64)
        for s in self.spans_:
            if s.kind == "mode":
                mode = encoded[:, s.start : s.end].argmax(axis=1)
                num[:, s.column] = self.normalizers_[s.column].inverse(encoded[:, s.start - 1], mode)
            elif s.kind == "category":
                p = np.clip(encoded[:, s.start : s.end].astype(np.float64), 0.0, None)
                if rng is None:
                    codes[:, s.column] = p.argmax(axis=1)
                else:
                    p = p / np.maximum(p.sum(axis=1, keepdims=True), 1e-12)
                    u = rng.random(n)[:, None]
                    codes[:, s.column] = np.minimum(
                        (np.cumsum(p, axis=1) < u).sum(axis=1), s.end - s.start - 1
                    )
        return num, codes

    def to_dict(self) -> dict[str, Any]:
        """JSON-able state."""
        return {
            "max_modes": self.max_modes,
            "weight_threshold": self.weight_threshold,
            "normalizers": [m.to_dict() for m in self.normalizers_],
            "cardinalities": self.cardinalities_,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TableEncoder:
        """Inverse of :meth:`to_dict`."""
        enc = cls(max_modes=d["max_modes"], weight_threshold=d["weight_threshold"])
        enc.normalizers_ = [ModeNormalizer.from_dict(m) for m in d["normalizers"]]
        enc.cardinalities_ = list(d["cardinalities"])
        enc._layout()
        return enc
