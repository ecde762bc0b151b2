"""Text quality: diversity, self-BLEU, long n-gram copies, and the feature metrics on text."""

from __future__ import annotations

import pytest

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.quality import evaluate_quality
from genaug.quality.text import distinct_n, self_bleu, words

REAL = ["the quick brown fox jumps over the lazy dog today", "a small cat sleeps on the warm mat all day",
        "the team won the final match in the last minute", "a late goal saved the home team again"]


def text(xs, ys):
    return LabeledData(list(xs), ys, ("animals", "sport"), "text")


def real():
    return text(REAL, [0, 0, 1, 1])


def test_distinct_and_self_bleu_separate_repetitive_from_diverse_texts():
    same = ["the cat sat on the mat"] * 4
    varied = ["the cat sat on the mat", "dogs bark loudly at night", "birds sing early", "fish swim"]
    assert distinct_n(same, 1) < distinct_n(varied, 1) and distinct_n(same, 2) == 5 / 20
    assert self_bleu(same) > 0.9 > 0.2 > self_bleu(varied)
    assert words("Hello, World!") == ["hello", "world"] and distinct_n([], 2) == 0.0


def test_ngram_copy_counts_long_spans_and_exact_copies():
    syn = text(["the quick brown fox jumps over the lazy dog yesterday",  # 8-word span copied
                "a brand new sentence about cats", "A late goal saved the home team again!", "goal"],
               [0, 0, 1, 1])
    out = registry.create("metric", "ngram_copy", n=8)(real(), syn)
    assert out == {"ngram_copy": 0.5, "exact_copy": 0.25}
    with pytest.raises(ValueError, match="n"):
        registry.create("metric", "ngram_copy", n=1)


def test_metrics_run_together_on_text_in_the_hashed_feature_space():
    syn = text(["a cat sleeps on a mat", "the dog jumps over the fox", "the home team won", "a goal"],
               [0, 0, 1, 1])
    scores = evaluate_quality(real(), syn, ["distinct_n", "self_bleu", "ngram_copy", "fid", "label_fidelity"])
    assert {"distinct_1", "self_bleu", "real_self_bleu", "ngram_copy", "fid", "label_fidelity"} <= set(scores)
    assert 0.0 <= scores["label_fidelity"] <= 1.0 and scores["ngram_copy"] == 0.0
    kept = registry.create("filter", "label_fidelity", threshold=0.5).fit(real())(syn)
    assert 0 < len(kept) <= len(syn)
