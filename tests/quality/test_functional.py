"""The math of genaug.quality.functional against closed forms and brute-force definitions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.linalg import sqrtm

from genaug.quality import functional as F


def _spd(rng: np.random.Generator, d: int) -> np.ndarray:
    a = rng.normal(size=(d, d))
    return a @ a.T + 0.1 * np.eye(d)


# ----- Fréchet distance ------------------------------------------------------------------------
def test_frechet_1d_closed_form() -> None:
    # N(m1, s1²) vs N(m2, s2²): (m1 - m2)² + (s1 - s2)²
    d = F.frechet_distance(np.array([1.0]), np.array([[4.0]]), np.array([-2.0]), np.array([[9.0]]), eps=0)
    assert d == pytest.approx(9.0 + 1.0)


def test_frechet_matches_textbook_formula_for_general_covariances() -> None:
    rng = np.random.default_rng(0)
    mu1, mu2 = rng.normal(size=5), rng.normal(size=5)
    s1, s2 = _spd(rng, 5), _spd(rng, 5)
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * sqrtm(s1 @ s2).real)
    assert F.frechet_distance(mu1, s1, mu2, s2, eps=0) == pytest.approx(expected, rel=1e-9)


def test_fid_of_identical_sets_is_zero_even_with_fewer_samples_than_dims() -> None:
    rng = np.random.default_rng(1)
    for n, d in ((200, 8), (10, 64)):
        x = rng.normal(size=(n, d))
        assert abs(F.fid_from_features(x, x.copy())) < 1e-6


def test_fid_of_shifted_gaussians_equals_closed_form() -> None:
    rng = np.random.default_rng(2)
    shift = np.array([1.0, -2.0, 0.5])
    a = rng.normal(size=(5000, 3))
    # Same covariance, shifted mean: FID = |shift|² exactly.
    assert F.fid_from_features(a, a + shift) == pytest.approx(shift @ shift, abs=1e-6)
    # Independent draws: the same up to sampling error.
    b = rng.normal(size=(5000, 3)) + shift
    assert F.fid_from_features(a, b) == pytest.approx(shift @ shift, abs=0.2)
    # Centred and scaled by 2: Tr(S + 4S - 2·2S) = Tr(S), about 3 for N(0, I).
    a = a - a.mean(axis=0)
    trace = np.trace(np.cov(a, rowvar=False))
    assert F.fid_from_features(a, 2 * a) == pytest.approx(trace, rel=1e-6)
    assert trace == pytest.approx(3.0, abs=0.2)


def test_fid_rejects_mismatched_dims() -> None:
    with pytest.raises(ValueError, match="same dimension"):
        F.fid_from_features(np.zeros((4, 2)), np.zeros((4, 3)))


# ----- KID ------------------------------------------------------------------------------------
def test_unbiased_mmd_matches_brute_force_definition() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(5, 3)) + 0.3

    def k(a, b):
        return (a @ b / 3 + 1) ** 3

    xx = sum(k(x[i], x[j]) for i, j in itertools.permutations(range(6), 2)) / 30
    yy = sum(k(y[i], y[j]) for i, j in itertools.permutations(range(5), 2)) / 20
    xy = sum(k(a, b) for a in x for b in y) / 30
    assert F.polynomial_mmd2_unbiased(x, y) == pytest.approx(xx + yy - 2 * xy, rel=1e-10)


def test_mmd_of_shifted_uniforms_matches_population_value() -> None:
    # d = 1: k(a, b) = (ab + 1)^3 has the feature map (a³, √3 a², √3 a, 1), so
    # MMD² = (E X³ - E Y³)² + 3 (E X² - E Y²)² + 3 (E X - E Y)²; X ~ U(-1, 1), Y = X + mu.
    mu = 0.5
    population = (mu + mu**3) ** 2 + 3 * mu**4 + 3 * mu**2  # 1.328125
    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 1, size=(2000, 1))
    y = rng.uniform(-1, 1, size=(2000, 1)) + mu
    assert F.polynomial_mmd2_unbiased(x, y) == pytest.approx(population, rel=0.1)


def test_kid_near_zero_for_same_distribution_and_positive_for_different() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(400, 16)), rng.normal(size=(400, 16))
    same, std = F.kid_from_features(a, b, n_subsets=20, subset_size=200)
    shifted, _ = F.kid_from_features(a, b + 1.0, n_subsets=20, subset_size=200)
    assert abs(same) < 0.01 and std >= 0
    assert shifted > 0.5
    # deterministic for one seed
    assert F.kid_from_features(a, b, n_subsets=5, generator=1) == F.kid_from_features(
        a, b, n_subsets=5, generator=1
    )


# ----- nearest neighbours, PRDC ----------------------------------------------------------------
def test_nearest_distances_match_brute_force() -> None:
    rng = np.random.default_rng(6)
    q, r = rng.normal(size=(30, 4)), rng.normal(size=(1500, 4))  # > one chunk of references rows
    full = np.linalg.norm(q[:, None] - r[None], axis=2)
    np.testing.assert_allclose(F.nearest_distances(q, r, k=3), np.sort(full, axis=1)[:, 2])
    self_d = np.linalg.norm(r[:40, None] - r[None, :40], axis=2)
    np.fill_diagonal(self_d, np.inf)
    np.testing.assert_allclose(F.knn_radii(r[:40], 2), np.sort(self_d, axis=1)[:, 1])
    with pytest.raises(ValueError, match="k must be"):
        F.nearest_distances(q[:3], q[:3], k=3, exclude_self=True)


def test_prdc_of_identical_sets() -> None:
    x = np.random.default_rng(7).normal(size=(100, 5))
    out = F.prdc(x, x.copy(), k=5)
    assert out["precision"] == out["recall"] == out["coverage"] == 1.0
    assert out["density"] == pytest.approx(1.0)


def test_prdc_hand_computed_example() -> None:
    real = np.array([[0.0], [1.0], [2.0], [3.0]])  # k = 1: every real radius is 1
    fake = np.array([[0.5], [10.0]])  # fake radii: 9.5
    out = F.prdc(real, fake, k=1)
    assert out["precision"] == 0.5  # 0.5 lies in the balls of 0 and 1; 10 in none
    assert out["density"] == 1.0  # (2 + 0) / (k * M)
    assert out["recall"] == 1.0  # every real lies within 9.5 of a fake
    assert out["coverage"] == 0.5  # reals 0 and 1 have a fake within their radius


def test_prdc_of_disjoint_sets_is_zero() -> None:
    rng = np.random.default_rng(8)
    out = F.prdc(rng.normal(size=(50, 3)), rng.normal(size=(50, 3)) + 100, k=3)
    assert out == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


# ----- memorization, diversity -----------------------------------------------------------------
def test_memorization_of_copies_and_of_far_samples() -> None:
    train = np.random.default_rng(9).normal(size=(60, 4))
    copies = F.memorization(train, train[:20].copy())
    assert copies["memorization"] == 1.0 and copies["dcr"] == 0.0
    far = F.memorization(train, train[:20] + 50.0)
    assert far["memorization"] == 0.0 and far["dcr"] > 40


def test_memorization_threshold_is_the_train_quantile() -> None:
    train = np.array([[0.0], [1.0], [3.0], [7.0]])  # nearest-neighbour distances 1, 1, 2, 4
    fake = np.array([[0.2], [4.2], [5.0]])  # DCR 0.2, 1.2, 2
    out = F.memorization(train, fake, quantile=0.5)
    assert out["memorization_threshold"] == 1.5
    assert out["memorization"] == pytest.approx(2 / 3)
    assert out["dcr"] == pytest.approx((0.2 + 1.2 + 2.0) / 3)
    assert F.memorization(train, fake, quantile=0.0)["memorization"] == pytest.approx(1 / 3)


def test_mean_pairwise_distance() -> None:
    assert F.mean_pairwise_distance(np.array([[0.0], [3.0], [4.0]])) == pytest.approx(8 / 3)
    assert np.isnan(F.mean_pairwise_distance(np.zeros((1, 2))))
