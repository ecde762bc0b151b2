"""Corruption suites for robustness evaluation: images (ImageNet-C / MNIST-C style) and 1-D signals.

Every corruption is a pure function ``f(x, severity, *, generator=None) -> Tensor`` with five
severities (``severity=0`` returns an unchanged copy). Random corruptions draw from an explicit
``generator`` (an int seed, a ``torch.Generator`` or ``None``); the global RNG is never used.
Outputs keep the input's shape and dtype; image outputs stay in [0, 1].

Image suite (``x``: (B, C, H, W) float in [0, 1])
--------------------------------------------------
Spatial parameters are given for a 32-pixel image and scale with ``sqrt(side / 32)``, where
``side = min(H, W)``, so that 8x8 digits and 224x224 photos both get visible, graded effects
(at 224 px the blur sigmas are close to ImageNet-C's).

==================  ====================================  ================================
corruption          parameter                             severity 1 .. 5
==================  ====================================  ================================
``gaussian_noise``  noise std (added, then clipped)       0.08, 0.12, 0.18, 0.26, 0.38
``shot_noise``      Poisson photons per unit intensity    60, 25, 12, 5, 3
``gaussian_blur``   sigma in px at 32 px (x sqrt(side/32))  0.6, 0.9, 1.2, 1.6, 2.0
``contrast``        contrast factor about the image mean  0.4, 0.3, 0.2, 0.1, 0.05
``brightness``      added intensity (clipped)             0.1, 0.2, 0.3, 0.4, 0.5
``affine``          rotation, degrees (random sign)       6, 12, 18, 24, 30
                    and shear factor (random sign)        0.05, 0.10, 0.15, 0.20, 0.25
``elastic``         displacement std in px at 32 px       0.5, 0.8, 1.1, 1.5, 2.0
                    (x sqrt(side/32)); field smoothed
                    with sigma = side / 8 px
``pixelate``        block side in px at 32 px             2, 3, 4, 5, 6
                    (x sqrt(side/32)); side cut into
                    round(side / block) near-equal cells,
                    at least one fewer per severity
==================  ====================================  ================================

Rotated/sheared images are filled with 0 outside the source; elastic fields sample the border.

Signal suite (``x``: (B, C, T) float, any scale; also used for audio)
----------------------------------------------------------------------
Amplitudes are relative to each sample's standard deviation (over C and T; 1 for a constant
sample), and time scales to the length ``T``.

===================  ========================================  ===============================
corruption           parameter                                 severity 1 .. 5
===================  ========================================  ===============================
``gaussian_noise``   noise std / sample std                    0.1, 0.2, 0.35, 0.5, 0.8
``shift``            time shift / T (random sign, edge         0.02, 0.05, 0.1, 0.15, 0.2
                     padded; at least ``severity`` steps)
``amplitude_scale``  gain 1 +- c (random sign)                 0.1, 0.2, 0.3, 0.45, 0.6
``time_warp``        max displacement / T of a smooth          0.02, 0.04, 0.06, 0.08, 0.1
                     monotone warp (4 random knots)
``lowpass``          Gaussian smoothing sigma in steps at      0.5, 1.0, 1.5, 2.5, 4.0
                     T = 100 (x sqrt(T/100))
``dropout``          fraction of time steps set to 0           0.05, 0.1, 0.2, 0.3, 0.45
                     (all channels at once)
===================  ========================================  ===============================

Example:
    >>> import torch
    >>> x = torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    >>> y = corrupt(x, "elastic", 3, generator=0)
    >>> y.shape == x.shape and bool(y.min() >= 0) and bool(y.max() <= 1)
    True
    >>> torch.equal(y, corrupt(x, "elastic", 3, generator=0))
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal, Protocol

import torch
import torch.nn.functional as F
from kornia.filters import gaussian_blur2d, get_gaussian_kernel1d
from kornia.geometry.transform import elastic_transform2d, warp_affine

from genaug.rng import Seed, as_generator
from genaug.validation import check_choice, check_image_batch, check_int, check_signal_batch

__all__ = [
    "IMAGE_CORRUPTIONS",
    "SEVERITIES",
    "SIGNAL_CORRUPTIONS",
    "Corruption",
    "affine",
    "available_corruptions",
    "brightness",
    "contrast",
    "corrupt",
    "corruption_suite",
    "elastic",
    "gaussian_blur",
    "gaussian_noise",
    "pixelate",
    "shot_noise",
    "signal_amplitude_scale",
    "signal_dropout",
    "signal_gaussian_noise",
    "signal_lowpass",
    "signal_shift",
    "signal_time_warp",
]

SEVERITIES: tuple[int, ...] = (1, 2, 3, 4, 5)
_REF_SIDE = 32.0
_REF_LENGTH = 100.0

# Parameter tables: index severity - 1. Keep them in sync with the module docstring.
_IMAGE_PARAMS: dict[str, tuple[float, ...]] = {
    "gaussian_noise": (0.08, 0.12, 0.18, 0.26, 0.38),
    "shot_noise": (60.0, 25.0, 12.0, 5.0, 3.0),
    "gaussian_blur": (0.6, 0.9, 1.2, 1.6, 2.0),
    "contrast": (0.4, 0.3, 0.2, 0.1, 0.05),
    "brightness": (0.1, 0.2, 0.3, 0.4, 0.5),
    "affine_degrees": (6.0, 12.0, 18.0, 24.0, 30.0),
    "affine_shear": (0.05, 0.10, 0.15, 0.20, 0.25),
    "elastic": (0.5, 0.8, 1.1, 1.5, 2.0),
    "pixelate": (2.0, 3.0, 4.0, 5.0, 6.0),
}
_SIGNAL_PARAMS: dict[str, tuple[float, ...]] = {
    "gaussian_noise": (0.1, 0.2, 0.35, 0.5, 0.8),
    "shift": (0.02, 0.05, 0.1, 0.15, 0.2),
    "amplitude_scale": (0.1, 0.2, 0.3, 0.45, 0.6),
    "time_warp": (0.02, 0.04, 0.06, 0.08, 0.1),
    "lowpass": (0.5, 1.0, 1.5, 2.5, 4.0),
    "dropout": (0.05, 0.1, 0.2, 0.3, 0.45),
}


class Corruption(Protocol):
    """A corruption: ``(x, severity, *, generator) -> x'`` of the same shape and dtype."""

    def __call__(self, x: torch.Tensor, severity: int, *, generator: Seed = None) -> torch.Tensor: ...


# ----- helpers -------------------------------------------------------------------------------------
def _severity(severity: int) -> int:
    return check_int("severity", severity, low=0, high=5)


def _image(x: torch.Tensor) -> torch.Tensor:
    check_image_batch("x", x)
    if x.numel() and (x.min() < 0 or x.max() > 1):
        raise ValueError(
            f"x must hold values in [0, 1]; got min {float(x.min()):.3g}, max {float(x.max()):.3g}"
        )
    return x


def _rand(shape: tuple[int, ...], generator: torch.Generator, like: torch.Tensor) -> torch.Tensor:
    """Uniform [0, 1) draws on the generator's device, moved to ``like``'s device and dtype."""
    return torch.rand(shape, generator=generator, device=generator.device).to(like.device, like.dtype)


def _sign(n: int, generator: torch.Generator, like: torch.Tensor) -> torch.Tensor:
    return torch.where(_rand((n,), generator, like) < 0.5, -1.0, 1.0).to(like.dtype)


def _side_scale(x: torch.Tensor) -> float:
    return math.sqrt(min(x.shape[-2:]) / _REF_SIDE)


def _odd_kernel(sigma: float, limit: int) -> int:
    """``2 * ceil(3 sigma) + 1``, capped at ``2 * limit - 1`` (reflect padding needs pad < size)."""
    return max(1, min(2 * math.ceil(3.0 * sigma) + 1, 2 * limit - 1))


def _finish_image(out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return out.clamp(0.0, 1.0).to(x.dtype)


# ----- image corruptions ---------------------------------------------------------------------------
def gaussian_noise(x: torch.Tensor, severity: int, *, generator: Seed = None) -> torch.Tensor:
    """Add Gaussian noise (std 0.08 .. 0.38) and clip to [0, 1].

    Args:
        x: images (B, C, H, W) in [0, 1].
        severity: 0 (identity) to 5.
        generator: seed or ``torch.Generator`` of the noise.

    Returns:
        Corrupted images, same shape and dtype, in [0, 1].

    Example:
        >>> x = torch.full((1, 1, 4, 4), 0.5)
        >>> bool((gaussian_noise(x, 5, generator=0) != x).any())
        True
    """
    s = _severity(severity)
    _image(x)
    if s == 0:
        return x.clone()
    g = as_generator(generator)
    noise = torch.randn(x.shape, generator=g, device=g.device).to(x.device, x.dtype)
    return _finish_image(x + noise * _IMAGE_PARAMS["gaussian_noise"][s - 1], x)


def shot_noise(x: torch.Tensor, severity: int, *, generator: Seed = None) -> torch.Tensor:
    """Poisson (photon) noise: ``Poisson(x * c) / c`` with c = 60 .. 3 photons, clipped.

    Args:
        x: images (B, C, H, W) in [0, 1].
        severity: 0 (identity) to 5.
        generator: seed or ``torch.Generator`` of the noise.

    Returns:
        Corrupted images, same shape and dtype, in [0, 1].

    Example:
        >>> shot_noise(torch.rand(2, 3, 8, 8), 2, generator=0).shape
        torch.Size([2, 3, 8, 8])
    """
    s = _severity(severity)
    _image(x)
    if s == 0:
        return x.clone()
    g = as_generator(generator)
    c = _IMAGE_PARAMS["shot_noise"][s - 1]
    rate = (x.detach().to(g.device, torch.float32) * c)
    counts = torch.poisson(rate, generator=g).to(x.device, x.dtype)
    return _finish_image(counts / c, x)


def gaussian_blur(x: torch.Tensor, severity: int, *, generator: Seed = None) -> torch.Tensor:
    """Gaussian blur with sigma 0.6 .. 2.0 px at 32 px, scaled by ``sqrt(side / 32)``.

    Deterministic (``generator`` is accepted for a uniform signature and ignored).

    Args:
        x: images (B, C, H, W) in [0, 1].
        severity: 0 (identity) to 5.
        generator: ignored.

    Returns:
        Blurred images, same shape and dtype (reflect padding at the borders).

    Example:
        >>> gaussian_blur(torch.rand(2, 1, 8, 8), 3).shape
        torch.Size([2, 1, 8, 8])
    """
    s = _severity(severity)
    _image(x)
    if s == 0:
        return x.clone()
    sigma = _IMAGE_PARAMS["gaussian_blur"][s - 1] * _side_scale(x)
    h, w = x.shape[-2:]
    kernel = (_odd_kernel(sigma, h), _odd_kernel(sigma, w))
    return _finish_image(gaussian_blur2d(x, kernel, (sigma, sigma), border_type="reflect"), x)


def contrast(x: torch.Tensor, severity: int, *, generator: Seed = None) -> torch.Tensor:
    """Reduce contrast: ``(x - mean) * c + mean`` with c = 0.4 .. 0.05 (mean per image).

    Args:
        x: images (B, C, H, W) in [0, 1].
        severity: 0 (identity) to 5.
        generator: ignored (deterministic).

    Returns:
        Corrupted images, same shape and dtype, in [0, 1].

    Example:
        >>> x = torch.tensor([[[[0.0, 1.0]]]])
        >>> contrast(x, 1).tolist()
        [[[[0.30000001192092896, 0.699999988079071]]]]
    """
    s = _severity(severity)
    _image(x)
    if s == 0:
        return x.clone()
    c = _IMAGE_PARAMS["contrast"][s - 1]
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return _finish_image((x - mean) * c + mean, x)


def brightness(x: torch.Tensor, severity: int, *, generator: Seed = None) -> torch.Tensor:
    """Brighten: add 0.1 .. 0.5 to every value and clip to [0, 1].

    Args:
        x: images (B, C, H, W) in [0, 1].
        severity: 0 (identity) to 5.
        generator: ignored (deterministic).

    Returns:
        Corrupted images, same shape and dtype, in [0, 1].

    Example:
        >>> brightness(torch.zeros(1, 1, 1, 1), 2).item()
        0.20000000298023224
    """
    s = _severity(severity)
    _image(x)
    if s == 0:
        return x.clone()
    return _finish_image(x + _IMAGE_PARAMS["brightness"][s - 1], x)


def affine(x: torch.Tensor, severity: int, *, generator: Seed = None) -> torch.Tensor:
    """Rotate (6 .. 30 degrees) and shear (0.05 .. 0.25) about the centre, random signs per image.

    Args:
        x: images (B, C, H, W) in [0, 1].
        severity: 0 (identity) to 5.
        generator: seed or ``torch.Generator`` of the signs.

    Returns:
        Warped images (bilinear, zero fill), same shape and dtype, in [0, 1].

    Example:
        >>> affine(torch.rand(3, 1, 8, 8), 4, generator=0).shape
        torch.Size([3, 1, 8, 8])
    """
    s = _severity(severity)
    _image(x)
    if s == 0:
        return x.clone()
    g = as_generator(generator)
    b, _, h, w = x.shape
    work = x if x.dtype in (torch.float32, torch.float64) else x.float()
    theta = _sign(b, g, work) * math.radians(_IMAGE_PARAMS["affine_degrees"][s - 1])
    shear = _sign(b, g, work) * _IMAGE_PARAMS["affine_shear"][s - 1]
    cos, sin = torch.cos(theta), torch.sin(theta)
    # A = R(theta) @ [[1, shear], [0, 1]]; M = [A | c - A c] keeps the centre c fixed.
    a = torch.stack([
        torch.stack([cos, cos * shear - sin], dim=-1),
        torch.stack([sin, sin * shear + cos], dim=-1),
    ], dim=-2)
    center = torch.tensor([(w - 1) / 2.0, (h - 1) / 2.0], dtype=work.dtype, device=work.device)
    t = center - a @ center
    m = torch.cat([a, t[..., None]], dim=-1)
    out = warp_affine(work, m, (h, w), mode="bilinear", padding_mode="zeros", align_corners=True)
    return _finish_image(out, x)


def elastic(x: torch.Tensor, severity: int, *, generator: Seed = None) -> torch.Tensor:
    """Elastic deformation: a smooth random displacement field of std 0.5 .. 2.0 px at 32 px.

    The field is uniform noise smoothed with a Gaussian of sigma ``side / 8`` px, rescaled so
    that its standard deviation is the tabled value times ``sqrt(side / 32)`` pixels.

    Args:
        x: images (B, C, H, W) in [0, 1].
        severity: 0 (identity) to 5.
        generator: seed or ``torch.Generator`` of the field.

    Returns:
        Deformed images (bilinear, border fill), same shape and dtype, in [0, 1].

    Example:
        >>> elastic(torch.rand(2, 1, 8, 8), 5, generator=0).shape
        torch.Size([2, 1, 8, 8])
    """
    s = _severity(severity)
    _image(x)
    if s == 0:
        return x.clone()
    g = as_generator(generator)
    b, _, h, w = x.shape
    work = x if x.dtype in (torch.float32, torch.float64) else x.float()
    noise = _rand((b, 2, h, w), g, work) * 2.0 - 1.0
    smooth = min(h, w) / 8.0
    k = 2 * math.ceil(3.0 * smooth) + 1
    kernel = get_gaussian_kernel1d(k, smooth, dtype=torch.float64)
    # Uniform(-1, 1) noise has variance 1/3; a separable 2-D Gaussian filter scales the std by
    # sum(k1d ** 2) (away from the zero-padded border).
    field_std = float(kernel.pow(2).sum()) / math.sqrt(3.0)
    disp_px = _IMAGE_PARAMS["elastic"][s - 1] * _side_scale(x)
    # kornia displaces normalised coordinates: one pixel is 2 / W (x) or 2 / H (y) units.
    alpha = (disp_px * 2.0 / w / field_std, disp_px * 2.0 / h / field_std)
    out = elastic_transform2d(work, noise, kernel_size=(k, k), sigma=(smooth, smooth), alpha=alpha,
                              align_corners=False, mode="bilinear", padding_mode="border")
    return _finish_image(out, x)


def _pixelate_cells(side: int, severity: int) -> int:
    """Cells along a side: ``round(side / block)``, shrinking by >= 1 per severity, >= 1."""
    cells = side
    for level in range(severity):
        block = _IMAGE_PARAMS["pixelate"][level] * math.sqrt(side / _REF_SIDE)
        cells = max(1, min(cells - 1, round(side / block)))
    return cells


def _cell_average(side: int, cells: int, like: torch.Tensor) -> torch.Tensor:
    """(side, side) matrix averaging each pixel over its cell (cells of near-equal size)."""
    cell = (torch.arange(side, device=like.device) * cells) // side
    same = (cell[:, None] == cell[None, :]).to(like.dtype)
    return same / same.sum(dim=1, keepdim=True)


def pixelate(x: torch.Tensor, severity: int, *, generator: Seed = None) -> torch.Tensor:
    """Pixelate: replace blocks of about 2 .. 6 px (at 32 px) by their mean.

    Each side is cut into ``round(side / block)`` cells of near-equal size, with
    ``block = b * sqrt(side / 32)``; the number of cells shrinks by at least one per severity
    (and stays >= 1), so small images still get distinct levels (8 px: 7, 5, 4, 3, 2 cells).

    Args:
        x: images (B, C, H, W) in [0, 1].
        severity: 0 (identity) to 5.
        generator: ignored (deterministic).

    Returns:
        Pixelated images, same shape and dtype, in [0, 1].

    Example:
        >>> pixelate(torch.rand(1, 1, 8, 8), 5).unique().numel()
        4
    """
    s = _severity(severity)
    _image(x)
    if s == 0:
        return x.clone()
    h, w = x.shape[-2:]
    work = x if x.dtype in (torch.float32, torch.float64) else x.float()
    rows = _cell_average(h, _pixelate_cells(h, s), work)
    cols = _cell_average(w, _pixelate_cells(w, s), work)
    return _finish_image(rows @ work @ cols.T, x)


# ----- signal corruptions ----------------------------------------------------------------------
def _signal(x: torch.Tensor) -> torch.Tensor:
    return check_signal_batch("x", x)


def _sample_std(x: torch.Tensor) -> torch.Tensor:
    """Std over (C, T) per sample, shape (B, 1, 1); 1 where a sample is constant."""
    std = x.std(dim=(1, 2), keepdim=True, unbiased=False) if x.shape[1] * x.shape[2] > 1 else (
        torch.zeros(x.shape[0], 1, 1, dtype=x.dtype, device=x.device))
    return torch.where(std > 0, std, torch.ones_like(std))


def _interp_time(x: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
    """Linear interpolation of ``x`` (B, C, T) at positions ``pos`` (B, T), clamped to [0, T-1]."""
    t = x.shape[-1]
    pos = pos.clamp(0, t - 1)
    i0 = pos.floor().long().clamp(0, t - 1)
    i1 = (i0 + 1).clamp(max=t - 1)
    frac = (pos - i0.to(pos.dtype))[:, None, :]
    idx0 = i0[:, None, :].expand_as(x)
    idx1 = i1[:, None, :].expand_as(x)
    return x.gather(-1, idx0) * (1 - frac) + x.gather(-1, idx1) * frac


def signal_gaussian_noise(x: torch.Tensor, severity: int, *, generator: Seed = None) -> torch.Tensor:
    """Add Gaussian noise of std 0.1 .. 0.8 times each sample's std.

    Args:
        x: signals (B, C, T).
        severity: 0 (identity) to 5.
        generator: seed or ``torch.Generator`` of the noise.

    Returns:
        Noisy signals, same shape and dtype.

    Example:
        >>> signal_gaussian_noise(torch.randn(2, 1, 50), 3, generator=0).shape
        torch.Size([2, 1, 50])
    """
    s = _severity(severity)
    _signal(x)
    if s == 0:
        return x.clone()
    g = as_generator(generator)
    noise = torch.randn(x.shape, generator=g, device=g.device).to(x.device, x.dtype)
    return x + noise * _sample_std(x) * _SIGNAL_PARAMS["gaussian_noise"][s - 1]


def signal_shift(x: torch.Tensor, severity: int, *, generator: Seed = None) -> torch.Tensor:
    """Shift in time by 2 .. 20 % of T (at least ``severity`` steps), random sign, edge padding.

    Args:
        x: signals (B, C, T).
        severity: 0 (identity) to 5.
        generator: seed or ``torch.Generator`` of the directions.

    Returns:
        Shifted signals, same shape and dtype.

    Example:
        >>> x = torch.arange(6.0).view(1, 1, 6)
        >>> signal_shift(x, 1, generator=0)[0, 0].tolist() in ([0, 0, 1, 2, 3, 4], [1, 2, 3, 4, 5, 5])
        True
    """
    s = _severity(severity)
    _signal(x)
    if s == 0:
        return x.clone()
    g = as_generator(generator)
    b, _, t = x.shape
    steps = min(t - 1, max(s, round(_SIGNAL_PARAMS["shift"][s - 1] * t)))
    shift = (_sign(b, g, x) * steps).long()
    src = (torch.arange(t, device=x.device)[None, :] - shift[:, None]).clamp(0, t - 1)
    return x.gather(-1, src[:, None, :].expand_as(x))


def signal_amplitude_scale(x: torch.Tensor, severity: int, *, generator: Seed = None) -> torch.Tensor:
    """Scale each sample by ``1 +- c`` (c = 0.1 .. 0.6, random sign).

    Args:
        x: signals (B, C, T).
        severity: 0 (identity) to 5.
        generator: seed or ``torch.Generator`` of the signs.

    Returns:
        Rescaled signals, same shape and dtype.

    Example:
        >>> y = signal_amplitude_scale(torch.ones(1, 1, 3), 5, generator=0)
        >>> round(y[0, 0, 0].item(), 3) in (0.4, 1.6)
        True
    """
    s = _severity(severity)
    _signal(x)
    if s == 0:
        return x.clone()
    g = as_generator(generator)
    gain = 1.0 + _sign(x.shape[0], g, x) * _SIGNAL_PARAMS["amplitude_scale"][s - 1]
    return x * gain[:, None, None]


def signal_time_warp(x: torch.Tensor, severity: int, *, generator: Seed = None) -> torch.Tensor:
    """Smooth monotone time warp with maximum displacement 2 .. 10 % of T.

    The displacement is piecewise linear through 4 random interior knots (ends fixed), scaled
    so that its largest magnitude is the tabled fraction of T; its slope stays within [-1, 1],
    so the warped time axis is monotone.

    Args:
        x: signals (B, C, T).
        severity: 0 (identity) to 5.
        generator: seed or ``torch.Generator`` of the knots.

    Returns:
        Warped signals (linear interpolation), same shape and dtype.

    Example:
        >>> signal_time_warp(torch.randn(2, 3, 40), 2, generator=0).shape
        torch.Size([2, 3, 40])
    """
    s = _severity(severity)
    _signal(x)
    if s == 0:
        return x.clone()
    g = as_generator(generator)
    b, _, t = x.shape
    work = x if x.dtype in (torch.float32, torch.float64) else x.float()
    knots = _rand((b, 4), g, work) * 2.0 - 1.0
    peak = knots.abs().amax(dim=1, keepdim=True).clamp_min(1e-12)
    knots = torch.cat([torch.zeros(b, 1, dtype=work.dtype, device=work.device), knots / peak,
                       torch.zeros(b, 1, dtype=work.dtype, device=work.device)], dim=1)
    disp = F.interpolate(knots[:, None, :], size=t, mode="linear", align_corners=True)[:, 0, :]
    disp = disp * _SIGNAL_PARAMS["time_warp"][s - 1] * (t - 1)
    pos = torch.arange(t, dtype=work.dtype, device=work.device)[None, :] + disp
    return _interp_time(work, pos).to(x.dtype)


def signal_lowpass(x: torch.Tensor, severity: int, *, generator: Seed = None) -> torch.Tensor:
    """Gaussian smoothing (low-pass) with sigma 0.5 .. 4.0 steps at T = 100, x ``sqrt(T/100)``.

    Args:
        x: signals (B, C, T).
        severity: 0 (identity) to 5.
        generator: ignored (deterministic).

    Returns:
        Smoothed signals (edge padding), same shape and dtype.

    Example:
        >>> signal_lowpass(torch.ones(1, 2, 10), 5).allclose(torch.ones(1, 2, 10))
        True
    """
    s = _severity(severity)
    _signal(x)
    if s == 0:
        return x.clone()
    b, c, t = x.shape
    sigma = _SIGNAL_PARAMS["lowpass"][s - 1] * math.sqrt(t / _REF_LENGTH)
    radius = math.ceil(3.0 * sigma)
    work = x if x.dtype in (torch.float32, torch.float64) else x.float()
    offsets = torch.arange(-radius, radius + 1, dtype=work.dtype, device=work.device)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = (kernel / kernel.sum()).view(1, 1, -1)
    flat = F.pad(work.reshape(b * c, 1, t), (radius, radius), mode="replicate")
    return F.conv1d(flat, kernel).reshape(b, c, t).to(x.dtype)


def signal_dropout(x: torch.Tensor, severity: int, *, generator: Seed = None) -> torch.Tensor:
    """Set a random 5 .. 45 % of time steps to 0 (in every channel at once).

    Args:
        x: signals (B, C, T).
        severity: 0 (identity) to 5.
        generator: seed or ``torch.Generator`` of the dropped steps.

    Returns:
        Signals with dropped steps, same shape and dtype.

    Example:
        >>> y = signal_dropout(torch.ones(1, 1, 1000), 3, generator=0)
        >>> 0.15 < float((y == 0).float().mean()) < 0.25
        True
    """
    s = _severity(severity)
    _signal(x)
    if s == 0:
        return x.clone()
    g = as_generator(generator)
    b, _, t = x.shape
    keep = _rand((b, 1, t), g, x) >= _SIGNAL_PARAMS["dropout"][s - 1]
    return x * keep.to(x.dtype)


# ----- suites ------------------------------------------------------------------------------------
IMAGE_CORRUPTIONS: dict[str, Corruption] = {
    "gaussian_noise": gaussian_noise,
    "shot_noise": shot_noise,
    "gaussian_blur": gaussian_blur,
    "contrast": contrast,
    "brightness": brightness,
    "affine": affine,
    "elastic": elastic,
    "pixelate": pixelate,
}
SIGNAL_CORRUPTIONS: dict[str, Corruption] = {
    "gaussian_noise": signal_gaussian_noise,
    "shift": signal_shift,
    "amplitude_scale": signal_amplitude_scale,
    "time_warp": signal_time_warp,
    "lowpass": signal_lowpass,
    "dropout": signal_dropout,
}
_SUITES: dict[str, dict[str, Corruption]] = {
    "image": IMAGE_CORRUPTIONS, "signal": SIGNAL_CORRUPTIONS, "audio": SIGNAL_CORRUPTIONS,
}

SuiteModality = Literal["image", "signal", "audio"]


def corruption_suite(modality: SuiteModality) -> dict[str, Corruption]:
    """The corruptions of a modality, by name (a copy; audio uses the signal suite).

    Args:
        modality: ``"image"``, ``"signal"`` or ``"audio"``.

    Returns:
        ``{name: corruption function}`` in a fixed order.

    Example:
        >>> list(corruption_suite("signal"))[:2]
        ['gaussian_noise', 'shift']
    """
    check_choice("modality", modality, list(_SUITES))
    return dict(_SUITES[modality])


def available_corruptions(modality: SuiteModality = "image") -> list[str]:
    """Names of the corruptions of ``modality`` (suite order)."""
    return list(corruption_suite(modality))


def corrupt(
    x: torch.Tensor, name: str, severity: int, *, modality: SuiteModality = "image",
    generator: Seed = None,
) -> torch.Tensor:
    """Apply corruption ``name`` of the ``modality`` suite at ``severity`` (0 .. 5).

    Args:
        x: images (B, C, H, W) in [0, 1], or signals (B, C, T) for ``"signal"``/``"audio"``.
        name: a corruption name from :func:`available_corruptions`.
        severity: 0 (identity) to 5.
        modality: which suite ``name`` belongs to.
        generator: seed or ``torch.Generator`` for the random corruptions.

    Returns:
        The corrupted batch, same shape and dtype.

    Example:
        >>> corrupt(torch.randn(2, 1, 30), "dropout", 2, modality="signal", generator=0).shape
        torch.Size([2, 1, 30])
    """
    suite = corruption_suite(modality)
    check_choice("name", name, list(suite))
    fn: Callable[..., torch.Tensor] = suite[name]
    return fn(x, severity, generator=generator)
