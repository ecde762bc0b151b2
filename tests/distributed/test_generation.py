"""Sampling a store on Ray: byte-identical to the local backend for any worker count, a killed
worker, or an interrupted run; reading a store as a Ray Dataset and a streaming torch dataset."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from genaug.cli import app
from genaug.data.store import SyntheticStore
from genaug.errors import StoreError
from genaug.scale import RayShardPool, StoreIterableDataset, sample_to_store, store_to_ray_dataset
from genaug.scale.generation import model_generator_info
from genaug.synth import load_synthesizer

from .conftest import store_files

N_PER_CLASS, SHARD_SIZE, SEED = 12, 16, 3  # 120 samples in 8 shards
SAMPLE_ARGS = ["--n-per-class", str(N_PER_CLASS), "--shard-size", str(SHARD_SIZE), "--seed", str(SEED)]


@pytest.fixture(scope="module")
def local_store(tiny_model, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local") / "store"
    res = CliRunner().invoke(app, ["synth", "sample", str(tiny_model), "--out", str(out), *SAMPLE_ARGS])
    assert res.exit_code == 0, res.output
    assert SyntheticStore(out).is_complete()
    return out


@pytest.fixture(scope="class")
def pool(ray_session, tiny_model):
    """Two actors that load the model once, shared by one class's tests (torn down after them)."""
    info = model_generator_info(tiny_model, load_synthesizer(tiny_model))
    with RayShardPool(tiny_model, checkpoint_hash=info["checkpoint_hash"], workers=2) as pool:
        yield pool, info


class TestOnePool:
    """Two actors that load the model once, shared by these tests (and torn down after them)."""

    def _write(self, pool, out: Path, on_shard=None) -> dict:
        pool, info = pool
        return SyntheticStore(out).write(None, N_PER_CLASS, shard_size=SHARD_SIZE, seed=SEED,
                                         generator_info=info, num_classes=10,
                                         map_shards=pool.map_shards(on_shard=on_shard))

    def test_two_workers_write_the_local_store_byte_for_byte(self, pool, local_store, tmp_path):
        assert self._write(pool, tmp_path / "ray")["complete"]
        assert store_files(tmp_path / "ray") == store_files(local_store)

    def test_a_worker_sigkilled_mid_run_changes_no_byte(self, pool, local_store, tmp_path):
        pids = pool[0].pids()
        killed: list[int] = []

        def kill_one(done: int, total: int) -> None:
            if done == 2:  # shards are still queued on both workers
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

        assert self._write(pool, tmp_path / "killed", on_shard=kill_one)["complete"]
        assert killed and pool[0].pids()[0] != pids[0]  # the actor was restarted in a new process
        assert store_files(tmp_path / "killed") == store_files(local_store)


class _Interrupt(Exception):
    pass


def test_an_interrupted_ray_run_resumes_with_synth_sample(ray_session, tiny_model, local_store, tmp_path):
    out = tmp_path / "resumed"

    def stop_after_three(done: int, total: int) -> None:
        if done == 3:
            raise _Interrupt

    with pytest.raises(_Interrupt):
        sample_to_store(tiny_model, out, N_PER_CLASS, seed=SEED, shard_size=SHARD_SIZE, backend="ray",
                        workers=2, on_shard=stop_after_three)
    partial = SyntheticStore(out).manifest()
    assert not partial["complete"] and len(partial["shards"]) == 3
    assert len(list(SyntheticStore(out).iter_shards(allow_incomplete=True))) == 3  # what is there verifies
    res = CliRunner().invoke(app, ["synth", "sample", str(tiny_model), "--out", str(out), *SAMPLE_ARGS,
                                   "--backend", "ray", "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert "8/8 shards, 120 samples, complete" in " ".join(res.output.split())
    assert store_files(out) == store_files(local_store)
    assert ray_session.is_initialized()  # the CLI used the session's connection and left it open


def test_a_store_reads_as_a_ray_dataset_in_shard_order(ray_session, local_store):
    whole = SyntheticStore(local_store).read()
    batch = store_to_ray_dataset(local_store).take_batch(1000, batch_format="numpy")
    assert batch["x"].shape == (120, 1, 8, 8) and batch["x"].dtype == np.float32
    np.testing.assert_array_equal(batch["x"], whole.x.numpy())
    np.testing.assert_array_equal(batch["y"], whole.y)
    np.testing.assert_array_equal(batch["source_index"], whole.meta["source_index"])


def test_the_torch_dataset_streams_every_sample_once(local_store, monkeypatch):
    whole = SyntheticStore(local_store).read()
    ds = StoreIterableDataset(local_store)
    assert len(ds) == 120
    xs, ys = zip(*ds, strict=True)
    assert torch.equal(torch.stack(xs), whole.x) and list(ys) == whole.y.tolist()
    batches = list(torch.utils.data.DataLoader(ds, batch_size=50))
    assert [len(b[1]) for b in batches] == [50, 50, 20]

    # two DataLoader workers read disjoint shards that together are the store
    import genaug.scale.reading as reading

    shuffled = StoreIterableDataset(local_store, shuffle=True, seed=1)
    seen = []
    for worker in (0, 1):
        info = type("Info", (), {"id": worker, "num_workers": 2})()
        monkeypatch.setattr(reading, "get_worker_info", lambda info=info: info)
        seen.append([int(y) for _, y in shuffled])
    assert len(seen[0]) == 64 and len(seen[1]) == 56  # 4 shards each: 16 x 4, 16 x 3 + 8
    assert sorted(seen[0] + seen[1]) == sorted(whole.y.tolist())
    monkeypatch.setattr(reading, "get_worker_info", lambda: None)
    first = [int(y) for _, y in shuffled]
    assert first == [int(y) for _, y in shuffled] and first != whole.y.tolist()  # seeded, and shuffled
    shuffled.set_epoch(1)
    assert [int(y) for _, y in shuffled] != first


def test_an_incomplete_store_is_refused_for_streaming(tiny_model, tmp_path):
    sample_to_store(tiny_model, tmp_path / "part", N_PER_CLASS, shard_size=SHARD_SIZE, max_shards=1)
    with pytest.raises(StoreError, match="incomplete"):
        StoreIterableDataset(tmp_path / "part")
