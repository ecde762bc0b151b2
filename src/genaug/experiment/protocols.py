"""How ``auto`` scores a candidate without the test split: selection protocols and metrics.

A protocol turns a split into *evaluations*. Each evaluation says on which split a candidate
prepares its training plan, which data the trial classifier may select on (early stopping),
which data it is scored on, and the training seed. Two protocols:

``val_halves``
    The validation split is cut into two stratified halves; a trial classifier selects on one
    and is scored on the other, and repeats alternate the halves (cross-fitting), so with
    ``repeats >= 2`` every validation sample is scored by a model that did not select on it.
    Plans are prepared once, on the whole labeled set.
``kfold``
    Labeled and validation rows are pooled and cut into ``folds`` stratified folds; a
    candidate prepares its plan on the other folds (so resamplers and synthesizers never see
    the scored fold) and is scored on the held-out one. Suits small imbalanced tables.

Selection metrics (higher is better): ``accuracy``, ``macro_f1`` and ``pr_auc`` (average
precision of the class with the fewest labeled samples). Accuracy splits into per-sample terms,
so paired comparisons count the finite scored set; the others give one value per evaluation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from genaug.data.labeled import LabeledData
from genaug.rng import Seed, derive_seed, draw_seed

__all__ = [
    "Evaluation", "METRICS", "PROTOCOLS", "Protocol", "check_protocol", "cross_folds", "evaluations",
    "score",
    "stratified_halves",
]

Protocol = Literal["val_halves", "kfold"]
PROTOCOLS: tuple[str, ...] = ("val_halves", "kfold")
METRICS: tuple[str, ...] = ("accuracy", "macro_f1", "pr_auc")


@dataclass
class Evaluation:
    """One trial training: prepare on ``split``, select on ``select``, score on ``score``.

    Attributes:
        split: the split candidates prepare their plans on (its ``test`` is never set).
        key: plans prepared on equal keys are the same (a cache key).
        select: the classifier's selection data (early stopping), or None.
        score: the scored samples.
        score_idx: their positions in the scored universe (``n_scored`` samples in all).
        seed: the trial classifier's seed.
        index: the fold index (the seed stream of plans prepared on ``split``).
    """

    split: Any
    key: int
    select: LabeledData | None
    score: LabeledData
    score_idx: np.ndarray
    seed: int
    index: int


def stratified_halves(data: LabeledData, *, generator: Seed) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``data`` into two disjoint halves, class by class.

    Each class's samples are permuted and the first ``n_c // 2`` go to the first half (the
    rest, one more for odd counts, to the second), so both halves keep the class balance.

    Args:
        data: labeled samples.
        generator: seed of the permutation (one draw from a generator).

    Returns:
        ``(first, second)``: sorted int64 index arrays into ``data``.

    Example:
        >>> import torch
        >>> d = LabeledData(torch.rand(6, 1, 2, 2), [0, 0, 0, 1, 1, 1], ("a", "b"), "image")
        >>> a, b = stratified_halves(d, generator=0)
        >>> len(a), len(b), sorted(np.concatenate([a, b]).tolist())
        (2, 4, [0, 1, 2, 3, 4, 5])
    """
    base = draw_seed(generator)
    first: list[np.ndarray] = []
    second: list[np.ndarray] = []
    for c in range(data.num_classes):
        members = np.flatnonzero(data.y == c)
        rng = np.random.default_rng(derive_seed(base, "halves", c))
        perm = members[rng.permutation(len(members))]
        first.append(perm[: len(perm) // 2])
        second.append(perm[len(perm) // 2:])
    return (np.sort(np.concatenate(first)).astype(np.int64),
            np.sort(np.concatenate(second)).astype(np.int64))


@dataclass
class _Fold:
    """One way to use the validation split: early stopping on ``select``, scoring on ``score``."""

    select: LabeledData | None
    score: LabeledData
    score_idx: np.ndarray


def cross_folds(val: LabeledData, first: np.ndarray, second: np.ndarray) -> list[_Fold]:
    """(select first, score second) and, when both halves are non-empty, the swap."""
    folds = [_Fold(val.subset(first) if len(first) else None, val.subset(second), second)]
    if len(first):
        folds.append(_Fold(val.subset(second), val.subset(first), first))
    return folds


def evaluations(protocol: Protocol, split: Any, *, repeats: int, folds: int,
                base: int) -> tuple[list[Evaluation], int, dict[str, Any]]:
    """The evaluations of ``protocol`` on ``split``, the size of the scored universe, and facts
    to record (half or fold sizes).

    Raises:
        ValueError: no validation data (``val_halves``); fewer than 2 rows of the smallest
            class in labeled + val (``kfold``).
    """
    labeled: LabeledData = split.labeled
    val: LabeledData | None = getattr(split, "val", None)
    if protocol == "val_halves":
        if val is None or len(val) == 0:
            raise ValueError("the auto strategy needs a non-empty split.val to score candidates; "
                             "set split.val_per_class >= 2 (or protocol: kfold)")
        first, second = stratified_halves(val, generator=derive_seed(base, "val_halves"))
        halves = cross_folds(val, first, second)
        out = [Evaluation(split, 0, f.select, f.score, f.score_idx, derive_seed(base, "repeat", r), 0)
               for r in range(repeats) for f in [halves[r % len(halves)]]]
        return out, len(val), {"val_halves": {"select": len(first), "score": len(second)}}
    from sklearn.model_selection import StratifiedKFold

    from genaug.data.splits import Split
    from genaug.train.tabular_metrics import minority_class

    pool = labeled if val is None or len(val) == 0 else labeled.concat(val)
    smallest = minority_class(labeled.class_counts())
    n_folds = int(min(folds, pool.class_counts()[smallest]))
    if n_folds < 2:
        raise ValueError(f"protocol kfold needs >= 2 rows of the smallest class in labeled + val; "
                         f"got {n_folds}")
    cv = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=derive_seed(base, "cv") % 2**32)
    unlabeled = getattr(split, "unlabeled", None)
    if unlabeled is None:
        unlabeled = pool.subset([])
    out = []
    for f, (tr, va) in enumerate(cv.split(np.zeros(len(pool)), pool.y)):
        # the unlabeled pool stays available to pool strategies; no fold has val or test rows
        inner = Split(labeled=pool.subset(tr), unlabeled=unlabeled, val=pool.subset([]),
                      test=pool.subset([]))
        for r in range(repeats):
            seed = derive_seed(base, "model", f) if r == 0 else derive_seed(base, "model", f, r)
            out.append(Evaluation(inner, f, None, pool.subset(va), np.asarray(va, dtype=np.int64), seed, f))
    return out, len(pool), {"folds": n_folds}


def _metric_fn(metric: str, labeled: LabeledData) -> Callable[[np.ndarray, np.ndarray], float]:
    from genaug.train import metrics
    from genaug.train.tabular_metrics import average_precision, minority_class

    if metric == "accuracy":
        return lambda probs, y: float(metrics.accuracy(probs, y))
    if metric == "macro_f1":
        from sklearn.metrics import f1_score

        k = labeled.num_classes
        return lambda probs, y: float(f1_score(y, probs.argmax(axis=1), labels=list(range(k)),
                                               average="macro", zero_division=0))
    pos = minority_class(labeled.class_counts())
    return lambda probs, y: float(average_precision(probs[:, pos], y == pos))


def score(metric: str, labeled: LabeledData, probs: np.ndarray, evaluation: Evaluation,
          n_scored: int) -> tuple[float, np.ndarray]:
    """The metric on one evaluation and its paired row.

    Returns:
        ``(value, row)``: for accuracy ``row`` is (n_scored,) 0/1 correctness, NaN where this
        evaluation did not score; for the other metrics a (1,) array holding ``value``.
    """
    y = evaluation.score.y
    value = _metric_fn(metric, labeled)(probs, y)
    if metric != "accuracy":
        return value, np.array([value])
    row = np.full(n_scored, np.nan)
    row[evaluation.score_idx] = probs.argmax(axis=1) == y
    return value, row


def check_protocol(protocol: Any, metric: Any, folds: Any) -> None:
    """Raise ValueError naming the option when one is not accepted."""
    from genaug.validation import check_choice, check_int

    check_choice("protocol", protocol, list(PROTOCOLS))
    check_choice("metric", metric, list(METRICS))
    check_int("folds", folds, 2)

