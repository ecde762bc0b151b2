"""Pure math behind the quality metrics and filters; numpy in, floats or arrays out.

Conventions: ``real`` and ``fake`` are (N, D) and (M, D) float feature matrices (one row per
sample); distances are Euclidean and computed exactly (``scipy.spatial.distance.cdist``), in
row chunks so that memory stays at ``chunk x N`` whatever the sizes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
from scipy.spatial.distance import cdist, pdist

from genaug.rng import Seed, numpy_rng

__all__ = [
    "feature_statistics",
    "frechet_distance",
    "fid_from_features",
    "kid_from_features",
    "polynomial_mmd2_unbiased",
    "knn_radii",
    "nearest_distances",
    "prdc",
    "memorization",
    "mean_pairwise_distance",
]

_CHUNK = 1024


def _as_features(name: str, f: np.ndarray, *, min_rows: int = 1) -> np.ndarray:
    arr = np.asarray(f, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (N, D) feature matrix; got shape {arr.shape}")
    if arr.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows; got {arr.shape[0]}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def _same_dim(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"real and synthetic features must have the same dimension; got {a.shape[1]} and {b.shape[1]}"
        )


def _chunks(n: int, size: int = _CHUNK) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


# ----- Fréchet distance ------------------------------------------------------------------------
def feature_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (unbiased, ``N - 1``) covariance of a feature matrix.

    Args:
        features: (N, D) with N >= 2.

    Returns:
        ``(mu, sigma)`` of shapes (D,) and (D, D), float64.
    """
    f = _as_features("features", features, min_rows=2)
    return f.mean(axis=0), np.atleast_2d(np.cov(f, rowvar=False))


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """Symmetric square root of a symmetric PSD matrix (negative eigenvalues clipped to 0)."""
    w, v = np.linalg.eigh((matrix + matrix.T) / 2)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def frechet_distance(
    mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray, *, eps: float = 1e-6
) -> float:
    """Fréchet (2-Wasserstein) distance between two Gaussians, squared.

    ``d² = |mu1 - mu2|² + Tr(S1 + S2 - 2 (S1^½ S2 S1^½)^½)`` with ``S = sigma + eps·I``.

    ``Tr((S1 S2)^½)`` is computed as the sum of square roots of the eigenvalues of the symmetric
    PSD matrix ``S1^½ S2 S1^½`` (same spectrum as ``S1 S2``), so it is real by construction and
    stable when covariances are singular (fewer samples than feature dimensions); ``eps``
    regularises such covariances.

    Args:
        mu1, mu2: (D,) means.
        sigma1, sigma2: (D, D) covariances.
        eps: ridge added to both diagonals (>= 0).

    Returns:
        The squared distance (>= 0, up to rounding), as FID reports it.

    Example:
        >>> import numpy as np
        >>> round(frechet_distance(np.zeros(1), np.eye(1), np.ones(1), 4 * np.eye(1), eps=0), 6)
        2.0
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    s1, s2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    d = mu1.shape[0]
    if mu2.shape != (d,) or s1.shape != (d, d) or s2.shape != (d, d):
        raise ValueError(
            f"means must be (D,) and covariances (D, D) with one D; got {mu1.shape}, {s1.shape}, "
            f"{mu2.shape}, {s2.shape}"
        )
    if eps < 0:
        raise ValueError(f"eps must be >= 0; got {eps}")
    if np.array_equal(mu1, mu2) and np.array_equal(s1, s2):
        return 0.0  # exact; the eigen route leaves ~1e-6 of rounding on identical inputs
    ridge = eps * np.eye(d)
    s1, s2 = s1 + ridge, s2 + ridge
    root1 = _psd_sqrt(s1)
    middle = root1 @ s2 @ root1
    eig = np.linalg.eigvalsh((middle + middle.T) / 2)
    tr_covmean = float(np.sqrt(np.clip(eig, 0.0, None)).sum())
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * tr_covmean)


def fid_from_features(real: np.ndarray, fake: np.ndarray, *, eps: float = 1e-6) -> float:
    """Fréchet distance between the Gaussian fits of two feature sets (FID in that space).

    Args:
        real: (N, D) features, N >= 2.
        fake: (M, D) features, M >= 2.
        eps: covariance ridge, see :func:`frechet_distance`.

    Returns:
        The Fréchet distance (0 for identical sets up to rounding).
    """
    r = _as_features("real", real, min_rows=2)
    f = _as_features("fake", fake, min_rows=2)
    _same_dim(r, f)
    mu1, s1 = feature_statistics(r)
    mu2, s2 = feature_statistics(f)
    return max(frechet_distance(mu1, s1, mu2, s2, eps=eps), 0.0)


# ----- Kernel inception distance -----------------------------------------------------------------
def _poly_kernel(a: np.ndarray, b: np.ndarray, gamma: float, coef0: float, degree: int) -> np.ndarray:
    base = a @ b.T
    base *= gamma
    base += coef0
    out = base.copy()
    for _ in range(degree - 1):  # repeated products: much faster than ``** degree``
        out *= base
    return out


def polynomial_mmd2_unbiased(x: np.ndarray, y: np.ndarray, *, degree: int = 3,
                             coef0: float = 1.0, gamma: float | None = None) -> float:
    """Unbiased MMD² between samples with the kernel ``k(a, b) = (gamma a·b + coef0)^degree``.

    ``MMD²_u = Σ_{i≠j} k(x_i,x_j)/(m(m-1)) + Σ_{i≠j} k(y_i,y_j)/(n(n-1)) - 2 Σ k(x_i,y_j)/(mn)``.

    Args:
        x: (m, D), m >= 2.
        y: (n, D), n >= 2.
        degree, coef0: kernel parameters (KID uses 3 and 1).
        gamma: defaults to ``1 / D``.

    Returns:
        The estimate (can be slightly negative when the distributions match).
    """
    x = _as_features("x", x, min_rows=2)
    y = _as_features("y", y, min_rows=2)
    _same_dim(x, y)
    g = 1.0 / x.shape[1] if gamma is None else gamma
    kxx, kyy, kxy = (_poly_kernel(a, b, g, coef0, degree) for a, b in ((x, x), (y, y), (x, y)))
    m, n = len(x), len(y)
    return float(
        (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
        + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
        - 2.0 * kxy.sum() / (m * n)
    )


def kid_from_features(real: np.ndarray, fake: np.ndarray, *, n_subsets: int = 100,
                      subset_size: int = 1000, generator: Seed = 0) -> tuple[float, float]:
    """Kernel Inception Distance: unbiased cubic-polynomial MMD² averaged over random subsets.

    Each subset draws ``min(subset_size, N, M)`` rows from each side without replacement
    (Bińkowski et al. 2018).

    Args:
        real: (N, D) features, N >= 2.
        fake: (M, D) features, M >= 2.
        n_subsets: number of subsets (>= 1).
        subset_size: rows per subset and side (>= 2).
        generator: seed of the subset draws.

    Returns:
        ``(mean, std)`` of the per-subset estimates.
    """
    r = _as_features("real", real, min_rows=2)
    f = _as_features("fake", fake, min_rows=2)
    _same_dim(r, f)
    if n_subsets < 1 or subset_size < 2:
        raise ValueError(f"need n_subsets >= 1 and subset_size >= 2; got {n_subsets}, {subset_size}")
    rng = numpy_rng(generator)
    m = min(subset_size, len(r), len(f))
    values = np.empty(n_subsets)
    # Small products run faster on one BLAS thread (and do not spin on a busy machine).
    with _blas_threads(1 if m * r.shape[1] <= 2**18 else None):
        for i in range(n_subsets):
            a = r[rng.choice(len(r), m, replace=False)]
            b = f[rng.choice(len(f), m, replace=False)]
            values[i] = polynomial_mmd2_unbiased(a, b)
    return float(values.mean()), float(values.std())


def _blas_threads(limit: int | None) -> contextlib.AbstractContextManager[Any]:
    if limit is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=limit, user_api="blas")


# ----- nearest neighbours ------------------------------------------------------------------------
def nearest_distances(query: np.ndarray, reference: np.ndarray, *, k: int = 1,
                      exclude_self: bool = False) -> np.ndarray:
    """Distance from each query row to its k-th nearest reference row (exact, chunked).

    Args:
        query: (M, D).
        reference: (N, D).
        k: which neighbour (1 = nearest).
        exclude_self: ``query`` *is* ``reference``; skip each row's own zero distance (other
            exact duplicates still count).

    Returns:
        (M,) float64 distances.
    """
    q = _as_features("query", query)
    ref = _as_features("reference", reference)
    _same_dim(q, ref)
    available = len(ref) - (1 if exclude_self else 0)
    if not 1 <= k <= available:
        raise ValueError(f"k must be in [1, {available}] for {len(ref)} reference rows; got {k}")
    if exclude_self and len(q) != len(ref):
        raise ValueError("exclude_self needs query and reference to be the same set")
    out = np.empty(len(q))
    for rows in _chunks(len(q)):
        d = cdist(q[rows], ref)
        if exclude_self:
            idx = np.arange(rows.start, rows.stop)
            d[idx - rows.start, idx] = np.inf
        out[rows] = np.partition(d, k - 1, axis=1)[:, k - 1]
    return out


def knn_radii(features: np.ndarray, k: int) -> np.ndarray:
    """Distance from each row to its k-th nearest *other* row of the same set.

    Args:
        features: (N, D), N > k.
        k: neighbour rank (>= 1).

    Returns:
        (N,) radii.
    """
    return nearest_distances(features, features, k=k, exclude_self=True)


def prdc(real: np.ndarray, fake: np.ndarray, *, k: int = 5) -> dict[str, float]:
    """Precision, recall, density and coverage (Naeem et al., 2020) with k-NN balls.

    With ``r_i`` the distance from real ``i`` to its k-th nearest other real sample and
    ``s_j`` the same among fakes:

    - precision: share of fakes inside some real ball, ``d(f_j, x_i) < r_i``;
    - recall: share of reals inside some fake ball, ``d(x_i, f_j) < s_j``;
    - density: ``(1 / kM) Σ_j #{i: d(f_j, x_i) < r_i}`` (about 1 when matched; unbounded);
    - coverage: share of reals whose ball contains at least one fake.

    Args:
        real: (N, D), N > k.
        fake: (M, D), M > k.
        k: neighbourhood size.

    Returns:
        ``{"precision", "recall", "density", "coverage"}``.
    """
    r = _as_features("real", real, min_rows=k + 1)
    f = _as_features("fake", fake, min_rows=k + 1)
    _same_dim(r, f)
    real_radii = knn_radii(r, k)
    fake_radii = knn_radii(f, k)
    inside_count = np.zeros(len(f))
    for rows in _chunks(len(f)):
        d = cdist(f[rows], r)  # (m, N)
        inside_count[rows] = (d < real_radii[None, :]).sum(axis=1)
    recalled = np.zeros(len(r), dtype=bool)
    covered = np.zeros(len(r), dtype=bool)
    for rows in _chunks(len(r)):
        d = cdist(r[rows], f)  # (n, M)
        recalled[rows] = (d < fake_radii[None, :]).any(axis=1)
        covered[rows] = d.min(axis=1) < real_radii[rows]
    return {
        "precision": float((inside_count > 0).mean()),
        "recall": float(recalled.mean()),
        "density": float(inside_count.sum() / (k * len(f))),
        "coverage": float(covered.mean()),
    }


def memorization(train: np.ndarray, fake: np.ndarray, *, quantile: float = 0.5) -> dict[str, float]:
    """How often synthetic samples sit closer to a training sample than training samples do.

    The threshold ``tau`` is the ``quantile`` of the train-to-train nearest-neighbour distances
    (each row to its nearest *other* row). A synthetic sample counts as memorised when its
    distance to the closest training record (DCR) is below ``tau``, or exactly 0 (a copy).

    For a generator that samples fresh points from the real distribution, expect a share near
    ``quantile``; a share well above it means copying.

    Args:
        train: (N, D) training features, N >= 2.
        fake: (M, D) synthetic features.
        quantile: in [0, 1].

    Returns:
        ``{"memorization": share, "dcr": mean DCR, "dcr_median": median DCR,
        "memorization_threshold": tau}``.
    """
    t = _as_features("train", train, min_rows=2)
    f = _as_features("fake", fake)
    _same_dim(t, f)
    if not 0.0 <= quantile <= 1.0:
        raise ValueError(f"quantile must be in [0, 1]; got {quantile}")
    tau = float(np.quantile(nearest_distances(t, t, exclude_self=True), quantile))
    dcr = nearest_distances(f, t)
    memorized = (dcr < tau) | (dcr == 0.0)
    return {
        "memorization": float(memorized.mean()),
        "dcr": float(dcr.mean()),
        "dcr_median": float(np.median(dcr)),
        "memorization_threshold": tau,
    }


def mean_pairwise_distance(features: np.ndarray) -> float:
    """Mean Euclidean distance over all unordered pairs of distinct rows (NaN if fewer than 2)."""
    f = _as_features("features", features, min_rows=0)
    if len(f) < 2:
        return float("nan")
    return float(pdist(f).mean())
