"""Audio classifiers: a log-mel CNN (the modality's default) and an MFCC-statistics SVM baseline.

================ ===========================================================================
model            what it is
================ ===========================================================================
``audio_cnn``    :class:`~genaug.train.torch_classifier.TorchClassifier` with ``arch="audio_cnn"``:
                 a log-mel front end (torch STFT, no parameters), per-utterance standardisation
                 (mean 0, std 1 per clip), then the :class:`~genaug.train.nets.SmallCNN` body on
                 (C, n_mels, frames); on-the-fly
                 augmentation, consistency training and saving as every torch classifier
``mfcc_svm``     :class:`~genaug.train.sklearn_models.SVMClassifier` on MFCC statistics (mean and
                 std over frames of the MFCCs and of their deltas), standardised: the strong
                 non-deep baseline
================ ===========================================================================

Both read the sample rate from ``meta["sample_rate"]`` where they can; the CNN's mel scale
uses ``arch_kwargs={"sample_rate": ...}`` (default 16 kHz; a wrong rate only warps the mel axis).

Example:
    >>> from genaug import registry
    >>> clf = registry.create("model", "mfcc_svm")  # then clf.fit(train, val, generator=0)
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, Literal, Self

import numpy as np
import torch
from torch import nn

from genaug.data.labeled import LabeledData
from genaug.modalities.audio import check_clips, sample_rate_of
from genaug.ops.audio import log_mel, mfcc
from genaug.registry import register
from genaug.train import nets
from genaug.train import torch_classifier as tc
from genaug.train.sklearn_models import SVMClassifier
from genaug.train.torch_classifier import TorchClassifier

__all__ = ["AudioCNNClassifier", "LogMelCNN", "MFCCSVMClassifier", "mfcc_statistics"]


class LogMelCNN(nn.Module):
    """Log-mel spectrogram front end + :class:`~genaug.train.nets.SmallCNN`.

    Args:
        in_channels: C of the waveforms.
        num_classes: K.
        sample_rate: Hz, for the mel scale.
        n_mels: mel bands.
        n_fft: FFT size (shrinks to a power of two <= T for short clips).
        width, norm, dropout: as :class:`~genaug.train.nets.SmallCNN`.
        normalize: per-utterance normalisation of the log-mel: ``"standardize"`` (the default:
            each clip's mean removed and divided by its standard deviation, so gain and dynamic
            range do not matter) or ``"mean"`` (mean removal only, the earlier behaviour).

    Shape:
        x: (B, C, T) waveforms; logits (B, K); features (B, 2 * width).
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        *,
        sample_rate: int = 16000,
        n_mels: int = 40,
        n_fft: int = 512,
        width: int = 32,
        norm: nets.Norm = "batch",
        dropout: float = 0.2,
        normalize: Literal["standardize", "mean"] = "standardize",
    ) -> None:
        super().__init__()
        if normalize not in ("standardize", "mean"):
            raise ValueError(f"normalize must be 'standardize' or 'mean'; got {normalize!r}")
        self.normalize = normalize
        if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate < 1000:
            raise ValueError(f"sample_rate must be an int >= 1000 (Hz); got {sample_rate!r}")
        if isinstance(n_mels, bool) or not isinstance(n_mels, int) or not 4 <= n_mels <= 256:
            raise ValueError(f"n_mels must be an int in [4, 256]; got {n_mels!r}")
        self.sample_rate, self.n_mels, self.n_fft = sample_rate, n_mels, n_fft
        self.cnn = nets.SmallCNN(in_channels, num_classes, width=width, norm=norm, dropout=dropout)
        self.feature_dim = self.cnn.feature_dim

    def frontend(self, x: torch.Tensor) -> torch.Tensor:
        """Log-mel (B, C, n_mels, frames), each clip's mean removed (gain invariance) and, with
        ``normalize="standardize"``, divided by its standard deviation."""
        lm = log_mel(x.float(), self.sample_rate, n_mels=self.n_mels, n_fft=self.n_fft)
        lm = lm - lm.mean(dim=(1, 2, 3), keepdim=True)
        if self.normalize == "standardize":
            lm = lm / lm.std(dim=(1, 2, 3), keepdim=True).clamp_min(1e-5)
        return lm

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate-layer features, shape (B, 2 * width)."""
        return self.cnn.features(self.frontend(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits, shape (B, num_classes)."""
        return self.cnn(self.frontend(x))


def audio_cnn(input_shape: Sequence[int], num_classes: int, **kwargs: Any) -> LogMelCNN:
    """A :class:`LogMelCNN` for waveforms of shape ``(C, T)``, T >= 16."""
    if len(input_shape) != 2 or input_shape[1] < 16:
        raise ValueError(f"audio_cnn needs input_shape (C, T) with T >= 16; got {tuple(input_shape)}")
    return LogMelCNN(int(input_shape[0]), num_classes, **kwargs)


nets.ARCHITECTURES.setdefault("audio_cnn", audio_cnn)
tc._ARCH_CLASSES.setdefault("audio_cnn", LogMelCNN)


@register("model", "audio_cnn")
class AudioCNNClassifier(TorchClassifier):
    """:class:`TorchClassifier` preset for audio (B, C, T): ``arch="audio_cnn"`` (log-mel + CNN).

    Example:
        >>> AudioCNNClassifier(steps=300, arch_kwargs={"sample_rate": 8000})  # doctest: +ELLIPSIS
        AudioCNNClassifier(...)
    """

    def __init__(self, *, arch: str = "audio_cnn", **kwargs: Any) -> None:
        super().__init__(arch=arch, **kwargs)

    def fit(self, train: LabeledData, val: LabeledData | None = None, **kwargs: Any) -> Self:
        """:meth:`TorchClassifier.fit` after refusing empty clips and clips at several rates."""
        if isinstance(train, LabeledData):
            check_clips(train, "train")
        return super().fit(train, val, **kwargs)

    # Strategies read the accepted fit options from the signature (unlabeled=, consistency=, ...).
    fit.__signature__ = inspect.signature(TorchClassifier.fit)  # type: ignore[attr-defined]


def mfcc_statistics(x: torch.Tensor | np.ndarray, sample_rate: int, *, n_mfcc: int = 20) -> np.ndarray:
    """Per-clip MFCC statistics (N, 4 * C * n_mfcc): mean and std over frames of the MFCCs and of
    their first differences (deltas), float64."""
    t = torch.as_tensor(x, dtype=torch.float32)
    m = mfcc(t, sample_rate, n_mfcc=n_mfcc)  # (N, C, K, frames)
    d = m.diff(dim=-1) if m.shape[-1] > 1 else torch.zeros_like(m)
    parts = [m.mean(-1), m.std(-1, unbiased=False), d.mean(-1), d.std(-1, unbiased=False)]
    return torch.cat([p.reshape(len(t), -1) for p in parts], dim=1).double().numpy()


@register("model", "mfcc_svm")
class MFCCSVMClassifier(SVMClassifier):
    """RBF SVM on MFCC statistics of audio clips (:func:`mfcc_statistics`), standardised.

    Takes every option of :class:`~genaug.train.sklearn_models.SVMClassifier` plus:

    Args:
        n_mfcc: MFCCs per frame, 4-40.
        sample_rate: Hz used when the data carries none (``meta["sample_rate"]`` wins).

    Offline augmented copies (``n_aug_copies``) are augmented waveforms, featurised as the
    real ones. Saving stores the training waveforms and refits on load (as the SVM does).

    Example:
        >>> MFCCSVMClassifier().fit(train, val, generator=0).predict(test)  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        n_mfcc: int = 20,
        sample_rate: int = 16000,
        C: float = 10.0,
        gamma: float | str = "scale",
        C_grid: Sequence[float] = (1.0, 10.0, 100.0),
        gamma_grid: Sequence[float] = (0.25, 1.0, 4.0),
        calibration: str = "temperature",
        standardize: bool | str = True,
        select_on_val: bool = True,
        n_aug_copies: int = 4,
        n_threads: int | None = 1,
    ) -> None:
        self.n_mfcc = n_mfcc
        self.sample_rate = sample_rate
        super().__init__(
            C=C,
            gamma=gamma,
            C_grid=C_grid,
            gamma_grid=gamma_grid,
            calibration=calibration,  # type: ignore[arg-type]
            standardize=standardize,
            select_on_val=select_on_val,  # type: ignore[arg-type]
            n_aug_copies=n_aug_copies,
            n_threads=n_threads,
        )

    def _validate_params(self) -> None:
        super()._validate_params()
        if isinstance(self.n_mfcc, bool) or not isinstance(self.n_mfcc, int) or not 4 <= self.n_mfcc <= 40:
            raise ValueError(f"n_mfcc must be an int in [4, 40]; got {self.n_mfcc!r}")
        if (
            isinstance(self.sample_rate, bool)
            or not isinstance(self.sample_rate, int)
            or self.sample_rate < 1000
        ):
            raise ValueError(f"sample_rate must be an int >= 1000 (Hz); got {self.sample_rate!r}")

    def _fit(self, train: LabeledData, val: LabeledData | None, *args: Any) -> Self:
        if len(train.sample_shape) != 2:
            raise ValueError(f"mfcc_svm takes audio (N, C, T); got samples of shape {train.sample_shape}")
        self.sample_rate_ = sample_rate_of(train, self.sample_rate)
        self.audio_shape_ = tuple(int(s) for s in train.sample_shape)
        return super()._fit(train, val, *args)

    def _encode(self, x: np.ndarray) -> np.ndarray:
        """Flattened waveforms (N, C * T) -> MFCC statistics."""
        c, t = self.audio_shape_
        return mfcc_statistics(
            np.asarray(x, dtype=np.float32).reshape(len(x), c, t), self.sample_rate_, n_mfcc=self.n_mfcc
        )

    def _scaling(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean, std = x.mean(axis=0), x.std(axis=0)
        return mean, np.where(std > 1e-12, std, 1.0)

    def _state(self) -> dict[str, Any]:
        return {**super()._state(), "sample_rate_": self.sample_rate_}

    def _restore_state(self, state: dict[str, Any]) -> None:
        super()._restore_state(state)
        self.sample_rate_ = int(state["sample_rate_"])
        self.audio_shape_ = tuple(int(s) for s in self.input_shape_)
