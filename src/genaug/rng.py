"""Explicit random state: every random operation takes a ``Seed``; nothing touches global RNGs."""

from __future__ import annotations

import hashlib

import numpy as np
import torch

Seed = int | torch.Generator | None

_MAX_SEED = 2**63 - 1


def as_generator(seed: Seed = None, device: str | torch.device = "cpu") -> torch.Generator:
    """Return a ``torch.Generator`` for ``seed``.

    Args:
        seed: an int (seeded generator), a ``torch.Generator`` (returned unchanged) or ``None``
            (a fresh generator seeded from OS entropy; never the global generator).
        device: device of a newly created generator.

    Returns:
        A generator that owns its state.
    """
    if isinstance(seed, torch.Generator):
        return seed
    generator = torch.Generator(device=device)
    if seed is None:
        generator.seed()
        return generator
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an int, a torch.Generator or None; got {type(seed).__name__}")
    generator.manual_seed(int(seed) % _MAX_SEED)
    return generator


def draw_seed(seed: Seed = None) -> int:
    """Draw a non-negative int seed from ``seed`` (consumes one draw from a generator)."""
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool):
        return int(seed) % _MAX_SEED
    generator = as_generator(seed)
    return int(torch.randint(0, _MAX_SEED, (1,), generator=generator, device=generator.device))


def numpy_rng(seed: Seed = None) -> np.random.Generator:
    """Return a NumPy ``Generator`` derived from ``seed`` (same seed, same stream)."""
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng(draw_seed(seed))


def derive_seed(seed: int, *keys: object) -> int:
    """A child seed that depends only on ``seed`` and ``keys`` (stable across processes).

    Example:
        >>> derive_seed(0, "classical", 3) == derive_seed(0, "classical", 3)
        True
    """
    text = repr((int(seed), *map(str, keys))).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "little") % _MAX_SEED
