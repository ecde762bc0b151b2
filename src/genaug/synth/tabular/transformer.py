"""Column encodings for the tabular synthesizers.

* Empirical quantile maps (:func:`fit_quantiles`, :func:`to_normal`, :func:`from_normal`):
  numeric column <-> standard normal scores through the column's empirical CDF. Inverse values
  always lie in the training range. Used by the Gaussian copula and TabDDPM.
* Mode-specific normalization (:class:`ModeNormalizer`, as in CTGAN/TVAE): a variational
  Bayesian Gaussian mixture per numeric column; a value becomes (its mode, one-hot) plus
  ``alpha = (x - mean_k) / (4 std_k)`` clipped to [-1, 1].
* :class:`TableEncoder`: the one encoding of table rows as a float matrix in the project:
  numeric columns (standardised, or mode-specific) + one-hot categoricals, with the span layout
  (:class:`Span`) that the networks need for their activations. The quality metrics
  (:mod:`genaug.quality.tabular`) measure distances in its ``"standard"`` space; CTGAN and
  TVAE learn in its ``"modes"`` space.

All state is small float arrays or lists, saved in the JSON config (no pickle).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Self

import numpy as np
import pandas as pd
import torch
from scipy.special import ndtr, ndtri
from sklearn.exceptions import NotFittedError

from genaug.data.labeled import LabeledData
from genaug.data.tabular import TableSchema, table_schema
from genaug.modalities.base import is_modality
from genaug.rng import Seed, draw_seed

__all__ = [
    "ModeNormalizer",
    "Span",
    "TableEncoder",
    "as_frame",
    "fit_quantiles",
    "from_normal",
    "from_uniform",
    "to_normal",
    "to_uniform",
]

TableLike = LabeledData | pd.DataFrame | np.ndarray

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
def as_frame(data: TableLike, name: str) -> pd.DataFrame:
    """The DataFrame of a tabular LabeledData, DataFrame or (N, F) array (columns ``x0..``).

    Raises:
        TypeError: not tabular; ValueError: an array that is not 2-D.
    """
    x = data.x if isinstance(data, LabeledData) else data
    if isinstance(data, LabeledData) and not is_modality(data, "tabular"):
        raise TypeError(f"{name} must be tabular; got modality {data.modality!r}")
    if isinstance(x, np.ndarray):
        if x.ndim != 2:
            raise ValueError(f"{name} must have shape (N, F); got {x.shape}")
        return pd.DataFrame(x, columns=[f"x{i}" for i in range(x.shape[1])])
    if not isinstance(x, pd.DataFrame):
        raise TypeError(
            f"{name} must be a tabular LabeledData, DataFrame or 2-D array; got {type(x).__name__}"
        )
    return x


@dataclass(frozen=True)
class Span:
    """A block of the encoded row; ``column`` indexes ``num``/``codes``.

    ``kind``: ``"value"`` (1 column, a standardised number), ``"alpha"`` (1 column, tanh),
    ``"mode"`` or ``"category"`` (softmax over ``end - start`` columns).
    """

    kind: Literal["value", "alpha", "mode", "category"]
    start: int
    end: int
    column: int


class TableEncoder:
    """Table rows as one float matrix: numeric columns, then one-hot categoricals.

    Args:
        numeric: how a numeric column is encoded: ``"standard"``, ``(x - mean) / std`` in one
            column (a constant column keeps std 1); ``"modes"``, mode-specific normalization
            (CTGAN/TVAE): ``alpha`` in [-1, 1] plus a one-hot mode (:class:`ModeNormalizer`).
        max_modes: (``"modes"``) at most this many modes per numeric column.
        weight_threshold: (``"modes"``) modes lighter than this are dropped.

    Two ways to fit, one layout (``spans_``, ``dim_``):

    * ``fit(table)`` / ``transform(table)``: from a table (tabular LabeledData, DataFrame or
      (N, F) array); categories are the schema's, compared as strings, and a category unseen
      in fit encodes as all zeros. ``transform`` returns float64 (the quality metrics).
    * ``fit_arrays(num, cardinalities, seed=...)`` / ``encode`` / ``activate`` / ``decode``:
      on the ``num`` (N, P) float and ``codes`` (N, Q) int arrays of the tabular synthesizers;
      ``encode`` returns float32.

    Shape:
        (N, F) table or (N, P) + (N, Q) arrays -> (N, D), D = sum of span widths.

    Example:
        >>> enc = TableEncoder().fit(real)  # doctest: +SKIP
        >>> enc.transform(real).shape  # doctest: +SKIP
        (len(real), P + sum of cardinalities)
    """

    def __init__(
        self, *, numeric: Literal["standard", "modes"] = "standard", max_modes: int = 10,
        weight_threshold: float = 0.005,
    ) -> None:  # fmt: skip
        self.numeric = numeric
        self.max_modes = max_modes
        self.weight_threshold = weight_threshold
        if numeric not in ("standard", "modes"):
            raise ValueError(f"numeric must be one of ['standard', 'modes']; got {numeric!r}")

    # ----------------------------------------------------------------------- fitting
    def fit(self, real: TableLike, *, generator: Seed = None) -> Self:
        """Learn the numeric encoding and the categories of table ``real``; returns self.

        Args:
            real: tabular LabeledData, DataFrame or (N, F) array.
            generator: seed of the mode fits (``"modes"`` only; unused by ``"standard"``).
        """
        frame = as_frame(real, "real")
        self.schema_: TableSchema = table_schema(frame)
        self.categories_ = [
            [str(v) for v in (spec.categories or sorted(frame[spec.name].astype(str).unique()))]
            for spec in self.schema_.discrete
        ]
        seed = draw_seed(generator) if self.numeric == "modes" else 0
        return self.fit_arrays(self._numeric(frame), [len(c) for c in self.categories_], seed=seed)

    def fit_arrays(self, num: np.ndarray, cardinalities: list[int], *, seed: int = 0) -> Self:
        """Fit on ``num`` (N, P) and categorical columns of the given cardinalities; returns self."""
        num = np.asarray(num, dtype=np.float64)
        if self.numeric == "modes":
            self.normalizers_ = [
                ModeNormalizer.fit(num[:, j], max_modes=self.max_modes,
                                   weight_threshold=self.weight_threshold, seed=seed + j)
                for j in range(num.shape[1])
            ]  # fmt: skip
        else:
            self.mean_ = num.mean(axis=0) if len(num) else np.zeros(num.shape[1])
            std = num.std(axis=0) if len(num) else np.ones(num.shape[1])
            self.std_ = np.where(std > 1e-12, std, 1.0)
        self.cardinalities_ = [int(k) for k in cardinalities]
        self._layout()
        return self

    def _n_numeric(self) -> int:
        return len(self.normalizers_) if self.numeric == "modes" else len(self.mean_)

    def _layout(self) -> None:
        spans, pos = [], 0
        for j in range(self._n_numeric()):
            if self.numeric == "modes":
                k = self.normalizers_[j].n_modes
                spans += [Span("alpha", pos, pos + 1, j), Span("mode", pos + 1, pos + 1 + k, j)]
                pos += 1 + k
            else:
                spans.append(Span("value", pos, pos + 1, j))
                pos += 1
        for j, card in enumerate(self.cardinalities_):
            spans.append(Span("category", pos, pos + card, j))
            pos += card
        self.spans_ = spans
        self.dim_ = pos
        self.alpha_index_ = torch.tensor([s.start for s in spans if s.kind == "alpha"], dtype=torch.long)
        groups: dict[int, list[list[int]]] = {}
        for s in spans:
            if s.kind in ("mode", "category"):
                groups.setdefault(s.end - s.start, []).append(list(range(s.start, s.end)))
        self.softmax_groups_ = [torch.tensor(g, dtype=torch.long) for _, g in sorted(groups.items())]

    def _check_fitted(self) -> None:
        if not hasattr(self, "spans_"):
            raise NotFittedError(
                "this TableEncoder instance is not fitted yet; call fit(real) (or fit_arrays) first"
            )

    @property
    def category_spans(self) -> list[Span]:
        """Spans of the categorical columns, in ``codes`` order."""
        return [s for s in self.spans_ if s.kind == "category"]

    # -------------------------------------------------------------------- tables
    def _numeric(self, frame: pd.DataFrame) -> np.ndarray:
        cols = [frame[s.name].to_numpy(dtype=np.float64) for s in self.schema_.numeric]
        return np.stack(cols, axis=1) if cols else np.zeros((len(frame), 0))

    def transform(self, data: TableLike) -> np.ndarray:
        """Encode table ``data`` (the fitted table's columns) as float64 (N, D)."""
        self._check_fitted()
        if not hasattr(self, "schema_"):
            raise NotFittedError("this TableEncoder was fit on arrays; use encode(num, codes)")
        frame = as_frame(data, "data")
        codes = np.empty((len(frame), len(self.categories_)), dtype=np.int64)
        for j, (spec, cats) in enumerate(zip(self.schema_.discrete, self.categories_, strict=True)):
            lookup = {c: i for i, c in enumerate(cats)}
            values = frame[spec.name].astype(str).to_numpy()
            codes[:, j] = np.fromiter((lookup.get(v, -1) for v in values), dtype=np.int64, count=len(values))
        return self._encode(self._numeric(frame), codes, None, np.float64)

    def fit_transform(self, real: TableLike) -> np.ndarray:
        """``fit(real).transform(real)``."""
        return self.fit(real).transform(real)

    # -------------------------------------------------------------------- arrays
    def encode(
        self, num: np.ndarray, codes: np.ndarray, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        """(N, D) float32 encoding of ``num``/``codes`` (modes sampled from the posterior with
        ``rng``, or its argmax when None; a code of -1 encodes as all zeros)."""
        self._check_fitted()
        return self._encode(num, codes, rng, np.float32)

    def _encode(
        self, num: np.ndarray, codes: np.ndarray, rng: np.random.Generator | None, dtype: Any
    ) -> np.ndarray:
        out = np.zeros((len(num), self.dim_), dtype=dtype)
        rows = np.arange(len(num))
        for s in self.spans_:
            if s.kind == "value":
                out[:, s.start] = (num[:, s.column] - self.mean_[s.column]) / self.std_[s.column]
            elif s.kind == "alpha":
                alpha, mode = self.normalizers_[s.column].transform(num[:, s.column], rng)
                out[:, s.start] = alpha
                out[rows, s.end + mode] = 1.0
            elif s.kind == "category":
                code = codes[:, s.column]
                ok = code >= 0
                out[rows[ok], s.start + code[ok]] = 1.0
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
        values = [s.start for s in self.spans_ if s.kind == "value"]
        if values:
            out[:, values] = raw[:, values]
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
        num = np.zeros((n, self._n_numeric()))
        codes = np.zeros((n, len(self.cardinalities_)), dtype=np.int64)
        for s in self.spans_:
            if s.kind == "value":
                num[:, s.column] = encoded[:, s.start] * self.std_[s.column] + self.mean_[s.column]
            elif s.kind == "mode":
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

    # ------------------------------------------------------------------------ state
    def to_dict(self) -> dict[str, Any]:
        """JSON-able state of the array encoding (the schema of ``fit(table)`` is not included)."""
        self._check_fitted()
        d: dict[str, Any] = {
            "numeric": self.numeric,
            "max_modes": self.max_modes,
            "weight_threshold": self.weight_threshold,
            "cardinalities": self.cardinalities_,
        }
        if self.numeric == "modes":
            d["normalizers"] = [m.to_dict() for m in self.normalizers_]
        else:
            d["mean"], d["std"] = self.mean_.tolist(), self.std_.tolist()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TableEncoder:
        """Inverse of :meth:`to_dict` (a dict without ``numeric`` is a ``"modes"`` encoder).

        Raises:
            KeyError, ValueError, TypeError: a malformed dict.
        """
        enc = cls(numeric=d.get("numeric", "modes"), max_modes=d["max_modes"],
                  weight_threshold=d["weight_threshold"])  # fmt: skip
        if enc.numeric == "modes":
            enc.normalizers_ = [ModeNormalizer.from_dict(m) for m in d["normalizers"]]
        else:
            enc.mean_ = np.asarray(d["mean"], dtype=np.float64)
            enc.std_ = np.asarray(d["std"], dtype=np.float64)
        enc.cardinalities_ = [int(k) for k in d["cardinalities"]]
        if any(k < 1 for k in enc.cardinalities_):
            raise ValueError(f"cardinalities must be positive; got {enc.cardinalities_}")
        enc._layout()
        return enc
