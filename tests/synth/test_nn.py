"""Building blocks: generator-driven init, spectral norm, EMA, UNet shapes."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from genaug.synth.nn import EMA, SpectralNorm, UNet, build_module, empty_module, init_parameters_


def test_build_module_is_seeded_and_leaves_global_rng_alone() -> None:
    state = torch.get_rng_state()
    a = build_module(lambda: UNet(2, 1, 3, width=8, channel_mults=(1, 2)), torch.Generator().manual_seed(0))
    b = build_module(lambda: UNet(2, 1, 3, width=8, channel_mults=(1, 2)), torch.Generator().manual_seed(0))
    c = build_module(lambda: UNet(2, 1, 3, width=8, channel_mults=(1, 2)), torch.Generator().manual_seed(1))
    assert torch.equal(state, torch.get_rng_state())
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert any(not torch.equal(sa[k], sc[k]) for k in sa)


@pytest.mark.parametrize(("dims", "shape"), [(2, (2, 3, 7, 10)), (1, (2, 1, 41))])
def test_unet_shapes_and_zero_output_at_init(dims: int, shape: tuple[int, ...]) -> None:
    net = build_module(
        lambda: UNet(dims, shape[1], 4, width=8, channel_mults=(1, 2, 2)), torch.Generator().manual_seed(0)
    )
    out = net(torch.randn(shape), torch.tensor([0, 7]), torch.tensor([0, 4]))
    assert out.shape == shape
    assert torch.all(out == 0)  # zero-initialised output conv


def test_spectral_norm_bounds_the_largest_singular_value() -> None:
    sn = build_module(lambda: SpectralNorm(nn.Linear(6, 5)), torch.Generator().manual_seed(0)).train()
    for _ in range(50):
        w = sn.normalized_weight()
    assert torch.linalg.matrix_norm(w.detach(), ord=2).item() == pytest.approx(1.0, abs=1e-3)


def test_ema_tracks_the_weights() -> None:
    net = build_module(lambda: nn.Linear(2, 2), torch.Generator().manual_seed(0))
    ema = EMA(net, decay=0.5)
    with torch.no_grad():
        net.weight.fill_(1.0)
    for _ in range(30):
        ema.update(net)
    assert torch.allclose(ema.model.weight, torch.ones(2, 2), atol=1e-6)


def test_unknown_parameter_owner_is_a_type_error() -> None:
    class Odd(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.p = nn.Parameter(torch.zeros(2))

    with pytest.raises(TypeError, match="Odd"):
        init_parameters_(empty_module(Odd), torch.Generator())


def test_mlp_options_and_the_tabular_networks_use_the_shared_blocks() -> None:
    from torch import nn

    from genaug.synth.nn import mlp, sinusoidal_embedding
    from genaug.synth.tabular import nets

    net = mlp([4, 8, 3], activation=nn.ReLU, batchnorm=True, final_activation=True)
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "BatchNorm1d", "ReLU", "Linear", "BatchNorm1d", "ReLU"]
    assert [type(m).__name__ for m in mlp([4, 8, 3])] == ["Linear", "SiLU", "Linear"]
    assert not hasattr(nets, "sinusoidal") and not hasattr(nets, "mlp")  # one copy, in synth.nn
    e = sinusoidal_embedding(torch.tensor([0, 3]), 7)
    assert e.shape == (2, 7) and torch.equal(e[:, -1], torch.zeros(2))
    a = build_module(lambda: nets.ResidualMLP(5, [6, 7], 2), torch.Generator().manual_seed(0))
    b = build_module(lambda: nets.ResidualMLP(5, [6, 7], 2), torch.Generator().manual_seed(0))
    pairs = zip(a.state_dict().values(), b.state_dict().values(), strict=True)
    assert all(torch.equal(p, q) for p, q in pairs)
