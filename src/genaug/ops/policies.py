"""Automatic augmentation policies: RandAugment and TrivialAugment (batched, per-sample ops)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from genaug.ops.base import Augmenter, Params
from genaug.ops.functional import image as F
from genaug.registry import register
from genaug.validation import check_choice, check_int


@dataclass(frozen=True)
class PolicyOp:
    """One policy operation: ``fn(x, value)`` with ``value = start + (end - start) * magnitude``.

    ``signed`` ops negate the value for half of the samples (chosen at random).
    """

    fn: Callable[[Tensor, Tensor], Tensor]
    start: float = 0.0
    end: float = 0.0
    signed: bool = False


def _shear_deg(v: Tensor) -> Tensor:
    return torch.rad2deg(torch.atan(v))


def _ops_table(shear: float, translate: float, rotate: float, enhance: float, min_bits: int) -> dict:
    return {
        "identity": PolicyOp(lambda x, v: x),
        "shear_x": PolicyOp(lambda x, v: F.shear_x(x, _shear_deg(v)), 0.0, shear, True),
        "shear_y": PolicyOp(lambda x, v: F.shear_y(x, _shear_deg(v)), 0.0, shear, True),
        "translate_x": PolicyOp(F.translate_x, 0.0, translate, True),
        "translate_y": PolicyOp(F.translate_y, 0.0, translate, True),
        "rotate": PolicyOp(F.rotate, 0.0, rotate, True),
        "brightness": PolicyOp(lambda x, v: F.adjust_brightness(x, 1.0 + v), 0.0, enhance, True),
        "color": PolicyOp(lambda x, v: F.adjust_saturation(x, 1.0 + v), 0.0, enhance, True),
        "contrast": PolicyOp(lambda x, v: F.adjust_contrast(x, 1.0 + v), 0.0, enhance, True),
        "sharpness": PolicyOp(lambda x, v: F.sharpen(x, 1.0 + v), 0.0, enhance, True),
        "posterize": PolicyOp(lambda x, v: F.posterize(x, v.round().long()), 8.0, float(min_bits)),
        "solarize": PolicyOp(F.solarize, 1.0, 0.0),
        "autocontrast": PolicyOp(lambda x, v: F.autocontrast(x)),
        "equalize": PolicyOp(lambda x, v: F.equalize(x)),
    }


# RandAugment (Cubuk et al. 2020) ranges as in torchvision; translate as a fraction of the side.
RANDAUGMENT_OPS: dict[str, PolicyOp] = _ops_table(0.3, 150 / 331, 30.0, 0.9, 4)
# TrivialAugment "wide" ranges (Müller & Hutter 2021); translate capped at half the side (the
# paper's 32 px are the full side of a CIFAR image, which would often blank a small image).
TRIVIALAUGMENT_OPS: dict[str, PolicyOp] = _ops_table(0.99, 0.5, 135.0, 0.99, 2)
OPERATIONS: tuple[str, ...] = tuple(RANDAUGMENT_OPS)


def _check_operations(operations: Any) -> tuple[str, ...]:
    if operations is None:
        return OPERATIONS
    if isinstance(operations, str) or not isinstance(operations, Sequence) or not operations:
        raise ValueError(
            f"operations must be None or a non-empty list of names from {list(OPERATIONS)}; "
            f"got {operations!r}"
        )
    for i, name in enumerate(operations):
        check_choice(f"operations[{i}]", name, OPERATIONS)
    return tuple(operations)


class _Policy(Augmenter):
    """Shared machinery: ``num_ops`` rounds, each applying one randomly chosen op per sample."""

    _table: dict[str, PolicyOp]

    def _draw(self, b: int, rounds: int, magnitude: Tensor, *, generator: torch.Generator) -> Params:
        names = self._operations
        op = torch.randint(0, len(names), (rounds, b), generator=generator)
        sign = torch.where(torch.rand((rounds, b), generator=generator) < 0.5, -1.0, 1.0)
        return {"op": op, "magnitude": magnitude, "sign": sign}

    def _apply(self, batch: torch.Tensor, params: Params) -> torch.Tensor:
        out = batch
        names = self._operations
        for r in range(params["op"].shape[0]):
            op, mag, sign = params["op"][r], params["magnitude"][r], params["sign"][r]
            nxt = out.clone()
            for i, name in enumerate(names):
                if name == "identity":
                    continue
                idx = torch.nonzero(op == i).flatten()
                if idx.numel() == 0:
                    continue
                spec = self._table[name]
                value = spec.start + (spec.end - spec.start) * mag[idx]
                if spec.signed:
                    value = value * sign[idx]
                nxt[idx.to(out.device)] = spec.fn(out[idx.to(out.device)], value).to(out.dtype)
            out = nxt
        return out


@register("augmenter", "randaugment")
class RandAugment(_Policy):
    """RandAugment: ``num_ops`` random operations per sample at one global magnitude.

    Each sample independently picks ``num_ops`` operations (uniformly, with repetition) from
    ``operations``; signed operations (rotate, shear, translate, brightness, ...) go either way.
    Ranges follow torchvision's ``RandAugment``.

    Args:
        num_ops: operations applied in sequence to each sample, >= 1.
        magnitude: strength bin in ``[0, num_magnitude_bins - 1]``.
        num_magnitude_bins: number of strength bins, >= 2.
        operations: names to choose from (default: all of ``OPERATIONS``); e.g. drop
            ``"rotate"`` for orientation-sensitive data.
        p: probability that a sample is augmented at all.

    Shape:
        (B, C, H, W) float in [0, 1] (C = 1 or 3) -> same shape and dtype.

    Example:
        >>> import torch
        >>> RandAugment(num_ops=2, magnitude=9)(torch.rand(4, 3, 16, 16), generator=0).shape
        torch.Size([4, 3, 16, 16])
    """

    _table = RANDAUGMENT_OPS

    def __init__(
        self,
        *,
        num_ops: int = 2,
        magnitude: int = 9,
        num_magnitude_bins: int = 31,
        operations: Sequence[str] | None = None,
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self.num_ops = num_ops
        self.magnitude = magnitude
        self.num_magnitude_bins = num_magnitude_bins
        self.operations = operations
        check_int("num_ops", num_ops, 1)
        check_int("num_magnitude_bins", num_magnitude_bins, 2)
        check_int("magnitude", magnitude, 0, num_magnitude_bins - 1)
        self._operations = _check_operations(operations)

    def _make_params(self, batch: torch.Tensor, *, generator: torch.Generator) -> Params:
        b = batch.shape[0]
        level = self.magnitude / (self.num_magnitude_bins - 1)
        magnitude = torch.full((self.num_ops, b), level)
        return self._draw(b, self.num_ops, magnitude, generator=generator)


@register("augmenter", "trivialaugment")
class TrivialAugment(_Policy):
    """TrivialAugment (wide): one random operation per sample at a random magnitude.

    Args:
        num_magnitude_bins: number of strength bins, >= 2; each sample draws one bin uniformly.
        operations: names to choose from (default: all of ``OPERATIONS``).
        p: probability that a sample is augmented at all.

    Shape:
        (B, C, H, W) float in [0, 1] (C = 1 or 3) -> same shape and dtype.

    Example:
        >>> import torch
        >>> TrivialAugment()(torch.rand(4, 1, 16, 16), generator=0).shape
        torch.Size([4, 1, 16, 16])
    """

    _table = TRIVIALAUGMENT_OPS

    def __init__(
        self, *, num_magnitude_bins: int = 31, operations: Sequence[str] | None = None, p: float = 1.0
    ) -> None:
        super().__init__(p=p)
        self.num_magnitude_bins = num_magnitude_bins
        self.operations = operations
        check_int("num_magnitude_bins", num_magnitude_bins, 2)
        self._operations = _check_operations(operations)

    def _make_params(self, batch: torch.Tensor, *, generator: torch.Generator) -> Params:
        b = batch.shape[0]
        bins = torch.randint(0, self.num_magnitude_bins, (1, b), generator=generator)
        magnitude = bins.float() / (self.num_magnitude_bins - 1)
        return self._draw(b, 1, magnitude, generator=generator)

