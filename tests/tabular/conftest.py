"""Small mixed-type imbalanced tables shared by the tabular tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genaug.data.labeled import LabeledData
from genaug.data.tabular import from_frame


def make_mixed_frame(n_major: int = 90, n_minor: int = 18, seed: int = 0) -> pd.DataFrame:
    """Numeric (float + int), categorical (str + category) and boolean columns plus a target."""
    rng = np.random.default_rng(seed)
    n = n_major + n_minor
    y = np.r_[np.zeros(n_major, dtype=int), np.ones(n_minor, dtype=int)]
    return pd.DataFrame({
        "amount": np.round(rng.lognormal(3 + y, 0.5), 2),
        "count": rng.poisson(3 + 2 * y).astype(np.int64),
        "channel": rng.choice(["web", "shop", "phone"], size=n),
        "country": pd.Categorical(rng.choice(["de", "fr", "it", "es"], size=n)),
        "flag": rng.random(n) < 0.3 + 0.4 * y,
        "target": np.where(y == 1, "fraud", "ok"),
    })  # fmt: skip


@pytest.fixture(scope="session")
def mixed() -> LabeledData:
    """108 rows (90 'ok', 18 'fraud' = class 1 after ordering ['ok', 'fraud'])."""
    return from_frame(make_mixed_frame(), target="target", classes=["ok", "fraud"])
