"""1-D signals and audio: float tensors (N, C, T).

Default classical augmentation:

* **signals** (e.g. MNIST-1D): circular shift up to 10 % of the length, amplitude ×0.8-1.2,
  time stretch ×0.9-1.1 and noise with std up to 0.05.
* **audio**: see :mod:`genaug.modalities.audio` (its own file).

Strong augmentation (consistency training, contrastive views): the same operations at about
three times the strength: circular shift up to 30 %, amplitude ×0.5-1.5, time stretch
×0.75-1.33 (signals only) and noise with std up to 0.15 of the signal's units.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from genaug.modalities.base import TensorModality
from genaug.registry import register


@register("modality", "signal")
class SignalModality(TensorModality):
    """1-D signals (N, C, T), any finite float values."""

    name: ClassVar[str] = "signal"
    shape_doc: ClassVar[str] = "(N, C, T)"
    tensor_ndim: ClassVar[int | None] = 3
    spatial_dims: ClassVar[int] = 1
    default_model: ClassVar[dict[str, Any] | None] = {"name": "cnn1d", "steps": 200}
    feature_extractor: ClassVar[dict[str, Any] | None] = {"name": "random_conv"}
    corruption_suite: ClassVar[str | None] = "signal"
    infer_from_ndim: ClassVar[bool] = True
    time_stretch: ClassVar[tuple[float, float]] = (0.9, 1.1)
    array_ndims: ClassVar[tuple[int, ...]] = (3,)
    array_doc: ClassVar[str] = "(N, C, T)"

    def default_augmenter(self, sample_shape: Sequence[int] | None) -> list[dict[str, Any]]:
        self.check_sample_shape(sample_shape)
        return [
            {"name": "signal_shift", "max_shift": 0.1, "mode": "circular"},
            {"name": "signal_scale", "amplitude": (0.8, 1.2), "time": self.time_stretch},
            {"name": "signal_noise", "std": (0.0, 0.05)},
        ]

    def strong_augmenter(self, sample_shape: Sequence[int] | None) -> list[dict[str, Any]]:
        self.check_sample_shape(sample_shape)
        time = (0.75, 4.0 / 3.0) if self.time_stretch != (1.0, 1.0) else (1.0, 1.0)
        return [
            {"name": "signal_shift", "max_shift": 0.3, "mode": "circular"},
            {"name": "signal_scale", "amplitude": (0.5, 1.5), "time": time},
            {"name": "signal_noise", "std": (0.0, 0.15)},
        ]

