"""Feature spaces: determinism, shapes, adapters, name resolution."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genaug.data.labeled import LabeledData
from genaug.quality.features import (
    ClassifierFeatures,
    FlattenFeatures,
    HashingTextFeatures,
    RandomConvFeatures,
    default_features,
    extract_features,
    resolve_features,
)


def _images(n: int = 12, seed: int = 0, shape=(1, 8, 8)) -> torch.Tensor:
    return torch.rand(n, *shape, generator=torch.Generator().manual_seed(seed))


def test_random_conv_is_deterministic_from_its_seed() -> None:
    x = _images()
    a = RandomConvFeatures(out_dim=32, seed=3)(x)
    b = RandomConvFeatures(out_dim=32, seed=3)(x)
    c = RandomConvFeatures(out_dim=32, seed=4)(x)
    assert a.shape == (12, 32) and a.dtype == np.float64
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_random_conv_does_not_touch_global_rng() -> None:
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    RandomConvFeatures(out_dim=8, seed=1)(_images())
    assert torch.equal(torch.rand(3), expected)


def test_random_conv_batching_signals_and_sizes() -> None:
    x = _images(10, shape=(3, 16, 12))
    f = RandomConvFeatures(out_dim=16, batch_size=3)
    np.testing.assert_allclose(f(x), RandomConvFeatures(out_dim=16)(x), rtol=1e-5, atol=1e-6)
    signals = torch.randn(5, 2, 40, generator=torch.Generator().manual_seed(1))
    assert RandomConvFeatures(out_dim=8)(LabeledData(signals, [0] * 5, ("a",), "signal")).shape == (5, 8)
    assert RandomConvFeatures(out_dim=8)(_images(2, shape=(1, 1, 1))).shape == (2, 8)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        RandomConvFeatures()(torch.zeros(3, 4))
    with pytest.raises(ValueError, match="kernel_size"):
        RandomConvFeatures(kernel_size=2)


def test_random_conv_separates_different_images() -> None:
    f = RandomConvFeatures(out_dim=32)
    dark, bright = _images(20) * 0.2, 0.8 + _images(20, seed=1) * 0.2
    fd, fb = f(dark), f(bright)
    within = np.linalg.norm(fd - fd.mean(0), axis=1).mean()
    assert np.linalg.norm(fd.mean(0) - fb.mean(0)) > 3 * within


def test_flatten_and_text() -> None:
    assert FlattenFeatures()(np.ones((3, 2, 2))).shape == (3, 4)
    with pytest.raises(TypeError, match="hashing_text"):
        FlattenFeatures()(["a b"])
    t = HashingTextFeatures(n_features=16)(["the cat", "the cat", "a dog"])
    assert t.shape == (3, 16)
    np.testing.assert_array_equal(t[0], t[1])
    np.testing.assert_allclose(np.linalg.norm(t, axis=1), 1.0)


class _Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(4, 3)
        self.drop = torch.nn.Dropout(0.9)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.lin(x.flatten(1)))


class _FittedClassifier:
    def __init__(self) -> None:
        self.model_ = _Net()


def test_classifier_features_uses_penultimate_layer_in_eval_mode() -> None:
    clf = _FittedClassifier()
    clf.model_.train()
    x = _images(6, shape=(1, 2, 2))
    f = ClassifierFeatures(clf, batch_size=4)
    out = f(x)
    expected = clf.model_.lin(x.flatten(1)).detach().double().numpy()  # dropout off
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert clf.model_.training  # mode restored
    assert ClassifierFeatures(lambda t: t.flatten(1)[:, :2])(x).shape == (6, 2)
    with pytest.raises(TypeError, match="features"):
        ClassifierFeatures(42)


def test_resolution_of_feature_specs() -> None:
    assert isinstance(default_features("image"), RandomConvFeatures)
    assert isinstance(default_features("tabular"), FlattenFeatures)
    assert isinstance(default_features("text"), HashingTextFeatures)
    assert isinstance(resolve_features("flatten", "image"), FlattenFeatures)
    assert isinstance(resolve_features(lambda t: t, "image"), ClassifierFeatures)
    with pytest.raises(ValueError, match="random_conv"):
        resolve_features("inception", "image")
    data = LabeledData(_images(4), [0, 1, 0, 1], ("a", "b"), "image")
    with pytest.raises(ValueError, match="N=4"):
        extract_features(data, lambda t: t[:2].flatten(1))


@pytest.mark.slow
def test_features_of_a_fitted_genaug_classifier() -> None:
    from genaug.quality.features import fit_feature_classifier

    y = np.repeat([0, 1], 10)
    x = _images(20)
    x[y == 1] *= 0.3
    real = LabeledData(x, y, ("a", "b"), "image")
    feats = fit_feature_classifier(real, model="small_cnn", steps=3, batch_size=8)
    out = feats(real)
    assert out.ndim == 2 and out.shape[0] == 20
    np.testing.assert_allclose(out, feats.source.features(real), rtol=1e-6)  # normalised inputs
    np.testing.assert_array_equal(feats(real), out)
