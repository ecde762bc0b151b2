"""Per-class Gaussian copula with empirical marginals.

For each class separately:

* numeric column: its empirical quantile function (``n_quantiles`` levels);
* categorical column: its category frequencies, each category owning an interval of [0, 1];
* dependence: the correlation matrix of the normal scores of all columns (ranks for numeric
  columns; a random point inside the category's interval for categorical ones), shrunk toward
  the identity by ``shrinkage`` (``"auto"``: ``d / (d + n)`` for d columns and n rows, which
  keeps a tiny minority class well conditioned).

Sampling draws ``z ~ N(0, Sigma_c)``, maps ``u = Phi(z)`` through the marginals: numeric values
stay in the class's observed range, categories are those seen in the class.

Example:
    >>> from genaug.data.tabular import load_german_credit
    >>> syn = GaussianCopula().fit(load_german_credit(), generator=0)
    >>> bad = syn.sample({1: 100}, generator=0)
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import torch
from scipy.special import ndtr, ndtri
from scipy.stats import rankdata

from genaug.registry import register
from genaug.rng import draw_seed
from genaug.serialization import TensorSpec
from genaug.synth.tabular.base import TabularSynthesizer
from genaug.synth.tabular.transformer import fit_quantiles, from_uniform
from genaug.validation import check_int, check_range

__all__ = ["GaussianCopula"]


@register("synthesizer", "gaussian_copula")
class GaussianCopula(TabularSynthesizer):
    """Class-conditional Gaussian copula (one copula per class).

    Args:
        n_quantiles: levels of each empirical quantile function (>= 2).
        shrinkage: weight of the identity in the correlation matrix, in [0, 1], or ``"auto"``.

    Shape:
        ``sample`` returns the training columns; numeric values within each class's training
        range, categorical values among the class's training categories.
    """

    def __init__(self, *, n_quantiles: int = 200, shrinkage: float | Literal["auto"] = "auto") -> None:
        self.n_quantiles = n_quantiles
        self.shrinkage = shrinkage
        check_int("n_quantiles", n_quantiles, 2)
        if shrinkage != "auto":
            check_range("shrinkage", shrinkage, 0.0, 1.0)

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        """Fewer quantile levels (for fast tests)."""
        return {"n_quantiles": 50}

    def _fit_table(
        self, num: np.ndarray, codes: np.ndarray, y: np.ndarray, generator: torch.Generator
    ) -> None:
        rng = np.random.default_rng(draw_seed(generator))
        n_classes = len(self.class_names_)
        p, q = num.shape[1], codes.shape[1]
        d = p + q
        offsets = np.concatenate([[0], np.cumsum(self.cardinalities_)]).astype(np.int64)
        quantiles = np.zeros((n_classes, p, self.n_quantiles))
        probs = np.zeros((n_classes, int(offsets[-1])))
        chol = np.zeros((n_classes, d, d))
        for c in range(n_classes):
            rows = y == c
            n = int(rows.sum())
            if n == 0:
                continue
            scores = np.zeros((n, d))
            for j in range(p):
                quantiles[c, j] = fit_quantiles(num[rows, j], self.n_quantiles)
                scores[:, j] = ndtri((rankdata(num[rows, j]) - 0.5) / n)
            for j in range(q):
                k = self.cardinalities_[j]
                freq = np.bincount(codes[rows, j], minlength=k) / n
                probs[c, offsets[j] : offsets[j + 1]] = freq
                lower = np.concatenate([[0.0], np.cumsum(freq)[:-1]])[codes[rows, j]]
                u = lower + rng.random(n) * freq[codes[rows, j]]
                scores[:, j + p] = ndtri(np.clip(u, 1e-6, 1 - 1e-6))
            chol[c] = np.linalg.cholesky(self._correlation(scores))
        self.quantiles_, self.probs_, self.chol_ = quantiles, probs, chol

    def _correlation(self, scores: np.ndarray) -> np.ndarray:
        n, d = scores.shape
        if d == 0:
            return np.zeros((0, 0))
        std = scores.std(axis=0)
        corr = np.eye(d)
        ok = std > 1e-12
        if n > 1 and ok.sum() > 1:
            sub = np.corrcoef(scores[:, ok], rowvar=False)
            corr[np.ix_(ok, ok)] = np.nan_to_num(sub)
        lam = d / (d + n) if self.shrinkage == "auto" else float(self.shrinkage)
        sigma = (1.0 - lam) * corr + lam * np.eye(d)
        w, v = np.linalg.eigh(sigma)
        sigma = (v * np.maximum(w, 1e-6)) @ v.T
        scale = np.sqrt(np.diag(sigma))
        return sigma / np.outer(scale, scale)

    def _sample_class(self, c: int, n: int, generator: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
        p, q = self.quantiles_.shape[1], len(self.cardinalities_)
        z = torch.randn((n, p + q), generator=generator, dtype=torch.float64).numpy() @ self.chol_[c].T
        u = ndtr(z)
        num = (
            np.stack([from_uniform(u[:, j], self.quantiles_[c, j]) for j in range(p)], axis=1)
            if p
            else np.zeros((n, 0))
        )
        codes = np.zeros((n, q), dtype=np.int64)
        start = 0
        for j, k in enumerate(self.cardinalities_):
            cum = np.cumsum(self.probs_[c, start : start + k])
            codes[:, j] = np.minimum(np.searchsorted(cum, u[:, p + j] * cum[-1], side="right"), k - 1)
            start += k
        return num, codes

    def _tensors(self) -> dict[str, torch.Tensor]:
        return {
            **super()._tensors(),
            "quantiles": torch.from_numpy(self.quantiles_),
            "probs": torch.from_numpy(self.probs_),
            "chol": torch.from_numpy(self.chol_),
        }

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        k, p = len(self.class_names_), len(self.schema_.numeric)
        d = p + len(self.cardinalities_)
        return {
            **super()._expected_tensors(),
            "quantiles": TensorSpec((k, p, self.n_quantiles), torch.float64),
            "probs": TensorSpec((k, sum(self.cardinalities_)), torch.float64),
            "chol": TensorSpec((k, d, d), torch.float64),
        }

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        super()._restore(state, tensors)
        self.quantiles_ = tensors["quantiles"].numpy()
        self.probs_ = tensors["probs"].numpy()
        self.chol_ = tensors["chol"].numpy()
