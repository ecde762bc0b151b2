"""Text synthesizers: the label-conditioned LM, its vocabulary, pseudo-labels, bad text input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genaug.data.labeled import LabeledData
from genaug.synth.pseudo_label import PseudoLabel
from genaug.synth.text_lm import TextLM, WordVocab, detokenize, tokenize

FOOD = ["i like apple pie", "i like sweet bread", "i like apple jam", "i like warm bread"]
CODE = ["the code has a bug", "the code runs fast", "the python code has a bug", "the code runs"]


def data() -> LabeledData:
    return LabeledData(FOOD + CODE, [0] * 4 + [1] * 4, ("food", "code"), "text")


def test_tokenizer_and_vocab_round_trip():
    assert tokenize("Don't panic, it's fine!") == ["don't", "panic", ",", "it's", "fine", "!"]
    assert detokenize(["hello", ",", "world", "!"]) == "hello, world!"
    vocab = WordVocab.build(FOOD, n_classes=2, min_count=2)
    assert vocab.words[0] == "i" and "pie" not in vocab.words  # seen once
    assert vocab.decode(vocab.encode("i like pie")) == "i like <unk>"


def test_lm_learns_class_conditional_text():
    lm = TextLM(steps=100, batch_size=8, d_model=16, n_layers=1, n_heads=2, max_len=8, min_count=1,
                temperature=0.5, lr=1e-2, dropout=0.0)
    lm.fit(data(), generator=0)
    assert lm.history_["loss"][-1] < lm.history_["loss"][0]
    out = lm.sample(6, generator=0)
    food = out.x[:6]
    code = out.x[6:]
    assert sum("code" in t for t in code) >= 4 and sum("like" in t for t in food) >= 4
    assert sum("code" in t for t in food) <= 1


def test_lm_trains_on_the_pool_under_its_own_prefix():
    lm = TextLM(**TextLM.get_test_params())
    lm.fit(data(), unlabeled=["a new word appears here", "another pool text"], generator=0)
    assert lm.history_["unlabeled_samples"] == 2 and "appears" in lm.vocab_.words + ["appears"]


def test_bad_text_input_is_refused_by_name():
    lm = TextLM(**TextLM.get_test_params())
    with pytest.raises(TypeError, match=r"x\[1\]"):
        lm.fit(["fine", 3], [0, 1], generator=0)  # a non-string item
    empty_class = LabeledData(FOOD, [0] * 4, ("food", "code"), "text")
    with pytest.raises(ValueError, match="'code'.*no labeled samples"):
        lm.fit(empty_class, generator=0)
    with pytest.raises(TypeError, match="unlabeled"):
        lm.fit(data(), unlabeled=torch.rand(3, 2), generator=0)
    odd = LabeledData(["", "caf\u00e9 \u65e5\u672c", "\U0001f600", "x"], [0, 0, 1, 1], ("a", "b"), "text")
    out = lm.fit(odd, generator=0).sample(2, generator=0)  # empty strings and mixed scripts train
    assert len(out) == 4 and all(isinstance(t, str) for t in out.x)
    assert not hasattr(TextLM(d_model=8, n_heads=2), "class_names_")
    with pytest.raises(ValueError, match="d_model"):
        TextLM(d_model=10, n_heads=4)


def test_pseudo_label_returns_confident_pool_texts_first():
    pool = ["i like apple bread", "the code has a python bug", "zebra", "i like jam"]
    synth = PseudoLabel(model={"name": "tfidf_logreg", "C_grid": [1.0]}, augment=False)
    synth.fit(data(), unlabeled=pool, generator=0)
    out = synth.sample(1, generator=0)
    assert out.x[0] in ("i like apple bread", "i like jam") and out.x[1] == "the code has a python bug"
    assert out.meta["confidence"].shape == (2,)
    assert (np.diff(synth.confidence_[:synth.offsets_[1]]) <= 0).all()
    with pytest.raises(ValueError, match="unlabeled pool"):
        PseudoLabel().fit(data(), generator=0)


def test_pseudo_label_without_repeat_returns_the_pool_in_its_class_proportions(tmp_path):
    pool = ["i like apple bread", "the code has a python bug", "the code runs slow", "i like jam",
            "the python code"]
    synth = PseudoLabel(augment=False, repeat=False).fit(data(), unlabeled=pool, generator=0)
    assert synth.history_["teacher"] == {"name": "tfidf_logreg"}  # the text modality's default model
    out = synth.sample(100)
    assert sorted(out.x) == sorted(pool) and out.class_counts().tolist() == [2, 3]
    assert synth.sample({"food": 1}).x == out.x[:1]
    synth.save(tmp_path / "pl")
    again = PseudoLabel.load(tmp_path / "pl").sample(100)
    assert again.x == out.x and again.meta["source_index"].tolist() == out.meta["source_index"].tolist()
