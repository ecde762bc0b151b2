"""The sentence VAE, the Hugging Face causal-LM adapter and the MiniLM classifier: what each
class's own maths promises (the shared contract is in tests/contracts and test_synth_contract)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from genaug.data.labeled import LabeledData
from genaug.synth import load_synthesizer
from genaug.synth.text_hf import HFCausalLM
from genaug.synth.text_vae import TextVAE

FOOD = ["i like apple pie", "i like sweet bread", "i like apple jam", "i like warm bread"]
CODE = ["the code has a bug", "the code runs fast", "the python code has a bug", "the code runs"]


def data() -> LabeledData:
    return LabeledData(FOOD + CODE, [0] * 4 + [1] * 4, ("food", "code"), "text")


def test_vae_learns_class_conditional_text_with_annealed_kl():
    vae = TextVAE(steps=60, batch_size=8, d_embed=16, hidden=16, latent=4, max_len=8, min_count=1,
                  temperature=0.5, lr=2e-2, word_dropout=0.2, kl_anneal=0.5)
    vae.fit(data(), unlabeled=["a pool text about apple code"], generator=0)
    h = vae.history_
    assert h["recon"][-1] < h["recon"][0] and h["unlabeled_samples"] == 1
    out = vae.sample(8, generator=0)
    food, code = out.x[:8], out.x[8:]
    assert sum("code" in t for t in code) >= 6 and sum("like" in t for t in food) >= 6
    assert sum("code" in t for t in food) <= 2


def test_vae_word_dropout_and_kl_anneal_change_training_only_as_documented():
    base = {"steps": 6, "batch_size": 4, "d_embed": 4, "hidden": 4, "latent": 2, "max_len": 6}
    a = TextVAE(**base).fit(data(), generator=1)
    b = TextVAE(**base, word_dropout=0.0).fit(data(), generator=1)
    assert a.history_["loss"] != b.history_["loss"]
    with pytest.raises(ValueError, match="word_dropout"):
        TextVAE(word_dropout=1.0)
    with pytest.raises(ValueError, match="kl_anneal"):
        TextVAE(kl_anneal=1.5)


def test_hf_adapter_fine_tunes_prompts_by_label_and_reloads(tmp_path):
    params = HFCausalLM.get_test_params()
    lm = HFCausalLM(**{**params, "finetune_steps": 10, "lr": 5e-3, "max_new_tokens": 8,
                       "labels": {"food": "recipes"}})
    lm.fit(data(), generator=0)
    assert lm.history_["prompts"] == ["recipes: ", "code: "]
    assert lm.history_["loss"] and lm.history_["loss"][-1] < 6.0
    out = lm.sample(3, generator=2)
    assert out.y.tolist() == [0, 0, 0, 1, 1, 1] and all(isinstance(t, str) for t in out.x)
    lm.save(tmp_path / "lm")
    config = json.loads((tmp_path / "lm" / "config.json").read_text())
    assert config["name"] == "hf_causal_lm"
    with pytest.raises(Exception, match="model_dir"):
        HFCausalLM.load(tmp_path / "lm")  # the model folder is never taken from the saved file
    again = load_synthesizer(tmp_path / "lm", model_dir=params["model_dir"])
    assert again.sample(3, generator=2).x == out.x
    other = HFCausalLM.get_test_params()["model_dir"]  # same folder: loads
    assert load_synthesizer(tmp_path / "lm", model_dir=other).sample(1, generator=0).x
    with pytest.raises(ValueError, match="labels names classes"):
        HFCausalLM(**{**params, "labels": {"zebra": "z"}}).fit(data(), generator=0)
    with pytest.raises(ValueError, match="prompt"):
        HFCausalLM(model_dir=params["model_dir"], prompt="no label here")


def test_hf_adapter_refuses_a_folder_without_a_model(tmp_path):
    with pytest.raises(Exception, match="config.json"):
        HFCausalLM(model_dir=str(tmp_path)).fit(data(), generator=0)


def test_import_genaug_imports_neither_transformers_nor_sentence_transformers():
    code = ("import sys, genaug; "
            "print(sorted(m for m in ('transformers', 'sentence_transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_minilm_logreg_beats_chance_and_saves_only_the_regression(tmp_path):
    from genaug.train import load_classifier
    from genaug.train.text_embed import MiniLMLogRegClassifier

    clf = MiniLMLogRegClassifier(C_grid=[1.0, 10.0]).fit(data(), data(), generator=0)
    test = LabeledData(["i like apple bread", "python code with a bug"], [0, 1], ("food", "code"), "text")
    assert clf.predict(test).tolist() == [0, 1]
    assert clf.coef_.shape == (2, 384) and len(clf.val_scores_) == 2
    clf.save(tmp_path / "m")
    again = load_classifier(tmp_path / "m")
    np.testing.assert_allclose(again.predict_proba(test), clf.predict_proba(test))


def test_minilm_embeddings_persist_in_the_disk_cache_when_asked(tmp_path, monkeypatch):
    from genaug.quality.text import MiniLMFeatures

    monkeypatch.setenv("GENAUG_EMBED_CACHE", str(tmp_path))
    texts = ["a text only this test embeds 7f3a", "caf\u00e9 \u65e5\u672c 7f3a"]
    first = MiniLMFeatures()(texts)
    chunks = list(tmp_path.glob("*/chunk-*.npz"))
    assert len(chunks) == 1
    monkeypatch.setattr(MiniLMFeatures, "_cache", {})
    monkeypatch.setattr(MiniLMFeatures, "_loaded_chunks", set())
    again = MiniLMFeatures()(texts)  # read back from the chunk, not recomputed
    np.testing.assert_allclose(again, first, atol=1e-6)
    assert list(tmp_path.glob("*/chunk-*.npz")) == chunks
    chunks[0].write_bytes(b"not an npz")  # a damaged chunk is ignored and recomputed
    monkeypatch.setattr(MiniLMFeatures, "_cache", {})
    monkeypatch.setattr(MiniLMFeatures, "_loaded_chunks", set())
    np.testing.assert_allclose(MiniLMFeatures()(texts), first, atol=1e-5)
