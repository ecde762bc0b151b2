"""Compositions of augmenters: Sequential, OneOf, RandomApply."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from genaug.ops.base import Augmenter, Params
from genaug.registry import register
from genaug.validation import check_range

AugmenterSpec = Augmenter | dict[str, Any]


def _resolve(augmenters: Any) -> list[Augmenter]:
    """Children as Augmenter instances (config dicts are built with :func:`genaug.ops.build`)."""
    from genaug.ops.builder import build

    if isinstance(augmenters, str | bytes | Mapping) or not isinstance(augmenters, Sequence):
        raise TypeError(
            "augmenters must be a list of Augmenter instances or config dicts; "
            f"got {type(augmenters).__name__}"
        )
    if len(augmenters) == 0:
        raise ValueError("augmenters must contain at least one augmenter; got an empty list")
    children = []
    for i, item in enumerate(augmenters):
        child = build(item) if isinstance(item, Mapping | str) else item
        if not isinstance(child, Augmenter):
            raise TypeError(
                f"augmenters[{i}] must be an Augmenter or a config dict naming one; got "
                f"{type(child).__name__} (label mixers such as mixup/cutmix need labels and "
                "cannot be composed with batch augmenters)"
            )
        children.append(child)
    ndims = {c.input_ndim for c in children}
    if len(ndims) > 1:
        raise ValueError(
            "augmenters must all take the same kind of input (images or signals); got "
            + ", ".join(f"{type(c).__name__}: {c.input_ndim}-D" for c in children)
        )
    return children


class _Composition(Augmenter):
    """Holds ``augmenters`` (stored unchanged) and the resolved children in ``_children``."""

    _children: list[Augmenter]

    def _init_children(self, augmenters: Any) -> None:
        self._children = _resolve(augmenters)
        self._input_ndim = self._children[0].input_ndim

    @property
    def children(self) -> list[Augmenter]:
        """The child augmenters (instances), in order."""
        return list(self._children)

    @property  # type: ignore[override]
    def input_ndim(self) -> int:
        """The children's input rank: 4 for images (B, C, H, W), 3 for signals (B, C, T)."""
        return self._input_ndim

    def apply(self, batch: torch.Tensor, params: Params) -> torch.Tensor:
        mask = params["mask"]
        if self.output_shape(tuple(batch.shape)) != tuple(batch.shape) and not bool(mask.all()):
            raise ValueError(
                f"{type(self).__name__} changes the batch shape, so p must be 1 (it cannot leave some "
                f"samples unchanged); got p={self.p}"
            )
        return super().apply(batch, params)


@register("augmenter", "sequential")
class Sequential(_Composition):
    """Apply ``augmenters`` one after the other (each with its own ``p``).

    Args:
        augmenters: Augmenter instances or config dicts (``{"name": "flip", ...}``), applied in order.
        p: probability that a sample goes through the whole sequence (else it is left unchanged).

    Shape:
        The children's input; images (B, C, H, W) or signals (B, C, T). Output as the last child's.

    Example:
        >>> import torch
        >>> seq = Sequential(augmenters=[{"name": "flip"}, {"name": "gaussian_noise", "std": 0.01}])
        >>> seq(torch.rand(4, 3, 8, 8), generator=0).shape
        torch.Size([4, 3, 8, 8])
    """

    def __init__(self, *, augmenters: Sequence[AugmenterSpec], p: float = 1.0) -> None:
        super().__init__(p=p)
        self.augmenters = augmenters
        self._init_children(augmenters)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        shape = tuple(input_shape)
        for child in self._children:
            shape = child.output_shape(shape)
        return shape

    def _make_params(self, batch: torch.Tensor, *, generator: torch.Generator) -> Params:
        children = []
        current = batch
        for child in self._children:
            children.append(child._draw_params(current, generator=generator))  # batch checked once
            shape = child.output_shape(tuple(current.shape))
            if shape != tuple(current.shape):  # later children draw for the resized shape
                current = batch.new_zeros(shape)
        return {"children": children}

    def _apply(self, batch: torch.Tensor, params: Params) -> torch.Tensor:
        from genaug.ops.geometric import Affine, Flip

        out = batch
        children, all_params = self._children, params["children"]
        i = 0
        while i < len(children):
            child, child_params = children[i], all_params[i]
            if isinstance(child, Flip) and i + 1 < len(children) and isinstance(children[i + 1], Affine):
                fused = children[i + 1].apply_after_flip(out, child_params, all_params[i + 1])
                if fused is not None:  # flip + affine in one warp
                    out, i = fused, i + 2
                    continue
            inplace = getattr(child, "apply_inplace", None)
            if inplace is not None and _owned(out, batch):
                # An intermediate result nobody else holds: overwrite it (bit-identical, no new batch).
                result = inplace(out, child_params)
                if result is not None:
                    out, i = result, i + 1
                    continue
            out = child.apply(out, child_params)
            i += 1
        return out

    def __len__(self) -> int:
        return len(self._children)


def apply_uint8(
    augmenter: Augmenter, batch: torch.Tensor, *, generator: Any = None, out: torch.Tensor | None = None
) -> torch.Tensor:
    """Augment a uint8 image batch (0-255) and write the result back as uint8.

    The batch is converted to float in [0, 1] in one pass, augmented (intermediate steps of a
    :class:`Sequential` work in place), and rounded back into ``out`` in two passes
    (``floor(255 * y + 0.5)``). Pass ``out=batch`` to overwrite the input.

    Args:
        augmenter: any image augmenter.
        batch: uint8 tensor (B, C, H, W).
        generator: seed or torch.Generator (as for calling the augmenter).
        out: uint8 tensor of the output's shape to write into (default: a new one).

    Returns:
        The augmented uint8 batch (``out`` when given).

    Example:
        >>> import torch
        >>> x = torch.randint(0, 256, (2, 3, 8, 8), dtype=torch.uint8)
        >>> apply_uint8(Sequential(augmenters=[{"name": "flip", "p": 1.0}]), x, generator=0).equal(x.flip(-1))
        True
    """
    if not isinstance(batch, torch.Tensor) or batch.dtype != torch.uint8:
        got = batch.dtype if isinstance(batch, torch.Tensor) else type(batch).__name__
        raise TypeError(f"batch must be a uint8 torch.Tensor (values 0-255); got {got}")
    x = torch.mul(batch, 1.0 / 255.0)  # one pass: uint8 -> float32 in [0, 1]
    y = augmenter(x, generator=generator)
    if out is None:
        out = torch.empty(y.shape, dtype=torch.uint8, device=y.device)
    elif out.dtype != torch.uint8 or tuple(out.shape) != tuple(y.shape):
        raise ValueError(
            f"out must be a uint8 tensor of shape {tuple(y.shape)}; got {out.dtype} {tuple(out.shape)}"
        )
    # 255 y + 0.5 in one pass, then the cast truncates (y in [0, 1], so this rounds half up).
    return out.copy_(torch.add(torch.full((), 0.5, dtype=y.dtype), y, alpha=255.0, out=y))


def _owned(out: torch.Tensor, batch: torch.Tensor) -> bool:
    """True when ``out`` is a fresh tensor: it shares no memory with the caller's ``batch`` (and
    autograd does not track it, so writing into it cannot break a backward pass)."""
    if out.requires_grad and torch.is_grad_enabled():
        return False
    if out is batch or out.device != batch.device:
        return out is not batch
    return out.untyped_storage().data_ptr() != batch.untyped_storage().data_ptr()


@register("augmenter", "random_apply")
class RandomApply(Sequential):
    """Apply ``augmenters`` in sequence to each sample with probability ``p`` (default 0.5).

    Args:
        augmenters: Augmenter instances or config dicts, applied in order.
        p: probability that a sample goes through the sequence.

    Shape:
        As :class:`Sequential`.

    Example:
        >>> import torch
        >>> aug = RandomApply(augmenters=[{"name": "gaussian_blur"}], p=0.3)
        >>> aug(torch.rand(4, 3, 8, 8), generator=0).shape
        torch.Size([4, 3, 8, 8])
    """

    def __init__(self, *, augmenters: Sequence[AugmenterSpec], p: float = 0.5) -> None:
        super().__init__(augmenters=augmenters, p=p)


@register("augmenter", "one_of")
class OneOf(_Composition):
    """Apply exactly one of ``augmenters`` to each sample, chosen at random per sample.

    Args:
        augmenters: Augmenter instances or config dicts; they must keep the batch shape.
        weights: relative choice weights (>= 0, not all 0), one per augmenter; ``None``: uniform.
        p: probability that a sample is augmented at all.

    Shape:
        The children's input; images (B, C, H, W) or signals (B, C, T) -> same shape and dtype.

    Example:
        >>> import torch
        >>> aug = OneOf(augmenters=[{"name": "gaussian_blur"}, {"name": "gaussian_noise"}])
        >>> aug(torch.rand(4, 3, 8, 8), generator=0).shape
        torch.Size([4, 3, 8, 8])
    """

    def __init__(
        self,
        *,
        augmenters: Sequence[AugmenterSpec],
        weights: Sequence[float] | None = None,
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        self.augmenters = augmenters
        self.weights = weights
        self._init_children(augmenters)
        self._weights = _check_weights(weights, len(self._children))

    def _make_params(self, batch: torch.Tensor, *, generator: torch.Generator) -> Params:
        b = batch.shape[0]
        choice = torch.multinomial(self._weights, b, replacement=True, generator=generator)
        children: list[Params | None] = []
        for k, child in enumerate(self._children):
            idx = torch.nonzero(choice == k).flatten()
            if idx.numel() == 0:
                children.append(None)
                continue
            shape = tuple(batch[:1].shape)
            if child.output_shape(shape) != shape:
                raise ValueError(
                    f"augmenters[{k}] ({type(child).__name__}) changes the batch shape; OneOf needs "
                    "shape-preserving augmenters"
                )
            children.append(child._draw_params(batch[idx.to(batch.device)], generator=generator))
        return {"choice": choice, "children": children}

    def _apply(self, batch: torch.Tensor, params: Params) -> torch.Tensor:
        out = batch.clone()
        choice = params["choice"]
        for k, (child, child_params) in enumerate(zip(self._children, params["children"], strict=True)):
            if child_params is None:
                continue
            idx = torch.nonzero(choice == k).flatten().to(batch.device)
            out[idx] = child.apply(batch[idx], child_params)
        return out


def _check_weights(weights: Any, n: int) -> torch.Tensor:
    if weights is None:
        return torch.ones(n)
    if isinstance(weights, str) or not isinstance(weights, Sequence) or len(weights) != n:
        raise ValueError(
            f"weights must be None or a list of {n} numbers (one per augmenter); got {weights!r}"
        )
    values = [check_range(f"weights[{i}]", w, 0.0) for i, w in enumerate(weights)]
    if sum(values) <= 0:
        raise ValueError(f"weights must not all be 0; got {weights!r}")
    return torch.tensor(values, dtype=torch.float64)
