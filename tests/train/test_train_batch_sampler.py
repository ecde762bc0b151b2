"""TorchClassifier with a batch sampler: the batches it trains on are the sampler's."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genaug.data.labeled import LabeledData
from genaug.mixing import MixedBatchSampler
from genaug.train import MLPNetClassifier

N_REAL, N_SYN = 12, 20


def _indexed_data() -> LabeledData:
    """Feature 0 of sample i is i, so a batch's indices can be read back from its x."""
    n = N_REAL + N_SYN
    x = torch.zeros(n, 3)
    x[:, 0] = torch.arange(n, dtype=torch.float32)
    y = np.arange(n) % 2
    source = np.array(["real"] * N_REAL + ["synthetic"] * N_SYN)
    return LabeledData(x, y, ("a", "b"), "tabular", {"source": source})


def _fit_recording(sampler, steps: int) -> list[list[int]]:
    seen: list[list[int]] = []

    def record(xb: torch.Tensor, *, generator: torch.Generator) -> torch.Tensor:
        seen.append(xb[:, 0].round().long().tolist())
        return xb

    clf = MLPNetClassifier(steps=steps, eval_every=steps, arch_kwargs={"hidden": (8,)})
    clf.fit(_indexed_data(), augmenter=record, batch_sampler=sampler, generator=0)
    return seen


def test_curriculum_batches_are_real_only_during_warmup_then_mixed():
    sampler = MixedBatchSampler(_indexed_data(), batch_size=8, synthetic_fraction=0.5,
                                num_steps=2, warmup_steps=3, generator=1)
    seen = _fit_recording(sampler, steps=7)
    assert len(seen) == 7
    synthetic_counts = [sum(i >= N_REAL for i in batch) for batch in seen]
    assert synthetic_counts == [0, 0, 0, 4, 4, 4, 4]  # asked by step, past the sampler's num_steps
    assert seen == [sampler.batch_indices(t).tolist() for t in range(7)]


def test_iterable_batch_sampler_restarts_when_exhausted():
    batches = [torch.tensor([0, 1, 2]), torch.tensor([13, 14])]
    seen = _fit_recording(batches, steps=5)
    assert seen == [[0, 1, 2], [13, 14], [0, 1, 2], [13, 14], [0, 1, 2]]


@pytest.mark.parametrize("bad, message", [
    ([torch.tensor([0, 99])], "outside"),
    ([torch.tensor([], dtype=torch.long)], "empty"),
    ([], "no batches"),
    (42, "batch_indices"),
])
def test_bad_batch_sampler_is_named(bad, message):
    with pytest.raises((ValueError, TypeError), match=message):
        _fit_recording(bad, steps=2)
