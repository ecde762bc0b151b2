"""``LabeledData``: the one container every stage passes along."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from genaug.modalities.base import get_modality

Modality = Literal["image", "signal", "audio", "tabular", "text"] | str
MODALITIES: tuple[str, ...] = ("image", "signal", "audio", "tabular", "text")
"""The built-in modalities; more can be registered (kind ``"modality"``)."""


@dataclass(frozen=True, eq=False)
class LabeledData:
    """Labeled samples of one modality, batch-first.

    Args:
        x: samples. image: float tensor (N, C, H, W) in [0, 1]; signal/audio: float tensor
            (N, C, T); tabular: array (N, F) or a DataFrame with N rows; text: list of N strings.
        y: int labels in ``[0, len(class_names))``, shape (N,).
        class_names: one name per class; its length is the number of classes.
        modality: a registered modality name: ``"image"``, ``"signal"``, ``"audio"``,
            ``"tabular"``, ``"text"`` or one registered under kind ``"modality"``; its
            :class:`~genaug.modalities.Modality` checks ``x`` and takes/concatenates it.
        meta: per-sample metadata, each value an array of length N (for example ``source``:
            ``"real"``/``"synthetic"``, ``source_index``: index of the real sample a synthetic
            one came from, or -1).

    Example:
        >>> import torch
        >>> d = LabeledData(torch.rand(4, 1, 8, 8), [0, 1, 0, 1], ("a", "b"), "image")
        >>> len(d), d.num_classes, d.class_counts().tolist()
        (4, 2, [2, 2])
    """

    x: Any
    y: np.ndarray
    class_names: tuple[str, ...]
    modality: Modality
    meta: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        spec = get_modality(self.modality)
        y = np.asarray(self.y)
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D with one label per sample; got shape {y.shape}")
        if y.size and not np.issubdtype(y.dtype, np.integer):
            if np.issubdtype(y.dtype, np.floating) and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
                y = y.astype(np.int64)
            else:
                raise TypeError(f"y must hold integer class indices; got dtype {y.dtype}")
        y = y.astype(np.int64, copy=False)
        object.__setattr__(self, "y", y)
        names = tuple(str(n) for n in self.class_names)
        object.__setattr__(self, "class_names", names)
        if not names:
            raise ValueError("class_names must name at least one class; got an empty sequence")
        n = spec.length(self.x)
        if n != len(y):
            raise ValueError(
                f"x and y must have the same length; got {n} samples and {len(y)} labels"
            )
        if y.size and (y.min() < 0 or y.max() >= len(names)):
            bad = int(y[(y < 0) | (y >= len(names))][0])
            raise ValueError(
                f"label {bad} is out of range; labels must be in [0, {len(names) - 1}] "
                f"for class_names {list(names)}"
            )
        spec.check_x(self.x)
        meta = {}
        for key, value in self.meta.items():
            arr = np.asarray(value)
            if arr.shape[:1] != (n,):
                raise ValueError(f"meta[{key!r}] must have length {n}; got shape {arr.shape}")
            meta[key] = arr
        object.__setattr__(self, "meta", meta)

    def __len__(self) -> int:
        return len(self.y)

    @property
    def num_classes(self) -> int:
        """Number of classes (``len(class_names)``)."""
        return len(self.class_names)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one sample for array-like x; ``()`` for text."""
        return get_modality(self.modality).sample_shape(self.x)

    def class_counts(self) -> np.ndarray:
        """Samples per class, shape (num_classes,)."""
        return np.bincount(self.y, minlength=self.num_classes)

    def subset(self, index: Sequence[int] | np.ndarray) -> LabeledData:
        """The samples at ``index`` (metadata follows)."""
        idx = np.asarray(index, dtype=np.int64)
        return LabeledData(
            get_modality(self.modality).take(self.x, idx),
            self.y[idx],
            self.class_names,
            self.modality,
            {k: v[idx] for k, v in self.meta.items()},
        )

    def with_meta(self, **meta: Any) -> LabeledData:
        """A copy with extra or replaced per-sample metadata."""
        return LabeledData(self.x, self.y, self.class_names, self.modality, {**self.meta, **meta})

    def concat(self, other: LabeledData) -> LabeledData:
        """Samples of ``self`` then ``other``; metadata keys missing on one side are filled."""
        if other.modality != self.modality or other.class_names != self.class_names:
            raise ValueError(
                "can only concatenate data of the same modality and class_names; got "
                f"{self.modality}/{list(self.class_names)} and "
                f"{other.modality}/{list(other.class_names)}"
            )
        keys = set(self.meta) | set(other.meta)
        meta = {
            k: np.concatenate([_meta_or_default(self, k), _meta_or_default(other, k)]) for k in keys
        }
        return LabeledData(
            get_modality(self.modality).concat(self.x, other.x),
            np.concatenate([self.y, other.y]), self.class_names, self.modality, meta,
        )


def _meta_or_default(data: LabeledData, key: str) -> np.ndarray:
    if key in data.meta:
        return data.meta[key]
    defaults = {"source": "real", "source_index": -1, "weight": 1.0}
    fill = defaults.get(key)
    if fill is None:
        raise ValueError(f"meta[{key!r}] is present on one side of concat only and has no default")
    return np.full(len(data), fill)
