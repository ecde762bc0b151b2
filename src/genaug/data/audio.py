"""Audio datasets: WAV folders and the built-in ``spoken_digits`` (made offline by espeak-ng).

================= ======== =====================================================================
name              modality reads
================= ======== =====================================================================
``wav_folder``    audio    ``path/<class>/*.wav`` (also .flac/.ogg), read with ``soundfile``
``spoken_digits`` audio    "zero" ... "nine" spoken by Debian ``espeak-ng`` in many voices,
                           speeds and pitches; the test voices are never training voices
================= ======== =====================================================================

Every clip becomes float32 ``(C, T)`` at ``sample_rate`` (resampled with scipy's polyphase filter, or
refused with ``resample=False``), mono by default (channels averaged), cropped or zero-padded
to ``duration`` seconds. ``meta["sample_rate"]`` holds the rate and ``meta["length"]`` each
clip's length in samples before padding.

``spoken_digits`` is synthetic speech: fine for building and testing the audio path, not for
claims about real speech. It is generated on first use (about a second per hundred clips) and
cached under ``~/.cache/genaug/spoken_digits`` (``$XDG_CACHE_HOME`` when set; ``cache=False``
writes nothing).

Example (in a spec)::

    dataset: {name: wav_folder, path: data/train, test_path: data/test, sample_rate: 16000}
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from genaug.data.datasets import describe_dataset
from genaug.data.file_datasets import SPLIT_KEY, _check_file, _reraise, _with_test
from genaug.data.labeled import LabeledData
from genaug.errors import DataFileError, GenaugError, MissingPathError
from genaug.modalities.audio import LENGTH_KEY, SAMPLE_RATE_KEY
from genaug.registry import register

__all__ = [
    "DIGITS", "TEST_VOICES", "TRAIN_VOICES", "ESPEAK", "load_spoken_digits", "load_wav_folder",
    "read_wav", "read_wav_folder", "synthesize_speech",
]  # fmt: skip

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")
DIGITS: tuple[str, ...] = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ESPEAK = "espeak-ng"
# espeak-ng voices (accent + variant). Test voices use accents and variants no training voice uses.
TRAIN_VOICES: tuple[str, ...] = (
    "en-us+m1",
    "en-us+f2",
    "en-gb+m3",
    "en-gb+f3",
    "en-gb-scotland+m4",
    "en-gb-x-rp+f4",
    "en-029+m2",
    "en-gb-x-rp+m5",
)
TEST_VOICES: tuple[str, ...] = ("en-gb-x-gbclan+f1", "en-gb-x-gbcwmd+m7", "en-gb-x-gbclan+m6")
SPEEDS: tuple[int, ...] = (130, 175)
PITCHES: tuple[int, ...] = (35, 65)
_APT = (
    "apt-get update && apt-get install -y --no-install-recommends espeak-ng "
    "(as root; or run scripts/system-deps.sh)"
)


def _soundfile() -> Any:
    try:
        import soundfile
    except ImportError:
        raise GenaugError(
            "reading audio needs the Python package 'soundfile'",
            accepted="pip install soundfile (or pip install 'genaug[audio]')",
        ) from None
    return soundfile


def _resample(wave: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Polyphase resampling (scipy ``resample_poly``, Kaiser-windowed FIR)."""
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(int(rate), int(target))
    return resample_poly(wave, int(target) // g, int(rate) // g, axis=1).astype(np.float32)


def read_wav(
    path: str | os.PathLike[str] | io.BytesIO,
    *,
    sample_rate: int | None = None,
    resample: bool = True,
    mono: bool = True,
    where: str | None = None,
) -> tuple[np.ndarray, int]:
    """One audio file as float32 (C, T) and its rate after resampling.

    Args:
        path: a file soundfile reads (WAV, FLAC, OGG), or a file-like object.
        sample_rate: the rate wanted (Hz); None keeps the file's.
        resample: resample a file of another rate; ``False`` refuses it.
        mono: average the channels into one.
        where: the name used in errors (default: the path).

    Raises:
        DataFileError: unreadable/corrupt file, empty clip, NaN samples, or a rate mismatch
            with ``resample=False``; the message names the file.
    """
    sf = _soundfile()
    name = where or str(path)
    try:
        data, rate = sf.read(path, dtype="float32", always_2d=True)
    except Exception as err:  # soundfile raises LibsndfileError/RuntimeError for corrupt files
        raise DataFileError(
            f"cannot read audio file {name}: {err}",
            path=None if isinstance(path, io.BytesIO) else Path(path),
            accepted="a WAV, FLAC or OGG file",
        ) from None
    wave = data.T  # (C, T)
    if wave.shape[1] == 0:
        raise DataFileError(
            f"audio file {name} is an empty clip (0 samples)",
            path=None,
            accepted="a clip with at least one sample",
        )
    if not np.isfinite(wave).all():
        raise DataFileError(f"audio file {name} holds NaN or infinite samples", path=None)
    if mono and wave.shape[0] > 1:
        wave = wave.mean(axis=0, keepdims=True)
    if sample_rate is not None and rate != sample_rate:
        if not resample:
            raise DataFileError(
                f"audio file {name} has sample rate {rate} Hz, not the {sample_rate} Hz asked for",
                path=None,
                argument="sample_rate",
                accepted=f"files at {sample_rate} Hz, or resample: true to convert them",
            )
        wave, rate = _resample(wave, rate, sample_rate), sample_rate
    return np.ascontiguousarray(wave, dtype=np.float32), int(rate)


def _fit_length(waves: list[np.ndarray], n: int, pad: str) -> np.ndarray:
    out = np.zeros((len(waves), waves[0].shape[0], n), dtype=np.float32)
    for i, w in enumerate(waves):
        m = min(n, w.shape[1])
        if pad == "center" and w.shape[1] > n:  # crop the middle
            start = (w.shape[1] - n) // 2
            out[i] = w[:, start : start + n]
        elif pad == "center":
            start = (n - m) // 2
            out[i, :, start : start + m] = w[:, :m]
        else:
            out[i, :, :m] = w[:, :m]
    return out


def _stack(
    waves: list[np.ndarray],
    rate: int,
    duration: float | None,
    pad: str,
    y: list[int],
    names: Sequence[str],
    meta: dict[str, Any],
    where: str,
) -> LabeledData:
    channels = {w.shape[0] for w in waves}
    if len(channels) != 1:
        raise DataFileError(
            f"{where}: clips have different channel counts {sorted(channels)}; pass mono: true",
            path=None,
            argument="mono",
        )
    lengths = np.array([w.shape[1] for w in waves], dtype=np.int64)
    n = int(round(duration * rate)) if duration is not None else int(lengths.max())
    x = torch.from_numpy(_fit_length(waves, n, pad))
    meta = {
        **meta,
        SAMPLE_RATE_KEY: np.full(len(waves), rate, dtype=np.int64),
        LENGTH_KEY: np.minimum(lengths, n),
    }
    return LabeledData(x, np.asarray(y, dtype=np.int64), tuple(names), "audio", meta)


def read_wav_folder(
    path: str | os.PathLike[str],
    *,
    sample_rate: int | None = None,
    resample: bool = True,
    mono: bool = True,
    duration: float | None = None,
    pad: Literal["end", "center"] = "end",
    classes: Sequence[str] | None = None,
) -> LabeledData:
    """Audio clips in ``path/<class>/*.wav`` (one sub-folder per class, sorted names).

    Args:
        path: the folder.
        sample_rate: Hz every clip is brought to; None: the first file's rate (then every other
            file must match or is resampled).
        resample: resample clips of other rates; ``False`` refuses them naming the file.
        mono: average channels (stereo files become mono); ``False`` keeps them (all files
            must then have the same channel count).
        duration: seconds every clip is cropped/padded to; None: the longest clip.
        pad: ``"end"`` (zeros after the clip, crop the end) or ``"center"``.
        classes: the class sub-folders to read, in this order (default: all, sorted).

    Returns:
        ``LabeledData`` of modality ``"audio"``, ``meta`` with ``sample_rate``, ``length``, ``file``.
    """
    root = Path(path)
    if pad not in ("end", "center"):
        raise ValueError(f"pad must be 'end' or 'center'; got {pad!r}")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int | float) or duration <= 0
    ):
        raise ValueError(f"duration must be a positive number of seconds or None; got {duration!r}")
    if sample_rate is not None and (
        isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate < 1
    ):
        raise ValueError(f"sample_rate must be a positive int (Hz) or None; got {sample_rate!r}")
    found = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    names = list(classes) if classes is not None else found
    missing = [c for c in names if c not in found]
    if missing:
        raise DataFileError(
            f"class folders {missing} are not in {root}",
            path=root,
            argument="classes",
            accepted=f"sub-folders of path: {found}",
        )
    waves, y, files, rate = [], [], [], sample_rate
    for k, c in enumerate(names):
        for f in sorted(p for p in (root / c).iterdir() if p.suffix.lower() in AUDIO_SUFFIXES):
            wave, r = read_wav(f, sample_rate=rate, resample=resample, mono=mono)
            rate = r if rate is None else rate
            waves.append(wave)
            y.append(k)
            files.append(str(f.relative_to(root)))
    if not waves:
        raise DataFileError(
            f"no audio files ({', '.join(AUDIO_SUFFIXES)}) in the class folders of {root}",
            path=root,
            argument="path",
        )
    assert rate is not None
    return _stack(waves, rate, duration, pad, y, names, {"file": np.asarray(files)}, str(root))


@register("dataset", "wav_folder")
@describe_dataset(
    modality="audio",
    n_samples=None,
    sample_shape=None,
    n_classes=None,
    source="your audio files: path/<class>/*.wav",
    license="yours",
)
def load_wav_folder(
    *,
    path: str | os.PathLike[str] | None = None,
    test_path: str | os.PathLike[str] | None = None,
    sample_rate: int | None = None,
    resample: bool = True,
    mono: bool = True,
    duration: float | None = None,
    pad: Literal["end", "center"] = "end",
    classes: Sequence[str] | None = None,
) -> LabeledData:
    """``path/<class>/*.wav`` (see :func:`read_wav_folder`); ``test_path`` the same way, after it.

    The test folder is read at the training data's rate and length.
    """
    root = _check_file("path", "wav_folder", path, folder=True)
    train = _reraise(
        "wav_folder",
        lambda: read_wav_folder(
            root,
            sample_rate=sample_rate,
            resample=resample,
            mono=mono,
            duration=duration,
            pad=pad,
            classes=classes,
        ),
    )
    rate = int(train.meta[SAMPLE_RATE_KEY][0])
    seconds = train.sample_shape[1] / rate

    def read_test(p: Path) -> LabeledData:
        return _reraise(
            "wav_folder",
            lambda: read_wav_folder(
                p,
                sample_rate=rate,
                resample=resample,
                mono=mono,
                duration=seconds,
                pad=pad,
                classes=list(train.class_names),
            ),
        )

    return _with_test("wav_folder", train, test_path, read_test, folder=True)


# ----------------------------------------------------------------------------- spoken digits
def _espeak() -> str:
    exe = shutil.which(ESPEAK)
    if exe is None:
        raise MissingPathError(
            f"spoken speech needs the Debian package {ESPEAK!r} (program {ESPEAK} not "
            f"found on PATH); install it with: {_APT}",
            path=Path(ESPEAK),
            argument="voices",
        )
    return exe


def _espeak_present() -> bool:
    return shutil.which(ESPEAK) is not None


def synthesize_speech(
    text: str, voice: str, *, speed: int = 175, pitch: int = 50, sample_rate: int = 8000
) -> np.ndarray:
    """``text`` spoken by espeak-ng ``voice`` (e.g. ``"en-us+f2"``) as float32 (1, T) at ``sample_rate``.

    Deterministic: espeak-ng has no randomness. Leading/trailing silence is trimmed.

    Raises:
        MissingPathError: espeak-ng is not installed (names the package).
        GenaugError: espeak-ng failed (names the voice).
    """
    exe = _espeak()
    proc = subprocess.run(
        [exe, "-v", voice, "-s", str(int(speed)), "-p", str(int(pitch)), "--stdout", text],
        capture_output=True,
        timeout=60,
        check=False,
    )
    if proc.returncode != 0 or len(proc.stdout) < 64:
        raise GenaugError(
            f"espeak-ng failed for voice {voice!r}: {proc.stderr.decode(errors='replace')[:200]}",
            argument="voices",
            accepted="espeak-ng voices such as en-us+f2 (espeak-ng --voices=en)",
        )
    wave, _ = read_wav(io.BytesIO(proc.stdout), sample_rate=sample_rate, where=f"espeak-ng {voice} {text!r}")
    loud = np.flatnonzero(np.abs(wave[0]) > 0.01 * max(float(np.abs(wave).max()), 1e-9))
    if len(loud):
        wave = wave[:, loud[0] : loud[-1] + 1]
    return wave


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "genaug" / "spoken_digits"


@register("dataset", "spoken_digits")
@describe_dataset(
    modality="audio",
    n_samples=10 * len(SPEEDS) * len(PITCHES) * (len(TRAIN_VOICES) + len(TEST_VOICES)),
    sample_shape=(1, 8000),
    n_classes=10,
    source="generated offline with Debian espeak-ng (synthetic speech: many voices, speeds, pitches)",
    license="espeak-ng is GPL-3+; its output is data",
    how_to_get=_APT,
    is_available=_espeak_present,
)
def load_spoken_digits(
    *,
    digits: Sequence[str] | None = None,
    train_voices: Sequence[str] = TRAIN_VOICES,
    test_voices: Sequence[str] = TEST_VOICES,
    speeds: Sequence[int] = SPEEDS,
    pitches: Sequence[int] = PITCHES,
    sample_rate: int = 8000,
    duration: float = 1.0,
    cache: bool = True,
) -> LabeledData:
    """Spoken digits "zero" ... "nine" by espeak-ng, split by voice.

    Every (digit, voice, speed, pitch) is one clip, trimmed of silence and centred in
    ``duration`` seconds. Training-voice clips come first, then test-voice clips marked
    ``meta["split"] == "test"`` (the experiment's test split), so test voices are never trained on.
    ``meta["voice"]`` names each clip's voice.

    Args:
        digits: the classes (default all ten, in order ``zero`` ... ``nine``); any words work.
        train_voices, test_voices: espeak-ng voices (``accent+variant``); they must not overlap.
        speeds: words per minute (80-450); pitches: 0-99.
        sample_rate: Hz; duration: seconds per clip.
        cache: keep the generated clips in the user's cache folder (see module docstring).
    """
    words = list(DIGITS if digits is None else digits)
    if (
        not words
        or any(not isinstance(w, str) or not w.strip() for w in words)
        or len(set(words)) != len(words)
    ):
        raise ValueError(f"digits must be distinct non-empty words; got {words!r}")
    overlap = sorted(set(train_voices) & set(test_voices))
    if overlap:
        raise ValueError(f"train_voices and test_voices must not overlap; both hold {overlap}")
    if not train_voices:
        raise ValueError("train_voices must name at least one espeak-ng voice")
    for s in speeds:
        if isinstance(s, bool) or not isinstance(s, int) or not 80 <= s <= 450:
            raise ValueError(f"speeds must be ints in [80, 450] (words per minute); got {s!r}")
    for p in pitches:
        if isinstance(p, bool) or not isinstance(p, int) or not 0 <= p <= 99:
            raise ValueError(f"pitches must be ints in [0, 99]; got {p!r}")
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or not 4000 <= sample_rate <= 48000:
        raise ValueError(f"sample_rate must be an int in [4000, 48000] (Hz); got {sample_rate!r}")
    if isinstance(duration, bool) or not isinstance(duration, int | float) or not 0.05 <= duration <= 10:
        raise ValueError(f"duration must be seconds in [0.05, 10]; got {duration!r}")
    _espeak()
    config = {
        "words": words,
        "train": list(train_voices),
        "test": list(test_voices),
        "speeds": list(speeds),
        "pitches": list(pitches),
        "rate": sample_rate,
        "duration": float(duration),
        "v": 1,
    }
    key = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]
    file = _cache_dir() / f"{key}.npz"
    if cache and file.is_file():
        z = np.load(file)
        x, y, voice, split, lengths = z["x"], z["y"], z["voice"], z["split"], z["length"]
    else:
        waves, ys, voices, splits = [], [], [], []
        for part, group in (("train", train_voices), ("test", test_voices)):
            for v in group:
                for s in speeds:
                    for p in pitches:
                        for k, w in enumerate(words):
                            waves.append(synthesize_speech(w, v, speed=s, pitch=p, sample_rate=sample_rate))
                            ys.append(k)
                            voices.append(v)
                            splits.append(part)
        n = int(round(duration * sample_rate))
        lengths = np.minimum([w.shape[1] for w in waves], n).astype(np.int64)
        x = _fit_length(waves, n, "center")
        y, voice, split = np.asarray(ys), np.asarray(voices), np.asarray(splits)
        if cache:
            file.parent.mkdir(parents=True, exist_ok=True)
            tmp = file.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez(tmp, x=x, y=y, voice=voice, split=split, length=lengths)
            os.replace(tmp, file)
    meta = {
        "voice": voice.astype(str),
        SPLIT_KEY: split.astype(str),
        LENGTH_KEY: lengths,
        SAMPLE_RATE_KEY: np.full(len(y), sample_rate, dtype=np.int64),
    }
    return LabeledData(
        torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), y, tuple(words), "audio", meta
    )
