"""Non-deep baselines on flattened inputs: RBF SVM, histogram gradient boosting, logistic regression.

Every comparison needs a strong non-deep model; these share the torch classifiers' interface.

* Inputs are flattened to (N, F); ``svm_rbf`` and ``logreg`` standardise features with statistics
  of the (augmented) training matrix when ``standardize=True``, or with the default ``"auto"``
  only for tabular data: pixels and signal samples share one scale, and per-pixel
  standardisation inflates rarely-used border pixels (on digits with 10 labels per class it cost
  the RBF SVM about 3 points of accuracy).
* Categories are categories: the category-code columns of a table are one-hot encoded for
  ``svm_rbf`` and ``logreg`` (only the numeric columns are standardised) and given to
  ``hist_gb`` as native categorical features, by one :class:`~genaug.data.tabular.TableEncoder`
  fitted on the training rows and saved with the model; a category unseen in training becomes an
  all-zero one-hot block (``hist_gb``: a missing value).
* ``hist_gb`` stops early by default: the number of trees is chosen on held-out rows (the
  ``val`` the model receives, or a seeded stratified fraction of the training rows, whichever
  is larger), then the model is refit on all training rows with that many trees.
* Hyper-parameters are selected on ``val`` from a small grid when ``val`` is given (highest val
  accuracy, ties broken by lower val NLL where the candidate has probabilities, then grid order);
  the selected model is trained on ``train`` only.
* ``augmenter``: offline augmentation. The estimator trains on the real data plus
  ``n_aug_copies`` augmented copies, each made by ``augmenter(x_chunk, generator=g)``.
* ``mixer``: each copy is also mixed, ``mixer(x, y_soft, generator=g) -> (x, y_soft)``; a mixed
  sample with soft label ``y_soft`` becomes one row per class k with ``y_soft[k] > 0``, labelled k
  and weighted by ``y_soft[k]`` (times its sample weight).
* ``train.meta["weight"]`` is passed as ``sample_weight`` (scaled to mean 1).
* Determinism: the estimator's ``random_state`` and the augmentation streams derive from one seed
  drawn from ``generator``.
* Saving: no pickle, the one save layout (:mod:`genaug.serialization`). ``save`` writes the
  config and the exact training matrix (safetensors); ``load`` refits on it with the stored
  ``random_state`` and hyper-parameters, which reproduces the model exactly (fitting is
  deterministic). Folder size grows with the training set.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Any, ClassVar, Literal, Self

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from genaug.data.labeled import LabeledData
from genaug.data.tabular import EncodeMethod, TableEncoder, table_encoder
from genaug.modalities import get_modality
from genaug.registry import register
from genaug.rng import Seed, as_generator, derive_seed, draw_seed
from genaug.serialization import TensorSpec
from genaug.train import metrics
from genaug.train.base import BaseClassifier, as_matrix, as_tensor, check_fit_data, sample_weights
from genaug.validation import check_choice, check_int, check_range

__all__ = ["HistGBClassifier", "LogRegClassifier", "SVMClassifier", "SklearnClassifier"]

_CHUNK = 256


class SklearnClassifier(BaseClassifier):
    """Shared fit/predict/save logic; subclasses define the estimator and its selection grid.

    Attributes (after fit):
        estimator_: the fitted scikit-learn estimator.
        classes_: class names (columns of ``predict_proba``).
        input_shape_: shape of one sample.
        best_params_: the estimator hyper-parameters used.
        val_scores_: ``[{"params", "val_acc", "val_nll"}]`` for each grid candidate (empty without val).
        n_train_rows_: rows the estimator was trained on (after offline augmentation).
        random_state_: the estimator's ``random_state``.
        seed_: the seed drawn from ``generator``.
        fit_seconds_: wall-clock seconds of ``fit``.
        encoder_: the :class:`~genaug.data.tabular.TableEncoder` of a table's categorical
            columns (fitted on the training matrix), or None.
    """

    n_aug_copies: int
    _encoding: ClassVar[EncodeMethod] = "onehot"  # how the estimator takes a table's categories
    _max_categories: ClassVar[int | None] = None  # more categories than this: left as codes

    # ----- subclass hooks -----------------------------------------------------------------
    def _default_params(self, x: np.ndarray) -> dict[str, Any]:
        raise NotImplementedError

    def _grid(self, x: np.ndarray) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _estimator(self, params: dict[str, Any], random_state: int, *, selecting: bool) -> Any:
        raise NotImplementedError

    def _complete_params(
        self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None, params: dict[str, Any], random_state: int,
        val: LabeledData | None,
    ) -> dict[str, Any]:
        """Parameters fixed by a fit before the final one (``hist_gb``: the early-stopped tree count)."""
        return params

    # ----- fit ----------------------------------------------------------------------------
    def fit(
        self,
        train: LabeledData,
        val: LabeledData | None = None,
        *,
        augmenter: Callable[..., torch.Tensor] | None = None,
        mixer: Callable[..., tuple[torch.Tensor, torch.Tensor]] | None = None,
        generator: Seed = None,
    ) -> Self:
        """Fit on flattened ``train`` (plus offline-augmented copies), selecting on ``val``.

        Args:
            train: labeled data with at least two classes; optional ``meta["weight"]``.
            val: data with the same class_names for hyper-parameter selection, or None.
            augmenter: ``augmenter(x, generator=g) -> x`` for the offline copies.
            mixer: ``mixer(x, y_soft, generator=g) -> (x, y_soft)`` for the offline copies.
            generator: seed or generator; all randomness derives from it.

        Returns:
            self, fitted.
        """
        self._validate_params()
        check_fit_data(train, val)
        with self._threads():
            return self._fit(train, val, augmenter, mixer, generator)

    def _fit(
        self, train: LabeledData, val: LabeledData | None, augmenter: Any, mixer: Any, generator: Seed
    ) -> Self:
        start = time.perf_counter()
        self.standardize_ = self._resolve_standardize(train.modality)
        seed = draw_seed(generator)
        random_state = derive_seed(seed, "estimator") % 2**32
        x, y, w = self._design(train, augmenter, mixer, seed)
        encoder = table_encoder(train, self._encoding, max_categories=self._max_categories)
        self.encoder_ = None if encoder is None else encoder.fit(x)
        x_scaled = self._scale_fit(x)
        params, scores = self._default_params(x_scaled), []
        grid = self._grid(x_scaled) if val is not None and self.select_on_val else []
        if len(grid) > 1 and val is not None:
            x_val = as_matrix(val.x)
            best_key: tuple[float, float] | None = None
            for candidate in grid:
                candidate = self._complete_params(x, y, w, candidate, random_state, val)
                est = self._fit_estimator(x, y, w, candidate, random_state, selecting=True)
                acc, loss = self._score(est, x_val, val.y, train.num_classes)
                scores.append({"params": candidate, "val_acc": acc, "val_nll": loss})
                key = (acc, -loss if np.isfinite(loss) else 0.0)
                if best_key is None or key > best_key:
                    best_key, params = key, candidate
        else:
            params = self._complete_params(x, y, w, params, random_state, val)
        meta = {"classes": train.class_names, "input_shape": train.sample_shape, "modality": train.modality}
        self._finish_fit(x, y, w, params, random_state, meta, scores, seed)
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def _finish_fit(
        self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None, params: dict[str, Any], random_state: int,
        data_info: dict[str, Any], scores: list[dict[str, Any]], seed: int,
    ) -> None:
        self.estimator_ = self._fit_estimator(x, y, w, params, random_state, selecting=False)
        self.best_params_ = params
        self.val_scores_ = scores
        self.random_state_ = random_state
        self.seed_ = seed
        self.classes_ = tuple(data_info["classes"])
        self.input_shape_ = tuple(data_info["input_shape"])
        self.modality_ = data_info["modality"]
        self.n_train_rows_ = len(y)
        self._fit_arrays = (x, y, w)

    def _design(
        self, train: LabeledData, augmenter: Any, mixer: Any, seed: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The training matrix: real rows plus augmented (and mixed) copies."""
        for name, fn in (("augmenter", augmenter), ("mixer", mixer)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{name} must be callable or None; got {type(fn).__name__}")
        weights = sample_weights(train)
        xs, ys = [as_matrix(train.x)], [train.y]
        ws = [np.ones(len(train)) if weights is None else weights]
        if augmenter is None and mixer is None:
            return xs[0], ys[0], weights
        x_t = as_tensor(train.x)
        y_t = torch.as_tensor(train.y, dtype=torch.long)
        w_t = np.ones(len(train)) if weights is None else weights
        aug_gen = as_generator(derive_seed(seed, "augment"))
        mix_gen = as_generator(derive_seed(seed, "mix"))
        k = train.num_classes
        for _ in range(self.n_aug_copies):
            for i in range(0, len(train), _CHUNK):
                xb = x_t[i : i + _CHUNK]
                if augmenter is not None:
                    out = augmenter(xb, generator=aug_gen)
                    if not isinstance(out, torch.Tensor) or out.shape != xb.shape:
                        raise ValueError(
                            f"augmenter must return a tensor of the batch's shape {tuple(xb.shape)}"
                        )
                    xb = out
                flat = xb.reshape(len(xb), -1).double().numpy()
                if mixer is None:
                    xs.append(flat)
                    ys.append(train.y[i : i + _CHUNK])
                    ws.append(w_t[i : i + _CHUNK])
                    continue
                out = mixer(xb, F.one_hot(y_t[i : i + _CHUNK], k).float(), generator=mix_gen)
                if not isinstance(out, tuple) or len(out) != 2 or tuple(out[1].shape) != (len(xb), k):
                    raise ValueError(f"mixer must return (x, y_soft) with y_soft of shape {(len(xb), k)}")
                flat = out[0].reshape(len(xb), -1).double().numpy()
                soft = out[1].double().numpy()
                rows, cols = np.nonzero(soft > 0)
                xs.append(flat[rows])
                ys.append(cols.astype(np.int64))
                ws.append(w_t[i : i + _CHUNK][rows] * soft[rows, cols])
        w_all = np.concatenate(ws)
        return np.concatenate(xs), np.concatenate(ys), w_all / w_all.mean()

    def _encode(self, x: np.ndarray) -> np.ndarray:
        """``x`` with a table's categorical columns encoded for the estimator (see ``encoder_``)."""
        encoder = getattr(self, "encoder_", None)
        return x if encoder is None else encoder.transform(x)

    def _scaling(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-column mean and scale of encoded ``x``; one-hot columns are left as 0/1."""
        mean, std = x.mean(axis=0), x.std(axis=0)
        scale = np.where(std > 1e-12, std, 1.0)
        encoder = getattr(self, "encoder_", None)
        if encoder is not None:
            mean[~encoder.numeric_mask_], scale[~encoder.numeric_mask_] = 0.0, 1.0
        return mean, scale

    def _scale_fit(self, x: np.ndarray) -> np.ndarray:
        x = self._encode(x)
        if not self.standardize_:
            return x
        mean, scale = self._scaling(x)
        return (x - mean) / scale

    def _fit_estimator(
        self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None, params: dict[str, Any], random_state: int,
        *, selecting: bool,
    ) -> Any:
        if self.standardize_:
            self.mean_, self.scale_ = self._scaling(self._encode(x))
        if w is not None and np.all(w == w[0]):
            w = None  # uniform weights change nothing, and weighted binning in hist_gb is slow
        est = self._estimator(params, random_state, selecting=selecting)
        est.fit(self._transform(x), y, sample_weight=w)
        return est

    def _transform(self, x: np.ndarray) -> np.ndarray:
        x = self._encode(x)
        return (x - self.mean_) / self.scale_ if self.standardize_ else x

    def _proba_of(self, est: Any, x: np.ndarray, k: int) -> np.ndarray:
        """(N, K) probabilities; classes absent from the training rows get probability 0."""
        out = np.zeros((len(x), k))
        out[:, est.classes_.astype(np.int64)] = est.predict_proba(self._transform(x))
        return out

    def _score(self, est: Any, x_val: np.ndarray, y_val: np.ndarray, k: int) -> tuple[float, float]:
        if hasattr(est, "predict_proba"):
            probs = self._proba_of(est, x_val, k)
            return metrics.accuracy(probs, y_val), metrics.nll(probs, y_val)
        pred = est.predict(self._transform(x_val)).astype(np.int64)
        return metrics.accuracy(pred, y_val), float("nan")

    # ----- inference ----------------------------------------------------------------------
    def predict_proba(self, data: LabeledData | Any) -> np.ndarray:
        """Class probabilities.

        Args:
            data: a :class:`LabeledData` (or raw batch) whose samples have the training shape.

        Returns:
            (N, K) float64 array, columns following ``classes_``.
        """
        x = as_matrix(self._check_predict_input(data))
        with self._threads():
            return self._proba_of(self.estimator_, x, len(self.classes_))

    # ----- persistence --------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        return {
            "best_params_": self.best_params_,
            "val_scores_": self.val_scores_,
            "random_state_": self.random_state_,
            "seed_": self.seed_,
            "fit_seconds_": self.fit_seconds_,
            "n_train_rows_": self.n_train_rows_,
            "encoder_": None if self.encoder_ is None else self.encoder_.to_dict(),
        }

    def _tensors(self) -> dict[str, torch.Tensor]:
        x, y, w = self._fit_arrays
        tensors = {"x": torch.from_numpy(x), "y": torch.from_numpy(y)}
        if w is not None:
            tensors["weight"] = torch.from_numpy(w)
        return tensors

    def _restore_state(self, state: dict[str, Any]) -> None:
        if not isinstance(state["best_params_"], dict):
            raise ValueError(f"best_params_ must be an object; got {state['best_params_']!r}")
        self.best_params_ = state["best_params_"]
        self.val_scores_ = state["val_scores_"]
        self.random_state_ = int(state["random_state_"])
        self.seed_ = state["seed_"]
        self.fit_seconds_ = state["fit_seconds_"]
        self.n_train_rows_ = state.get("n_train_rows_")
        encoder = state.get("encoder_")  # absent in models saved before tables were encoded
        self.encoder_ = None if encoder is None else TableEncoder.from_dict(encoder)
        if self.encoder_ is not None and self.encoder_.n_features != int(np.prod(self.input_shape_)):
            raise ValueError(f"encoder_ encodes {self.encoder_.n_features} columns; the input has "
                             f"{int(np.prod(self.input_shape_))}")

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        n, f = self.n_train_rows_, int(np.prod(self.input_shape_))
        return {
            "x": TensorSpec((n, f), torch.float64),
            "y": TensorSpec((n,), torch.int64),
            "weight": TensorSpec((n,), torch.float64, optional=True),
        }

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        """Refit on the stored matrix with the stored ``random_state`` and hyper-parameters."""
        x, y = tensors["x"].numpy(), tensors["y"].numpy()
        w = tensors["weight"].numpy() if "weight" in tensors else None
        if len(x) != len(y) or (w is not None and len(w) != len(y)):
            raise ValueError(f"x, y and weight must have the same rows; got {len(x)}, {len(y)}, "
                             f"{None if w is None else len(w)}")
        if len(y) and (y.min() < 0 or y.max() >= len(self.classes_)):
            raise ValueError(f"y holds labels outside 0..{len(self.classes_) - 1}")
        fit_seconds = self.fit_seconds_
        self.standardize_ = self._resolve_standardize(self.modality_)
        info = {"classes": self.classes_, "input_shape": self.input_shape_, "modality": self.modality_}
        with self._threads():
            self._finish_fit(
                x, y, w, self.best_params_, self.random_state_, info, self.val_scores_, self.seed_
            )
        self.fit_seconds_ = fit_seconds

    # ----- checks -------------------------------------------------------------------------
    def _resolve_standardize(self, modality: str) -> bool:
        """Standardise features? ``"auto"``: as the modality says (tabular: yes; pixels share a scale)."""
        value = getattr(self, "standardize", False)
        return get_modality(modality).standardize_inputs if value == "auto" else bool(value)

    def _threads(self) -> Any:
        """Limit native thread pools: OpenMP spin-waiting on a busy machine can cost 10-30x."""
        return threadpool_limits(self.n_threads) if self.n_threads is not None else nullcontext()

    def _validate_params(self) -> None:
        check_int("n_aug_copies", self.n_aug_copies, 1)
        if self.n_threads is not None:
            check_int("n_threads", self.n_threads, 1)
        if not isinstance(self.select_on_val, bool):
            raise TypeError(f"select_on_val must be a bool; got {self.select_on_val!r}")
        if getattr(self, "standardize", "auto") not in (True, False, "auto"):
            raise ValueError(f"standardize must be True, False or 'auto'; got {self.standardize!r}")


def _params_key(params: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(sorted(params.items()))


def _check_grid(name: str, values: Any, positive: bool = True) -> None:
    if values is None:
        return
    if not isinstance(values, Sequence) or isinstance(values, str) or not values:
        raise ValueError(f"{name} must be a non-empty sequence of numbers or None; got {values!r}")
    for v in values:
        check_range(f"{name} entry", v, 0.0 if positive else None, low_inclusive=not positive)


@register("model", "svm_rbf")
class SVMClassifier(SklearnClassifier):
    """RBF-kernel SVM on flattened features (standardised for tabular data), calibrated probabilities.

    A table's categorical columns are one-hot encoded (categories observed in training; an
    unseen one is an all-zero block); only the numeric columns are standardised.

    Probabilities come from a calibrator fit on out-of-fold decision values
    (``CalibratedClassifierCV(..., ensemble=False)``, seeded stratified folds): temperature
    scaling of the one-vs-rest decision values by default (on digits it gave a lower NLL and ECE
    than per-class sigmoids, which are under-confident with many classes). The grid search on
    val scores plain SVMs by accuracy.

    Args:
        C: regularisation used when no val is given (or ``select_on_val=False``).
        gamma: kernel width used then: ``"scale"`` (``1 / (F * var(X))``) or a positive float.
        C_grid: C values tried on val.
        gamma_grid: multiples of the ``"scale"`` gamma tried on val.
        calibration: ``"temperature"`` or ``"sigmoid"`` (Platt, one-vs-rest).
        standardize: standardise features; ``"auto"``: only for tabular data.
        select_on_val: select (C, gamma) on val when val is given.
        n_aug_copies: offline augmented copies when an augmenter/mixer is given.
        n_threads: BLAS/OpenMP threads while fitting and predicting (None: library default).

    Example:
        >>> SVMClassifier().fit(train, val, generator=0).predict(test)  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        C: float = 10.0,
        gamma: float | str = "scale",
        C_grid: Sequence[float] = (1.0, 10.0, 100.0),
        gamma_grid: Sequence[float] = (0.25, 1.0, 4.0),
        calibration: Literal["temperature", "sigmoid"] = "temperature",
        standardize: bool | Literal["auto"] = "auto",
        select_on_val: bool = True,
        n_aug_copies: int = 4,
        n_threads: int | None = 1,
    ) -> None:
        self.C = C
        self.gamma = gamma
        self.C_grid = C_grid
        self.gamma_grid = gamma_grid
        self.calibration = calibration
        self.standardize = standardize
        self.select_on_val = select_on_val
        self.n_aug_copies = n_aug_copies
        self.n_threads = n_threads
        self._validate_params()

    def _validate_params(self) -> None:
        super()._validate_params()
        check_range("C", self.C, 0.0, low_inclusive=False)
        if self.gamma != "scale":
            check_range("gamma", self.gamma, 0.0, low_inclusive=False)
        _check_grid("C_grid", self.C_grid)
        _check_grid("gamma_grid", self.gamma_grid)
        check_choice("calibration", self.calibration, ["temperature", "sigmoid"])

    @staticmethod
    def _scale_gamma(x: np.ndarray) -> float:
        var = float(x.var())
        return 1.0 / (x.shape[1] * var) if var > 0 else 1.0

    def _default_params(self, x: np.ndarray) -> dict[str, Any]:
        gamma = self._scale_gamma(x) if self.gamma == "scale" else float(self.gamma)
        return {"C": float(self.C), "gamma": gamma}

    def _grid(self, x: np.ndarray) -> list[dict[str, Any]]:
        base = self._scale_gamma(x)
        return [{"C": float(c), "gamma": float(g) * base} for c in self.C_grid for g in self.gamma_grid]

    def _estimator(self, params: dict[str, Any], random_state: int, *, selecting: bool) -> Any:
        svc = SVC(kernel="rbf", random_state=random_state, **params)
        if selecting:
            return svc
        # Platt scaling on out-of-fold decision values; the SVM itself is fit on all rows.
        return _CalibratedSVC(svc, random_state, self.calibration)


class _CalibratedSVC:
    """``CalibratedClassifierCV(svc, method=method, ensemble=False)`` with a seeded stratified CV.

    The number of folds is the smallest class count clipped to [2, 5], so tiny classes still work.
    """

    def __init__(self, svc: SVC, random_state: int, method: str) -> None:
        self.svc, self.random_state, self.method = svc, random_state, method

    def fit(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> _CalibratedSVC:
        n_splits = int(np.clip(np.bincount(y)[np.unique(y)].min(), 2, 5))
        cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)
        self.model_ = CalibratedClassifierCV(self.svc, method=self.method, cv=cv, ensemble=False)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
            self.model_.fit(x, y, sample_weight=sample_weight)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.model_.predict_proba(x)


@register("model", "hist_gb")
class HistGBClassifier(SklearnClassifier):
    """Histogram gradient boosting on flattened features (no standardisation needed).

    A table's categorical columns are native categorical features
    (``HistGradientBoostingClassifier(categorical_features=...)``, from the table schema;
    columns with more than 255 categories stay codes), so a split can group any set of
    categories; a category unseen in training goes where missing values go.

    Early stopping (on by default): a first fit grows up to ``max_iter`` trees and stops when
    the validation loss has not improved for ``n_iter_no_change`` trees; the tree count with the
    lowest validation loss is kept (``best_params_["max_iter"]``) and the model is refit on all
    training rows with that many trees (so that the saved model refits exactly). The held-out
    rows (``stopping_data``): ``"val"``, the validation data ``fit`` receives (real rows);
    ``"train"``, a stratified ``validation_fraction`` of the training matrix, split with the
    estimator's seed; ``"auto"``, ``val`` when it has at least as many rows as that fraction
    would, otherwise the fraction. When the chosen kind is impossible (no val, or a class too
    small to split) the other is used; when both are, all ``max_iter`` trees are grown.

    Args:
        max_iter: boosting iterations (trees per class); the upper bound with early stopping.
        learning_rate: shrinkage used when no val is given.
        max_leaf_nodes: leaves per tree.
        l2_regularization: L2 penalty on leaf values.
        early_stopping: choose the number of trees on held-out rows.
        stopping_data: ``"auto"``, ``"val"`` or ``"train"`` (see above).
        validation_fraction: share of the training rows held out with ``stopping_data="train"``.
        n_iter_no_change: trees without improvement of the validation loss before stopping.
        learning_rate_grid: learning rates tried on val, or None for no selection.
        select_on_val: select on val when val is given.
        n_aug_copies: offline augmented copies when an augmenter/mixer is given.
        n_threads: BLAS/OpenMP threads while fitting and predicting (None: library default).

    Attributes (after fit, besides the shared ones):
        stopping_: ``{"data": "val" | "train" | None, "n_iter": trees kept, "n_iter_fit": trees
            grown before stopping}`` (``data`` None: no early stopping).
    """

    _encoding: ClassVar[EncodeMethod] = "ordinal"
    _max_categories: ClassVar[int | None] = 255  # HistGradientBoosting's max_bins

    def __init__(
        self,
        *,
        max_iter: int = 200,
        learning_rate: float = 0.1,
        max_leaf_nodes: int = 31,
        l2_regularization: float = 0.0,
        early_stopping: bool = True,
        stopping_data: Literal["auto", "val", "train"] = "auto",
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        learning_rate_grid: Sequence[float] | None = None,
        select_on_val: bool = True,
        n_aug_copies: int = 4,
        n_threads: int | None = 1,
    ) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.l2_regularization = l2_regularization
        self.early_stopping = early_stopping
        self.stopping_data = stopping_data
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.learning_rate_grid = learning_rate_grid
        self.select_on_val = select_on_val
        self.n_aug_copies = n_aug_copies
        self.n_threads = n_threads
        self._validate_params()

    def _validate_params(self) -> None:
        super()._validate_params()
        check_int("max_iter", self.max_iter, 1)
        check_range("learning_rate", self.learning_rate, 0.0, low_inclusive=False)
        check_int("max_leaf_nodes", self.max_leaf_nodes, 2)
        check_range("l2_regularization", self.l2_regularization, 0.0)
        if not isinstance(self.early_stopping, bool):
            raise TypeError(f"early_stopping must be a bool; got {self.early_stopping!r}")
        check_choice("stopping_data", self.stopping_data, ["auto", "val", "train"])
        check_range("validation_fraction", self.validation_fraction, 0.0, 1.0,
                    low_inclusive=False, high_inclusive=False)  # fmt: skip
        check_int("n_iter_no_change", self.n_iter_no_change, 1)
        _check_grid("learning_rate_grid", self.learning_rate_grid)

    def _default_params(self, x: np.ndarray) -> dict[str, Any]:
        return {"learning_rate": float(self.learning_rate)}

    def _grid(self, x: np.ndarray) -> list[dict[str, Any]]:
        return [{"learning_rate": float(v)} for v in (self.learning_rate_grid or [])]

    def _categorical_features(self) -> np.ndarray | None:
        encoder = getattr(self, "encoder_", None)
        if encoder is None or not encoder.categorical_mask_.any():
            return None
        return encoder.categorical_mask_

    def _estimator(self, params: dict[str, Any], random_state: int, *, selecting: bool) -> Any:
        params = {"max_iter": self.max_iter, **params}
        return HistGradientBoostingClassifier(
            max_leaf_nodes=self.max_leaf_nodes, l2_regularization=self.l2_regularization,
            categorical_features=self._categorical_features(), early_stopping=False,
            random_state=random_state, **params,
        )

    def _stopping_source(self, y: np.ndarray, val: LabeledData | None) -> str | None:
        """Which held-out rows early stopping uses: ``"val"``, ``"train"`` or None (impossible)."""
        present, counts = np.unique(y, return_counts=True)
        n_held = int(np.ceil(self.validation_fraction * len(y)))
        train_ok = counts.min() >= 2 and n_held >= len(present) and len(y) - n_held >= len(present)
        val_ok = val is not None and bool(np.isin(val.y, present).all())  # no class the trees never saw
        if self.stopping_data == "auto":
            order = ["val", "train"] if val_ok and len(val) >= n_held else ["train", "val"]
        else:
            order = [self.stopping_data, "train" if self.stopping_data == "val" else "val"]
        ok = {"val": val_ok, "train": train_ok}
        return next((source for source in order if ok[source]), None)

    def _complete_params(
        self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None, params: dict[str, Any], random_state: int,
        val: LabeledData | None,
    ) -> dict[str, Any]:
        """Early stopping: the tree count with the lowest validation loss, as ``max_iter``."""
        source = self._stopping_source(y, val) if self.early_stopping and "max_iter" not in params else None
        if source is None:
            return params
        est = HistGradientBoostingClassifier(
            max_iter=self.max_iter, max_leaf_nodes=self.max_leaf_nodes,
            l2_regularization=self.l2_regularization, categorical_features=self._categorical_features(),
            early_stopping=True, n_iter_no_change=self.n_iter_no_change, scoring="loss",
            validation_fraction=None if source == "val" else self.validation_fraction,
            random_state=random_state, **params,
        )  # fmt: skip
        held_out: dict[str, Any] = {}
        if source == "val" and val is not None:
            held_out = {"X_val": self._transform(as_matrix(val.x)), "y_val": val.y,
                        "sample_weight_val": sample_weights(val)}  # fmt: skip
        if w is not None and np.all(w == w[0]):
            w = None
        est.fit(self._transform(x), y, sample_weight=w, **held_out)
        # validation_score_[i]: minus the validation loss after i trees (i = 0: before the first)
        n_iter = max(1, int(np.argmax(est.validation_score_)))
        out = {**params, "max_iter": n_iter}
        self._stopped[_params_key(out)] = {"data": source, "n_iter": n_iter, "n_iter_fit": int(est.n_iter_)}
        return out

    def _finish_fit(self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None, params: dict[str, Any],
                    *args: Any) -> None:
        super()._finish_fit(x, y, w, params, *args)
        stopped = self.__dict__.pop("_stopped", {})
        if not hasattr(self, "stopping_"):  # a fit (a load keeps the saved record)
            default = {"data": None, "n_iter": params.get("max_iter", self.max_iter), "n_iter_fit": None}
            self.stopping_ = stopped.get(_params_key(params), default)

    def _fit(self, train: LabeledData, val: LabeledData | None, *args: Any) -> Self:
        self.__dict__.pop("stopping_", None)
        self.__dict__.pop("_stopped", None)
        return super()._fit(train, val, *args)

    @property
    def _stopped(self) -> dict[tuple[Any, ...], dict[str, Any]]:
        """Early-stopping records of this fit's candidates, by their completed parameters."""
        return self.__dict__.setdefault("_stopped", {})

    def _state(self) -> dict[str, Any]:
        return {**super()._state(), "stopping_": self.stopping_}

    def _restore_state(self, state: dict[str, Any]) -> None:
        super()._restore_state(state)
        self.stopping_ = state.get("stopping_")


@register("model", "logreg")
class LogRegClassifier(SklearnClassifier):
    """Multinomial logistic regression on flattened features (standardised for tabular data).

    A table's categorical columns are one-hot encoded (categories observed in training; an
    unseen one is an all-zero block, i.e. the intercept); only the numeric columns are
    standardised.

    Args:
        C: inverse L2 regularisation used when no val is given.
        C_grid: C values tried on val.
        max_iter: L-BFGS iterations.
        standardize: standardise features; ``"auto"``: only for tabular data.
        select_on_val: select C on val when val is given.
        n_aug_copies: offline augmented copies when an augmenter/mixer is given.
        n_threads: BLAS/OpenMP threads while fitting and predicting (None: library default).
    """

    def __init__(
        self,
        *,
        C: float = 1.0,
        C_grid: Sequence[float] = (0.01, 0.1, 1.0, 10.0),
        max_iter: int = 2000,
        standardize: bool | Literal["auto"] = "auto",
        select_on_val: bool = True,
        n_aug_copies: int = 4,
        n_threads: int | None = 1,
    ) -> None:
        self.C = C
        self.C_grid = C_grid
        self.max_iter = max_iter
        self.standardize = standardize
        self.select_on_val = select_on_val
        self.n_aug_copies = n_aug_copies
        self.n_threads = n_threads
        self._validate_params()

    def _validate_params(self) -> None:
        super()._validate_params()
        check_range("C", self.C, 0.0, low_inclusive=False)
        check_int("max_iter", self.max_iter, 1)
        _check_grid("C_grid", self.C_grid)

    def _default_params(self, x: np.ndarray) -> dict[str, Any]:
        return {"C": float(self.C)}

    def _grid(self, x: np.ndarray) -> list[dict[str, Any]]:
        return [{"C": float(c)} for c in self.C_grid]

    def _estimator(self, params: dict[str, Any], random_state: int, *, selecting: bool) -> LogisticRegression:
        return LogisticRegression(max_iter=self.max_iter, random_state=random_state, **params)

