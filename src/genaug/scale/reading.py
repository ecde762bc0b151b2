"""Reading a finished store for training: a streaming PyTorch dataset, and a Ray Dataset.

- :class:`StoreIterableDataset` streams a :class:`~genaug.data.store.SyntheticStore` shard by
  shard (memory ~ one shard per DataLoader worker), each shard verified against its sha256.
  DataLoader workers split the shards between them, so every sample is read exactly once per
  epoch. It needs torch only, not Ray.
- :func:`store_to_ray_dataset` opens the same shards as a ``ray.data.Dataset`` (verified on
  the driver first), with ``x`` reshaped to the stored sample shape.

Example:
    >>> from torch.utils.data import DataLoader                                  # doctest: +SKIP
    >>> ds = StoreIterableDataset("store/", shuffle=True, seed=0)                 # doctest: +SKIP
    >>> for x, y in DataLoader(ds, batch_size=256, num_workers=2): ...            # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from torch.utils.data import IterableDataset, get_worker_info

from genaug.data.store import SyntheticStore
from genaug.errors import StoreError
from genaug.rng import derive_seed, numpy_rng
from genaug.validation import check_int

__all__ = ["StoreIterableDataset", "store_to_ray_dataset"]


class StoreIterableDataset(IterableDataset):
    """A complete store as a stream of ``(x, y)`` pairs for a ``torch.utils.data.DataLoader``.

    Args:
        root: the store folder (must be complete).
        shuffle: visit the shards in a random order and shuffle inside each shard (a shard-level
            shuffle: memory stays at one shard). The order is a function of ``seed`` and the
            epoch set with :meth:`set_epoch`.
        seed: seed of the shuffle.
        verify: check every shard's sha256 as it is read.

    Shape:
        ``x``: one sample as stored (e.g. a (C, H, W) float32 tensor for images; a str for
        text); ``y``: a Python int.

    Raises:
        StoreError: the store is incomplete or a shard does not verify (when iterated).
    """

    def __init__(self, root: str | os.PathLike[str], *, shuffle: bool = False, seed: int = 0,
                 verify: bool = True) -> None:
        super().__init__()
        self.root = root
        self.shuffle = shuffle
        self.seed = seed
        self.verify = verify
        check_int("seed", seed)
        self.epoch = 0
        manifest = SyntheticStore(root).manifest()
        if not manifest["complete"]:
            raise StoreError(f"is incomplete ({len(manifest['shards'])} of {manifest['num_shards']} shards)",
                             path=root, accepted="a complete store (resume its sampling first)")
        self._num_shards = len(manifest["shards"])
        self._num_rows = int(manifest["num_rows"])

    def __len__(self) -> int:
        return self._num_rows

    def set_epoch(self, epoch: int) -> None:
        """Choose the epoch whose shuffle the next iteration uses."""
        self.epoch = check_int("epoch", epoch, low=0)

    def _positions(self) -> list[int]:
        positions = list(range(self._num_shards))
        if self.shuffle:
            order = numpy_rng(derive_seed(self.seed, "epoch", self.epoch)).permutation(len(positions))
            positions = [positions[i] for i in order]
        info = get_worker_info()
        if info is not None:  # each DataLoader worker reads its own shards
            positions = positions[info.id :: info.num_workers]
        return positions

    def __iter__(self) -> Iterator[tuple[Any, int]]:
        store = SyntheticStore(self.root)
        positions = self._positions()
        for k, shard in enumerate(store.iter_shards(verify=self.verify, positions=positions)):
            order = np.arange(len(shard))
            if self.shuffle:
                rng = numpy_rng(derive_seed(self.seed, "epoch", self.epoch, "shard", positions[k]))
                order = rng.permutation(len(shard))
            for i in order:
                yield shard.x[int(i)], int(shard.y[i])


def store_to_ray_dataset(root: str | os.PathLike[str], *, verify: bool = True) -> Any:
    """A complete store as a ``ray.data.Dataset``: one row per sample, in shard order.

    One read task per shard: each reads its shard through
    :meth:`~genaug.data.store.SyntheticStore.iter_shards` (checked against the manifest and,
    with ``verify``, its sha256), so the store must be on a filesystem the Ray workers see (one
    machine, or shared storage). Columns: ``x`` (float32 in the stored sample shape for tensor
    modalities; str for text), ``y`` (int64) and the stored metadata columns. Ray must be
    initialised (or Ray Data starts a local instance).

    Args:
        root: the store folder (complete).
        verify: check every shard's sha256 as it is read.

    Raises:
        StoreError: the store is incomplete (here) or a shard does not verify (when read).
    """
    from genaug.scale.cluster import require_ray

    require_ray()
    import ray.data

    manifest = SyntheticStore(root).manifest()
    if not manifest["complete"]:
        raise StoreError(f"is incomplete ({len(manifest['shards'])} of {manifest['num_shards']} shards)",
                         path=root, accepted="a complete store (resume its sampling first)")
    n = len(manifest["shards"])
    positions = ray.data.range(n, override_num_blocks=max(n, 1))
    dataset = positions.map_batches(_ReadShard(str(Path(root).resolve()), verify), batch_size=1,
                                    batch_format="numpy")
    dataset.context.execution_options.preserve_order = True  # this dataset's own copy of the context
    return dataset


class _ReadShard:
    """Ray Data map: a batch holding one shard position -> that shard's rows as numpy columns."""

    def __init__(self, root: str, verify: bool) -> None:
        self.root = root
        self.verify = verify

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        positions = [int(p) for p in batch["id"]]
        shards = list(SyntheticStore(self.root).iter_shards(verify=self.verify, positions=positions))
        x = [np.asarray(s.x, dtype=np.float32) if not isinstance(s.x, list) else np.asarray(s.x, dtype=object)
             for s in shards]
        out = {"x": np.concatenate(x), "y": np.concatenate([s.y for s in shards]).astype(np.int64)}
        for key in shards[0].meta:
            out[key] = np.concatenate([s.meta[key] for s in shards])
        return out
