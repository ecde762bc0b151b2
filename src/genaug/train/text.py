"""Text classifiers: TF-IDF + logistic regression (the strong non-deep baseline) and a small torch
bag-of-n-grams net that takes on-the-fly augmentation.

Both take ``LabeledData`` of modality ``text`` (``x``: a list of str) and share the classifier
contract (``fit(train, val, augmenter=, generator=)``, ``predict_proba``, ``save``/``load`` in the
one layout of :mod:`genaug.serialization`; no pickle).

* ``tfidf_logreg``: word 1-2-gram and character 2-5-gram TF-IDF (sublinear tf) and a
  multinomial logistic regression; C is selected on val from a grid. An augmenter adds
  ``n_aug_copies`` augmented copies of the training texts (offline). Saving writes the training
  texts (UTF-8 bytes in a uint8 tensor) and the selected C; loading refits, which reproduces the
  model exactly (fitting is deterministic).
* ``text_ngram``: fastText-style (Joulin et al. 2017) net: hashed word uni- and bi-grams, a
  mean-pooled ``EmbeddingBag``, dropout and a linear layer; AdamW for a fixed step budget, the
  best-on-val weights kept. ``augmenter(texts, generator=g)`` augments every batch on the fly;
  ``consistency`` > 0 adds a KL term between predictions on a text and on its augmented copy
  (UDA-style consistency training on the labeled batch).

``input_shape_`` of a text classifier is ``(1,)``: one string per sample.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Self

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.exceptions import NotFittedError
from torch import nn

from genaug.data.labeled import LabeledData
from genaug.modalities.base import is_modality
from genaug.registry import register
from genaug.rng import Seed, as_generator, derive_seed, draw_seed
from genaug.serialization import TensorSpec
from genaug.train import metrics
from genaug.train.base import BaseClassifier, sample_weights
from genaug.validation import check_int, check_range

__all__ = ["NgramNetClassifier", "TfidfLogRegClassifier", "check_text_fit_data", "pack_texts", "unpack_texts"]


def pack_texts(texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Strings as safetensors-friendly tensors: UTF-8 bytes (uint8) and end offsets (int64)."""
    blobs = [t.encode("utf-8", "surrogatepass") for t in texts]
    ends = np.cumsum([len(b) for b in blobs], dtype=np.int64) if blobs else np.zeros(0, np.int64)
    data = np.frombuffer(b"".join(blobs), dtype=np.uint8).copy()
    return torch.from_numpy(data), torch.from_numpy(ends)


def unpack_texts(data: torch.Tensor, ends: torch.Tensor) -> list[str]:
    """Inverse of :func:`pack_texts`."""
    raw = data.numpy().tobytes()
    out, start = [], 0
    for end in ends.tolist():
        if end < start or end > len(raw):
            raise ValueError(f"text offsets must increase within the {len(raw)} stored bytes; got {end}")
        out.append(raw[start:end].decode("utf-8", "surrogatepass"))
        start = end
    return out


def check_text_fit_data(train: Any, val: Any = None) -> None:
    """Raise unless ``train`` (and ``val``) are text ``LabeledData`` a classifier can fit on."""
    for name, d in (("train", train), ("val", val)):
        if d is None and name == "val":
            continue
        if not isinstance(d, LabeledData):
            raise TypeError(f"{name} must be a LabeledData; got {type(d).__name__}")
        if not is_modality(d, "text"):
            raise TypeError(f"{name} must hold text (modality 'text', x a list of str); got {d.modality!r}")
        if len(d) == 0:
            raise ValueError(f"{name} is empty; fit needs at least one sample of each of two classes")
    if len(np.unique(train.y)) < 2:
        raise ValueError("train holds a single class; a classifier needs at least two classes")
    if val is not None and val.class_names != train.class_names:
        raise ValueError(f"val.class_names must equal train.class_names; got {list(val.class_names)} "
                         f"and {list(train.class_names)}")


def _texts_of(data: Any) -> list[str]:
    x = data.x if isinstance(data, LabeledData) else data
    if not isinstance(x, list | tuple) or not all(isinstance(s, str) for s in x):
        raise TypeError("data must be text: a LabeledData of modality 'text' or a list of str")
    return list(x)


def _augmented(augmenter: Callable[..., Any], texts: list[str], generator: torch.Generator) -> list[str]:
    out = augmenter(texts, generator=generator)
    if not isinstance(out, list) or len(out) != len(texts) or not all(isinstance(s, str) for s in out):
        raise ValueError(f"augmenter must return a list of {len(texts)} str for a text batch; "
                         f"got {type(out).__name__}")
    return out


def _training_set(train: LabeledData, augmenter: Any, copies: int,
                  seed: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The texts, labels and sample weights of ``train`` plus ``copies`` augmented copies."""
    texts, y = list(train.x), np.asarray(train.y, dtype=np.int64)
    weights = sample_weights(train)
    w = np.ones(len(y)) if weights is None else weights
    xs, ys, ws = [texts], [y], [w]
    if augmenter is not None:
        g = as_generator(derive_seed(seed, "augment"))
        for _ in range(copies):
            xs.append(_augmented(augmenter, texts, g))
            ys.append(y)
            ws.append(w)
    return [t for part in xs for t in part], np.concatenate(ys), np.concatenate(ws)


def _logreg(c: float, max_iter: int, seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=max_iter, random_state=seed % 2**32)


def _proba(est: Any, x: Any, k: int) -> np.ndarray:
    """(N, K) probabilities over all K classes from an estimator fitted on a subset of them."""
    out = np.zeros((x.shape[0], k))
    out[:, est.classes_.astype(np.int64)] = est.predict_proba(x)
    return out


def _select_c(grid: Sequence[float], max_iter: int, seed: int, x: Any, y: np.ndarray, w: np.ndarray,
              x_val: Any, val_y: Any, k: int) -> tuple[float, list[dict[str, float]]]:
    """The C of ``grid`` with the best (validation accuracy, -NLL), and every candidate's scores."""
    scores: list[dict[str, float]] = []
    best: tuple[float, float] | None = None
    chosen = float(grid[0])
    for cand in grid:
        probs = _proba(_logreg(float(cand), max_iter, seed).fit(x, y, sample_weight=w), x_val, k)
        acc, nll = metrics.accuracy(probs, val_y), metrics.nll(probs, val_y)
        scores.append({"C": float(cand), "val_acc": acc, "val_nll": nll})
        if best is None or (acc, -nll) > best:
            best, chosen = (acc, -nll), float(cand)
    return chosen, scores


class _TextClassifier(BaseClassifier):
    """Shared plumbing of the text classifiers (fitted checks, the text input, mixers refused)."""

    def _check_mixer(self, mixer: Any) -> None:
        if mixer is not None:
            raise ValueError(f"{type(self).__name__} cannot use a label mixer (mixup/cutmix mix tensors, "
                             "not texts); remove the strategy's mixer:")

    def _check_predict_input(self, data: Any) -> list[str]:  # type: ignore[override]
        if not hasattr(self, "classes_"):
            raise NotFittedError(f"this {type(self).__name__} instance is not fitted yet; call fit() first")
        return _texts_of(data)


# ----------------------------------------------------------------------------------- TF-IDF


@register("model", "tfidf_logreg")
class TfidfLogRegClassifier(_TextClassifier):
    """TF-IDF features (word and character n-grams) + multinomial logistic regression.

    Args:
        C: inverse L2 regularisation used without val (or with ``select_on_val=False``).
        C_grid: C values tried on val (highest val accuracy, ties: lower val NLL, then order).
        word_ngrams: word n-gram range, e.g. ``(1, 2)``; None leaves word features out.
        char_ngrams: character n-gram range (within word boundaries); None leaves them out.
        min_df: terms in fewer training texts are dropped.
        max_features: largest vocabulary per analyser (most frequent terms kept).
        select_on_val: select C on val when val is given.
        n_aug_copies: offline augmented copies of the training texts when an augmenter is given.
        max_iter: solver iterations.

    Example:
        >>> clf = TfidfLogRegClassifier().fit(train, val, generator=0)  # doctest: +SKIP
    """

    auto_reference: ClassVar[str] = "none"  # fixed features: classical copies must prove themselves

    def __init__(self, *, C: float = 10.0, C_grid: Sequence[float] = (1.0, 10.0, 100.0),
                 word_ngrams: Sequence[int] | None = (1, 2), char_ngrams: Sequence[int] | None = (2, 5),
                 min_df: int = 1, max_features: int = 100_000, select_on_val: bool = True,
                 n_aug_copies: int = 4, max_iter: int = 1000) -> None:
        self.C = C
        self.C_grid = C_grid
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.max_features = max_features
        self.select_on_val = select_on_val
        self.n_aug_copies = n_aug_copies
        self.max_iter = max_iter
        self._validate_params()

    def _validate_params(self) -> None:
        check_range("C", self.C, 0.0, low_inclusive=False)
        if isinstance(self.C_grid, str) or not isinstance(self.C_grid, Sequence) or not self.C_grid:
            raise ValueError(f"C_grid must be a non-empty list of positive numbers; got {self.C_grid!r}")
        for c in self.C_grid:
            check_range("C_grid entry", c, 0.0, low_inclusive=False)
        for name in ("word_ngrams", "char_ngrams"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, str) or len(value) != 2 or not 1 <= value[0] <= value[1]:
                raise ValueError(f"{name} must be (low, high) with 1 <= low <= high, or None; got {value!r}")
        if self.word_ngrams is None and self.char_ngrams is None:
            raise ValueError("word_ngrams and char_ngrams are both None; keep at least one")
        check_int("min_df", self.min_df, 1)
        check_int("max_features", self.max_features, 10)
        check_int("n_aug_copies", self.n_aug_copies, 1)
        check_int("max_iter", self.max_iter, 1)
        if not isinstance(self.select_on_val, bool):
            raise TypeError(f"select_on_val must be a bool; got {self.select_on_val!r}")

    def _vectorizer(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion

        parts = []
        common = {"sublinear_tf": True, "min_df": self.min_df, "max_features": self.max_features,
                  "dtype": np.float64}
        if self.word_ngrams is not None:
            parts.append(("word", TfidfVectorizer(ngram_range=tuple(self.word_ngrams), **common)))
        if self.char_ngrams is not None:
            parts.append(("char", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(self.char_ngrams),
                                                  **common)))
        return FeatureUnion(parts)

    def fit(self, train: LabeledData, val: LabeledData | None = None, *, augmenter: Any = None,
            mixer: Any = None, generator: Seed = None) -> Self:
        """Fit on ``train`` (plus ``n_aug_copies`` augmented copies), C selected on ``val``.

        Args:
            train: text data with at least two classes; optional ``meta["weight"]``.
            val: text data with the same class_names for selecting C, or None.
            augmenter: ``augmenter(texts, generator=g) -> texts`` for the offline copies.
            mixer: not supported (ValueError when given).
            generator: seed or generator; all randomness derives from it.
        """
        self._validate_params()
        check_text_fit_data(train, val)
        self._check_mixer(mixer)
        start = time.perf_counter()
        seed = draw_seed(generator)
        all_x, all_y, all_w = _training_set(train, augmenter, self.n_aug_copies, seed)
        c, scores = float(self.C), []
        if val is not None and self.select_on_val and len(self.C_grid) > 1:
            feats = self._vectorizer().fit(all_x)
            c, scores = _select_c(self.C_grid, self.max_iter, seed, feats.transform(all_x), all_y, all_w,
                                  feats.transform(list(val.x)), val.y, train.num_classes)
        self.val_scores_ = scores
        self.seed_ = seed
        self._refit(all_x, all_y, all_w, c, train.class_names)
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def _refit(self, texts: list[str], y: np.ndarray, w: np.ndarray, c: float,
                classes: Sequence[str]) -> None:
        self.vectorizer_ = self._vectorizer().fit(texts)
        self.estimator_ = _logreg(c, self.max_iter, self.seed_).fit(self.vectorizer_.transform(texts), y,
                                                            sample_weight=w)
        self.best_C_ = c
        self.classes_ = tuple(classes)
        self.input_shape_ = (1,)
        self.modality_ = "text"
        self.n_train_rows_ = len(y)
        self._fit_data = (texts, y, w)

    def predict_proba(self, data: LabeledData | Any) -> np.ndarray:
        """(N, K) class probabilities of a text LabeledData (or a list of str)."""
        texts = self._check_predict_input(data)
        return _proba(self.estimator_, self.vectorizer_.transform(texts), len(self.classes_))

    # ----- saving
    def _state(self) -> dict[str, Any]:
        return {"best_C_": self.best_C_, "seed_": self.seed_, "val_scores_": self.val_scores_,
                "fit_seconds_": self.fit_seconds_, "n_train_rows_": self.n_train_rows_,
                "n_text_bytes_": int(sum(len(t.encode("utf-8", "surrogatepass")) for t in self._fit_data[0]))}

    def _tensors(self) -> dict[str, torch.Tensor]:
        texts, y, w = self._fit_data
        data, ends = pack_texts(texts)
        return {"text_bytes": data, "text_ends": ends, "y": torch.from_numpy(np.asarray(y, np.int64)),
                "weight": torch.from_numpy(np.asarray(w, np.float64))}

    def _restore_state(self, state: dict[str, Any]) -> None:
        self.best_C_ = float(state["best_C_"])
        self.seed_ = int(state["seed_"])
        self.val_scores_ = state["val_scores_"]
        self.fit_seconds_ = state["fit_seconds_"]
        self.n_train_rows_ = int(state["n_train_rows_"])
        self._n_bytes = int(state["n_text_bytes_"])

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        n = self.n_train_rows_
        return {"text_bytes": TensorSpec((self._n_bytes,), torch.uint8),
                "text_ends": TensorSpec((n,), torch.int64),
                "y": TensorSpec((n,), torch.int64), "weight": TensorSpec((n,), torch.float64)}

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        texts = unpack_texts(tensors["text_bytes"], tensors["text_ends"])
        y, w = tensors["y"].numpy(), tensors["weight"].numpy()
        if len(y) and (y.min() < 0 or y.max() >= len(self.classes_)):
            raise ValueError(f"y holds labels outside 0..{len(self.classes_) - 1}")
        seconds = self.fit_seconds_
        self._refit(texts, y, w, self.best_C_, self.classes_)
        self.fit_seconds_ = seconds


# ---------------------------------------------------------------------------- n-gram net

_TOKEN = __import__("re").compile(r"\w+|[^\w\s]")


def hash_ngrams(text: str, n_buckets: int, ngrams: int = 2) -> list[int]:
    """Bucket ids of the lower-cased word 1..``ngrams``-grams of ``text`` (CRC32 hashing, stable
    across processes); an empty text maps to bucket 0."""
    words = _TOKEN.findall(text.lower())
    ids = []
    for n in range(1, ngrams + 1):
        for i in range(len(words) - n + 1):
            gram = " ".join(words[i:i + n]).encode("utf-8", "surrogatepass")
            ids.append(1 + zlib.crc32(gram) % (n_buckets - 1))
    return ids or [0]


class _NgramNet(nn.Module):
    def __init__(self, n_buckets: int, dim: int, n_classes: int, dropout: float) -> None:
        super().__init__()
        self.embed = nn.EmbeddingBag(n_buckets, dim, mode="mean")
        self.dropout = dropout
        self.head = nn.Linear(dim, n_classes)

    def features(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.embed(ids, offsets)

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor,
                generator: torch.Generator | None = None) -> torch.Tensor:
        """Logits; in training mode, inverted dropout with a mask drawn from ``generator``."""
        h = self.features(ids, offsets)
        if self.training and self.dropout > 0 and generator is not None:
            keep = torch.rand(h.shape, generator=generator) >= self.dropout
            h = h * keep / (1.0 - self.dropout)
        return self.head(h)


@register("model", "text_ngram")
class NgramNetClassifier(_TextClassifier):
    """A fastText-style bag of hashed word n-grams (mean embedding -> linear), trained with AdamW.

    Args:
        steps: optimizer steps.
        batch_size: texts per step (capped at the train size).
        lr: learning rate.
        weight_decay: AdamW weight decay.
        dim: embedding size.
        n_buckets: hash buckets for word n-grams (bucket 0 is the empty text).
        ngrams: longest word n-gram (1: words only).
        dropout: dropout on the pooled embedding.
        consistency: weight of a KL(p(x) || p(aug(x))) term on each labeled batch (0: off; needs
            an augmenter).
        eval_every: steps between validations; the best-on-val weights are kept.
        n_threads: torch intra-op threads while fitting (None: leave as is).

    Example:
        >>> clf = NgramNetClassifier(steps=300)
        >>> clf.fit(train, val, augmenter=EDA(), generator=0)  # doctest: +SKIP
    """

    registry_name: ClassVar[str] = "text_ngram"

    def __init__(self, *, steps: int = 400, batch_size: int = 32, lr: float = 0.02,
                 weight_decay: float = 1e-4, dim: int = 32, n_buckets: int = 2**14, ngrams: int = 2,
                 dropout: float = 0.3,
                 consistency: float = 0.0, eval_every: int = 25, n_threads: int | None = 1) -> None:
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.dim = dim
        self.n_buckets = n_buckets
        self.ngrams = ngrams
        self.dropout = dropout
        self.consistency = consistency
        self.eval_every = eval_every
        self.n_threads = n_threads
        self._validate_params()

    def _validate_params(self) -> None:
        check_int("steps", self.steps, 1)
        check_int("batch_size", self.batch_size, 1)
        check_range("lr", self.lr, 0.0, low_inclusive=False)
        check_range("weight_decay", self.weight_decay, 0.0)
        check_int("dim", self.dim, 1)
        check_int("n_buckets", self.n_buckets, 2)
        check_int("ngrams", self.ngrams, 1, 3)
        check_range("dropout", self.dropout, 0.0, 1.0, high_inclusive=False)
        check_range("consistency", self.consistency, 0.0)
        check_int("eval_every", self.eval_every, 1)
        if self.n_threads is not None:
            check_int("n_threads", self.n_threads, 1)

    def _encode(self, texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        ids = [hash_ngrams(t, self.n_buckets, self.ngrams) for t in texts]
        offsets = torch.tensor([0, *np.cumsum([len(i) for i in ids])[:-1].tolist()], dtype=torch.long)
        return torch.tensor([j for i in ids for j in i], dtype=torch.long), offsets[: len(ids)]

    def _net(self, k: int) -> _NgramNet:
        """A fresh net; torch's default init draws from the global RNG, so it is forked and
        restored (the weights are then overwritten from the fit generator)."""
        with torch.random.fork_rng(devices=[]):
            return _NgramNet(self.n_buckets, self.dim, k, self.dropout)

    def fit(self, train: LabeledData, val: LabeledData | None = None, *, augmenter: Any = None,
            mixer: Any = None, generator: Seed = None) -> Self:
        """Train for ``steps`` steps; augment each batch with ``augmenter`` (on the fly).

        Args:
            train: text data (two classes at least); optional ``meta["weight"]``.
            val: text data for keeping the best weights, or None (final weights).
            augmenter: ``augmenter(texts, generator=g) -> texts``, applied to every batch.
            mixer: not supported.
            generator: seed or generator; init, batches, augmentation and dropout derive from it.
        """
        self._validate_params()
        check_text_fit_data(train, val)
        self._check_mixer(mixer)
        if self.consistency > 0 and augmenter is None:
            raise ValueError("consistency > 0 needs an augmenter (it compares a text with its augmented "
                             "copy)")
        threads = torch.get_num_threads()
        if self.n_threads is not None:
            torch.set_num_threads(self.n_threads)
        try:
            return self._fit(train, val, augmenter, generator)
        finally:
            torch.set_num_threads(threads)

    def _fit(self, train: LabeledData, val: LabeledData | None, augmenter: Any, generator: Seed) -> Self:
        start = time.perf_counter()
        seed = draw_seed(generator)
        k = train.num_classes
        g_init = as_generator(derive_seed(seed, "init"))
        net = self._net(k)
        with torch.no_grad():
            net.embed.weight.copy_(torch.randn(net.embed.weight.shape, generator=g_init) * 0.1)
            bound = 1.0 / np.sqrt(self.dim)
            net.head.weight.copy_((torch.rand(net.head.weight.shape, generator=g_init) * 2 - 1) * bound)
            net.head.bias.zero_()
        opt = torch.optim.AdamW(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        g_batch = as_generator(derive_seed(seed, "batches"))
        g_aug = as_generator(derive_seed(seed, "augment"))
        g_drop = as_generator(derive_seed(seed, "dropout"))
        texts, y = list(train.x), torch.as_tensor(train.y)
        weights = sample_weights(train)
        w = torch.ones(len(y)) if weights is None else torch.as_tensor(weights, dtype=torch.float32)
        val_x = self._encode(list(val.x)) if val is not None else None
        bs = min(self.batch_size, len(texts))
        order, pos = torch.randperm(len(texts), generator=g_batch), 0
        best: tuple[float, float] | None = None
        best_state, best_step, history = None, self.steps, []
        for step in range(1, self.steps + 1):
            if pos + bs > len(order):
                order, pos = torch.randperm(len(texts), generator=g_batch), 0
            idx = order[pos:pos + bs]
            pos += bs
            batch = [texts[i] for i in idx.tolist()]
            net.train()
            if augmenter is not None and self.consistency > 0:
                aug = _augmented(augmenter, batch, g_aug)
                ids, off = self._encode(batch + aug)
                logits = net(ids, off, g_drop)
                clean, noisy = logits[:bs], logits[bs:]
                loss = (F.cross_entropy(clean, y[idx], reduction="none") * w[idx]).mean()
                loss = loss + self.consistency * F.kl_div(
                    F.log_softmax(noisy, 1), F.softmax(clean.detach(), 1), reduction="batchmean")
            else:
                if augmenter is not None:
                    batch = _augmented(augmenter, batch, g_aug)
                ids, off = self._encode(batch)
                loss = (F.cross_entropy(net(ids, off, g_drop), y[idx], reduction="none") * w[idx]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            if step % self.eval_every == 0 or step == self.steps:
                record = {"step": step, "train_loss": float(loss.detach()), "val_acc": None, "val_nll": None}
                if val_x is not None and val is not None:
                    probs = self._proba_of(net, *val_x)
                    acc, nll = metrics.accuracy(probs, val.y), metrics.nll(probs, val.y)
                    record.update(val_acc=acc, val_nll=nll)
                    if best is None or acc > best[0] or (acc == best[0] and nll < best[1]):
                        best, best_step = (acc, nll), step
                        best_state = {n: t.detach().clone() for n, t in net.state_dict().items()}
                history.append(record)
        if best_state is not None:
            net.load_state_dict(best_state)
        self.model_ = net.eval()
        self.history_ = history
        self.best_step_ = best_step
        self.best_val_acc_ = None if best is None else best[0]
        self.seed_ = seed
        self.classes_ = tuple(train.class_names)
        self.input_shape_ = (1,)
        self.modality_ = "text"
        self.fit_seconds_ = time.perf_counter() - start
        return self

    @staticmethod
    def _proba_of(net: _NgramNet, ids: torch.Tensor, offsets: torch.Tensor) -> np.ndarray:
        net.eval()
        with torch.no_grad():
            return torch.softmax(net(ids, offsets), 1).double().numpy()

    def predict_proba(self, data: LabeledData | Any) -> np.ndarray:
        """(N, K) class probabilities of a text LabeledData (or a list of str)."""
        texts = self._check_predict_input(data)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        return self._proba_of(self.model_, *self._encode(texts))

    def features(self, data: LabeledData | Any) -> np.ndarray:
        """(N, dim) pooled n-gram embeddings (the penultimate layer)."""
        texts = self._check_predict_input(data)
        with torch.no_grad():
            return self.model_.features(*self._encode(texts)).double().numpy()

    def _state(self) -> dict[str, Any]:
        return {"history_": self.history_, "best_step_": self.best_step_, "best_val_acc_": self.best_val_acc_,
                "seed_": self.seed_, "fit_seconds_": self.fit_seconds_}

    def _tensors(self) -> dict[str, torch.Tensor]:
        return {f"model.{k}": v for k, v in self.model_.state_dict().items()}

    def _restore_state(self, state: dict[str, Any]) -> None:
        for key in ("history_", "best_step_", "best_val_acc_", "seed_", "fit_seconds_"):
            setattr(self, key, state[key])

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        with torch.device("meta"):
            net = self._net(len(self.classes_))
        return {f"model.{k}": TensorSpec(tuple(v.shape), v.dtype) for k, v in net.state_dict().items()}

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        net = self._net(len(self.classes_))
        net.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
        self.model_ = net.eval()
