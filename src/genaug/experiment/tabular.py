"""Experiment strategies for imbalanced tables: class weights, resamplers, synthesizers, auto.

================= ============================================================================
name              what the classifier trains on
================= ============================================================================
class_weight      the labeled rows, weighted ``n / (K * n_class)`` (``"balanced"``) via
                  ``meta["weight"]``: scikit-learn's ``class_weight="balanced"`` for every model
resample          labeled rows + rows from a tabular resampler (``smote``, ``borderline_smote``,
                  ``adasyn``, ``smote_nc``, ``tabular_noise``, ``tabular_mixup``); numeric-only
                  resamplers switch to ``smote_nc`` on tables with categorical columns
synthesize        labeled rows + minority rows sampled from a tabular synthesizer fit on the
                  labeled rows (``gaussian_copula``, ``tvae``, ``ctgan``, ``tabddpm``), exact
                  copies of training rows removed (``tabular_copies`` filter)
tabular_auto      a preset of ``auto``: the candidate with the best cross-validated minority PR-AUC
                  on labeled + val rows (never the test split); falls back to ``none`` on ties
================= ============================================================================

The minority class is the one with the fewest labeled rows. ``sampling_strategy`` follows
imbalanced-learn: ``"auto"`` (up to the majority count) or a float ratio minority/majority.

Example YAML:
    dataset: {name: german_credit}
    split: {labeled_per_class: all, val_per_class: 30}
    model: {name: hist_gb}
    strategies:
      - {name: none}
      - {name: class_weight}
      - {name: resample, resampler: smote}
      - {name: synthesize, synthesizer: {name: tvae, steps: 300}}
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.experiment import generation
from genaug.experiment.auto import AutoStrategy
from genaug.experiment.generation import named
from genaug.experiment.strategies import Strategy, TrainingPlan
from genaug.mixing.base import is_synthetic
from genaug.modalities.base import is_modality
from genaug.registry import register
from genaug.rng import Seed, derive_seed, draw_seed
from genaug.validation import check_range

__all__ = [
    "ClassWeight", "Resample", "Synthesize", "TabularAuto", "added_row_quality", "balanced_weights",
    "minority_target",
]

_NUMERIC_ONLY = ("smote", "borderline_smote", "adasyn")


def _check_tabular(data: LabeledData, who: str) -> None:
    if not is_modality(data, "tabular"):
        raise TypeError(f"strategy {who!r} needs tabular data; got modality {data.modality!r}")


def balanced_weights(y: np.ndarray, n_classes: int, power: float = 1.0) -> np.ndarray:
    """Per-row weights ``(n / (K * n_c)) ** power`` (``power=1``: scikit-learn's "balanced")."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    per_class = np.where(counts > 0, len(y) / (np.count_nonzero(counts) * np.maximum(counts, 1)), 0.0)
    return per_class[y] ** power


def _check_ratio(sampling_strategy: Any) -> Any:
    if sampling_strategy == "auto":
        return sampling_strategy
    return check_range("sampling_strategy", sampling_strategy, 0.0, 1.0, low_inclusive=False)


def minority_target(counts: np.ndarray, sampling_strategy: Any) -> dict[int, int]:
    """Rows to add per class: every non-majority class up to ``ratio * majority`` (``"auto"``: 1)."""
    ratio = 1.0 if sampling_strategy == "auto" else float(sampling_strategy)
    major = int(counts.max())
    target = int(np.floor(ratio * major + 0.5))
    return {c: max(target - int(n), 0) for c, n in enumerate(counts) if n > 0 and n < major}


@register("strategy", "class_weight")
class ClassWeight(Strategy):
    """Train on the labeled rows with class-balancing sample weights (a baseline to beat).

    Args:
        power: 1 gives scikit-learn's ``"balanced"`` weights; 0.5 a softer re-weighting.
    """

    def __init__(self, *, power: float = 1.0) -> None:
        self.power = power
        check_range("power", power, 0.0, low_inclusive=False)

    def prepare(self, split: Any, *, generator: Seed = None) -> TrainingPlan:
        labeled: LabeledData = split.labeled
        w = balanced_weights(labeled.y, labeled.num_classes, self.power)
        info = {"class_weights": sorted(set(w.tolist()))}
        return TrainingPlan(train=labeled.with_meta(weight=w), info=info)


@register("strategy", "resample")
class Resample(Strategy):
    """Add rows from a tabular resampler (the SMOTE family, noise, mixup) to the labeled rows.

    Args:
        resampler: a resampler name or ``{name: ..., **options}`` (registry kind ``resampler``).
        sampling_strategy: ``"auto"`` (balance) or a float ratio minority/majority in (0, 1];
            overrides the resampler's own setting.
        switch_to_nc: with categorical/boolean columns, use ``smote_nc`` instead of a
            numeric-only resampler (recorded in ``info["resampler"]``).
        quality: record fidelity/privacy of the added rows in ``info`` (``quality_*`` keys,
            see :func:`added_row_quality`).
    """

    def __init__(self, *, resampler: dict[str, Any] | str = "smote", sampling_strategy: Any = "auto",
                 switch_to_nc: bool = True, quality: bool = True) -> None:
        self.resampler = resampler
        self.sampling_strategy = sampling_strategy
        self.switch_to_nc = switch_to_nc
        self.quality = quality
        name, options = named(resampler, "resampler")
        from genaug.ops.tabular import TabularResampler

        cls = registry.get("resampler", name)
        if not (isinstance(cls, type) and issubclass(cls, TabularResampler)):
            raise ValueError(f"resampler must name a tabular resampler; got {name!r}")
        _check_ratio(sampling_strategy)
        cls(**options)  # bad options fail when the spec is read

    def prepare(self, split: Any, *, generator: Seed = None) -> TrainingPlan:
        from genaug.data.tabular import table_schema

        labeled: LabeledData = split.labeled
        _check_tabular(labeled, "resample")
        name, options = named(self.resampler, "resampler")
        options.pop("sampling_strategy", None)  # this strategy's sampling_strategy decides
        has_categories = not isinstance(labeled.x, np.ndarray) and bool(table_schema(labeled).discrete)
        if self.switch_to_nc and name in _NUMERIC_ONLY and has_categories:
            options = {k: v for k, v in options.items() if k == "k_neighbors"}
            name = "smote_nc"
        counts = minority_target(labeled.class_counts(), self.sampling_strategy)
        goal = {c: int(labeled.class_counts()[c]) + n for c, n in counts.items()}
        k = options.get("k_neighbors", options.get("n_neighbors", 5))
        smallest = int(labeled.class_counts()[list(goal)].min()) if goal else 0
        if goal and smallest <= k and name != "tabular_noise" and name != "tabular_mixup":
            key = "n_neighbors" if name == "adasyn" else "k_neighbors"
            options[key] = max(1, smallest - 1)  # SMOTE needs more rows than neighbours
        t0 = time.perf_counter()
        if not goal:
            train = labeled
        else:
            res = registry.get("resampler", name)(**options, sampling_strategy=goal)
            train = res.resample(labeled, generator=derive_seed(draw_seed(generator), "resample"))
        info: dict[str, Any] = {"resampler": name, "n_added": len(train) - len(labeled),
                                "seconds_resample": time.perf_counter() - t0}  # fmt: skip
        added = train.subset(np.flatnonzero(is_synthetic(train)))
        if self.quality and len(added):
            info.update(added_row_quality(labeled, added, getattr(split, "val", None), draw_seed(generator)))
        return TrainingPlan(train=train, info=info, synthetic=added)


@register("strategy", "synthesize")
class Synthesize(Strategy):
    """Fit a tabular synthesizer on the labeled rows and add sampled minority rows.

    Args:
        synthesizer: a synthesizer name or ``{name: ..., **options}``.
        sampling_strategy: ``"auto"`` (balance) or a float ratio minority/majority in (0, 1].
        filter_copies: drop sampled rows that equal a training row (``tabular_copies``) and
            draw again (up to 3 rounds) so the requested count is kept.
        synthetic_weight: ``meta["weight"]`` of synthetic rows (real rows weigh 1), > 0.
        quality: record fidelity/privacy of the added rows in ``info`` (``quality_*`` keys,
            see :func:`added_row_quality`).
    """

    def __init__(self, *, synthesizer: dict[str, Any] | str = "gaussian_copula",
                 sampling_strategy: Any = "auto", filter_copies: bool = True,
                 synthetic_weight: float = 1.0, quality: bool = True) -> None:
        self.synthesizer = synthesizer
        self.sampling_strategy = sampling_strategy
        self.filter_copies = filter_copies
        self.synthetic_weight = synthetic_weight
        self.quality = quality
        name, options = named(synthesizer, "synthesizer")
        registry.get("synthesizer", name)(**options)
        _check_ratio(sampling_strategy)
        check_range("synthetic_weight", synthetic_weight, 0.0, low_inclusive=False)

    def prepare(self, split: Any, *, generator: Seed = None) -> TrainingPlan:
        labeled: LabeledData = split.labeled
        _check_tabular(labeled, "synthesize")
        base = draw_seed(generator)
        need = {c: n for c, n in minority_target(labeled.class_counts(), self.sampling_strategy).items() if n}
        if not need:  # already balanced: nothing to fit or add
            info = {"synthesizer": named(self.synthesizer, "synthesizer")[0], "n_added": 0,
                    "n_copies_dropped": 0, "seconds_fit": 0.0, "seconds_sample": 0.0}
            return TrainingPlan(train=labeled, info=info)
        first = derive_seed(base, "sample", 0) if self.filter_copies else derive_seed(base, "sample")
        made = generation.fit_and_sample(self.synthesizer, labeled, pool=None, n_per_class=need,
                                         fit_seed=derive_seed(base, "fit"), sample_seed=first)
        t0 = time.perf_counter()
        synthetic, n_dropped = made.data, 0
        if self.filter_copies:
            synthetic, n_dropped = _drop_copies(made, labeled, need, base)
        info = {"synthesizer": made.info["synthesizer"], "n_added": len(synthetic),
                "n_copies_dropped": n_dropped, "seconds_fit": made.info["seconds_fit"],
                "seconds_sample": made.info["seconds_sample"] + time.perf_counter() - t0}
        if len(synthetic) == 0:
            return TrainingPlan(train=labeled, info=info)
        plan = generation.fuse(labeled, synthetic,
                               {"name": "mix_weighted", "synthetic_weight": float(self.synthetic_weight)},
                               mix_seed=derive_seed(base, "mix"), info=info)
        if self.quality:
            plan.info.update(added_row_quality(labeled, plan.synthetic, getattr(split, "val", None), base))
        return plan


def added_row_quality(labeled: LabeledData, added: LabeledData, val: LabeledData | None,
                      seed: int) -> dict[str, float]:
    """Fidelity and privacy of the rows a strategy added (``plan.synthetic``).

    Per class that received rows, against that class's labeled rows (the val rows of the class
    are the unseen holdout for the DCR baseline); the values are averaged over such classes,
    weighted by added rows. Keys: ``quality_<name>`` for ks_mean, tv_mean, corr_diff_mean,
    detection_auc, exact_copy_share, near_copy_share, dcr_ratio (NaN where undefined).
    """
    from genaug.quality.tabular import (
        column_fidelity,
        correlation_difference,
        detection_auc,
        privacy_report,
    )

    keys = ("ks_mean", "tv_mean", "corr_diff_mean", "detection_auc", "exact_copy_share",
            "near_copy_share", "dcr_ratio")  # fmt: skip
    sums = dict.fromkeys(keys, 0.0)
    total = 0
    for c in np.unique(added.y):
        rows = added.subset(np.flatnonzero(added.y == c))
        real = labeled.subset(np.flatnonzero(labeled.y == c))
        hold = None if val is None else val.subset(np.flatnonzero(val.y == c))
        out = column_fidelity(real, rows)
        out.update(correlation_difference(real, rows))
        if min(len(real), len(rows)) >= 3:
            out.update(detection_auc(real, rows, n_folds=3, generator=seed))
        out.update(privacy_report(real, rows, hold if hold is not None and len(hold) else None))
        for k in keys:
            sums[k] += len(rows) * float(out.get(k, float("nan")))
        total += len(rows)
    return {f"quality_{k}": v / total for k, v in sums.items()} if total else {}


def _drop_copies(made: Any, labeled: LabeledData, need: dict[int, int],
                 base: int) -> tuple[LabeledData, int]:
    """``need[c]`` rows of each class c, none equal to a training row (``tabular_copies``):
    drop copies from ``made.data`` and draw again from the fitted synthesizer (3 rounds)."""
    from genaug.quality.tabular import TabularCopyFilter

    filt = TabularCopyFilter().fit(labeled)
    kept: LabeledData | None = None
    dropped = 0
    remaining = dict(need)
    for round_ in range(3):
        if not remaining:
            break
        draw = made.data if round_ == 0 else made.synthesizer.sample(
            remaining, generator=derive_seed(base, "sample", round_))
        good = filt(draw)
        dropped += len(draw) - len(good)
        good = LabeledData(good.x, good.y, good.class_names, good.modality,
                           {k: v for k, v in good.meta.items() if not k.startswith("filter_score")})
        kept = good if kept is None else kept.concat(good)
        have = kept.class_counts()
        remaining = {c: n - int(have[c]) for c, n in need.items() if n - int(have[c]) > 0}
    assert kept is not None
    return kept, dropped


@register("strategy", "tabular_auto")
class TabularAuto(AutoStrategy):
    """A preset of ``auto`` for imbalanced tables: the best cross-validated minority PR-AUC.

    The labeled and validation rows are pooled and cut into ``folds`` stratified folds
    (``protocol="kfold"``); every candidate prepares its training plan on the other folds, a
    ``model`` is trained on it, and the held-out fold's minority PR-AUC (``metric="pr_auc"``)
    is averaged over folds. The test split is never read. ``none`` (and ``classical``) in
    ``candidates`` are the baselines; the best other candidate is chosen only if it beats them
    by more than ``margin`` (ties keep the baseline), and then prepares the final plan on the
    labeled rows. No generative search and no penalty: the candidates are few and the folds
    are the repeats. Everything else is :class:`~genaug.experiment.auto.AutoStrategy`.

    Args:
        candidates: strategy configs (names or ``{name: ..., **options}``); default: none,
            class_weight, resample (smote), synthesize (gaussian_copula).
        model: the classifier used for scoring, e.g. ``{name: hist_gb}``.
        folds: CV folds (>= 2).
        margin: PR-AUC a candidate must gain over the baseline to be chosen.
    """

    def __init__(self, *, candidates: list[Any] | None = None, model: dict[str, Any] | str = "hist_gb",
                 folds: int = 3, margin: float = 0.0) -> None:
        configs = _DEFAULT_CANDIDATES if candidates is None else candidates
        if not isinstance(configs, list | tuple) or not configs:
            raise ValueError(f"candidates must list at least one strategy; got {candidates!r}")
        parsed = [named(c, "candidate") for c in configs]
        is_base = [name in ("none", "classical") and not options for name, options in parsed]
        super().__init__(
            synthesizers=[], baselines=[p[0] for p, b in zip(parsed, is_base, strict=True) if b],
            candidates=[c for c, b in zip(configs, is_base, strict=True) if not b], model=model,
            protocol="kfold", folds=folds, metric="pr_auc", repeats=1, penalty=0.0, margin=margin,
            search="grid", n_trials=1,
        )
        self._preset = {"candidates": candidates, "model": model, "folds": folds, "margin": margin}

    def get_config(self) -> dict[str, Any]:
        """The preset's own constructor arguments (stored unchanged)."""
        return dict(self._preset)

    def prepare(self, split: Any, *, generator: Seed = None) -> TrainingPlan:
        _check_tabular(split.labeled, "tabular_auto")
        return super().prepare(split, generator=generator)


_DEFAULT_CANDIDATES: list[Any] = ["none", "class_weight", {"name": "resample", "resampler": "smote"},
                                  {"name": "synthesize", "synthesizer": "gaussian_copula"}]
