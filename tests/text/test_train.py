"""Text classifiers: they learn, take augmenters, refuse bad input, and never touch global RNGs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genaug.data.labeled import LabeledData
from genaug.ops.text import RandomSwap
from genaug.train.text import NgramNetClassifier, TfidfLogRegClassifier, pack_texts, unpack_texts

TOPICS = {
    "food": ["tasty soup with bread", "fresh bread and cheese", "spicy soup recipe", "cheese and wine"],
    "code": ["python code compiles", "the compiler found a bug", "debug the python script", "code bug"],
    "sport": ["the team won the match", "a goal in the final match", "the team trains daily", "final goal"],
}


def topics(repeat: int = 1) -> LabeledData:
    texts, y = [], []
    for k, items in enumerate(TOPICS.values()):
        texts += items * repeat
        y += [k] * len(items) * repeat
    return LabeledData(texts, np.asarray(y), tuple(TOPICS), "text")


@pytest.mark.parametrize("cls", [TfidfLogRegClassifier, NgramNetClassifier])
def test_learns_the_topics_and_is_deterministic(cls):
    data = topics(2)
    kw = {"steps": 150, "n_buckets": 512, "dim": 16} if cls is NgramNetClassifier else {}
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    a = cls(**kw).fit(data, topics(), generator=0)
    b = cls(**kw).fit(data, topics(), generator=0)
    assert torch.equal(torch_state, torch.get_rng_state())
    assert np.array_equal(np_state, np.random.get_state()[1])
    probe = ["soup and bread", "a bug in the code", "the team scored a goal"]
    assert a.predict(probe).tolist() == [0, 1, 2]
    np.testing.assert_array_equal(a.predict_proba(probe), b.predict_proba(probe))


@pytest.mark.parametrize("cls", [TfidfLogRegClassifier, NgramNetClassifier])
def test_augmenter_is_called_and_mixers_and_tensors_refused(cls):
    data = topics()
    calls = []

    def aug(texts, *, generator):
        calls.append(len(texts))
        return RandomSwap(alpha=0.3)(texts, generator=generator)

    kw = {"steps": 5, "n_buckets": 64, "dim": 4} if cls is NgramNetClassifier else {"n_aug_copies": 2}
    cls(**kw).fit(data, augmenter=aug, generator=0)
    assert calls and sum(calls) >= len(data) * (2 if cls is TfidfLogRegClassifier else 1)
    with pytest.raises(ValueError, match="list of"):
        cls(**kw).fit(data, augmenter=lambda t, generator: t[:-1], generator=0)
    with pytest.raises(ValueError, match="mixer"):
        cls(**kw).fit(data, mixer=object(), generator=0)
    image = LabeledData(torch.rand(4, 1, 2, 2), [0, 1, 0, 1], ("a", "b"), "image")
    with pytest.raises(TypeError, match="text"):
        cls(**kw).fit(image, generator=0)


def test_bad_options_name_the_argument():
    with pytest.raises(ValueError, match="word_ngrams"):
        TfidfLogRegClassifier(word_ngrams=(2, 1))
    with pytest.raises(ValueError, match="consistency"):
        NgramNetClassifier(consistency=-1.0)
    with pytest.raises(ValueError, match="consistency > 0 needs an augmenter"):
        NgramNetClassifier(consistency=1.0, steps=2).fit(topics(), generator=0)


def test_consistency_training_runs_and_texts_pack_round_trip():
    clf = NgramNetClassifier(steps=20, n_buckets=128, dim=8, consistency=1.0, eval_every=10)
    clf.fit(topics(), topics(), augmenter=RandomSwap(alpha=0.3), generator=1)
    assert [r["step"] for r in clf.history_] == [10, 20]
    texts = ["", "caf\u00e9", "\U0001f600 emoji", "plain"]
    assert unpack_texts(*pack_texts(texts)) == texts


def test_text_corruption_suite_at_five_severities():
    from genaug.train import evaluate_corruptions
    from genaug.train.text_corruptions import TEXT_CORRUPTIONS

    data = topics(2)
    clf = TfidfLogRegClassifier(C_grid=[10.0]).fit(data, generator=0)
    out = evaluate_corruptions(clf, data, severities=(1, 3, 5), generator=0)
    assert set(out["accuracy"]) == set(TEXT_CORRUPTIONS) and out["clean_accuracy"] == 1.0
    assert 0.0 <= out["mca"] <= 1.0
    texts = list(data.x)
    for name, fn in TEXT_CORRUPTIONS.items():
        assert fn(texts, 0, generator=0) == texts
        mild, hard = fn(texts, 1, generator=0), fn(texts, 5, generator=0)
        changed = [sum(a != b for a, b in zip(t, texts, strict=True)) for t in (mild, hard)]
        assert changed[0] <= changed[1] and changed[1] > 0, name
        assert fn(texts, 3, generator=7) == fn(texts, 3, generator=7)
