"""genaug.train.nets: shapes, parameter budget, explicit-generator init and dropout."""

from __future__ import annotations

import pytest
import torch

from genaug.train.nets import GeneratorDropout, build_net, set_dropout_generator


def _params(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 20, 20), (1, 28, 28), (3, 32, 32)])
def test_small_cnn_shapes_and_size(shape) -> None:
    net = build_net("small_cnn", shape, 10, generator=0).eval()
    x = torch.zeros(2, *shape)
    assert net(x).shape == (2, 10)
    assert net.features(x).shape == (2, net.feature_dim)
    assert 20_000 <= _params(net) <= 100_000


def test_cnn1d_and_mlp_shapes() -> None:
    net = build_net("cnn1d", (1, 40), 10, generator=0).eval()
    x = torch.zeros(3, 1, 40)
    assert net(x).shape == (3, 10) and net.features(x).shape == (3, net.feature_dim)
    mlp = build_net("mlp", (1, 8, 8), 4, generator=0, hidden=(16,)).eval()
    assert mlp(torch.zeros(3, 1, 8, 8)).shape == (3, 4) and mlp.features(torch.zeros(3, 64)).shape == (3, 16)


def test_group_norm_option_runs() -> None:
    net = build_net("small_cnn", (1, 8, 8), 3, generator=0, norm="group", width=8)
    assert any(isinstance(m, torch.nn.GroupNorm) for m in net.modules())
    assert net(torch.zeros(1, 1, 8, 8)).shape == (1, 3)


def test_init_uses_generator_not_global_rng() -> None:
    state = torch.random.get_rng_state()
    a = build_net("small_cnn", (1, 8, 8), 10, generator=1)
    b = build_net("small_cnn", (1, 8, 8), 10, generator=1)
    c = build_net("small_cnn", (1, 8, 8), 10, generator=2)
    assert torch.equal(state, torch.random.get_rng_state())
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(pa, pb), name
    assert not torch.equal(a.head.weight, c.head.weight)


def test_generator_dropout_is_reproducible_and_scaled() -> None:
    drop = GeneratorDropout(0.5).train()
    x = torch.ones(1000)
    drop.generator = torch.Generator().manual_seed(0)
    first = drop(x)
    drop.generator = torch.Generator().manual_seed(0)
    assert torch.equal(first, drop(x))
    assert set(first.unique().tolist()) == {0.0, 2.0}
    assert torch.equal(drop.eval()(x), x)


def test_set_dropout_generator_reaches_every_dropout() -> None:
    net = build_net("mlp", (4,), 2, generator=0, hidden=(8, 8), dropout=0.5)
    g = torch.Generator()
    set_dropout_generator(net, g)
    drops = [m for m in net.modules() if isinstance(m, GeneratorDropout)]
    assert len(drops) == 2 and all(m.generator is g for m in drops)


@pytest.mark.parametrize(
    ("arch", "shape", "kwargs", "match"),
    [
        ("resnet", (1, 8, 8), {}, "arch"),
        ("small_cnn", (1, 40), {}, "input_shape"),
        ("cnn1d", (1, 8, 8), {}, "input_shape"),
        ("small_cnn", (1, 8, 8), {"norm": "layer"}, "norm"),
        ("mlp", (4,), {"hidden": ()}, "hidden"),
    ],
)
def test_bad_arguments(arch, shape, kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        build_net(arch, shape, 10, generator=0, **kwargs)
