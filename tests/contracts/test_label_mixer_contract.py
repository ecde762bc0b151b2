"""Contract suite for every registered ``label_mixer`` (``mixer(x, y_soft, generator=...)``).

Shapes, dtypes, ``p``, replay and config round trips are in ``test_augmenter_contract.py``; this
suite checks what mixing promises about labels, for every mixer on every batch rank it takes:

* each output sample mixes its own sample with one partner (``params["index"]``): elementwise
  it lies between the two, and the share that came from the partner is ``1 - params["lam"]``;
* the labels are mixed with those same weights: ``lam * y + (1 - lam) * y[index]``, so soft
  labels stay distributions and a batch of one class keeps its labels;
* the inputs are never modified; the same seed gives the same batch, another seed another one.
"""

from __future__ import annotations

import pytest
import torch

from genaug import registry
from genaug.ops import LabelMixer, one_hot


def _names() -> list[str]:
    return [n for n in registry.available("label_mixer")
            if getattr(registry.get("label_mixer", n), "__module__", "").startswith("genaug.")]  # fmt: skip


NAMES = _names()
PARAMS: dict[str, dict] = {"mixup": {"alpha": 1.0}, "cutmix": {"alpha": 1.0}}
SHAPES = {4: (16, 2, 8, 8), 3: (16, 2, 24)}  # batch rank -> batch shape
K = 4


def _ranks(name: str) -> list[int]:
    ndim = getattr(registry.get("label_mixer", name), "input_ndim", None)
    return [ndim] if ndim is not None else sorted(SHAPES)


CASES = [(n, r) for n in NAMES for r in _ranks(n)]
IDS = [f"{n}-{r}d" for n, r in CASES]


def make(name: str, **overrides) -> LabelMixer:
    return registry.create("label_mixer", name, **{**PARAMS.get(name, {}), **overrides})


def batch(rank: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(SHAPES[rank], generator=g)
    y = torch.rand((len(x), K), generator=g) + 0.1
    return x, y / y.sum(1, keepdim=True)  # soft labels


def test_every_label_mixer_has_test_params() -> None:
    for name in NAMES:
        assert name in PARAMS, f"add test options for label mixer {name!r} to PARAMS"
        assert issubclass(registry.get("label_mixer", name), LabelMixer)


@pytest.mark.parametrize(("name", "rank"), CASES, ids=IDS)
def test_labels_follow_the_share_of_each_sample(name: str, rank: int) -> None:
    x, y = batch(rank)
    mixer = make(name)
    for seed in range(3):
        params = mixer.make_params(x, generator=torch.Generator().manual_seed(seed))
        index, lam = params["index"], params["lam"].double()
        x_out, y_out = mixer(x, y, params=params)
        assert x_out.shape == x.shape and y_out.shape == y.shape
        partner = x[index]
        lo, hi = torch.minimum(x, partner), torch.maximum(x, partner)
        assert bool(((x_out >= lo - 1e-6) & (x_out <= hi + 1e-6)).all()), "outside its two sources"
        expected = lam.view(-1, 1) * y.double() + (1 - lam.view(-1, 1)) * y[index].double()
        assert torch.allclose(y_out.double(), expected, atol=1e-6, rtol=0)
        assert torch.allclose(y_out.sum(1).double(), torch.ones(len(x), dtype=torch.float64))
        moved = index != torch.arange(len(x))
        flat = (x_out - x).reshape(len(x), -1).double()
        gap = (partner - x).reshape(len(x), -1).double()
        share = (flat / gap).mean(1)  # continuous random x: no element of gap is 0
        assert torch.allclose(share[moved], 1 - lam[moved], atol=1e-4, rtol=0), (share, lam)
        assert bool(moved.any()), "a permutation of 16 samples moves some"


@pytest.mark.parametrize(("name", "rank"), CASES, ids=IDS)
def test_one_class_batch_keeps_its_labels_and_inputs_are_not_modified(name: str, rank: int) -> None:
    x, _ = batch(rank)
    y = one_hot(torch.full((len(x),), 2), K)
    x0, y0 = x.clone(), y.clone()
    x_out, y_out = make(name)(x, y, generator=1)
    assert torch.allclose(y_out, y0)
    assert torch.equal(x, x0) and torch.equal(y, y0), "the mixer changed its inputs in place"
    same_x = x[:1].expand_as(x).clone()  # identical samples mix into themselves
    assert torch.allclose(make(name)(same_x, y, generator=1)[0], same_x)


@pytest.mark.parametrize(("name", "rank"), CASES, ids=IDS)
def test_same_seed_same_batch_other_seed_other_batch(name: str, rank: int) -> None:
    x, y = batch(rank)
    mixer = make(name)
    a = mixer(x, y, generator=5)
    b = make(name)(x, y, generator=5)
    c = mixer(x, y, generator=6)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0]) and not torch.equal(a[1], c[1])
