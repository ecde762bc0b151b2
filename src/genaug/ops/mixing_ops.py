"""Label-mixing augmenters (MixUp, CutMix): they transform inputs and soft labels together.

Unlike :class:`~genaug.ops.base.Augmenter`, a :class:`LabelMixer` takes the soft labels too:
``mixer(x, y_soft, generator=...) -> (x, y_soft)``. Use :func:`one_hot` to turn int labels
into soft labels.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import torch
from torch import Tensor

from genaug.ops.base import Params
from genaug.ops.functional import image as F
from genaug.registry import register
from genaug.rng import Seed, as_generator, numpy_rng
from genaug.validation import all_finite, check_image_batch, check_int, check_probability, check_range


def one_hot(y: Tensor | Any, num_classes: int, *, dtype: torch.dtype = torch.float32) -> Tensor:
    """Int labels (B,) -> float one-hot soft labels (B, num_classes).

    Example:
        >>> one_hot(torch.tensor([0, 2]), 3).tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    check_int("num_classes", num_classes, 1)
    y = torch.as_tensor(y, dtype=torch.long)
    if y.ndim != 1:
        raise ValueError(f"y must have shape (B,); got shape {tuple(y.shape)}")
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= num_classes):
        raise ValueError(
            f"y must hold labels in [0, {num_classes - 1}]; got min {int(y.min())}, max {int(y.max())}"
        )
    return torch.nn.functional.one_hot(y, num_classes).to(dtype)


class LabelMixer(ABC):
    """Base class of augmenters that mix pairs of samples and their soft labels.

    Each sample ``i`` is paired with sample ``index[i]`` (a random permutation) and, with
    probability ``p``, mixed with weight ``lam[i] ~ Beta(alpha, alpha)`` drawn per sample; the
    label becomes ``lam * y[i] + (1 - lam) * y[index[i]]`` where ``lam`` is the share of the
    sample that is still its own. Randomness lives in ``make_params``; ``apply`` is
    deterministic, and ``params`` replays a call exactly.

    Args:
        alpha: Beta distribution concentration, > 0 (small: mostly light mixing).
        p: probability that a sample is mixed.

    Shape:
        x: (B, ...) float; y_soft: (B, K) float probabilities. Outputs have the same shapes.

    Example:
        >>> import torch
        >>> mixer = MixUp(alpha=0.2)
        >>> x, y = torch.rand(4, 1, 8, 8), one_hot(torch.tensor([0, 1, 0, 1]), 2)
        >>> params = mixer.make_params(x, generator=as_generator(0))
        >>> x1, y1 = mixer(x, y, params=params)
        >>> torch.equal(mixer(x, y, params=params)[1], y1)
        True
    """

    input_ndim: ClassVar[int | None] = None  # any rank >= 2

    def __init__(self, *, alpha: float = 1.0, p: float = 1.0) -> None:
        self.alpha = alpha
        self.p = p
        check_range("alpha", alpha, 0.0, low_inclusive=False)
        check_probability("p", p)

    def make_params(self, x: Tensor, *, generator: torch.Generator) -> Params:
        """Draw the partner permutation, mixing weights and mask for batch ``x``."""
        self._check_x(x)
        b = x.shape[0]
        mask = torch.rand(b, generator=generator) < self.p
        index = torch.randperm(b, generator=generator)
        lam = torch.from_numpy(numpy_rng(generator).beta(self.alpha, self.alpha, size=b)).float()
        params: Params = {"mask": mask, "index": index, "lam": torch.where(mask, lam, torch.ones(b))}
        params.update(self._make_params(x, params, generator=generator))
        return params

    def _make_params(self, x: Tensor, params: Params, *, generator: torch.Generator) -> Params:
        """Extra op-specific draws (``params`` holds mask, index and lam already)."""
        return {}

    @abstractmethod
    def apply(self, x: Tensor, y_soft: Tensor, params: Params) -> tuple[Tensor, Tensor]:
        """Mix ``x`` and ``y_soft`` with ``params`` (deterministic)."""

    def __call__(
        self, x: Tensor, y_soft: Tensor, *, generator: Seed = None, params: Params | None = None
    ) -> tuple[Tensor, Tensor]:
        """Mix a batch and its soft labels; pass ``params`` (from ``make_params``) to replay."""
        if params is None:
            params = self.make_params(x, generator=as_generator(generator))
        else:
            self._check_x(x)
        self._check_y(x, y_soft)
        return self.apply(x, y_soft, params)

    # ----- helpers ------------------------------------------------------------------------
    def _check_x(self, x: Any) -> None:
        if not isinstance(x, Tensor):
            raise TypeError(f"x must be a torch.Tensor of shape (B, ...); got {type(x).__name__}")
        if x.ndim < 2 or not torch.is_floating_point(x):
            raise ValueError(f"x must be a floating tensor of shape (B, ...); got {x.dtype} {tuple(x.shape)}")
        if not all_finite(x):
            raise ValueError("x contains NaN or infinite values")

    @staticmethod
    def _check_y(x: Tensor, y_soft: Any) -> None:
        if not isinstance(y_soft, Tensor) or not torch.is_floating_point(y_soft):
            raise TypeError(
                "y_soft must be a float tensor (B, K) of class probabilities (see one_hot); got "
                f"{getattr(y_soft, 'dtype', type(y_soft).__name__)}"
            )
        if y_soft.ndim != 2 or y_soft.shape[0] != x.shape[0]:
            raise ValueError(
                f"y_soft must have shape (B, K) with B = {x.shape[0]}; got {tuple(y_soft.shape)}"
            )

    @staticmethod
    def _mix_labels(y_soft: Tensor, index: Tensor, lam: Tensor) -> Tensor:
        w = lam.to(device=y_soft.device, dtype=y_soft.dtype).view(-1, 1)
        return w * y_soft + (1.0 - w) * y_soft[index.to(y_soft.device)]

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments, enough to rebuild this mixer with ``from_config``."""
        sig = inspect.signature(type(self).__init__)
        return {name: getattr(self, name) for name in sig.parameters if name != "self"}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LabelMixer:
        """Rebuild from :meth:`get_config` output."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@register("label_mixer", "mixup")
class MixUp(LabelMixer):
    """MixUp (Zhang et al. 2018): convex blends of sample pairs and of their labels.

    ``x[i] <- lam[i] * x[i] + (1 - lam[i]) * x[index[i]]`` with a per-sample ``lam ~ Beta(alpha, alpha)``;
    labels are blended with the same weight. Works on any batch-first float tensor.

    Args:
        alpha: Beta concentration, > 0.
        p: probability that a sample is mixed.

    Shape:
        x: (B, ...) float; y_soft: (B, K). Returns the same shapes.

    Example:
        >>> import torch
        >>> x, y = torch.rand(4, 1, 8, 8), one_hot(torch.tensor([0, 1, 2, 0]), 3)
        >>> x2, y2 = MixUp(alpha=0.4)(x, y, generator=0)
        >>> torch.allclose(y2.sum(1), torch.ones(4))
        True
    """

    def __init__(self, *, alpha: float = 0.2, p: float = 1.0) -> None:
        super().__init__(alpha=alpha, p=p)

    def apply(self, x: Tensor, y_soft: Tensor, params: Params) -> tuple[Tensor, Tensor]:
        index = params["index"].to(x.device)
        x_out = F.blend(x, x[index], params["lam"]).to(x.dtype)
        return x_out, self._mix_labels(y_soft, params["index"], params["lam"])


@register("label_mixer", "cutmix")
class CutMix(LabelMixer):
    """CutMix (Yun et al. 2019): paste a random box from a partner image; labels by area.

    The box covers about ``1 - lam`` of the image (``lam ~ Beta(alpha, alpha)`` per sample), is
    centred uniformly at random and clipped to the image; the label weight of the partner is
    the exact pasted area fraction after clipping (``params["lam"]`` holds the corrected value).

    Args:
        alpha: Beta concentration, > 0.
        p: probability that a sample gets a box pasted.

    Shape:
        x: (B, C, H, W) float in [0, 1]; y_soft: (B, K). Returns the same shapes.

    Example:
        >>> import torch
        >>> x, y = torch.rand(4, 3, 8, 8), one_hot(torch.tensor([0, 1, 2, 0]), 3)
        >>> x2, y2 = CutMix()(x, y, generator=0)
        >>> x2.shape, y2.shape
        (torch.Size([4, 3, 8, 8]), torch.Size([4, 3]))
    """

    input_ndim: ClassVar[int | None] = 4

    def __init__(self, *, alpha: float = 1.0, p: float = 1.0) -> None:
        super().__init__(alpha=alpha, p=p)

    def _check_x(self, x: Any) -> None:
        check_image_batch("x", x)

    def _make_params(self, x: Tensor, params: Params, *, generator: torch.Generator) -> Params:
        b, _, h, w = x.shape
        cut = torch.sqrt(1.0 - params["lam"])
        ch, cw = (cut * h).round().long(), (cut * w).round().long()
        centre = torch.rand((b, 2), generator=generator)
        cy, cx = (centre[:, 0] * h).floor().long(), (centre[:, 1] * w).floor().long()
        y0, y1 = (cy - ch // 2).clamp(0, h), (cy - ch // 2 + ch).clamp(0, h)
        x0, x1 = (cx - cw // 2).clamp(0, w), (cx - cw // 2 + cw).clamp(0, w)
        box = torch.stack([y0, x0, y1, x1], dim=-1)
        box = torch.where(params["mask"].view(-1, 1), box, torch.zeros_like(box))
        area = ((box[:, 2] - box[:, 0]) * (box[:, 3] - box[:, 1])).float() / (h * w)
        return {"box": box, "lam": 1.0 - area}

    def apply(self, x: Tensor, y_soft: Tensor, params: Params) -> tuple[Tensor, Tensor]:
        index = params["index"].to(x.device)
        x_out = F.paste(x, x[index], params["box"])
        return x_out, self._mix_labels(y_soft, params["index"], params["lam"])
