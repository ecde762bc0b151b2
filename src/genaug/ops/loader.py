"""Augmentation in DataLoader workers, for training loops users write themselves.

:class:`AugmentedDataset` is an ``IterableDataset`` of augmented ``(x, y)`` batches: the batch
order comes from one seeded permutation per epoch, and batch ``i`` of epoch ``e`` is augmented
with its own generator ``derive_seed(seed, "augment", e, i)``. Workers take every
``num_workers``-th batch, so the augmentation runs next to the training step instead of inside
it, and the batches (contents and augmentation) are the same whatever ``num_workers`` is.

:class:`AugmentCollate` is the map-style alternative: a ``collate_fn`` that stacks samples and
augments the batch with a per-worker generator derived from ``seed`` and the worker id (batches
then depend on ``num_workers`` and on which worker gets which batch).

Example:
    >>> import torch
    >>> from torch.utils.data import DataLoader
    >>> from genaug.ops import AugmentedDataset, default_augmenter
    >>> x, y = torch.rand(100, 1, 28, 28), torch.arange(100) % 10
    >>> ds = AugmentedDataset(x, y, default_augmenter("image", (1, 28, 28)), batch_size=32, seed=0)
    >>> xb, yb = next(iter(DataLoader(ds, batch_size=None, num_workers=0)))
    >>> xb.shape, yb.shape
    (torch.Size([32, 1, 28, 28]), torch.Size([32]))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
from torch.utils.data import IterableDataset, default_collate, get_worker_info

from genaug.rng import as_generator, derive_seed
from genaug.validation import check_int

Augment = Callable[..., torch.Tensor]


def _check_augmenter(augmenter: Any) -> Augment:
    if not callable(augmenter):
        raise TypeError(
            "augmenter must be callable as augmenter(batch, generator=g) (e.g. a genaug Augmenter); "
            f"got {type(augmenter).__name__}"
        )
    return augmenter


class AugmentedDataset(IterableDataset):
    """Augmented ``(x, y)`` batches for ``DataLoader(ds, batch_size=None, num_workers=N)``.

    Args:
        x: samples (N, ...), e.g. images (N, C, H, W) float in [0, 1].
        y: labels (N,) (any tensor indexed along its first axis).
        augmenter: ``augmenter(batch, generator=g) -> batch`` (any genaug augmenter).
        batch_size: samples per batch, >= 1.
        seed: int seed of the batch order and of every batch's augmentation.
        epochs: passes over the data per iteration of the dataset, >= 1.
        shuffle: draw a new permutation per epoch (else keep the order).
        drop_last: drop each epoch's last batch when it is smaller than ``batch_size``.

    Yields:
        ``(augmenter(x[idx], generator=g_ei), y[idx])`` per batch; with ``N`` workers the
        DataLoader interleaves them in batch order.

    Shape:
        x (N, ...) -> batches (batch_size, ...) (the last of an epoch may be smaller).
    """

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        augmenter: Augment,
        *,
        batch_size: int = 64,
        seed: int = 0,
        epochs: int = 1,
        shuffle: bool = True,
        drop_last: bool = False,
    ) -> None:
        super().__init__()
        if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
            raise TypeError(f"x and y must be torch.Tensors; got {type(x).__name__} and {type(y).__name__}")
        if len(x) != len(y):
            raise ValueError(f"x and y must have the same length; got {len(x)} and {len(y)}")
        if len(x) == 0:
            raise ValueError("x must hold at least one sample; got an empty tensor")
        self.x, self.y = x, y
        self.augmenter = _check_augmenter(augmenter)
        self.batch_size = check_int("batch_size", batch_size, 1)
        self.seed = check_int("seed", seed, 0)
        self.epochs = check_int("epochs", epochs, 1)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)

    def batches(self, epoch: int) -> list[torch.Tensor]:
        """The index tensors of ``epoch``'s batches, in order (the same in every worker)."""
        n = len(self.x)
        if self.shuffle:
            order = torch.randperm(n, generator=as_generator(derive_seed(self.seed, "order", epoch)))
        else:
            order = torch.arange(n)
        out = list(order.split(self.batch_size))
        if self.drop_last and len(out[-1]) < self.batch_size:
            out.pop()
        return out

    def __len__(self) -> int:
        per_epoch = len(self.x) // self.batch_size if self.drop_last else -(-len(self.x) // self.batch_size)
        return per_epoch * self.epochs

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        info = get_worker_info()
        worker, workers = (0, 1) if info is None else (info.id, info.num_workers)
        k = 0
        for epoch in range(self.epochs):
            for i, idx in enumerate(self.batches(epoch)):
                if k % workers == worker:
                    g = as_generator(derive_seed(self.seed, "augment", epoch, i))
                    yield self.augmenter(self.x[idx], generator=g), self.y[idx]
                k += 1


class AugmentCollate:
    """``collate_fn`` that stacks samples with ``default_collate`` and augments the inputs.

    Each worker (and the main process, ``num_workers=0``) gets its own generator, seeded with
    ``derive_seed(seed, "worker", worker_id)`` on its first batch and advanced batch by batch.

    Args:
        augmenter: ``augmenter(batch, generator=g) -> batch`` (any genaug augmenter).
        seed: int seed of the per-worker generators.
        input_index: position of the input in each sample tuple (0 for ``(x, y)`` samples).

    Example:
        >>> import torch
        >>> from torch.utils.data import DataLoader, TensorDataset
        >>> from genaug.ops import Flip
        >>> ds = TensorDataset(torch.rand(8, 3, 4, 4), torch.arange(8))
        >>> xb, yb = next(iter(DataLoader(ds, batch_size=4, collate_fn=AugmentCollate(Flip(), seed=0))))
        >>> xb.shape
        torch.Size([4, 3, 4, 4])
    """

    def __init__(self, augmenter: Augment, *, seed: int = 0, input_index: int = 0) -> None:
        self.augmenter = _check_augmenter(augmenter)
        self.seed = check_int("seed", seed, 0)
        self.input_index = check_int("input_index", input_index, 0)
        self._generators: dict[int, torch.Generator] = {}

    def __call__(self, samples: Sequence[Any]) -> Any:
        batch = default_collate(samples)
        info = get_worker_info()
        worker = -1 if info is None else info.id
        if worker not in self._generators:
            self._generators[worker] = as_generator(derive_seed(self.seed, "worker", worker))
        g = self._generators[worker]
        if isinstance(batch, torch.Tensor):
            return self.augmenter(batch, generator=g)
        parts = list(batch)
        parts[self.input_index] = self.augmenter(parts[self.input_index], generator=g)
        return type(batch)(parts) if isinstance(batch, tuple) else parts
