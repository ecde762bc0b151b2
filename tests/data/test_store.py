"""SyntheticStore: crash safety (real SIGKILL), resume, byte-identical shards, argument checks."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from genaug.data.labeled import LabeledData
from genaug.data.store import (
    SyntheticStore,
    _exclusive_lock,
    config_hash,
    describe_generator,
    plan_shards,
)

WORKER_PATH = Path(__file__).with_name("_store_worker.py")


def _load_worker():
    spec = importlib.util.spec_from_file_location("_genaug_store_worker", WORKER_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


worker = _load_worker()


def _shard_bytes(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.glob("shard-*.parquet"))}


def _assert_same_data(a: LabeledData, b: LabeledData) -> None:
    assert a.modality == b.modality and a.class_names == b.class_names
    if isinstance(a.x, torch.Tensor):
        assert torch.equal(a.x, b.x)
    elif isinstance(a.x, np.ndarray):
        np.testing.assert_array_equal(a.x, b.x)
    else:
        assert a.x == b.x
    np.testing.assert_array_equal(a.y, b.y)
    assert set(a.meta) == set(b.meta)
    for key in a.meta:
        np.testing.assert_array_equal(a.meta[key], b.meta[key], err_msg=key)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """An uninterrupted in-process run."""
    root = tmp_path_factory.mktemp("reference")
    worker.run(str(root))
    return root


# ----- (a) SIGKILL mid-run, resume, compare with an uninterrupted run ---------------------------
def test_killed_run_resumes_to_byte_identical_shards(tmp_path: Path, reference: Path) -> None:
    root = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    # The worker blocks inside the fsync of shard 3's temp file: killed mid-write, for sure.
    proc = subprocess.Popen([sys.executable, str(WORKER_PATH), str(root), "0.01", "3"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    manifest_path = root / "manifest.json"
    deadline = time.monotonic() + 90
    try:
        while not list(root.glob(".shard-00003.parquet.*.tmp")):
            assert proc.poll() is None, proc.stderr.read().decode()
            if manifest_path.is_file():
                try:  # the manifest is never seen half-written
                    json.loads(manifest_path.read_text())
                except json.JSONDecodeError as err:
                    raise AssertionError(f"manifest read mid-write: {err}") from err
            assert time.monotonic() < deadline, "worker made no progress"
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert list(root.glob(".shard-00003.parquet.*.tmp"))
    assert not (root / "shard-00003.parquet").exists()

    store = SyntheticStore(root)
    manifest = store.manifest()
    assert [s["index"] for s in manifest["shards"]] == [0, 1, 2]
    # Everything the manifest lists is whole; readers see only those shards.
    for entry in manifest["shards"]:
        assert hashlib.sha256((root / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
    partial = store.read(allow_incomplete=True)
    assert len(partial) == 24
    with pytest.raises(ValueError, match="incomplete"):
        store.read()

    final = worker.run(str(root))  # resume in this process
    assert final["complete"]
    assert not [p for p in os.listdir(root) if p.endswith(".tmp")]
    ref_bytes = _shard_bytes(reference)
    assert len(ref_bytes) == 12
    assert _shard_bytes(root) == ref_bytes
    assert final["shards"] == SyntheticStore(reference).manifest()["shards"]
    _assert_same_data(store.read(), SyntheticStore(reference).read())


# ----- (b) a half-written shard is never visible, and is cleaned on resume ----------------------
def test_half_written_shard_is_invisible_and_cleaned(tmp_path: Path, reference: Path) -> None:
    root = tmp_path / "half"
    store = SyntheticStore(root)
    calls = []

    def failing(n_per_class, generator):
        if len(calls) == 3:
            raise KeyboardInterrupt  # interrupted while sampling shard 3
        calls.append(1)
        return worker.sample_fn(n_per_class, generator)

    with pytest.raises(KeyboardInterrupt):
        store.write(failing, worker.TOTALS, shard_size=worker.SHARD_SIZE, seed=worker.SEED,
                    generator_info=worker.INFO)
    # What a SIGKILL between write and rename leaves: a truncated temp file; and a stray shard
    # file that the manifest does not list (killed between rename and manifest update).
    good = (reference / "shard-00003.parquet").read_bytes()
    (root / ".shard-00003.parquet.x1y2z3.tmp").write_bytes(good[: len(good) // 2])
    (root / "shard-00004.parquet").write_bytes(b"not parquet at all")
    assert [s["index"] for s in store.manifest()["shards"]] == [0, 1, 2]
    partial = store.read(allow_incomplete=True)
    assert len(partial) == 24
    _assert_same_data(partial, SyntheticStore(reference).read().subset(np.arange(24)))

    store.write(worker.sample_fn, worker.TOTALS, shard_size=worker.SHARD_SIZE, seed=worker.SEED,
                generator_info=worker.INFO)
    assert not [p for p in os.listdir(root) if p.endswith(".tmp")]
    assert _shard_bytes(root) == _shard_bytes(reference)


def test_atomic_write_leaves_no_partial_file_on_error(tmp_path: Path, monkeypatch) -> None:
    store = SyntheticStore(tmp_path / "s")

    real_replace = os.replace

    def flaky(src, dst):
        if str(dst).endswith(".parquet"):
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OSError, match="disk full"):
        store.write(worker.sample_fn, worker.TOTALS, shard_size=worker.SHARD_SIZE, seed=0,
                    generator_info=worker.INFO)
    assert sorted(os.listdir(tmp_path / "s")) == [".lock", "manifest.json"]
    assert store.manifest()["shards"] == []


def test_corrupt_listed_shard_is_detected_and_regenerated(tmp_path: Path, reference: Path) -> None:
    root = tmp_path / "corrupt"
    worker.run(str(root))
    path = root / "shard-00001.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sha256"):
        SyntheticStore(root).read()
    worker.run(str(root))
    assert _shard_bytes(root) == _shard_bytes(reference)


# ----- (c) argument mismatch -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"seed": 8}, "seed: stored 7, given 8"),
        ({"shard_size": 16}, "shard_size: stored 8, given 16"),
        ({"generator_info": {**worker.INFO, "config_hash": "1" * 64}}, "generator.config_hash"),
        ({"generator_info": {**worker.INFO, "name": "other"}}, "generator.name"),
        ({"total_per_class": {0: 40, 1: 30, 2: 27}}, r"total_per_class\.2: stored 26, given 27"),
    ],
)
def test_argument_mismatch_names_what_differs(tmp_path: Path, change: dict, expected: str) -> None:
    store = SyntheticStore(tmp_path)
    args = {"total_per_class": worker.TOTALS, "shard_size": worker.SHARD_SIZE, "seed": worker.SEED,
            "generator_info": worker.INFO}
    store.write(worker.sample_fn, **args, max_shards=1)
    with pytest.raises(ValueError, match=expected):
        store.write(worker.sample_fn, **{**args, **change})
    assert len(store.manifest()["shards"]) == 1


def test_second_writer_is_refused(tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    with _exclusive_lock(tmp_path), pytest.raises(RuntimeError, match="another process"):
        SyntheticStore(tmp_path).write(worker.sample_fn, 2, num_classes=3, shard_size=4, seed=0,
                                       generator_info={"name": "x"})


# ----- (d) read back equals what was sampled ----------------------------------------------------
def test_read_equals_sampled_and_shards_are_independent(tmp_path: Path) -> None:
    sampled = []
    requests = []

    def recording(n_per_class, generator):
        requests.append(dict(n_per_class))
        sampled.append(worker.sample_fn(n_per_class, generator))
        return sampled[-1]

    store = SyntheticStore(tmp_path)
    manifest = store.write(recording, worker.TOTALS, shard_size=worker.SHARD_SIZE, seed=3,
                           generator_info=worker.INFO)
    assert manifest["complete"] and manifest["num_rows"] == 96
    expected = sampled[0]
    for part in sampled[1:]:
        expected = expected.concat(part)
    expected = expected.with_meta(source=np.full(len(expected), "synthetic"))
    _assert_same_data(store.read(), expected)
    for got, want in zip(store.iter_shards(), sampled, strict=True):
        assert len(got) == len(want) <= worker.SHARD_SIZE
    assert np.bincount(store.read().y).tolist() == [40, 30, 26]
    assert [s["request"] for s in manifest["shards"]] == [
        {str(c): n for c, n in r.items()} for r in requests
    ]
    # Shard i depends only on (seed, i): rewriting one shard alone reproduces it.
    (tmp_path / "shard-00005.parquet").unlink()
    again = []
    store.write(lambda n, generator: again.append(n) or worker.sample_fn(n, generator),
                worker.TOTALS, shard_size=worker.SHARD_SIZE, seed=3, generator_info=worker.INFO)
    assert again == [requests[5]]
    assert store.manifest()["shards"] == manifest["shards"]


def test_text_and_tabular_round_trip(tmp_path: Path) -> None:
    def text_fn(n_per_class, generator):
        y = np.concatenate([np.full(n, c) for c, n in sorted(n_per_class.items())])
        words = torch.randint(0, 1000, (len(y),), generator=generator).tolist()
        return LabeledData([f"sample {w} é" for w in words], y, ("neg", "pos"), "text")

    def tab_fn(n_per_class, generator):
        y = np.concatenate([np.full(n, c) for c, n in sorted(n_per_class.items())])
        x = torch.randn(len(y), 5, generator=generator).numpy().astype(np.float32)
        return LabeledData(x, y, ("neg", "pos"), "tabular", {"source": np.full(len(y), "smote")})

    for name, fn in (("text", text_fn), ("tab", tab_fn)):
        sampled = []
        store = SyntheticStore(tmp_path / name)
        store.write(lambda n, generator, fn=fn, out=sampled: out.append(fn(n, generator)) or out[-1],
                    {0: 7, 1: 5}, shard_size=5, seed=0, generator_info={"name": name})
        got = store.read()
        want = sampled[0].concat(sampled[1]).concat(sampled[2])
        assert got.x == want.x if name == "text" else np.array_equal(got.x, want.x)
        np.testing.assert_array_equal(got.y, want.y)
    assert SyntheticStore(tmp_path / "tab").read().meta["source"].tolist() == ["smote"] * 12


def test_parquet_bytes_are_deterministic(tmp_path: Path) -> None:
    for name in ("a", "b"):
        SyntheticStore(tmp_path / name).write(worker.sample_fn, {0: 3, 1: 2}, shard_size=5, seed=1,
                                              generator_info={"name": "x"})
        if name == "a":
            time.sleep(1.1)  # a timestamp in the file would now differ
    assert _shard_bytes(tmp_path / "a") == _shard_bytes(tmp_path / "b")


# ----- plan and helpers ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("totals", "size"),
    [({0: 40, 1: 30, 2: 26}, 8), ({0: 1, 1: 1, 2: 1, 3: 1}, 3), ({0: 0, 1: 5}, 2), ({5: 17}, 4)],
)
def test_plan_covers_totals_within_shard_size(totals: dict, size: int) -> None:
    plan = plan_shards(totals, size)
    assert all(0 < sum(r.values()) <= size for r in plan)
    assert all(sum(r.values()) == size for r in plan[:-1])
    summed = {c: sum(r.get(c, 0) for r in plan) for c in totals}
    assert summed == totals


def test_plan_interleaves_classes() -> None:
    assert plan_shards({0: 4, 1: 4}, 4) == [{0: 2, 1: 2}, {0: 2, 1: 2}]


def test_bad_arguments(tmp_path: Path) -> None:
    store = SyntheticStore(tmp_path)
    with pytest.raises(ValueError, match="num_classes"):
        store.write(worker.sample_fn, 5, shard_size=2, seed=0, generator_info={"name": "x"})
    with pytest.raises(ValueError, match="generator_info"):
        store.write(worker.sample_fn, {0: 2}, shard_size=2, seed=0, generator_info={})
    with pytest.raises(ValueError, match="shard_size"):
        store.write(worker.sample_fn, {0: 2}, shard_size=0, seed=0, generator_info={"name": "x"})
    with pytest.raises(TypeError, match="LabeledData"):
        store.write(lambda n, generator: None, {0: 2}, shard_size=2, seed=0, generator_info={"name": "x"})
    with pytest.raises(FileNotFoundError):
        SyntheticStore(tmp_path / "nothing").read()


def test_describe_generator_hashes(tmp_path: Path) -> None:
    from genaug.serialization import save_model_dir

    save_model_dir(tmp_path / "ckpt", {"a": 1}, {"w": torch.ones(3)})
    info = describe_generator("cvae", config={"b": (1, 2), "a": 1}, checkpoint=tmp_path / "ckpt", epoch=3)
    weights = (tmp_path / "ckpt" / "weights.safetensors").read_bytes()
    assert info == {
        "name": "cvae",
        "config_hash": config_hash({"a": 1, "b": [1, 2]}),
        "checkpoint_hash": hashlib.sha256(weights).hexdigest(),
        "epoch": 3,
    }
    assert config_hash({"a": 1}) != config_hash({"a": 2})
    with pytest.raises(FileNotFoundError):
        describe_generator("cvae", checkpoint=tmp_path / "missing")
