"""``LabeledDataset``: a torch Dataset over ``LabeledData`` returning ``(x, y, weight)``."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from genaug.data.labeled import LabeledData
from genaug.rng import Seed, as_generator

__all__ = ["LabeledDataset"]


class LabeledDataset(Dataset):
    """Samples of a :class:`LabeledData` as ``(x, y, weight)`` for users' own training loops.

    ``weight`` is ``meta["weight"]`` (1.0 where absent), the per-sample loss weight of the
    fusion strategies. Fetching a whole batch (as a DataLoader does with ``batch_sampler=``,
    through ``__getitems__``) applies ``augmenter`` once to the batch; fetching one item applies
    it to a batch of one.

    Args:
        data: the samples (tensor modalities, numeric tabular arrays/DataFrames or text).
        augmenter: optional callable ``augmenter(batch, generator=...)`` on batched tensors
            (a :mod:`genaug.ops` augmenter); ``None`` returns samples unchanged.
        generator: seed of the augmentation stream. Draws follow the order of the calls, so
            a DataLoader with ``num_workers > 0`` should give each worker its own seed.

    Shape:
        ``x``: one sample, e.g. (C, H, W) for images (a str for text); ``y``: int64 scalar
        tensor; ``weight``: float32 scalar tensor.

    Example:
        >>> import torch
        >>> from genaug.data import LabeledData
        >>> d = LabeledData(torch.rand(4, 1, 8, 8), [0, 1, 0, 1], ("a", "b"), "image",
        ...                 {"weight": [1.0, 1.0, 0.5, 0.5]})
        >>> x, y, w = LabeledDataset(d)[2]
        >>> tuple(x.shape), int(y), float(w)
        ((1, 8, 8), 0, 0.5)
    """

    def __init__(self, data: LabeledData, augmenter: Any = None, *, generator: Seed = None) -> None:
        self.data = data
        self.augmenter = augmenter
        self.generator = generator
        if not isinstance(data, LabeledData):
            raise TypeError(f"data must be a LabeledData; got {type(data).__name__}")
        if augmenter is not None and not callable(augmenter):
            raise TypeError(f"augmenter must be callable or None; got {type(augmenter).__name__}")
        weight = data.meta.get("weight")
        w = np.ones(len(data)) if weight is None else np.asarray(weight, dtype=np.float64)
        self._weight = torch.as_tensor(w, dtype=torch.float32)
        self._y = torch.as_tensor(data.y, dtype=torch.int64)
        self._x = _as_batchable(data.x)
        self._generator: torch.Generator | None = None

    def __len__(self) -> int:
        return len(self.data)

    def _augment(self, x: Any) -> Any:
        if self.augmenter is None:
            return x
        if self._generator is None:
            self._generator = as_generator(self.generator)
        return self.augmenter(x, generator=self._generator)

    def _batch(self, indices: Sequence[int] | torch.Tensor) -> tuple[Any, torch.Tensor, torch.Tensor]:
        if isinstance(indices, torch.Tensor):
            idx = indices.reshape(-1).long()
        else:
            idx = torch.as_tensor([operator.index(i) for i in indices], dtype=torch.long)
        if isinstance(self._x, torch.Tensor):
            x = self._augment(self._x[idx])
        else:
            x = self._augment([self._x[i] for i in idx.tolist()])
        return x, self._y[idx], self._weight[idx]

    def __getitem__(self, index: int) -> tuple[Any, torch.Tensor, torch.Tensor]:
        i = operator.index(index)
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} is out of range for a dataset of {len(self)} samples")
        x, y, w = self._batch([i % len(self)])
        return x[0], y[0], w[0]

    def __getitems__(
        self, indices: Sequence[int] | torch.Tensor
    ) -> list[tuple[Any, torch.Tensor, torch.Tensor]]:
        """A batch of samples at once (the augmenter runs once on the whole batch)."""
        x, y, w = self._batch(indices)
        return [(x[j], y[j], w[j]) for j in range(len(y))]


def _as_batchable(x: Any) -> Any:
    if isinstance(x, torch.Tensor):
        return x
    if hasattr(x, "to_numpy"):
        x = x.to_numpy()
    if isinstance(x, np.ndarray):
        if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
            raise TypeError(f"data.x must be numeric to batch it; got dtype {x.dtype}")
        return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    return list(x)
