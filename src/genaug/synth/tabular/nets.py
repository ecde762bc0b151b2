"""Small networks for the tabular synthesizers, initialised only from an explicit generator.

Layers are created with ``torch.nn.utils.skip_init`` (no default initialisation, so the global
RNG is never touched) and then filled from a ``torch.Generator`` with PyTorch's default
schemes. No dropout (it would draw from the global RNG).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["ResidualMLP", "embedding", "linear", "mlp", "sinusoidal"]


def linear(n_in: int, n_out: int, generator: torch.Generator) -> nn.Linear:
    """``nn.Linear`` with PyTorch's default init (uniform +-1/sqrt(n_in)) drawn from ``generator``."""
    layer = nn.utils.skip_init(nn.Linear, n_in, n_out)
    bound = 1.0 / math.sqrt(max(n_in, 1))
    with torch.no_grad():
        nn.init.uniform_(layer.weight, -bound, bound, generator=generator)
        nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return layer


def embedding(n: int, dim: int, generator: torch.Generator) -> nn.Embedding:
    """``nn.Embedding`` with N(0, 1) init drawn from ``generator``."""
    layer = nn.utils.skip_init(nn.Embedding, n, dim)
    with torch.no_grad():
        nn.init.normal_(layer.weight, 0.0, 1.0, generator=generator)
    return layer


def mlp(
    sizes: Sequence[int],
    generator: torch.Generator,
    *,
    activation: type[nn.Module] = nn.ReLU,
    batchnorm: bool = False,
    final_activation: bool = False,
) -> nn.Sequential:
    """Linear layers ``sizes[0] -> ... -> sizes[-1]`` with activations between them.

    Shape:
        (B, sizes[0]) -> (B, sizes[-1]).
    """
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(linear(a, b, generator))
        last = i == len(sizes) - 2
        if not last or final_activation:
            if batchnorm:
                layers.append(nn.BatchNorm1d(b))
            layers.append(activation() if activation is not nn.LeakyReLU else nn.LeakyReLU(0.2))
    return nn.Sequential(*layers)


class _Residual(nn.Module):
    def __init__(self, n_in: int, n_out: int, generator: torch.Generator) -> None:
        super().__init__()
        self.fc = linear(n_in, n_out, generator)
        self.bn = nn.BatchNorm1d(n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.relu(self.bn(self.fc(x))), x], dim=1)


class ResidualMLP(nn.Module):
    """CTGAN-style generator body: residual blocks that concatenate their input, then a linear head.

    Shape:
        (B, n_in) -> (B, n_out).
    """

    def __init__(self, n_in: int, hidden: Sequence[int], n_out: int, generator: torch.Generator) -> None:
        super().__init__()
        blocks, width = [], n_in
        for h in hidden:
            blocks.append(_Residual(width, h, generator))
            width += h
        self.blocks = nn.Sequential(*blocks)
        self.head = linear(width, n_out, generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(x))


def sinusoidal(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding of integer timesteps.

    Shape:
        (B,) -> (B, dim).
    """
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=1)
    return emb
