"""Self-supervised pretraining of a classifier's encoder on unlabeled data, and its checkpoint.

:class:`SimCLR` (Chen et al. 2020) trains the ``body`` of a genaug net (``small_cnn``,
``cnn1d``, ``mlp``; the part before the linear head) so that two augmented views of the same
sample are close and views of different samples far apart (NT-Xent loss over a 2-layer MLP
projection head, which is dropped afterwards). The views come from genaug's augmenters: by
default the modality's ``strong_augmenter`` (images: RandAugment + Cutout; signals: strong
shift/scale/noise), applied independently to each copy.

The result is an :class:`EncoderCheckpoint` (``config.json`` + ``weights.safetensors``, no
pickle) that a torch classifier fine-tunes from: ``model: {name: small_cnn, init: <folder>}``
or ``fit(..., init=checkpoint)``, with ``finetune: full`` (every weight trains) or ``linear``
(the encoder is frozen: a linear probe). :meth:`EncoderCheckpoint.load` also takes a saved
genaug classifier folder (the transfer-learning path: start from a model trained elsewhere).

Defaults scaled to genaug's budgets: SimCLR's temperature for CIFAR-10 (0.5), projection to 128
dimensions, batch 256 (SimCLR's smallest reported), AdamW (LARS matters only for huge batches)
with a cosine schedule, ``steps`` of the order of the classifier's own budget.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from genaug.data.labeled import LabeledData
from genaug.rng import Seed, as_generator, derive_seed, draw_seed
from genaug.validation import check_choice, check_int, check_range

__all__ = ["EncoderCheckpoint", "SimCLR", "nt_xent"]

_KIND = "encoder"


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, *, temperature: float) -> torch.Tensor:
    """SimCLR's normalized-temperature cross-entropy over 2B views.

    Args:
        z1, z2: projections of the two views, (B, D); row i of each comes from sample i.
        temperature: softmax temperature (> 0).

    Returns:
        The scalar loss: for each of the 2B views, the cross-entropy of picking its partner
        among the other 2B - 1 views by cosine similarity / temperature.

    Example:
        >>> z = torch.eye(4)
        >>> float(nt_xent(z, z, temperature=0.1)) < float(nt_xent(z, z.roll(1, 0), temperature=0.1))
        True
    """
    if z1.shape != z2.shape or z1.ndim != 2:
        raise ValueError(f"z1 and z2 must both be (B, D); got {tuple(z1.shape)} and {tuple(z2.shape)}")
    b = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.t() / temperature
    sim = sim.masked_fill(torch.eye(2 * b, dtype=torch.bool, device=z.device), float("-inf"))
    target = torch.cat([torch.arange(b, 2 * b), torch.arange(0, b)]).to(z.device)
    return F.cross_entropy(sim, target)


@dataclass
class EncoderCheckpoint:
    """Weights of a net's encoder (``body``) and what is needed to rebuild it.

    Attributes:
        arch: the architecture (``small_cnn``, ``cnn1d``, ``mlp``).
        input_shape: shape of one sample the encoder was built for.
        arch_kwargs: architecture options (``width``, ``hidden``, ...).
        body: the ``body`` state dict (names without the ``body.`` prefix).
        info: how it was made (method, steps, loss curve, seconds, samples seen).
    """

    arch: str
    input_shape: tuple[int, ...]
    arch_kwargs: dict[str, Any]
    body: dict[str, torch.Tensor]
    info: dict[str, Any] = field(default_factory=dict)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write ``config.json`` (``kind: encoder``, arch, shape, options, info) and
        ``weights.safetensors`` into folder ``path``; returns it."""
        from genaug.serialization import save_model_dir

        config = {"kind": _KIND, "arch": self.arch, "input_shape": list(self.input_shape),
                  "arch_kwargs": self.arch_kwargs, "info": self.info}
        return save_model_dir(path, config, {f"body.{k}": v for k, v in self.body.items()})

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Self:
        """Read a folder written by :meth:`save`, or any saved genaug torch classifier folder
        (its encoder is taken; the head is dropped).

        Raises:
            FileNotFoundError: a missing file; genaug.errors.ModelFileError: a bad one;
            ValueError: a saved classifier without an encoder (scikit-learn models).
        """
        from genaug.serialization import CONFIG_NAME, load_model_dir, read_config

        path = Path(path)
        config = read_config(path / CONFIG_NAME)
        if config.get("kind") != _KIND:
            from genaug.train import load_classifier

            clf = load_classifier(path)
            net = getattr(clf, "model_", None)
            if not isinstance(net, nn.Module) or not hasattr(net, "body"):
                raise ValueError(
                    f"{path} holds a {type(clf).__name__}, which has no torch encoder to fine-tune "
                    "from; accepted: an encoder checkpoint or a saved small_cnn/cnn1d/mlp"
                )
            return cls.from_net(clf.arch, clf.input_shape_, clf.arch_kwargs or {}, net,
                                info={"source": str(path), "method": "classifier"})
        _, tensors = load_model_dir(path)
        shape = config.get("input_shape")
        if not isinstance(config.get("arch"), str) or not isinstance(shape, list):
            raise ValueError(f"{path / CONFIG_NAME} must name 'arch' and 'input_shape'; got {config!r}")
        body = {k[5:]: v for k, v in tensors.items() if k.startswith("body.")}
        return cls(arch=config["arch"], input_shape=tuple(int(s) for s in shape),
                   arch_kwargs=dict(config.get("arch_kwargs") or {}), body=body,
                   info=dict(config.get("info") or {}))

    @classmethod
    def from_net(cls, arch: str, input_shape: tuple[int, ...], arch_kwargs: dict[str, Any],
                 net: nn.Module, info: dict[str, Any] | None = None) -> Self:
        """The checkpoint of ``net.body`` (tensors copied to CPU)."""
        body = {k: v.detach().cpu().clone() for k, v in net.body.state_dict().items()}
        return cls(arch=arch, input_shape=tuple(int(s) for s in input_shape),
                   arch_kwargs=dict(arch_kwargs), body=body, info=dict(info or {}))

    def load_into(self, net: nn.Module, *, arch: str, input_shape: tuple[int, ...],
                  arch_kwargs: dict[str, Any]) -> None:
        """Copy the encoder weights into ``net.body``.

        Raises:
            ValueError: ``net`` is another architecture, shape or set of options than the
                checkpoint's (the message names both).
        """
        mine = (self.arch, tuple(self.input_shape), dict(self.arch_kwargs))
        theirs = (arch, tuple(input_shape), dict(arch_kwargs))
        if mine != theirs:
            raise ValueError(
                f"init checkpoint is arch={mine[0]!r}, input_shape={mine[1]}, arch_kwargs={mine[2]}; "
                f"the classifier is arch={theirs[0]!r}, input_shape={theirs[1]}, arch_kwargs={theirs[2]} "
                "(they must match to fine-tune)"
            )
        net.body.load_state_dict(self.body)


def as_checkpoint(init: Any) -> EncoderCheckpoint | None:
    """``init`` (None, a checkpoint, or a folder path) as an :class:`EncoderCheckpoint`."""
    if init is None or isinstance(init, EncoderCheckpoint):
        return init
    if isinstance(init, str | os.PathLike):
        return EncoderCheckpoint.load(init)
    raise TypeError(f"init must be None, an EncoderCheckpoint or a folder path; got {type(init).__name__}")


class SimCLR:
    """Contrastive pretraining of a genaug net's encoder on unlabeled samples.

    Args:
        arch: ``small_cnn``, ``cnn1d`` or ``mlp`` (the classifier that will fine-tune).
        arch_kwargs: its options (must equal the classifier's).
        steps: optimizer steps (>= 1).
        batch_size: samples per step (two views each; capped at the data size).
        lr: peak AdamW learning rate (cosine schedule, 5 % linear warm-up).
        weight_decay: AdamW weight decay.
        temperature: NT-Xent temperature (SimCLR, CIFAR-10: 0.5).
        projection_dim: output size of the 2-layer projection head.
        augment: augmenter config of the views; ``None``: the modality's ``strong_augmenter``.
        device: torch device.
        progress: show a progress bar.

    Attributes:
        checkpoint_: the :class:`EncoderCheckpoint`.
        history_: ``{"loss": [...], "seconds": s, "samples": n}``.

    Example:
        >>> import torch
        >>> data = LabeledData(torch.rand(32, 1, 8, 8), [0, 1] * 16, ("a", "b"), "image")
        >>> ck = SimCLR(steps=2, batch_size=8, arch_kwargs={"width": 4}).fit(data, generator=0).checkpoint_
        >>> ck.arch, ck.input_shape
        ('small_cnn', (1, 8, 8))
    """

    def __init__(self, *, arch: str = "small_cnn", arch_kwargs: dict[str, Any] | None = None,
                 steps: int = 500, batch_size: int = 256, lr: float = 1e-3, weight_decay: float = 1e-4,
                 temperature: float = 0.5, projection_dim: int = 128,
                 augment: dict[str, Any] | list[Any] | None = None, device: str = "cpu",
                 progress: bool = False) -> None:
        self.arch = arch
        self.arch_kwargs = arch_kwargs
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.temperature = temperature
        self.projection_dim = projection_dim
        self.augment = augment
        self.device = device
        self.progress = progress
        from genaug.train.nets import ARCHITECTURES

        check_choice("arch", arch, sorted(ARCHITECTURES))
        check_int("steps", steps, 1)
        check_int("batch_size", batch_size, 2)
        check_int("projection_dim", projection_dim, 1)
        check_range("lr", lr, 0.0, low_inclusive=False)
        check_range("weight_decay", weight_decay, 0.0)
        check_range("temperature", temperature, 0.0, low_inclusive=False)

    def fit(self, data: LabeledData, *, generator: Seed = None) -> Self:
        """Pretrain on the samples of ``data`` (labels are never read).

        Args:
            data: the unlabeled samples (e.g. labeled + pool, labels hidden); at least 2.
            generator: seed of the init, batches, views and dropout.

        Returns:
            ``self`` with ``checkpoint_`` and ``history_``.
        """
        from genaug import ops
        from genaug.modalities import get_modality
        from genaug.train.base import as_tensor
        from genaug.train.nets import build_net, init_parameters, set_dropout_generator
        from genaug.train.torch_classifier import _EpochSampler, _ProgressBar

        if not isinstance(data, LabeledData) or len(data) < 2:
            raise ValueError("SimCLR.fit needs a LabeledData of at least 2 samples to contrast")
        start = time.perf_counter()
        seed = draw_seed(generator)
        dev = torch.device(self.device)
        config = self.augment if self.augment is not None else get_modality(data.modality).strong_augmenter(
            data.sample_shape)
        if config is None:
            raise ValueError(f"modality {data.modality!r} has no strong augmenter for SimCLR views; "
                             "pass augment={'name': ...}")
        views = ops.build_augmenter(config)
        from genaug.memory import retain_freed_memory

        retain_freed_memory()  # two views of a 256-sample batch per step: keep the freed blocks
        x = as_tensor(data.x)
        shape = tuple(int(s) for s in x.shape[1:])
        kwargs = dict(self.arch_kwargs or {})
        net = build_net(self.arch, shape, 2, generator=derive_seed(seed, "init"), device=dev, **kwargs)
        set_dropout_generator(net, as_generator(derive_seed(seed, "dropout"), device=dev))
        d = int(net.feature_dim)
        head = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, self.projection_dim))
        init_parameters(head, as_generator(derive_seed(seed, "head")))
        head = head.to(dev)
        params = [*net.body.parameters(), *head.parameters()]
        opt = torch.optim.AdamW(params, lr=self.lr, weight_decay=self.weight_decay)
        warmup = max(1, int(0.05 * self.steps))

        def factor(step: int) -> float:
            if step < warmup:
                return (step + 1) / warmup
            return 0.5 * (1.0 + np.cos(np.pi * min(1.0, (step - warmup) / max(1, self.steps - warmup))))

        sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
        batches = _EpochSampler(len(x), min(self.batch_size, len(x)),
                                as_generator(derive_seed(seed, "batches")))
        g_views = as_generator(derive_seed(seed, "views"))
        losses: list[float] = []
        net.train()
        with _ProgressBar(self.steps, enabled=self.progress) as bar:
            for _ in range(self.steps):
                xb = x[batches.next()]
                v1, v2 = views(xb, generator=g_views), views(xb, generator=g_views)
                z = head(net.features(torch.cat([v1, v2]).to(dev)))
                loss = nt_xent(*z.chunk(2), temperature=self.temperature)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                losses.append(float(loss.detach()))
                bar.advance()
        set_dropout_generator(net, None)
        seconds = time.perf_counter() - start
        self.history_ = {"loss": losses, "seconds": seconds, "samples": int(len(x))}
        self.checkpoint_ = EncoderCheckpoint.from_net(
            self.arch, shape, kwargs, net,
            info={"method": "simclr", "steps": self.steps, "batch_size": self.batch_size,
                  "temperature": self.temperature, "samples": int(len(x)), "seconds": seconds,
                  "final_loss": float(np.mean(losses[-10:]))})
        return self
