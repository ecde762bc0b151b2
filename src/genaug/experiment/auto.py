"""The ``auto`` strategy: search augmentation settings without the test split, and do no harm.

:class:`AutoStrategy` compares candidates **without ever reading** ``split.test``:

* the *baselines* (no synthetic data): ``none`` (labeled data only) and ``classical`` (the
  modality's default on-the-fly augmenter, or ``augment``);
* *generative* candidates: a synthesizer (fitted on the labeled data and the label-hidden
  unlabeled pool), the synthetic amount per class, a filter threshold, the loss weight of the
  synthetic samples (``meta["weight"]`` via the ``mix_weighted`` fusion), and whether classical
  augmentation runs on top, through :mod:`genaug.experiment.generation`;
* further *candidates*: any registered strategy configs (``class_weight``, ``resample``,
  ``synthesize``, a pool strategy, ...), each scored like a generative candidate.

How a candidate is scored is a setting (:mod:`genaug.experiment.protocols`): the
``protocol`` (``val_halves``: select on one stratified half of the validation split, score on
the other, alternating; ``kfold``: pool labeled + validation rows, prepare on the other folds,
score the held-out one) and the ``metric`` (``accuracy``, ``macro_f1`` or minority-class
``pr_auc``). The search engine over generative settings (grid or TPE) is
:mod:`genaug.experiment.search`; the paired statistics are :mod:`genaug.experiment.stats`.

Honest selection. A candidate's score is ``mean(metric) - penalty * stderr(metric)`` over its
evaluations (seeds, halves and folds shared by all candidates, so comparisons are paired). The
*reference* baseline, the one challengers are paired with and the fallback, is set by
``reference``:

* ``"best"``: the higher-scoring of ``none`` and ``classical``, ``classical`` on a tie: classical
  augmentation is the prior, as for networks that learn their features from the (augmented)
  inputs;
* ``"none"``: ``none`` (labeled data only), and ``classical`` replaces it only if it passes the
  two tests below against ``none``, as a challenger must: the prior for models on fixed
  features (a frozen sentence encoder or TF-IDF + a linear model), where augmented copies of the
  training samples are known to add little or cost accuracy (Longpre et al. 2020 for EDA and
  back-translation on pretrained encoders; -0.8 to -1.0 points for EDA on MiniLM here);
* ``"auto"`` (default): the trial model's own prior, its ``auto_reference`` attribute
  (``"none"`` for ``minilm_logreg`` and ``tfidf_logreg``, ``"best"`` for every other model).

The best challenger (generative or further candidate) is chosen only if

1. its score beats the best baseline score by more than ``margin``, and
2. its paired gain over the reference baseline (same scored samples, same seeds) minus
   ``penalty`` times the gain's standard error is still above ``margin``. For accuracy that
   standard error counts the finite set of scored samples as well as the seeds, so a
   deterministic classifier (zero spread over repeats) cannot win on a lucky handful of
   validation samples.

Both comparisons are strict with a 1e-9 tolerance, so an exact tie never counts as a win.
Otherwise the reference baseline is chosen (without ``none`` in ``baselines``, the best
baseline). A generative candidate whose
filter kept no synthetic sample is the same training as a baseline and is never counted as a
challenger. ``tabular_auto`` (:class:`genaug.experiment.tabular.TabularAuto`) is a preset:
k-fold, minority PR-AUC, no penalty, class weights / SMOTE / a copula as candidates.

Cost control. Each synthesizer is fitted at most once per prepared split (once in all with
``val_halves``; once per fold and once for the final plan with ``kfold``), samples
``max(n_per_class)`` per class once (smaller amounts take the first ``n`` samples of each
class, so they are nested), and its filter scores are computed once. Repeated suggestions of
the same candidate are answered from a cache. The number of classifier trainings is at most
``(len(baselines) + len(candidates) + n_trials) * evaluations`` (``repeats`` with
``val_halves``, ``folds * repeats`` with ``kfold``).

Example YAML:
    strategies:
      - name: auto
        synthesizers: [cvae, {name: diffusion, steps: 2000}]
        n_per_class: [10, 50, 200]
        thresholds: [0.0, 0.5, 0.9]
        weights: [0.25, 0.5, 1.0]
        candidates: [{name: classical, mixer: {name: mixup}}]   # any strategy configs
        n_trials: 16
        metric: macro_f1
        model: {name: small_cnn, steps: 200}
"""

from __future__ import annotations

import dataclasses
import inspect
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.experiment import generation, protocols
from genaug.experiment.budget import Work
from genaug.experiment.generation import named, unlabeled_view
from genaug.experiment.protocols import Evaluation, stratified_halves
from genaug.experiment.search import Search, run_search
from genaug.experiment.stats import mean_stderr, paired_gain
from genaug.experiment.strategies import (
    ClassicalAugmentation,
    Strategy,
    TrainingPlan,
    create_model,
    fit_plan,
)
from genaug.modalities.base import accepts, get_modality
from genaug.rng import Seed, derive_seed, draw_seed
from genaug.validation import check_choice, check_int, check_range

__all__ = ["AutoStrategy", "DEFAULT_SYNTHESIZERS", "default_trial_model", "stratified_halves"]

Baseline = Literal["none", "classical"]

DEFAULT_SYNTHESIZERS: tuple[str, ...] = ("cvae", "diffusion", "pseudo_label")
"""Synthesizers searched when ``synthesizers`` is None (those registered and fit for the data)."""

_TIE = 1e-9  # float noise in means of 0/1 scores must not turn a tie into a win
_CHALLENGERS = ("generative", "candidate")


def default_trial_model(modality: str) -> dict[str, Any]:
    """The classifier config that trial trainings use when ``model`` is None.

    Args:
        modality: the data modality.

    Returns:
        The modality's default classifier, e.g. ``{"name": "small_cnn", "steps": 200}`` for
        images, ``cnn1d`` for signals, ``mlp`` for tabular data.

    Raises:
        ValueError: for modalities without a default classifier.

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


@dataclass
class _Synthetic:
    """One fitted synthesizer's samples (the largest amount) and their filter scores."""

    data: LabeledData
    scores: np.ndarray | None
    info: dict[str, Any]


@dataclass
class _Outcome:
    """Trial trainings of one candidate: metric and NLL per evaluation, paired rows."""

    values: list[float]
    nlls: list[float]
    rows: np.ndarray  # (evaluations, n) per-sample scores (NaN: not scored) or (evaluations, 1)


@dataclass
class _Context:
    """Where plans are prepared: a split and its cache key (fold index, or ``"final"``)."""

    split: Any
    key: Any


@registry.register("strategy", "auto")
class AutoStrategy(Strategy):
    """Pick the augmentation that scores best without the test split; never worse than none.

    See the module docstring for the search space, the selection protocols and the cost
    controls.

    Args:
        synthesizers: synthesizer names or configs (``{name: cvae, epochs: 50}``) to search;
            ``None`` searches :data:`DEFAULT_SYNTHESIZERS` that are registered (``pseudo_label``
            is the pool labeled by a teacher, i.e. self-training); ``[]`` searches none.
            Synthesizers whose ``modalities`` exclude the data's modality, or that need a pool
            when there is none, are skipped (recorded in ``info["skipped"]``).
        n_per_class: synthetic amounts per class to try (ints >= 1, drawn before filtering).
        filter: the filter whose ``threshold`` is searched (a name or a config without
            ``threshold``); it must keep the samples whose ``score >= threshold`` (as
            ``label_fidelity`` does). ``None``: no filtering.
        thresholds: filter thresholds to try (each must be accepted by the filter).
        weights: loss weights of synthetic samples to try (> 0; real samples weigh 1).
        classical: whether generative candidates also get classical augmentation on top:
            any non-empty subset of ``[False, True]``.
        baselines: the no-synthetic reference candidates, a subset of ``["none",
            "classical"]`` (empty only when ``candidates`` is given; ``none`` is scored first
            in any order, since the other baseline's paired gain is against it).
        candidates: further strategy configs scored as challengers (names or ``{name: ...,
            **options}``; not plain ``none``/``classical``, which are baselines, nor an auto
            strategy). Options named ``quality`` are set to False for trial plans.
        augment: the classical augmenter config (``None``: the modality default); without a
            default for the modality (tabular, text), classical candidates are skipped.
        use_pool: fit synthesizers on the unlabeled pool too (labels hidden).
        model: classifier config for the trials (a name or ``{name: small_cnn, steps: 200}``);
            ``None`` picks :func:`default_trial_model` for the modality.
        repeats: trainings per candidate and fold (different seeds, the same for every
            candidate).
        n_trials: distinct generative candidates evaluated (baselines and candidates come on
            top).
        search: ``"optuna"`` (TPE, seeded from the generator) or ``"grid"`` (every
            combination, in order; the grid must not exceed ``n_trials``).
        protocol: ``"val_halves"`` or ``"kfold"`` (see :mod:`genaug.experiment.protocols`).
        folds: folds of the ``kfold`` protocol (>= 2; fewer when the smallest class is
            smaller).
        metric: ``"accuracy"``, ``"macro_f1"`` or ``"pr_auc"`` (average precision of the class
            with the fewest labeled samples).
        penalty: score = mean metric - ``penalty`` * standard error over evaluations, and the
            paired gain of a challenger must stay above ``margin`` after subtracting
            ``penalty`` standard errors (>= 0).
        margin: how much a challenger must beat the best baseline by, in the metric (>= 0;
            comparisons are strict, so ties keep the baseline).
        reference: which baseline challengers must beat and auto falls back to: ``"best"``,
            ``"none"`` or ``"auto"`` (the trial model's ``auto_reference``; see above).
        symmetries: also score the modality's symmetry variants of classical augmentation as
            candidates (images: the left-right flip toggled, an up-down flip added; see
            :meth:`~genaug.modalities.base.Modality.symmetry_variants`), so whether a flip
            preserves the labels is decided on validation, not assumed.

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
        candidates: Sequence[str | dict[str, Any]] | None = None,
        augment: dict[str, Any] | list[Any] | None = None,
        use_pool: bool = True,
        model: str | dict[str, Any] | None = None,
        repeats: int = 2,
        n_trials: int = 16,
        search: Search = "optuna",
        protocol: protocols.Protocol = "val_halves",
        folds: int = 3,
        metric: str = "accuracy",
        penalty: float = 1.0,
        margin: float = 0.0,
        reference: Literal["auto", "best", "none"] = "auto",
        symmetries: bool = False,
    ) -> None:
        self.synthesizers = synthesizers
        self.n_per_class = n_per_class
        self.filter = filter
        self.thresholds = thresholds
        self.weights = weights
        self.classical = classical
        self.baselines = baselines
        self.candidates = candidates
        self.augment = augment
        self.use_pool = use_pool
        self.model = model
        self.repeats = repeats
        self.n_trials = n_trials
        self.search = search
        self.protocol = protocol
        self.folds = folds
        self.metric = metric
        self.penalty = penalty
        self.margin = margin
        self.reference = reference
        self.symmetries = symmetries
        self._validate()

    # ----- validation -----------------------------------------------------------------------
    def _validate(self) -> None:
        if self.synthesizers is not None:
            configs = list(self.synthesizers) if _is_empty_list(self.synthesizers) else _as_list(
                "synthesizers", self.synthesizers)
            for config in configs:
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
        candidates = self._candidate_configs()
        baselines = ([] if candidates and _is_empty_list(self.baselines)
                     else _as_list("baselines", self.baselines))
        for b in baselines:
            check_choice("baselines", b, ["none", "classical"])
        for config in candidates:
            name, options = _named_option("candidates", config)
            if name in ("none", "classical") and not options:
                raise ValueError(f"candidates must not include plain {name!r}: it is a baseline (use "
                                 f"baselines: [{name}]; a configured one, e.g. classical with a mixer, "
                                 "is a candidate)")
            try:
                klass = registry.get("strategy", name)
            except ValueError as exc:
                raise ValueError(f"candidates: {exc}") from None
            if isinstance(klass, type) and issubclass(klass, AutoStrategy):
                raise ValueError(f"candidates must not include {name!r}: it is an auto strategy; "
                                 "list plain strategies")
            _create_checked("candidates", "strategy", name, options)
        try:
            ClassicalAugmentation(augment=self.augment)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"augment: {exc}") from None
        if not isinstance(self.use_pool, bool):
            raise TypeError(f"use_pool must be a bool; got {self.use_pool!r}")
        if self.model is not None:
            if not isinstance(self.model, str | dict) or (isinstance(self.model, dict)
                                                         and "name" not in self.model):
                raise ValueError(f"model must be a name, a mapping with a 'name' key or None; "
                                 f"got {self.model!r}")
            mname, moptions = named(self.model, "model")
            _create_checked("model", "model", mname, moptions)
        check_int("repeats", self.repeats, low=1)
        check_int("n_trials", self.n_trials, low=1)
        check_choice("search", self.search, ["optuna", "grid"])
        protocols.check_protocol(self.protocol, self.metric, self.folds)
        check_range("penalty", self.penalty, 0.0)
        check_range("margin", self.margin, 0.0)
        check_choice("reference", self.reference, ["auto", "best", "none"])
        if not isinstance(self.symmetries, bool):
            raise TypeError(f"symmetries must be a bool; got {self.symmetries!r}")

    def _candidate_configs(self) -> list[Any]:
        if self.candidates is None:
            return []
        return list(self.candidates) if _is_empty_list(self.candidates) else _as_list(
            "candidates", self.candidates)

    def _baseline_names(self) -> list[str]:
        return [str(b) for b in self.baselines]

    # ----- the strategy ---------------------------------------------------------------------
    def planned_work(self) -> Work:
        """Upper bound of the search's training: every baseline, candidate and trial scored in
        each evaluation (``repeats`` for ``val_halves``, ``folds`` for ``kfold``), plus the final
        fit; each synthesizer fitted once per context (1, or ``folds + 1`` for ``kfold``).
        A candidate counts its own :meth:`planned_work` per evaluation (a FixMatch candidate
        costs several plain fits)."""
        evaluations = self.repeats if self.protocol == "val_halves" else self.folds
        contexts = 1 if self.protocol == "val_halves" else self.folds + 1
        trials = float(len(self._baseline_names()) + self.n_trials)
        candidate_synths: list[dict[str, Any]] = []
        for config in self._candidate_configs():
            name, options = _named_option("candidates", config)
            work = registry.create("strategy", name, **options).planned_work()
            trials += work.classifier_fits
            candidate_synths += [dict(c) for c in work.synthesizers for _ in range(contexts)]
        if self.symmetries and self.augment is None:
            trials += 2
        if self.synthesizers is None:
            known = registry.available("synthesizer")
            configs: list[Any] = [n for n in DEFAULT_SYNTHESIZERS if n in known]
        else:
            configs = list(self.synthesizers)
        synthesizers = tuple(
            ({"name": c} if isinstance(c, str) else dict(c)) for c in configs for _ in range(contexts))
        return Work(classifier_fits=1.0 + trials * evaluations,
                    synthesizers=synthesizers + tuple(candidate_synths))

    def prepare(self, split: Any, *, generator: Seed = None) -> TrainingPlan:
        """Score the candidates; return the chosen one's plan on the full labeled set.

        Args:
            split: a :class:`genaug.data.Split` (``labeled``, ``unlabeled``, ``val``); its
                ``test`` part is never read.
            generator: the only source of randomness (synthesizer fits and samples, halves and
                folds, trial seeds, the TPE sampler).

        Returns:
            The chosen candidate's :class:`TrainingPlan`. ``info`` holds ``"chosen"`` (its
            config: ``{"strategy": name, **options}``), ``"chosen_label"``, ``"decision"``
            (why), ``"scores"`` (label -> score of every candidate evaluated), ``"history"``
            (one dict per evaluated candidate: ``trial``, ``kind``, ``label``, ``config``,
            ``scores`` (metric per evaluation), ``mean``, ``stderr``, ``score`` (penalised),
            ``mean_nll``, ``gain``/``gain_stderr`` (paired: a challenger's vs the reference
            baseline, classical's vs none), ``n_synthetic``, ``n_train``, ``same_as``,
            ``seconds``), ``"protocol"``, ``"metric"``, ``"search_seconds"``, the best record
            of each group, ``"reference_baseline"`` (the label of the baseline challengers are
            paired with), the half or fold sizes, the trial model, the searched synthesizers
            and what was skipped, why.

        Raises:
            ValueError: no validation data (``val_halves``); too few rows for ``kfold``; a
                grid larger than ``n_trials``.
        """
        start = time.perf_counter()
        base = draw_seed(generator)
        labeled: LabeledData = split.labeled
        evals, n_scored, facts = protocols.evaluations(
            self.protocol, split, repeats=int(self.repeats), folds=int(self.folds), base=base)
        if self.model is None:
            model_config = default_trial_model(labeled.modality)
        else:
            mname, moptions = named(self.model, "model")
            model_config = {"name": mname, **moptions}
        search = _Search(self, split, base, model_config, evals, n_scored)

        for name in sorted(self._baseline_names(), key=lambda b: b != "none"):  # none first:
            search.evaluate_baseline(name)  # the other baseline's paired gain is against it
        for i in range(len(search.candidates)):
            search.evaluate_candidate(i)
        run_search(search.space(), search.evaluate_generative, search=self.search,
                   n_trials=int(self.n_trials), seed=derive_seed(base, "optuna"))

        chosen, reason = search.choose()
        plan = search.final_plan(chosen)
        info = dict(plan.info)
        resolution = search.resolution()
        close = search.closest_gap()
        if close is not None and 0.0 < close < resolution:
            info["warnings"] = [*info.get("warnings", []), (
                f"auto: the best candidates' validation {self.metric} differ by {close:.4f}, less than "
                f"the {resolution:.4f} its validation data can resolve (one scored sample"
                f"{' of the minority class' if self.metric == 'pr_auc' else ''}); the choice is close to "
                "a coin flip: use more validation data (split.val_per_class or val_fraction) or "
                "protocol: kfold")]
        info.update({
            "chosen": dict(chosen["config"]),
            "chosen_label": chosen["label"],
            "chosen_score": chosen["score"],
            "decision": reason,
            "resolution": resolution,
            "scores": {r["label"]: r["score"] for r in search.history},
            "protocol": self.protocol,
            "metric": self.metric,
            "best_no_synthetic": search.best(("baseline",)),
            "reference_baseline": (search.reference() or {}).get("label"),
            "best_generative": search.best(("generative",)),
            "best_candidate": search.best(("candidate",)),
            "history": search.history,
            "n_duplicate_suggestions": search.duplicates,
            **facts,
            "trial_model": dict(model_config),
            "synthesizers": list(search.synth_labels),
            "skipped": list(search.skipped),
            "search": self.search,
            "search_seconds": time.perf_counter() - start,
        })
        return dataclasses.replace(plan, info=info)


class _Search:
    """State of one :meth:`AutoStrategy.prepare`: plan caches, trials and history."""

    def __init__(self, auto: AutoStrategy, split: Any, base: int, model_config: dict[str, Any],
                 evals: list[Evaluation], n_scored: int) -> None:
        self.auto = auto
        self.split = split
        self.labeled: LabeledData = split.labeled
        self.base = base
        self.model_config = model_config
        self.reference_mode = _reference_mode(auto.reference, model_config)
        self.evals = evals
        self.n_scored = n_scored
        # val_halves prepares every plan once, on the whole split: the final plan is that one
        self.final = _Context(split, 0 if auto.protocol == "val_halves" else "final")
        self.contexts = {e.key: _Context(e.split, e.key) for e in evals}
        self.contexts[self.final.key] = self.final
        self.history: list[dict[str, Any]] = []
        self.skipped: list[str] = []
        self.duplicates = 0
        self._results: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._outcomes: dict[int, _Outcome] = {}
        self._plans: dict[tuple[Any, ...], TrainingPlan] = {}
        self._synthetic: dict[tuple[str, Any], _Synthetic] = {}
        self.candidates = auto._candidate_configs()
        if auto.symmetries and auto.augment is None:
            variants = get_modality(self.labeled.modality).symmetry_variants(self.labeled.sample_shape)
            self.candidates += [{"name": "classical", "augment": v, "label": f"classical+{k}"}
                                for k, v in variants.items()]
        self.candidate_labels = _unique_labels([_candidate_label(c) for c in self.candidates])
        self.classical_ok = self._classical_available()
        self.synth_labels = self._synthesizer_labels()

    # ----- seeds ------------------------------------------------------------------------------
    def _seed(self, stream: str, *parts: Any, key: Any) -> int:
        """Seeds of plans prepared in context ``key``: the first (or only) context keeps the
        historical stream ``derive_seed(base, stream, *parts)``."""
        return derive_seed(self.base, stream, *parts) if key == 0 else derive_seed(
            self.base, stream, *parts, key)

    # ----- candidates -------------------------------------------------------------------------
    def _classical_available(self) -> bool:
        try:
            ClassicalAugmentation(augment=self.auto.augment).prepare(self.split)
        except ValueError as exc:
            if self.auto.augment is not None:
                raise
            self.skipped.append(f"classical: {exc}")
            return False
        return True

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
        named_configs = [_named_option("synthesizers", c) for c in configs]
        labels: dict[str, tuple[str, dict[str, Any]]] = {}
        modality = self.labeled.modality
        for label, (name, options) in zip(_unique_labels([n for n, _ in named_configs]), named_configs,
                                          strict=True):
            klass = registry.get("synthesizer", name)
            supports = getattr(klass, "supports", None)
            ok = supports(modality) if supports is not None else accepts(
                modality, names=getattr(klass, "modalities", None), tensor_ndims=(3, 4))
            if not ok:
                self.skipped.append(f"synthesizer {label!r}: does not support modality {modality!r}")
                continue
            if getattr(klass, "requires_unlabeled", False) and self._pool(self.split) is None:
                self.skipped.append(f"synthesizer {label!r}: needs an unlabeled pool "
                                    "(use_pool: true and a split that leaves unlabeled samples)")
                continue
            labels[label] = (name, options)
        return labels

    def space(self) -> dict[str, list[Any]]:
        """The generative axes (empty when no generative candidate is possible)."""
        classical = [c for c in self.auto.classical if not c or self.classical_ok]
        if not self.synth_labels or not classical:
            return {}
        return {
            "synthesizer": list(self.synth_labels),
            "n_per_class": [int(n) for n in self.auto.n_per_class],
            "threshold": [float(t) for t in self.auto.thresholds] if self.auto.filter is not None else [None],
            "weight": [float(w) for w in self.auto.weights],
            "classical": classical,
        }

    def _pool(self, split: Any) -> LabeledData | None:
        """The label-hidden unlabeled pool when ``use_pool`` and the split has one, else None."""
        if not self.auto.use_pool:
            return None
        return unlabeled_view(getattr(split, "unlabeled", None))

    def _synthetic_for(self, label: str, ctx: _Context) -> _Synthetic:
        """Fit ``label``'s synthesizer once per context, sample the largest amount once, score
        it once."""
        if (label, ctx.key) in self._synthetic:
            return self._synthetic[(label, ctx.key)]
        labeled = ctx.split.labeled
        name, options = self.synth_labels[label]
        made = generation.fit_and_sample(
            {"name": name, **options}, labeled, pool=self._pool(ctx.split),
            n_per_class=max(int(n) for n in self.auto.n_per_class),
            fit_seed=self._seed("fit", label, key=ctx.key),
            sample_seed=self._seed("sample", label, key=ctx.key), label=label)
        t0 = time.perf_counter()
        scores = (generation.filter_scores(self.auto.filter, labeled, made.data)
                  if self.auto.filter is not None else None)
        info = {**made.info, "seconds_filter": time.perf_counter() - t0}
        self._synthetic[(label, ctx.key)] = _Synthetic(data=made.data, scores=scores, info=info)
        return self._synthetic[(label, ctx.key)]

    def _classical_plan(self, ctx: _Context) -> TrainingPlan:
        return ClassicalAugmentation(augment=self.auto.augment).prepare(ctx.split)

    def plan(self, key: tuple[Any, ...], ctx: _Context) -> TrainingPlan:
        """The training plan of candidate ``key`` prepared in ``ctx`` (cached)."""
        cache = (*key, ctx.key)
        if cache in self._plans:
            return self._plans[cache]
        kind = key[0]
        if kind == "baseline":
            plan = (TrainingPlan(train=ctx.split.labeled) if key[1] == "none" else self._classical_plan(ctx))
        elif kind == "candidate":
            i = key[1]
            name, options = _named_option("candidates", self.candidates[i])
            factory = registry.get("strategy", name)
            if ctx is not self.final and "quality" in inspect.signature(factory).parameters:
                options = {**options, "quality": False}  # trial plans: no quality metrics
            index = len(self.auto._baseline_names()) + i
            seed = (derive_seed(self.base, "final") if ctx.key == "final"
                    else derive_seed(self.base, "candidate", index, ctx.key))
            plan = registry.create("strategy", name, **options).prepare(ctx.split, generator=seed)
        else:
            plan = self._generative_plan(dict(key[1]), ctx)
        self._plans[cache] = plan
        return plan

    def _generative_plan(self, config: dict[str, Any], ctx: _Context) -> TrainingPlan:
        syn = self._synthetic_for(config["synthesizer"], ctx)
        n = config["n_per_class"]
        keep = np.concatenate([np.flatnonzero(syn.data.y == c)[:n] for c in range(syn.data.num_classes)])
        keep = np.sort(keep).astype(np.int64)
        if syn.scores is not None and config["threshold"] is not None:
            keep = keep[syn.scores[keep] >= config["threshold"]]
        augmenter = label_mixer = None
        if config["classical"] and self.classical_ok:
            classical = self._classical_plan(ctx)
            augmenter, label_mixer = classical.augmenter, classical.mixer
        info = {**syn.info, "n_per_class": n, "threshold": config["threshold"],
                "synthetic_weight": config["weight"], "classical": config["classical"]}
        kept = syn.data.subset(keep)
        if syn.scores is not None and config["threshold"] is not None:
            warnings = generation.yield_warnings(n, kept)
            if warnings:
                info["warnings"] = warnings
        return generation.fuse(ctx.split.labeled, kept,
                               {"name": "mix_weighted", "synthetic_weight": config["weight"]},
                               mix_seed=self._seed("mix", key=ctx.key), augmenter=augmenter,
                               mixer=label_mixer, info=info)

    # ----- trials -----------------------------------------------------------------------------
    def _train_and_score(self, key: tuple[Any, ...]) -> _Outcome:
        from genaug.train import metrics

        values: list[float] = []
        nlls: list[float] = []
        rows: list[np.ndarray] = []
        name = self.model_config["name"]
        options = {k: v for k, v in self.model_config.items() if k != "name"}
        for ev in self.evals:
            plan = self.plan(key, self.contexts[ev.key])
            clf = fit_plan(create_model(name, options, plan), plan, ev.select, generator=ev.seed,
                           model=name)
            probs = np.asarray(clf.predict_proba(ev.score))
            value, row = protocols.score(self.auto.metric, self.labeled, probs, ev, self.n_scored)
            values.append(value)
            nlls.append(float(metrics.nll(probs, ev.score.y)))
            rows.append(row)
        return _Outcome(values=values, nlls=nlls, rows=np.stack(rows))

    def _record(self, kind: str, label: str, config: dict[str, Any], outcome: _Outcome, *,
                n_synthetic: int, n_train: int, same_as: str | None, seconds: float) -> dict[str, Any]:
        mean, stderr = mean_stderr(outcome.values)
        record: dict[str, Any] = {
            "trial": len(self.history), "kind": kind, "label": label, "config": dict(config),
            "scores": list(outcome.values), "mean": mean, "stderr": stderr,
            "score": mean - float(self.auto.penalty) * stderr, "mean_nll": float(np.mean(outcome.nlls)),
            "n_synthetic": n_synthetic, "n_train": n_train, "same_as": same_as,
            "gain": None, "gain_stderr": None, "seconds": seconds,
        }
        # challengers are paired with the chosen baseline; a baseline other than none with none
        reference = (self.reference() if kind in _CHALLENGERS
                     else self._none() if kind == "baseline" and label != "none" else None)
        if reference is not None:
            record["gain"], record["gain_stderr"] = paired_gain(
                outcome.rows, self._outcomes[reference["trial"]].rows)
        self._outcomes[record["trial"]] = outcome
        self.history.append(record)
        return record

    def evaluate_baseline(self, name: str) -> None:
        """Train and score the baseline ``name`` (``"none"``/``"classical"``)."""
        if name == "classical" and not self.classical_ok:
            return
        t0 = time.perf_counter()
        key = ("baseline", name)
        outcome = self._train_and_score(key)
        n_train = int(np.mean([len(self.plan(key, self.contexts[e.key]).train) for e in self.evals]))
        self._results[key] = self._record("baseline", name, {"strategy": name}, outcome, n_synthetic=0,
                                          n_train=n_train, same_as=None, seconds=time.perf_counter() - t0)

    def evaluate_candidate(self, i: int) -> None:
        """Train and score the further candidate ``i`` (a strategy config)."""
        t0 = time.perf_counter()
        key = ("candidate", i)
        name, options = _named_option("candidates", self.candidates[i])
        outcome = self._train_and_score(key)
        plans = [self.plan(key, self.contexts[e.key]) for e in self.evals]
        n_syn = [0 if p.synthetic is None else len(p.synthetic) for p in plans]
        self._results[key] = self._record(
            "candidate", self.candidate_labels[i], {"strategy": name, **options}, outcome,
            n_synthetic=int(np.mean(n_syn)), n_train=int(np.mean([len(p.train) for p in plans])),
            same_as=None, seconds=time.perf_counter() - t0)

    def evaluate_generative(self, config: dict[str, Any]) -> tuple[float, bool]:
        """Score one generative config (cached by config); return its score and whether it was
        new (the search engine's callback)."""
        key = ("generative", tuple(config.items()))
        if key in self._results:
            self.duplicates += 1
            return self._results[key]["score"], False
        t0 = time.perf_counter()
        plans = [self.plan(key, self.contexts[e.key]) for e in self.evals]
        n_synthetic = int(np.mean([len(p.synthetic) if p.synthetic is not None else 0 for p in plans]))
        twin = "classical" if config["classical"] else "none"
        same_as = twin if n_synthetic == 0 else None
        if same_as is not None and ("baseline", twin) in self._results:
            # Nothing synthetic was kept: the same training as the baseline; reuse its outcome.
            outcome = self._outcomes[self._results[("baseline", twin)]["trial"]]
        else:
            outcome = self._train_and_score(key)
        label = "generative:" + ",".join(f"{k}={v}" for k, v in config.items())
        record = self._record("generative", label, {"strategy": "generative", **config}, outcome,
                              n_synthetic=n_synthetic, n_train=int(np.mean([len(p.train) for p in plans])),
                              same_as=same_as, seconds=time.perf_counter() - t0)
        self._results[key] = record
        return record["score"], True

    # ----- choice -----------------------------------------------------------------------------
    def _group(self, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
        return [r for r in self.history if r["kind"] in kinds
                and (r["kind"] != "generative" or r["n_synthetic"] > 0)]

    def best(self, kinds: tuple[str, ...]) -> dict[str, Any] | None:
        """The best record of the given kinds: highest score, then (baselines) classical before
        none, then the earliest."""
        records = self._group(kinds)
        if not records:
            return None
        order = {"classical": 0, "none": 1}
        return max(records, key=lambda r: (r["score"], -order.get(r["config"]["strategy"], 2), -r["trial"]))

    def _none(self) -> dict[str, Any] | None:
        return next((r for r in self.history if r["kind"] == "baseline" and r["label"] == "none"), None)

    def _beats(self, record: dict[str, Any], score: float) -> tuple[bool, str]:
        """Whether ``record`` passes both tests (its score above ``score`` + margin; its paired
        ``gain`` minus ``penalty`` standard errors above margin), and why."""
        penalty, margin = float(self.auto.penalty), float(self.auto.margin)
        if record["score"] <= score + margin + _TIE:
            return False, f"score {record['score']:.4f} does not beat {score:.4f} + margin {margin}"
        bound = record["gain"] - penalty * record["gain_stderr"]
        if bound <= margin + _TIE:
            return False, (f"paired gain {record['gain']:.4f} - {penalty} x stderr "
                           f"{record['gain_stderr']:.4f} = {bound:.4f} is not above margin {margin}")
        return True, f"score {record['score']:.4f} > {score:.4f}, paired gain bound {bound:.4f} > {margin}"

    def reference(self) -> dict[str, Any] | None:
        """The baseline that challengers must beat. ``reference_mode`` ``"best"``: the best
        baseline (classical on a tie); ``"none"``: ``none`` unless another baseline (the
        classical one) passes the same two tests against it; without ``none``, the best."""
        none = self._none()
        if none is None or self.reference_mode == "best":
            return self.best(("baseline",))
        others = [r for r in self._group(("baseline",)) if r is not none]
        best = max(others, key=lambda r: (r["score"], -r["trial"]), default=None)
        if best is not None and self._beats(best, none["score"])[0]:
            return best
        return none

    def choose(self) -> tuple[dict[str, Any], str]:
        """The chosen record and why: a challenger only if it clearly beats the baselines.

        The best challenger (highest penalised score; generative ones must have kept synthetic
        samples) wins only if (1) its penalised score exceeds the best baseline score by more
        than ``margin`` and (2) its paired gain over the :meth:`reference` baseline stays above
        ``margin`` after subtracting ``penalty`` paired standard errors; otherwise the
        reference baseline is chosen.
        """
        best_base, best_new = self.reference(), self.best(_CHALLENGERS)
        if best_new is None:
            if best_base is None:
                raise ValueError("the auto strategy has no candidate to evaluate: baselines "
                                 f"{self.auto._baseline_names()}, no further candidate and no "
                                 f"generative candidate; skipped: {self.skipped}")
            return best_base, "no challenger: no generative candidate kept any synthetic sample"
        if best_base is None:
            return best_new, "no baseline was evaluated"
        what = "generative" if best_new["kind"] == "generative" else f"candidate {best_new['label']!r}"
        top = max(r["score"] for r in self._group(("baseline",)))  # the best baseline score
        won, why = self._beats(best_new, top)
        if not won:
            return best_base, f"best {what} vs baseline {best_base['label']!r}: {why}"
        return best_new, f"{what} beats the baselines: {why}"

    def resolution(self) -> float:
        """The smallest score difference the scored data can show: one sample of the smallest
        scored set (of its minority class for ``pr_auc``)."""
        if self.auto.metric == "pr_auc":
            from genaug.train.tabular_metrics import minority_class

            pos = minority_class(self.labeled.class_counts())
            sizes = [int((e.score.y == pos).sum()) for e in self.evals]
        else:
            sizes = [len(e.score) for e in self.evals]
        return 1.0 / max(min(sizes), 1)

    def closest_gap(self) -> float | None:
        """The score gap between the best challenger and the best baseline (None without both)."""
        best_base, best_new = self.best(("baseline",)), self.best(_CHALLENGERS)
        if best_base is None or best_new is None:
            return None
        return abs(best_new["mean"] - best_base["mean"])

    def final_plan(self, record: dict[str, Any]) -> TrainingPlan:
        """The chosen record's plan prepared on the whole split (cached with ``val_halves``)."""
        config = dict(record["config"])
        name = config.pop("strategy")
        if record["kind"] == "baseline":
            key: tuple[Any, ...] = ("baseline", name)
        elif record["kind"] == "candidate":
            key = ("candidate", self.candidate_labels.index(record["label"]))
        else:
            key = ("generative", tuple(config.items()))
        plan = self.plan(key, self.final)
        return dataclasses.replace(plan, info={**plan.info, "strategy": name})


# ----- helpers ------------------------------------------------------------------------------
def _reference_mode(reference: str, model_config: dict[str, Any]) -> str:
    """``reference`` with ``"auto"`` resolved from the trial model's ``auto_reference``."""
    if reference != "auto":
        return reference
    name, options = named(model_config, "model")
    mode = getattr(registry.create("model", name, **options), "auto_reference", "best")
    return mode if mode in ("best", "none") else "best"


def _is_empty_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and len(value) == 0


def _candidate_label(config: Any) -> str:
    """``label`` when the config has one; else ``name``, or ``name:inner`` for strategies
    configured by a resampler/synthesizer."""
    if isinstance(config, dict) and isinstance(config.get("label"), str):
        return config["label"]
    name, options = _named_option("candidates", config)
    inner = options.get("resampler") or options.get("synthesizer")
    return f"{name}:{_named_option('candidates', inner)[0]}" if inner else name


def _unique_labels(labels: list[str]) -> list[str]:
    """``labels`` with repeated ones numbered ``name#1``, ``name#2``, ..."""
    counts = {label: labels.count(label) for label in labels}
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if counts[label] == 1 else f"{label}#{seen[label]}")
    return out


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
    """:func:`~genaug.experiment.generation.named`; a candidate's display ``label`` is not an
    option of its strategy."""
    name, options = named(config, option)
    if option == "candidates":
        options.pop("label", None)
    return name, options


def _create_checked(option: str, kind: Any, name: str, options: dict[str, Any]) -> None:
    """Build ``kind``/``name`` once to validate it (:func:`generation.check_config`), errors
    naming ``option``."""
    generation.check_config(kind, {"name": name, **options}, option)
