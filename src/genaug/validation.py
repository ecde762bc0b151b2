"""Argument checks that raise ValueError/TypeError naming the argument, the value and what is accepted."""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Real
from typing import Any

import numpy as np
import torch


def _r(value: Any) -> str:
    """A bounded repr for messages (a huge value, e.g. from a YAML alias bomb, is cut short)."""
    from genaug.limits import short_repr

    return short_repr(value)


def check_probability(name: str, value: Any) -> float:
    """Return ``value`` as a float in [0, 1] or raise ValueError naming ``name``."""
    return check_range(name, value, 0.0, 1.0)


def check_range(
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Return ``value`` as a float within the bounds or raise ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number; got {_r(value)} ({type(value).__name__})")
    v = float(value)
    if np.isnan(v):
        raise ValueError(f"{name} must not be NaN")
    lo_ok = low is None or (v >= low if low_inclusive else v > low)
    hi_ok = high is None or (v <= high if high_inclusive else v < high)
    if not (lo_ok and hi_ok):
        lb = "[" if low_inclusive else "("
        hb = "]" if high_inclusive else ")"
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(f"{name} must be in {lb}{lo}, {hi}{hb}; got {_r(value)}")
    return v


def check_int(name: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int within [low, high] or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int; got {_r(value)} ({type(value).__name__})")
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(f"{name} must be an int in [{lo}, {hi}]; got {_r(value)}")
    return int(value)


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``choices`` or raise ValueError listing them."""
    options = list(choices)
    if value not in options:
        raise ValueError(f"{name} must be one of {options}; got {_r(value)}")
    return value


def check_pair(name: str, value: Any, low: float | None = None, high: float | None = None):
    """Return a (min, max) pair of floats within bounds; a scalar v becomes (-v, v)."""
    if isinstance(value, Real) and not isinstance(value, bool):
        v = float(value)
        value = (-v, v)
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise ValueError(f"{name} must be a number or a (min, max) pair; got {_r(value)}")
    a = check_range(f"{name}[0]", value[0], low, high)
    b = check_range(f"{name}[1]", value[1], low, high)
    if a > b:
        raise ValueError(f"{name} must satisfy min <= max; got {_r(value)}")
    return (a, b)


def all_finite(x: torch.Tensor) -> bool:
    """True if ``x`` has no NaN/inf; one min/max reduction (NaN propagates), no full bool tensor."""
    if x.numel() == 0:
        return True
    if not torch.is_floating_point(x):
        return True
    lo, hi = torch.aminmax(x)
    return bool(torch.isfinite(lo) & torch.isfinite(hi))


def check_image_batch(name: str, x: Any) -> torch.Tensor:
    """Check a (B, C, H, W) floating tensor without NaN/inf; return it unchanged."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape (B, C, H, W); got {type(x).__name__}")
    if x.ndim != 4:
        raise ValueError(f"{name} must have shape (B, C, H, W); got shape {tuple(x.shape)}")
    if not torch.is_floating_point(x):
        raise TypeError(f"{name} must be a floating tensor with values in [0, 1]; got dtype {x.dtype}")
    if not all_finite(x):
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


def check_signal_batch(name: str, x: Any) -> torch.Tensor:
    """Check a (B, C, T) floating tensor without NaN/inf; return it unchanged."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape (B, C, T); got {type(x).__name__}")
    if x.ndim != 3:
        raise ValueError(f"{name} must have shape (B, C, T); got shape {tuple(x.shape)}")
    if not torch.is_floating_point(x):
        raise TypeError(f"{name} must be a floating tensor; got dtype {x.dtype}")
    if not all_finite(x):
        raise ValueError(f"{name} contains NaN or infinite values")
    return x
