"""Augmentation strategies an experiment compares: what the classifier trains on, and how.

A strategy turns a low-data split into a :class:`TrainingPlan` (training data, on-the-fly
augmenter, optional label mixer). Strategies are registered under kind ``"strategy"`` (one
protocol: ``prepare(split) -> TrainingPlan``; fusion of real and synthetic data is kind
``"fusion"``, see :mod:`genaug.mixing`) and are named in YAML, e.g.
``{name: classical, augment: {name: affine, degrees: 10}}``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from genaug.data.labeled import LabeledData
from genaug.experiment.budget import Work
from genaug.registry import register
from genaug.rng import Seed


@dataclass
class TrainingPlan:
    """What a classifier trains on under one strategy.

    Attributes:
        train: training samples (real, possibly with synthetic ones and per-sample weights).
        augmenter: on-the-fly batch augmenter, or None.
        mixer: on-the-fly label mixer (MixUp/CutMix), or None.
        batch_sampler: where each training step's batch comes from (e.g. the warm-up curriculum
            of ``mix_curriculum``), or None for shuffled epochs; only torch classifiers take it.
        info: facts worth recording (synthetic counts, timings in seconds, chosen settings).
        synthetic: the synthetic (generated or resampled) samples inside ``train``, as the
            strategy produced them, or None when it adds none (see
            :func:`genaug.experiment.generation.synthetic_details`).
        fit_options: extra keyword arguments of the classifier's ``fit`` that the strategy's
            training needs, e.g. ``{"unlabeled": pool, "consistency": FixMatch(...)}`` for
            consistency training or ``{"init": checkpoint}`` to fine-tune from a pretrained
            encoder (see :func:`fit_plan`); empty for ordinary supervised training.
        model_options: classifier constructor options the strategy's training needs on top of
            the spec's model config, e.g. ``{"steps": 600}`` for consistency training, which
            needs longer training than supervised learning (see :func:`create_model`).
    """

    train: LabeledData
    augmenter: Any = None
    mixer: Any = None
    info: dict[str, Any] = field(default_factory=dict)
    batch_sampler: Any = None
    synthetic: LabeledData | None = None
    fit_options: dict[str, Any] = field(default_factory=dict)
    model_options: dict[str, Any] = field(default_factory=dict)


def create_model(name: str, options: dict[str, Any], plan: TrainingPlan, *,
                 label: str = "this strategy") -> Any:
    """The classifier ``name`` built from the spec's ``options`` with ``plan.model_options`` on
    top (the one place both are merged: the runner and ``auto``'s trials call it).

    Raises:
        ValueError: naming the strategy, when the model does not take the plan's options.
    """
    from genaug import registry

    try:
        return registry.create("model", name, **{**options, **plan.model_options})
    except (TypeError, ValueError) as exc:
        if not plan.model_options:
            raise
        raise ValueError(f"strategy {label!r} trains model {name!r} with {plan.model_options}, which it "
                         f"does not take: {exc}") from None


def fit_plan(clf: Any, plan: TrainingPlan, val: LabeledData | None, *, generator: Seed = None,
             label: str = "this strategy", model: str | None = None) -> Any:
    """Train ``clf`` on ``plan``: ``clf.fit(plan.train, val, augmenter=, mixer=, generator=,
    batch_sampler= (when the plan has one), **plan.fit_options)``.

    The one place that turns a plan into a ``fit`` call, so every trainer (runner, ``auto``'s
    trials, benchmarks) honours every field of the plan; a plan field the classifier's ``fit``
    does not take raises instead of being dropped silently.

    Args:
        clf: an unfitted classifier (registry kind ``model``).
        plan: the strategy's plan.
        val: validation data for the classifier's model selection, or None.
        generator: the training seed.
        label: the strategy's name, for error messages.
        model: the classifier's registry name, for error messages (default: its class name).

    Returns:
        ``clf``, fitted.

    Raises:
        ValueError: a plan field (``batch_sampler`` or a ``fit_options`` key) that ``clf.fit``
            does not accept.
    """
    import inspect

    extra: dict[str, Any] = dict(plan.fit_options)
    if plan.batch_sampler is not None:
        extra["batch_sampler"] = plan.batch_sampler
    accepted = inspect.signature(clf.fit).parameters
    missing = sorted(k for k in extra if k not in accepted)
    if missing:
        name = model or type(clf).__name__
        what = ", ".join("a batch curriculum (batch_sampler, from mix_curriculum)" if k == "batch_sampler"
                         else repr(k) for k in missing)
        raise ValueError(
            f"strategy {label!r} trains with {what}, which model {name!r} cannot use; use a torch "
            f"model (small_cnn, cnn1d, mlp) or another strategy"
        )
    return clf.fit(plan.train, val, augmenter=plan.augmenter, mixer=plan.mixer, generator=generator, **extra)


class Strategy(ABC):
    """Base class: ``prepare`` a training plan from a split (labeled, unlabeled pool, val)."""

    @abstractmethod
    def prepare(self, split: Any, *, generator: Seed = None) -> TrainingPlan:
        """Build the plan from ``split`` (a :class:`genaug.data.Split`); never touch ``split.test``."""

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments (stored unchanged under their own names)."""
        return dict(vars(self))

    def planned_work(self) -> Work:
        """What one run of this strategy trains, for cost estimates
        (:func:`genaug.experiment.budget.estimate_cost`): by default one classifier fit plus one
        fit of the ``synthesizer`` option when the strategy has one. Strategies that train more
        (a teacher, a search) override it."""
        synthesizer = getattr(self, "synthesizer", None)
        if synthesizer is None:
            return Work()
        config = {"name": synthesizer} if isinstance(synthesizer, str) else dict(synthesizer)
        return Work(synthesizers=(config,))


@register("strategy", "none")
class NoAugmentation(Strategy):
    """Train on the labeled real data only, without augmentation (the first baseline)."""

    def prepare(self, split: Any, *, generator: Seed = None) -> TrainingPlan:
        return TrainingPlan(train=split.labeled)


@register("strategy", "classical")
class ClassicalAugmentation(Strategy):
    """Train on the labeled real data with on-the-fly classical augmentation.

    Args:
        augment: an augmenter config for :func:`genaug.ops.build` (a dict with ``name`` or a list
            of them); ``None`` uses :func:`genaug.ops.default_augmenter` for the modality.
        mixer: an optional label-mixer config, e.g. ``{name: mixup, alpha: 0.2}``.
    """

    def __init__(self, *, augment: dict[str, Any] | list[Any] | None = None,
                 mixer: dict[str, Any] | None = None) -> None:
        self.augment = augment
        self.mixer = mixer
        # Build once now so a bad config fails when the spec is read, not mid-run.
        self._build(sample_shape=None, modality=None, dry=True)

    def _build(self, *, sample_shape: tuple[int, ...] | None, modality: str | None,
               dry: bool = False) -> tuple[Any, Any]:
        from genaug import ops

        augmenter = None
        if self.augment is not None:
            augmenter = ops.build_augmenter(self.augment)
        elif not dry:
            augmenter = ops.default_augmenter(modality, sample_shape)
        mixer = ops.build_mixer(self.mixer) if self.mixer is not None else None
        return augmenter, mixer

    def prepare(self, split: Any, *, generator: Seed = None) -> TrainingPlan:
        labeled = split.labeled
        augmenter, mixer = self._build(sample_shape=labeled.sample_shape, modality=labeled.modality)
        return TrainingPlan(
            train=labeled, augmenter=augmenter, mixer=mixer, info={"augmenter": repr(augmenter)}
        )
