"""Text: a list of N strings.

Per-stage defaults: classical augmentation is EDA (Wei & Zou 2019) at its recommended small
rates (alpha = 0.1 for each of the four word ops, one op per sample); the classifier is the
TF-IDF + logistic regression baseline (``tfidf_logreg``); quality metrics use hashed word
n-grams (no download); robustness uses the ``text`` corruption suite of
:mod:`genaug.train.text_corruptions` (typos, OCR errors, homoglyphs, word deletion).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from genaug.modalities.base import Modality
from genaug.registry import register


@register("modality", "text")
class TextModality(Modality):
    """Texts: ``list[str]``, one string per sample."""

    name: ClassVar[str] = "text"
    shape_doc: ClassVar[str] = "list of N str"
    feature_extractor: ClassVar[dict[str, Any] | None] = {"name": "hashing_text"}
    default_model: ClassVar[dict[str, Any] | None] = {"name": "tfidf_logreg"}
    corruption_suite: ClassVar[str | None] = "text"
    arrow_dtype: ClassVar[str] = "string"
    numeric: ClassVar[bool] = False
    array_ndims: ClassVar[tuple[int, ...]] = (1,)
    array_doc: ClassVar[str] = "(N,) strings"

    def from_numpy(self, x: np.ndarray, *, scale: str | None, where: str) -> Any:
        return [str(s) for s in x]

    def check_x(self, x: Any) -> None:
        if not isinstance(x, list):
            raise TypeError(f"x for modality 'text' must be a list of str; got {type(x).__name__}")
        for i, s in enumerate(x):
            if not isinstance(s, str):
                raise TypeError(f"x for modality 'text' must be a list of str; x[{i}] is {type(s).__name__}")

    def default_augmenter(self, sample_shape: Sequence[int] | None) -> list[dict[str, Any]]:
        return [{"name": "eda", "alpha_sr": 0.1, "alpha_ri": 0.1, "alpha_rs": 0.1, "p_rd": 0.1}]

    def sample_shape(self, x: Any) -> tuple[int, ...]:
        return ()

    def store_shape(self, x: Any) -> list[int]:
        return []

    def to_arrow(self, x: Any) -> Any:
        import pyarrow as pa

        return pa.array(list(x), type=pa.string())

    def from_arrow(self, column: Any, n: int, sample_shape: Sequence[int]) -> Any:
        return [str(s) for s in column.to_pylist()]
