"""The fast image paths: kornia-free affine grid, in-place colour/noise in Sequential, uint8, workers."""

from __future__ import annotations

import kornia
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from genaug.ops import (
    Affine,
    AugmentCollate,
    AugmentedDataset,
    Color,
    Flip,
    GaussianNoise,
    Sequential,
    apply_uint8,
    default_augmenter,
)
from genaug.ops.functional import image as F


def _images(b: int = 6, c: int = 3, h: int = 12, w: int = 10, seed: int = 0) -> torch.Tensor:
    return torch.rand(b, c, h, w, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_affine_samples_where_kornia_warp_affine_does(padding_mode: str) -> None:
    x = _images()
    g = torch.Generator().manual_seed(1)
    b, _, h, w = x.shape
    angle, scale = 40 * torch.rand(b, generator=g) - 20, 0.8 + 0.4 * torch.rand(b, generator=g)
    shift, shear = 6 * torch.rand(b, 2, generator=g) - 3, 20 * torch.rand(b, 2, generator=g) - 10
    pre = F.flip_matrix(torch.tensor([True, False] * 3), torch.tensor([False, False, True] * 2), h, w)
    ours = F.affine(x, angle, shift, scale, shear, padding_mode=padding_mode, pre=pre)
    matrix = F.affine_matrix(angle, shift, scale, shear, h, w) @ pre
    warp = kornia.geometry.transform.warp_affine
    ref = warp(x, matrix, (h, w), padding_mode=padding_mode, align_corners=True)
    assert torch.allclose(ours, ref.clamp(0, 1), atol=1e-4)
    nearest = F.affine(x, angle, shift, scale, shear, interpolation="nearest", padding_mode=padding_mode)
    ref_nearest = kornia.geometry.transform.warp_affine(
        x,
        F.affine_matrix(angle, shift, scale, shear, h, w),
        (h, w),
        mode="nearest",
        padding_mode=padding_mode,
        align_corners=True,
    )
    assert (nearest != ref_nearest).float().mean() < 0.01  # ties at exact half-pixels may round apart


def test_identity_affine_is_exact() -> None:
    x, b = _images(), 6
    out = F.affine(x, torch.zeros(b), torch.zeros(b, 2), torch.ones(b), torch.zeros(b, 2))
    assert torch.allclose(out, x, atol=1e-6)


def test_sequential_in_place_steps_are_bit_identical_and_leave_the_input_alone() -> None:
    x = _images()
    before = x.clone()
    seq = Sequential(
        augmenters=[
            Affine(degrees=10, translate=0.1),
            Color(brightness=0.3, contrast=0.3, saturation=0.3),
            GaussianNoise(std=(0.01, 0.05)),
        ]
    )
    params = seq.make_params(x, generator=torch.Generator().manual_seed(3))
    fast = seq.apply(x, params)
    slow = x
    for child, child_params in zip(seq.children, params["children"], strict=True):
        slow = child.apply(slow, child_params)  # each step on a new batch
    assert torch.equal(fast, slow)
    assert torch.equal(x, before)


def test_in_place_steps_on_the_callers_batch_copy_first() -> None:
    x = _images()
    before = x.clone()
    seq = Sequential(augmenters=[Color(brightness=0.3), GaussianNoise(std=0.05)])
    out = seq(x, generator=0)
    assert torch.equal(x, before) and not torch.equal(out, x)


def test_masked_steps_fall_back_to_apply() -> None:
    x = _images(b=16)
    seq = Sequential(augmenters=[Affine(), Color(p=0.5), GaussianNoise(p=0.5)])
    params = seq.make_params(x, generator=torch.Generator().manual_seed(0))
    out = seq.apply(x, params)
    ref = x
    for child, child_params in zip(seq.children, params["children"], strict=True):
        ref = child.apply(ref, child_params)
    assert torch.equal(out, ref)


def test_apply_uint8_rounds_the_float_pipeline_and_can_overwrite_its_input() -> None:
    u8 = (255 * _images()).round().to(torch.uint8)
    aug = Sequential(augmenters=[Flip(p=0.5), Affine(), Color(), GaussianNoise()])
    expected = (aug(u8.float() / 255, generator=5) * 255 + 0.5).floor().to(torch.uint8)
    out = apply_uint8(aug, u8, generator=5)
    assert out.dtype == torch.uint8 and (out.int() - expected.int()).abs().max() <= 1
    buffer = u8.clone()
    assert apply_uint8(aug, buffer, generator=5, out=buffer) is buffer and torch.equal(buffer, out)
    with pytest.raises(TypeError, match="batch must be a uint8"):
        apply_uint8(aug, u8.float())
    with pytest.raises(ValueError, match="out must be a uint8 tensor of shape"):
        apply_uint8(aug, u8, out=torch.empty(1, dtype=torch.uint8))


def _batches(ds: AugmentedDataset, workers: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return list(DataLoader(ds, batch_size=None, num_workers=workers))


def test_augmented_dataset_gives_the_same_batches_for_any_number_of_workers() -> None:
    x, y = _images(b=20, c=1, h=8, w=8), torch.arange(20)
    ds = AugmentedDataset(x, y, default_augmenter("image", (1, 8, 8)), batch_size=6, seed=0, epochs=2)
    single = _batches(ds, 0)
    assert len(single) == len(ds) == 8 and [len(b[1]) for b in single[:4]] == [6, 6, 6, 2]
    assert sorted(torch.cat([b[1] for b in single[:4]]).tolist()) == list(range(20))
    assert not torch.equal(single[0][1], single[4][1])  # a new order per epoch
    two = _batches(ds, 2)
    assert len(two) == len(single)
    for (xa, ya), (xb, yb) in zip(single, two, strict=True):
        assert torch.equal(xa, xb) and torch.equal(ya, yb)
    again = _batches(AugmentedDataset(x, y, ds.augmenter, batch_size=6, seed=0, epochs=2), 0)
    assert all(torch.equal(a[0], b[0]) for a, b in zip(single, again, strict=True))


def test_augmented_dataset_arguments() -> None:
    x, y = _images(b=5), torch.arange(5)
    ds = AugmentedDataset(x, y, Flip(), batch_size=2, drop_last=True, shuffle=False)
    assert len(ds) == 2 and [b[1].tolist() for b in _batches(ds, 0)] == [[0, 1], [2, 3]]
    with pytest.raises(ValueError, match="same length"):
        AugmentedDataset(x, y[:3], Flip())
    with pytest.raises(TypeError, match="augmenter must be callable"):
        AugmentedDataset(x, y, "flip")
    with pytest.raises(ValueError, match="batch_size"):
        AugmentedDataset(x, y, Flip(), batch_size=0)


def test_augment_collate_augments_inputs_with_a_seeded_generator() -> None:
    ds = TensorDataset(_images(b=8), torch.arange(8))
    first = [b for b in DataLoader(ds, batch_size=4, collate_fn=AugmentCollate(Flip(p=1.0), seed=0))]
    assert torch.equal(first[0][0], ds.tensors[0][:4].flip(-1)) and first[0][1].tolist() == [0, 1, 2, 3]
    noisy = [b[0] for b in DataLoader(ds, batch_size=4, collate_fn=AugmentCollate(GaussianNoise(), seed=1))]
    again = [b[0] for b in DataLoader(ds, batch_size=4, collate_fn=AugmentCollate(GaussianNoise(), seed=1))]
    assert all(torch.equal(a, b) for a, b in zip(noisy, again, strict=True))


def test_in_place_steps_keep_gradients_working() -> None:
    x = _images().requires_grad_(True)
    seq = Sequential(augmenters=[Affine(), Color(brightness=0.3, contrast=0.3), GaussianNoise()])
    seq(x, generator=0).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
