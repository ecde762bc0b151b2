"""Writes a synthetic store with a stand-in deterministic sampler; run by ``test_store.py``.

Usage: ``python _store_worker.py ROOT DELAY [HANG_AT]``. With ``DELAY > 0`` every ``os.fsync``
and every sample call sleeps ``DELAY`` seconds. With ``HANG_AT = i`` the fsync of shard ``i``'s
temp file blocks for an hour (Linux: the file is found through ``/proc/self/fd``), so a parent
can SIGKILL the writer at a known point: after the temp file's bytes are written, before its
rename.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import torch

from genaug.data.labeled import LabeledData
from genaug.data.store import SyntheticStore

CLASS_NAMES = ("a", "b", "c")
TOTALS = {0: 40, 1: 30, 2: 26}
SHARD_SIZE = 8  # 96 samples -> 12 shards
SEED = 7
INFO = {"name": "stand_in", "config_hash": "0" * 64, "checkpoint_hash": None}


def sample_fn(n_per_class: dict[int, int], generator: torch.Generator) -> LabeledData:
    """Deterministic given ``generator``: images, labels and a few per-sample columns."""
    y = np.concatenate([np.full(n, c, dtype=np.int64) for c, n in sorted(n_per_class.items())])
    x = torch.rand(len(y), 1, 6, 6, generator=generator)
    meta = {
        "source_index": torch.randint(0, 100, (len(y),), generator=generator).numpy(),
        "strength": torch.rand(len(y), generator=generator, dtype=torch.float64).numpy(),
        "filter_score_dedup": x.flatten(1).mean(1).double().numpy(),
    }
    return LabeledData(x, y, CLASS_NAMES, "image", meta)


def run(root: str, delay: float = 0.0, hang_at: int | None = None) -> dict:
    """Write (or resume) the store at ``root`` (``delay``/``hang_at``: see the module docstring)."""
    fn = sample_fn
    if delay > 0 or hang_at is not None:
        real_fsync = os.fsync

        def slow_fsync(fd: int) -> None:
            if hang_at is not None:
                try:
                    target = os.readlink(f"/proc/self/fd/{fd}")
                except OSError:
                    target = ""
                if f".shard-{hang_at:05d}.parquet." in target:
                    time.sleep(3600)
            time.sleep(delay)
            real_fsync(fd)

        os.fsync = slow_fsync

        def fn(n_per_class, generator):  # noqa: ANN001
            time.sleep(delay)
            return sample_fn(n_per_class, generator)

    return SyntheticStore(root).write(fn, TOTALS, shard_size=SHARD_SIZE, seed=SEED, generator_info=INFO)


if __name__ == "__main__":
    run(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else None)
