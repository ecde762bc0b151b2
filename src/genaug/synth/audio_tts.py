"""``espeak_tts``: speech synthesis as a generator, for audio classes that are words.

When the class names are words ("zero", "yes", "stop"), espeak-ng (Debian package
``espeak-ng``, called as a program) speaks them in voices the training data does not use:
each synthetic clip draws a voice from ``voices`` (minus every voice in the training data's
``meta["voice"]``), a speed and a pitch from the generator, is trimmed of silence, scaled to
the training clips' mean RMS and centred in the training clips' length at their sample rate.
Nothing is learned from the waveforms; ``fit`` records the rate, length and level.

The default voice bank uses accents and variants that ``spoken_digits``' test voices do not
(no ``en-gb-x-gbclan`` / ``en-gb-x-gbcwmd`` accents, no ``f1``/``m6``/``m7`` variants), so
an experiment's test speakers are never synthesised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch

from genaug.data.audio import synthesize_speech
from genaug.data.labeled import LabeledData
from genaug.modalities.audio import SAMPLE_RATE_KEY, check_clips, sample_rate_of
from genaug.registry import register
from genaug.serialization import TensorSpec
from genaug.synth.base import Synthesizer

__all__ = ["DEFAULT_VOICES", "EspeakTTS"]

DEFAULT_VOICES: tuple[str, ...] = tuple(
    f"{accent}+{variant}"
    for accent in ("en-us", "en-gb", "en-gb-scotland", "en-029", "en-gb-x-rp")
    for variant in ("m2", "m3", "m4", "m5", "m8", "f2", "f3", "f4", "f5")
)


@register("synthesizer", "espeak_tts")
class EspeakTTS(Synthesizer):
    """Class names spoken by espeak-ng voices not in the training data.

    Args:
        voices: espeak-ng voices (``accent+variant``) to draw from; default :data:`DEFAULT_VOICES`.
        speed: ``(min, max)`` words per minute, drawn per clip, within [80, 450].
        pitch: ``(min, max)`` espeak pitch, drawn per clip, within [0, 99].
        words: the text to speak per class (default: the class names).

    Raises:
        ValueError: bad options; at fit, no voice left after removing the training voices.
        MissingPathError: espeak-ng not installed (the message names the package).

    Example:
        >>> synth = EspeakTTS().fit(train, generator=0)  # doctest: +SKIP
        >>> synth.sample(20, generator=1).meta["voice"][:2]  # doctest: +SKIP
    """

    registry_name: ClassVar[str] = "espeak_tts"
    modalities: ClassVar[tuple[str, ...] | None] = ("audio",)
    uses_unlabeled: ClassVar[bool] = False

    def __init__(
        self,
        *,
        voices: Sequence[str] | None = None,
        speed: Sequence[int] = (120, 200),
        pitch: Sequence[int] = (25, 75),
        words: Sequence[str] | None = None,
    ) -> None:
        self.voices = voices
        self.speed = speed
        self.pitch = pitch
        self.words = words
        if voices is not None and (
            isinstance(voices, str) or not voices or not all(isinstance(v, str) and v.strip() for v in voices)
        ):
            raise ValueError(
                f"voices must be a non-empty list of espeak-ng voice names or None; got {voices!r}"
            )
        for name, value, lo, hi in (("speed", speed, 80, 450), ("pitch", pitch, 0, 99)):
            if (
                isinstance(value, str)
                or not isinstance(value, Sequence)
                or len(value) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
                or not lo <= value[0] <= value[1] <= hi
            ):
                raise ValueError(
                    f"{name} must be a (min, max) pair of ints within [{lo}, {hi}]; got {value!r}"
                )
        if words is not None and (
            isinstance(words, str) or not all(isinstance(w, str) and w.strip() for w in words)
        ):
            raise ValueError(
                f"words must be a list of non-empty strings (one per class) or None; got {words!r}"
            )

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        return {"voices": ["en-us+m2", "en-gb+f4"]}

    def _check_data(self, data: LabeledData) -> None:
        super()._check_data(data)
        check_clips(data)

    def _fit(self, data: LabeledData, pool: Any, generator: torch.Generator) -> None:
        words = list(self.words) if self.words is not None else list(data.class_names)
        if len(words) != data.num_classes:
            raise ValueError(f"words must give one text per class ({data.num_classes}); got {len(words)}")
        seen = set(np.asarray(data.meta.get("voice", [])).astype(str).tolist())
        voices = [v for v in (self.voices or DEFAULT_VOICES) if v not in seen]
        if not voices:
            raise ValueError(f"every voice in voices is a training voice ({sorted(seen)}); pass other voices")
        x = data.x.to(torch.float64)
        rms = x.pow(2).mean(dim=(1, 2)).sqrt()
        self.words_ = words
        self.voices_ = voices
        self.sample_rate_ = sample_rate_of(data, 16000)
        self.rms_ = float(rms[rms > 0].mean()) if bool((rms > 0).any()) else 0.1
        self.history_.update(
            {"voices": voices, "excluded_voices": sorted(seen), "sample_rate": self.sample_rate_}
        )
        self._cache: dict[tuple[str, str, int, int], np.ndarray] = {}

    def _clip(self, word: str, voice: str, speed: int, pitch: int) -> np.ndarray:
        cache = self.__dict__.setdefault("_cache", {})
        key = (word, voice, speed, pitch)
        if key not in cache:
            cache[key] = synthesize_speech(
                word, voice, speed=speed, pitch=pitch, sample_rate=self.sample_rate_
            )
        return cache[key]

    def _sample(
        self, y: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, dict[str, np.ndarray]]:
        n = len(y)
        c, t = self.sample_shape_
        which = torch.randint(len(self.voices_), (n,), generator=generator).tolist()
        speeds = torch.randint(self.speed[0], self.speed[1] + 1, (n,), generator=generator).tolist()
        pitches = torch.randint(self.pitch[0], self.pitch[1] + 1, (n,), generator=generator).tolist()
        out = np.zeros((n, c, t), dtype=np.float32)
        voices = []
        for i, k in enumerate(y.tolist()):
            voice = self.voices_[which[i]]
            wave = self._clip(self.words_[k], voice, int(speeds[i]), int(pitches[i]))[0]
            m = min(t, len(wave))
            src, dst = (len(wave) - m) // 2, (t - m) // 2
            out[i, :, dst : dst + m] = wave[src : src + m]
            rms = float(np.sqrt(np.mean(out[i].astype(np.float64) ** 2))) or 1.0
            out[i] *= self.rms_ / rms  # the clip as placed has the training clips' mean RMS
            voices.append(voice)
        meta = {"voice": np.asarray(voices), SAMPLE_RATE_KEY: np.full(n, self.sample_rate_, dtype=np.int64)}
        return torch.from_numpy(out), meta

    def _state(self) -> dict[str, Any]:
        return {"words_": self.words_, "voices_": self.voices_, "sample_rate_": self.sample_rate_}

    def _tensors(self) -> dict[str, torch.Tensor]:
        return {"rms": torch.tensor([self.rms_], dtype=torch.float64)}

    def _restore_state(self, state: dict[str, Any]) -> None:
        words, voices = state["words_"], state["voices_"]
        if not isinstance(words, list) or len(words) != len(self.class_names_):
            raise ValueError(f"words_ must list one text per class; got {words!r}")
        if not isinstance(voices, list) or not voices:
            raise ValueError(f"voices_ must be a non-empty list; got {voices!r}")
        self.words_, self.voices_ = [str(w) for w in words], [str(v) for v in voices]
        self.sample_rate_ = int(state["sample_rate_"])

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        return {"rms": TensorSpec((1,), torch.float64)}

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        self.rms_ = float(tensors["rms"][0])
