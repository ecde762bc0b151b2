"""Photometric image augmenters: colour jitter, Gaussian noise, Gaussian blur, random erasing."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real
from typing import Any, Literal

import torch

from genaug.ops._util import factor_range, fixed_or_range, positive_pair, random_boxes, uniform
from genaug.ops.base import Augmenter, Params
from genaug.ops.functional import image as F
from genaug.registry import register
from genaug.validation import check_int, check_range


@register("augmenter", "color")
class Color(Augmenter):
    """Random brightness, contrast and (3-channel only) saturation, applied in that order.

    Brightness multiplies the image by a factor; contrast blends it with its mean grey level;
    saturation blends it with its greyscale (skipped for images that do not have 3 channels).

    Args:
        brightness: a number ``b >= 0`` (factor in ``[max(0, 1 - b), 1 + b]``) or a ``(min, max)``
            factor range; ``0`` disables it.
        contrast: same convention as ``brightness``.
        saturation: same convention; only used on 3-channel images.
        p: probability that a sample is transformed.

    Shape:
        (B, C, H, W) float in [0, 1] (C = 1 or 3) -> same shape and dtype, clamped to [0, 1].

    Example:
        >>> import torch
        >>> Color(brightness=0.2, contrast=0.2)(torch.rand(2, 1, 8, 8), generator=0).shape
        torch.Size([2, 1, 8, 8])
    """

    def __init__(
        self,
        *,
        brightness: float | Sequence[float] = 0.2,
        contrast: float | Sequence[float] = 0.2,
        saturation: float | Sequence[float] = 0.0,
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
        self._brightness = factor_range("brightness", brightness)
        self._contrast = factor_range("contrast", contrast)
        self._saturation = factor_range("saturation", saturation)

    def _make_params(self, batch: torch.Tensor, *, generator: torch.Generator) -> Params:
        b = batch.shape[0]
        return {
            "brightness": uniform(*self._brightness, b, generator=generator),
            "contrast": uniform(*self._contrast, b, generator=generator),
            "saturation": uniform(*self._saturation, b, generator=generator),
        }

    def _apply(self, batch: torch.Tensor, params: Params) -> torch.Tensor:
        out = batch
        if self._brightness != (1.0, 1.0):
            out = F.adjust_brightness(out, params["brightness"])
        if self._contrast != (1.0, 1.0):
            out = F.adjust_contrast(out, params["contrast"])
        if self._saturation != (1.0, 1.0):
            out = F.adjust_saturation(out, params["saturation"])
        return out

    def apply_inplace(self, batch: torch.Tensor, params: Params) -> torch.Tensor | None:
        """``apply(batch, params)`` written into ``batch`` (which the caller owns), or None.

        Used by :class:`~genaug.ops.compose.Sequential` on intermediate results when every sample
        is transformed (the mask is all True): the same operations in the same order, so the
        result is bit-identical to :meth:`apply`, without allocating a new batch per step.
        """
        if not bool(params["mask"].all()) or not batch.is_floating_point():
            return None
        out = batch
        if self._brightness != (1.0, 1.0):
            out.mul_(F._per_sample(params["brightness"], out)).clamp_(0.0, 1.0)
        if self._contrast != (1.0, 1.0):
            f = F._per_sample(params["contrast"], out)
            torch.addcmul(F.mean_gray(out) * (1.0 - f), f, out, out=out).clamp_(0.0, 1.0)
        if self._saturation != (1.0, 1.0) and out.shape[1] == 3:
            gray = F.grayscale(out)
            out.sub_(gray).mul_(F._per_sample(params["saturation"], out)).add_(gray).clamp_(0.0, 1.0)
        return out


@register("augmenter", "gaussian_noise")
class GaussianNoise(Augmenter):
    """Add zero-mean Gaussian noise with a per-sample standard deviation.

    Args:
        std: noise standard deviation: a number ``s >= 0`` (exactly ``s``) or a ``(min, max)``
            range drawn uniformly per sample.
        clamp: clamp the result to [0, 1].
        p: probability that a sample gets noise.

    Shape:
        (B, C, H, W) float in [0, 1] -> same shape and dtype.

    Example:
        >>> import torch
        >>> GaussianNoise(std=0.05)(torch.full((2, 1, 8, 8), 0.5), generator=0).shape
        torch.Size([2, 1, 8, 8])
    """

    def __init__(
        self, *, std: float | Sequence[float] = (0.01, 0.05), clamp: bool = True, p: float = 1.0
    ) -> None:
        super().__init__(p=p)
        self.std = std
        self.clamp = clamp
        self._std = fixed_or_range("std", std, 0.0)
        if not isinstance(clamp, bool):
            raise TypeError(f"clamp must be a bool; got {clamp!r} ({type(clamp).__name__})")

    def _make_params(self, batch: torch.Tensor, *, generator: torch.Generator) -> Params:
        b = batch.shape[0]
        return {
            "std": uniform(*self._std, b, generator=generator),
            "noise": torch.randn(batch.shape, generator=generator),
        }

    def _apply(self, batch: torch.Tensor, params: Params) -> torch.Tensor:
        return F.add_noise(batch, params["noise"], params["std"], clamp=self.clamp)

    def apply_inplace(self, batch: torch.Tensor, params: Params) -> torch.Tensor | None:
        """``apply(batch, params)`` written into ``batch`` (bit-identical), or None when masked.

        See :meth:`Color.apply_inplace`.
        """
        if not bool(params["mask"].all()) or not batch.is_floating_point():
            return None
        noise = params["noise"].to(device=batch.device, dtype=batch.dtype)
        out = batch.addcmul_(noise, F._per_sample(params["std"], batch))
        return out.clamp_(0.0, 1.0) if self.clamp else out


@register("augmenter", "gaussian_blur")
class GaussianBlur(Augmenter):
    """Gaussian blur with a per-sample sigma (kornia), reflect borders.

    Args:
        kernel_size: odd int >= 3; must not exceed the image height or width.
        sigma: blur standard deviation in pixels: a number ``> 0`` or a ``(min, max)`` range > 0.
        p: probability that a sample is blurred.

    Shape:
        (B, C, H, W) float in [0, 1] -> same shape and dtype.

    Example:
        >>> import torch
        >>> GaussianBlur(kernel_size=3, sigma=(0.5, 1.0))(torch.rand(2, 3, 8, 8), generator=0).shape
        torch.Size([2, 3, 8, 8])
    """

    def __init__(
        self, *, kernel_size: int = 3, sigma: float | Sequence[float] = (0.1, 2.0), p: float = 1.0
    ) -> None:
        super().__init__(p=p)
        self.kernel_size = kernel_size
        self.sigma = sigma
        check_int("kernel_size", kernel_size, 3)
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be an odd int >= 3; got {kernel_size!r}")
        if isinstance(sigma, Real) and not isinstance(sigma, bool):
            s = check_range("sigma", sigma, 0.0, low_inclusive=False)
            self._sigma = (s, s)
        else:
            self._sigma = positive_pair("sigma", sigma)

    def _make_params(self, batch: torch.Tensor, *, generator: torch.Generator) -> Params:
        h, w = batch.shape[-2:]
        if self.kernel_size > min(h, w):
            raise ValueError(
                f"kernel_size must not exceed the image size; got kernel_size={self.kernel_size} "
                f"for images of size {h}x{w}"
            )
        return {"sigma": uniform(*self._sigma, batch.shape[0], generator=generator)}

    def _apply(self, batch: torch.Tensor, params: Params) -> torch.Tensor:
        return F.gaussian_blur(batch, self.kernel_size, params["sigma"])


@register("augmenter", "random_erasing")
class RandomErasing(Augmenter):
    """Erase one random rectangle per sample (Zhong et al. 2020; torchvision's sampling recipe).

    Up to 10 rectangles with area fraction in ``scale`` and aspect ratio (h/w) in ``ratio`` are
    drawn per sample and the first that fits strictly inside the image is erased; if none fits,
    the sample is left unchanged.

    Args:
        scale: ``(min, max)`` fraction of the image area to erase, in (0, 1].
        ratio: ``(min, max)`` aspect ratio of the rectangle, > 0.
        value: fill value in [0, 1], or ``"random"`` for uniform noise in [0, 1].
        p: probability that a sample gets a rectangle erased.

    Shape:
        (B, C, H, W) float in [0, 1] -> same shape and dtype.

    Example:
        >>> import torch
        >>> RandomErasing(p=1.0)(torch.rand(2, 3, 16, 16), generator=0).shape
        torch.Size([2, 3, 16, 16])
    """

    def __init__(
        self,
        *,
        scale: Sequence[float] = (0.02, 0.33),
        ratio: Sequence[float] = (0.3, 3.3),
        value: float | Literal["random"] = 0.0,
        p: float = 0.5,
    ) -> None:
        super().__init__(p=p)
        self.scale = scale
        self.ratio = ratio
        self.value = value
        self._scale = positive_pair("scale", scale, 1.0)
        self._ratio = positive_pair("ratio", ratio)
        _check_fill(value)

    def _make_params(self, batch: torch.Tensor, *, generator: torch.Generator) -> Params:
        b, _, h, w = batch.shape
        # ``ratio`` is h/w here; random_boxes takes w/h, so pass the reciprocal range.
        aspect = (1.0 / self._ratio[1], 1.0 / self._ratio[0])
        box, _ = random_boxes(b, h, w, self._scale, aspect, generator=generator, strict=True)
        params: Params = {"box": box}
        if self.value == "random":
            params["fill"] = torch.rand(batch.shape, generator=generator)
        return params

    def _apply(self, batch: torch.Tensor, params: Params) -> torch.Tensor:
        fill = params["fill"] if self.value == "random" else float(self.value)
        return F.erase(batch, params["box"], fill)


def _check_fill(value: Any) -> None:
    if isinstance(value, str):
        if value != "random":
            raise ValueError(f"value must be a number in [0, 1] or 'random'; got {value!r}")
        return
    check_range("value", value, 0.0, 1.0)
