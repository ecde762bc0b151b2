"""Default classical augmentation per modality: mild, label-preserving pipelines.

The defaults are deliberately conservative, because they are the "classical" baseline that
generative augmentation is compared with and must not destroy the label:

* **grayscale images** (1 channel, e.g. digits or characters): small affine jitter
  (rotation within ±10°, shift up to 10 % of the side, zoom 0.9-1.1) plus light Gaussian noise
  (std up to 0.03). **No flips**: mirrored digits are other symbols or no digit at all
  (2/5, 6/9 confusions), so flips would change labels.
* **colour images** (3 channels, natural photos): horizontal flip (p = 0.5), the same affine
  jitter, brightness/contrast/saturation jitter of ±20 % and light noise (std up to 0.02).
* **other channel counts**: affine jitter and light noise only.
* **signals** (e.g. MNIST-1D, (C, T)): circular shift up to 10 % of the length (MNIST-1D itself
  is built with circular translations), amplitude ×0.8-1.2, time stretch ×0.9-1.1 and noise with
  std up to 0.05 (MNIST-1D's own noise is 0.02 i.i.d. plus 0.25 correlated on the padding).
* **audio**: as signals but without time stretching (it would shift pitch).

Tabular and text data have no classical default here; pass an explicit config instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from genaug.ops.compose import Sequential
from genaug.validation import check_choice

_AFFINE = {"name": "affine", "degrees": 10.0, "translate": 0.1, "scale": (0.9, 1.1)}


def default_config(modality: str, sample_shape: Sequence[int] | None) -> list[dict[str, Any]]:
    """The config list behind :func:`default_augmenter` (see the module docstring for the choice)."""
    check_choice("modality", modality, ["image", "signal", "audio", "tabular", "text"])
    if modality in ("tabular", "text"):
        raise ValueError(
            f"modality {modality!r} has no default classical augmenter; accepted: 'image', 'signal', "
            "'audio' (pass an explicit augmenter config for other data)"
        )
    shape = _check_shape(modality, sample_shape)
    if modality == "image":
        channels = shape[0]
        if channels == 3:
            return [
                {"name": "flip", "horizontal": True, "p": 0.5},
                dict(_AFFINE),
                {"name": "color", "brightness": 0.2, "contrast": 0.2, "saturation": 0.2},
                {"name": "gaussian_noise", "std": (0.0, 0.02)},
            ]
        return [dict(_AFFINE), {"name": "gaussian_noise", "std": (0.0, 0.03)}]
    time = (0.9, 1.1) if modality == "signal" else (1.0, 1.0)
    return [
        {"name": "signal_shift", "max_shift": 0.1, "mode": "circular"},
        {"name": "signal_scale", "amplitude": (0.8, 1.2), "time": time},
        {"name": "signal_noise", "std": (0.0, 0.05)},
    ]


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
    return Sequential(augmenters=default_config(modality, sample_shape))


def _check_shape(modality: str, sample_shape: Any) -> tuple[int, ...]:
    rank = 3 if modality == "image" else 2
    expected = "(C, H, W)" if rank == 3 else "(C, T)"
    if sample_shape is None or isinstance(sample_shape, str) or not isinstance(sample_shape, Sequence):
        raise ValueError(f"sample_shape must be {expected} for modality {modality!r}; got {sample_shape!r}")
    shape = tuple(sample_shape)
    if len(shape) != rank or not all(isinstance(s, int) and s > 0 for s in shape):
        raise ValueError(f"sample_shape must be {expected} for modality {modality!r}; got {sample_shape!r}")
    return shape
