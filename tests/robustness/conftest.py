"""Shared fixtures of the robustness suite: small saved models and a small store, built once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from genaug.data.labeled import LabeledData
from genaug.data.store import SyntheticStore

CLASS_NAMES = ("a", "b", "c")
STORE_TOTALS = {0: 6, 1: 5, 2: 5}
STORE_SHARD_SIZE = 4  # 16 samples -> 4 shards
STORE_SEED = 3
STORE_INFO = {"name": "stand_in", "config_hash": "0" * 64, "checkpoint_hash": None}


def stand_in_sample(n_per_class: dict[int, int], generator: torch.Generator) -> LabeledData:
    """A deterministic sampler given ``generator`` (images and a per-sample column)."""
    y = np.concatenate([np.full(n, c, dtype=np.int64) for c, n in sorted(n_per_class.items())])
    x = torch.rand(len(y), 1, 4, 4, generator=generator)
    meta = {"strength": torch.rand(len(y), generator=generator, dtype=torch.float64).numpy()}
    return LabeledData(x, y, CLASS_NAMES, "image", meta)


def write_store(root: Path, **kwargs) -> dict:
    """The reference store (4 shards); ``kwargs`` override ``SyntheticStore.write`` arguments."""
    args = {"shard_size": STORE_SHARD_SIZE, "seed": STORE_SEED, "generator_info": STORE_INFO, **kwargs}
    return SyntheticStore(root).write(stand_in_sample, STORE_TOTALS, **args)


@pytest.fixture(scope="session")
def saved_models(tmp_path_factory) -> dict[str, Path]:
    """A tiny fitted CVAE (images) and Gaussian copula (table), saved once."""
    from genaug.synth import CVAE
    from genaug.synth.tabular import GaussianCopula

    root = tmp_path_factory.mktemp("robust-models")
    g = torch.Generator().manual_seed(0)
    images = LabeledData(torch.rand(6, 1, 8, 8, generator=g), [0, 1, 2] * 2, CLASS_NAMES, "image")
    CVAE(**CVAE.get_test_params()).fit(images, generator=0).save(root / "cvae")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"v": rng.normal(size=40), "c": pd.Categorical(rng.choice(["x", "y"], 40))})
    table = LabeledData(frame, np.repeat([0, 1], 20), ("neg", "pos"), "tabular")
    GaussianCopula(n_quantiles=10).fit(table, generator=0).save(root / "copula")
    from genaug.train import LogRegClassifier

    LogRegClassifier().fit(images, generator=0).save(root / "logreg")
    return {"cvae": root / "cvae", "copula": root / "copula", "logreg": root / "logreg"}


@pytest.fixture(scope="session")
def reference_store(tmp_path_factory) -> Path:
    """A complete store written in one go."""
    root = tmp_path_factory.mktemp("robust-store") / "store"
    write_store(root)
    return root


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(scope="session")
def store_writer():
    """``write_store(root, **kwargs)``: (re)write the reference store's arguments into ``root``."""
    return write_store
