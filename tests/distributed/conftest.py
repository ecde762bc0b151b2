"""Fixtures for the scale tests: one local Ray instance for the session, a tiny saved cVAE."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch


@pytest.fixture(scope="session")
def ray_session():
    """A real local Ray instance (2 CPUs, no dashboard), shared by every test here."""
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="WARNING")
    yield ray
    ray.shutdown()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A cVAE with its test parameters, fitted on 5 digits per class, saved to a folder."""
    from genaug.data import load_dataset, split
    from genaug.synth.cvae import CVAE

    torch.set_num_threads(1)
    parts = split(load_dataset("digits"), labeled_per_class=5, val_per_class=2, test_fraction=0.3, seed=0)
    path = tmp_path_factory.mktemp("model") / "cvae"
    CVAE(**CVAE.get_test_params()).fit(parts.labeled, generator=0).save(path)
    return path


def store_files(root: Path) -> dict[str, bytes]:
    """The bytes of a store's manifest and shards (not its lock or temp files)."""
    return {p.name: p.read_bytes() for p in sorted(root.iterdir())
            if p.name == "manifest.json" or p.name.startswith("shard-")}
