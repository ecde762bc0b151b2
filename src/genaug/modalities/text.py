"""Text: a list of N strings."""

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
    arrow_dtype: ClassVar[str] = "string"
    numeric: ClassVar[bool] = False
    array_ndims: ClassVar[tuple[int, ...]] = (1,)
    array_doc: ClassVar[str] = "(N,) strings"

    def from_numpy(self, x: np.ndarray, *, scale: str | None, where: str) -> Any:
        return [str(s) for s in x]

    def check_x(self, x: Any) -> None:
        if not isinstance(x, list) or not all(isinstance(s, str) for s in x):
            raise TypeError("x for modality 'text' must be a list of str")

    def sample_shape(self, x: Any) -> tuple[int, ...]:
        return ()

    def store_shape(self, x: Any) -> list[int]:
        return []

    def to_arrow(self, x: Any) -> Any:
        import pyarrow as pa

        return pa.array(list(x), type=pa.string())

    def from_arrow(self, column: Any, n: int, sample_shape: Sequence[int]) -> Any:
        return [str(s) for s in column.to_pylist()]
