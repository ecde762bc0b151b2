"""``pseudo_label``: labeled samples drawn from the unlabeled pool by self-training.

Not a generative model: a *teacher* classifier is trained on the labeled data (with the
modality's classical augmentation), labels the unlabeled pool, and ``sample(n)`` returns, for
each class, the ``n`` pool samples the teacher assigns to that class with the highest
confidence (one round of self-training; Lee 2013, "Pseudo-Label"). It is a synthesizer so that
every strategy (``generative``, ``auto``) can use it as a source of extra training data beside
the generative models, with the same filters, amounts and mixing, and so that ``auto`` can weigh
"more real-looking data with noisy labels" against synthetic data on validation.

Sampling is deterministic: the most confident samples come first, so smaller amounts are
prefixes of larger ones. A class with fewer candidates than asked repeats its list; a class the
teacher never predicts falls back to its labeled samples (``history_["fallback_classes"]``).
Every sample carries ``meta["source_index"]`` (its row in the pool, or in the labeled data for a
fallback) and ``meta["confidence"]``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
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


@registry.register("synthesizer", "pseudo_label")
class PseudoLabel(Synthesizer):
    """The unlabeled pool, labeled by a teacher trained on the labeled data (self-training).

    Args:
        model: the teacher's classifier config (``{name: small_cnn, steps: 400}``); ``None``
            picks ``small_cnn`` for images and ``cnn1d`` for signals/audio, 400 steps.
        augment: train the teacher with the modality's default classical augmentation.
        min_confidence: pool samples whose top class probability is below this are never
            returned, in [0, 1].

    Attributes:
        history_: ``pool_size``, ``candidates_per_class``, ``fallback_classes``,
            ``teacher`` (its config) and ``unlabeled_samples``.

    Raises:
        ValueError: ``fit`` without an unlabeled pool; an option out of range.

    Example:
        >>> synth = PseudoLabel(model={"name": "small_cnn", "steps": 200})
        >>> extra = synth.fit(labeled, unlabeled=pool, generator=0).sample(50)  # doctest: +SKIP
    """

    modalities: ClassVar[tuple[str, ...]] = ("image", "signal", "audio")
    registry_name: ClassVar[str] = "pseudo_label"
    requires_unlabeled: ClassVar[bool] = True
    seeded_sampling: ClassVar[bool] = False

    def __init__(self, *, model: dict[str, Any] | None = None, augment: bool = True,
                 min_confidence: float = 0.0) -> None:
        self.model = model
        self.augment = augment
        self.min_confidence = min_confidence
        if model is not None and (not isinstance(model, dict) or "name" not in model):
            raise ValueError(f"model must be a mapping with a 'name' key or None; got {model!r}")
        if not isinstance(augment, bool):
            raise TypeError(f"augment must be a bool; got {augment!r}")
        check_range("min_confidence", min_confidence, 0.0, 1.0)

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        return {"model": {"name": "logreg"}, "augment": False}

    def _teacher_config(self, modality: str) -> dict[str, Any]:
        return dict(self.model) if self.model is not None else dict(_DEFAULT_TEACHERS[modality])

    def _fit(self, data: LabeledData, pool: torch.Tensor | None, generator: torch.Generator) -> None:
        if pool is None or len(pool) == 0:
            raise ValueError(
                "pseudo_label needs an unlabeled pool to label: pass fit(..., unlabeled=pool) "
                "(in a strategy: use_pool: true, with a split that leaves unlabeled samples)"
            )
        base = draw_seed(generator)
        config = self._teacher_config(data.modality)
        teacher = registry.create("model", config["name"], **{k: v for k, v in config.items() if k != "name"})
        augmenter = None
        if self.augment:
            from genaug.ops.defaults import default_augmenter

            augmenter = default_augmenter(data.modality, data.sample_shape)
        teacher.fit(data, augmenter=augmenter, generator=derive_seed(base, "teacher"))
        unlabeled = LabeledData(pool, np.zeros(len(pool), dtype=np.int64), data.class_names, data.modality)
        probs = np.asarray(teacher.predict_proba(unlabeled), dtype=np.float64)
        pred, conf = probs.argmax(axis=1), probs.max(axis=1)

        xs, confs, origins, counts, fallback = [], [], [], [], []
        for c in range(data.num_classes):
            members = np.flatnonzero((pred == c) & (conf >= self.min_confidence))
            members = members[np.argsort(-conf[members], kind="stable")]
            if len(members):
                xs.append(pool[torch.as_tensor(members)])
                confs.append(conf[members])
                origins.append(members)
            else:  # the teacher never predicts c (confidently): reuse its labeled samples
                own = np.flatnonzero(data.y == c)
                xs.append(torch.as_tensor(data.x)[torch.as_tensor(own)].to(torch.float32))
                confs.append(np.ones(len(own)))
                origins.append(own)
                fallback.append(data.class_names[c])
            counts.append(len(origins[-1]))
        self.x_ = torch.cat(xs)
        self.confidence_ = torch.as_tensor(np.concatenate(confs), dtype=torch.float32)
        self.origin_ = torch.as_tensor(np.concatenate(origins), dtype=torch.long)
        self.offsets_ = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.history_.update({
            "pool_size": int(len(pool)), "unlabeled_samples": int(len(pool)),
            "candidates_per_class": [int(n) for n in counts], "fallback_classes": fallback,
            "teacher": config,
        })

    def _sample(
        self, y: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, dict[str, np.ndarray]]:
        rows = np.empty(len(y), dtype=np.int64)
        labels = y.numpy()
        for c in np.unique(labels):
            where = np.flatnonzero(labels == c)
            start, stop = int(self.offsets_[c]), int(self.offsets_[c + 1])
            rows[where] = start + np.arange(len(where)) % (stop - start)
        index = torch.as_tensor(rows)
        meta = {"source_index": self.origin_[index].numpy(),
                "confidence": self.confidence_[index].numpy().astype(np.float64)}
        return self.x_[index], meta

    def _state(self) -> dict[str, Any]:
        return {"offsets_": self.offsets_.tolist()}

    def _tensors(self) -> dict[str, torch.Tensor]:
        return {"x": self.x_.contiguous(), "confidence": self.confidence_, "origin": self.origin_}

    def _restore_state(self, state: dict[str, Any]) -> None:
        offsets = np.asarray(state["offsets_"], dtype=np.int64)
        k = len(self.class_names_)
        if offsets.shape != (k + 1,) or offsets[0] != 0 or (np.diff(offsets) <= 0).any():
            raise ValueError(f"offsets_ must be {k + 1} increasing ints from 0; got {offsets.tolist()}")
        self.offsets_ = offsets

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        m = int(self.offsets_[-1])
        return {
            "x": TensorSpec((m, *self.sample_shape_), torch.float32),
            "confidence": TensorSpec((m,), torch.float32),
            "origin": TensorSpec((m,), torch.int64),
        }

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        self.x_, self.confidence_, self.origin_ = tensors["x"], tensors["confidence"], tensors["origin"]
