"""Inputs that were read wrongly or at great cost, now read correctly (issue 11), and the CLI's
last line of defence.

* a 16-bit PNG is scaled by its bit depth (a 0..65535 ramp reads as 0..1, not clipped to 1);
* an ``.npz`` carrying an unused 1 GiB array is read without decoding it;
* resuming a store keeps a user's own ``*.tmp`` files;
* a bug inside a command is one ``internal error`` line (exit 1), never a traceback; a user
  error from a real ``genaug`` process is one ``error:`` line with exit code 2.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner


def _png16(path: Path, values: np.ndarray) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(values.astype(np.uint16)).save(path)
    return path


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_16_bit_png_is_scaled_by_its_bit_depth(tmp_path: Path, mode: str) -> None:
    from genaug.data.readers import read_image_folder

    ramp = np.linspace(0, 65535, 64).round().reshape(8, 8)
    _png16(tmp_path / "img" / "a" / "ramp.png", ramp)
    _png16(tmp_path / "img" / "b" / "ramp.png", ramp[::-1])
    data = read_image_folder(tmp_path / "img", mode=mode)
    x = data.x[0]
    assert x.shape == (1 if mode == "L" else 3, 8, 8)
    np.testing.assert_allclose(x[0].numpy(), ramp / 65535, atol=1e-6)
    assert len(torch.unique(x)) == 64  # not [0, 1, 1, 1, ...]
    assert float(x.min()) == 0.0 and float(x.max()) == 1.0


def test_8_bit_png_still_divides_by_255(tmp_path: Path) -> None:
    from PIL import Image

    from genaug.data.readers import read_image_folder

    for cls in ("a", "b"):
        (tmp_path / "img" / cls).mkdir(parents=True)
        pixels = np.arange(16, dtype=np.uint8).reshape(4, 4) * 17
        Image.fromarray(pixels).save(tmp_path / "img" / cls / "x.png")
    x = read_image_folder(tmp_path / "img").x[0, 0]
    np.testing.assert_allclose(x.numpy(), np.arange(16).reshape(4, 4) * 17 / 255, atol=1e-6)


def test_an_unused_huge_npz_member_is_never_decoded(tmp_path: Path) -> None:
    from genaug.data.readers import read_npz

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f4", "fortran_order": False, "shape": (2**28,)})
    huge = buf.getvalue() + b"\0" * 1024  # claims 1 GiB; a decoder would allocate it all
    x, y = np.random.default_rng(0).random((4, 3)).astype(np.float32), np.array([0, 1, 0, 1])
    members = {}
    for key, arr in (("x", x), ("y", y)):
        b = io.BytesIO()
        np.save(b, arr)
        members[f"{key}.npy"] = b.getvalue()
    members["unused.npy"] = huge
    path = tmp_path / "d.npz"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        data = read_npz(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 10
    assert peak < 50 * 2**20, peak
    np.testing.assert_array_equal(data.x, x)


def test_resume_removes_only_the_stores_own_temp_files(tmp_path: Path, store_writer) -> None:
    root = tmp_path / "store"
    store_writer(root, max_shards=1)
    own = [".shard-00001.parquet.abc123.tmp", ".manifest.json.x_9z.tmp"]
    mine = ["notes.tmp", "shard-00001.parquet.tmp", ".shard-1.parquet.a.tmp", "data.parquet.tmp"]
    for name in own + mine:
        (root / name).write_bytes(b"half")
    (root / "folder.tmp").mkdir()
    store_writer(root)
    left = sorted(p for p in os.listdir(root) if p.endswith(".tmp"))
    assert left == sorted([*mine, "folder.tmp"])


def test_a_bug_in_a_command_is_one_line_not_a_traceback(monkeypatch) -> None:
    import genaug.data
    from genaug.cli import app

    def broken():
        raise KeyError("an internal bug")

    monkeypatch.setattr(genaug.data, "list_datasets", broken)
    result = CliRunner().invoke(app, ["datasets"], env={"GENAUG_DEBUG": ""})
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and "internal error (KeyError)" in lines[0] and "Traceback" not in result.output
    debug = CliRunner().invoke(app, ["datasets"], env={"GENAUG_DEBUG": "1"})
    assert isinstance(debug.exception, KeyError)


def test_a_real_genaug_process_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: x\ndataset: {name: digits}\nmodel: {name: logreg}\nstrategies: [{name: none}]\n")
    out = tmp_path / "out"
    out.write_text("a file, not a folder")
    env = {k: v for k, v in os.environ.items() if k != "GENAUG_DEBUG"}
    proc = subprocess.run([sys.executable, "-m", "genaug.cli", "run", str(spec), "--out", str(out)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--out" in lines[0], proc.stderr
    assert "is an existing file" in lines[0] and "Traceback" not in proc.stderr
    assert out.read_text() == "a file, not a folder"


def test_reading_a_store_starts_no_arrow_thread_pool(reference_store: Path, monkeypatch) -> None:
    """pq.read_table runs on Arrow's CPU pool, whose threads could abort the interpreter at exit
    (SIGABRT, "terminate called without an active exception", in ~2% of fresh processes that
    had read a store); the store reads each shard single-threaded instead."""
    import pyarrow.parquet as pq

    from genaug.data.store import SyntheticStore

    calls = []
    real_read = pq.ParquetFile.read

    def read(self, *args, **kwargs):
        calls.append(kwargs.get("use_threads", True))
        return real_read(self, *args, **kwargs)

    def no_pool(*args, **kwargs):
        raise AssertionError("pq.read_table starts Arrow's thread pool")

    monkeypatch.setattr(pq, "read_table", no_pool)
    monkeypatch.setattr(pq.ParquetFile, "read", read)
    data = SyntheticStore(reference_store).read()
    assert len(data) == 16 and calls and not any(calls)
