"""Feature spaces in which real and synthetic data are compared.

Every extractor maps a :class:`~genaug.data.labeled.LabeledData` (or a raw batch) to a numpy
(N, D) float64 matrix. Metrics and filters take ``features=`` as

- ``None``: the modality default (:func:`default_features`);
- a name: ``"random_conv"``, ``"flatten"`` or ``"hashing_text"`` (handy in YAML);
- a :class:`FeatureExtractor`;
- any callable ``features(x_tensor) -> (N, D)`` (for example a network's ``features``),
  wrapped by :class:`ClassifierFeatures`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from genaug.data.labeled import LabeledData
from genaug.modalities import get_modality, modality_for_ndim
from genaug.rng import as_generator, derive_seed
from genaug.validation import check_int

__all__ = [
    "FeatureExtractor",
    "RandomConvFeatures",
    "ClassifierFeatures",
    "FlattenFeatures",
    "HashingTextFeatures",
    "FeatureSpec",
    "default_features",
    "resolve_features",
    "extract_features",
    "fit_feature_classifier",
]


def _raw(data: Any) -> Any:
    return data.x if isinstance(data, LabeledData) else data


def _to_float_tensor(x: Any) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x.detach().to(device="cpu", dtype=torch.float32)
    if hasattr(x, "to_numpy"):
        x = x.to_numpy()
    arr = np.asarray(x)
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"x must be numeric; got dtype {arr.dtype}")
    return torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))


class FeatureExtractor:
    """Base class: ``__call__(data) -> (N, D)`` float64 numpy, deterministic, no training."""

    def __call__(self, data: LabeledData | Any) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class RandomConvFeatures(FeatureExtractor):
    """A fixed, randomly initialised conv net: a training-free feature space for images/signals.

    ``depth`` blocks of (conv ``kernel_size``, ReLU, 2x average pooling) with ``width`` channels
    and He-normal weights drawn from ``seed``; the global average of every block's output is
    concatenated (multi-scale, any input size) and mapped to ``out_dim`` by a fixed Gaussian
    projection (distances preserved in expectation). Images in [0, 1] are centred to [-1, 1]
    first. Weights depend only on ``seed`` and the input channels / dimensionality, so two
    instances with one seed give identical features.

    Args:
        out_dim: feature dimension D (>= 1).
        width: channels per conv block.
        depth: number of conv blocks.
        kernel_size: odd conv kernel size.
        batch_size: samples per forward pass (lowered automatically for large inputs so that an
            activation stays under about 128 MiB).
        seed: seed of the random weights.

    Shape:
        input (N, C, H, W) images or (N, C, T) signals; output (N, out_dim).

    Example:
        >>> import torch
        >>> f = RandomConvFeatures(out_dim=16, seed=0)
        >>> f(torch.rand(5, 1, 8, 8)).shape
        (5, 16)
    """

    def __init__(self, *, out_dim: int = 128, width: int = 64, depth: int = 3,
                 kernel_size: int = 3, batch_size: int = 256, seed: int = 0) -> None:
        self.out_dim = out_dim
        self.width = width
        self.depth = depth
        self.kernel_size = kernel_size
        self.batch_size = batch_size
        self.seed = seed
        check_int("out_dim", out_dim, low=1)
        check_int("width", width, low=1)
        check_int("depth", depth, low=1)
        check_int("kernel_size", kernel_size, low=1)
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd; got {kernel_size}")
        check_int("batch_size", batch_size, low=1)
        check_int("seed", seed)
        self._weights: dict[tuple[int, int], tuple[list[torch.Tensor], torch.Tensor]] = {}

    def _params(self, channels: int, spatial: int) -> tuple[list[torch.Tensor], torch.Tensor]:
        key = (channels, spatial)
        if key not in self._weights:
            gen = as_generator(derive_seed(self.seed, "random_conv", channels, spatial))
            convs = []
            c_in = channels
            for _ in range(self.depth):
                fan_in = c_in * self.kernel_size**spatial
                shape = (self.width, c_in) + (self.kernel_size,) * spatial
                convs.append(torch.randn(shape, generator=gen) * (2.0 / fan_in) ** 0.5)
                c_in = self.width
            dim = self.width * self.depth
            projection = torch.randn(dim, self.out_dim, generator=gen) / self.out_dim**0.5
            self._weights[key] = (convs, projection)
        return self._weights[key]

    def __call__(self, data: LabeledData | Any) -> np.ndarray:
        """Features of ``data`` (a LabeledData or a raw (N, C, H, W) / (N, C, T) batch).

        Returns:
            (N, out_dim) float64.
        """
        x = _to_float_tensor(_raw(data))
        if x.ndim not in (3, 4):
            raise ValueError(
                f"RandomConvFeatures needs (N, C, H, W) images or (N, C, T) signals; got shape "
                f"{tuple(x.shape)}"
            )
        spatial = x.ndim - 2
        spec = get_modality(data.modality) if isinstance(data, LabeledData) else modality_for_ndim(x.ndim)
        if spec is not None and spec.value_range is not None:  # map the range to [-1, 1]
            lo, hi = spec.value_range
            x = (x - lo) * (2.0 / (hi - lo)) - 1.0
        convs, projection = self._params(int(x.shape[1]), spatial)
        conv = F.conv2d if spatial == 2 else F.conv1d
        pool = F.avg_pool2d if spatial == 2 else F.avg_pool1d
        # Cap the batch so that the first activation stays under ~2^25 floats (128 MiB).
        per_sample = self.width * int(np.prod(x.shape[2:], dtype=np.int64))
        batch = max(1, min(self.batch_size, (1 << 25) // max(per_sample, 1)))
        out = []
        with torch.no_grad():
            for start in range(0, len(x), batch):
                h = x[start : start + batch]
                pooled = []
                for weight in convs:
                    h = F.relu(conv(h, weight, padding=self.kernel_size // 2))
                    pooled.append(h.mean(dim=tuple(range(2, h.ndim))))
                    if min(h.shape[2:]) >= 2:
                        h = pool(h, 2)
                out.append(torch.cat(pooled, dim=1) @ projection)
        if not out:
            return np.zeros((0, self.out_dim))
        return torch.cat(out).double().numpy()


class FlattenFeatures(FeatureExtractor):
    """Every sample flattened to a row: pixel/raw space, and the default for numeric tabular data.

    Shape:
        input (N, ...) tensor, array or numeric DataFrame; output (N, prod(...)).

    Example:
        >>> import numpy as np
        >>> FlattenFeatures()(np.ones((3, 2, 2))).shape
        (3, 4)
    """

    def __call__(self, data: LabeledData | Any) -> np.ndarray:
        """Flattened float64 copy of ``data``'s samples.

        Raises:
            TypeError: for text or non-numeric (categorical) columns.
        """
        x = _raw(data)
        if isinstance(x, list) and x and isinstance(x[0], str):
            raise TypeError("FlattenFeatures cannot embed text; use features='hashing_text'")
        if isinstance(x, torch.Tensor):
            arr = x.detach().cpu().double().numpy()
        else:
            arr = np.asarray(x.to_numpy() if hasattr(x, "to_numpy") else x)
            if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
                raise TypeError(f"x must be numeric; got dtype {arr.dtype} (encode categorical columns)")
        return arr.astype(np.float64).reshape(arr.shape[0], int(np.prod(arr.shape[1:])))  # N may be 0


class HashingTextFeatures(FeatureExtractor):
    """Bag of word uni/bi-grams hashed into ``n_features`` dims, L2-normalised (no training).

    Args:
        n_features: output dimension.
        ngram_range: word n-gram range.

    Example:
        >>> HashingTextFeatures(n_features=32)(["a cat", "a dog"]).shape
        (2, 32)
    """

    def __init__(self, *, n_features: int = 512, ngram_range: tuple[int, int] = (1, 2)) -> None:
        self.n_features = n_features
        self.ngram_range = ngram_range
        check_int("n_features", n_features, low=2)

    def __call__(self, data: LabeledData | Any) -> np.ndarray:
        """(N, n_features) float64 features of a list of strings."""
        from sklearn.feature_extraction.text import HashingVectorizer

        texts = _raw(data)
        if not isinstance(texts, list) or not all(isinstance(s, str) for s in texts):
            raise TypeError("HashingTextFeatures needs a list of str (text modality)")
        if not texts:  # the vectorizer raises StopIteration on an empty list
            return np.zeros((0, self.n_features))
        vec = HashingVectorizer(n_features=self.n_features, ngram_range=tuple(self.ngram_range),
                                alternate_sign=False, norm="l2")
        return np.asarray(vec.transform(texts).todense(), dtype=np.float64)


class ClassifierFeatures(FeatureExtractor):
    """Penultimate-layer features of a fitted classifier, or of any ``features(x) -> (N, D)``.

    Looks up, in order: ``source.features`` when ``source`` is a fitted genaug classifier (it
    has ``predict_proba``; its ``features`` normalises inputs as in training),
    ``source.model_.features`` (a network exposing ``features``), ``source.features``, then
    ``source`` itself if it is callable. The callable receives float32 tensors batch by batch
    (moved to the network's device when it is a module with parameters) under
    ``torch.no_grad()`` with the network in eval mode.

    Args:
        source: a fitted classifier, a network, or a callable on batches.
        batch_size: samples per call.

    Example:
        >>> import torch
        >>> f = ClassifierFeatures(lambda x: x.flatten(1)[:, :3])
        >>> f(torch.rand(4, 1, 2, 2)).shape
        (4, 3)
    """

    def __init__(self, source: Any, *, batch_size: int = 256) -> None:
        self.source = source
        self.batch_size = batch_size
        check_int("batch_size", batch_size, low=1)
        self._fn = self._resolve(source)

    @staticmethod
    def _resolve(source: Any) -> Callable[[torch.Tensor], Any]:
        if callable(getattr(source, "predict_proba", None)) and callable(getattr(source, "features", None)):
            return source.features  # a genaug classifier: applies its own input normalisation
        model = getattr(source, "model_", None)
        if model is not None and callable(getattr(model, "features", None)):
            return model.features
        if callable(getattr(source, "features", None)):
            return source.features
        if callable(source):
            return source
        raise TypeError(
            "source must be a fitted classifier with model_.features, an object with a features "
            f"method, or a callable on batches; got {type(source).__name__}"
        )

    def _module(self) -> torch.nn.Module | None:
        fn = self._fn
        owner = getattr(fn, "__self__", None)
        return owner if isinstance(owner, torch.nn.Module) else None

    def __call__(self, data: LabeledData | Any) -> np.ndarray:
        """(N, D) float64 features of ``data``."""
        x = _to_float_tensor(_raw(data))
        module = self._module()
        device = torch.device("cpu")
        was_training = False
        if module is not None:
            was_training = module.training
            module.eval()
            param = next(module.parameters(), None)
            if param is not None:
                device = param.device
        out = []
        try:
            with torch.no_grad():
                for start in range(0, len(x), self.batch_size):
                    f = self._fn(x[start : start + self.batch_size].to(device))
                    f = torch.as_tensor(f).detach().to("cpu", torch.float64)
                    out.append(f.reshape(f.shape[0], -1))
        finally:
            if module is not None and was_training:
                module.train()
        if not out:
            return np.zeros((0, 0))
        return torch.cat(out).numpy()


FeatureSpec = str | FeatureExtractor | Callable[[Any], Any] | None

_NAMED: dict[str, type[FeatureExtractor]] = {
    "random_conv": RandomConvFeatures,
    "flatten": FlattenFeatures,
    "hashing_text": HashingTextFeatures,
}


def default_features(modality: str) -> FeatureExtractor:
    """The default feature space of ``modality``.

    The modality names it (``feature_extractor``): image/signal/audio use
    :class:`RandomConvFeatures` (seed 0); tabular :class:`FlattenFeatures`; text
    :class:`HashingTextFeatures`.
    """
    config = get_modality(modality).feature_extractor
    if config is None:
        raise ValueError(
            f"modality {modality!r} names no feature extractor for quality metrics; pass "
            f"features= one of {sorted(_NAMED)} or a FeatureExtractor"
        )
    config = dict(config)
    name = config.pop("name")
    if name not in _NAMED:
        raise ValueError(
            f"modality {modality!r} names feature extractor {name!r}; accepted: {sorted(_NAMED)}"
        )
    return _NAMED[name](**config)


def resolve_features(features: FeatureSpec, modality: str) -> FeatureExtractor:
    """Turn a ``features=`` argument into a :class:`FeatureExtractor` (see the module docstring)."""
    if features is None:
        return default_features(modality)
    if isinstance(features, FeatureExtractor):
        return features
    if isinstance(features, str):
        if features not in _NAMED:
            raise ValueError(f"features must be one of {sorted(_NAMED)} or a callable; got {features!r}")
        return _NAMED[features]()
    if callable(features) or hasattr(features, "model_"):
        return ClassifierFeatures(features)
    raise TypeError(
        f"features must be None, a name {sorted(_NAMED)}, a FeatureExtractor or a callable; "
        f"got {type(features).__name__}"
    )


def extract_features(data: LabeledData, features: FeatureSpec = None) -> np.ndarray:
    """Features of ``data`` in the space ``features`` names.

    Returns:
        (N, D) float64, finite.
    """
    if not isinstance(data, LabeledData):
        raise TypeError(f"data must be a LabeledData; got {type(data).__name__}")
    out = np.asarray(resolve_features(features, data.modality)(data), dtype=np.float64)
    if out.ndim != 2 or out.shape[0] != len(data):
        raise ValueError(f"features must return an (N, D) matrix with N={len(data)}; got {out.shape}")
    if not np.isfinite(out).all():
        raise ValueError("features returned NaN or infinite values")
    return out


def fit_feature_classifier(real: LabeledData, *, model: str = "small_cnn", generator: Any = 0,
                           **config: Any) -> ClassifierFeatures:
    """Train a registry classifier on ``real`` and return its penultimate-layer feature space.

    Args:
        real: labeled training data (never the test split).
        model: a ``registry.available("model")`` name whose network exposes ``features``.
        generator: seed of the training.
        **config: passed to the model's constructor (e.g. ``steps``).

    Returns:
        :class:`ClassifierFeatures` over the fitted classifier.
    """
    from genaug import registry

    clf = registry.create("model", model, **config)
    clf.fit(real, None, generator=generator)
    return ClassifierFeatures(clf)
