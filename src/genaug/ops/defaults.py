"""Default classical augmentation per modality: mild, label-preserving pipelines.

Each modality's choice lives in its file under :mod:`genaug.modalities`
(:meth:`~genaug.modalities.Modality.default_augmenter`, documented there); this module turns
that config into a :class:`Sequential`. The defaults are deliberately conservative, because they
are the "classical" baseline that generative augmentation is compared with and must not destroy
the label. Text uses EDA (one op, built directly: text batches are lists, not tensors); tabular
data has no classical default; pass an explicit config instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from genaug import registry
from genaug.modalities import Modality, get_modality
from genaug.ops.compose import Sequential


def default_config(modality: str, sample_shape: Sequence[int] | None) -> list[dict[str, Any]]:
    """The config list behind :func:`default_augmenter` (the modality's own default)."""
    spec = get_modality(modality)
    config = spec.default_augmenter(sample_shape)
    if config is None:
        have = [m for m in registry.available("modality") if _has_default(m)]
        raise ValueError(
            f"modality {modality!r} has no default classical augmenter; accepted: "
            f"{', '.join(repr(m) for m in have)} (pass an explicit augmenter config for other data)"
        )
    return config


def has_default_augmenter(modality: str) -> bool:
    """Whether ``modality`` has a default classical augmenter."""
    return _has_default(modality)


def _has_default(name: str) -> bool:
    return type(get_modality(name)).default_augmenter is not Modality.default_augmenter


def default_augmenter(modality: str, sample_shape: Sequence[int] | None) -> Sequential:
    """A sensible default classical augmentation pipeline for ``modality``.

    Args:
        modality: ``"image"``, ``"signal"`` or ``"audio"`` (``"tabular"``/``"text"`` raise).
        sample_shape: shape of one sample: ``(C, H, W)`` for images, ``(C, T)`` for signals/audio.

    Returns:
        A :class:`Sequential` built from config dicts (so its config is JSON-ready).

    Raises:
        ValueError: unsupported modality or a sample shape of the wrong rank.

    Example:
        >>> aug = default_augmenter("image", (1, 28, 28))
        >>> [c.registry_name for c in aug.children]
        ['affine', 'gaussian_noise']
    """
    config = default_config(modality, sample_shape)
    if len(config) == 1 and get_modality(modality).tensor_ndim is None:  # text: one op, no tensors
        from genaug.ops.builder import build_augmenter

        return build_augmenter(config[0])  # type: ignore[return-value]
    return Sequential(augmenters=config)
