"""Fixtures for genaug.train tests: a small digits data set and single-threaded torch."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from genaug.data.labeled import LabeledData


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    """Keep tests light on a shared machine; restores the previous thread count."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def digits() -> LabeledData:
    """sklearn digits as images (1797, 1, 8, 8) in [0, 1]."""
    d = load_digits()
    x = torch.tensor(d.images / 16.0, dtype=torch.float32).unsqueeze(1)
    return LabeledData(x, d.target, tuple(str(i) for i in range(10)), "image")


@pytest.fixture(scope="session")
def splits(digits: LabeledData) -> dict[str, LabeledData]:
    """Disjoint train (300), val (150) and test (300) subsets drawn with a fixed seed."""
    idx = np.random.default_rng(0).permutation(len(digits))
    return {
        "train": digits.subset(idx[:300]),
        "val": digits.subset(idx[300:450]),
        "test": digits.subset(idx[450:750]),
    }
