"""Weak/strong augmenters of the modality contract (consistency training, contrastive views)."""

from __future__ import annotations

import pytest
import torch

from genaug import ops, registry
from genaug.modalities import get_modality

SHAPES = {"image": [(1, 8, 8), (3, 16, 16), (2, 8, 8)], "signal": [(1, 40)], "audio": [(1, 64)]}


@pytest.mark.parametrize(("modality", "shape"), [(m, s) for m, shapes in SHAPES.items() for s in shapes])
def test_strong_views_build_keep_shape_are_seeded_and_change_every_sample(modality, shape):
    contract = get_modality(modality)
    strong = ops.build_augmenter(contract.strong_augmenter(shape))
    weak = ops.build_augmenter(contract.weak_augmenter(shape))
    x = torch.rand(16, *shape)
    s1, s2 = strong(x, generator=0), strong(x, generator=0)
    assert s1.shape == x.shape and torch.equal(s1, s2)
    assert (s1 != x).flatten(1).any(1).all()  # erasing (images) / noise (signals) always applies
    assert not torch.equal(s1, strong(x, generator=1))
    assert weak(x, generator=0).shape == x.shape


def test_modalities_without_views_say_none():
    for name in registry.available("modality"):
        contract = get_modality(name)
        if contract.tensor_ndim is None:
            assert contract.strong_augmenter(None) is None
