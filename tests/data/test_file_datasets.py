import pytest

from genaug import registry
from genaug.data.splits import split


def _rows(n):
    return "a,b,label\n" + "".join(f"{i},{i % 3},{'x' if i % 2 else 'y'}\n" for i in range(n))


def test_csv_with_test_path_becomes_test_split(tmp_path):
    (tmp_path / "tr.csv").write_text(_rows(20))
    (tmp_path / "te.csv").write_text(_rows(6))
    data = registry.create("dataset", "csv", path=str(tmp_path / "tr.csv"), target="label",
                           test_path=str(tmp_path / "te.csv"))
    assert len(data) == 26 and data.class_names == ("x", "y")
    parts = split(data, labeled_per_class=3, val_per_class=2, seed=0)
    assert len(parts.test) == 6


def test_missing_path_is_value_error(tmp_path):
    with pytest.raises(ValueError, match="path"):
        registry.create("dataset", "csv", path=str(tmp_path / "nope.csv"), target="label")
