"""Small neural-network blocks shared by the synthesizers.

Everything here is built so that no global random state is touched: modules are constructed on
the ``meta`` device (no default initialisation runs), materialised with ``to_empty`` and then
initialised from an explicit ``torch.Generator`` by :func:`init_parameters_`. See
:func:`build_module`.

Contents: explicit-generator initialisation, spectral normalisation, an exponential moving
average of weights (:class:`EMA`), sinusoidal embeddings, MLPs, padding helpers and a small UNet
with time and class embeddings that works on images (``dims=2``) and 1-D signals (``dims=1``).
The tabular synthesizers build their networks from the same blocks with :func:`build_module`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from typing import TypeVar

import torch
import torch.nn.functional as F
from torch import nn

M = TypeVar("M", bound=nn.Module)

_CONV = {1: nn.Conv1d, 2: nn.Conv2d}
_CONV_T = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d}
_NORM_TYPES = (nn.GroupNorm, nn.LayerNorm, nn.BatchNorm1d, nn.BatchNorm2d)


# ----- initialisation from an explicit generator ---------------------------------------------
def build_module(
    factory: Callable[[], M], generator: torch.Generator, device: str | torch.device = "cpu"
) -> M:
    """Construct ``factory()`` without touching the global RNG and initialise it from ``generator``.

    Args:
        factory: zero-argument callable returning an ``nn.Module``.
        generator: source of every random number used by the initialisation.
        device: where the parameters live.

    Returns:
        The module, on ``device``, initialised by :func:`init_parameters_`.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> a = build_module(lambda: nn.Linear(3, 2), g)
        >>> b = build_module(lambda: nn.Linear(3, 2), torch.Generator().manual_seed(0))
        >>> torch.equal(a.weight, b.weight)
        True
    """
    with torch.device("meta"):
        module = factory()
    module = module.to_empty(device=device)
    return init_parameters_(module, generator)


def empty_module(factory: Callable[[], M], device: str | torch.device = "cpu") -> M:
    """Construct ``factory()`` with uninitialised storage (to be filled by ``load_state_dict``)."""
    with torch.device("meta"):
        module = factory()
    return module.to_empty(device=device)


@torch.no_grad()
def init_parameters_(module: nn.Module, generator: torch.Generator) -> nn.Module:
    """Initialise every parameter and buffer of ``module`` in place from ``generator``.

    Linear/conv weights and biases follow PyTorch's default (uniform in +-1/sqrt(fan_in)),
    embeddings are N(0, 1), norms are ones/zeros. A submodule may define
    ``init_from_generator_(generator)`` to initialise its own state (it is called after its
    children); a module flagged ``zero_init = True`` gets zero weights and biases.

    Args:
        module: the module to initialise (modified in place).
        generator: the only source of randomness.

    Returns:
        ``module``.

    Raises:
        TypeError: a module holds parameters this function does not know how to initialise.
    """
    for sub in module.modules():
        if isinstance(sub, nn.Linear | nn.Conv1d | nn.Conv2d | nn.ConvTranspose1d | nn.ConvTranspose2d):
            w = sub.weight
            if isinstance(sub, nn.ConvTranspose1d | nn.ConvTranspose2d):
                fan_in = w.shape[0] * math.prod(w.shape[2:])
            else:
                fan_in = math.prod(w.shape[1:])
            bound = 1.0 / math.sqrt(max(fan_in, 1))
            w.uniform_(-bound, bound, generator=_gen_for(w, generator))
            if sub.bias is not None:
                sub.bias.uniform_(-bound, bound, generator=_gen_for(w, generator))
            if getattr(sub, "zero_init", False):
                w.zero_()
                if sub.bias is not None:
                    sub.bias.zero_()
        elif isinstance(sub, nn.Embedding):
            sub.weight.normal_(0.0, 1.0, generator=_gen_for(sub.weight, generator))
        elif isinstance(sub, _NORM_TYPES):
            if getattr(sub, "weight", None) is not None:
                sub.weight.fill_(1.0)
            if getattr(sub, "bias", None) is not None:
                sub.bias.zero_()
            if isinstance(sub, nn.BatchNorm1d | nn.BatchNorm2d) and sub.track_running_stats:
                sub.reset_running_stats()
        elif not hasattr(sub, "init_from_generator_"):
            own = list(sub.parameters(recurse=False))
            if own:
                raise TypeError(
                    f"cannot initialise parameters of {type(sub).__name__}; give it an "
                    "init_from_generator_(generator) method"
                )
    for sub in module.modules():
        hook = getattr(sub, "init_from_generator_", None)
        if hook is not None:
            hook(generator)
    return module


def _gen_for(tensor: torch.Tensor, generator: torch.Generator) -> torch.Generator:
    if tensor.device.type != generator.device.type:
        raise ValueError(
            f"generator lives on {generator.device} but the module on {tensor.device}; "
            "initialise on the generator's device first"
        )
    return generator


# ----- spectral normalisation ---------------------------------------------------------------
class SpectralNorm(nn.Module):
    """Wrap a ``Linear``/``Conv1d``/``Conv2d`` so that its weight is divided by its spectral norm.

    The largest singular value is tracked with one power iteration per training forward pass
    (Miyato et al., 2018); the left singular vector estimate ``u`` is a buffer initialised from
    the generator given to :func:`init_parameters_`.

    Args:
        layer: the layer to normalise.

    Shape:
        Same as ``layer``.
    """

    def __init__(self, layer: nn.Linear | nn.Conv1d | nn.Conv2d) -> None:
        super().__init__()
        self.layer = layer
        self.register_buffer("u", torch.empty(layer.weight.shape[0]))

    @torch.no_grad()
    def init_from_generator_(self, generator: torch.Generator) -> None:
        """Draw the initial singular-vector estimate from ``generator``."""
        u = torch.randn(self.u.shape, generator=generator, device=generator.device)
        self.u.copy_(F.normalize(u, dim=0).to(self.u.device))

    def normalized_weight(self) -> torch.Tensor:
        """The layer weight divided by its current spectral-norm estimate."""
        w = self.layer.weight
        w_mat = w.flatten(1)
        if self.training:
            with torch.no_grad():
                v = F.normalize(w_mat.t() @ self.u, dim=0, eps=1e-12)
                self.u.copy_(F.normalize(w_mat @ v, dim=0, eps=1e-12))
        u = self.u.clone()  # later in-place updates must not touch the autograd graph
        with torch.no_grad():
            v = F.normalize(w_mat.t() @ u, dim=0, eps=1e-12)
        sigma = torch.dot(u, w_mat @ v)
        return w / sigma

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.normalized_weight()
        layer = self.layer
        if isinstance(layer, nn.Linear):
            return F.linear(x, w, layer.bias)
        return layer._conv_forward(x, w, layer.bias)


# ----- exponential moving average ---------------------------------------------------------
class EMA:
    """Exponential moving average of a module's parameters (buffers are copied).

    The effective decay warms up as ``min(decay, (1 + k) / (10 + k))`` after ``k`` updates, so
    short training runs are not dominated by the initial weights.

    Args:
        model: the module being trained.
        decay: the long-run decay in [0, 1).

    Example:
        >>> net = nn.Linear(2, 2)
        >>> ema = EMA(net, decay=0.99)
        >>> ema.update(net)
    """

    def __init__(self, model: nn.Module, decay: float) -> None:
        self.decay = decay
        self.model = copy.deepcopy(model).eval()
        self.model.requires_grad_(False)
        self.updates = 0

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """Move the average towards ``model``'s current weights."""
        self.updates += 1
        d = min(self.decay, (1.0 + self.updates) / (10.0 + self.updates))
        for p_ema, p in zip(self.model.parameters(), model.parameters(), strict=True):
            p_ema.lerp_(p.detach(), 1.0 - d)
        for b_ema, b in zip(self.model.buffers(), model.buffers(), strict=True):
            b_ema.copy_(b)


# ----- embeddings and shape helpers -------------------------------------------------------------
def sinusoidal_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Transformer-style sinusoidal embedding of (possibly fractional) timesteps.

    Args:
        t: timesteps, shape (B,).
        dim: embedding size (even).
        max_period: longest wavelength.

    Returns:
        Tensor of shape (B, dim).
    """
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=1)
    if dim % 2:
        emb = F.pad(emb, (0, 1))
    return emb


def pad_to_multiple(x: torch.Tensor, multiple: int) -> tuple[torch.Tensor, tuple[int, ...]]:
    """Zero-pad the trailing spatial dims of ``x`` (right/bottom) to a multiple of ``multiple``.

    Returns:
        The padded tensor and the original spatial size (for :func:`crop_to`).
    """
    size = tuple(x.shape[2:])
    pads: list[int] = []
    for s in reversed(size):
        pads += [0, (-s) % multiple]
    if any(pads):
        x = F.pad(x, pads)
    return x, size


def crop_to(x: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    """Crop the trailing spatial dims of ``x`` to ``size`` (undo :func:`pad_to_multiple`)."""
    if len(size) == 1:
        return x[..., : size[0]]
    return x[..., : size[0], : size[1]]


def padded_size(size: Sequence[int], multiple: int) -> tuple[int, ...]:
    """``size`` rounded up to a multiple of ``multiple`` in every dimension."""
    return tuple(s + (-s) % multiple for s in size)


def group_norm(channels: int) -> nn.GroupNorm:
    """GroupNorm with up to 8 groups that divide ``channels``."""
    return nn.GroupNorm(math.gcd(channels, 8), channels)


def zero_init(module: M) -> M:
    """Flag ``module`` so that :func:`init_parameters_` gives it zero weights and bias."""
    module.zero_init = True  # type: ignore[assignment]
    return module


# ----- UNet -----------------------------------------------------------------------------------
class ResBlock(nn.Module):
    """Residual block: GroupNorm-SiLU-conv twice, with the embedding added in between.

    Shape:
        x: (B, in_ch, *spatial); emb: (B, emb_dim) -> (B, out_ch, *spatial).
    """

    def __init__(self, dims: int, in_ch: int, out_ch: int, emb_dim: int) -> None:
        super().__init__()
        conv = _CONV[dims]
        self.norm1 = group_norm(in_ch)
        self.conv1 = conv(in_ch, out_ch, 3, padding=1)
        self.emb = nn.Linear(emb_dim, out_ch)
        self.norm2 = group_norm(out_ch)
        self.conv2 = zero_init(conv(out_ch, out_ch, 3, padding=1))
        self.skip = conv(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()
        self._expand = (slice(None), slice(None)) + (None,) * dims

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(F.silu(emb))[self._expand]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class UNet(nn.Module):
    """A small class-conditional UNet for epsilon prediction on images or 1-D signals.

    Class ``num_classes`` (one past the last real class) is the learned *null* label used for
    unconditional prediction (classifier-free guidance, unlabeled data).

    Args:
        dims: 2 for images (B, C, H, W), 1 for signals (B, C, T).
        in_channels: data channels C.
        num_classes: number of real classes K (the embedding has K + 1 rows).
        width: channels at the first level.
        channel_mults: channel multiplier per resolution level; the spatial size is halved
            between levels (inputs are zero-padded to a multiple of ``2 ** (levels - 1)``).
        num_res_blocks: residual blocks per level.

    Shape:
        forward(x (B, C, *spatial), t (B,), y (B,) int in [0, K]) -> (B, C, *spatial).

    Example:
        >>> net = build_module(lambda: UNet(2, 1, 3, width=8, channel_mults=(1, 2)),
        ...                    torch.Generator().manual_seed(0))
        >>> net(torch.zeros(2, 1, 8, 8), torch.tensor([1, 5]), torch.tensor([0, 3])).shape
        torch.Size([2, 1, 8, 8])
    """

    def __init__(
        self,
        dims: int,
        in_channels: int,
        num_classes: int,
        *,
        width: int = 32,
        channel_mults: Sequence[int] = (1, 2, 2),
        num_res_blocks: int = 1,
    ) -> None:
        super().__init__()
        conv = _CONV[dims]
        self.dims = dims
        self.multiple = 2 ** (len(channel_mults) - 1)
        emb_dim = 4 * width
        self.width = width
        self.time_mlp = nn.Sequential(nn.Linear(width, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.class_emb = nn.Embedding(num_classes + 1, emb_dim)
        self.conv_in = conv(in_channels, width, 3, padding=1)
        self.down = nn.ModuleList()
        skips = [width]
        ch = width
        for level, mult in enumerate(channel_mults):
            for _ in range(num_res_blocks):
                self.down.append(ResBlock(dims, ch, width * mult, emb_dim))
                ch = width * mult
                skips.append(ch)
            if level < len(channel_mults) - 1:
                self.down.append(conv(ch, ch, 3, stride=2, padding=1))
                skips.append(ch)
        self.mid1 = ResBlock(dims, ch, ch, emb_dim)
        self.mid2 = ResBlock(dims, ch, ch, emb_dim)
        self.up = nn.ModuleList()
        for level, mult in reversed(list(enumerate(channel_mults))):
            for _ in range(num_res_blocks + 1):
                self.up.append(ResBlock(dims, ch + skips.pop(), width * mult, emb_dim))
                ch = width * mult
            if level > 0:
                self.up.append(
                    nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), conv(ch, ch, 3, padding=1))
                )
        self.norm_out = group_norm(ch)
        self.conv_out = zero_init(conv(ch, in_channels, 3, padding=1))

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        x, size = pad_to_multiple(x, self.multiple)
        emb = self.time_mlp(sinusoidal_embedding(t, self.width)) + self.class_emb(y)
        h = self.conv_in(x)
        hs = [h]
        for block in self.down:
            h = block(h, emb) if isinstance(block, ResBlock) else block(h)
            hs.append(h)
        h = self.mid2(self.mid1(h, emb), emb)
        for block in self.up:
            h = block(torch.cat([h, hs.pop()], dim=1), emb) if isinstance(block, ResBlock) else block(h)
        out = self.conv_out(F.silu(self.norm_out(h)))
        return crop_to(out, size)


def mlp(
    sizes: Sequence[int],
    *,
    activation: Callable[[], nn.Module] = nn.SiLU,
    batchnorm: bool = False,
    final_activation: bool = False,
) -> nn.Sequential:
    """Linear layers ``sizes[0] -> ... -> sizes[-1]`` with ``activation()`` in between.

    Args:
        sizes: layer widths, input first.
        activation: factory of the activation module (SiLU by default).
        batchnorm: put a ``BatchNorm1d`` before each activation.
        final_activation: also activate (and normalise) the last layer's output.

    Shape:
        (B, sizes[0]) -> (B, sizes[-1]).
    """
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2 or final_activation:
            if batchnorm:
                layers.append(nn.BatchNorm1d(b))
            layers.append(activation())
    return nn.Sequential(*layers)


def conv_transpose(dims: int) -> type[nn.Module]:
    """``ConvTranspose1d`` or ``ConvTranspose2d``."""
    return _CONV_T[dims]


def conv(dims: int) -> type[nn.Module]:
    """``Conv1d`` or ``Conv2d``."""
    return _CONV[dims]
