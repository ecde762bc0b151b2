"""Geometric image augmenters: flips, affine warps and random resized crops."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from genaug.ops._util import positive_pair, random_boxes, symmetric_range, uniform
from genaug.ops.base import Augmenter, Params
from genaug.ops.functional import image as F
from genaug.ops.functional.image import Interpolation, Padding
from genaug.registry import register
from genaug.validation import check_choice, check_int, check_range


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool; got {value!r} ({type(value).__name__})")
    return value


@register("augmenter", "flip")
class Flip(Augmenter):
    """Random mirror flips.

    Each sample is flipped with probability ``p``. With only ``horizontal`` (the default) it is
    mirrored left-right; with only ``vertical`` up-down; with both, each flipped sample gets one of
    left-right, up-down or both, uniformly. Do not use on data whose class depends on orientation
    (digits, text).

    Args:
        horizontal: allow left-right flips.
        vertical: allow up-down flips.
        p: probability that a sample is flipped.

    Shape:
        (B, C, H, W) float in [0, 1] -> same shape and dtype.

    Example:
        >>> import torch
        >>> x = torch.rand(4, 3, 8, 8)
        >>> out = Flip(p=1.0)(x, generator=0)
        >>> torch.equal(out, x.flip(-1))
        True
    """

    def __init__(self, *, horizontal: bool = True, vertical: bool = False, p: float = 0.5) -> None:
        super().__init__(p=p)
        self.horizontal = horizontal
        self.vertical = vertical
        _check_bool("horizontal", horizontal)
        _check_bool("vertical", vertical)
        if not (horizontal or vertical):
            raise ValueError("at least one of horizontal, vertical must be True; got both False")

    def _make_params(self, batch: torch.Tensor, *, generator: torch.Generator) -> Params:
        b = batch.shape[0]
        if self.horizontal and self.vertical:
            choice = torch.randint(0, 3, (b,), generator=generator)  # 0: h, 1: v, 2: both
            return {"horizontal": choice != 1, "vertical": choice != 0}
        return {
            "horizontal": torch.full((b,), self.horizontal),
            "vertical": torch.full((b,), self.vertical),
        }

    def apply(self, batch: torch.Tensor, params: Params) -> torch.Tensor:
        # Fold the mask into the flip flags: one pass instead of flip + masked select.
        mask = params["mask"]
        return F.flip(batch, params["horizontal"] & mask, params["vertical"] & mask)

    def _apply(self, batch: torch.Tensor, params: Params) -> torch.Tensor:
        return F.flip(batch, params["horizontal"], params["vertical"])


@register("augmenter", "affine")
class Affine(Augmenter):
    """Random rotation, translation, zoom and shear about the image centre (one kornia warp).

    Args:
        degrees: rotation range in degrees; a number ``d >= 0`` means ``(-d, d)``, or a
            ``(min, max)`` pair within [-180, 180]. Positive is clockwise as displayed.
        translate: largest shift as a fraction of the image size; a number in [0, 1] for both
            axes or a pair ``(fx, fy)``. The shift is uniform in ``[-fx * W, fx * W]`` (and y alike).
        scale: ``(min, max)`` zoom factor range, both > 0 (``(1, 1)``: no zoom).
        shear: shear in degrees: a number ``s >= 0`` (x-shear in ``(-s, s)``), a ``(min, max)``
            x-shear range, or ``(xmin, xmax, ymin, ymax)``; all within [-80, 80].
        interpolation: ``"bilinear"`` or ``"nearest"``.
        padding_mode: fill for pixels from outside the image: ``"zeros"``, ``"border"`` or
            ``"reflection"``.
        p: probability that a sample is transformed.

    Shape:
        (B, C, H, W) float in [0, 1] -> same shape and dtype.

    Example:
        >>> import torch
        >>> aug = Affine(degrees=10, translate=0.1, scale=(0.9, 1.1))
        >>> aug(torch.rand(2, 1, 28, 28), generator=0).shape
        torch.Size([2, 1, 28, 28])
    """

    def __init__(
        self,
        *,
        degrees: float | Sequence[float] = 10.0,
        translate: float | Sequence[float] = 0.1,
        scale: Sequence[float] = (0.9, 1.1),
        shear: float | Sequence[float] = 0.0,
        interpolation: Interpolation = "bilinear",
        padding_mode: Padding = "zeros",
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self.degrees = degrees
        self.translate = translate
        self.scale = scale
        self.shear = shear
        self.interpolation = interpolation
        self.padding_mode = padding_mode
        self._degrees = symmetric_range("degrees", degrees, 180.0)
        self._translate = _translate_fractions(translate)
        self._scale = positive_pair("scale", scale)
        self._shear = _shear_ranges(shear)
        check_choice("interpolation", interpolation, ["bilinear", "nearest"])
        check_choice("padding_mode", padding_mode, ["zeros", "border", "reflection"])

    def _make_params(self, batch: torch.Tensor, *, generator: torch.Generator) -> Params:
        b, _, h, w = batch.shape
        angle = uniform(*self._degrees, b, generator=generator)
        fx, fy = self._translate
        tx = uniform(-fx, fx, b, generator=generator) * w
        ty = uniform(-fy, fy, b, generator=generator) * h
        zoom = uniform(*self._scale, b, generator=generator)
        sx = uniform(*self._shear[0], b, generator=generator)
        sy = uniform(*self._shear[1], b, generator=generator)
        return {
            "angle": angle,
            "translate": torch.stack([tx, ty], dim=-1),
            "scale": zoom,
            "shear": torch.stack([sx, sy], dim=-1),
        }

    def _apply(self, batch: torch.Tensor, params: Params) -> torch.Tensor:
        return F.affine(
            batch, params["angle"], params["translate"], params["scale"], params["shear"],
            interpolation=self.interpolation, padding_mode=self.padding_mode,
        )

    def apply_after_flip(
        self, batch: torch.Tensor, flip_params: Params, params: Params
    ) -> torch.Tensor | None:
        """``apply(flip.apply(batch, flip_params), params)`` in one warp, or None when not fusable.

        Fusable when every sample is warped (the affine mask is all True): the flip becomes a
        matrix composed into the warp, saving a full pass over the batch. The result equals
        the two-step one up to float rounding of the sampling coordinates (~1e-6).
        """
        if not bool(params["mask"].all()):
            return None
        _, _, h, w = batch.shape
        mask = flip_params["mask"]
        pre = F.flip_matrix(flip_params["horizontal"] & mask, flip_params["vertical"] & mask, h, w)
        out = F.affine(
            batch, params["angle"], params["translate"], params["scale"], params["shear"],
            interpolation=self.interpolation, padding_mode=self.padding_mode, pre=pre,
        )
        return out.to(batch.dtype)


def _translate_fractions(value: Any) -> tuple[float, float]:
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 2:
            raise ValueError(f"translate must be a number or an (fx, fy) pair; got {value!r}")
        return (
            check_range("translate[0]", value[0], 0.0, 1.0),
            check_range("translate[1]", value[1], 0.0, 1.0),
        )
    v = check_range("translate", value, 0.0, 1.0)
    return (v, v)


def _shear_ranges(value: Any) -> tuple[tuple[float, float], tuple[float, float]]:
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 4:
        x = symmetric_range("shear", list(value[:2]), 80.0)
        y = symmetric_range("shear", list(value[2:]), 80.0)
        return x, y
    return symmetric_range("shear", value, 80.0), (0.0, 0.0)


@register("augmenter", "random_resized_crop")
class RandomResizedCrop(Augmenter):
    """Crop a random box of random area and aspect ratio, then resize it (torchvision's recipe).

    For each sample up to 10 boxes with area fraction in ``scale`` and aspect ratio (w/h) in
    ``ratio`` are drawn and the first that fits is used; if none fits, the largest centred box
    with an allowed aspect ratio is used.

    Args:
        size: output ``(height, width)`` (or one int for a square); ``None`` keeps the input size.
        scale: ``(min, max)`` fraction of the image area to crop, in (0, 1].
        ratio: ``(min, max)`` aspect ratio (width / height) of the crop, > 0.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        p: probability that a sample is cropped. Samples that are not cropped are only resized
            (when ``size`` differs from the input size).

    Shape:
        (B, C, H, W) float in [0, 1] -> (B, C, *size) (the input size when ``size`` is None).

    Example:
        >>> import torch
        >>> RandomResizedCrop(scale=(0.5, 1.0))(torch.rand(2, 3, 16, 16), generator=0).shape
        torch.Size([2, 3, 16, 16])
    """

    def __init__(
        self,
        *,
        size: int | Sequence[int] | None = None,
        scale: Sequence[float] = (0.08, 1.0),
        ratio: Sequence[float] = (3 / 4, 4 / 3),
        interpolation: Interpolation = "bilinear",
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self.size = size
        self.scale = scale
        self.ratio = ratio
        self.interpolation = interpolation
        self._size = _check_size(size)
        self._scale = positive_pair("scale", scale, 1.0)
        self._ratio = positive_pair("ratio", ratio)
        check_choice("interpolation", interpolation, ["bilinear", "nearest"])

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if self._size is None:
            return tuple(input_shape)
        return (*input_shape[:-2], *self._size)

    def _make_params(self, batch: torch.Tensor, *, generator: torch.Generator) -> Params:
        b, _, h, w = batch.shape
        box, found = random_boxes(b, h, w, self._scale, self._ratio, generator=generator)
        fallback = torch.tensor(_center_box(h, w, self._ratio)).expand(b, 4)
        return {"box": torch.where(found.view(-1, 1), box, fallback)}

    def apply(self, batch: torch.Tensor, params: Params) -> torch.Tensor:
        out_hw = self.output_shape(tuple(batch.shape))[-2:]
        if tuple(out_hw) == tuple(batch.shape[-2:]):
            return super().apply(batch, params)
        # Resizing output: samples that are not cropped are resized whole.
        h, w = batch.shape[-2:]
        full = torch.tensor([0, 0, h, w]).expand_as(params["box"])
        box = torch.where(params["mask"].view(-1, 1), params["box"], full)
        return self._apply(batch, {"box": box}).to(batch.dtype)

    def _apply(self, batch: torch.Tensor, params: Params) -> torch.Tensor:
        y0, x0, y1, x1 = params["box"].unbind(-1)
        corners = torch.stack([x0, y0, x1 - 1, y1 - 1], dim=-1)
        size = self.output_shape(tuple(batch.shape))[-2:]
        return F.resized_crop(batch, corners, (size[0], size[1]), interpolation=self.interpolation)


def _check_size(size: Any) -> tuple[int, int] | None:
    if size is None:
        return None
    if isinstance(size, Sequence) and not isinstance(size, str):
        if len(size) != 2:
            raise ValueError(f"size must be None, an int or a (height, width) pair; got {size!r}")
        return (check_int("size[0]", size[0], 1), check_int("size[1]", size[1], 1))
    s = check_int("size", size, 1)
    return (s, s)


def _center_box(h: int, w: int, ratio: tuple[float, float]) -> list[int]:
    in_ratio = w / h
    if in_ratio < ratio[0]:
        cw, ch = w, min(h, round(w / ratio[0]))
    elif in_ratio > ratio[1]:
        ch, cw = h, min(w, round(h * ratio[1]))
    else:
        cw, ch = w, h
    y0, x0 = (h - ch) // 2, (w - cw) // 2
    return [y0, x0, y0 + ch, x0 + cw]
