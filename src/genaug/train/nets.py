"""Small torch classifiers sized from the input shape, with explicit-generator init and dropout.

Every network exposes ``features(x) -> (B, feature_dim)`` (the penultimate layer, used e.g. for
feature-space FID) and ``forward(x) = head(features(x))`` giving logits (B, num_classes).

Nets are built with :func:`build_net`, which constructs the module on the ``meta`` device (so
construction draws nothing from torch's global RNG) and then initialises every parameter from
the given generator. Dropout is :class:`GeneratorDropout`, whose masks come from a generator
set with :func:`set_dropout_generator`, never from the global RNG.

Example:
    >>> import torch
    >>> net = build_net("small_cnn", (1, 8, 8), 10, generator=0)
    >>> net(torch.rand(4, 1, 8, 8)).shape, net.features(torch.rand(4, 1, 8, 8)).shape
    (torch.Size([4, 10]), torch.Size([4, 64]))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

import torch
from torch import nn

from genaug.rng import Seed, as_generator
from genaug.sizing import scaled_width

__all__ = [
    "ARCHITECTURES",
    "CNN1D",
    "MLP",
    "GeneratorDropout",
    "SmallCNN",
    "build_net",
    "cnn1d",
    "init_parameters",
    "mlp",
    "set_dropout_generator",
    "small_cnn",
]

Norm = Literal["batch", "group", "none"]


class GeneratorDropout(nn.Module):
    """Inverted dropout whose masks are drawn from ``self.generator`` (never the global RNG).

    Args:
        p: probability of zeroing an element, in [0, 1).

    Shape:
        any; output has the input's shape. Identity in eval mode or when ``p == 0``.
    """

    def __init__(self, p: float = 0.0) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout must be in [0, 1); got {p!r}")
        self.p = float(p)
        self.generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        if self.generator is None or self.generator.device != x.device:
            # A private, OS-seeded generator: still never the global RNG.
            self.generator = as_generator(None, device=x.device)
        keep = torch.rand(x.shape, generator=self.generator, device=x.device, dtype=x.dtype) >= self.p
        return x * keep / (1.0 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def _norm2d(kind: Norm, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "group":
        return nn.GroupNorm(min(8, channels), channels)
    return nn.Identity()


def _norm1d(kind: Norm, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm1d(channels)
    if kind == "group":
        return nn.GroupNorm(min(8, channels), channels)
    return nn.Identity()


def _check_norm(norm: str) -> None:
    if norm not in ("batch", "group", "none"):
        raise ValueError(f"norm must be one of ['batch', 'group', 'none']; got {norm!r}")


class SmallCNN(nn.Module):
    """Two conv blocks (conv-norm-ReLU x2), max-pool between them, global average pooling.

    Args:
        in_channels: C of the input.
        num_classes: K, the number of logits.
        width: channels of the first block (the second block has ``2 * width``).
        norm: ``"batch"``, ``"group"`` or ``"none"``.
        dropout: dropout before the linear head.

    Shape:
        x: (B, C, H, W) with H, W >= 2; logits (B, K); features (B, 2 * width).
        With ``width=32`` the net has about 66k parameters whatever H and W are.
    """

    def __init__(
        self, in_channels: int, num_classes: int, *, width: int = 32, norm: Norm = "batch",
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        _check_norm(norm)
        w = width
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, w, 3, padding=1, bias=norm == "none"), _norm2d(norm, w), nn.ReLU(),
            nn.Conv2d(w, w, 3, padding=1, bias=norm == "none"), _norm2d(norm, w), nn.ReLU(),
            nn.MaxPool2d(2, ceil_mode=True),
            nn.Conv2d(w, 2 * w, 3, padding=1, bias=norm == "none"), _norm2d(norm, 2 * w), nn.ReLU(),
            nn.Conv2d(2 * w, 2 * w, 3, padding=1, bias=norm == "none"), _norm2d(norm, 2 * w), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.feature_dim = 2 * w
        self.dropout = GeneratorDropout(dropout)
        self.head = nn.Linear(2 * w, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate-layer features, shape (B, 2 * width)."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits, shape (B, num_classes)."""
        return self.head(self.dropout(self.features(x)))


class CNN1D(nn.Module):
    """1-D CNN for signals: conv blocks, max-pool, adaptive max-pool to ``pool_size`` positions.

    Keeping a few positions (instead of a single global pool) preserves coarse location, which
    matters for signals like MNIST-1D.

    Args:
        in_channels: C of the input.
        num_classes: K.
        width: channels of the first block (the second has ``2 * width``).
        kernel_size: odd conv kernel size.
        pool_size: positions kept by the final adaptive max-pool.
        norm: ``"batch"``, ``"group"`` or ``"none"``.
        dropout: dropout before the linear head.

    Shape:
        x: (B, C, T) with T >= 2; logits (B, K); features (B, 2 * width * pool_size).
    """

    def __init__(
        self, in_channels: int, num_classes: int, *, width: int = 32, kernel_size: int = 5,
        pool_size: int = 4, norm: Norm = "batch", dropout: float = 0.1,
    ) -> None:
        super().__init__()
        _check_norm(norm)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be an odd int >= 1; got {kernel_size!r}")
        w, k, pad = width, kernel_size, kernel_size // 2
        self.body = nn.Sequential(
            nn.Conv1d(in_channels, w, k, padding=pad, bias=norm == "none"), _norm1d(norm, w), nn.ReLU(),
            nn.Conv1d(w, w, k, padding=pad, bias=norm == "none"), _norm1d(norm, w), nn.ReLU(),
            nn.MaxPool1d(2, ceil_mode=True),
            nn.Conv1d(w, 2 * w, k, padding=pad, bias=norm == "none"), _norm1d(norm, 2 * w), nn.ReLU(),
            nn.Conv1d(2 * w, 2 * w, k, padding=pad, bias=norm == "none"), _norm1d(norm, 2 * w), nn.ReLU(),
            nn.AdaptiveMaxPool1d(pool_size),
            nn.Flatten(),
        )
        self.feature_dim = 2 * w * pool_size
        self.dropout = GeneratorDropout(dropout)
        self.head = nn.Linear(self.feature_dim, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate-layer features, shape (B, 2 * width * pool_size)."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits, shape (B, num_classes)."""
        return self.head(self.dropout(self.features(x)))


class MLP(nn.Module):
    """Multi-layer perceptron on flattened input (works for any modality with a fixed shape).

    Args:
        in_features: F, the number of input values per sample after flattening.
        num_classes: K.
        hidden: widths of the hidden layers (at least one).
        dropout: dropout after each hidden layer.

    Shape:
        x: (B, ...) with prod(...) == F; logits (B, K); features (B, hidden[-1]).
    """

    def __init__(
        self, in_features: int, num_classes: int, *, hidden: Sequence[int] = (256, 128), dropout: float = 0.1
    ) -> None:
        super().__init__()
        hidden = tuple(int(h) for h in hidden)
        if not hidden or min(hidden) < 1:
            raise ValueError(f"hidden must be a non-empty sequence of ints >= 1; got {hidden!r}")
        layers: list[nn.Module] = [nn.Flatten()]
        prev = in_features
        for h in hidden:
            layers += [nn.Linear(prev, h), nn.ReLU(), GeneratorDropout(dropout)]
            prev = h
        self.body = nn.Sequential(*layers)
        self.feature_dim = prev
        self.head = nn.Linear(prev, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Last hidden layer, shape (B, hidden[-1])."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits, shape (B, num_classes)."""
        return self.head(self.features(x))


def small_cnn(input_shape: Sequence[int], num_classes: int, **kwargs: Any) -> SmallCNN:
    """A :class:`SmallCNN` for images of shape ``(C, H, W)``; ``width`` left out (or None) scales with
    the image size (:func:`genaug.sizing.scaled_width`: 32 up to 32x32, 16 at 64x64 and above)."""
    if len(input_shape) != 3 or min(input_shape[1:]) < 2:
        raise ValueError(f"small_cnn needs input_shape (C, H, W) with H, W >= 2; got {tuple(input_shape)}")
    kwargs["width"] = scaled_width(input_shape, kwargs.get("width"), minimum=16, base_pixels=1024)
    return SmallCNN(int(input_shape[0]), num_classes, **kwargs)


def cnn1d(input_shape: Sequence[int], num_classes: int, **kwargs: Any) -> CNN1D:
    """A :class:`CNN1D` for signals of shape ``(C, T)``."""
    if len(input_shape) != 2 or input_shape[1] < 2:
        raise ValueError(f"cnn1d needs input_shape (C, T) with T >= 2; got {tuple(input_shape)}")
    return CNN1D(int(input_shape[0]), num_classes, **kwargs)


def mlp(input_shape: Sequence[int], num_classes: int, **kwargs: Any) -> MLP:
    """An :class:`MLP` over ``prod(input_shape)`` flattened features."""
    if len(input_shape) < 1:
        raise ValueError(f"mlp needs a non-empty input_shape; got {tuple(input_shape)}")
    return MLP(math.prod(int(s) for s in input_shape), num_classes, **kwargs)


ARCHITECTURES: dict[str, Callable[..., nn.Module]] = {"small_cnn": small_cnn, "cnn1d": cnn1d, "mlp": mlp}


@torch.no_grad()
def init_parameters(module: nn.Module, generator: torch.Generator) -> nn.Module:
    """(Re-)initialise every parameter and buffer of ``module`` deterministically from ``generator``.

    Conv/Linear weights follow PyTorch's default (Kaiming-uniform with ``a=sqrt(5)``, bias
    uniform in ``+-1/sqrt(fan_in)``) but draw from ``generator``; normalisation layers get
    weight 1, bias 0 and reset running statistics.

    Args:
        module: a module built from Conv1d/Conv2d/Linear/BatchNorm/GroupNorm and parameter-free
            layers.
        generator: CPU generator the draws come from.

    Returns:
        ``module`` (modified in place).
    """
    for m in module.modules():
        if isinstance(m, nn.Conv1d | nn.Conv2d | nn.Linear):
            fan_in = m.weight[0].numel()
            bound = 1.0 / math.sqrt(fan_in)
            m.weight.copy_((torch.rand(m.weight.shape, generator=generator) * 2 - 1) * bound)
            if m.bias is not None:
                m.bias.copy_((torch.rand(m.bias.shape, generator=generator) * 2 - 1) * bound)
        elif isinstance(m, nn.modules.batchnorm._NormBase | nn.GroupNorm | nn.LayerNorm):
            m.reset_parameters()
        elif any(True for _ in m.parameters(recurse=False)):
            raise TypeError(f"init_parameters does not know how to initialise {type(m).__name__}")
    return module


def set_dropout_generator(module: nn.Module, generator: torch.Generator | None) -> None:
    """Make every :class:`GeneratorDropout` inside ``module`` draw its masks from ``generator``."""
    for m in module.modules():
        if isinstance(m, GeneratorDropout):
            m.generator = generator


def build_net(
    arch: str, input_shape: Sequence[int], num_classes: int, *, generator: Seed = None,
    device: str | torch.device = "cpu", **kwargs: Any,
) -> nn.Module:
    """Build architecture ``arch`` for samples of ``input_shape`` with parameters drawn from ``generator``.

    The module is constructed on the ``meta`` device, so torch's global RNG is never used.

    Args:
        arch: one of ``ARCHITECTURES`` (``"small_cnn"``, ``"cnn1d"``, ``"mlp"``).
        input_shape: shape of one sample, without the batch dimension.
        num_classes: K, the number of logits.
        generator: seed or generator for the initial weights.
        device: device of the returned module.
        **kwargs: architecture options (e.g. ``width``, ``norm``, ``dropout``, ``hidden``).

    Returns:
        The initialised module, in train mode.
    """
    if arch not in ARCHITECTURES:
        raise ValueError(f"arch must be one of {sorted(ARCHITECTURES)}; got {arch!r}")
    if num_classes < 1:
        raise ValueError(f"num_classes must be >= 1; got {num_classes!r}")
    with torch.device("meta"):
        net = ARCHITECTURES[arch](tuple(int(s) for s in input_shape), int(num_classes), **kwargs)
    net = net.to_empty(device="cpu")
    init_parameters(net, as_generator(generator))
    return net.to(device)
