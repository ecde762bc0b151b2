"""The ``auto`` strategy: search augmentation settings on the validation split, and do no harm.

:class:`AutoStrategy` compares, **on the validation split only** (``split.test`` is never read):

* the *no-synthetic* candidates (the baselines): ``none`` (labeled data only) and ``classical``
  (the modality's default on-the-fly augmenter, or ``augment``);
* *generative* candidates: a synthesizer (fitted on the labeled data and the label-hidden
  unlabeled pool), the synthetic amount per class, a filter threshold, the loss weight of the
  synthetic samples (``meta["weight"]`` via the ``mix_weighted`` fusion), and whether classical
  augmentation runs on top.

Honest selection. The validation split is cut into two stratified halves: a trial classifier
uses the **select** half for its own early stopping / best-weights selection and is scored on
the other, **score** half. Repeats alternate which half plays which part (cross-fitting), so
with ``repeats >= 2`` every validation sample is scored, always by a model that did not select
on it. A candidate's score is ``mean(acc) - penalty * stderr(acc)`` over ``repeats`` classifier
trainings (seeds and halves shared by all candidates, so comparisons are paired). The best
generative candidate is chosen only if

1. its score beats the best no-synthetic score by more than ``margin``, and
2. its paired accuracy gain over that baseline (same scored samples, same seeds) minus
   ``penalty`` times the gain's standard error is still above ``margin``. That standard error
   counts the finite set of scored samples as well as the seeds, so a deterministic classifier
   (zero spread over repeats) cannot win on a lucky handful of validation samples.

Both comparisons are strict with a 1e-9 tolerance, so an exact tie never counts as a win.

Otherwise the best no-synthetic candidate is chosen (on a tie, ``classical``). A generative
candidate whose filter kept no synthetic sample is the same training as a baseline and is never
counted as generative.

Cost control. Each synthesizer is fitted at most once per :meth:`AutoStrategy.prepare`, samples
``max(n_per_class)`` per class once (smaller amounts take the first ``n`` samples of each
class, so they are nested), and its filter scores are computed once. Repeated suggestions of
the same candidate are answered from a cache. The number of classifier trainings is at most
``(len(baselines) + n_trials) * repeats``.

Example YAML:
    strategies:
      - name: auto
        synthesizers: [cvae, {name: diffusion, steps: 2000}]
        n_per_class: [10, 50, 200]
        thresholds: [0.0, 0.5, 0.9]
        weights: [0.25, 0.5, 1.0]
        n_trials: 16
        model: {name: small_cnn, steps: 200}
"""

from __future__ import annotations

import contextlib
import inspect
import itertools
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.experiment.generative import unlabeled_view
from genaug.experiment.strategies import ClassicalAugmentation, Strategy, TrainingPlan
from genaug.modalities.base import accepts, get_modality
from genaug.rng import Seed, derive_seed, draw_seed
from genaug.validation import check_choice, check_int, check_range

__all__ = ["AutoStrategy", "DEFAULT_SYNTHESIZERS", "default_trial_model", "stratified_halves"]

Search = Literal["optuna", "grid"]
Baseline = Literal["none", "classical"]

DEFAULT_SYNTHESIZERS: tuple[str, ...] = ("cvae", "diffusion", "pseudo_label")
"""Synthesizers searched when ``synthesizers`` is None (those registered and fit for the data)."""

_MAX_ASKS_PER_TRIAL = 20
_TIE = 1e-9  # float noise in means of 0/1 scores must not turn a tie into a win


def default_trial_model(modality: str) -> dict[str, Any]:
    """The classifier config that trial trainings use when ``model`` is None.

    Args:
        modality: the data modality.

    Returns:
        ``{"name": "small_cnn", "steps": 200}`` for images, ``cnn1d`` for signals and audio,
        ``mlp`` for tabular data.

    Raises:
        ValueError: for modalities without a classifier (text).

    Example:
        >>> default_trial_model("signal")
        {'name': 'cnn1d', 'steps': 200}
    """
    model = get_modality(modality).default_model
    if model is None:
        have = [m for m in registry.available("modality") if get_modality(m).default_model]
        raise ValueError(
            f"the auto strategy has no default trial model for modality {modality!r}; accepted: "
            f"{have} (pass model={{'name': ...}} explicitly)"
        )
    return dict(model)


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
class _Synthetic:
    """One fitted synthesizer's samples (the largest amount) and their filter scores."""

    data: LabeledData
    scores: np.ndarray | None
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Outcome:
    """Trial trainings of one candidate: accuracy and NLL per repeat, per-sample correctness."""

    accs: list[float]
    nlls: list[float]
    correct: np.ndarray  # (repeats, n_score) float 0/1


@dataclass
class _Candidate:
    """A candidate's training plan before trials."""

    plan: TrainingPlan
    n_synthetic: int


@registry.register("strategy", "auto")
class AutoStrategy(Strategy):
    """Pick the augmentation that scores best on held-out validation data; never worse than none.

    See the module docstring for the search space, the honest two-half validation protocol and
    the cost controls.

    Args:
        synthesizers: synthesizer names or configs (``{name: cvae, epochs: 50}``) to search;
            ``None`` searches :data:`DEFAULT_SYNTHESIZERS` that are registered (``pseudo_label``
            is the pool labeled by a teacher, i.e. self-training). Synthesizers whose
            ``modalities`` exclude the data's modality, or that need a pool when there is
            none, are skipped (recorded in
            ``info["skipped"]``).
        n_per_class: synthetic amounts per class to try (ints >= 1, drawn before filtering).
        filter: the filter whose ``threshold`` is searched (a name or a config without
            ``threshold``); it must keep the samples whose ``score >= threshold`` (as
            ``label_fidelity`` does). ``None``: no filtering.
        thresholds: filter thresholds to try (each must be accepted by the filter).
        weights: loss weights of synthetic samples to try (> 0; real samples weigh 1).
        classical: whether generative candidates also get classical augmentation on top:
            any non-empty subset of ``[False, True]``.
        baselines: the no-synthetic candidates, a non-empty subset of ``["none", "classical"]``.
        augment: the classical augmenter config (``None``: the modality default); without a
            default for the modality (tabular, text), classical candidates are skipped.
        use_pool: fit synthesizers on the unlabeled pool too (labels hidden).
        model: classifier config for the trials, e.g. ``{name: small_cnn, steps: 200}``;
            ``None`` picks :func:`default_trial_model` for the modality.
        repeats: trainings per candidate (different seeds, the same for every candidate).
        n_trials: distinct generative candidates evaluated (the baselines come on top).
        search: ``"optuna"`` (TPE, seeded from the generator) or ``"grid"`` (every
            combination, in order; the grid must not exceed ``n_trials``).
        penalty: score = mean accuracy - ``penalty`` * standard error over repeats, and the
            paired gain of a generative winner must stay above ``margin`` after subtracting
            ``penalty`` standard errors (>= 0).
        margin: how much a generative candidate must beat the best no-synthetic one by, in
            accuracy (>= 0; comparisons are strict, so ties keep no synthetic data).

    Raises:
        ValueError: an option out of range or unknown (the message names the option).
        TypeError: an option of the wrong type.

    Example:
        >>> from genaug import registry
        >>> auto = registry.create("strategy", "auto", synthesizers=["cvae"], n_per_class=[50],
        ...                        thresholds=[0.0, 0.5], n_trials=4)   # doctest: +SKIP
        >>> plan = auto.prepare(split, generator=0)                     # doctest: +SKIP
        >>> plan.info["chosen"]                                         # doctest: +SKIP
        {'strategy': 'classical'}
    """

    def __init__(
        self,
        *,
        synthesizers: Sequence[str | dict[str, Any]] | None = None,
        n_per_class: Sequence[int] = (10, 50, 200),
        filter: str | dict[str, Any] | None = "label_fidelity",
        thresholds: Sequence[float] = (0.0, 0.5, 0.9),
        weights: Sequence[float] = (0.25, 0.5, 1.0),
        classical: Sequence[bool] = (False, True),
        baselines: Sequence[Baseline] = ("none", "classical"),
        augment: dict[str, Any] | list[Any] | None = None,
        use_pool: bool = True,
        model: dict[str, Any] | None = None,
        repeats: int = 2,
        n_trials: int = 16,
        search: Search = "optuna",
        penalty: float = 1.0,
        margin: float = 0.0,
    ) -> None:
        self.synthesizers = synthesizers
        self.n_per_class = n_per_class
        self.filter = filter
        self.thresholds = thresholds
        self.weights = weights
        self.classical = classical
        self.baselines = baselines
        self.augment = augment
        self.use_pool = use_pool
        self.model = model
        self.repeats = repeats
        self.n_trials = n_trials
        self.search = search
        self.penalty = penalty
        self.margin = margin
        self._validate()

    # ----- validation -----------------------------------------------------------------------
    def _validate(self) -> None:
        if self.synthesizers is not None:
            for config in _as_list("synthesizers", self.synthesizers):
                name, options = _named_option("synthesizers", config)
                _create_checked("synthesizers", "synthesizer", name, options)
        for n in _as_list("n_per_class", self.n_per_class):
            check_int("n_per_class", n, low=1)
        if self.filter is not None:
            name, options = _named_option("filter", self.filter)
            if "threshold" in options:
                raise ValueError(
                    f"filter must not set 'threshold' (it is searched over thresholds); got {self.filter!r}"
                )
            factory = registry.get("filter", name)
            if "threshold" not in inspect.signature(factory).parameters:
                raise ValueError(
                    f"filter must accept a 'threshold' option to be searched; {name!r} does not "
                    f"(got filter={self.filter!r})"
                )
            for t in _as_list("thresholds", self.thresholds):
                check_range("thresholds", t)
                _create_checked("thresholds", "filter", name, {**options, "threshold": t})
        else:
            for t in _as_list("thresholds", self.thresholds):
                check_range("thresholds", t)
        for w in _as_list("weights", self.weights):
            check_range("weights", w, 0.0, low_inclusive=False)
        for c in _as_list("classical", self.classical):
            if not isinstance(c, bool):
                raise TypeError(f"classical must list bools (False, True); got {self.classical!r}")
        for b in _as_list("baselines", self.baselines):
            check_choice("baselines", b, ["none", "classical"])
        try:
            ClassicalAugmentation(augment=self.augment)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"augment: {exc}") from None
        if not isinstance(self.use_pool, bool):
            raise TypeError(f"use_pool must be a bool; got {self.use_pool!r}")
        if self.model is not None:
            if not isinstance(self.model, dict) or "name" not in self.model:
                raise ValueError(f"model must be a mapping with a 'name' key or None; got {self.model!r}")
            _create_checked("model", "model", self.model["name"],
                            {k: v for k, v in self.model.items() if k != "name"})
        check_int("repeats", self.repeats, low=1)
        check_int("n_trials", self.n_trials, low=1)
        check_choice("search", self.search, ["optuna", "grid"])
        check_range("penalty", self.penalty, 0.0)
        check_range("margin", self.margin, 0.0)

    # ----- the strategy ---------------------------------------------------------------------
    def prepare(self, split: Any, *, generator: Seed = None) -> TrainingPlan:
        """Search on ``split.val``; return the chosen candidate's plan on the full labeled set.

        Args:
            split: a :class:`genaug.data.Split` (``labeled``, ``unlabeled``, ``val``); its
                ``test`` part is never read.
            generator: the only source of randomness (synthesizer fits and samples, validation
                halves, trial seeds, the TPE sampler).

        Returns:
            The chosen candidate's :class:`TrainingPlan`. ``info`` holds ``"chosen"`` (its
            config), ``"decision"`` (why), ``"history"`` (one dict per evaluated candidate:
            ``trial``, ``kind``, ``config``, ``scores`` (accuracy per repeat), ``mean``,
            ``stderr``, ``score`` (penalised), ``mean_nll``, ``gain``/``gain_stderr`` (paired,
            vs the best no-synthetic candidate), ``n_synthetic``, ``n_train``, ``same_as``,
            ``seconds``), ``"search_seconds"``, the best record of each group, the validation
            half sizes, the trial model, the searched synthesizers and what was skipped, why.

        Raises:
            ValueError: no validation data; a grid larger than ``n_trials``.
        """
        start = time.perf_counter()
        base = draw_seed(generator)
        labeled: LabeledData = split.labeled
        val: LabeledData | None = getattr(split, "val", None)
        if val is None or len(val) == 0:
            raise ValueError("the auto strategy needs a non-empty split.val to score candidates; "
                             "set split.val_per_class >= 2")
        select_idx, score_idx = stratified_halves(val, generator=derive_seed(base, "val_halves"))
        folds = _cross_folds(val, select_idx, score_idx)
        model_config = self.model if self.model is not None else default_trial_model(labeled.modality)
        search = _Search(self, split, base, model_config, folds, len(val))

        for name in self.baselines:
            search.evaluate_baseline(name)
        search.run_generative()

        chosen, reason = search.choose()
        plan = search.plan_for(chosen)
        info = dict(plan.info)
        info.update({
            "chosen": dict(chosen["config"]),
            "chosen_score": chosen["score"],
            "decision": reason,
            "best_no_synthetic": search.best("baseline"),
            "best_generative": search.best("generative"),
            "history": search.history,
            "n_duplicate_suggestions": search.duplicates,
            "val_halves": {"select": len(select_idx), "score": len(score_idx)},
            "trial_model": dict(model_config),
            "synthesizers": list(search.synth_labels),
            "skipped": list(search.skipped),
            "search": self.search,
            "search_seconds": time.perf_counter() - start,
        })
        return TrainingPlan(train=plan.train, augmenter=plan.augmenter, mixer=plan.mixer, info=info)


class _Search:
    """State of one :meth:`AutoStrategy.prepare`: caches, trials and history."""

    def __init__(self, auto: AutoStrategy, split: Any, base: int, model_config: dict[str, Any],
                 folds: list[_Fold], n_val: int) -> None:
        self.auto = auto
        self.split = split
        self.labeled: LabeledData = split.labeled
        self.base = base
        self.model_config = model_config
        self.folds = folds
        self.n_val = n_val
        self.history: list[dict[str, Any]] = []
        self.skipped: list[str] = []
        self.duplicates = 0
        self._results: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._outcomes: dict[int, _Outcome] = {}
        self._synthetic: dict[str, _Synthetic] = {}
        self._classical = self._classical_plan()
        self.synth_labels = self._synthesizer_labels()

    # ----- candidates ---------------------------------------------------------------------
    def _classical_plan(self) -> TrainingPlan | None:
        try:
            return ClassicalAugmentation(augment=self.auto.augment).prepare(self.split)
        except ValueError as exc:
            if self.auto.augment is not None:
                raise
            self.skipped.append(f"classical: {exc}")
            return None

    def _synthesizer_labels(self) -> dict[str, tuple[str, dict[str, Any]]]:
        configs: list[Any]
        if self.auto.synthesizers is None:
            known = registry.available("synthesizer")
            configs = [n for n in DEFAULT_SYNTHESIZERS if n in known]
            missing = [n for n in DEFAULT_SYNTHESIZERS if n not in known]
            if missing:
                self.skipped.append(f"synthesizers {missing}: not registered")
        else:
            configs = list(self.auto.synthesizers)
        named = [_named_option("synthesizers", c) for c in configs]
        counts = {name: sum(n == name for n, _ in named) for name, _ in named}
        seen: dict[str, int] = {}
        labels: dict[str, tuple[str, dict[str, Any]]] = {}
        modality = self.labeled.modality
        for name, options in named:
            seen[name] = seen.get(name, 0) + 1
            label = name if counts[name] == 1 else f"{name}#{seen[name]}"
            klass = registry.get("synthesizer", name)
            supports = getattr(klass, "supports", None)
            ok = supports(modality) if supports is not None else accepts(
                modality, names=getattr(klass, "modalities", None), tensor_ndims=(3, 4))
            if not ok:
                self.skipped.append(f"synthesizer {label!r}: does not support modality {modality!r}")
                continue
            if getattr(klass, "requires_unlabeled", False) and self._pool() is None:
                self.skipped.append(f"synthesizer {label!r}: needs an unlabeled pool "
                                    "(use_pool: true and a split that leaves unlabeled samples)")
                continue
            labels[label] = (name, options)
        return labels

    def space(self) -> dict[str, list[Any]]:
        """The generative axes (empty when no generative candidate is possible)."""
        classical = [c for c in self.auto.classical if not c or self._classical is not None]
        if not self.synth_labels or not classical:
            return {}
        return {
            "synthesizer": list(self.synth_labels),
            "n_per_class": [int(n) for n in self.auto.n_per_class],
            "threshold": [float(t) for t in self.auto.thresholds] if self.auto.filter is not None else [None],
            "weight": [float(w) for w in self.auto.weights],
            "classical": classical,
        }

    def _pool(self) -> LabeledData | None:
        """The label-hidden unlabeled pool when ``use_pool`` and the split has one, else None."""
        pool = getattr(self.split, "unlabeled", None)
        if not self.auto.use_pool or pool is None or len(pool) == 0:
            return None
        return unlabeled_view(pool)

    def _synthetic_for(self, label: str) -> _Synthetic:
        """Fit ``label``'s synthesizer once, sample the largest amount once, score it once."""
        if label in self._synthetic:
            return self._synthetic[label]
        name, options = self.synth_labels[label]
        synth = registry.create("synthesizer", name, **options)
        pool = self._pool()
        t0 = time.perf_counter()
        synth.fit(self.labeled, unlabeled=pool, generator=derive_seed(self.base, "fit", label))
        t1 = time.perf_counter()
        data = synth.sample(max(int(n) for n in self.auto.n_per_class),
                            generator=derive_seed(self.base, "sample", label))
        t2 = time.perf_counter()
        scores = None
        if self.auto.filter is not None and len(data):
            fname, foptions = _named_option("filter", self.auto.filter)
            filt = registry.create("filter", fname, **foptions)
            scores = np.asarray(filt.fit(self.labeled).score(data), dtype=np.float64)
        t3 = time.perf_counter()
        info = {"synthesizer": label, "used_pool": pool is not None, "n_sampled": len(data),
                "seconds_fit": t1 - t0, "seconds_sample": t2 - t1, "seconds_filter": t3 - t2}
        self._synthetic[label] = _Synthetic(data=data, scores=scores, info=info)
        return self._synthetic[label]

    def _baseline_plan(self, name: str) -> TrainingPlan:
        if name == "none":
            return TrainingPlan(train=self.labeled)
        if self._classical is None:
            raise ValueError(f"the classical candidate is unavailable here: {self.skipped}")
        return self._classical

    def _generative_candidate(self, config: dict[str, Any]) -> _Candidate:
        syn = self._synthetic_for(config["synthesizer"])
        n = config["n_per_class"]
        keep = np.concatenate([np.flatnonzero(syn.data.y == c)[:n] for c in range(syn.data.num_classes)])
        keep = np.sort(keep).astype(np.int64)
        if syn.scores is not None and config["threshold"] is not None:
            keep = keep[syn.scores[keep] >= config["threshold"]]
        synthetic = syn.data.subset(keep)
        mixer = registry.create("fusion", "mix_weighted", synthetic_weight=config["weight"])
        train = mixer.mix(self.labeled, synthetic, generator=derive_seed(self.base, "mix"))
        augmenter = label_mixer = None
        if config["classical"] and self._classical is not None:
            augmenter, label_mixer = self._classical.augmenter, self._classical.mixer
        info = {**syn.info, "n_kept": len(synthetic), "n_train": len(train),
                "n_per_class": n, "threshold": config["threshold"], "synthetic_weight": config["weight"],
                "classical": config["classical"]}
        plan = TrainingPlan(train=train, augmenter=augmenter, mixer=label_mixer, info=info)
        return _Candidate(plan=plan, n_synthetic=len(synthetic))

    # ----- trials -------------------------------------------------------------------------
    def _train_and_score(self, plan: TrainingPlan) -> _Outcome:
        from genaug.train import metrics

        accs: list[float] = []
        nlls: list[float] = []
        correct: list[np.ndarray] = []
        name = self.model_config["name"]
        options = {k: v for k, v in self.model_config.items() if k != "name"}
        for r in range(int(self.auto.repeats)):
            fold = self.folds[r % len(self.folds)]
            clf = registry.create("model", name, **options)
            clf.fit(plan.train, fold.select, augmenter=plan.augmenter, mixer=plan.mixer,
                    generator=derive_seed(self.base, "repeat", r))
            probs = np.asarray(clf.predict_proba(fold.score))
            accs.append(float(metrics.accuracy(probs, fold.score.y)))
            nlls.append(float(metrics.nll(probs, fold.score.y)))
            row = np.full(self.n_val, np.nan)  # NaN: not scored by this repeat
            row[fold.score_idx] = probs.argmax(axis=1) == fold.score.y
            correct.append(row)
        return _Outcome(accs=accs, nlls=nlls, correct=np.stack(correct))

    def _record(self, kind: str, config: dict[str, Any], outcome: _Outcome, *, n_synthetic: int,
                n_train: int, same_as: str | None, seconds: float) -> dict[str, Any]:
        mean, stderr = _mean_stderr(np.asarray(outcome.accs, dtype=np.float64))
        record: dict[str, Any] = {
            "trial": len(self.history), "kind": kind, "config": dict(config),
            "scores": list(outcome.accs), "mean": mean, "stderr": stderr,
            "score": mean - float(self.auto.penalty) * stderr, "mean_nll": float(np.mean(outcome.nlls)),
            "n_synthetic": n_synthetic, "n_train": n_train, "same_as": same_as,
            "gain": None, "gain_stderr": None, "seconds": seconds,
        }
        reference = self.best("baseline")
        if kind == "generative" and reference is not None:
            record["gain"], record["gain_stderr"] = _paired_gain(
                outcome.correct, self._outcomes[reference["trial"]].correct)
        self._outcomes[record["trial"]] = outcome
        self.history.append(record)
        return record

    def evaluate_baseline(self, name: str) -> None:
        """Train and score the no-synthetic candidate ``name`` (``"none"``/``"classical"``)."""
        if name == "classical" and self._classical is None:
            return
        t0 = time.perf_counter()
        plan = self._baseline_plan(name)
        outcome = self._train_and_score(plan)
        record = self._record("baseline", {"strategy": name}, outcome, n_synthetic=0,
                              n_train=len(plan.train), same_as=None, seconds=time.perf_counter() - t0)
        self._results[("baseline", name)] = record

    def evaluate_generative(self, config: dict[str, Any]) -> dict[str, Any]:
        """Score one generative config (cached by config); return its history record."""
        key = ("generative", *config.values())
        if key in self._results:
            self.duplicates += 1
            return self._results[key]
        t0 = time.perf_counter()
        candidate = self._generative_candidate(config)
        full = {"strategy": "generative", **config}
        twin = "classical" if config["classical"] else "none"
        same_as = twin if candidate.n_synthetic == 0 else None
        if same_as is not None and ("baseline", twin) in self._results:
            # Nothing synthetic was kept: the same training as the baseline; reuse its outcome.
            outcome = self._outcomes[self._results[("baseline", twin)]["trial"]]
        else:
            outcome = self._train_and_score(candidate.plan)
        record = self._record("generative", full, outcome, n_synthetic=candidate.n_synthetic,
                              n_train=len(candidate.plan.train), same_as=same_as,
                              seconds=time.perf_counter() - t0)
        self._results[key] = record
        return record

    def run_generative(self) -> None:
        """Evaluate up to ``n_trials`` distinct generative configs (grid or TPE)."""
        space = self.space()
        if not space:
            return
        size = math.prod(len(v) for v in space.values())
        n_trials = int(self.auto.n_trials)
        if self.auto.search == "grid":
            if size > n_trials:
                raise ValueError(
                    f"n_trials={n_trials} is smaller than the grid of {size} generative candidates "
                    f"({', '.join(f'{k}: {len(v)}' for k, v in space.items())}); raise n_trials, "
                    "shrink the lists or use search='optuna'"
                )
            for values in itertools.product(*space.values()):
                self.evaluate_generative(dict(zip(space, values, strict=True)))
            return
        self._run_optuna(space, min(n_trials, size))

    def _run_optuna(self, space: dict[str, list[Any]], n_distinct: int) -> None:
        optuna = _import_optuna()
        sampler = optuna.samplers.TPESampler(seed=derive_seed(self.base, "optuna") % 2**32)
        with _quiet_optuna(optuna):
            study = optuna.create_study(direction="maximize", sampler=sampler)
            distinct = 0
            for _ in range(_MAX_ASKS_PER_TRIAL * n_distinct):
                if distinct >= n_distinct:
                    break
                trial = study.ask()
                config = {key: trial.suggest_categorical(key, choices) for key, choices in space.items()}
                before = len(self._results)
                record = self.evaluate_generative(config)
                distinct += len(self._results) > before
                study.tell(trial, record["score"])

    # ----- choice -------------------------------------------------------------------------
    def _group(self, kind: str) -> list[dict[str, Any]]:
        records = [r for r in self.history if r["kind"] == kind]
        if kind == "generative":
            records = [r for r in records if r["n_synthetic"] > 0]
        return records

    def best(self, kind: Literal["baseline", "generative"]) -> dict[str, Any] | None:
        """The best record of a group: highest score, then (baselines) classical before none."""
        records = self._group(kind)
        if not records:
            return None
        order = {"classical": 0, "none": 1}
        return max(records, key=lambda r: (r["score"], -order.get(r["config"]["strategy"], 2), -r["trial"]))

    def choose(self) -> tuple[dict[str, Any], str]:
        """The chosen record and why: generative only if it clearly beats no synthetic data.

        The best generative candidate (highest penalised score, with synthetic samples kept)
        wins only if (1) its penalised score exceeds the best no-synthetic score by more than
        ``margin`` and (2) its paired gain over that baseline on the scored samples stays above
        ``margin`` after subtracting ``penalty`` paired standard errors.
        """
        penalty, margin = float(self.auto.penalty), float(self.auto.margin)
        best_base, best_gen = self.best("baseline"), self.best("generative")
        if best_gen is None:
            if best_base is None:
                raise ValueError("the auto strategy has no candidate to evaluate: baselines "
                                 f"{list(self.auto.baselines)} and no generative candidate; skipped: "
                                 f"{self.skipped}")
            return best_base, "no generative candidate kept any synthetic sample"
        if best_base is None:
            return best_gen, "no no-synthetic candidate was evaluated"
        if best_gen["score"] <= best_base["score"] + margin + _TIE:
            return best_base, (f"best generative score {best_gen['score']:.4f} does not beat the best "
                               f"no-synthetic score {best_base['score']:.4f} + margin {margin}")
        bound = best_gen["gain"] - penalty * best_gen["gain_stderr"]
        if bound <= margin + _TIE:
            return best_base, (f"paired gain {best_gen['gain']:.4f} - {penalty} x stderr "
                               f"{best_gen['gain_stderr']:.4f} = {bound:.4f} is not above margin {margin}")
        return best_gen, (f"generative beats no synthetic data: score {best_gen['score']:.4f} > "
                          f"{best_base['score']:.4f}, paired gain bound {bound:.4f} > {margin}")

    def plan_for(self, record: dict[str, Any]) -> TrainingPlan:
        """The training plan of a chosen record (full labeled set; cached synthetic data)."""
        config = dict(record["config"])
        name = config.pop("strategy")
        if name != "generative":
            plan = self._baseline_plan(name)
            return TrainingPlan(train=plan.train, augmenter=plan.augmenter, mixer=plan.mixer,
                                info={**plan.info, "strategy": name})
        candidate = self._generative_candidate(config)
        return TrainingPlan(train=candidate.plan.train, augmenter=candidate.plan.augmenter,
                            mixer=candidate.plan.mixer, info={**candidate.plan.info, "strategy": name})


# ----- helpers ------------------------------------------------------------------------------
def _mean_stderr(values: np.ndarray) -> tuple[float, float]:
    """Mean and standard error of the mean (0 for a single value)."""
    mean = float(values.mean())
    stderr = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0
    return mean, stderr


def _paired_gain(correct: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """Mean accuracy gain over ``reference`` on the same samples and seeds, and its standard error.

    Both arrays are (repeats, n) 0/1 correctness, NaN where a repeat did not score a sample
    (the same entries in both: repeat ``r`` always scores the same half). The standard error
    adds the part due to the finite scoring set (per-sample differences averaged over the
    repeats that scored them) and the part due to the training seed (per-repeat differences),
    so a deterministic classifier is not judged as if its validation accuracy were exact.
    """
    diff = np.asarray(correct, dtype=np.float64) - np.asarray(reference, dtype=np.float64)
    scored = ~np.isnan(diff)
    _, se_samples = _mean_stderr(np.nanmean(diff[:, scored.any(axis=0)], axis=0))
    _, se_repeats = _mean_stderr(np.nanmean(diff[scored.any(axis=1)], axis=1))
    return float(diff[scored].mean()), float(math.hypot(se_samples, se_repeats))


@dataclass
class _Fold:
    """One way to use the validation split: early stopping on ``select``, scoring on ``score``."""

    select: LabeledData | None
    score: LabeledData
    score_idx: np.ndarray


def _cross_folds(val: LabeledData, first: np.ndarray, second: np.ndarray) -> list[_Fold]:
    """(select first, score second) and, when both halves are non-empty, the swap.

    Repeats alternate between the two (cross-fitting), so with ``repeats >= 2`` every
    validation sample is scored, by models that did not use it for early stopping.
    """
    folds = [_Fold(val.subset(first) if len(first) else None, val.subset(second), second)]
    if len(first):
        folds.append(_Fold(val.subset(second), val.subset(first), first))
    return folds


def _as_list(name: str, value: Any) -> list[Any]:
    if isinstance(value, str | bytes | dict) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a list; got {value!r} ({type(value).__name__})")
    items = list(value)
    if not items:
        raise ValueError(f"{name} must list at least one value; got {value!r}")
    keys = [repr(v) for v in items]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{name} must not repeat values; got {value!r}")
    return items


def _named_option(option: str, config: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(config, str):
        return config, {}
    if not isinstance(config, dict) or not isinstance(config.get("name"), str):
        raise ValueError(f"{option} must hold names or mappings with a 'name' key; got {config!r}")
    return config["name"], {k: v for k, v in config.items() if k != "name"}


def _create_checked(option: str, kind: Any, name: str, options: dict[str, Any]) -> Any:
    """Instantiate ``kind``/``name`` to validate it; re-raise errors naming ``option``."""
    try:
        return registry.create(kind, name, **options)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{option}: {exc}") from None


def _import_optuna() -> Any:
    try:
        import optuna
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the auto strategy with search='optuna' needs optuna; install it with `pip install optuna` "
            "or use search='grid'"
        ) from None
    return optuna


@contextlib.contextmanager
def _quiet_optuna(optuna: Any) -> Iterator[None]:
    """Silence optuna's INFO logging for the block, then restore its verbosity."""
    previous = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(previous)
