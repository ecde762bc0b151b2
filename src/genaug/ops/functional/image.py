"""Batched image math: (B, C, H, W) float tensors in [0, 1], one parameter per sample.

Every function is deterministic: it takes the batch and per-sample parameter tensors (shape (B,)
or (B, k)) and returns a new batch of the same dtype. Affine warps build their sampling grid in
one broadcast sum and call ``torch.nn.functional.grid_sample`` (the maths of kornia's
``warp_affine``, to float32 rounding of the coordinates); crops, filters and the policy ops use
kornia. Outputs that interpolate are clamped to [0, 1] so rounding never leaves the image range.
"""

from __future__ import annotations

from typing import Literal

import kornia
import torch
from torch import Tensor

Interpolation = Literal["bilinear", "nearest"]
Padding = Literal["zeros", "border", "reflection"]

_GRAY_WEIGHTS = (0.299, 0.587, 0.114)


def _per_sample(value: Tensor, x: Tensor) -> Tensor:
    """``value`` (B,) as (B, 1, 1, 1) on ``x``'s device and dtype."""
    return value.to(device=x.device, dtype=x.dtype).view(-1, 1, 1, 1)


def flip(x: Tensor, horizontal: Tensor, vertical: Tensor) -> Tensor:
    """Mirror each sample left-right where ``horizontal`` and/or up-down where ``vertical``.

    Shape:
        x: (B, C, H, W); horizontal, vertical: bool (B,). Returns (B, C, H, W).
    """
    out = x
    for flags, dim in ((horizontal, -1), (vertical, -2)):
        if not bool(flags.any()):
            continue
        if bool(flags.all()):
            out = out.flip(dim)
        else:
            out = torch.where(flags.to(x.device).view(-1, 1, 1, 1), out.flip(dim), out)
    return out


def affine_matrix(
    angle: Tensor, translate: Tensor, scale: Tensor, shear: Tensor, height: int, width: int
) -> Tensor:
    """The (B, 2, 3) pixel-space affine matrix about the image centre.

    Args:
        angle: rotation in degrees, clockwise as displayed, (B,).
        translate: shift in pixels (x, y), (B, 2).
        scale: isotropic zoom factor, (B,).
        shear: shear angles in degrees (x, y), (B, 2).
        height, width: image size, used for the centre.

    Returns:
        (B, 2, 3) float matrices for :func:`kornia.geometry.transform.warp_affine`.
    """
    b = angle.shape[0]
    dtype = translate.dtype if translate.is_floating_point() else torch.float32
    center = torch.tensor([(width - 1) / 2.0, (height - 1) / 2.0], dtype=dtype).expand(b, 2)
    matrix = kornia.geometry.transform.get_affine_matrix2d(
        translate.to(dtype),
        center,
        scale.to(dtype).view(-1, 1).expand(b, 2),
        angle.to(dtype),
        sx=torch.deg2rad(shear[:, 0].to(dtype)),
        sy=torch.deg2rad(shear[:, 1].to(dtype)),
    )
    return matrix[:, :2, :]


def flip_matrix(horizontal: Tensor, vertical: Tensor, height: int, width: int) -> Tensor:
    """The (B, 3, 3) pixel-space matrices of :func:`flip` (its own inverse; identity where unflipped).

    Shape:
        horizontal, vertical: bool (B,). Returns (B, 3, 3) float32.
    """
    b = horizontal.shape[0]
    m = torch.eye(3).repeat(b, 1, 1)
    h, v = horizontal.to(torch.float32), vertical.to(torch.float32)
    m[:, 0, 0] = 1.0 - 2.0 * h
    m[:, 0, 2] = h * (width - 1)
    m[:, 1, 1] = 1.0 - 2.0 * v
    m[:, 1, 2] = v * (height - 1)
    return m


def affine(
    x: Tensor,
    angle: Tensor,
    translate: Tensor,
    scale: Tensor,
    shear: Tensor,
    *,
    interpolation: Interpolation = "bilinear",
    padding_mode: Padding = "zeros",
    pre: Tensor | None = None,
) -> Tensor:
    """Rotate, translate, scale and shear each sample about its centre (one warp per batch).

    Args:
        x: images (B, C, H, W).
        angle: degrees (B,); translate: pixels (B, 2) as (x, y); scale: (B,); shear: degrees (B, 2).
        interpolation: ``"bilinear"`` or ``"nearest"``.
        padding_mode: how pixels outside the source are filled: ``"zeros"``, ``"border"``, ``"reflection"``.
        pre: optional (B, 3, 3) pixel-space transform applied before the affine one (e.g.
            :func:`flip_matrix`), so that both cost one warp.

    Returns:
        Warped images (B, C, H, W), clamped to [0, 1].
    """
    _, _, h, w = x.shape
    matrix = affine_matrix(angle, translate, scale, shear, h, w)
    if pre is not None:
        matrix = matrix @ pre.to(matrix.dtype)
    grid = affine_grid(matrix, h, w, device=x.device, dtype=x.dtype)
    out = torch.nn.functional.grid_sample(
        x, grid, mode=interpolation, padding_mode=padding_mode, align_corners=True
    )
    return out.clamp_(0.0, 1.0)


def affine_grid(
    matrix: Tensor, height: int, width: int, *, device: torch.device | None = None,
    dtype: torch.dtype = torch.float32,
) -> Tensor:
    """The ``grid_sample`` grid (B, H, W, 2) of the pixel-space affine ``matrix`` (B, 2, 3).

    The warp maps source pixels to output pixels (as :func:`kornia.geometry.transform.warp_affine`
    with ``align_corners=True``); its inverse, in normalised [-1, 1] coordinates, is composed in
    float64 and expanded by :func:`torch.nn.functional.affine_grid` in one batched product, where
    kornia builds the grid with a dozen elementwise passes. Sampling coordinates agree with
    kornia's to float32 rounding (about 1e-6 of the image size).
    """
    b = matrix.shape[0]
    m = torch.zeros(b, 3, 3, dtype=torch.float64)
    m[:, :2, :] = matrix.detach().to("cpu", torch.float64)
    m[:, 2, 2] = 1.0
    # pixel -> normalised: u = 2 x / (W - 1) - 1 (a 1-pixel side maps to 0)
    sx = 2.0 / (width - 1) if width > 1 else 0.0
    sy = 2.0 / (height - 1) if height > 1 else 0.0
    norm = torch.tensor([[sx, 0.0, -1.0 if width > 1 else 0.0],
                         [0.0, sy, -1.0 if height > 1 else 0.0],
                         [0.0, 0.0, 1.0]], dtype=torch.float64)
    denorm = torch.tensor([[1.0 / sx if sx else 1.0, 0.0, 1.0 / sx if sx else 0.0],
                           [0.0, 1.0 / sy if sy else 1.0, 1.0 / sy if sy else 0.0],
                           [0.0, 0.0, 1.0]], dtype=torch.float64)
    theta = (norm @ torch.linalg.inv(m) @ denorm)[:, :2, :]  # (B, 2, 3): normalised out -> source
    us, vs = _unit_coords(width), _unit_coords(height)
    # grid[b, i, j, k] = theta[b, k, 0] * us[j] + (theta[b, k, 1] * vs[i] + theta[b, k, 2]): one
    # broadcast sum per coordinate, written straight into the grid (both terms are small).
    col = (theta[:, :, 0, None] * us).transpose(1, 2).to(device=device, dtype=dtype)  # (B, W, 2)
    row = (theta[:, :, 1, None] * vs + theta[:, :, 2, None]).transpose(1, 2).to(device=device, dtype=dtype)
    grid = torch.empty(b, height, width, 2, device=device, dtype=dtype)
    return torch.add(col[:, None, :, :], row[:, :, None, :], out=grid)


def _unit_coords(n: int) -> Tensor:
    """Pixel centres 0 .. n-1 in normalised [-1, 1] coordinates (align_corners; 0 for n = 1)."""
    if n == 1:
        return torch.zeros(1, dtype=torch.float64)
    return torch.linspace(-1.0, 1.0, n, dtype=torch.float64)


def resized_crop(
    x: Tensor, box: Tensor, size: tuple[int, int], *, interpolation: Interpolation = "bilinear"
) -> Tensor:
    """Crop ``box`` from each sample and resize it to ``size``.

    Args:
        x: images (B, C, H, W).
        box: (B, 4) inclusive pixel corners ``(x0, y0, x1, y1)``.
        size: output ``(height, width)``.
        interpolation: ``"bilinear"`` or ``"nearest"``.

    Returns:
        (B, C, size[0], size[1]) images, clamped to [0, 1].
    """
    box = box.to(device=x.device, dtype=x.dtype)
    x0, y0, x1, y1 = box.unbind(-1)
    corners = torch.stack(
        [torch.stack([x0, y0], -1), torch.stack([x1, y0], -1),
         torch.stack([x1, y1], -1), torch.stack([x0, y1], -1)],
        dim=1,
    )
    out = kornia.geometry.transform.crop_and_resize(
        x, corners, (int(size[0]), int(size[1])), mode=interpolation, align_corners=True
    )
    return out.clamp_(0.0, 1.0)


def mean_gray(x: Tensor) -> Tensor:
    """Mean luma of each sample, (B, 1, 1, 1) (same weights as :func:`grayscale`)."""
    channel_mean = x.mean(dim=(-2, -1))
    if x.shape[1] == 3:
        w = torch.tensor(_GRAY_WEIGHTS, device=x.device, dtype=x.dtype)
        return (channel_mean @ w).view(-1, 1, 1, 1)
    return channel_mean.mean(dim=1).view(-1, 1, 1, 1)


def grayscale(x: Tensor) -> Tensor:
    """Luma (B, 1, H, W): ITU-R 601 weights for 3 channels, the channel mean otherwise."""
    if x.shape[1] == 3:
        w = torch.tensor(_GRAY_WEIGHTS, device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
        return (x * w).sum(dim=1, keepdim=True)
    return x.mean(dim=1, keepdim=True)


def adjust_brightness(x: Tensor, factor: Tensor) -> Tensor:
    """Multiply each sample by ``factor`` (B,) and clamp to [0, 1] (0 gives black, 1 identity)."""
    return (x * _per_sample(factor, x)).clamp_(0.0, 1.0)


def adjust_contrast(x: Tensor, factor: Tensor) -> Tensor:
    """Blend each sample with its mean grey level: ``mean + factor * (x - mean)``, clamped.

    ``factor`` (B,): 0 gives a flat grey image, 1 the identity; works for 1 or 3 channels.
    """
    f = _per_sample(factor, x)
    return torch.addcmul(mean_gray(x) * (1.0 - f), f, x).clamp_(0.0, 1.0)


def adjust_saturation(x: Tensor, factor: Tensor) -> Tensor:
    """Blend 3-channel samples with their greyscale by ``factor`` (B,); other channel counts pass."""
    if x.shape[1] != 3:
        return x
    gray = grayscale(x)
    return (gray + _per_sample(factor, x) * (x - gray)).clamp_(0.0, 1.0)


def add_noise(x: Tensor, noise: Tensor, std: Tensor, *, clamp: bool = True) -> Tensor:
    """``x + std * noise`` with ``std`` (B,) and ``noise`` (B, C, H, W); clamped to [0, 1] if asked."""
    out = torch.addcmul(x, noise.to(device=x.device, dtype=x.dtype), _per_sample(std, x))
    return out.clamp_(0.0, 1.0) if clamp else out


def gaussian_blur(x: Tensor, kernel_size: int, sigma: Tensor) -> Tensor:
    """Gaussian blur with a square ``kernel_size`` and per-sample ``sigma`` (B,), reflect borders."""
    sigma = sigma.to(device=x.device, dtype=x.dtype).view(-1, 1).expand(-1, 2)
    out = kornia.filters.gaussian_blur2d(x, (kernel_size, kernel_size), sigma, border_type="reflect")
    return out.clamp_(0.0, 1.0)


def box_mask(box: Tensor, height: int, width: int, device: torch.device | None = None) -> Tensor:
    """Boolean (B, 1, H, W) mask, True inside each half-open box ``(y0, x0, y1, x1)`` (B, 4)."""
    box = box.to(device)
    rows = torch.arange(height, device=device).view(1, height, 1)
    cols = torch.arange(width, device=device).view(1, 1, width)
    y0, x0, y1, x1 = (v.view(-1, 1, 1) for v in box.unbind(-1))
    inside = (rows >= y0) & (rows < y1) & (cols >= x0) & (cols < x1)
    return inside.unsqueeze(1)


def erase(x: Tensor, box: Tensor, value: Tensor | float) -> Tensor:
    """Replace each sample's box ``(y0, x0, y1, x1)`` (B, 4) by ``value``.

    ``value`` is a float or a tensor broadcastable to ``x`` (e.g. (B, C, H, W) random fill).
    """
    mask = box_mask(box, x.shape[-2], x.shape[-1], x.device)
    if isinstance(value, Tensor):
        value = value.to(device=x.device, dtype=x.dtype)
    else:
        value = torch.tensor(float(value), device=x.device, dtype=x.dtype)
    return torch.where(mask, value, x)


def blend(x: Tensor, other: Tensor, weight: Tensor) -> Tensor:
    """Per-sample convex mix ``weight * x + (1 - weight) * other`` with ``weight`` (B,)."""
    w = weight.to(device=x.device, dtype=x.dtype).view((-1,) + (1,) * (x.ndim - 1))
    return w * x + (1.0 - w) * other


def paste(x: Tensor, other: Tensor, box: Tensor) -> Tensor:
    """CutMix paste: inside each box ``(y0, x0, y1, x1)`` (B, 4) take ``other``, elsewhere ``x``."""
    mask = box_mask(box, x.shape[-2], x.shape[-1], x.device)
    return torch.where(mask, other, x)


# ----- policy operations (RandAugment / TrivialAugment) -----------------------------------------
def shear_x(x: Tensor, degrees: Tensor) -> Tensor:
    """Shear along x by ``degrees`` (B,), zero fill."""
    zeros = torch.zeros_like(degrees)
    return affine(x, zeros, torch.zeros(len(x), 2), torch.ones_like(degrees),
                  torch.stack([degrees, zeros], -1))


def shear_y(x: Tensor, degrees: Tensor) -> Tensor:
    """Shear along y by ``degrees`` (B,), zero fill."""
    zeros = torch.zeros_like(degrees)
    return affine(x, zeros, torch.zeros(len(x), 2), torch.ones_like(degrees),
                  torch.stack([zeros, degrees], -1))


def translate_x(x: Tensor, fraction: Tensor) -> Tensor:
    """Shift right by ``fraction`` (B,) of the width, zero fill."""
    zeros = torch.zeros_like(fraction)
    shift = torch.stack([fraction * x.shape[-1], zeros], -1)
    return affine(x, zeros, shift, torch.ones_like(fraction), torch.zeros(len(x), 2))


def translate_y(x: Tensor, fraction: Tensor) -> Tensor:
    """Shift down by ``fraction`` (B,) of the height, zero fill."""
    zeros = torch.zeros_like(fraction)
    shift = torch.stack([zeros, fraction * x.shape[-2]], -1)
    return affine(x, zeros, shift, torch.ones_like(fraction), torch.zeros(len(x), 2))


def rotate(x: Tensor, degrees: Tensor) -> Tensor:
    """Rotate clockwise by ``degrees`` (B,) about the centre, zero fill."""
    return affine(x, degrees, torch.zeros(len(x), 2), torch.ones_like(degrees), torch.zeros(len(x), 2))


def sharpen(x: Tensor, factor: Tensor) -> Tensor:
    """PIL-style sharpness: 0 blurs, 1 is the identity, 2 sharpens; ``factor`` (B,)."""
    return kornia.enhance.sharpness(x, factor.to(device=x.device, dtype=x.dtype)).clamp_(0.0, 1.0)


def posterize(x: Tensor, bits: Tensor) -> Tensor:
    """Keep the top ``bits`` (B,) int bits of each 8-bit channel value."""
    return kornia.enhance.posterize(x, bits.to(device=x.device, dtype=torch.long))


def solarize(x: Tensor, threshold: Tensor) -> Tensor:
    """Invert the pixels at or above ``threshold`` (B,)."""
    t = _per_sample(threshold, x)
    return torch.where(x >= t, 1.0 - x, x)


def autocontrast(x: Tensor) -> Tensor:
    """Stretch each channel of each sample to span [0, 1] (flat channels are left unchanged)."""
    lo = x.amin(dim=(-2, -1), keepdim=True)
    hi = x.amax(dim=(-2, -1), keepdim=True)
    span = hi - lo
    flat = span <= 1e-8
    out = (x - lo) / torch.where(flat, torch.ones_like(span), span)
    return torch.where(flat, x, out).clamp_(0.0, 1.0)


def equalize(x: Tensor) -> Tensor:
    """Histogram-equalize each channel of each sample (kornia)."""
    return kornia.enhance.equalize(x).clamp_(0.0, 1.0)

