"""``pseudo_label``: labeled samples drawn from the unlabeled pool by self-training (any modality).

Not a generative model: a *teacher* classifier is trained on the labeled data (with the
modality's classical augmentation), labels the unlabeled pool, and ``sample(n)`` returns, for
each class, the ``n`` pool samples the teacher assigns to that class with the highest
confidence (one round of self-training; Lee 2013, "Pseudo-Label"). It is a synthesizer so that
every strategy (``generative``, ``auto``) can use it as a source of extra training data beside
the generative models, with the same filters, amounts and mixing, and so that ``auto`` can weigh
"more real-looking data with noisy labels" against synthetic data on validation.

One class for every modality whose batches the modality contract can store (tensor batches:
images, signals, audio; text: ``list[str]``). What differs between modalities comes from the
contract (:func:`genaug.modalities.get_modality`): the default teacher (small_cnn for images,
cnn1d for signals and audio, 400 steps; otherwise the modality's ``default_model``, e.g.
``tfidf_logreg`` for text), the classical augmentation (``default_augmenter``), taking and
joining samples (``take``/``concat``) and saving them (``to_arrow``/``from_arrow``: the selected
samples are written as an Arrow IPC stream in a uint8 tensor of the safetensors file).

Sampling is deterministic: the most confident samples come first, so smaller amounts are
prefixes of larger ones. A class with fewer candidates than asked repeats its list
(``repeat=True``) or returns only its candidates (``repeat=False``: ``sample(n)`` with a large
``n`` returns the whole pool with the teacher's labels, in the pool's class proportions, which
is what worked best for text: benchmarks/results/text.md). A class the teacher never predicts
falls back to its labeled samples (``history_["fallback_classes"]``). Every sample carries
``meta["source_index"]`` (its row in the pool, or in the labeled data for a fallback) and
``meta["confidence"]``.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.modalities.base import get_modality
from genaug.rng import derive_seed, draw_seed
from genaug.serialization import TensorSpec
from genaug.synth.base import Synthesizer
from genaug.validation import check_range

__all__ = ["PseudoLabel"]

_DEFAULT_TEACHERS: dict[str, dict[str, Any]] = {
    "image": {"name": "small_cnn", "steps": 400},
    "signal": {"name": "cnn1d", "steps": 400},
    "audio": {"name": "cnn1d", "steps": 400},
}


def _to_bytes(modality: str, x: Any) -> torch.Tensor:
    """A batch as an Arrow IPC stream (one column ``x``) in a uint8 tensor."""
    import pyarrow as pa

    table = pa.table({"x": get_modality(modality).to_arrow(x)})
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return torch.frombuffer(bytearray(sink.getvalue()), dtype=torch.uint8)


def _from_bytes(modality: str, data: torch.Tensor, n: int, sample_shape: tuple[int, ...]) -> Any:
    import pyarrow as pa

    try:
        table = pa.ipc.open_stream(pa.py_buffer(data.numpy().tobytes())).read_all()
    except pa.ArrowInvalid as err:
        raise ValueError(f"x_bytes is not an Arrow IPC stream: {err}") from None
    if table.num_rows != n or table.column_names != ["x"]:
        raise ValueError(f"x_bytes must hold one column 'x' of {n} rows; got {table.num_rows} rows of "
                         f"{table.column_names}")
    return get_modality(modality).from_arrow(table.column("x").combine_chunks(), n, sample_shape)


@registry.register("synthesizer", "pseudo_label")
class PseudoLabel(Synthesizer):
    """The unlabeled pool, labeled by a teacher trained on the labeled data (self-training).

    Args:
        model: the teacher's classifier config (``{name: small_cnn, steps: 400}``); ``None``
            picks ``small_cnn`` for images and ``cnn1d`` for signals/audio, 400 steps, and the
            modality's ``default_model`` otherwise (text: ``tfidf_logreg``; for few-label text
            ``{name: minilm_logreg}`` is much stronger).
        augment: train the teacher with the modality's default classical augmentation.
        min_confidence: pool samples whose top class probability is below this are never
            returned, in [0, 1].
        repeat: a class with fewer candidates than asked repeats them (True) or returns only
            them (False; then ``sample`` may return fewer samples than asked).

    Attributes:
        history_: ``pool_size``, ``candidates_per_class``, ``fallback_classes``,
            ``teacher`` (its config) and ``unlabeled_samples``.

    Raises:
        ValueError: ``fit`` without an unlabeled pool; an option out of range.

    Example:
        >>> synth = PseudoLabel(model={"name": "small_cnn", "steps": 200})
        >>> extra = synth.fit(labeled, unlabeled=pool, generator=0).sample(50)  # doctest: +SKIP
        >>> texts = PseudoLabel(model={"name": "minilm_logreg"}, repeat=False)  # doctest: +SKIP
    """

    registry_name: ClassVar[str] = "pseudo_label"
    requires_unlabeled: ClassVar[bool] = True
    seeded_sampling: ClassVar[bool] = False

    def __init__(self, *, model: dict[str, Any] | None = None, augment: bool = True,
                 min_confidence: float = 0.0, repeat: bool = True) -> None:
        self.model = model
        self.augment = augment
        self.min_confidence = min_confidence
        self.repeat = repeat
        if model is not None and (not isinstance(model, dict) or "name" not in model):
            raise ValueError(f"model must be a mapping with a 'name' key or None; got {model!r}")
        if not isinstance(augment, bool):
            raise TypeError(f"augment must be a bool; got {augment!r}")
        check_range("min_confidence", min_confidence, 0.0, 1.0)
        if not isinstance(repeat, bool):
            raise TypeError(f"repeat must be a bool; got {repeat!r}")

    @classmethod
    def supports(cls, modality: str) -> bool:
        """Tensor modalities and non-numeric ones the store holds (text); not tables (tabular
        data has its own resamplers and pool strategies)."""
        contract = get_modality(modality)
        return contract.tensor_ndim is not None or not contract.numeric

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        return {"model": {"name": "logreg"}, "augment": False}

    @classmethod
    def get_test_params_for(cls, modality: str) -> dict[str, Any]:
        """Small test settings for ``modality`` (a teacher that takes its batches)."""
        contract = get_modality(modality)
        if contract.tensor_ndim is not None:
            return cls.get_test_params()
        return {"model": {**(contract.default_model or {}), "C_grid": [1.0]}, "augment": False}

    # ----- input hooks: tensors as the base class; other modalities through their contract
    def _as_data(self, X: Any, y: Any) -> LabeledData:
        if isinstance(X, list | tuple):
            from genaug.synth.text_lm import TextSynthesizer

            return TextSynthesizer._as_data(self, X, y)  # type: ignore[arg-type]
        return super()._as_data(X, y)

    def _check_pool(self, unlabeled: Any, data: LabeledData) -> Any:
        contract = get_modality(data.modality)
        if contract.tensor_ndim is not None or unlabeled is None:
            return super()._check_pool(unlabeled, data)
        if isinstance(unlabeled, LabeledData):
            if unlabeled.modality != data.modality:
                raise ValueError(f"unlabeled must have the modality of X ({data.modality!r}); "
                                 f"got {unlabeled.modality!r}")
            x = unlabeled.x
        else:
            x = unlabeled
            try:
                contract.check_x(x)
            except (TypeError, ValueError) as err:
                raise type(err)(f"unlabeled: {err}") from None
        return x if contract.length(x) else None

    def _teacher_config(self, modality: str) -> dict[str, Any]:
        if self.model is not None:
            return dict(self.model)
        config = _DEFAULT_TEACHERS.get(modality) or get_modality(modality).default_model
        if config is None:
            raise ValueError(f"modality {modality!r} has no default classifier; pass model={{'name': ...}}")
        return dict(config)

    def _fit(self, data: LabeledData, pool: Any, generator: torch.Generator) -> None:
        if pool is None:
            raise ValueError(
                "pseudo_label needs an unlabeled pool to label: pass fit(..., unlabeled=pool) "
                "(in a strategy: use_pool: true, with a split that leaves unlabeled samples)"
            )
        contract = get_modality(data.modality)
        base = draw_seed(generator)
        config = self._teacher_config(data.modality)
        teacher = registry.create("model", config["name"], **{k: v for k, v in config.items() if k != "name"})
        augmenter = None
        if self.augment:
            from genaug.ops.defaults import default_augmenter

            augmenter = default_augmenter(data.modality, data.sample_shape)
        teacher.fit(data, augmenter=augmenter, generator=derive_seed(base, "teacher"))
        n_pool = contract.length(pool)
        unlabeled = LabeledData(pool, np.zeros(n_pool, dtype=np.int64), data.class_names, data.modality)
        probs = np.asarray(teacher.predict_proba(unlabeled), dtype=np.float64)
        pred, conf = probs.argmax(axis=1), probs.max(axis=1)

        xs, confs, origins, counts, fallback = [], [], [], [], []
        for c in range(data.num_classes):
            members = np.flatnonzero((pred == c) & (conf >= self.min_confidence))
            members = members[np.argsort(-conf[members], kind="stable")]
            if len(members):
                xs.append(contract.take(pool, members))
                confs.append(conf[members])
                origins.append(members)
            else:  # the teacher never predicts c (confidently): reuse its labeled samples
                own = np.flatnonzero(data.y == c)
                xs.append(contract.take(data.x, own))
                confs.append(np.ones(len(own)))
                origins.append(own)
                fallback.append(data.class_names[c])
            counts.append(len(origins[-1]))
        x = xs[0]
        for part in xs[1:]:
            x = contract.concat(x, part)
        if isinstance(x, torch.Tensor):
            x = x.detach().to(torch.float32)
        self.x_ = x
        self.confidence_ = np.concatenate(confs).astype(np.float64)
        self.origin_ = np.concatenate(origins).astype(np.int64)
        self.offsets_ = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.history_.update({
            "pool_size": int(n_pool), "unlabeled_samples": int(n_pool),
            "candidates_per_class": [int(n) for n in counts], "fallback_classes": fallback,
            "teacher": config,
        })

    def _parse_counts(self, n_per_class: int | Mapping[int | str, int]) -> np.ndarray:
        counts = super()._parse_counts(n_per_class)
        if not self.repeat:
            counts = np.minimum(counts, np.diff(self.offsets_))
        return counts

    def _sample(self, y: torch.Tensor, generator: torch.Generator) -> tuple[Any, dict[str, np.ndarray]]:
        rows = np.empty(len(y), dtype=np.int64)
        labels = y.numpy()
        for c in np.unique(labels):
            where = np.flatnonzero(labels == c)
            start, stop = int(self.offsets_[c]), int(self.offsets_[c + 1])
            rows[where] = start + np.arange(len(where)) % (stop - start)
        meta = {"source_index": self.origin_[rows], "confidence": self.confidence_[rows]}
        return get_modality(self.modality_).take(self.x_, rows), meta

    def _empty_sample(self) -> Any:
        return get_modality(self.modality_).take(self.x_, np.zeros(0, dtype=np.int64))

    # ----- saving
    def _state(self) -> dict[str, Any]:
        return {"offsets_": self.offsets_.tolist(), "n_x_bytes_": int(self._x_bytes().numel())}

    def _x_bytes(self) -> torch.Tensor:
        return _to_bytes(self.modality_, self.x_)

    def _tensors(self) -> dict[str, torch.Tensor]:
        return {"x_bytes": self._x_bytes(),
                "confidence": torch.as_tensor(self.confidence_, dtype=torch.float64),
                "origin": torch.as_tensor(self.origin_, dtype=torch.int64)}

    def _restore_state(self, state: dict[str, Any]) -> None:
        offsets = np.asarray(state["offsets_"], dtype=np.int64)
        k = len(self.class_names_)
        if offsets.shape != (k + 1,) or offsets[0] != 0 or (np.diff(offsets) <= 0).any():
            raise ValueError(f"offsets_ must be {k + 1} increasing ints from 0; got {offsets.tolist()}")
        self.offsets_ = offsets
        self._n_bytes = int(state["n_x_bytes_"])

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        m = int(self.offsets_[-1])
        return {
            "x_bytes": TensorSpec((self._n_bytes,), torch.uint8),
            "confidence": TensorSpec((m,), torch.float64),
            "origin": TensorSpec((m,), torch.int64),
        }

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        m = int(self.offsets_[-1])
        self.x_ = _from_bytes(self.modality_, tensors["x_bytes"], m, tuple(self.sample_shape_))
        self.confidence_ = tensors["confidence"].numpy().copy()
        self.origin_ = tensors["origin"].numpy().copy()
