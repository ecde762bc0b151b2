"""The Augmenter contract: draw all randomness in ``make_params``, apply it deterministically."""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import torch

from genaug.memory import LARGE_BATCH_BYTES, retain_freed_memory
from genaug.rng import Seed, as_generator
from genaug.validation import check_image_batch, check_probability, check_signal_batch

Params = dict[str, Any]


class Augmenter(ABC):
    """Base class of classical augmenters over a batch.

    Subclasses store every constructor argument unchanged under its own name, implement
    ``_make_params`` (all randomness, from the given generator) and ``apply`` (deterministic).
    Each sample is transformed with probability ``p``; ``params["mask"]`` (bool, shape (B,))
    records which ones.

    Shape:
        images (B, C, H, W) float in [0, 1] when ``input_ndim == 4``; signals (B, C, T) when 3.
        Output has the input's shape and dtype.
    """

    input_ndim: ClassVar[int] = 4

    def __init__(self, *, p: float = 1.0) -> None:
        self.p = p
        check_probability("p", p)

    # ----- the contract -------------------------------------------------------------------
    def make_params(self, batch: torch.Tensor, *, generator: torch.Generator) -> Params:
        """Draw every random choice for ``batch``; the result replays exactly through ``apply``."""
        self._check_batch(batch)
        return self._draw_params(batch, generator=generator)

    def _draw_params(self, batch: torch.Tensor, *, generator: torch.Generator) -> Params:
        """``make_params`` without the input check (compositions check their batch once)."""
        b = batch.shape[0]
        mask = torch.rand(b, generator=generator) < self.p
        params = self._make_params(batch, generator=generator)
        params["mask"] = mask
        return params

    @abstractmethod
    def _make_params(self, batch: torch.Tensor, *, generator: torch.Generator) -> Params:
        """Draw op-specific parameters for every sample (the mask is applied afterwards)."""

    def apply(self, batch: torch.Tensor, params: Params) -> torch.Tensor:
        """Apply ``params`` to ``batch`` (deterministic); samples whose mask is False pass through."""
        mask = params["mask"]
        if not bool(mask.any()):
            return batch
        out = self._apply(batch, params)
        if bool(mask.all()):
            return out.to(batch.dtype)
        shape = (-1,) + (1,) * (batch.ndim - 1)
        return torch.where(mask.view(shape).to(batch.device), out.to(batch.dtype), batch)

    @abstractmethod
    def _apply(self, batch: torch.Tensor, params: Params) -> torch.Tensor:
        """Transform every sample in ``batch`` with ``params`` (masking is done by ``apply``)."""

    def __call__(
        self, batch: torch.Tensor, *, generator: Seed = None, params: Params | None = None
    ) -> torch.Tensor:
        """Augment ``batch``; pass ``params`` (from ``make_params``) to replay a previous call."""
        _retain_for(batch)
        if params is None:
            params = self.make_params(batch, generator=as_generator(generator))
        else:
            self._check_batch(batch)
        return self.apply(batch, params)

    # ----- helpers ------------------------------------------------------------------------
    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of the output for an input of ``input_shape`` (the same, unless an op resizes)."""
        return tuple(input_shape)

    def _check_batch(self, batch: torch.Tensor) -> None:
        if self.input_ndim == 4:
            check_image_batch("batch", batch)
        else:
            check_signal_batch("batch", batch)

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments, enough to rebuild this augmenter with ``from_config``."""
        sig = inspect.signature(type(self).__init__)
        return {name: getattr(self, name) for name in sig.parameters if name != "self"}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Augmenter:
        """Rebuild from :meth:`get_config` output."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _retain_for(batch: torch.Tensor) -> None:
    """Keep freed allocator blocks once a CPU batch is large enough to be mmapped anew on every
    call (:func:`genaug.memory.retain_freed_memory`; outputs are unchanged)."""
    if isinstance(batch, torch.Tensor) and batch.device.type == "cpu" \
            and batch.numel() * batch.element_size() >= LARGE_BATCH_BYTES:
        retain_freed_memory()
