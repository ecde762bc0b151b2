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

    preview_max_columns: ClassVar[int] = 30

    def preview(self, x: Any, idx: Any) -> list[Any] | None:
        """Rows at ``idx`` as ``{column: value}`` dicts (floats rounded to 3 significant
        decimals), shown as a table in the report; None for tables wider than
        ``preview_max_columns``."""
        idx = [int(i) for i in idx]
        if hasattr(x, "iloc"):
            if x.shape[1] > self.preview_max_columns:
                return None
            records = x.iloc[idx].to_dict(orient="records")
        else:
            arr = np.asarray(x)
            if arr.shape[1] > self.preview_max_columns:
                return None
            records = [{f"x{j}": v for j, v in enumerate(row)} for row in arr[idx].tolist()]
        return [{str(k): _plain(v) for k, v in row.items()} for row in records]

    def check_x(self, x: Any) -> None:
        if isinstance(x, np.ndarray):
            if x.ndim != 2:
                raise ValueError(f"tabular x must have shape (N, F); got {x.shape}")
            if np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
                raise ValueError("x contains NaN or infinite values")


def _plain(value: Any) -> Any:
    """A JSON-able cell: floats rounded, NumPy scalars unwrapped, other values as text."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return round(value, 3) if np.isfinite(value) else None
    return str(value)
