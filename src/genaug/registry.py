"""Name -> class registry so that everything is reachable from YAML.

One kind, one protocol:

===============  ===========================================================================
kind             what its entries do
===============  ===========================================================================
``augmenter``    batch augmenters: ``aug(x, generator=...)`` on a batch (:mod:`genaug.ops`)
``label_mixer``  MixUp / CutMix: ``mixer(x, y_onehot, generator=...)`` mixes samples and labels
``resampler``    tabular resamplers: ``resample(data, generator=...)`` adds rows (SMOTE family)
``synthesizer``  generators: ``fit(labeled, unlabeled=...)`` then ``sample(n_per_class)``
``filter``       quality filters: ``fit(real)`` then ``filt(synthetic)`` keeps good samples
``metric``       quality metrics of synthetic against real data
``strategy``     training plans an experiment compares: ``prepare(split) -> TrainingPlan``
``fusion``       how real and synthetic samples are combined: ``mix(real, synthetic)``
``model``        classifiers: ``fit(train, val)``, ``predict_proba(data)``
``dataset``      built-in and file datasets: ``load(**options) -> LabeledData``
``modality``     data kinds (:mod:`genaug.modalities`): checks, storage and per-stage defaults
===============  ===========================================================================

A name used under the wrong kind (``registry.get("augmenter", "mixup")``) raises an error that
says which kind holds it and where it goes in a spec.

Example:
    >>> from genaug import registry
    >>> "flip" in registry.available("augmenter")
    True
    >>> aug = registry.create("augmenter", "flip", p=0.5)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Literal, TypeVar

Kind = Literal[
    "augmenter", "label_mixer", "resampler", "synthesizer", "filter", "metric", "strategy",
    "fusion", "model", "dataset", "modality",
]
KINDS: tuple[str, ...] = (
    "augmenter", "label_mixer", "resampler", "synthesizer", "filter", "metric", "strategy",
    "fusion", "model", "dataset", "modality",
)

# Where an entry of each kind goes in a YAML spec (for "wrong place" errors).
WHERE: dict[str, str] = {
    "augmenter": "an `augment:` option, e.g. {name: classical, augment: {name: flip}}",
    "label_mixer": "a strategy's `mixer:` option, e.g. {name: classical, mixer: {name: mixup}}",
    "resampler": "the `resample` strategy's `resampler:` option, e.g. {name: resample, resampler: smote}",
    "synthesizer": "a generative strategy's `synthesizer:` option",
    "filter": "a generative strategy's `filter:` option",
    "metric": "the quality metrics (genaug.quality.evaluate)",
    "strategy": "the spec's `strategies:` list",
    "fusion": "a generative strategy's `mix:` option, e.g. {name: generative, mix: {name: mix_ratio}}",
    "model": "the spec's `model:` or `baselines:`",
    "dataset": "the spec's `dataset:`",
    "modality": "a dataset's `modality:` option",
}

# Modules whose import registers entries. Each package's __init__ imports its members.
_PROVIDERS: tuple[str, ...] = (
    "genaug.modalities",
    "genaug.data",
    "genaug.ops",
    "genaug.train",
    "genaug.synth",
    "genaug.quality",
    "genaug.mixing",
    "genaug.experiment",
)

_REGISTRY: dict[str, dict[str, Callable[..., Any]]] = {kind: {} for kind in KINDS}
_loaded = False

T = TypeVar("T", bound=Callable[..., Any])


def _check_kind(kind: str) -> None:
    if kind not in _REGISTRY:
        raise ValueError(f"kind must be one of {list(KINDS)}; got {kind!r}")


def register(kind: Kind, name: str) -> Callable[[T], T]:
    """Class/function decorator that registers ``obj`` under ``kind``/``name``."""
    _check_kind(kind)

    def decorator(obj: T) -> T:
        existing = _REGISTRY[kind].get(name)
        if existing is not None and existing is not obj:
            raise ValueError(f"{kind} {name!r} is already registered to {existing!r}")
        _REGISTRY[kind][name] = obj
        obj.registry_name = name  # type: ignore[attr-defined]
        return obj

    return decorator


def _ensure_loaded() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in _PROVIDERS:
        importlib.import_module(module)


def available(kind: Kind) -> list[str]:
    """Sorted names registered under ``kind``."""
    _check_kind(kind)
    _ensure_loaded()
    return sorted(_REGISTRY[kind])


def get(kind: Kind, name: str) -> Callable[..., Any]:
    """The class or factory registered as ``kind``/``name``; an unknown name lists valid ones."""
    _check_kind(kind)
    _ensure_loaded()
    try:
        return _REGISTRY[kind][name]
    except KeyError:
        pass
    available_here = ", ".join(sorted(_REGISTRY[kind]))
    elsewhere = [k for k in KINDS if k != kind and name in _REGISTRY[k]]
    if elsewhere:
        other = elsewhere[0]
        raise ValueError(
            f"{name!r} is not a {kind}: it is registered as a {other} (registry kind {other!r}); "
            f"use it in {WHERE[other]}. Available {kind}s: {available_here}"
        )
    raise ValueError(f"unknown {kind} {name!r}; available: {available_here}")


def kind_of(name: str) -> list[str]:
    """The kinds under which ``name`` is registered (usually one; ``[]`` if none).

    Example:
        >>> kind_of("mixup")
        ['label_mixer']
    """
    _ensure_loaded()
    return [k for k in KINDS if name in _REGISTRY[k]]


def create(kind: Kind, name: str, /, **config: Any) -> Any:
    """Instantiate ``kind``/``name`` with keyword ``config``.

    ``kind`` and ``name`` are positional-only, so components may have options called ``kind``
    or ``name`` themselves (``borderline_smote`` has ``kind``).
    """
    return get(kind, name)(**config)
