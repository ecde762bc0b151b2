"""Process memory settings for the large CPU batches genaug allocates step after step.

glibc's allocator serves a request above its mmap threshold (at most 32 MiB by default) with a
fresh ``mmap`` and unmaps it on free, so a tensor that large costs a page fault per 4 KiB page
every time it is made again: a 256 x 3 x 224 x 224 float32 batch is 154 MB, 37,000 faults, and
an augmentation pipeline or a consistency-training step makes several per batch.
:func:`retain_freed_memory` raises the thresholds once per process so freed blocks are reused.

Measured on 2 CPU cores (CPU seconds, same machine, same run):

* flip + affine + colour + noise on 256 images (``benchmarks/bench_image_pipeline.py``): at
  224x224 523 -> 764 images/s on float32 and 403 -> 695 on uint8 (benchmarks/results/speed.md);
* one FixMatch step of ``small_cnn`` on 20x20 digits: 1.06 -> 0.58 CPU-s
  (benchmarks/results/pool.md).

The price: the process keeps its peak heap until it exits instead of returning it to the OS.
Opt out with ``GENAUG_RETAIN_FREED_MEMORY=0``; allocator settings of your own
(``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_``) always win. Off glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

__all__ = ["LARGE_BATCH_BYTES", "retain_freed_memory"]

#: Tensors at least this large are mmapped by glibc's default allocator settings (its ceiling).
LARGE_BATCH_BYTES = 32 << 20

_RETAINED: bool | None = None


def retain_freed_memory(threshold: int = 1 << 30) -> bool:
    """Let glibc's allocator keep freed blocks of up to ``threshold`` bytes for reuse, once per
    process (``mallopt`` ``M_MMAP_THRESHOLD`` and ``M_TRIM_THRESHOLD``).

    Called by genaug where it allocates large CPU batches repeatedly: augmenters on batches of
    :data:`LARGE_BATCH_BYTES` or more, consistency training and contrastive pretraining.

    Returns:
        Whether the allocator settings are (now or already) in effect; False off glibc, when the
        user set ``MALLOC_MMAP_THRESHOLD_``/``MALLOC_TRIM_THRESHOLD_`` themselves, or when
        ``GENAUG_RETAIN_FREED_MEMORY=0``.

    Example:
        >>> isinstance(retain_freed_memory(), bool)
        True
    """
    global _RETAINED
    if _RETAINED is not None:
        return _RETAINED
    _RETAINED = False
    if os.environ.get("GENAUG_RETAIN_FREED_MEMORY", "1") == "0" or any(
            k in os.environ for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    value = ctypes.c_int(min(int(threshold), 2**31 - 1))
    # M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3 (malloc.h); mallopt returns 1 on success
    _RETAINED = bool(mallopt(-1, value)) and bool(mallopt(-3, value))
    return _RETAINED
