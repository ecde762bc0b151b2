"""Classical text augmentation over batches of strings, with replayable parameters and provenance.

Every op takes a batch ``list[str]`` and returns a new ``list[str]`` of the same length. As for
the tensor augmenters, all randomness is drawn in ``make_params`` from an explicit
``torch.Generator`` (one NumPy stream is seeded from it), and ``apply`` is deterministic:
``params["edits"][i]`` lists exactly what was done to sample ``i`` (which word positions, which
replacements), so a call can be replayed, logged or inspected (:func:`provenance`).

========================= ===============================================================
name                      what it does (Wei & Zou 2019 for the four EDA ops)
========================= ===============================================================
``synonym_replace``       replace ``alpha * n_words`` words by a WordNet 3.0 synonym
``random_insert``         insert a synonym of a random word at a random position
``random_swap``           swap two random words, ``alpha * n_words`` times
``random_delete``         delete each word with probability ``alpha``
``eda``                   one of the four above per sample (EDA)
``glove_replace``         replace words by a GloVe 6B nearest neighbour (WordNet antonyms
                          blocked: GloVe's neighbours of "good" include "bad"'s company)
``char_noise``            keyboard typos, OCR confusions, homoglyphs, case flips,
                          whitespace and punctuation noise at a per-character rate
========================= ===============================================================

Words are the whitespace-separated tokens of a text; an op that touches words rejoins them
with single spaces. Surrounding punctuation of a word is kept and the replacement takes the
word's capitalisation. Stop words (scikit-learn's English list by default) and ``protected``
words (e.g. the label names) are never replaced, inserted from or deleted.

Example:
    >>> from genaug.ops.text import RandomSwap
    >>> aug = RandomSwap(alpha=0.3)
    >>> out = aug(["the cat sat on the mat"], generator=0)
    >>> sorted(out[0].split()) == sorted("the cat sat on the mat".split())
    True
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch

from genaug.ops.base import Augmenter, Params
from genaug.registry import register
from genaug.rng import Seed, as_generator
from genaug.validation import check_range

__all__ = [
    "CharNoise", "EDA", "GloveReplace", "RandomDelete", "RandomInsert", "RandomSwap",
    "SynonymReplace", "TextAugmenter", "augment_texts", "check_texts", "provenance",
]

_CORE = re.compile(r"^(\W*)(.*?)(\W*)$", re.DOTALL)
_ALPHA = re.compile(r"^[A-Za-z][A-Za-z'-]*$")


def check_texts(name: str, batch: Any) -> list[str]:
    """``batch`` as a list of str, or a TypeError naming ``name`` and the first bad item."""
    if not isinstance(batch, list | tuple):
        raise TypeError(f"{name} must be a list of str (text modality); got {type(batch).__name__}")
    for i, s in enumerate(batch):
        if not isinstance(s, str):
            raise TypeError(f"{name}[{i}] must be a str; got {type(s).__name__} ({s!r:.40})")
    return list(batch)


def _stop_words(stop_words: Any) -> frozenset[str]:
    if stop_words is None:
        return frozenset()
    if stop_words == "english":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        return frozenset(ENGLISH_STOP_WORDS)
    if isinstance(stop_words, str) or not isinstance(stop_words, Sequence | set | frozenset):
        raise ValueError(f"stop_words must be 'english', None or a list of words; got {stop_words!r}")
    return frozenset(str(w).lower() for w in stop_words)


def _words(name: str, words: Any) -> frozenset[str]:
    if words is None:
        return frozenset()
    if isinstance(words, str) or not isinstance(words, Sequence | set | frozenset):
        raise ValueError(f"{name} must be a list of words or None; got {words!r}")
    return frozenset(str(w).lower() for w in words)


def _split(token: str) -> tuple[str, str, str]:
    m = _CORE.match(token)
    assert m is not None  # the pattern matches every string
    return m.group(1), m.group(2), m.group(3)


def _match_case(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


class TextAugmenter(Augmenter):
    """Base class of text augmenters: batches are ``list[str]``; params hold per-sample edits.

    Subclasses implement ``_draw_one(text, rng) -> edits | None`` (every random choice, as
    JSON-able data) and ``_apply_one(text, edits) -> str`` (deterministic).

    Shape:
        list of B str -> list of B str.
    """

    input_ndim: ClassVar[int] = 1  # "rank" of a text batch: a list of strings

    def _check_batch(self, batch: Any) -> None:
        check_texts("batch", batch)

    def make_params(self, batch: Any, *, generator: torch.Generator) -> Params:  # type: ignore[override]
        """Draw every random choice for ``batch``: ``{"mask": (B,) bool, "edits": [...]}``."""
        self._check_batch(batch)
        return self._draw_params(batch, generator=as_generator(generator))

    def _draw_params(self, batch: Any, *, generator: torch.Generator) -> Params:  # type: ignore[override]
        mask = torch.rand(len(batch), generator=generator) < self.p
        seed = int(torch.randint(0, 2**63 - 1, (1,), generator=generator))
        rng = np.random.default_rng(seed)
        keep = mask.tolist()
        edits = [self._draw_one(t, rng) if m else None for t, m in zip(batch, keep, strict=True)]
        return {"mask": mask, "edits": edits}

    def _make_params(self, batch: Any, *, generator: torch.Generator) -> Params:  # pragma: no cover
        raise NotImplementedError  # text augmenters draw per sample in _draw_params

    def apply(self, batch: Any, params: Params) -> list[str]:  # type: ignore[override]
        """Apply the recorded edits (deterministic); samples without edits pass through."""
        texts = check_texts("batch", batch)
        edits = params["edits"]
        if len(edits) != len(texts):
            raise ValueError(f"params hold edits for {len(edits)} samples; the batch has {len(texts)}")
        return [t if e is None else self._apply_one(t, e) for t, e in zip(texts, edits, strict=True)]

    def _apply(self, batch: Any, params: Params) -> Any:  # pragma: no cover - apply is overridden
        return self.apply(batch, params)

    def __call__(self, batch: Any, *, generator: Seed = None, params: Params | None = None) -> list[str]:  # type: ignore[override]
        """Augment ``batch`` (a list of str); pass ``params`` from ``make_params`` to replay."""
        if params is None:
            params = self.make_params(batch, generator=as_generator(generator))
        return self.apply(batch, params)

    def _draw_one(self, text: str, rng: np.random.Generator) -> Any:
        raise NotImplementedError

    def _apply_one(self, text: str, edits: Any) -> str:
        raise NotImplementedError


def provenance(params: Params) -> list[str]:
    """One JSON string per sample describing what an augmenter did to it (``"null"``: untouched)."""
    return [json.dumps(e, sort_keys=True) for e in params["edits"]]


def augment_texts(data: Any, augmenter: TextAugmenter, *, copies: int = 1, generator: Seed = None) -> Any:
    """``copies`` augmented copies of every sample of a text ``LabeledData``, with provenance.

    Returns:
        A ``LabeledData`` with ``meta["source"] == "augmented"``, ``meta["source_index"]`` (the
        row it came from) and ``meta["augmentation"]`` (JSON of the edits).
    """
    from genaug.data.labeled import LabeledData

    g = as_generator(generator)
    texts: list[str] = []
    origin: list[int] = []
    prov: list[str] = []
    for _ in range(copies):
        params = augmenter.make_params(list(data.x), generator=g)
        texts += augmenter.apply(list(data.x), params)
        origin += list(range(len(data)))
        prov += provenance(params)
    idx = np.asarray(origin, dtype=np.int64)
    return LabeledData(texts, data.y[idx], data.class_names, data.modality, {
        "source": np.full(len(idx), "augmented"), "source_index": idx, "augmentation": np.asarray(prov),
    })


# ----------------------------------------------------------------------------------- word ops


class _WordOp(TextAugmenter):
    """Shared settings of the word-level ops (the stop-word and protected-word lists)."""

    def _init_words(self, alpha: float, stop_words: Any, protected: Any) -> None:
        check_range("alpha", alpha, 0.0, 1.0)
        self._stop = _stop_words(stop_words)
        self._protected = _words("protected", protected)

    def _n(self, n_words: int) -> int:
        return max(1, int(round(self.alpha * n_words))) if self.alpha > 0 else 0

    def _free(self, core: str) -> bool:
        """Whether a word may be replaced: alphabetic, no acronym, no stop or protected word."""
        low = core.lower()
        return (bool(_ALPHA.match(core)) and not (core.isupper() and len(core) > 1)
                and low not in self._stop and low not in self._protected)


class _Lexical(_WordOp):
    """Word ops that look words up in WordNet."""

    def _lexicon(self) -> Any:
        from genaug.ops.text_lexicon import wordnet

        return wordnet(self.wordnet_path)

    def _synonyms_at(self, tokens: list[str], i: int) -> tuple[str, ...]:
        """Synonyms of the word at position ``i`` that may replace it (``()``: none or not free)."""
        core = _split(tokens[i])[1]
        if not self._free(core):
            return ()
        return tuple(s for s in self._lexicon().synonyms(core) if s.lower() not in self._protected)

    def _draw_replacements(self, tokens: list[str], n: int, rng: np.random.Generator) -> list[list[Any]]:
        """EDA's draw: free words in random order, each looked up until ``n`` are replaced (only
        the words tried are looked up)."""
        edits = []
        for i in rng.permutation(len(tokens)).tolist():
            if len(edits) == n:
                break
            syn = self._synonyms_at(tokens, i)
            if syn:
                edits.append([i, syn[int(rng.integers(len(syn)))]])
        return sorted(edits)


def _replace_edits(tokens: list[str], edits: list[list[Any]]) -> str:
    out = list(tokens)
    for i, new in edits:
        pre, core, post = _split(out[i])
        out[i] = pre + _match_case(new, core) + post
    return " ".join(out)


@register("augmenter", "synonym_replace")
class SynonymReplace(_Lexical):
    """Replace ``max(1, round(alpha * n_words))`` non-stop words by a random WordNet synonym.

    Args:
        alpha: fraction of the words to replace, in [0, 1].
        stop_words: ``"english"`` (scikit-learn's list), None, or a list of words never replaced.
        protected: words never replaced (e.g. class names).
        wordnet_path: the WordNet 3.0 database folder (default ``/usr/share/wordnet``, Debian
            package ``wordnet-base``).
        p: probability that a sample is augmented.

    Shape:
        list of B str -> list of B str; params ``edits[i]``: ``[[word index, replacement], ...]``.

    Example:
        >>> SynonymReplace(alpha=0.2)(["a quick brown fox"], generator=0)  # doctest: +SKIP
        ['a speedy brown fox']
    """

    def __init__(self, *, alpha: float = 0.1, stop_words: Any = "english", protected: Any = None,
                 wordnet_path: str | None = None, p: float = 1.0) -> None:
        super().__init__(p=p)
        self.alpha = alpha
        self.stop_words = stop_words
        self.protected = protected
        self.wordnet_path = wordnet_path
        self._init_words(alpha, stop_words, protected)

    def _draw_one(self, text: str, rng: np.random.Generator) -> Any:
        tokens = text.split()
        return self._draw_replacements(tokens, self._n(len(tokens)), rng) if tokens else []

    def _apply_one(self, text: str, edits: Any) -> str:
        return _replace_edits(text.split(), edits) if edits else text


@register("augmenter", "random_insert")
class RandomInsert(_Lexical):
    """Insert a WordNet synonym of each of n random non-stop words at a random position.

    Args:
        alpha: the number of insertions is ``max(1, round(alpha * n_words))``, alpha in [0, 1].
        stop_words: ``"english"``, None or a list of words whose synonyms are never inserted.
        protected: words never used as a source of synonyms.
        wordnet_path: the WordNet 3.0 database folder.
        p: probability that a sample is augmented.

    Shape:
        list of B str -> list of B str; params ``edits[i]``: ``[[position, word], ...]`` in order.

    Example:
        >>> len(RandomInsert(alpha=0.3)(["a quick brown fox"], generator=0)[0]) >= 17  # doctest: +SKIP
        True
    """

    def __init__(self, *, alpha: float = 0.1, stop_words: Any = "english", protected: Any = None,
                 wordnet_path: str | None = None, p: float = 1.0) -> None:
        super().__init__(p=p)
        self.alpha = alpha
        self.stop_words = stop_words
        self.protected = protected
        self.wordnet_path = wordnet_path
        self._init_words(alpha, stop_words, protected)

    def _draw_one(self, text: str, rng: np.random.Generator) -> Any:
        tokens = text.split()
        sources = self._draw_replacements(tokens, self._n(len(tokens)), rng) if tokens else []
        edits, length = [], len(tokens)
        for _, word in sources:  # a synonym of a random word, at a random position
            edits.append([int(rng.integers(length + 1)), word])
            length += 1
        return edits

    def _apply_one(self, text: str, edits: Any) -> str:
        tokens = text.split()
        for pos, word in edits:
            tokens.insert(pos, word)
        return " ".join(tokens)


@register("augmenter", "random_swap")
class RandomSwap(_WordOp):
    """Swap the words at two random positions, ``max(1, round(alpha * n_words))`` times.

    Args:
        alpha: fraction of the word count to swap, in [0, 1].
        stop_words: unused by swaps (every word may move); kept for a uniform EDA config.
        protected: words that never move.
        p: probability that a sample is augmented.

    Shape:
        list of B str -> list of B str; params ``edits[i]``: ``[[i, j], ...]`` applied in order.

    Example:
        >>> RandomSwap(alpha=0.5)(["one two"], generator=0)
        ['two one']
    """

    def __init__(self, *, alpha: float = 0.1, stop_words: Any = None, protected: Any = None,
                 p: float = 1.0) -> None:
        super().__init__(p=p)
        self.alpha = alpha
        self.stop_words = stop_words
        self.protected = protected
        self._init_words(alpha, None, protected)

    def _draw_one(self, text: str, rng: np.random.Generator) -> Any:
        tokens = text.split()
        if self._protected:
            movable = [i for i, t in enumerate(tokens) if _split(t)[1].lower() not in self._protected]
        else:
            movable = list(range(len(tokens)))
        m = len(movable)
        if m < 2:
            return []
        n = self._n(len(tokens))
        a = rng.integers(m, size=n)
        b = (a + 1 + rng.integers(m - 1, size=n)) % m  # a second, different position
        return [[movable[i], movable[j]] for i, j in zip(a.tolist(), b.tolist(), strict=True)]

    def _apply_one(self, text: str, edits: Any) -> str:
        tokens = text.split()
        for a, b in edits:
            tokens[a], tokens[b] = tokens[b], tokens[a]
        return " ".join(tokens) if edits else text


@register("augmenter", "random_delete")
class RandomDelete(_WordOp):
    """Delete each word with probability ``alpha`` (protected words stay; one word always stays).

    Args:
        alpha: deletion probability per word, in [0, 1].
        stop_words: unused by deletion (every word may go); kept for a uniform EDA config.
        protected: words never deleted.
        p: probability that a sample is augmented.

    Shape:
        list of B str -> list of B str; params ``edits[i]``: the deleted word indices.

    Example:
        >>> RandomDelete(alpha=0.0)(["keep every word"], generator=0)
        ['keep every word']
    """

    def __init__(self, *, alpha: float = 0.1, stop_words: Any = None, protected: Any = None,
                 p: float = 1.0) -> None:
        super().__init__(p=p)
        self.alpha = alpha
        self.stop_words = stop_words
        self.protected = protected
        self._init_words(alpha, None, protected)

    def _draw_one(self, text: str, rng: np.random.Generator) -> Any:
        tokens = text.split()
        if len(tokens) <= 1:
            return []
        drop = rng.random(len(tokens)) < self.alpha
        if self._protected:
            for i, t in enumerate(tokens):
                if _split(t)[1].lower() in self._protected:
                    drop[i] = False
        if drop.all():
            drop[int(rng.integers(len(tokens)))] = False
        return np.flatnonzero(drop).tolist()

    def _apply_one(self, text: str, edits: Any) -> str:
        if not edits:
            return text
        gone = set(edits)
        return " ".join(t for i, t in enumerate(text.split()) if i not in gone)


@register("augmenter", "eda")
class EDA(TextAugmenter):
    """Easy Data Augmentation (Wei & Zou 2019): one of four word ops per sample.

    Each augmented sample gets exactly one of synonym replacement, random insertion, random
    swap and random deletion, chosen uniformly among those whose rate is above 0.

    Args:
        alpha_sr, alpha_ri, alpha_rs: fractions of the words changed by synonym replacement,
            insertion and swap (0 disables an op); in [0, 1].
        p_rd: per-word deletion probability (0 disables deletion); in [0, 1].
        stop_words: ``"english"``, None or a list; never replaced or used for insertions.
        protected: words that are never replaced, moved or deleted (e.g. label names).
        wordnet_path: the WordNet 3.0 database folder (Debian ``wordnet-base``).
        p: probability that a sample is augmented.

    Shape:
        list of B str -> list of B str; params ``edits[i]``: ``{"op": name, "edits": [...]}``.

    Example:
        >>> aug = EDA(alpha_sr=0.0, alpha_ri=0.0, alpha_rs=0.5, p_rd=0.0)
        >>> aug(["one two"], generator=0)
        ['two one']
    """

    _OPS: ClassVar[tuple[str, ...]] = ("synonym_replace", "random_insert", "random_swap", "random_delete")

    def __init__(self, *, alpha_sr: float = 0.1, alpha_ri: float = 0.1, alpha_rs: float = 0.1,
                 p_rd: float = 0.1, stop_words: Any = "english", protected: Any = None,
                 wordnet_path: str | None = None, p: float = 1.0) -> None:
        super().__init__(p=p)
        self.alpha_sr = alpha_sr
        self.alpha_ri = alpha_ri
        self.alpha_rs = alpha_rs
        self.p_rd = p_rd
        self.stop_words = stop_words
        self.protected = protected
        self.wordnet_path = wordnet_path
        rates = {"alpha_sr": alpha_sr, "alpha_ri": alpha_ri, "alpha_rs": alpha_rs, "p_rd": p_rd}
        for name, value in rates.items():
            check_range(name, value, 0.0, 1.0)
        if not any(v > 0 for v in rates.values()):
            raise ValueError(f"alpha_sr, alpha_ri, alpha_rs and p_rd are all 0; at least one must be > 0 "
                             f"(got {rates})")
        common = {"stop_words": stop_words, "protected": protected}
        lex = {**common, "wordnet_path": wordnet_path}
        self._children = {
            "synonym_replace": SynonymReplace(alpha=alpha_sr, **lex),
            "random_insert": RandomInsert(alpha=alpha_ri, **lex),
            "random_swap": RandomSwap(alpha=alpha_rs, **common),
            "random_delete": RandomDelete(alpha=p_rd, **common),
        }
        self._active = [op for op, v in zip(self._OPS, rates.values(), strict=True) if v > 0]

    def _draw_one(self, text: str, rng: np.random.Generator) -> Any:
        op = self._active[int(rng.integers(len(self._active)))]
        return {"op": op, "edits": self._children[op]._draw_one(text, rng)}

    def _apply_one(self, text: str, edits: Any) -> str:
        if edits["op"] not in self._children:
            raise ValueError(f"params name an unknown EDA op {edits['op']!r}; accepted: {list(self._OPS)}")
        return self._children[edits["op"]]._apply_one(text, edits["edits"])


@register("augmenter", "glove_replace")
class GloveReplace(_WordOp):
    """Replace words by one of their nearest GloVe 6B (50-d) neighbours.

    Neighbours below ``min_similarity``, non-alphabetic ones, stop words, protected words,
    inflections of the word and (with ``block_antonyms``) its WordNet antonyms and words with the
    same WordNet base form (``better`` for ``good``) are never used.

    Args:
        alpha: fraction of the words replaced, ``max(1, round(alpha * n_words))``, in [0, 1].
        top_k: the replacement is drawn uniformly from the first ``top_k`` allowed neighbours.
        min_similarity: lowest cosine similarity of a replacement, in [-1, 1].
        block_antonyms: leave out WordNet antonyms (needs Debian ``wordnet-base``).
        search_vocab: neighbours come from this many most frequent GloVe words.
        stop_words: ``"english"``, None or a list of words never replaced.
        protected: words never replaced or used as replacements (e.g. class names).
        p: probability that a sample is augmented.

    Shape:
        list of B str -> list of B str; params ``edits[i]``: ``[[word index, replacement], ...]``.

    Example:
        >>> GloveReplace(alpha=0.3)(["a terrible movie"], generator=0)  # doctest: +SKIP
        ['a horrible movie']
    """

    def __init__(self, *, alpha: float = 0.1, top_k: int = 5, min_similarity: float = 0.7,
                 block_antonyms: bool = True, search_vocab: int = 20_000, stop_words: Any = "english",
                 protected: Any = None, p: float = 1.0) -> None:
        super().__init__(p=p)
        self.alpha = alpha
        self.top_k = top_k
        self.min_similarity = min_similarity
        self.block_antonyms = block_antonyms
        self.search_vocab = search_vocab
        self.stop_words = stop_words
        self.protected = protected
        self._init_words(alpha, stop_words, protected)
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"top_k must be a positive int; got {top_k!r}")
        check_range("min_similarity", min_similarity, -1.0, 1.0)
        if isinstance(search_vocab, bool) or not isinstance(search_vocab, int) or search_vocab < 100:
            raise ValueError(f"search_vocab must be an int >= 100; got {search_vocab!r}")
        if not isinstance(block_antonyms, bool):
            raise TypeError(f"block_antonyms must be a bool; got {block_antonyms!r}")

    def _draw_params(self, batch: Any, *, generator: torch.Generator) -> Params:  # type: ignore[override]
        from genaug.ops.text_lexicon import glove

        words = {_split(t)[1].lower() for text in batch for t in text.split()}
        glove(self.search_vocab).prefetch([w for w in words if self._free(w)], 3 * self.top_k + 5)
        return super()._draw_params(batch, generator=generator)

    def _allowed(self, word: str) -> tuple[str, ...]:
        cache = self.__dict__.setdefault("_allowed_cache", {})
        if word not in cache:
            cache[word] = self._find_allowed(word)
        return cache[word]

    def _find_allowed(self, word: str) -> tuple[str, ...]:
        from genaug.ops.text_lexicon import glove, wordnet

        low = word.lower()
        wn = wordnet() if self.block_antonyms else None
        blocked = wn.antonyms(low) if wn is not None else frozenset()
        bases = {lemma for _, lemma in wn.lemmas(low)} | {low} if wn is not None else {low}
        out = []
        for w, sim in glove(self.search_vocab).neighbours(low, 3 * self.top_k + 5):
            if sim < self.min_similarity:
                break
            if not w.isalpha() or w in self._stop or w in self._protected or w in blocked:
                continue
            if w.startswith(low) or low.startswith(w):
                continue  # an inflection (movie -> movies)
            if wn is not None and bases & {lemma for _, lemma in wn.lemmas(w)}:
                continue  # the same base form (better -> good)
            out.append(w)
            if len(out) == self.top_k:
                break
        return tuple(out)

    def _draw_one(self, text: str, rng: np.random.Generator) -> Any:
        tokens = text.split()
        cands = []
        for i, tok in enumerate(tokens):
            core = _split(tok)[1]
            if self._free(core):
                allowed = self._allowed(core)
                if allowed:
                    cands.append((i, allowed))
        n = min(self._n(len(tokens)), len(cands))
        if n == 0:
            return []
        picks = sorted(rng.choice(len(cands), size=n, replace=False).tolist())
        return [[cands[k][0], cands[k][1][int(rng.integers(len(cands[k][1])))]] for k in picks]

    def _apply_one(self, text: str, edits: Any) -> str:
        return _replace_edits(text.split(), edits) if edits else text


# ----------------------------------------------------------------------------------- characters

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEYBOARD: dict[str, str] = {}
for _r, _row in enumerate(_KEYBOARD_ROWS):
    for _c, _ch in enumerate(_row):
        near = [_row[j] for j in (_c - 1, _c + 1) if 0 <= j < len(_row)]
        for _rr in (_r - 1, _r + 1):
            if 0 <= _rr < len(_KEYBOARD_ROWS):
                other = _KEYBOARD_ROWS[_rr]
                near += [other[j] for j in (_c - 1, _c, _c + 1) if 0 <= j < len(other)]
        _KEYBOARD[_ch] = "".join(near)
_OCR = {"o": "0", "0": "o", "l": "1", "1": "l", "i": "1", "e": "c", "c": "e", "s": "5", "5": "s",
        "b": "6", "g": "9", "z": "2", "a": "o", "m": "rn", "u": "v", "O": "0", "I": "l", "S": "5",
        "B": "8", "Z": "2", "D": "0"}
_HOMOGLYPH = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "x": "\u0445",
              "y": "\u0443", "i": "\u0456", "A": "\u0391", "B": "\u0392", "E": "\u0395", "H": "\u0397",
              "K": "\u039a", "M": "\u039c", "O": "\u039f", "P": "\u03a1", "T": "\u03a4", "X": "\u03a7"}
_PUNCT = ".,;:!?'\"-"
CHAR_KINDS: tuple[str, ...] = ("keyboard", "ocr", "homoglyph", "case", "whitespace", "punctuation")


def _char_options(ch: str, kind: str) -> list[str]:
    """The replacements of character ``ch`` that a ``kind`` of noise can make."""
    if kind == "keyboard":
        near = _KEYBOARD.get(ch.lower(), "")
        return [_match_case(n, ch) for n in near]
    if kind == "ocr":
        return [_OCR[ch]] if ch in _OCR else []
    if kind == "homoglyph":
        return [_HOMOGLYPH[ch]] if ch in _HOMOGLYPH else []
    if kind == "case":
        return [ch.swapcase()] if ch.isalpha() and ch.swapcase() != ch else []
    if kind == "whitespace":
        return [""] if ch.isspace() else ([ch + " "] if ch.isalnum() else [])
    if kind == "punctuation":
        return [""] if ch in _PUNCT else ([ch + p for p in _PUNCT] if ch.isalnum() else [])
    raise ValueError(f"unknown character noise kind {kind!r}; accepted: {list(CHAR_KINDS)}")


@register("augmenter", "char_noise")
class CharNoise(TextAugmenter):
    """Character noise: each character is changed with probability ``rate`` by one ``kinds``.

    Kinds: ``keyboard`` (a QWERTY neighbour key), ``ocr`` (0/o, 1/l, rn/m, ...), ``homoglyph``
    (Cyrillic/Greek look-alikes), ``case`` (flip), ``whitespace`` (split a word, or drop a
    space), ``punctuation`` (insert or drop a mark). A character a drawn kind cannot change is
    left as it is.

    Args:
        rate: per-character probability of a change, in [0, 1].
        kinds: the kinds of noise, drawn uniformly per changed character.
        p: probability that a sample is augmented.

    Shape:
        list of B str -> list of B str; params ``edits[i]``: ``[[char index, replacement], ...]``.

    Example:
        >>> CharNoise(rate=1.0, kinds=["case"])(["Abc"], generator=0)
        ['aBC']
    """

    def __init__(self, *, rate: float = 0.03, kinds: Sequence[str] = CHAR_KINDS, p: float = 1.0) -> None:
        super().__init__(p=p)
        self.rate = rate
        self.kinds = kinds
        check_range("rate", rate, 0.0, 1.0)
        if isinstance(kinds, str) or not isinstance(kinds, Sequence) or not kinds:
            raise ValueError(f"kinds must be a non-empty list from {list(CHAR_KINDS)}; got {kinds!r}")
        bad = [k for k in kinds if k not in CHAR_KINDS]
        if bad:
            raise ValueError(f"kinds {bad} are unknown; accepted: {list(CHAR_KINDS)}")

    def _draw_one(self, text: str, rng: np.random.Generator) -> Any:
        if not text:
            return []
        hit = np.flatnonzero(rng.random(len(text)) < self.rate)
        kinds = rng.integers(len(self.kinds), size=len(hit))
        picks = rng.random(len(hit))
        edits = []
        for i, k, u in zip(hit.tolist(), kinds.tolist(), picks.tolist(), strict=True):
            options = _char_options(text[i], self.kinds[k])
            if options:
                edits.append([i, options[int(u * len(options))]])
        return edits

    def _apply_one(self, text: str, edits: Any) -> str:
        if not edits:
            return text
        chars = list(text)
        for i, new in edits:
            if not 0 <= i < len(chars):
                raise ValueError(f"params edit character {i} of a text of length {len(chars)}")
            chars[i] = new
        return "".join(chars)
