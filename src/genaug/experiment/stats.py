"""Summary statistics over seeds: means with t-intervals and paired differences."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats as _st


@dataclass(frozen=True)
class MeanCI:
    """Mean of ``n`` values with sample std and a two-sided t confidence interval."""

    mean: float
    std: float
    n: int
    low: float
    high: float
    confidence: float = 0.95

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def mean_ci(values: np.ndarray | list[float], confidence: float = 0.95) -> MeanCI:
    """Mean, sample std (ddof=1) and the Student-t interval; ``n == 1`` gives a zero-width interval.

    Example:
        >>> r = mean_ci([1.0, 2.0, 3.0])
        >>> round(r.mean, 3), round(r.high - r.mean, 3)
        (2.0, 2.484)
    """
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        raise ValueError("values must not be empty")
    mean = float(x.mean())
    if x.size == 1:
        return MeanCI(mean, 0.0, 1, mean, mean, confidence)
    std = float(x.std(ddof=1))
    half = float(_st.t.ppf(0.5 + confidence / 2, df=x.size - 1) * std / np.sqrt(x.size))
    return MeanCI(mean, std, int(x.size), mean - half, mean + half, confidence)


@dataclass(frozen=True)
class PairedDiff:
    """``a - b`` paired by seed: mean difference with a t interval and win/tie/loss counts."""

    diff: MeanCI
    wins: int
    ties: int
    losses: int

    def to_dict(self) -> dict[str, object]:
        return {"diff": self.diff.to_dict(), "wins": self.wins, "ties": self.ties, "losses": self.losses}


def paired_diff(a: np.ndarray | list[float], b: np.ndarray | list[float], *,
                confidence: float = 0.95, tie_tol: float = 1e-9) -> PairedDiff:
    """Paired comparison of two equal-length result vectors (same seeds, same order)."""
    a_ = np.asarray(a, dtype=float)
    b_ = np.asarray(b, dtype=float)
    if a_.shape != b_.shape or a_.ndim != 1:
        raise ValueError(f"a and b must be 1-D with equal length; got {a_.shape} and {b_.shape}")
    d = a_ - b_
    return PairedDiff(
        mean_ci(d, confidence),
        int((d > tie_tol).sum()),
        int((np.abs(d) <= tie_tol).sum()),
        int((d < -tie_tol).sum()),
    )
