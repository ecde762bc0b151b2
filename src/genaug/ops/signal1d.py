"""1-D signal augmenters for (B, C, T) batches such as MNIST-1D: shift, scale, noise.

Signals are not limited to [0, 1]; nothing here clamps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal

import torch

from genaug.ops._util import fixed_or_range, positive_pair, uniform
from genaug.ops.base import Augmenter, Params
from genaug.ops.functional import signal1d as S
from genaug.registry import register
from genaug.validation import check_choice, check_range


@register("augmenter", "signal_shift")
class SignalShift(Augmenter):
    """Shift each signal in time by a random whole number of steps.

    Args:
        max_shift: largest shift as a fraction of the length ``T``, in [0, 1]; the shift is
            uniform over the integers in ``[-round(max_shift * T), round(max_shift * T)]``.
        mode: ``"circular"`` wraps the signal around; ``"zeros"`` pads with 0; ``"edge"`` repeats
            the end values.
        p: probability that a sample is shifted.

    Shape:
        (B, C, T) float -> same shape and dtype.

    Example:
        >>> import torch
        >>> SignalShift(max_shift=0.1)(torch.randn(4, 1, 40), generator=0).shape
        torch.Size([4, 1, 40])
    """

    input_ndim: ClassVar[int] = 3

    def __init__(
        self,
        *,
        max_shift: float = 0.1,
        mode: Literal["circular", "zeros", "edge"] = "circular",
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self.max_shift = max_shift
        self.mode = mode
        check_range("max_shift", max_shift, 0.0, 1.0)
        check_choice("mode", mode, ["circular", "zeros", "edge"])

    def _make_params(self, batch: torch.Tensor, *, generator: torch.Generator) -> Params:
        limit = round(self.max_shift * batch.shape[-1])
        steps = torch.randint(-limit, limit + 1, (batch.shape[0],), generator=generator)
        return {"steps": steps}

    def _apply(self, batch: torch.Tensor, params: Params) -> torch.Tensor:
        return S.shift(batch, params["steps"], mode=self.mode)


@register("augmenter", "signal_scale")
class SignalScale(Augmenter):
    """Random amplitude scaling and/or time stretching (linear interpolation about the centre).

    Args:
        amplitude: ``(min, max)`` multiplicative amplitude range, > 0; ``(1, 1)`` disables it.
        time: ``(min, max)`` time-stretch factor range, > 0 (> 1 stretches, < 1 compresses);
            ``(1, 1)`` disables it. The length ``T`` is kept; edges repeat the end values.
        p: probability that a sample is scaled.

    Shape:
        (B, C, T) float -> same shape and dtype.

    Example:
        >>> import torch
        >>> SignalScale(amplitude=(0.8, 1.2), time=(0.9, 1.1))(torch.randn(4, 1, 40), generator=0).shape
        torch.Size([4, 1, 40])
    """

    input_ndim: ClassVar[int] = 3

    def __init__(
        self,
        *,
        amplitude: Sequence[float] = (0.8, 1.2),
        time: Sequence[float] = (0.9, 1.1),
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self.amplitude = amplitude
        self.time = time
        self._amplitude = positive_pair("amplitude", amplitude)
        self._time = positive_pair("time", time)

    def _make_params(self, batch: torch.Tensor, *, generator: torch.Generator) -> Params:
        b = batch.shape[0]
        return {
            "amplitude": uniform(*self._amplitude, b, generator=generator),
            "time": uniform(*self._time, b, generator=generator),
        }

    def _apply(self, batch: torch.Tensor, params: Params) -> torch.Tensor:
        out = batch
        if self._time != (1.0, 1.0):
            out = S.time_scale(out, params["time"])
        if self._amplitude != (1.0, 1.0):
            out = S.amplitude_scale(out, params["amplitude"])
        return out


@register("augmenter", "signal_noise")
class SignalNoise(Augmenter):
    """Add zero-mean Gaussian noise with a per-sample standard deviation (no clamping).

    Args:
        std: a number ``s >= 0`` (exactly ``s``) or a ``(min, max)`` range drawn per sample, in
            the signal's units.
        p: probability that a sample gets noise.

    Shape:
        (B, C, T) float -> same shape and dtype.

    Example:
        >>> import torch
        >>> SignalNoise(std=0.05)(torch.zeros(4, 1, 40), generator=0).shape
        torch.Size([4, 1, 40])
    """

    input_ndim: ClassVar[int] = 3

    def __init__(self, *, std: float | Sequence[float] = (0.01, 0.1), p: float = 1.0) -> None:
        super().__init__(p=p)
        self.std = std
        self._std = fixed_or_range("std", std, 0.0)

    def _make_params(self, batch: torch.Tensor, *, generator: torch.Generator) -> Params:
        return {
            "std": uniform(*self._std, batch.shape[0], generator=generator),
            "noise": torch.randn(batch.shape, generator=generator),
        }

    def _apply(self, batch: torch.Tensor, params: Params) -> torch.Tensor:
        return S.add_noise(batch, params["noise"], params["std"])
