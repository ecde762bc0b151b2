"""Image-folder and npz readers: round trips and every refusal names the culprit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from genaug.data import LabeledData, read_image_folder, read_npz, write_npz


def _png(path, value: int, size=(6, 5), mode="L"):
    """Write a constant image of ``size`` = (height, width)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shape = size if mode == "L" else (*size, 3)
    Image.fromarray(np.full(shape, value, np.uint8), mode=mode).save(path)


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "imgs"
    _png(root / "cat" / "a.png", 0)
    _png(root / "cat" / "b.png", 51)
    _png(root / "dog" / "sub" / "c.PNG", 255)
    (root / "dog" / "notes.txt").write_text("not an image")
    (root / ".hidden").mkdir()
    return root


def test_image_folder_round_trip(folder):
    data = read_image_folder(folder)
    assert data.class_names == ("cat", "dog")
    assert data.x.shape == (3, 1, 6, 5) and data.x.dtype == torch.float32
    assert data.y.tolist() == [0, 0, 1]
    assert data.meta["path"].tolist() == ["cat/a.png", "cat/b.png", "dog/sub/c.PNG"]
    assert [float(data.x[i].mean()) for i in range(3)] == pytest.approx([0.0, 0.2, 1.0])


def test_image_folder_rgb_and_resize(folder):
    _png(folder / "dog" / "big.png", 255, size=(12, 10))
    data = read_image_folder(folder, size=(4, 3), mode="RGB")
    assert data.x.shape == (4, 3, 4, 3)
    assert float(data.x.max()) == 1.0 and float(data.x.min()) == 0.0


def test_image_folder_size_mismatch(folder):
    _png(folder / "dog" / "big.png", 255, size=(12, 10))
    with pytest.raises(ValueError, match=r"big\.png.*12x10.*6x5"):
        read_image_folder(folder)


def test_image_folder_corrupt_file(folder):
    (folder / "cat" / "broken.png").write_bytes(b"\x89PNG garbage bytes, not an image")
    with pytest.raises(ValueError, match=r"broken\.png"):
        read_image_folder(folder)


def test_image_folder_empty_class(folder):
    (folder / "emu").mkdir()
    (folder / "emu" / "readme.txt").write_text("")
    with pytest.raises(ValueError, match="'emu'"):
        read_image_folder(folder)


def test_image_folder_no_classes_and_bad_args(tmp_path, folder):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no class folders"):
        read_image_folder(tmp_path / "empty")
    with pytest.raises(FileNotFoundError):
        read_image_folder(tmp_path / "missing")
    with pytest.raises(ValueError, match="mode"):
        read_image_folder(folder, mode="CMYK")
    with pytest.raises(ValueError, match="size"):
        read_image_folder(folder, size=(0, 4))


def _images(n=6):
    x = torch.rand(n, 1, 4, 5)
    return LabeledData(x, np.arange(n) % 3, ("a", "b", "c"), "image",
                       {"path": np.array([f"f{i}" for i in range(n)]), "w": np.linspace(0, 1, n)})


@pytest.mark.parametrize("compress", [False, True])
def test_npz_round_trip(tmp_path, compress):
    data = _images()
    path = write_npz(data, tmp_path / "sub" / "d.npz", compress=compress)
    assert sorted(p.name for p in path.parent.iterdir()) == ["d.npz"]  # no temp file left
    back = read_npz(path)
    assert back.modality == "image" and back.class_names == data.class_names
    assert torch.equal(back.x, data.x) and np.array_equal(back.y, data.y)
    assert back.meta.keys() == data.meta.keys()
    assert np.array_equal(back.meta["path"], data.meta["path"])


def test_npz_round_trip_signal_tabular_text(tmp_path):
    signal = LabeledData(torch.randn(4, 2, 7), [0, 1, 0, 1], ("x", "y"), "signal")
    assert torch.equal(read_npz(write_npz(signal, tmp_path / "s.npz")).x, signal.x)
    table = LabeledData(np.random.default_rng(0).normal(size=(4, 3)), [0, 1, 1, 0], ("x", "y"), "tabular")
    assert np.array_equal(read_npz(write_npz(table, tmp_path / "t.npz")).x, table.x)
    text = LabeledData(["a b", "c", "dé", ""], [0, 1, 1, 0], ("x", "y"), "text")
    assert read_npz(write_npz(text, tmp_path / "x.npz")).x == text.x


def test_npz_inference_and_scale(tmp_path):
    p = tmp_path / "u8.npz"
    np.savez(p, x=np.full((4, 8, 8), 255, np.uint8), y=np.array(["cat", "dog", "cat", "dog"]))
    with pytest.raises(ValueError, match="scale='auto'"):
        read_npz(p)
    data = read_npz(p, scale="auto")
    assert data.x.shape == (4, 1, 8, 8) and float(data.x.max()) == 1.0
    assert data.class_names == ("cat", "dog") and data.y.tolist() == [0, 1, 0, 1]

    p = tmp_path / "sig.npz"
    np.savez(p, x=np.zeros((3, 1, 40), np.float32), y=[0, 1, 2])
    with pytest.raises(ValueError, match="modality='signal'"):
        read_npz(p)
    assert read_npz(p, modality="signal").x.shape == (3, 1, 40)

    p = tmp_path / "hwc.npz"
    np.savez(p, x=np.zeros((3, 8, 8, 3), np.float32), y=[0, 1, 2])
    with pytest.raises(ValueError, match="channels-last"):
        read_npz(p)


def test_npz_length_mismatch(tmp_path):
    p = tmp_path / "d.npz"
    np.savez(p, x=np.zeros((5, 1, 4, 4), np.float32), y=np.zeros(4, np.int64))
    with pytest.raises(ValueError, match="5 samples.*4 labels"):
        read_npz(p)


def test_npz_nan(tmp_path):
    x = np.zeros((5, 1, 4, 4), np.float32)
    x[3, 0, 1, 1] = np.nan
    p = tmp_path / "d.npz"
    np.savez(p, x=x, y=np.zeros(5, np.int64))
    with pytest.raises(ValueError, match="NaN.*sample 3"):
        read_npz(p)


def test_npz_unknown_key(tmp_path):
    p = tmp_path / "d.npz"
    np.savez(p, images=np.zeros((2, 1, 4, 4), np.float32), y=[0, 1])
    with pytest.raises(ValueError, match=r"x_key='x'.*\['images', 'y'\]"):
        read_npz(p)
    assert len(read_npz(p, x_key="images")) == 2


def test_npz_range_and_labels(tmp_path):
    p = tmp_path / "d.npz"
    np.savez(p, x=np.full((2, 1, 4, 4), 2.0, np.float32), y=[0, 1])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        read_npz(p)
    np.savez(p, x=np.zeros((2, 1, 4, 4), np.float32), y=[0, 5])
    with pytest.raises(ValueError, match="label 5"):
        read_npz(p, class_names=["a", "b"])
