"""Batched 1-D signal math: (B, C, T) float tensors, one parameter per sample.

Signals (e.g. MNIST-1D) are not restricted to [0, 1], so nothing here clamps values.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

ShiftMode = Literal["circular", "zeros", "edge"]


def shift(x: Tensor, steps: Tensor, *, mode: ShiftMode = "circular") -> Tensor:
    """Shift each sample by ``steps`` (B,) int time steps (positive = later in time).

    Args:
        x: signals (B, C, T).
        steps: integer shifts (B,).
        mode: ``"circular"`` wraps around; ``"zeros"`` fills the vacated steps with 0;
            ``"edge"`` repeats the first/last value.

    Returns:
        Shifted signals (B, C, T).
    """
    b, c, t = x.shape
    source = torch.arange(t, device=x.device).view(1, t) - steps.to(x.device, torch.long).view(-1, 1)
    index = source.remainder(t) if mode == "circular" else source.clamp(0, t - 1)
    out = torch.gather(x, 2, index.view(b, 1, t).expand(b, c, t))
    if mode == "zeros":
        outside = ((source < 0) | (source >= t)).view(b, 1, t)
        out = out.masked_fill(outside, 0.0)
    return out


def time_scale(x: Tensor, factor: Tensor) -> Tensor:
    """Stretch (factor > 1) or compress (factor < 1) each sample in time about its centre.

    Output step ``i`` reads the input at ``c + (i - c) / factor`` (``c = (T - 1) / 2``) with linear
    interpolation; positions outside the signal repeat the edge value. ``factor == 1`` is exact
    identity.

    Shape:
        x: (B, C, T); factor: (B,). Returns (B, C, T).
    """
    b, c, t = x.shape
    center = (t - 1) / 2.0
    steps = torch.arange(t, device=x.device, dtype=x.dtype).view(1, t)
    f = factor.to(device=x.device, dtype=x.dtype).view(-1, 1)
    pos = (center + (steps - center) / f).clamp(0, t - 1)
    lo = pos.floor().long()
    hi = (lo + 1).clamp(max=t - 1)
    w = (pos - lo.to(x.dtype)).view(b, 1, t)
    x_lo = torch.gather(x, 2, lo.view(b, 1, t).expand(b, c, t))
    x_hi = torch.gather(x, 2, hi.view(b, 1, t).expand(b, c, t))
    return x_lo + w * (x_hi - x_lo)


def amplitude_scale(x: Tensor, factor: Tensor) -> Tensor:
    """Multiply each sample by ``factor`` (B,)."""
    return x * factor.to(device=x.device, dtype=x.dtype).view(-1, 1, 1)


def add_noise(x: Tensor, noise: Tensor, std: Tensor) -> Tensor:
    """``x + std * noise`` with ``std`` (B,) and ``noise`` (B, C, T) (no clamping)."""
    return x + std.to(device=x.device, dtype=x.dtype).view(-1, 1, 1) * noise.to(x.device, x.dtype)
