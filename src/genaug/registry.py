"""Name -> class registry so that everything is reachable from YAML.

Kinds: ``augmenter``, ``synthesizer``, ``filter``, ``metric``, ``strategy``, ``model``, ``dataset``,
``modality`` (data kinds: :mod:`genaug.modalities`).

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
    "augmenter", "synthesizer", "filter", "metric", "strategy", "model", "dataset", "modality"
]
KINDS: tuple[str, ...] = (
    "augmenter", "synthesizer", "filter", "metric", "strategy", "model", "dataset", "modality"
)

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
        raise ValueError(
            f"unknown {kind} {name!r}; available: {', '.join(sorted(_REGISTRY[kind]))}"
        ) from None


def create(kind: Kind, name: str, /, **config: Any) -> Any:
    """Instantiate ``kind``/``name`` with keyword ``config``.

    ``kind`` and ``name`` are positional-only, so components may have options called ``kind``
    or ``name`` themselves (``borderline_smote`` has ``kind``).
    """
    return get(kind, name)(**config)
