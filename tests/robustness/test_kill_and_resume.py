"""SIGKILL a store writer at 20 points of its I/O, resume it, compare with an uninterrupted run.

The writer runs in a forked child (no interpreter start-up: fast), which counts its
``os.fsync``/``os.replace`` calls and SIGKILLs itself at the chosen one, before the call runs;
at every other kill point the temp file being synced is first cut in half (a torn write). The
parent then resumes the store in-process and compares it with the reference: shard bytes,
manifest entries and the data read back must be identical (0 mismatches), the store's own temp
files must be gone, and a user's own ``*.tmp`` files in the folder must still be there.
"""

from __future__ import annotations

import os
import signal
import stat
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from genaug.data.store import SyntheticStore

KILL_POINTS = 20


def _io_events(store_writer, root: Path) -> int:
    """How many fsync/replace calls an uninterrupted write makes."""
    count = 0
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        nonlocal count
        count += 1
        real_fsync(fd)

    def replace(src, dst) -> None:  # noqa: ANN001
        nonlocal count
        count += 1
        real_replace(src, dst)

    os.fsync, os.replace = fsync, replace
    try:
        store_writer(root)
    finally:
        os.fsync, os.replace = real_fsync, real_replace
    return count


@pytest.fixture(scope="module")
def n_events(store_writer, tmp_path_factory) -> int:
    return _io_events(store_writer, tmp_path_factory.mktemp("count") / "store")


def _killed_child(store_writer, root: Path, kill_at: int, tear: bool) -> int:
    """Fork a child that writes ``root`` and SIGKILLs itself at I/O event ``kill_at``; its status."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            torch.set_num_threads(1)
            count = 0
            real_fsync, real_replace = os.fsync, os.replace

            def event() -> bool:
                nonlocal count
                count += 1
                return count == kill_at

            def fsync(fd: int) -> None:
                if event():
                    info = os.fstat(fd)
                    if tear and stat.S_ISREG(info.st_mode) and info.st_size > 1:
                        os.ftruncate(fd, info.st_size // 2)
                    os.kill(os.getpid(), signal.SIGKILL)
                real_fsync(fd)

            def replace(src, dst) -> None:  # noqa: ANN001
                if event():
                    os.kill(os.getpid(), signal.SIGKILL)
                real_replace(src, dst)

            os.fsync, os.replace = fsync, replace
            store_writer(root)
        finally:
            os._exit(3)  # reached only if the kill point was never hit
    deadline = time.monotonic() + 60
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail(f"the writer hung (kill point {kill_at})")
        time.sleep(0.01)


@pytest.mark.parametrize("point", range(KILL_POINTS), ids=[f"kill-{i:02d}" for i in range(KILL_POINTS)])
def test_sigkill_then_resume_gives_the_uninterrupted_store(
    point: int, n_events: int, store_writer, reference_store: Path, tmp_path: Path,
) -> None:
    kill_at = 1 + round(point * (n_events - 1) / (KILL_POINTS - 1))
    root = tmp_path / "store"
    status = _killed_child(store_writer, root, kill_at, tear=point % 2 == 1)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status

    if root.exists():  # a reader of the half-done store sees only complete, verified shards
        store = SyntheticStore(root)
        if store.exists():
            manifest = store.manifest()
            assert len(manifest["shards"]) <= manifest["num_shards"]
            if manifest["shards"]:
                assert len(store.read(allow_incomplete=True)) == manifest["num_rows"]
        for name in ("notes.tmp", ".mine.tmp"):  # the user's own files: kept by the resume
            (root / name).write_text("mine")

    final = store_writer(root)
    ref = SyntheticStore(reference_store)
    mismatches = []
    for entry in ref.manifest()["shards"]:
        if (root / entry["file"]).read_bytes() != (reference_store / entry["file"]).read_bytes():
            mismatches.append(entry["file"])
    assert mismatches == []
    assert final["shards"] == ref.manifest()["shards"] and final["complete"]
    got, want = SyntheticStore(root).read(), ref.read()
    assert torch.equal(got.x, want.x) and np.array_equal(got.y, want.y)
    leftovers = sorted(p for p in os.listdir(root) if p.endswith(".tmp"))
    assert leftovers == ([".mine.tmp", "notes.tmp"] if (root / "notes.tmp").exists() else [])
