"""The residual generator body of CTGAN; every other tabular network is a
:func:`genaug.synth.nn.mlp`.

Networks are plain modules, built and initialised from an explicit generator by
:func:`genaug.synth.nn.build_module` (the blocks shared with the image models), and rebuilt
for loading by :func:`genaug.synth.nn.empty_module`. No dropout (it would draw from the global
RNG).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["ResidualMLP"]


class _Residual(nn.Module):
    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.fc = nn.Linear(n_in, n_out)
        self.bn = nn.BatchNorm1d(n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.relu(self.bn(self.fc(x))), x], dim=1)


class ResidualMLP(nn.Module):
    """CTGAN-style generator body: residual blocks that concatenate their input, then a linear head.

    Shape:
        (B, n_in) -> (B, n_out).
    """

    def __init__(self, n_in: int, hidden: Sequence[int], n_out: int) -> None:
        super().__init__()
        blocks, width = [], n_in
        for h in hidden:
            blocks.append(_Residual(width, h))
            width += h
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(width, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(x))
