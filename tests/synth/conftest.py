"""Tiny seeded data for the synth class tests."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genaug.data.labeled import LabeledData


@pytest.fixture(autouse=True, scope="package")
def _one_thread():
    """Tiny nets run fastest on one thread (and a shared machine stays responsive)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="package")
def tiny_images() -> LabeledData:
    """3 classes x 4 images (1, 8, 8) in [0, 1], each class a different bright row."""
    g = torch.Generator().manual_seed(0)
    y = np.repeat(np.arange(3), 4)
    x = 0.2 * torch.rand(len(y), 1, 8, 8, generator=g)
    for i, c in enumerate(y):
        x[i, 0, 2 * c + 1] = 0.9
    return LabeledData(x, y, ("a", "b", "c"), "image")


@pytest.fixture(scope="package")
def tiny_pool() -> torch.Tensor:
    g = torch.Generator().manual_seed(1)
    return torch.rand(16, 1, 8, 8, generator=g)
