"""``MixedBatchSampler``: batches with a fixed real/synthetic composition and a warm-up curriculum.

Batch ``step`` holds ``k(step)`` synthetic samples and ``batch_size - k(step)`` real ones, with

* ``k(step) = 0`` for ``step < warmup_steps`` (real-only warm-up);
* ``k(step) = round(synthetic_fraction * r * batch_size)`` afterwards (halves round up), where
  ``r = min(1, (step - warmup_steps + 1) / ramp_steps)`` with ``ramp_steps > 0`` (a linear ramp)
  and ``r = 1`` otherwise.

Within each source the samples are drawn **without replacement** from an endless stream of
permutations of that source's pool (permutation ``e`` of a pool is seeded by
``derive_seed(seed, pool, e)``), so every sample of a pool is used once before any is used
twice. The samples of a batch are then shuffled. A batch is therefore a pure function of the
sampler's seed and the step: :meth:`MixedBatchSampler.batch_indices` can resume anywhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import torch
from torch.utils.data import Sampler

from genaug.data.labeled import LabeledData
from genaug.mixing.base import is_synthetic
from genaug.rng import Seed, derive_seed, draw_seed
from genaug.validation import check_int, check_range

__all__ = ["MixedBatchSampler"]

_POOLS = ("real", "synthetic")


class MixedBatchSampler(Sampler[torch.Tensor]):
    """Batch sampler mixing real and synthetic samples in a fixed proportion, after a warm-up.

    Args:
        data: fused training data; ``meta["source"] == "synthetic"`` marks synthetic samples
            (a missing ``source`` means all real).
        batch_size: samples per batch (>= 1).
        synthetic_fraction: synthetic share of a batch after warm-up and ramp, in [0, 1].
        num_steps: number of batches one iteration yields; ``None`` means
            ``ceil(len(data) / batch_size)``.
        warmup_steps: leading steps whose batches are real-only (>= 0).
        ramp_steps: steps of a linear ramp of the synthetic share after warm-up (0: no ramp).
        generator: seed or ``torch.Generator``; one seed is drawn from it at construction and
            every batch is a pure function of that seed and the step.

    Shape:
        Each batch is a LongTensor (batch_size,) of indices into ``data``.

    Raises:
        ValueError: if a batch needs synthetic (real) samples and ``data`` has none.

    Example:
        >>> import torch
        >>> from genaug.data import LabeledData
        >>> d = LabeledData(torch.rand(10, 1, 4, 4), [0, 1] * 5, ("a", "b"), "image",
        ...                 {"source": ["real"] * 6 + ["synthetic"] * 4})
        >>> s = MixedBatchSampler(d, batch_size=4, synthetic_fraction=0.25, num_steps=3,
        ...                       warmup_steps=1, generator=0)
        >>> [s.synthetic_count(t) for t in range(3)], len(s)
        ([0, 1, 1], 3)
        >>> torch.equal(s.batch_indices(2), list(s)[2])
        True
        >>> loader = torch.utils.data.DataLoader(LabeledDataset(d), batch_sampler=s)  # doctest: +SKIP
    """

    def __init__(
        self, data: LabeledData, *, batch_size: int, synthetic_fraction: float,
        num_steps: int | None = None, warmup_steps: int = 0, ramp_steps: int = 0,
        generator: Seed = None,
    ) -> None:
        self.data = data
        self.batch_size = batch_size
        self.synthetic_fraction = synthetic_fraction
        self.num_steps = num_steps
        self.warmup_steps = warmup_steps
        self.ramp_steps = ramp_steps
        self.generator = generator
        if not isinstance(data, LabeledData):
            raise TypeError(f"data must be a LabeledData; got {type(data).__name__}")
        if len(data) == 0:
            raise ValueError("data is empty; a batch sampler needs at least one sample")
        check_int("batch_size", batch_size, low=1)
        check_range("synthetic_fraction", synthetic_fraction, 0.0, 1.0)
        if num_steps is not None:
            check_int("num_steps", num_steps, low=1)
        check_int("warmup_steps", warmup_steps, low=0)
        check_int("ramp_steps", ramp_steps, low=0)

        syn = is_synthetic(data)
        self.pools_ = {
            "real": torch.from_numpy(np.flatnonzero(~syn).astype(np.int64)),
            "synthetic": torch.from_numpy(np.flatnonzero(syn).astype(np.int64)),
        }
        self.num_steps_ = math.ceil(len(data) / batch_size) if num_steps is None else int(num_steps)
        self.seed_ = draw_seed(generator)
        self._full = self._count(float(synthetic_fraction))
        ramp = np.arange(1, int(ramp_steps) + 1) / max(int(ramp_steps), 1)
        self._ramp_counts = np.array([self._count(float(synthetic_fraction) * r) for r in ramp], np.int64)
        self._ramp_cumsum = np.concatenate([[0], np.cumsum(self._ramp_counts)])
        self._perm_cache: dict[tuple[str, int], torch.Tensor] = {}

        needs_synthetic = self._full > 0 or bool(self._ramp_counts.any())
        needs_real = (warmup_steps > 0 or self._full < batch_size
                      or bool((self._ramp_counts < batch_size).any()))
        if needs_synthetic and len(self.pools_["synthetic"]) == 0:
            raise ValueError(
                f"synthetic_fraction={synthetic_fraction!r} needs synthetic samples, but no sample of "
                "data has meta['source'] == 'synthetic'"
            )
        if needs_real and len(self.pools_["real"]) == 0:
            raise ValueError(
                "batches need real samples (warm-up or synthetic_fraction < 1), but every sample of "
                "data has meta['source'] == 'synthetic'"
            )

    def _count(self, fraction: float) -> int:
        return min(int(self.batch_size), int(math.floor(fraction * self.batch_size + 0.5)))

    def synthetic_count(self, step: int) -> int:
        """Number of synthetic samples in batch ``step`` (0 during warm-up)."""
        step = check_int("step", step, low=0)
        t = step - int(self.warmup_steps)
        if t < 0:
            return 0
        if t < int(self.ramp_steps):
            return int(self._ramp_counts[t])
        return self._full

    def _synthetic_before(self, step: int) -> int:
        """Synthetic samples drawn by all batches before ``step``."""
        t = step - int(self.warmup_steps)
        if t <= 0:
            return 0
        ramp = int(self.ramp_steps)
        if t <= ramp:
            return int(self._ramp_cumsum[t])
        return int(self._ramp_cumsum[ramp]) + (t - ramp) * self._full

    def _permutation(self, pool: str, epoch: int) -> torch.Tensor:
        key = (pool, epoch)
        perm = self._perm_cache.get(key)
        if perm is None:
            g = torch.Generator().manual_seed(derive_seed(self.seed_, "mixed_batch", pool, epoch))
            perm = self.pools_[pool][torch.randperm(len(self.pools_[pool]), generator=g)]
            if len(self._perm_cache) >= 8:
                self._perm_cache.pop(next(iter(self._perm_cache)))
            self._perm_cache[key] = perm
        return perm

    def _take(self, pool: str, start: int, n: int) -> torch.Tensor:
        m = len(self.pools_[pool])
        out: list[torch.Tensor] = []
        pos = start
        while n > 0:
            epoch, offset = divmod(pos, m)
            take = min(n, m - offset)
            out.append(self._permutation(pool, epoch)[offset:offset + take])
            pos += take
            n -= take
        return torch.cat(out) if out else torch.empty(0, dtype=torch.long)

    def batch_indices(self, step: int) -> torch.Tensor:
        """The indices of batch ``step`` (a pure function of the sampler's seed and ``step``).

        Args:
            step: batch number, >= 0 (may exceed ``len(self)`` to continue the stream).

        Returns:
            LongTensor (batch_size,) of indices into ``data``, shuffled.
        """
        k = self.synthetic_count(step)
        syn_start = self._synthetic_before(step)
        real_start = step * int(self.batch_size) - syn_start
        idx = torch.cat([
            self._take("real", real_start, int(self.batch_size) - k),
            self._take("synthetic", syn_start, k),
        ])
        g = torch.Generator().manual_seed(derive_seed(self.seed_, "mixed_batch", "shuffle", step))
        return idx[torch.randperm(len(idx), generator=g)]

    def __iter__(self) -> Iterator[torch.Tensor]:
        for step in range(self.num_steps_):
            yield self.batch_indices(step)

    def __len__(self) -> int:
        return self.num_steps_

    def __repr__(self) -> str:
        return (
            f"MixedBatchSampler(n={len(self.data)}, batch_size={self.batch_size!r}, "
            f"synthetic_fraction={self.synthetic_fraction!r}, num_steps={self.num_steps!r}, "
            f"warmup_steps={self.warmup_steps!r}, ramp_steps={self.ramp_steps!r})"
        )
