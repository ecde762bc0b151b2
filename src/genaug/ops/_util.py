"""Argument checks and random draws shared by the ops classes (private)."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real
from typing import Any

import torch
from torch import Tensor

from genaug.validation import check_pair, check_range


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def symmetric_range(name: str, value: Any, high: float | None = None) -> tuple[float, float]:
    """A number ``v >= 0`` becomes ``(-v, v)``; a ``(min, max)`` pair is checked within ±``high``."""
    if _is_number(value):
        v = check_range(name, value, 0.0, high)
        return (-v, v)
    low = -high if high is not None else None
    return check_pair(name, value, low, high)


def factor_range(name: str, value: Any) -> tuple[float, float]:
    """Colour-jitter style: a number ``v >= 0`` gives ``(max(0, 1 - v), 1 + v)``; a pair is a factor range."""
    if _is_number(value):
        v = check_range(name, value, 0.0)
        return (max(0.0, 1.0 - v), 1.0 + v)
    return check_pair(name, value, 0.0)


def fixed_or_range(name: str, value: Any, low: float = 0.0, high: float | None = None) -> tuple[float, float]:
    """A number ``v`` means exactly ``(v, v)``; a pair is a ``(min, max)`` range; both within bounds."""
    if _is_number(value):
        v = check_range(name, value, low, high)
        return (v, v)
    return check_pair(name, value, low, high)


def positive_pair(name: str, value: Any, high: float | None = None) -> tuple[float, float]:
    """A ``(min, max)`` pair of strictly positive numbers (no scalar shorthand)."""
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
        raise ValueError(f"{name} must be a (min, max) pair of positive numbers; got {value!r}")
    a = check_range(f"{name}[0]", value[0], 0.0, high, low_inclusive=False)
    b = check_range(f"{name}[1]", value[1], 0.0, high, low_inclusive=False)
    if a > b:
        raise ValueError(f"{name} must satisfy min <= max; got {value!r}")
    return (a, b)


def uniform(low: float, high: float, size: int | tuple[int, ...], *, generator: torch.Generator) -> Tensor:
    """``size`` floats uniform in ``[low, high]`` (always one draw per element, even if low == high)."""
    shape = (size,) if isinstance(size, int) else size
    return low + (high - low) * torch.rand(shape, generator=generator)


def log_uniform(
    low: float, high: float, size: int | tuple[int, ...], *, generator: torch.Generator
) -> Tensor:
    """``size`` floats log-uniform in ``[low, high]`` (both > 0)."""
    lo, hi = torch.tensor([low, high]).log().tolist()
    return uniform(lo, hi, size, generator=generator).exp()


def random_boxes(
    n: int,
    height: int,
    width: int,
    scale: tuple[float, float],
    ratio: tuple[float, float],
    *,
    generator: torch.Generator,
    attempts: int = 10,
    strict: bool = False,
) -> tuple[Tensor, Tensor]:
    """Sample boxes of area fraction in ``scale`` and aspect (w/h) in ``ratio`` (torchvision's recipe).

    Draws ``attempts`` candidates per sample and keeps the first that fits (``strict``: must be
    strictly smaller than the image, as for erasing). The number of draws is fixed, so the stream
    stays aligned across samples.

    Returns:
        ``(box, found)``: (n, 4) long ``(y0, x0, y1, x1)`` half-open boxes and a bool (n,) telling
        which samples found a fitting box (the others get a zero-size box at the origin).
    """
    area = height * width
    target = uniform(scale[0], scale[1], (n, attempts), generator=generator) * area
    aspect = log_uniform(ratio[0], ratio[1], (n, attempts), generator=generator)
    w = torch.sqrt(target * aspect).round().long()
    h = torch.sqrt(target / aspect).round().long()
    if strict:
        ok = (h < height) & (w < width) & (h > 0) & (w > 0)
    else:
        ok = (h <= height) & (w <= width) & (h > 0) & (w > 0)
    found = ok.any(dim=1)
    first = ok.to(torch.uint8).argmax(dim=1, keepdim=True)
    h = torch.where(found, h.gather(1, first).squeeze(1), torch.zeros(n, dtype=torch.long))
    w = torch.where(found, w.gather(1, first).squeeze(1), torch.zeros(n, dtype=torch.long))
    u = torch.rand((n, 2), generator=generator)
    y0 = (u[:, 0] * (height - h + 1)).floor().long().clamp(max=height - h)
    x0 = (u[:, 1] * (width - w + 1)).floor().long().clamp(max=width - w)
    return torch.stack([y0, x0, y0 + h, x0 + w], dim=-1), found
