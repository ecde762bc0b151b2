"""Tiny data shared by the contract suites: a few dozen samples of each modality, 8x8 images.

Builders are fixtures returning factories (``make_data(modality, ...)``), because test modules
are imported with ``--import-mode=importlib`` and cannot import one another.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
import torch

from genaug.data.labeled import LabeledData

CLASS_NAMES = ("a", "b", "c")
SHAPES = {"image": (1, 8, 8), "signal": (1, 24), "audio": (1, 32), "tabular": (4,)}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny models run fastest on one thread (and a shared machine stays responsive)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tiny_data(modality: str, *, per_class: int = 8, seed: int = 0, num_classes: int = 3,
              counts: tuple[int, ...] | None = None) -> LabeledData:
    """``per_class`` samples of each class (or ``counts``), class-dependent means, ``meta["row"]``.

    image: (N, 1, 8, 8) in [0, 1]; signal/audio: (N, 1, T); tabular: a float (N, 4) array;
    ``"mixed"``: a tabular DataFrame with float, int, categorical and bool columns; text:
    strings with class-dependent words.
    """
    counts = counts or (per_class,) * num_classes
    y = np.repeat(np.arange(len(counts)), counts)
    names = CLASS_NAMES[: len(counts)] if len(counts) <= 3 else tuple(f"c{i}" for i in range(len(counts)))
    meta = {"row": np.arange(len(y))}
    rng = np.random.default_rng(seed)
    if modality == "mixed":
        frame = pd.DataFrame({
            "amount": np.round(rng.lognormal(1.0 + 0.5 * y, 0.3), 2),
            "count": rng.poisson(2 + y).astype(np.int64),
            "channel": pd.Categorical(rng.choice(["web", "shop", "phone"], size=len(y))),
            "flag": rng.random(len(y)) < 0.3 + 0.2 * y,
        })  # fmt: skip
        return LabeledData(frame, y, names, "tabular", meta)
    if modality == "text":
        words = ("red", "green", "blue", "cyan")
        texts = [f"{words[c]} {words[c]} sample {rng.integers(100)}" for c in y]
        return LabeledData(texts, y, names, "text", meta)
    shape = SHAPES[modality]
    g = torch.Generator().manual_seed(seed)
    shift = torch.as_tensor(y, dtype=torch.float32).view(-1, *[1] * len(shape))
    x = torch.rand((len(y), *shape), generator=g)
    if modality == "image":
        x = (0.6 * x + 0.2 * shift / max(len(counts) - 1, 1)).clamp(0, 1)
        return LabeledData(x, y, names, modality, meta)
    x = x + 0.8 * shift
    if modality == "tabular":
        return LabeledData(x.numpy().astype(np.float64), y, names, "tabular", meta)
    return LabeledData(x, y, names, modality, meta)


@pytest.fixture
def make_data() -> Callable[..., LabeledData]:
    """The :func:`tiny_data` factory."""
    return tiny_data


def same_data(a: LabeledData, b: LabeledData) -> bool:
    """Identical samples, labels, classes, modality and metadata."""
    if (a.modality, a.class_names, len(a)) != (b.modality, b.class_names, len(b)):
        return False
    if not np.array_equal(a.y, b.y) or set(a.meta) != set(b.meta):
        return False
    for key in a.meta:
        u, v = np.asarray(a.meta[key]), np.asarray(b.meta[key])
        if u.dtype.kind == "f":
            if not np.array_equal(u, v, equal_nan=True):
                return False
        elif not np.array_equal(u, v):
            return False
    return _same_x(a.x, b.x)


def _same_x(x: object, z: object) -> bool:
    if isinstance(x, torch.Tensor):
        return isinstance(z, torch.Tensor) and x.shape == z.shape and torch.equal(x, z)
    if isinstance(x, pd.DataFrame):
        if not isinstance(z, pd.DataFrame):
            return False
        try:
            pd.testing.assert_frame_equal(x.reset_index(drop=True), z.reset_index(drop=True),
                                          check_exact=True)
        except AssertionError:
            return False
        return True
    if isinstance(x, list):
        return x == z
    return np.array_equal(np.asarray(x), np.asarray(z))


@pytest.fixture
def same() -> Callable[[LabeledData, LabeledData], bool]:
    """The :func:`same_data` comparison."""
    return same_data
