import numpy as np
import pytest

from genaug.experiment import mean_ci, paired_diff


def test_mean_ci_matches_textbook_t_interval():
    # x = 1..5: mean 3, s = sqrt(2.5), t_{0.975,4} = 2.776445
    r = mean_ci([1, 2, 3, 4, 5])
    half = 2.776445105 * np.sqrt(2.5) / np.sqrt(5)
    assert r.mean == pytest.approx(3.0)
    assert r.std == pytest.approx(np.sqrt(2.5))
    assert (r.low, r.high) == pytest.approx((3 - half, 3 + half), rel=1e-6)


def test_mean_ci_single_value_and_empty():
    r = mean_ci([0.7])
    assert (r.low, r.high, r.std) == (0.7, 0.7, 0.0)
    with pytest.raises(ValueError, match="empty"):
        mean_ci([])


def test_paired_diff_counts_and_interval():
    a = [0.80, 0.85, 0.90, 0.70]
    b = [0.75, 0.85, 0.80, 0.72]
    r = paired_diff(a, b)
    assert (r.wins, r.ties, r.losses) == (2, 1, 1)
    assert r.diff.mean == pytest.approx(np.mean(np.subtract(a, b)))
    with pytest.raises(ValueError, match="equal length"):
        paired_diff([1, 2], [1])
