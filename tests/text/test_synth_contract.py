"""Bad text input for every synthesizer that takes text (the text half of the synthesizer
contract; tests/contracts/test_synthesizer_contract.py covers determinism, replay and save/load
for them): non-string items, an empty class, a pool that is no list of str, y given twice; empty
strings and mixed scripts train and sample."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.synth import Synthesizer

FOOD = ["i like apple pie", "i like sweet bread", "i like apple jam", "i like warm bread"]
CODE = ["the code has a bug", "the code runs fast", "the python code has a bug", "the code runs"]
POOL = ["apple bread", "the code has a python bug", "", "caf\u00e9 \u65e5\u672c \U0001f600"]
TEXT_SYNTHS = sorted(n for n in registry.available("synthesizer")
                     if registry.get("synthesizer", n).__module__.startswith("genaug.")
                     and registry.get("synthesizer", n).supports("text"))


def build(name: str) -> Synthesizer:
    cls = registry.get("synthesizer", name)
    params = cls.get_test_params_for("text") if hasattr(cls, "get_test_params_for") else cls.get_test_params()
    return cls(**params)


def data() -> LabeledData:
    return LabeledData(FOOD + CODE, [0] * 4 + [1] * 4, ("food", "code"), "text")


def test_every_text_generator_is_covered():
    assert {"text_lm", "text_vae", "hf_causal_lm", "pseudo_label"} <= set(TEXT_SYNTHS)


@pytest.mark.parametrize("name", TEXT_SYNTHS)
def test_bad_text_input_is_refused_by_name(name: str) -> None:
    synth = build(name)
    with pytest.raises(TypeError, match=r"x\[1\]"):
        synth.fit(["fine", 3], [0, 1], unlabeled=POOL, generator=0)  # a non-string item
    with pytest.raises(ValueError, match="'code'.*no labeled samples"):
        synth.fit(LabeledData(FOOD, [0] * 4, ("food", "code"), "text"), unlabeled=POOL, generator=0)
    with pytest.raises(TypeError, match="unlabeled"):
        synth.fit(data(), unlabeled=torch.rand(3, 2), generator=0)
    with pytest.raises(TypeError, match="unlabeled"):
        synth.fit(data(), unlabeled=["fine", b"bytes"], generator=0)
    with pytest.raises(ValueError, match="y must be None"):
        synth.fit(data(), data().y, generator=0)
    with pytest.raises(ValueError, match="label -1"):
        synth.fit(FOOD, [0, -1, 0, 1], generator=0)
    assert not hasattr(synth, "class_names_"), "a failed fit left fitted state behind"


@pytest.mark.parametrize("name", TEXT_SYNTHS)
def test_empty_strings_and_mixed_scripts_train_and_sample(name: str) -> None:
    odd = LabeledData(["", "caf\u00e9 \u65e5\u672c", "\U0001f600 na\u00efve", "x", "   ", "stra\u00dfe"],
                      [0, 0, 0, 1, 1, 1], ("a", "b"), "text")
    synth = build(name).fit(odd, unlabeled=POOL, generator=0)
    out = synth.sample(2, generator=0)
    assert len(out) == 4 and all(isinstance(t, str) for t in out.x)
    assert out.y.tolist() == [0, 0, 1, 1]
    assert np.array_equal(synth.sample(2, generator=0).y, out.y)
