"""Images: float tensors (N, C, H, W) in [0, 1].

Default classical augmentation (the "classical" baseline; mild and label-preserving):

* **grayscale** (1 channel, e.g. digits): affine jitter (rotation within ±10°, shift up to 10 %
  of the side, zoom 0.9-1.1) plus light Gaussian noise (std up to 0.03). No flips: mirrored
  digits are other symbols or no digit at all.
* **colour** (3 channels): horizontal flip (p = 0.5), the same affine jitter,
  brightness/contrast/saturation jitter of ±20 % and light noise (std up to 0.02).
* **other channel counts**: affine jitter and light noise only.

Strong augmentation (consistency training, contrastive views), FixMatch's (Sohn et al. 2020):
RandAugment with 2 operations at magnitude 15 of 31 bins (the mean of FixMatch's uniformly drawn
magnitude) followed by Cutout (one erased square of up to a quarter of the area, filled with
grey 0.5). The weak augmenter is the default one above.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch

from genaug.modalities.base import TensorModality
from genaug.registry import register

_AFFINE = {"name": "affine", "degrees": 10.0, "translate": 0.1, "scale": (0.9, 1.1)}


@register("modality", "image")
class ImageModality(TensorModality):
    """Images (N, C, H, W), float in [0, 1]."""

    name: ClassVar[str] = "image"
    shape_doc: ClassVar[str] = "(N, C, H, W)"
    tensor_ndim: ClassVar[int | None] = 4
    value_range: ClassVar[tuple[float, float] | None] = (0.0, 1.0)
    spatial_dims: ClassVar[int] = 2
    default_model: ClassVar[dict[str, Any] | None] = {"name": "small_cnn", "steps": 200}
    feature_extractor: ClassVar[dict[str, Any] | None] = {"name": "random_conv"}
    corruption_suite: ClassVar[str | None] = "image"
    infer_from_ndim: ClassVar[bool] = True

    array_ndims: ClassVar[tuple[int, ...]] = (3, 4)
    array_doc: ClassVar[str] = "(N, C, H, W) or (N, H, W)"

    def from_numpy(self, x: np.ndarray, *, scale: str | None, where: str) -> Any:
        """Unsigned ints up to 16 bits are divided by their maximum with ``scale="auto"``;
        (N, H, W) gains a channel axis; values must end in [0, 1]."""
        if scale == "auto" and x.dtype.kind == "u" and x.dtype.itemsize <= 2:
            x = x.astype(np.float32) / np.float32(np.iinfo(x.dtype).max)
        if x.ndim == 3:
            x = x[:, None]
        if x.size and (x.min() < 0 or x.max() > 1):
            hint = " (pass scale='auto' to divide uint8 by 255)" if x.dtype.kind in "ui" else ""
            raise ValueError(
                f"image values in {where} must be in [0, 1]; got min {float(x.min()):.4g}, "
                f"max {float(x.max()):.4g}, dtype {x.dtype}{hint}"
            )
        return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))

    def default_augmenter(self, sample_shape: Sequence[int] | None) -> list[dict[str, Any]]:
        channels = self.check_sample_shape(sample_shape)[0]
        if channels == 3:
            return [
                {"name": "flip", "horizontal": True, "p": 0.5},
                dict(_AFFINE),
                {"name": "color", "brightness": 0.2, "contrast": 0.2, "saturation": 0.2},
                {"name": "gaussian_noise", "std": (0.0, 0.02)},
            ]
        return [dict(_AFFINE), {"name": "gaussian_noise", "std": (0.0, 0.03)}]

    def symmetry_variants(self, sample_shape: Sequence[int] | None) -> dict[str, list[dict[str, Any]]]:
        """The default augmenter with the left-right flip toggled (added for grayscale, dropped
        for colour, where it is the default) and with an up-down flip added."""
        default = self.default_augmenter(sample_shape)
        is_hflip = [op.get("name") == "flip" and op.get("horizontal", True) and not op.get("vertical")
                    for op in default]
        vflip = {"name": "flip", "horizontal": False, "vertical": True, "p": 0.5}
        if any(is_hflip):
            toggled = {"no_hflip": [op for op, h in zip(default, is_hflip, strict=True) if not h]}
        else:
            toggled = {"hflip": [{"name": "flip", "horizontal": True, "p": 0.5}, *default]}
        return {**toggled, "vflip": [vflip, *default]}

    def strong_augmenter(self, sample_shape: Sequence[int] | None) -> list[dict[str, Any]]:
        channels = self.check_sample_shape(sample_shape)[0]
        # RandAugment's colour operations need 1 or 3 channels; other counts get the affine jitter.
        policy = ({"name": "randaugment", "num_ops": 2, "magnitude": 15} if channels in (1, 3)
                  else dict(_AFFINE))
        return [policy, {"name": "random_erasing", "scale": (0.02, 0.25), "ratio": (1.0, 1.0),
                       "value": 0.5, "p": 1.0}]
