"""Save contract of every registered classifier: the synthesizers' layout, loaded through the registry.

Parametrized over ``registry.available("model")`` (the library's entries; stand-ins that other
test modules register are left out). Each is fit for a few steps on tiny data of a modality it
takes, saved, and loaded with ``load_classifier``, its own class and ``BaseClassifier.load``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.serialization import CONFIG_NAME, FORMAT_VERSION, WEIGHTS_NAME
from genaug.train import BaseClassifier, load_classifier

FAST = {"small_cnn": {"steps": 3}, "cnn1d": {"steps": 3}, "mlp": {"steps": 3}, "hist_gb": {"max_iter": 5},
        "text_ngram": {"steps": 3, "n_buckets": 64, "dim": 4},
        "audio_cnn": {"steps": 3, "arch_kwargs": {"width": 8}}, "mfcc_svm": {"n_mfcc": 8}}
MODALITY = {"small_cnn": "image", "cnn1d": "signal", "tfidf_logreg": "text", "text_ngram": "text",
            "minilm_logreg": "text",
            "audio_cnn": "audio", "mfcc_svm": "audio"}
# everything else: a table


def _names() -> list[str]:
    return [n for n in registry.available("model")
            if getattr(registry.get("model", n), "__module__", "").startswith("genaug.")]  # fmt: skip


def make_data(modality: str) -> LabeledData:
    g = torch.Generator().manual_seed(0)
    y = np.repeat(np.arange(3), 6)
    if modality == "text":
        words = (["red apple pie", "ripe fruit"], ["fast red car", "engine oil"], ["cold rain", "snow"])
        texts = [f"{words[c][i % 2]} number {i} caf\u00e9" for i, c in enumerate(y)]
        return LabeledData(texts, y, ("a", "b", "c"), "text")
    shape = {"image": (1, 6, 6), "signal": (1, 16), "audio": (1, 32), "tabular": (5,)}[modality]
    shift = 0.2 * torch.as_tensor(y).view(-1, *[1] * len(shape))
    x = 0.3 * torch.rand((len(y), *shape), generator=g) + shift
    data = x.clamp(0, 1) if modality == "image" else x
    if modality == "tabular":
        return LabeledData(data.numpy().astype(np.float64), y, ("a", "b", "c"), "tabular")
    return LabeledData(data, y, ("a", "b", "c"), modality)


@pytest.mark.parametrize("name", _names())
def test_save_load_round_trip_through_the_registry(name: str, tmp_path) -> None:
    cls = registry.get("model", name)
    clf = cls(**FAST.get(name, {}))
    with pytest.raises(NotFittedError, match=cls.__name__):
        clf.save(tmp_path / "never")
    data = make_data(MODALITY.get(name, "tabular"))
    clf.fit(data, generator=0)
    path = clf.save(tmp_path / name)
    assert sorted(p.name for p in path.iterdir()) == [CONFIG_NAME, WEIGHTS_NAME]
    config = json.loads((path / CONFIG_NAME).read_text())
    assert (config["format_version"], config["kind"], config["name"]) == (FORMAT_VERSION, "model", name)
    assert set(config) == {"format_version", "kind", "name", "params", "state", "genaug_version"}
    assert config["state"]["classes_"] == ["a", "b", "c"] and config["state"]["modality_"] == data.modality
    for loaded in (load_classifier(path), cls.load(path), BaseClassifier.load(path)):
        assert type(loaded) is cls and loaded.get_params().keys() == clf.get_params().keys()
        assert loaded.classes_ == clf.classes_ and loaded.input_shape_ == clf.input_shape_
        np.testing.assert_array_equal(loaded.predict_proba(data), clf.predict_proba(data))
