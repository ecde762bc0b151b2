"""Large CPU batches switch on allocator block reuse once (genaug.memory); small ones do not."""

import torch

from genaug import memory
from genaug.ops import Flip, Sequential, apply_uint8
from genaug.ops import base as ops_base


def _recorder(monkeypatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(ops_base, "retain_freed_memory", lambda: calls.append(1) or True)
    return calls


def test_small_batches_leave_the_allocator_alone(monkeypatch):
    calls = _recorder(monkeypatch)
    Flip(p=1.0)(torch.rand(4, 3, 8, 8), generator=0)
    assert calls == []


def test_a_batch_past_the_mmap_ceiling_retains_freed_blocks_and_output_is_unchanged(monkeypatch):
    calls = _recorder(monkeypatch)
    n = memory.LARGE_BATCH_BYTES // (4 * 3 * 64 * 64) + 1  # float32 images just over the ceiling
    x = torch.rand(n, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    out = Sequential(augmenters=[Flip(p=1.0)])(x, generator=0)
    assert calls, "retain_freed_memory was not asked for"
    assert torch.equal(out, x.flip(-1))
    calls.clear()
    u8 = (x * 255).to(torch.uint8)
    assert torch.equal(apply_uint8(Flip(p=1.0), u8, generator=0), u8.flip(-1))
    assert calls  # the float copy of a uint8 batch is 4x its size


def test_retention_is_once_per_process_and_can_be_opted_out(monkeypatch):
    monkeypatch.setattr(memory, "_RETAINED", None)
    monkeypatch.setenv("GENAUG_RETAIN_FREED_MEMORY", "0")
    assert memory.retain_freed_memory() is False
    monkeypatch.setattr(memory, "_RETAINED", None)
    monkeypatch.delenv("GENAUG_RETAIN_FREED_MEMORY")
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "1000")  # the user's own allocator settings win
    assert memory.retain_freed_memory() is False
    monkeypatch.setattr(memory, "_RETAINED", True)  # once decided, not asked again
    assert memory.retain_freed_memory() is True
    monkeypatch.setattr(memory, "_RETAINED", None)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_")
    assert isinstance(memory.retain_freed_memory(), bool)  # True on glibc, False elsewhere
