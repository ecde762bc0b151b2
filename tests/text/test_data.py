"""Text datasets: the Debian built-ins and the folder / CSV / Parquet readers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genaug import registry
from genaug.data.splits import split
from genaug.data.text import FORTUNES_DIR, JANEAUSTEN_DIR, read_fortune_file
from genaug.errors import MissingPathError

needs_fortunes = pytest.mark.skipif(not (FORTUNES_DIR / "computers").is_file(),
                                    reason="Debian fortunes not installed (scripts/system-deps.sh)")


def test_fortune_file_splits_on_percent_lines(tmp_path):
    (tmp_path / "food").write_bytes(b"one\nline %\n%\n\ntwo caf\xe9\n%\n")  # latin-1 byte
    assert read_fortune_file(tmp_path / "food") == ["one\nline %", "two caf\u00e9"]


def test_fortunes_from_a_folder_and_off_is_never_read(tmp_path):
    for name, body in {"food": "a\n%\nb\n%\nc", "law": "x\n%\ny", "off": "z"}.items():
        (tmp_path / name).write_text(body)
        (tmp_path / f"{name}.dat").write_bytes(b"")
    data = registry.create("dataset", "fortunes", categories="all", path=str(tmp_path))
    assert data.modality == "text" and data.class_names == ("food", "law")
    assert data.x == ["a", "b", "c", "x", "y"] and data.class_counts().tolist() == [3, 2]
    with pytest.raises(ValueError, match="categories"):
        registry.create("dataset", "fortunes", categories=["food", "off"], path=str(tmp_path))


def test_missing_package_names_it(tmp_path):
    with pytest.raises(MissingPathError, match="fortunes.*apt-get"):
        registry.create("dataset", "fortunes", path=str(tmp_path / "nope"))
    with pytest.raises(MissingPathError, match="r-cran-janeaustenr"):
        registry.create("dataset", "janeausten", path=str(tmp_path))


@needs_fortunes
def test_fortunes_builtin_topics():
    data = registry.create("dataset", "fortunes")
    assert data.num_classes == 8 and len(data) > 2000
    assert all(isinstance(t, str) and 0 < len(t) <= 600 for t in data.x)
    parts = split(data, labeled_per_class=10, val_per_class=5, seed=0)
    assert parts.labeled.class_counts().tolist() == [10] * 8


@pytest.mark.skipif(not (JANEAUSTEN_DIR / "data" / "Rdata.rdb").is_file(), reason="r-cran-janeaustenr")
def test_janeausten_passages_per_book():
    data = registry.create("dataset", "janeausten", books=["emma", "persuasion"], lines_per_passage=4)
    assert data.class_names == ("emma", "persuasion")
    counts = data.class_counts()
    assert (counts > 500).all()
    assert "Emma" in " ".join(data.x[:50])
    assert min(len(t) for t in data.x) >= 120


def test_text_folder_per_file_and_per_line(tmp_path):
    for cls, texts in {"pos": ["great film", "loved it"], "neg": ["awful\n\nboring"]}.items():
        (tmp_path / cls).mkdir()
        for i, t in enumerate(texts):
            (tmp_path / cls / f"{i}.txt").write_text(t)
    (tmp_path / "pos" / "skip.md").write_text("not a text file")
    data = registry.create("dataset", "text_folder", path=str(tmp_path))
    assert data.class_names == ("neg", "pos") and len(data) == 3
    lines = registry.create("dataset", "text_folder", path=str(tmp_path), per_line=True)
    assert sorted(lines.x) == ["awful", "boring", "great film", "loved it"]
    (tmp_path / "neg" / "bad.txt").write_bytes(b"\xff\xfe bad")
    with pytest.raises(ValueError, match="UTF-8"):
        registry.create("dataset", "text_folder", path=str(tmp_path))


def test_text_csv_and_parquet_with_test_path(tmp_path):
    frame = pd.DataFrame({"body": ["good", "bad", "fine, really", "meh"], "y": ["p", "n", "p", "n"]})
    frame.to_csv(tmp_path / "tr.csv", index=False)
    frame.iloc[:2].to_csv(tmp_path / "te.csv", index=False)
    data = registry.create("dataset", "text_csv", path=str(tmp_path / "tr.csv"), text_column="body",
                           label_column="y", test_path=str(tmp_path / "te.csv"))
    assert data.class_names == ("n", "p") and data.x[2] == "fine, really"
    assert np.asarray(data.meta["split"]).tolist() == ["train"] * 4 + ["test"] * 2
    frame.to_parquet(tmp_path / "tr.parquet")
    pq = registry.create("dataset", "text_parquet", path=str(tmp_path / "tr.parquet"), text_column="body",
                         label_column="y")
    assert pq.x == frame["body"].tolist()
    with pytest.raises(ValueError, match="no column 'text'"):
        registry.create("dataset", "text_csv", path=str(tmp_path / "tr.csv"), label_column="y")
    pd.DataFrame({"text": [1.5, 2.5], "label": ["a", "b"]}).to_parquet(tmp_path / "num.parquet")
    with pytest.raises(ValueError, match="not text"):
        registry.create("dataset", "text_parquet", path=str(tmp_path / "num.parquet"))
