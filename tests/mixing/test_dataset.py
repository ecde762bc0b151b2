"""LabeledDataset: (x, y, weight) items, batched fetches, augmenter calls with a generator."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genaug.data.labeled import LabeledData
from genaug.mixing import LabeledDataset


class AddNoise:
    """Stand-in augmenter: records the batch shapes it saw and adds generator-driven noise."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, ...]] = []

    def __call__(self, batch, *, generator):
        self.calls.append(tuple(batch.shape))
        return batch + 0.01 * torch.rand(batch.shape, generator=generator)


def image_data() -> LabeledData:
    g = torch.Generator().manual_seed(0)
    return LabeledData(torch.rand(6, 1, 4, 4, generator=g), [0, 1, 2, 0, 1, 2], ("a", "b", "c"),
                       "image", {"weight": [1, 1, 1, 0.5, 0.5, 0.5]})


def test_item_is_x_y_weight():
    data = image_data()
    ds = LabeledDataset(data)
    assert len(ds) == 6
    x, y, w = ds[4]
    assert torch.equal(x, data.x[4]) and y.dtype == torch.int64 and int(y) == 1
    assert w.dtype == torch.float32 and float(w) == 0.5
    assert torch.equal(ds[-1][0], data.x[5])
    with pytest.raises(IndexError):
        ds[6]


def test_weight_defaults_to_one():
    data = LabeledData(torch.rand(3, 1, 5), [0, 1, 0], ("a", "b"), "signal")
    assert [float(LabeledDataset(data)[i][2]) for i in range(3)] == [1.0, 1.0, 1.0]


def test_getitems_augments_the_batch_once_and_deterministically():
    data = image_data()
    aug = AddNoise()
    ds = LabeledDataset(data, aug, generator=3)
    items = ds.__getitems__(torch.tensor([0, 2, 5]))
    assert aug.calls == [(3, 1, 4, 4)]
    assert len(items) == 3 and not torch.equal(items[0][0], data.x[0])
    again = LabeledDataset(data, AddNoise(), generator=3).__getitems__([0, 2, 5])
    assert all(torch.equal(a[0], b[0]) for a, b in zip(items, again, strict=True))
    x, _, _ = ds[1]
    assert aug.calls[-1] == (1, 1, 4, 4) and x.shape == (1, 4, 4)


def test_tabular_and_text():
    tab = LabeledData(np.arange(12, dtype=np.float64).reshape(4, 3), [0, 1, 0, 1], ("a", "b"), "tabular")
    x, y, _ = LabeledDataset(tab)[2]
    assert x.dtype == torch.float32 and x.tolist() == [6.0, 7.0, 8.0] and int(y) == 0
    txt = LabeledData(["hi", "yo"], [0, 1], ("a", "b"), "text")
    assert LabeledDataset(txt)[1][0] == "yo"


def test_bad_args():
    with pytest.raises(TypeError, match="data"):
        LabeledDataset(torch.rand(3, 1, 4, 4))
    with pytest.raises(TypeError, match="augmenter"):
        LabeledDataset(image_data(), augmenter="flip")
