"""Shared fixtures for the ops tests."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _single_thread():
    """Tiny tensors: one intra-op thread avoids thread-pool overhead on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def images() -> torch.Tensor:
    """(6, 3, 12, 12) random images in [0, 1]."""
    return torch.rand(6, 3, 12, 12, generator=torch.Generator().manual_seed(0))
