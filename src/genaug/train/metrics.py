"""Classification metrics as pure NumPy functions (accuracy, macro-F1, NLL, ECE, Brier).

Conventions: ``probs`` is an (N, K) array of class probabilities (rows sum to 1), ``y`` an (N,)
array of int labels in ``[0, K)``. Functions that only need hard predictions (``accuracy``,
``macro_f1``, ``class_accuracies``) accept either (N,) int predictions or (N, K) scores, of which
the argmax is taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "ReliabilityBins",
    "accuracy",
    "brier",
    "class_accuracies",
    "classification_metrics",
    "ece",
    "macro_f1",
    "nll",
    "reliability_bins",
]

_ROW_SUM_TOL = 1e-3


def _check_labels(y: Any, n: int | None = None) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"y must be a 1-D array of int labels; got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"y must hold integer labels; got dtype {arr.dtype}")
    if arr.size == 0:
        raise ValueError("y is empty; metrics need at least one sample")
    if n is not None and len(arr) != n:
        raise ValueError(f"predictions and y must have the same length; got {n} and {len(arr)}")
    if arr.min() < 0:
        raise ValueError(f"y must hold non-negative labels; got {int(arr.min())}")
    return arr.astype(np.int64, copy=False)


def _check_probs(probs: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(f"probs must have shape (N, K); got shape {p.shape}")
    labels = _check_labels(y, p.shape[0])
    if not np.isfinite(p).all():
        raise ValueError("probs contains NaN or infinite values")
    if p.min() < 0:
        raise ValueError(f"probs must be non-negative; got min {p.min():.3g}")
    sums = p.sum(axis=1)
    if np.abs(sums - 1.0).max() > _ROW_SUM_TOL:
        raise ValueError(
            f"each row of probs must sum to 1 (tolerance {_ROW_SUM_TOL}); got row sums in "
            f"[{sums.min():.4g}, {sums.max():.4g}]"
        )
    if labels.max() >= p.shape[1]:
        raise ValueError(f"label {int(labels.max())} is out of range for probs with K={p.shape[1]} columns")
    return p, labels


def _as_predictions(predictions: Any) -> np.ndarray:
    arr = np.asarray(predictions)
    if arr.ndim == 2:
        return arr.argmax(axis=1)
    if arr.ndim != 1:
        raise ValueError(f"predictions must have shape (N,) or (N, K); got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"1-D predictions must hold integer labels; got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def accuracy(predictions: Any, y: Any) -> float:
    """Fraction of samples whose predicted label equals the true label.

    Args:
        predictions: (N,) int predicted labels, or (N, K) scores/probabilities (argmax is taken).
        y: (N,) int true labels.

    Returns:
        Accuracy in [0, 1].

    Example:
        >>> accuracy([0, 1, 1, 0], [0, 1, 0, 0])
        0.75
    """
    pred = _as_predictions(predictions)
    labels = _check_labels(y, len(pred))
    return float(np.mean(pred == labels))


def macro_f1(predictions: Any, y: Any) -> float:
    """Unweighted mean of per-class F1 over the classes present in ``y`` or in the predictions.

    Per class c: ``F1 = 2 TP / (2 TP + FP + FN)`` (0 when the class is predicted but never true,
    or true but never predicted). Classes that appear in neither are not averaged.

    Args:
        predictions: (N,) int predicted labels, or (N, K) scores (argmax is taken).
        y: (N,) int true labels.

    Returns:
        Macro-averaged F1 in [0, 1].

    Example:
        >>> round(macro_f1([0, 0, 1, 1], [0, 1, 1, 1]), 4)  # F1: class 0 = 2/3, class 1 = 0.8
        0.7333
    """
    pred = _as_predictions(predictions)
    labels = _check_labels(y, len(pred))
    classes = np.union1d(labels, pred)
    scores = []
    for c in classes:
        tp = np.sum((pred == c) & (labels == c))
        fp = np.sum((pred == c) & (labels != c))
        fn = np.sum((pred != c) & (labels == c))
        scores.append(2.0 * tp / (2.0 * tp + fp + fn))
    return float(np.mean(scores))


def class_accuracies(predictions: Any, y: Any, num_classes: int) -> np.ndarray:
    """Accuracy (recall) of each class; NaN for classes without samples in ``y``.

    Args:
        predictions: (N,) int predicted labels, or (N, K) scores (argmax is taken).
        y: (N,) int true labels.
        num_classes: K, the length of the result.

    Returns:
        Array of shape (num_classes,).
    """
    pred = _as_predictions(predictions)
    labels = _check_labels(y, len(pred))
    out = np.full(num_classes, np.nan)
    for c in range(num_classes):
        mask = labels == c
        if mask.any():
            out[c] = float(np.mean(pred[mask] == c))
    return out


def nll(probs: Any, y: Any, *, eps: float = 1e-12) -> float:
    """Mean negative log-likelihood of the true labels, ``-mean(log(clip(p[y], eps, 1)))``.

    Args:
        probs: (N, K) class probabilities.
        y: (N,) int true labels.
        eps: lower clip of the probabilities so a confident mistake costs ``-log(eps)``, not inf.

    Returns:
        Mean NLL in nats (>= 0).

    Example:
        >>> round(nll([[0.5, 0.5], [0.9, 0.1]], [0, 0]), 4)  # (log 2 - log 0.9) / 2
        0.3993
    """
    p, labels = _check_probs(probs, y)
    p_true = np.clip(p[np.arange(len(labels)), labels], eps, 1.0)
    return float(-np.mean(np.log(p_true)))


def brier(probs: Any, y: Any) -> float:
    """Multi-class Brier score: mean over samples of ``sum_k (p_k - onehot(y)_k)^2``.

    This is Brier's original definition (range [0, 2]), not divided by K.

    Args:
        probs: (N, K) class probabilities.
        y: (N,) int true labels.

    Returns:
        Brier score (lower is better).

    Example:
        >>> round(brier([[0.8, 0.2], [0.3, 0.7]], [0, 0]), 4)  # (0.08 + 0.98) / 2
        0.53
    """
    p, labels = _check_probs(probs, y)
    onehot = np.zeros_like(p)
    onehot[np.arange(len(labels)), labels] = 1.0
    return float(np.mean(np.sum((p - onehot) ** 2, axis=1)))


@dataclass(frozen=True)
class ReliabilityBins:
    """Per-bin statistics for a reliability diagram.

    Attributes:
        edges: (n_bins + 1,) bin edges over confidence, ``linspace(0, 1, n_bins + 1)``.
        confidence: (n_bins,) mean top-class probability of the samples in each bin (NaN if empty).
        accuracy: (n_bins,) accuracy of the samples in each bin (NaN if empty).
        count: (n_bins,) number of samples in each bin.
    """

    edges: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    count: np.ndarray

    def to_dict(self) -> dict[str, list[float]]:
        """JSON-friendly lists (NaN kept as float NaN)."""
        return {
            "edges": self.edges.tolist(),
            "confidence": self.confidence.tolist(),
            "accuracy": self.accuracy.tolist(),
            "count": self.count.tolist(),
        }


def reliability_bins(probs: Any, y: Any, n_bins: int = 15) -> ReliabilityBins:
    """Bin samples by top-class confidence into ``n_bins`` equal-width bins over [0, 1].

    Bin ``i`` holds confidences in ``(i / n_bins, (i + 1) / n_bins]``; a confidence of exactly 0
    goes to the first bin.

    Args:
        probs: (N, K) class probabilities.
        y: (N,) int true labels.
        n_bins: number of bins (>= 1).

    Returns:
        A :class:`ReliabilityBins`.
    """
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise ValueError(f"n_bins must be an int >= 1; got {n_bins!r}")
    p, labels = _check_probs(probs, y)
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == labels).astype(np.float64)
    edges = np.linspace(0.0, 1.0, int(n_bins) + 1)
    idx = np.digitize(conf, edges[1:-1], right=True)
    count = np.bincount(idx, minlength=n_bins).astype(np.int64)
    conf_sum = np.bincount(idx, weights=conf, minlength=n_bins)
    acc_sum = np.bincount(idx, weights=correct, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.where(count > 0, conf_sum / count, np.nan)
        mean_acc = np.where(count > 0, acc_sum / count, np.nan)
    return ReliabilityBins(edges=edges, confidence=mean_conf, accuracy=mean_acc, count=count)


def ece(probs: Any, y: Any, *, n_bins: int = 15) -> float:
    """Expected calibration error (Guo et al., 2017) with equal-width confidence bins.

    ``ECE = sum_b (|B_b| / N) * |acc(B_b) - conf(B_b)|`` over non-empty bins.

    Args:
        probs: (N, K) class probabilities.
        y: (N,) int true labels.
        n_bins: number of equal-width bins over [0, 1].

    Returns:
        ECE in [0, 1].

    Example:
        >>> round(ece([[0.9, 0.1], [0.6, 0.4]], [0, 1], n_bins=10), 4)  # (0.1 + 0.6) / 2
        0.35
    """
    bins = reliability_bins(probs, y, n_bins)
    nonempty = bins.count > 0
    weights = bins.count[nonempty] / bins.count.sum()
    return float(np.sum(weights * np.abs(bins.accuracy[nonempty] - bins.confidence[nonempty])))


def classification_metrics(probs: Any, y: Any, *, n_bins: int = 15) -> dict[str, float]:
    """All scalar metrics of ``probs`` against ``y``.

    Args:
        probs: (N, K) class probabilities.
        y: (N,) int true labels.
        n_bins: bins for the ECE.

    Returns:
        ``{"accuracy", "macro_f1", "nll", "ece", "brier"}`` as floats.
    """
    p, labels = _check_probs(probs, y)
    return {
        "accuracy": accuracy(p, labels),
        "macro_f1": macro_f1(p, labels),
        "nll": nll(p, labels),
        "ece": ece(p, labels, n_bins=n_bins),
        "brier": brier(p, labels),
    }
