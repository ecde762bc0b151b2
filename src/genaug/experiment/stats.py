"""Paired statistics, in one place: means with t-intervals, paired differences over seeds, and
the paired gain (with its standard error) that ``auto`` selects on."""

from __future__ import annotations

import math
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


def mean_stderr(values: np.ndarray | list[float]) -> tuple[float, float]:
    """Mean and standard error of the mean (0 for a single value).

    Example:
        >>> mean_stderr([1.0, 3.0])
        (2.0, 1.0)
    """
    x = np.asarray(values, dtype=np.float64)
    mean = float(x.mean())
    stderr = float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else 0.0
    return mean, stderr


def paired_gain(scores: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """Mean gain over ``reference`` on the same samples and seeds, and its standard error.

    Both arrays are ``(evaluations, n)``: per-sample scores (0/1 correctness for accuracy),
    NaN where an evaluation did not score a sample (the same entries in both), or ``n == 1``
    with one value per evaluation for metrics that do not split into per-sample terms
    (macro-F1, PR-AUC). The standard error adds the part due to the finite scoring set
    (per-sample differences averaged over the evaluations that scored them) and the part due
    to the training seed / fold (per-evaluation differences), so a deterministic classifier is
    not judged as if its validation score were exact.

    Example:
        >>> paired_gain(np.array([[1.0, 1.0]]), np.array([[0.0, 1.0]]))
        (0.5, 0.5)
    """
    diff = np.asarray(scores, dtype=np.float64) - np.asarray(reference, dtype=np.float64)
    scored = ~np.isnan(diff)
    _, se_samples = mean_stderr(np.nanmean(diff[:, scored.any(axis=0)], axis=0))
    _, se_repeats = mean_stderr(np.nanmean(diff[scored.any(axis=1)], axis=1))
    return float(diff[scored].mean()), float(math.hypot(se_samples, se_repeats))
