"""``TorchClassifier``: a fixed-step-budget trainer for the small nets, with val-based model selection.

Registered models: ``"small_cnn"`` (images), ``"cnn1d"`` (signals), ``"mlp"`` (anything, flattened).

Randomness: ``fit(generator=...)`` draws one seed and derives independent streams from it for the
initial weights, the batch order, the augmenter, the mixer and dropout. So two fits with the same
seed but different augmenters start from the same weights and see the same batches (paired
comparisons), and the global torch RNG is never touched.
"""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, Literal, Self

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from genaug.data.labeled import LabeledData
from genaug.data.tabular import TableEncoder, table_encoder
from genaug.modalities import get_modality
from genaug.registry import register
from genaug.rng import Seed, as_generator, derive_seed, draw_seed
from genaug.serialization import TensorSpec
from genaug.train import metrics
from genaug.train.base import BaseClassifier, as_tensor, check_fit_data, sample_weights
from genaug.train.nets import ARCHITECTURES, CNN1D, MLP, SmallCNN, build_net, set_dropout_generator
from genaug.validation import check_choice, check_int, check_range

__all__ = ["CNN1DClassifier", "MLPNetClassifier", "SmallCNNClassifier", "TorchClassifier"]

Schedule = Literal["cosine", "constant"]
Finetune = Literal["full", "linear"]
Augment = Callable[..., torch.Tensor]
Mixer = Callable[..., tuple[torch.Tensor, torch.Tensor]]

_ARCH_CLASSES: dict[str, type[nn.Module]] = {"small_cnn": SmallCNN, "cnn1d": CNN1D, "mlp": MLP}
_WARMUP_FRACTION = 0.05


class TorchClassifier(BaseClassifier):
    """Train a small torch net for a fixed number of optimizer steps; keep the best-on-val weights.

    AdamW with a cosine schedule (linear warm-up over the first 5% of steps) or a constant rate.
    Batches are drawn as consecutive epoch permutations from the fit generator. Each batch is
    augmented on the fly by ``augmenter(xb, generator=g)``, then optionally mixed by
    ``mixer(xb, y_soft, generator=g) -> (xb, y_soft)``; the loss is the soft-target cross-entropy
    (label smoothing applied to the targets), weighted per sample by ``train.meta["weight"]``
    (scaled to mean 1 over the train set; a mixed sample keeps the weight of the sample at its
    position). Tabular inputs are standardised per feature with train statistics; a table's
    categorical columns are one-hot encoded first (:class:`~genaug.data.tabular.TableEncoder`,
    fitted on the training rows, saved with the model; augmenters and mixers still see the
    category codes), and only the numeric columns are standardised.

    Every ``eval_every`` steps (and at the last step) the val accuracy and NLL are recorded; the
    weights with the highest val accuracy (ties: lowest val NLL; then earliest) are restored at
    the end. Without val, the final weights are kept.

    Two optional extras use unlabeled data: ``fit(unlabeled=pool, consistency=FixMatch(...))``
    adds FixMatch/UDA consistency training on the pool to every step
    (:mod:`genaug.train.semi`), and ``init`` (an :class:`~genaug.train.pretrain.EncoderCheckpoint`
    or its folder, e.g. from SimCLR pretraining, or a saved torch classifier) starts the encoder
    from pretrained weights, fine-tuned fully or frozen (``finetune="linear"``, a linear probe).

    Args:
        arch: ``"small_cnn"`` (B, C, H, W), ``"cnn1d"`` (B, C, T) or ``"mlp"`` (any shape).
        steps: optimizer steps (>= 1).
        batch_size: samples per step (>= 1; capped at the train size).
        lr: peak learning rate (> 0).
        weight_decay: AdamW decoupled weight decay (>= 0).
        eval_every: steps between validations (>= 1).
        label_smoothing: in [0, 1).
        schedule: ``"cosine"`` or ``"constant"``.
        device: torch device for training and inference.
        progress: show a rich progress bar.
        progress_callback: called with each history record (a dict) as it is made.
        arch_kwargs: options of the architecture (e.g. ``{"width": 16, "dropout": 0.1}``).
        init: folder of an encoder checkpoint (or of a saved torch classifier of the same arch)
            to start the encoder from; ``None``: random init. ``fit(init=...)`` overrides it.
        finetune: with an init, ``"full"`` trains every weight, ``"linear"`` freezes the
            encoder (batch-norm statistics included) and trains only the head.

    Attributes:
        model_: the trained ``nn.Module`` (eval mode).
        classes_: class names, the columns of ``predict_proba``.
        input_shape_: shape of one sample.
        history_: list of ``{"step", "train_loss", "lr", "val_acc", "val_nll"}`` dicts (with
            consistency training also ``"unlabeled_loss"`` and ``"mask_rate"``, the share of
            pool samples above the confidence threshold).
        best_step_: step whose weights were restored (``steps`` without val).
        best_val_acc_: val accuracy at ``best_step_`` (None without val).
        fit_seconds_: wall-clock seconds of ``fit``.
        n_params_: number of trainable parameters.
        seed_: the int seed drawn from ``generator`` (all randomness of the fit derives from it).
        encoder_: the one-hot :class:`~genaug.data.tabular.TableEncoder` of a table's categorical
            columns (the net's input is its output), or None.

    Example:
        >>> clf = TorchClassifier(arch="mlp", steps=50).fit(train, val, generator=0)  # doctest: +SKIP
        >>> clf.predict_proba(test).shape  # doctest: +SKIP
        (len(test), train.num_classes)
    """

    _not_saved: ClassVar[tuple[str, ...]] = ("progress_callback",)

    def __init__(
        self,
        *,
        arch: str = "small_cnn",
        steps: int = 500,
        batch_size: int = 64,
        lr: float = 3e-3,
        weight_decay: float = 5e-4,
        eval_every: int = 25,
        label_smoothing: float = 0.0,
        schedule: Schedule = "cosine",
        device: str = "cpu",
        progress: bool = False,
        progress_callback: Callable[[dict[str, Any]], None] | None = None,
        arch_kwargs: dict[str, Any] | None = None,
        init: str | None = None,
        finetune: Finetune = "full",
    ) -> None:
        self.arch = arch
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.eval_every = eval_every
        self.label_smoothing = label_smoothing
        self.schedule = schedule
        self.device = device
        self.progress = progress
        self.progress_callback = progress_callback
        self.arch_kwargs = arch_kwargs
        self.init = init
        self.finetune = finetune
        self._validate_params()

    def _validate_params(self) -> None:
        check_choice("arch", self.arch, sorted(ARCHITECTURES))
        check_int("steps", self.steps, 1)
        check_int("batch_size", self.batch_size, 1)
        check_range("lr", self.lr, 0.0, low_inclusive=False)
        check_range("weight_decay", self.weight_decay, 0.0)
        check_int("eval_every", self.eval_every, 1)
        check_range("label_smoothing", self.label_smoothing, 0.0, 1.0, high_inclusive=False)
        check_choice("schedule", self.schedule, ["cosine", "constant"])
        check_choice("finetune", self.finetune, ["full", "linear"])
        if self.init is not None and not isinstance(self.init, str):
            raise TypeError(f"init must be a checkpoint folder path or None; got {type(self.init).__name__}")
        try:
            torch.device(self.device)
        except (RuntimeError, TypeError):
            raise ValueError(
                f"device must name a torch device such as 'cpu' or 'cuda'; got {self.device!r}"
            ) from None
        if not isinstance(self.progress, bool):
            raise TypeError(f"progress must be a bool; got {self.progress!r}")
        if self.progress_callback is not None and not callable(self.progress_callback):
            raise TypeError(f"progress_callback must be callable or None; got {self.progress_callback!r}")
        if self.arch_kwargs is not None:
            if not isinstance(self.arch_kwargs, dict):
                raise TypeError(f"arch_kwargs must be a dict or None; got {type(self.arch_kwargs).__name__}")
            sig = inspect.signature(_ARCH_CLASSES[self.arch].__init__)
            allowed = [n for n, p in sig.parameters.items() if p.kind is p.KEYWORD_ONLY]
            unknown = sorted(set(self.arch_kwargs) - set(allowed))
            if unknown:
                raise ValueError(
                    f"arch_kwargs has unknown keys {unknown} for arch {self.arch!r}; accepted: {allowed}"
                )

    # ----- training -----------------------------------------------------------------------
    def fit(
        self,
        train: LabeledData,
        val: LabeledData | None = None,
        *,
        augmenter: Augment | None = None,
        mixer: Mixer | None = None,
        batch_sampler: Any = None,
        generator: Seed = None,
        unlabeled: LabeledData | None = None,
        consistency: Any = None,
        init: Any = None,
        finetune: Finetune | None = None,
    ) -> Self:
        """Train on ``train``, selecting the best weights on ``val``.

        Args:
            train: labeled training data (at least two classes; optional ``meta["weight"]``).
            val: validation data with the same class_names, or None (no model selection).
            augmenter: ``augmenter(xb, generator=g) -> xb`` applied to each batch, same shape.
            mixer: ``mixer(xb, y_soft, generator=g) -> (xb, y_soft)``, y_soft float (B, K).
            batch_sampler: where each step's batch indices into ``train`` come from, replacing
                the shuffled epochs of ``batch_size``: an object with ``batch_indices(step)``
                (0-based, e.g. :class:`genaug.mixing.MixedBatchSampler` for a real-only warm-up
                then mixed batches; asked for steps ``0 .. steps-1``) or any iterable of index
                batches (a torch batch sampler; restarted when exhausted).
            generator: seed or generator; all randomness of the fit derives from it.
            unlabeled: pool samples (labels ignored) for ``consistency`` training.
            consistency: a :class:`genaug.train.semi.FixMatch` (or its options as a dict):
                each step also draws ``ratio * batch_size`` pool samples and adds the
                consistency loss between their weak and strong views.
            init: an :class:`~genaug.train.pretrain.EncoderCheckpoint` or folder to start the
                encoder from (overrides the constructor's ``init``).
            finetune: ``"full"`` or ``"linear"``, overriding the constructor's ``finetune``.

        Returns:
            self, fitted.
        """
        from genaug.train.pretrain import as_checkpoint
        from genaug.train.semi import as_consistency

        self._validate_params()
        check_fit_data(train, val)
        consistency = as_consistency(consistency)
        checkpoint = as_checkpoint(init if init is not None else self.init)
        if finetune is None:
            finetune = self.finetune
        check_choice("finetune", finetune, ["full", "linear"])
        if consistency is not None:
            if not isinstance(unlabeled, LabeledData) or len(unlabeled) == 0:
                raise ValueError(
                    "consistency training needs a non-empty unlabeled pool: fit(..., unlabeled=pool)")
            if unlabeled.modality != train.modality or unlabeled.sample_shape != train.sample_shape:
                raise ValueError(
                    f"unlabeled must have the modality and sample shape of train ({train.modality} "
                    f"{train.sample_shape}); got {unlabeled.modality} {unlabeled.sample_shape}"
                )
            consistency.bind(train.modality, train.sample_shape)
        elif unlabeled is not None:
            raise ValueError("unlabeled is used only by consistency training; pass consistency= too")
        for name, fn in (("augmenter", augmenter), ("mixer", mixer)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{name} must be callable or None; got {type(fn).__name__}")
        start = time.perf_counter()
        device = torch.device(self.device)
        seed = draw_seed(generator)
        streams = {k: as_generator(derive_seed(seed, k)) for k in ("init", "batches", "augment", "mix")}
        dropout_gen = as_generator(derive_seed(seed, "dropout"), device=device)

        x = as_tensor(train.x)
        y = torch.as_tensor(train.y, dtype=torch.long)
        n, k = len(y), train.num_classes
        input_shape = tuple(int(s) for s in x.shape[1:])
        encoder = table_encoder(train, "onehot")
        self.encoder_ = None if encoder is None else encoder.fit(x.reshape(n, -1).double().numpy())
        net_shape = self._net_shape(input_shape)
        self._set_normalization(x, train.modality)
        weights = sample_weights(train)
        w_all = None if weights is None else torch.as_tensor(weights, dtype=torch.float32)
        x_val = None if val is None else as_tensor(val.x)

        net = build_net(
            self.arch, net_shape, k, generator=streams["init"], device=device, **(self.arch_kwargs or {})
        )
        frozen = False
        if checkpoint is not None:
            checkpoint.load_into(net, arch=self.arch, input_shape=net_shape,
                                 arch_kwargs=self.arch_kwargs or {})
            if finetune == "linear":
                net.body.requires_grad_(False)
                frozen = True
        ema = None
        if consistency is not None and consistency.ema_decay is not None:
            from genaug.synth.nn import EMA

            ema = EMA(net, consistency.ema_decay)
        set_dropout_generator(net, dropout_gen)
        trainable = [p for p in net.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(trainable, lr=self.lr, weight_decay=self.weight_decay)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, self._lr_factor)
        batches = (_EpochSampler(n, min(self.batch_size, n), streams["batches"]) if batch_sampler is None
                   else _ExternalBatches(batch_sampler, n))
        pool = None
        if consistency is not None and unlabeled is not None:
            pool = as_tensor(unlabeled.x)
            semi = {key: as_generator(derive_seed(seed, key)) for key in ("unlabeled", "weak", "strong")}
            u_size = consistency.ratio * min(self.batch_size, n)
            u_batches = _EpochSampler(len(pool), u_size, semi["unlabeled"])
        u_losses: list[float] = []
        masks: list[float] = []

        history: list[dict[str, Any]] = []
        best: tuple[float, float] | None = None
        best_state: dict[str, torch.Tensor] | None = None
        best_step = self.steps
        losses: list[float] = []
        bar = _ProgressBar(self.steps, enabled=self.progress)
        with bar:
            for step in range(1, self.steps + 1):
                net.train()
                if frozen:
                    net.body.eval()  # a linear probe keeps the encoder's batch-norm statistics
                idx = batches.next()
                xb, y_soft = x[idx], F.one_hot(y[idx], k).to(torch.float32)
                if augmenter is not None:
                    xb = _check_augmented(augmenter(xb, generator=streams["augment"]), xb.shape)
                if mixer is not None:
                    xb, y_soft = _check_mixed(mixer(xb, y_soft, generator=streams["mix"]), xb.shape, k)
                if self.label_smoothing:
                    y_soft = y_soft * (1.0 - self.label_smoothing) + self.label_smoothing / k
                if pool is None:
                    logits = net(self._normalize(xb).to(device))
                else:  # labeled batch and both pool views in one pass (batch-norm sees all)
                    xu = pool[u_batches.next()]
                    xw = _check_augmented(consistency.weak_(xu, generator=semi["weak"]), xu.shape)
                    xs = _check_augmented(consistency.strong_(xu, generator=semi["strong"]), xu.shape)
                    parts = [xb, xs] if ema is not None else [xb, xw, xs]
                    out = net(self._normalize(torch.cat(parts)).to(device))
                    logits, logits_s = out[: len(xb)], out[-len(xu):]
                    if ema is not None:
                        with torch.no_grad():
                            logits_w = ema.model(self._normalize(xw).to(device))
                    else:
                        logits_w = out[len(xb): len(xb) + len(xu)]
                    loss_u, mask = consistency.loss(logits_w, logits_s)
                    u_losses.append(float(loss_u.detach()))
                    masks.append(float(mask.mean()))
                per_sample = -(y_soft.to(device) * F.log_softmax(logits, dim=1)).sum(dim=1)
                if w_all is not None:
                    per_sample = per_sample * w_all[idx].to(device)
                loss = per_sample.mean()
                if pool is not None:
                    loss = loss + loss_u
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                scheduler.step()
                if ema is not None:
                    ema.update(net)
                losses.append(float(loss.detach()))

                if step % self.eval_every == 0 or step == self.steps:
                    record: dict[str, Any] = {
                        "step": step,
                        "train_loss": float(np.mean(losses)),
                        "lr": float(optimizer.param_groups[0]["lr"]),
                        "val_acc": None,
                        "val_nll": None,
                    }
                    losses = []
                    if pool is not None:
                        record["unlabeled_loss"] = float(np.mean(u_losses))
                        record["mask_rate"] = float(np.mean(masks))
                        u_losses, masks = [], []
                    kept = net if ema is None else ema.model  # the EMA teacher is the model kept
                    if val is not None and x_val is not None:
                        probs = self._proba(kept, x_val, device)
                        acc, loss_val = metrics.accuracy(probs, val.y), metrics.nll(probs, val.y)
                        record["val_acc"], record["val_nll"] = acc, loss_val
                        if best is None or acc > best[0] or (acc == best[0] and loss_val < best[1]):
                            best, best_step = (acc, loss_val), step
                            best_state = {name: t.detach().clone() for name, t in kept.state_dict().items()}
                    history.append(record)
                    if self.progress_callback is not None:
                        self.progress_callback(dict(record))
                    bar.set_record(record)
                bar.advance()

        if ema is not None:
            net.load_state_dict(ema.model.state_dict())
        if best_state is not None:
            net.load_state_dict(best_state)
        net.requires_grad_(True)
        net.eval()
        set_dropout_generator(net, None)
        self.model_ = net
        self.classes_ = train.class_names
        self.input_shape_ = input_shape
        self.modality_ = train.modality
        self.history_ = history
        self.best_step_ = best_step
        self.best_val_acc_ = None if best is None else best[0]
        self.n_params_ = int(sum(p.numel() for p in net.parameters() if p.requires_grad))
        self.seed_ = seed
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def _lr_factor(self, step: int) -> float:
        """Multiplier of ``lr`` after ``step`` scheduler steps."""
        if self.schedule == "constant":
            return 1.0
        warmup = max(1, int(_WARMUP_FRACTION * self.steps))
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, self.steps - warmup))
        return 0.5 * (1.0 + math.cos(math.pi * progress))

    def _net_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of one net input: ``input_shape``, or the encoded width of a table."""
        encoder = getattr(self, "encoder_", None)
        return input_shape if encoder is None else (encoder.n_features_out_,)

    def _encode(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` with a table's categorical columns one-hot encoded (see ``encoder_``)."""
        encoder = getattr(self, "encoder_", None)
        if encoder is None:
            return x
        out = encoder.transform(x.detach().reshape(len(x), -1).cpu().double().numpy())
        return torch.from_numpy(out).to(device=x.device, dtype=torch.float32)

    def _set_normalization(self, x: torch.Tensor, modality: str) -> None:
        if get_modality(modality).standardize_inputs:
            x = self._encode(x)
            self.input_mean_ = x.mean(dim=0)
            self.input_std_ = x.std(dim=0, unbiased=False).clamp_min(1e-6)
            if self.encoder_ is not None:  # one-hot columns stay 0/1
                onehot = torch.as_tensor(~self.encoder_.numeric_mask_)
                self.input_mean_[onehot], self.input_std_[onehot] = 0.0, 1.0
        else:
            self.input_mean_ = None
            self.input_std_ = None

    def _normalize(self, x: torch.Tensor) -> torch.Tensor:
        x = self._encode(x)
        if self.input_mean_ is None or self.input_std_ is None:
            return x
        return (x - self.input_mean_.to(x.device)) / self.input_std_.to(x.device)

    @torch.no_grad()
    def _logits(
        self, net: nn.Module, x: torch.Tensor, device: torch.device, batch: int = 512
    ) -> torch.Tensor:
        was_training = net.training
        net.eval()
        out = [
            net(self._normalize(x[i : i + batch]).to(device)).float().cpu() for i in range(0, len(x), batch)
        ]
        net.train(was_training)
        return torch.cat(out)

    def _proba(self, net: nn.Module, x: torch.Tensor, device: torch.device) -> np.ndarray:
        return torch.softmax(self._logits(net, x, device).double(), dim=1).numpy()

    # ----- inference ----------------------------------------------------------------------
    def predict_proba(self, data: LabeledData | Any) -> np.ndarray:
        """Class probabilities.

        Args:
            data: a :class:`LabeledData` (or raw batch) whose samples have the training shape.

        Returns:
            (N, K) float64 array, rows summing to 1, columns following ``classes_``.
        """
        x = as_tensor(self._check_predict_input(data))
        return self._proba(self.model_, x, torch.device(self.device))

    @torch.no_grad()
    def features(self, data: LabeledData | Any) -> np.ndarray:
        """Penultimate-layer features of the trained net (eval mode).

        Args:
            data: a :class:`LabeledData` (or raw batch) whose samples have the training shape.

        Returns:
            (N, D) float32 array, D = ``model_.feature_dim``.
        """
        x = as_tensor(self._check_predict_input(data))
        device = torch.device(self.device)
        self.model_.eval()
        out = [
            self.model_.features(self._normalize(x[i : i + 512]).to(device)).float().cpu()
            for i in range(0, len(x), 512)
        ]
        return torch.cat(out).numpy()

    # ----- persistence --------------------------------------------------------------------
    def _registry_entry(self) -> str:
        """A plain ``TorchClassifier`` (not registered itself) is saved as the registered preset
        of its ``arch`` (``small_cnn``, ``cnn1d``, ``mlp``), which it equals; it loads as that."""
        return getattr(type(self), "registry_name", None) or self.arch

    def _state(self) -> dict[str, Any]:
        return {
            "history_": self.history_,
            "best_step_": self.best_step_,
            "best_val_acc_": self.best_val_acc_,
            "fit_seconds_": self.fit_seconds_,
            "seed_": self.seed_,
            "encoder_": None if self.encoder_ is None else self.encoder_.to_dict(),
        }

    def _tensors(self) -> dict[str, torch.Tensor]:
        tensors = {f"net.{k}": v for k, v in self.model_.state_dict().items()}
        if self.input_mean_ is not None and self.input_std_ is not None:
            tensors["input_mean"], tensors["input_std"] = self.input_mean_, self.input_std_
        return tensors

    def _restore_state(self, state: dict[str, Any]) -> None:
        history = state["history_"]
        if not isinstance(history, list):
            raise ValueError(f"history_ must be a list of records; got {type(history).__name__}")
        self.history_ = history
        self.best_step_ = state["best_step_"]
        self.best_val_acc_ = state["best_val_acc_"]
        self.fit_seconds_ = state["fit_seconds_"]
        self.seed_ = state["seed_"]
        encoder = state.get("encoder_")  # absent in models saved before tables were encoded
        self.encoder_ = None if encoder is None else TableEncoder.from_dict(encoder)
        if self.encoder_ is not None and self.encoder_.n_features != int(np.prod(self.input_shape_)):
            raise ValueError(f"encoder_ encodes {self.encoder_.n_features} columns; the input has "
                             f"{int(np.prod(self.input_shape_))}")

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        shape = self._net_shape(self.input_shape_)
        with torch.device("meta"):
            net = ARCHITECTURES[self.arch](shape, len(self.classes_), **(self.arch_kwargs or {}))
        specs = {f"net.{k}": TensorSpec(tuple(v.shape), v.dtype) for k, v in net.state_dict().items()}
        if get_modality(self.modality_).standardize_inputs:
            specs["input_mean"] = specs["input_std"] = TensorSpec(shape, torch.float32)
        return specs

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        kwargs = self.arch_kwargs or {}
        shape = self._net_shape(self.input_shape_)
        net = build_net(self.arch, shape, len(self.classes_), generator=0, **kwargs)
        net.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("net.")})
        net = net.to(torch.device(self.device)).eval()
        set_dropout_generator(net, None)
        self.model_ = net
        self.input_mean_ = tensors.get("input_mean")
        self.input_std_ = tensors.get("input_std")
        self.n_params_ = int(sum(p.numel() for p in net.parameters() if p.requires_grad))


@register("model", "small_cnn")
class SmallCNNClassifier(TorchClassifier):
    """:class:`TorchClassifier` preset for images (B, C, H, W): ``arch="small_cnn"``."""

    def __init__(self, *, arch: str = "small_cnn", **kwargs: Any) -> None:
        super().__init__(arch=arch, **kwargs)



@register("model", "cnn1d")
class CNN1DClassifier(TorchClassifier):
    """:class:`TorchClassifier` preset for signals (B, C, T): ``arch="cnn1d"``."""

    def __init__(self, *, arch: str = "cnn1d", **kwargs: Any) -> None:
        super().__init__(arch=arch, **kwargs)


@register("model", "mlp")
class MLPNetClassifier(TorchClassifier):
    """:class:`TorchClassifier` preset for flattened features of any modality: ``arch="mlp"``."""

    def __init__(self, *, arch: str = "mlp", **kwargs: Any) -> None:
        super().__init__(arch=arch, **kwargs)


class _ExternalBatches:
    """Batches from a user's batch sampler: ``batch_indices(step)`` if it has it, else iteration."""

    def __init__(self, sampler: Any, n: int) -> None:
        if not hasattr(sampler, "batch_indices") and not hasattr(sampler, "__iter__"):
            raise TypeError(
                "batch_sampler must have batch_indices(step) or be an iterable of index batches; "
                f"got {type(sampler).__name__}"
            )
        self.sampler, self.n, self.step = sampler, n, 0
        self._iter: Iterator[Any] | None = None

    def next(self) -> torch.Tensor:
        if hasattr(self.sampler, "batch_indices"):
            raw = self.sampler.batch_indices(self.step)
        else:
            raw = self._next_from_iter()
        self.step += 1
        idx = torch.as_tensor(raw, dtype=torch.long).reshape(-1)
        if len(idx) == 0 or int(idx.min()) < 0 or int(idx.max()) >= self.n:
            raise ValueError(
                f"batch_sampler gave batch {self.step - 1} with indices outside [0, {self.n - 1}] "
                f"(or an empty batch); it must index the training data of {self.n} samples"
            )
        return idx

    def _next_from_iter(self) -> Any:
        for _ in range(2):
            if self._iter is None:
                self._iter = iter(self.sampler)
            try:
                return next(self._iter)
            except StopIteration:
                self._iter = None
        raise ValueError("batch_sampler yielded no batches")


class _EpochSampler:
    """Consecutive random permutations of ``range(n)`` cut into batches (batches span epochs)."""

    def __init__(self, n: int, batch_size: int, generator: torch.Generator) -> None:
        self.n, self.batch_size, self.generator = n, batch_size, generator
        self._buffer = torch.empty(0, dtype=torch.long)

    def next(self) -> torch.Tensor:
        while len(self._buffer) < self.batch_size:
            self._buffer = torch.cat([self._buffer, torch.randperm(self.n, generator=self.generator)])
        out, self._buffer = self._buffer[: self.batch_size], self._buffer[self.batch_size :]
        return out


def _check_augmented(out: Any, shape: torch.Size) -> torch.Tensor:
    if not isinstance(out, torch.Tensor) or out.shape != shape:
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(f"augmenter must return a tensor of the batch's shape {tuple(shape)}; got {got}")
    return out.to(torch.float32)


def _check_mixed(out: Any, shape: torch.Size, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(out, tuple) or len(out) != 2:
        raise ValueError(f"mixer must return a (x, y_soft) tuple; got {type(out).__name__}")
    xb, y_soft = out
    if not isinstance(xb, torch.Tensor) or xb.shape != shape:
        raise ValueError(f"mixer must return x of the batch's shape {tuple(shape)}")
    if not isinstance(y_soft, torch.Tensor) or y_soft.shape != (shape[0], k):
        got = tuple(y_soft.shape) if isinstance(y_soft, torch.Tensor) else type(y_soft).__name__
        raise ValueError(f"mixer must return y_soft of shape {(shape[0], k)}; got {got}")
    return xb.to(torch.float32), y_soft.to(torch.float32)


class _ProgressBar:
    """A rich progress bar, or nothing when disabled."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total, self.enabled = total, enabled
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _ProgressBar:
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("[bold]train[/bold] {task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeRemainingColumn(),
            )
            self._progress.__enter__()
            self._task = self._progress.add_task("", total=self.total)
        return self

    def set_record(self, record: dict[str, Any]) -> None:
        if self._progress is None:
            return
        text = f"loss {record['train_loss']:.3f}"
        if record["val_acc"] is not None:
            text += f" val_acc {record['val_acc']:.3f}"
        self._progress.update(self._task, description=text)

    def advance(self) -> None:
        if self._progress is not None:
            self._progress.advance(self._task)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
