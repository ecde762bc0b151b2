"""``espeak_tts``: class names spoken by voices the training data does not use."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.synth import load_synthesizer

RATE = 8000


def _train(voices=("en-us+m2", "en-us+m3")) -> LabeledData:
    g = torch.Generator().manual_seed(0)
    y = np.repeat(np.arange(2), 2)
    x = 0.05 * torch.randn(4, 1, RATE // 2, generator=g)
    meta = {"voice": np.asarray(list(voices) * 2), "sample_rate": np.full(4, RATE)}
    return LabeledData(x, y, ("yes", "no"), "audio", meta)


def test_tts_speaks_classes_in_unseen_voices_deterministically(tmp_path) -> None:
    synth = registry.create("synthesizer", "espeak_tts", voices=["en-us+m2", "en-gb+f4", "en-029+m5"])
    synth.fit(_train(), generator=0)
    assert synth.voices_ == ["en-gb+f4", "en-029+m5"]  # the training voice en-us+m2 is left out
    out = synth.sample(3, generator=1)
    assert (
        out.modality == "audio" and out.x.shape == (6, 1, RATE // 2) and out.y.tolist() == [0] * 3 + [1] * 3
    )
    assert set(out.meta["voice"]) <= {"en-gb+f4", "en-029+m5"} and (out.meta["sample_rate"] == RATE).all()
    rms = out.x.pow(2).mean(dim=(1, 2)).sqrt()
    assert torch.allclose(rms, torch.full((6,), 0.05), rtol=0.2)  # at the training level
    assert torch.equal(synth.sample(3, generator=1).x, out.x)
    assert not torch.equal(synth.sample(3, generator=2).x, out.x)
    back = load_synthesizer(synth.save(tmp_path / "tts"))
    assert torch.equal(back.sample(3, generator=1).x, out.x)


def test_tts_refuses_bad_options_and_no_voice_left() -> None:
    with pytest.raises(ValueError, match="speed"):
        registry.create("synthesizer", "espeak_tts", speed=(200, 100))
    with pytest.raises(ValueError, match="voices"):
        registry.create("synthesizer", "espeak_tts", voices="en-us")
    synth = registry.create("synthesizer", "espeak_tts", voices=["en-us+m2"])
    with pytest.raises(ValueError, match="training voice"):
        synth.fit(_train(), generator=0)
    assert not registry.get("synthesizer", "espeak_tts").supports("signal")
