"""Defaults that scale with the input size.

A convolutional net's cost per step grows with ``width**2 * H * W``, so a default width chosen
for 8x8 digits (32 channels) costs 12x as much per step at 28x28 and 64x at 64x64 (the README's
sizing table, measured by ``benchmarks/bench_sizing.py``). When a component's ``width`` is left
at ``None`` it is resolved here from the sample shape so that ``width**2 * H * W`` stays at the
8x8..16x16 level: 32 channels up to 256 pixels per channel, then
``32 * sqrt(256 / (H * W))``, rounded down to a multiple of 4 and never below 8.

========  =====
image     width
========  =====
8x8       32
16x16     32
20x20     24
28x28     16
32x32     16
64x64     8
224x224   8
========  =====

The classifier ``small_cnn`` is the model being measured, so it keeps more capacity: 32 channels
up to 32x32, then the same square-root rule from 32x32 with a floor of 16 (16 at 64x64 and above).

Signals and other non-image shapes keep the base width (their nets are MLPs or 1-D convs whose
cost is not dominated by spatial size). A spec can always state ``width:`` (or a classifier's
``arch_kwargs: {width: ...}``) and that value is used as given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["BASE_PIXELS", "BASE_WIDTH", "MIN_WIDTH", "scaled_width"]

BASE_WIDTH = 32
"""Width used for images up to :data:`BASE_PIXELS` pixels per channel."""
BASE_PIXELS = 256
"""Pixels per channel (16x16) up to which :data:`BASE_WIDTH` is kept."""
MIN_WIDTH = 8
"""The smallest width :func:`scaled_width` chooses."""


def scaled_width(sample_shape: Sequence[int], width: int | None = None, *, base: int = BASE_WIDTH,
                 minimum: int = MIN_WIDTH, base_pixels: int = BASE_PIXELS) -> int:
    """The conv width for ``sample_shape``: ``width`` when given, else scaled to the image size.

    Args:
        sample_shape: shape of one sample, ``(C, H, W)`` for images.
        width: an explicit width (returned unchanged), or None for the size-scaled default.
        base: the width for images up to 16x16.
        minimum: the smallest width returned for large images.
        base_pixels: pixels per channel up to which ``base`` is kept.

    >>> scaled_width((1, 8, 8)), scaled_width((1, 28, 28)), scaled_width((3, 64, 64))
    (32, 16, 8)
    >>> scaled_width((1, 28, 28), 48)
    48
    """
    if width is not None:
        return int(width)
    if len(sample_shape) != 3:
        return base
    pixels = int(sample_shape[1]) * int(sample_shape[2])
    if pixels <= base_pixels:
        return base
    scaled = base * math.sqrt(base_pixels / pixels)
    return max(minimum, int(scaled) // 4 * 4)
