"""Filters: what they keep, the scores they write, composition, and use before fit."""

from __future__ import annotations

import numpy as np
import pytest

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.quality import (
    DedupFilter,
    FilterPipeline,
    LabelFidelityFilter,
    NotFittedError,
    TopKPerClassFilter,
)
from genaug.quality.filters import _greedy_unique

NAMES = ("a", "b")


def _real() -> LabeledData:
    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [10.0, 10.0], [11.0, 10.0], [10.0, 11.0]])
    return LabeledData(x, [0, 0, 0, 1, 1, 1], NAMES, "tabular")


def _data(x, y, **meta) -> LabeledData:
    return LabeledData(np.asarray(x, dtype=float), y, NAMES, "tabular",
                       {k: np.asarray(v) for k, v in meta.items()})


class _Oracle:
    def predict_proba(self, data: LabeledData) -> np.ndarray:
        p = np.asarray(data.meta["p_b"], dtype=float)
        return np.stack([1 - p, p], axis=1)


def test_registered_filters() -> None:
    names = registry.available("filter")
    for name, cls in (("label_fidelity", LabelFidelityFilter), ("dedup", DedupFilter),
                      ("topk_per_class", TopKPerClassFilter), ("pipeline", FilterPipeline)):
        assert name in names and registry.get("filter", name) is cls


@pytest.mark.parametrize(
    "make",
    [
        lambda: LabelFidelityFilter(),
        lambda: DedupFilter(),
        lambda: TopKPerClassFilter(k=1),
        lambda: FilterPipeline(["dedup"]),
    ],
)
def test_use_before_fit_names_the_class(make) -> None:
    f = make()
    for use in (f.score, f):
        with pytest.raises(NotFittedError, match=type(f).__name__):
            use(_real())


def test_label_fidelity_filter_keeps_confident_samples_in_order() -> None:
    syn = _data(np.zeros((4, 2)), [1, 1, 0, 0], p_b=[0.9, 0.4, 0.2, 0.7])
    f = LabelFidelityFilter(threshold=0.6, classifier=_Oracle()).fit(_real())
    np.testing.assert_allclose(f.score(syn), [0.9, 0.4, 0.8, 0.3])
    kept = f(syn)
    np.testing.assert_array_equal(kept.meta["p_b"], [0.9, 0.2])
    np.testing.assert_allclose(kept.meta["filter_score_label_fidelity"], [0.9, 0.8])


def test_label_fidelity_filter_default_probe() -> None:
    syn = _data([[0.5, 0.5], [10.5, 10.5], [0.2, 0.1], [10.0, 10.2]], [0, 1, 1, 0])
    kept = LabelFidelityFilter(threshold=0.5).fit(_real())(syn)
    np.testing.assert_array_equal(kept.y, [0, 1])  # the two mislabeled samples go


def test_dedup_drops_copies_of_real_and_synthetic_duplicates() -> None:
    real = _real()
    far_a, far_b = [5.0, -5.0], [-5.0, 5.0]
    syn = _data([real.x[0], real.x[3] + 1e-9, far_a, far_a, far_b], [0, 1, 0, 0, 1])
    kept = DedupFilter(threshold=1e-6, features="flatten").fit(real)(syn)
    np.testing.assert_array_equal(kept.x, [far_a, far_b])
    assert np.all(kept.meta["filter_score_dedup"] > 5)
    only_real = DedupFilter(threshold=0.0, features="flatten", within_synthetic=False).fit(real)(syn)
    assert len(only_real) == 4  # exact copy of real[0] dropped; the 1e-9 one is not exact
    only_syn = DedupFilter(threshold=0.0, features="flatten", against_real=False).fit(real)(syn)
    assert len(only_syn) == 4  # the second far_a goes


def test_dedup_default_threshold_comes_from_real_distances() -> None:
    f = DedupFilter(quantile=0.5, features="flatten").fit(_real())
    assert f.threshold_ == pytest.approx(1.0)  # nearest-neighbour distances: 1, 1, 1, 1, 1, 1
    syn = _data([[0.5, 0.5], [3.0, 3.0]], [0, 0])
    np.testing.assert_array_equal(f(syn).x, [[3.0, 3.0]])


def test_greedy_unique_matches_naive_scan_across_chunks() -> None:
    rng = np.random.default_rng(0)
    feats = np.round(rng.normal(size=(300, 2)), 1)
    alive = rng.random(300) > 0.1
    kept: list[np.ndarray] = []
    expected = np.zeros(300, dtype=bool)
    for i in range(300):
        if alive[i] and all(np.linalg.norm(feats[i] - k) > 0.15 for k in kept):
            kept.append(feats[i])
            expected[i] = True
    np.testing.assert_array_equal(_greedy_unique(feats, alive, 0.15, chunk=7), expected)


def test_topk_per_class_by_meta_score_and_by_filter() -> None:
    syn = _data(np.zeros((6, 2)), [0, 0, 0, 1, 1, 0], s=[0.1, 0.9, 0.5, 0.3, np.nan, 0.9],
                p_b=[0.0, 0.1, 0.8, 0.6, 0.99, 0.3])
    kept = TopKPerClassFilter(k=2, score_key="s").fit(_real())(syn)
    np.testing.assert_array_equal(kept.meta["s"], [0.9, 0.3, np.nan, 0.9])  # ties: earlier first
    by = TopKPerClassFilter(k=1, by=LabelFidelityFilter(classifier=_Oracle())).fit(_real())(syn)
    np.testing.assert_array_equal(by.meta["p_b"], [0.0, 0.99])
    with pytest.raises(ValueError, match="either by or score_key"):
        TopKPerClassFilter(k=1, by="dedup", score_key="s")
    with pytest.raises(ValueError, match="not in synthetic.meta"):
        TopKPerClassFilter(k=1, score_key="missing").fit(_real())(syn)


def test_pipeline_composes_and_records_every_score() -> None:
    real = _real()
    syn = _data([real.x[0], [3.0, 3.0], [4.0, 4.0], [6.0, 6.0], [5.0, 5.0]], [0, 0, 0, 1, 1])
    pipe = registry.create("filter", "pipeline", filters=[
        {"name": "dedup", "threshold": 0.5, "features": "flatten"},
        {"name": "topk_per_class", "k": 1, "score_key": "filter_score_dedup"},
    ])
    kept = pipe.fit(real)(syn)
    # dedup drops the copy; top-1 per class by distance to real: [4, 4] (a) and [5, 5] (b)
    np.testing.assert_array_equal(kept.x, [[4.0, 4.0], [5.0, 5.0]])
    assert {"filter_score_dedup", "filter_score_topk_per_class", "filter_score_pipeline"} <= set(kept.meta)
    np.testing.assert_array_equal(pipe.score(syn), [0, 1, 2, 1, 2])
    np.testing.assert_array_equal(kept.meta["filter_score_pipeline"], [2, 2])
    # deterministic, and equal to applying the steps by hand
    by_hand = pipe.steps_[1](pipe.steps_[0](syn))
    np.testing.assert_array_equal(by_hand.x, kept.x)
    with pytest.raises(TypeError, match="list of filters"):
        FilterPipeline("dedup")


def test_filters_reject_other_classes_and_keep_empty_input() -> None:
    f = DedupFilter(threshold=0.0, features="flatten").fit(_real())
    with pytest.raises(ValueError, match="class_names"):
        f(LabeledData(np.zeros((1, 2)), [0], ("x",), "tabular"))
    empty = _real().subset([])
    assert len(f(empty)) == 0
    topk = {"name": "topk_per_class", "k": 2, "score_key": "filter_score_dedup"}
    assert len(FilterPipeline(["dedup", topk]).fit(_real())(empty)) == 0
