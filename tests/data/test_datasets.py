"""Built-in datasets: shapes, ranges, balance, determinism, discovery and the opencv parser."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from PIL import Image

from genaug import registry
from genaug.data import DatasetInfo, LabeledData, list_datasets, load_dataset
from genaug.data import datasets as ds


def test_builtins_are_registered():
    assert {"digits", "mnist1d", "opencv-digits"} <= set(registry.available("dataset"))


def test_digits_shape_range_balance():
    data = load_dataset("digits")
    assert isinstance(data, LabeledData)
    assert data.modality == "image"
    assert data.x.shape == (1797, 1, 8, 8) and data.x.dtype == torch.float32
    assert float(data.x.min()) == 0.0 and float(data.x.max()) == 1.0
    assert data.class_names == tuple(str(d) for d in range(10))
    counts = data.class_counts()
    assert counts.sum() == 1797 and counts.min() >= 170 and counts.max() <= 185


def test_mnist1d_shape_balance_and_original_split():
    data = load_dataset("mnist1d")
    assert data.modality == "signal"
    assert data.x.shape == (5000, 1, 40) and data.x.dtype == torch.float32
    assert torch.isfinite(data.x).all()
    assert abs(float(data.x.mean())) < 1e-3 and abs(float(data.x.std()) - 1) < 1e-2
    assert data.class_counts().tolist() == [500] * 10
    original = data.meta["original_split"]
    assert (original == "train").sum() == 4000 and (original == "test").sum() == 1000
    assert (original[:4000] == "train").all()


def test_mnist1d_deterministic_and_leaves_global_rng_alone():
    ds._mnist1d_arrays.cache_clear()
    np.random.seed(123)
    random.seed(123)
    np_before, py_before = np.random.get_state()[1].copy(), random.getstate()
    a = ds.load_mnist1d(seed=3, num_samples=200)
    ds._mnist1d_arrays.cache_clear()
    b = ds.load_mnist1d(seed=3, num_samples=200)
    c = ds.load_mnist1d(seed=4, num_samples=200)
    assert torch.equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert not torch.equal(a.x, c.x)
    assert len(a) == 200 and (a.meta["original_split"] == "test").sum() == 40
    np.testing.assert_array_equal(np.random.get_state()[1], np_before)
    assert random.getstate() == py_before


def test_mnist1d_bad_seed():
    with pytest.raises(ValueError, match="seed"):
        load_dataset("mnist1d", seed=-1)


def test_load_dataset_errors_name_the_options():
    with pytest.raises(ValueError, match="digits"):
        load_dataset("no-such-set")
    with pytest.raises(TypeError, match="seed"):
        load_dataset("mnist1d", sed=1)


def test_list_datasets():
    infos = {i.name: i for i in list_datasets()}
    assert isinstance(infos["digits"], DatasetInfo)
    d = infos["digits"]
    assert (d.modality, d.n_samples, d.sample_shape, d.n_classes, d.available) == (
        "image", 1797, (1, 8, 8), 10, True
    )
    assert infos["mnist1d"].sample_shape == (1, 40)


@pytest.fixture
def isolated_search(tmp_path, monkeypatch):
    """Point every opencv-digits search location into tmp_path (the real file may exist here)."""
    monkeypatch.setenv("GENAUG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(ds, "OPENCV_DIGITS_SYSTEM_PATH", tmp_path / "system" / "digits.png")
    return tmp_path


def test_opencv_missing_file_says_how_to_get_it(isolated_search):
    tmp_path = isolated_search
    with pytest.raises(FileNotFoundError) as err:
        load_dataset("opencv-digits")
    message = str(err.value)
    for place in ("data/opencv-digits/digits.png", "home/.cache/genaug/opencv-digits/digits.png",
                  "system/digits.png"):
        assert place in message
    assert "apt-get download opencv-doc" in message
    assert "dpkg-deb --fsys-tarfile opencv-doc_*.deb | tar -x" in message
    assert "~/.cache/genaug/opencv-digits" in message
    info = {i.name: i for i in list_datasets()}["opencv-digits"]
    assert not info.available and "apt-get download opencv-doc" in info.how_to_get
    with pytest.raises(FileNotFoundError, match="nowhere.png"):
        ds.load_opencv_digits(path=tmp_path / "nowhere.png")


def _synthetic_sheet() -> np.ndarray:
    """A 1000x2000 sheet whose cell (r, c) is filled with a value encoding r and c."""
    sheet = np.zeros((1000, 2000), np.uint8)
    for r in range(50):
        for c in range(100):
            sheet[r * 20:(r + 1) * 20, c * 20:(c + 1) * 20] = (r * 5 + c) % 251
            sheet[r * 20, c * 20] = 255  # marks each cell's top-left corner
    return sheet


def test_opencv_parser_on_synthetic_sheet(isolated_search):
    sheet = _synthetic_sheet()
    folder = isolated_search / "data" / "opencv-digits"
    folder.mkdir(parents=True)
    Image.fromarray(sheet).save(folder / "digits.png")

    data = load_dataset("opencv-digits")
    assert data.x.shape == (5000, 1, 20, 20) and data.x.dtype == torch.float32
    assert data.class_counts().tolist() == [500] * 10
    cells = np.rint(data.x.numpy()[:, 0] * 255).astype(np.uint8)
    for i in (0, 1, 99, 100, 499, 500, 2345, 4999):
        r, c = divmod(i, 100)
        assert data.y[i] == r // 5
        assert tuple(data.meta["cell"][i]) == (r, c)
        assert cells[i, 0, 0] == 255
        assert (cells[i].ravel()[1:] == (r * 5 + c) % 251).all()
    # the explicit path wins and is the only place searched
    same = ds.load_opencv_digits(path=folder / "digits.png")
    assert torch.equal(same.x, data.x)


def test_opencv_wrong_sheet_size(tmp_path):
    Image.fromarray(np.zeros((100, 200), np.uint8)).save(tmp_path / "d.png")
    with pytest.raises(ValueError, match="1000x2000"):
        ds.load_opencv_digits(path=tmp_path / "d.png")


def test_opencv_search_order(isolated_search):
    home_file = isolated_search / "home" / ".cache" / "genaug" / "opencv-digits" / "digits.png"
    system_file = ds.OPENCV_DIGITS_SYSTEM_PATH
    for f in (home_file, system_file):
        f.parent.mkdir(parents=True)
        f.write_bytes(b"x")
    assert ds.find_opencv_digits() == home_file
    home_file.unlink()
    assert ds.find_opencv_digits() == system_file
