"""``text_pseudo_label``: pool texts labeled by a teacher classifier (self-training on text).

The text counterpart of :class:`genaug.synth.pseudo_label.PseudoLabel` (which holds tensor
batches): a teacher (default ``tfidf_logreg``) is trained on the labeled texts, labels the
unlabeled pool, and ``sample(n)`` returns, per class, the ``n`` pool texts assigned to that class
with the highest confidence (smaller amounts are prefixes of larger ones; a class with fewer
candidates repeats its list; a class the teacher never predicts falls back to its labeled texts,
listed in ``history_["fallback_classes"]``). Every sample carries ``meta["source_index"]`` (its
row in the pool, or in the labeled data for a fallback) and ``meta["confidence"]``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.rng import derive_seed, draw_seed
from genaug.serialization import TensorSpec
from genaug.synth.text_lm import TextSynthesizer
from genaug.train.text import pack_texts, unpack_texts
from genaug.validation import check_range

__all__ = ["TextPseudoLabel"]


@registry.register("synthesizer", "text_pseudo_label")
class TextPseudoLabel(TextSynthesizer):
    """The unlabeled text pool, labeled by a teacher trained on the labeled texts.

    Args:
        model: the teacher's classifier config; ``None``: ``{name: tfidf_logreg}``.
        augment: train the teacher with the text modality's default augmentation (EDA).
        min_confidence: pool texts whose top class probability is below this are never
            returned, in [0, 1].

    Raises:
        ValueError: ``fit`` without an unlabeled pool; an option out of range.

    Example:
        >>> extra = TextPseudoLabel().fit(labeled, unlabeled=pool, generator=0).sample(50)  # doctest: +SKIP
    """

    registry_name: ClassVar[str] = "text_pseudo_label"
    requires_unlabeled: ClassVar[bool] = True
    seeded_sampling: ClassVar[bool] = False

    def __init__(self, *, model: dict[str, Any] | None = None, augment: bool = False,
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
        return {"model": {"name": "tfidf_logreg", "C_grid": [1.0]}}

    def _fit(self, data: LabeledData, pool: Any, generator: torch.Generator) -> None:
        if not pool:
            raise ValueError(
                "text_pseudo_label needs an unlabeled pool to label: pass fit(..., unlabeled=pool) "
                "(in a strategy: use_pool: true, with a split that leaves unlabeled samples)"
            )
        base = draw_seed(generator)
        config = dict(self.model) if self.model is not None else {"name": "tfidf_logreg"}
        teacher = registry.create("model", config["name"], **{k: v for k, v in config.items() if k != "name"})
        augmenter = None
        if self.augment:
            from genaug.ops.defaults import default_augmenter

            augmenter = default_augmenter(data.modality, None)
        teacher.fit(data, augmenter=augmenter, generator=derive_seed(base, "teacher"))
        unlabeled = LabeledData(list(pool), np.zeros(len(pool), dtype=np.int64), data.class_names, "text")
        probs = np.asarray(teacher.predict_proba(unlabeled), dtype=np.float64)
        pred, conf = probs.argmax(axis=1), probs.max(axis=1)
        texts: list[str] = []
        confs, origins, counts, fallback = [], [], [], []
        for c in range(data.num_classes):
            members = np.flatnonzero((pred == c) & (conf >= self.min_confidence))
            members = members[np.argsort(-conf[members], kind="stable")]
            if len(members):
                texts += [pool[i] for i in members]
                confs.append(conf[members])
                origins.append(members)
            else:
                own = np.flatnonzero(data.y == c)
                texts += [data.x[i] for i in own]
                confs.append(np.ones(len(own)))
                origins.append(own)
                fallback.append(data.class_names[c])
            counts.append(len(origins[-1]))
        self.x_ = texts
        self.confidence_ = np.concatenate(confs)
        self.origin_ = np.concatenate(origins).astype(np.int64)
        self.offsets_ = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.history_.update({
            "pool_size": len(pool), "unlabeled_samples": len(pool),
            "candidates_per_class": [int(n) for n in counts], "fallback_classes": fallback, "teacher": config,
        })

    def _sample(self, y: torch.Tensor, generator: torch.Generator) -> tuple[list[str], dict[str, np.ndarray]]:
        labels = y.numpy()
        rows = np.empty(len(labels), dtype=np.int64)
        for c in np.unique(labels):
            where = np.flatnonzero(labels == c)
            start, stop = int(self.offsets_[c]), int(self.offsets_[c + 1])
            rows[where] = start + np.arange(len(where)) % (stop - start)
        meta = {"source_index": self.origin_[rows], "confidence": self.confidence_[rows].astype(np.float64)}
        return [self.x_[i] for i in rows], meta

    def _state(self) -> dict[str, Any]:
        data, _ = pack_texts(self.x_)
        return {"offsets_": self.offsets_.tolist(), "n_text_bytes_": int(data.numel())}

    def _tensors(self) -> dict[str, torch.Tensor]:
        data, ends = pack_texts(self.x_)
        return {"text_bytes": data, "text_ends": ends,
                "confidence": torch.as_tensor(self.confidence_, dtype=torch.float64),
                "origin": torch.as_tensor(self.origin_)}

    def _restore_state(self, state: dict[str, Any]) -> None:
        offsets = np.asarray(state["offsets_"], dtype=np.int64)
        k = len(self.class_names_)
        if offsets.shape != (k + 1,) or offsets[0] != 0 or (np.diff(offsets) <= 0).any():
            raise ValueError(f"offsets_ must be {k + 1} increasing ints from 0; got {offsets.tolist()}")
        self.offsets_ = offsets
        self._n_bytes = int(state["n_text_bytes_"])

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        m = int(self.offsets_[-1])
        return {"text_bytes": TensorSpec((self._n_bytes,), torch.uint8),
                "text_ends": TensorSpec((m,), torch.int64),
                "confidence": TensorSpec((m,), torch.float64), "origin": TensorSpec((m,), torch.int64)}

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        self.x_ = unpack_texts(tensors["text_bytes"], tensors["text_ends"])
        self.confidence_ = tensors["confidence"].numpy()
        self.origin_ = tensors["origin"].numpy()
