"""Metrics for imbalanced binary classification (fraud-like data), as pure NumPy functions.

``scores`` are the predicted probabilities of the positive (minority) class, shape (N,);
``y_true`` is a boolean/0-1 array, shape (N,), True for the positive class.

================== ===============================================================
name               meaning
================== ===============================================================
pr_auc             average precision of the positive class (area under the PR curve)
recall_at_p{XX}    highest recall reachable at precision >= XX% (0 if never reached)
balanced_accuracy  mean of the two class recalls at the decision threshold
f1_minority        F1 of the positive class at the decision threshold
roc_auc            area under the ROC curve
================== ===============================================================

Example:
    >>> import numpy as np
    >>> imbalanced_metrics(np.array([0.9, 0.2, 0.1, 0.8]), np.array([1, 0, 0, 0]))["pr_auc"]
    1.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from genaug.validation import check_range

__all__ = [
    "average_precision",
    "balanced_accuracy",
    "f1_positive",
    "imbalanced_metrics",
    "minority_class",
    "recall_at_precision",
    "roc_auc",
]


def _check(scores: Any, y_true: Any) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y_true)
    if s.ndim != 1 or y.shape != s.shape:
        raise ValueError(f"scores and y_true must be 1-D of equal length; got shapes {s.shape} and {y.shape}")
    if s.size == 0:
        raise ValueError("scores is empty; metrics need at least one sample")
    if not np.isfinite(s).all():
        raise ValueError("scores contains NaN or infinite values")
    if y.dtype != bool:
        if not np.isin(y, (0, 1)).all():
            raise ValueError(f"y_true must be boolean or 0/1; got values {np.unique(y)[:5].tolist()}")
        y = y.astype(bool)
    return s, y


def _pr_curve(s: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall at every distinct threshold (descending scores)."""
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    tp = np.cumsum(y)
    fp = np.cumsum(~y)
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # last index of each tied block
    tp, fp = tp[last], fp[last]
    return tp / (tp + fp), tp / max(int(y.sum()), 1)


def average_precision(scores: Any, y_true: Any) -> float:
    """Average precision (PR-AUC) of the positive class; NaN without positives.

    ``sum_k (R_k - R_{k-1}) P_k`` over thresholds (scikit-learn's definition, no interpolation).
    """
    s, y = _check(scores, y_true)
    if not y.any():
        return float("nan")
    precision, recall = _pr_curve(s, y)
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def recall_at_precision(scores: Any, y_true: Any, min_precision: float = 0.5) -> float:
    """Highest recall over thresholds whose precision is at least ``min_precision`` (0 if none)."""
    min_precision = check_range("min_precision", min_precision, 0.0, 1.0, low_inclusive=False)
    s, y = _check(scores, y_true)
    if not y.any():
        return float("nan")
    precision, recall = _pr_curve(s, y)
    ok = precision >= min_precision - 1e-12
    return float(recall[ok].max()) if ok.any() else 0.0


def roc_auc(scores: Any, y_true: Any) -> float:
    """Area under the ROC curve (ties count half); NaN unless both classes are present."""
    s, y = _check(scores, y_true)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    from scipy.stats import rankdata

    ranks = rankdata(s)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def balanced_accuracy(pred: Any, y_true: Any) -> float:
    """Mean recall of the two classes for boolean predictions ``pred``."""
    p, y = _check(np.asarray(pred, dtype=np.float64), y_true)
    p = p > 0.5
    recalls = []
    for cls in (True, False):
        members = y == cls
        if members.any():
            recalls.append(float(np.mean(p[members] == cls)))
    return float(np.mean(recalls))


def f1_positive(pred: Any, y_true: Any) -> float:
    """F1 of the positive class for boolean predictions ``pred`` (0 when nothing is predicted/true)."""
    p, y = _check(np.asarray(pred, dtype=np.float64), y_true)
    p = p > 0.5
    tp = int((p & y).sum())
    denom = int(p.sum()) + int(y.sum())
    return 2.0 * tp / denom if denom else 0.0


def minority_class(counts: Any) -> int:
    """Index of the smallest class (the last one among ties, so class 1 for a balanced pair)."""
    c = np.asarray(counts)
    return int(len(c) - 1 - np.argmin(c[::-1]))


def imbalanced_metrics(
    scores: Any, y_true: Any, *, threshold: float = 0.5, min_precision: float = 0.5
) -> dict[str, float]:
    """Every metric of the module table for positive-class probabilities ``scores``.

    Args:
        scores: (N,) probability of the positive class.
        y_true: (N,) True/1 for the positive class.
        threshold: decision threshold for ``balanced_accuracy`` and ``f1_minority``.
        min_precision: precision floor of ``recall_at_p{100 * min_precision:g}``.

    Returns:
        ``{"pr_auc", "recall_at_pXX", "balanced_accuracy", "f1_minority", "roc_auc"}``.
    """
    threshold = check_range("threshold", threshold, 0.0, 1.0)
    s, y = _check(scores, y_true)
    pred = (s >= threshold).astype(np.float64)
    return {
        "pr_auc": average_precision(s, y),
        f"recall_at_p{100 * min_precision:g}": recall_at_precision(s, y, min_precision),
        "balanced_accuracy": balanced_accuracy(pred, y),
        "f1_minority": f1_positive(pred, y),
        "roc_auc": roc_auc(s, y),
    }
