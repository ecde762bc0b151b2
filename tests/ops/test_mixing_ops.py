"""MixUp and CutMix: inputs and labels are mixed with the same weights."""

from __future__ import annotations

import pytest
import torch

from genaug.ops import CutMix, MixUp, one_hot
from genaug.rng import as_generator


def _batch(n: int = 8, k: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    # every sample is a constant image with its own value, so pasted pixels are recognisable
    values = torch.arange(1, n + 1, dtype=torch.float32) / (n + 1)
    x = values.view(n, 1, 1, 1).expand(n, 3, 10, 10).clone()
    return x, one_hot(torch.arange(n) % k, k)


def test_mixup_labels_sum_to_one_and_equal_the_lambda_mix() -> None:
    x, y = _batch()
    aug = MixUp(alpha=0.4)
    params = aug.make_params(x, generator=as_generator(0))
    x2, y2 = aug(x, y, params=params)
    lam, idx = params["lam"], params["index"]
    assert torch.allclose(y2.sum(1), torch.ones(len(y)))
    assert torch.allclose(y2, lam[:, None] * y + (1 - lam[:, None]) * y[idx])
    assert torch.allclose(x2, lam.view(-1, 1, 1, 1) * x + (1 - lam.view(-1, 1, 1, 1)) * x[idx])
    assert ((lam > 0) & (lam < 1)).all()


def test_mixup_works_on_signals_and_tabular_rows() -> None:
    y = one_hot(torch.tensor([0, 1, 1]), 2)
    for x in (torch.randn(3, 1, 20, generator=as_generator(0)), torch.randn(3, 5, generator=as_generator(0))):
        x2, y2 = MixUp()(x, y, generator=0)
        assert x2.shape == x.shape and torch.allclose(y2.sum(1), torch.ones(3))


def test_mixup_lambda_follows_beta() -> None:
    x = torch.rand(4000, 2, generator=as_generator(0))
    lam = MixUp(alpha=2.0).make_params(x, generator=as_generator(0))["lam"]
    assert abs(lam.mean().item() - 0.5) < 0.02
    assert abs(lam.var().item() - 1 / 20) < 0.005  # Beta(2, 2): var = 1 / 20


def test_cutmix_label_weights_equal_pasted_area_fraction() -> None:
    x, y = _batch()
    aug = CutMix(alpha=1.0)
    params = aug.make_params(x, generator=as_generator(1))
    x2, y2 = aug(x, y, params=params)
    idx = params["index"]
    moved = idx != torch.arange(len(x))
    own = (x2 == x).float().mean(dim=(1, 2, 3))  # share of pixels still from the sample
    pasted = (x2 == x[idx]).float().mean(dim=(1, 2, 3))
    assert torch.allclose(own[moved], params["lam"][moved])
    assert torch.allclose(pasted[moved], 1 - params["lam"][moved])
    assert torch.allclose(y2, params["lam"][:, None] * y + (1 - params["lam"][:, None]) * y[idx])
    assert torch.allclose(y2.sum(1), torch.ones(len(y)))
    assert (params["lam"][moved] < 1).any()


def test_cutmix_box_is_clipped_to_the_image() -> None:
    x, _ = _batch(64)
    box = CutMix(alpha=0.5).make_params(x, generator=as_generator(0))["box"]
    assert (box >= 0).all() and (box[:, [0, 2]] <= 10).all() and (box[:, [1, 3]] <= 10).all()
    assert (box[:, 2] >= box[:, 0]).all() and (box[:, 3] >= box[:, 1]).all()


def test_mixers_with_p_leave_unselected_samples_alone() -> None:
    x, y = _batch(200)
    for aug in (MixUp(p=0.3), CutMix(p=0.3)):
        params = aug.make_params(x, generator=as_generator(0))
        x2, y2 = aug(x, y, params=params)
        keep = ~params["mask"]
        assert torch.equal(x2[keep], x[keep]) and torch.equal(y2[keep], y[keep])
        assert abs(params["mask"].float().mean().item() - 0.3) < 0.1


def test_one_hot_and_input_errors() -> None:
    assert one_hot(torch.tensor([1, 0]), 2).tolist() == [[0.0, 1.0], [1.0, 0.0]]
    with pytest.raises(ValueError, match="labels"):
        one_hot(torch.tensor([0, 3]), 3)
    with pytest.raises(ValueError, match="alpha"):
        MixUp(alpha=0)
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        CutMix()(torch.rand(4, 10, generator=as_generator(0)), one_hot(torch.arange(4), 4), generator=0)
