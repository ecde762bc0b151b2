"""Fidelity, detectability, privacy and utility of synthetic tables (vs the real training table).

Every function compares a synthetic table with the real one it imitates; pass the same class on
both sides (e.g. only the minority rows) to judge class-conditional samples.

================== =================================================================== ========
name               what it measures                                                   better
================== =================================================================== ========
column fidelity    per-column KS statistic (numeric) / total variation (categorical)  lower
correlation diff.  mean abs. difference of the correlation matrices (one-hot encoded) lower
detection AUC      cross-validated ROC-AUC of a real-vs-synthetic classifier          0.5
DCR                distance to the closest real *training* row, vs a real holdout      higher
exact/near copies  share of synthetic rows equal to (or within eps of) a training row  lower
TSTR               train on synthetic, test on real (minority PR-AUC, bal. accuracy)   higher
================== =================================================================== ========

Distances live in an encoded space (the project's one :class:`TableEncoder`, shared with the
tabular synthesizers, in its default ``"standard"`` mode): numeric columns standardised with the
real table's mean and std, categorical/boolean columns one-hot (a category mismatch costs
sqrt(2)). Registered as ``metric`` entries ``tabular_fidelity``, ``detection_auc``,
``tabular_privacy``, ``tstr`` and the ``filter`` ``tabular_copies`` (drops copies of training
rows).

Example:
    >>> report = tabular_quality(train, synthetic, holdout=holdout, test=test, generator=0)  # doctest: +SKIP
    >>> report["ks_mean"], report["detection_auc"], report["exact_copy_share"]  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from scipy.stats import ks_2samp
from threadpoolctl import threadpool_limits

from genaug.data.labeled import LabeledData
from genaug.data.tabular import table_schema
from genaug.modalities.base import is_modality
from genaug.quality.filters import Filter
from genaug.quality.metrics import Metric, check_pair
from genaug.registry import register
from genaug.rng import Seed, draw_seed
from genaug.synth.tabular.transformer import TableEncoder, as_frame
from genaug.validation import check_int, check_range

__all__ = [
    "DetectionAUC",
    "TSTR",
    "TableEncoder",
    "TabularCopyFilter",
    "TabularFidelity",
    "TabularPrivacy",
    "column_fidelity",
    "correlation_difference",
    "detection_auc",
    "distance_to_closest_record",
    "privacy_report",
    "tabular_quality",
    "train_synthetic_test_real",
]

TableLike = LabeledData | pd.DataFrame | np.ndarray


def _frame(data: TableLike, name: str) -> pd.DataFrame:
    return as_frame(data, name)


def _same_columns(real: pd.DataFrame, synthetic: pd.DataFrame) -> None:
    if list(real.columns) != list(synthetic.columns):
        raise ValueError(
            f"synthetic must have the real table's columns {list(real.columns)}; "
            f"got {list(synthetic.columns)}"
        )


# ----------------------------------------------------------------------------------- fidelity
def column_fidelity(real: TableLike, synthetic: TableLike) -> dict[str, float]:
    """Per-column marginal distance: KS statistic (numeric) or total variation (categorical).

    Both lie in [0, 1]; 0 means identical marginals.

    Args:
        real: the real table.
        synthetic: a table with the same columns.

    Returns:
        ``{"ks_mean", "ks_max", "tv_mean", "tv_max", "marginal_mean"}`` (means over numeric /
        categorical / all columns; NaN when there is no column of that kind) plus
        ``"ks/<col>"`` and ``"tv/<col>"`` per column.
    """
    r, s = _frame(real, "real"), _frame(synthetic, "synthetic")
    _same_columns(r, s)
    if len(r) == 0 or len(s) == 0:
        raise ValueError(f"real and synthetic must be non-empty; got {len(r)} and {len(s)} rows")
    schema = table_schema(r)
    out: dict[str, float] = {}
    ks, tv = [], []
    for spec in schema.columns:
        if spec.kind == "numeric":
            stat = float(ks_2samp(r[spec.name].to_numpy(float), s[spec.name].to_numpy(float)).statistic)
            out[f"ks/{spec.name}"] = stat
            ks.append(stat)
        else:
            p = r[spec.name].astype(str).value_counts(normalize=True)
            q = s[spec.name].astype(str).value_counts(normalize=True)
            p, q = p.align(q, fill_value=0.0)
            stat = float(0.5 * np.abs(p.to_numpy() - q.to_numpy()).sum())
            out[f"tv/{spec.name}"] = stat
            tv.append(stat)
    nan = float("nan")
    out["ks_mean"] = float(np.mean(ks)) if ks else nan
    out["ks_max"] = float(np.max(ks)) if ks else nan
    out["tv_mean"] = float(np.mean(tv)) if tv else nan
    out["tv_max"] = float(np.max(tv)) if tv else nan
    out["marginal_mean"] = float(np.mean(ks + tv))
    return out


def _corr(x: np.ndarray) -> np.ndarray:
    x = x - x.mean(axis=0)
    std = x.std(axis=0)
    ok = std > 1e-12
    z = np.zeros_like(x)
    z[:, ok] = x[:, ok] / std[ok]
    return (z.T @ z) / max(len(x), 1)


def correlation_difference(real: TableLike, synthetic: TableLike) -> dict[str, float]:
    """Mean and max absolute difference of the Pearson correlation matrices (encoded columns).

    Categoricals enter one-hot; a constant column has correlation 0 with everything.

    Returns:
        ``{"corr_diff_mean", "corr_diff_max"}`` over the off-diagonal pairs (0 when identical).
    """
    r, s = _frame(real, "real"), _frame(synthetic, "synthetic")
    _same_columns(r, s)
    enc = TableEncoder().fit(r)
    a, b = _corr(enc.transform(r)), _corr(enc.transform(s))
    iu = np.triu_indices(a.shape[0], k=1)
    if len(iu[0]) == 0:
        return {"corr_diff_mean": 0.0, "corr_diff_max": 0.0}
    diff = np.abs(a - b)[iu]
    return {"corr_diff_mean": float(diff.mean()), "corr_diff_max": float(diff.max())}


def detection_auc(
    real: TableLike, synthetic: TableLike, *, n_folds: int = 5, max_rows: int = 2000, generator: Seed = None
) -> dict[str, float]:
    """How well a classifier tells real from synthetic rows: cross-validated ROC-AUC.

    Both sides are subsampled to the same size (at most ``max_rows``), encoded, and a
    histogram gradient-boosting classifier is scored with stratified ``n_folds``-fold CV.
    0.5: indistinguishable; 1.0: trivially separable.

    Args:
        real: the real table.
        synthetic: a table with the same columns.
        n_folds: CV folds (>= 2).
        max_rows: rows per side at most (>= 10).
        generator: seed for the subsampling, the folds and the classifier.

    Returns:
        ``{"detection_auc", "detection_auc_std"}`` (mean and std over folds).
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold

    n_folds = check_int("n_folds", n_folds, 2)
    max_rows = check_int("max_rows", max_rows, 10)
    r, s = _frame(real, "real"), _frame(synthetic, "synthetic")
    _same_columns(r, s)
    seed = draw_seed(generator)
    rng = np.random.default_rng(seed)
    n = min(len(r), len(s), max_rows)
    if n < n_folds:
        raise ValueError(f"detection_auc needs at least n_folds={n_folds} rows per side; got {n}")
    r = r.iloc[np.sort(rng.choice(len(r), n, replace=False))]
    s = s.iloc[np.sort(rng.choice(len(s), n, replace=False))]
    enc = TableEncoder().fit(r)
    x = np.concatenate([enc.transform(r), enc.transform(s)])
    y = np.r_[np.zeros(n, dtype=int), np.ones(n, dtype=int)]
    # Identical rows share a group, so a row and its copy never sit on both sides of a fold
    # (that would make copies look *anti*-detectable, AUC << 0.5).
    _, groups = np.unique(np.round(x, 9), axis=0, return_inverse=True)
    folds = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed % 2**32)
    aucs = []
    with threadpool_limits(1):
        for train, test in folds.split(x, y, groups.ravel()):
            leaf = int(np.clip(len(train) // 20, 2, 20))  # small tables still get splits
            clf = HistGradientBoostingClassifier(
                max_iter=50, max_leaf_nodes=15, min_samples_leaf=leaf, early_stopping=False,
                random_state=seed % 2**32,
            )
            clf.fit(x[train], y[train])
            aucs.append(roc_auc_score(y[test], clf.predict_proba(x[test])[:, 1]))
    return {"detection_auc": float(np.mean(aucs)), "detection_auc_std": float(np.std(aucs))}


# ------------------------------------------------------------------------------------ privacy
def distance_to_closest_record(
    train: TableLike, query: TableLike, encoder: TableEncoder | None = None
) -> np.ndarray:
    """Euclidean distance of each ``query`` row to its closest ``train`` row (encoded space).

    Args:
        train: the real training table (also fits the encoder unless ``encoder`` is given).
        query: rows to measure (synthetic or holdout), same columns.
        encoder: a fitted :class:`TableEncoder`; default: fit on ``train``.

    Returns:
        (M,) float64 distances; 0 for an exact copy.
    """
    t, q = _frame(train, "train"), _frame(query, "query")
    _same_columns(t, q)
    if len(t) == 0:
        raise ValueError("train must hold at least one row")
    enc = encoder or TableEncoder().fit(t)
    if len(q) == 0:
        return np.zeros(0)
    tree = cKDTree(enc.transform(t))
    dist, _ = tree.query(enc.transform(q), k=1)
    return np.asarray(dist, dtype=np.float64)


def privacy_report(
    train: TableLike, synthetic: TableLike, holdout: TableLike | None = None, *, near: float | None = None
) -> dict[str, float]:
    """Distance to closest record (DCR) of synthetic rows, against a real holdout baseline.

    A generator that memorises puts synthetic rows closer to training rows than fresh real rows
    (the holdout) are. ``near``: a synthetic row within this distance of a training row counts
    as a near copy; default: the 5th percentile of the holdout's DCR (so about 5% of fresh real
    rows would count), or 1e-6 without a holdout.

    Args:
        train: the real rows the generator was fitted on.
        synthetic: generated rows, same columns.
        holdout: real rows the generator never saw (same distribution), or None.
        near: near-copy distance threshold (>= 0).

    Returns:
        ``dcr_median``, ``dcr_p05`` (synthetic), ``exact_copy_share`` (distance 0 in the encoded
        space, i.e. equal on every column), ``near_copy_share``, ``near_threshold``; with a
        holdout also ``holdout_dcr_median``, ``holdout_dcr_p05``, ``dcr_ratio`` (synthetic median
        over holdout median; < 1 means closer to the training rows than fresh data is) and
        ``closer_than_holdout_share`` (share of synthetic rows nearer to train than to the
        holdout, with both subsampled to the same size; about 0.5 without memorisation).
    """
    t = _frame(train, "train")
    enc = TableEncoder().fit(t)
    d_syn = distance_to_closest_record(t, synthetic, enc)
    if len(d_syn) == 0:
        raise ValueError("synthetic must hold at least one row")
    out: dict[str, float] = {
        "dcr_median": float(np.median(d_syn)),
        "dcr_p05": float(np.quantile(d_syn, 0.05)),
        "exact_copy_share": float(np.mean(d_syn <= 1e-9)),
    }
    threshold = 1e-6
    if holdout is not None:
        h = _frame(holdout, "holdout")
        d_hold = distance_to_closest_record(t, h, enc)
        if len(d_hold) == 0:
            raise ValueError("holdout must hold at least one row")
        threshold = float(np.quantile(d_hold, 0.05))
        out["holdout_dcr_median"] = float(np.median(d_hold))
        out["holdout_dcr_p05"] = threshold
        out["dcr_ratio"] = float(np.median(d_syn) / max(np.median(d_hold), 1e-12))
        m = min(len(t), len(h))
        rng = np.random.default_rng(0)
        t_sub = t.iloc[np.sort(rng.choice(len(t), m, replace=False))]
        h_sub = h.iloc[np.sort(rng.choice(len(h), m, replace=False))]
        to_t = distance_to_closest_record(t_sub, synthetic, enc)
        to_h = distance_to_closest_record(h_sub, synthetic, enc)
        out["closer_than_holdout_share"] = float(np.mean(to_t < to_h) + 0.5 * np.mean(to_t == to_h))
    if near is not None:
        threshold = check_range("near", near, 0.0)
    out["near_threshold"] = float(threshold)
    out["near_copy_share"] = float(np.mean(d_syn <= threshold))
    return out


# ------------------------------------------------------------------------------------ utility
def train_synthetic_test_real(
    synthetic: LabeledData, test: LabeledData, *, real: LabeledData | None = None, positive: int = 1,
    generator: Seed = None,
) -> dict[str, float]:
    """Train a gradient-boosting classifier on synthetic rows, evaluate on real test rows.

    Args:
        synthetic: labeled synthetic rows (at least two classes).
        test: real held-out rows with the same columns and class names.
        real: real training rows; when given, the same classifier trained on them gives the
            ``trtr_*`` reference (train on real, test on real).
        positive: class index whose PR-AUC is reported (the minority).
        generator: seed of the classifier.

    Returns:
        ``tstr_pr_auc``, ``tstr_balanced_accuracy`` (and ``trtr_*`` with ``real``).
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import average_precision_score, balanced_accuracy_score

    check_pair(test, synthetic)
    seed = draw_seed(generator) % 2**32
    enc = TableEncoder().fit(test if real is None else real)
    x_test = enc.transform(test)
    out: dict[str, float] = {}
    sides = [("tstr", synthetic)] + ([("trtr", real)] if real is not None else [])
    for prefix, data in sides:
        if len(np.unique(data.y)) < 2:
            raise ValueError(f"{prefix}: training rows must hold at least two classes")
        clf = HistGradientBoostingClassifier(max_iter=100, early_stopping=False, random_state=seed)
        proba = np.zeros((len(test), test.num_classes))
        with threadpool_limits(1):
            clf.fit(enc.transform(data), data.y)
            proba[:, clf.classes_] = clf.predict_proba(x_test)
        out[f"{prefix}_pr_auc"] = float(average_precision_score(test.y == positive, proba[:, positive]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            out[f"{prefix}_balanced_accuracy"] = float(balanced_accuracy_score(test.y, proba.argmax(1)))
    return out


def tabular_quality(
    train: LabeledData, synthetic: LabeledData, *, holdout: LabeledData | None = None,
    test: LabeledData | None = None, classes: list[int] | None = None, generator: Seed = None,
) -> dict[str, float]:
    """All the above in one dict: fidelity, detection and privacy on ``classes``' rows, and TSTR.

    Args:
        train: real training rows (what the generator was fitted on).
        synthetic: generated rows.
        holdout: real rows unseen by the generator, for the DCR baseline.
        test: real test rows, for train-on-synthetic/test-on-real (TSTR uses synthetic rows of
            every class they hold plus real rows of classes without synthetic ones).
        classes: class indices to compare (default: those present in ``synthetic``).
        generator: seed for detection and TSTR.

    Returns:
        The keys of :func:`column_fidelity` (means only), :func:`correlation_difference`,
        :func:`detection_auc`, :func:`privacy_report` and, with ``test``,
        :func:`train_synthetic_test_real`.
    """
    check_pair(train, synthetic)
    classes = sorted(set(np.unique(synthetic.y).tolist())) if classes is None else list(classes)

    def rows(d: LabeledData) -> LabeledData:
        return d.subset(np.flatnonzero(np.isin(d.y, classes)))

    tr, sy = rows(train), rows(synthetic)
    out = {k: v for k, v in column_fidelity(tr, sy).items() if "/" not in k}
    out.update(correlation_difference(tr, sy))
    if min(len(tr), len(sy)) >= 5:
        out.update(detection_auc(tr, sy, generator=generator))
    out.update(privacy_report(tr, sy, rows(holdout) if holdout is not None else None))
    if test is not None:
        missing = np.flatnonzero(~np.isin(train.y, np.unique(synthetic.y)))
        tstr_train = _concat(synthetic, train.subset(missing)) if len(missing) else synthetic
        out.update(train_synthetic_test_real(tstr_train, test, real=train, generator=generator))
    return out


def _concat(a: LabeledData, b: LabeledData) -> LabeledData:
    return LabeledData(pd.concat([_frame(a, "a"), _frame(b, "b")], ignore_index=True),
                       np.concatenate([a.y, b.y]), a.class_names, "tabular")


# ------------------------------------------------------------------------ registry wrappers
class _TabularMetric(Metric):
    def _pair(self, real: LabeledData, synthetic: LabeledData) -> None:
        check_pair(real, synthetic)
        if not is_modality(real, "tabular"):
            raise TypeError(f"{self.name} needs tabular data; got modality {real.modality!r}")


@register("metric", "tabular_fidelity")
class TabularFidelity(_TabularMetric):
    """Marginal fidelity (KS / total variation) and correlation difference; headline ``marginal_mean``.

    Returns (from ``__call__``):
        :func:`column_fidelity` keys plus :func:`correlation_difference` keys.
    """

    name: ClassVar[str] = "tabular_fidelity"
    higher_is_better: ClassVar[bool] = False

    def __call__(self, real: LabeledData, synthetic: LabeledData) -> dict[str, float]:
        self._pair(real, synthetic)
        return {**column_fidelity(real, synthetic), **correlation_difference(real, synthetic)}


@register("metric", "detection_auc")
class DetectionAUC(_TabularMetric):
    """Real-vs-synthetic detection ROC-AUC (0.5 is ideal; reported as is, lower is better).

    Args:
        n_folds: CV folds.
        max_rows: rows per side at most.
        seed: seed of subsampling, folds and classifier.
    """

    name: ClassVar[str] = "detection_auc"
    higher_is_better: ClassVar[bool] = False

    def __init__(self, *, n_folds: int = 5, max_rows: int = 2000, seed: int = 0) -> None:
        self.n_folds = n_folds
        self.max_rows = max_rows
        self.seed = seed
        check_int("n_folds", n_folds, 2)
        check_int("max_rows", max_rows, 10)

    def __call__(self, real: LabeledData, synthetic: LabeledData) -> dict[str, float]:
        self._pair(real, synthetic)
        return detection_auc(
            real, synthetic, n_folds=self.n_folds, max_rows=self.max_rows, generator=self.seed
        )


@register("metric", "tabular_privacy")
class TabularPrivacy(_TabularMetric):
    """Distance to closest record and copy shares (headline ``dcr_median``, higher is better).

    ``__call__(real, synthetic, holdout=None)``: pass a real holdout for the baseline keys.

    Args:
        near: near-copy threshold; None: 5th percentile of the holdout DCR (1e-6 without one).
    """

    name: ClassVar[str] = "tabular_privacy"
    higher_is_better: ClassVar[bool] = True

    def __init__(self, *, near: float | None = None) -> None:
        self.near = near
        if near is not None:
            check_range("near", near, 0.0)

    def __call__(
        self, real: LabeledData, synthetic: LabeledData, holdout: LabeledData | None = None
    ) -> dict[str, float]:
        self._pair(real, synthetic)
        return privacy_report(real, synthetic, holdout, near=self.near)


@register("metric", "tstr")
class TSTR(_TabularMetric):
    """Train on synthetic, test on real: ``__call__(real_test, synthetic)`` (headline ``tstr_pr_auc``).

    Here ``real`` is a real *test* table (the metric trains on ``synthetic`` only).

    Args:
        positive: class index whose PR-AUC is reported.
        seed: classifier seed.
    """

    name: ClassVar[str] = "tstr"
    higher_is_better: ClassVar[bool] = True

    def __init__(self, *, positive: int = 1, seed: int = 0) -> None:
        self.positive = positive
        self.seed = seed
        check_int("positive", positive, 0)

    def __call__(self, real: LabeledData, synthetic: LabeledData) -> dict[str, float]:
        self._pair(real, synthetic)
        return train_synthetic_test_real(synthetic, real, positive=self.positive, generator=self.seed)


@register("filter", "tabular_copies")
class TabularCopyFilter(Filter):
    """Drop synthetic rows that copy (or nearly copy) a real training row.

    Score: distance to the closest training row in the :class:`TableEncoder` space (farther =
    keep). Rows with a distance ``<= threshold`` are dropped; the default 1e-9 drops exact
    copies only (equal on every column).

    Args:
        threshold: distance at or below which a row is a copy (>= 0).
    """

    name = "tabular_copies"

    def __init__(self, *, threshold: float = 1e-9) -> None:
        self.threshold = threshold
        check_range("threshold", threshold, 0.0)

    def _fit(self, real: LabeledData) -> None:
        if not is_modality(real, "tabular"):
            raise TypeError(f"tabular_copies needs tabular data; got modality {real.modality!r}")
        if len(real) == 0:
            raise ValueError("real is empty; tabular_copies needs the real training rows")
        self.real_ = _frame(real, "real")
        self.encoder_ = TableEncoder().fit(self.real_)

    def score(self, synthetic: LabeledData) -> np.ndarray:
        """(M,) distance of each row to its closest real training row."""
        synthetic = self._check(synthetic)
        return distance_to_closest_record(self.real_, synthetic, self.encoder_)

    def _keep(self, synthetic: LabeledData, scores: np.ndarray) -> np.ndarray:
        return np.flatnonzero(scores > self.threshold)
