"""Tables: a numeric array (N, F) or a DataFrame with N rows (categories kept as categories)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from genaug.modalities.base import Modality
from genaug.registry import register


@register("modality", "tabular")
class TabularModality(Modality):
    """Tabular rows: ``np.ndarray`` (N, F) or a ``pandas.DataFrame``."""

    name: ClassVar[str] = "tabular"
    shape_doc: ClassVar[str] = "(N, F)"
    default_model: ClassVar[dict[str, Any] | None] = {"name": "mlp", "steps": 200}
    feature_extractor: ClassVar[dict[str, Any] | None] = {"name": "flatten"}
    standardize_inputs: ClassVar[bool] = True
    array_ndims: ClassVar[tuple[int, ...]] = (2,)
    array_doc: ClassVar[str] = "(N, F)"

    def check_x(self, x: Any) -> None:
        if isinstance(x, np.ndarray):
            if x.ndim != 2:
                raise ValueError(f"tabular x must have shape (N, F); got {x.shape}")
            if np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
                raise ValueError("x contains NaN or infinite values")
