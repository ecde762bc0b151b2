"""What the user reads: the headline's rules, the metric named everywhere, warnings, tabular quality.

The results are hand-made, so every expected choice is known exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from genaug.data.labeled import LabeledData
from genaug.experiment import render_report
from genaug.experiment.generation import yield_warnings
from genaug.experiment.results import Results, RunRecord


def _results(table: dict[str, tuple[float, float]], *, pr_auc: bool = False, baseline: str | None = None,
             names: dict[str, str] | None = None, seeds: int = 3, cpu: float = 60.0,
             info: dict[str, dict[str, Any]] | None = None,
             details: dict[str, dict[str, Any]] | None = None) -> Results:
    """``table``: strategy label -> (test score, validation score); +0.01 per seed on test."""
    runs = []
    for label, (test, val) in table.items():
        for seed in range(seeds):
            score = test + 0.01 * seed
            m = {"test_accuracy": score, "test_macro_f1": score, "val_accuracy": val, "gap_accuracy": 0.1,
                 "test_ece": 0.05}
            if pr_auc:  # two-class: accuracy says the opposite of PR-AUC
                m.update(test_pr_auc=score, val_pr_auc=val, test_accuracy=1.0 - score, val_accuracy=1.0 - val)
            runs.append(RunRecord(strategy=label, model="m", labeled_per_class=10, seed=seed, metrics=m,
                                  seconds={"total": 1.0}, cpu_seconds={"total": cpu}, n_train=10,
                                  is_baseline=label == baseline, info=dict((info or {}).get(label, {})),
                                  details=dict((details or {}).get(label, {}))))
    names = names or {}
    spec = {"name": "t", "model": {"name": "m"}, "seeds": list(range(seeds)), "dataset": {"name": "d"},
            "strategies": [{"name": names.get(k, k), "label": k} for k in table if k != baseline]}
    return Results(spec=spec, runs=runs, dataset={"class_names": ["no", "yes"]})


def test_with_auto_the_headline_is_about_auto_even_when_another_strategy_validates_higher() -> None:
    res = _results({"none": (0.70, 0.70), "classical": (0.75, 0.80), "cvae+classical": (0.74, 0.96),
                    "auto": (0.78, 0.95)}, names={"cvae+classical": "generative+classical"})
    head = res.headline()
    assert head["strategy"] == "auto" and head["reference"] == "classical"  # best of none/classical on val
    assert head["sentence"].startswith("At 10 labels/class, auto improves test accuracy by 3.0 points")
    assert "over the best strategy without synthetic data (classical)" in head["sentence"]


def test_without_auto_the_best_other_strategy_faces_the_best_classical() -> None:
    res = _results({"none": (0.70, 0.70), "classical": (0.75, 0.80), "cvae": (0.72, 0.81),
                    "cgan": (0.60, 0.70)}, names={"cvae": "generative", "cgan": "generative"})
    head = res.headline()
    assert (head["strategy"], head["reference"]) == ("cvae", "classical")
    # no double negative: "lowers ... by 3.0", never "by -3.0"
    assert "cvae lowers test accuracy by 3.0 points [95% CI -3.0, -3.0]" in head["sentence"]


def test_two_class_tables_compare_with_class_weights_and_smote_on_pr_auc() -> None:
    res = _results({"none": (0.30, 0.30), "class_weight": (0.40, 0.45), "smote": (0.42, 0.50),
                    "auto": (0.44, 0.52), "logreg (no aug)": (0.50, 0.40)}, pr_auc=True,
                   names={"smote": "resample", "auto": "tabular_auto"}, baseline="logreg (no aug)")
    assert res.primary_metric() == "test_pr_auc" and res.kind("smote") == "classical"
    head = res.headline()
    assert (head["strategy"], head["reference"]) == ("auto", "smote")
    assert "improves minority PR-AUC by 2.0 points" in head["sentence"]
    assert "chosen on validation PR-AUC" in head["sentence"]
    # a plain baseline model above the answer is said, not hidden
    assert head["beaten_by_baseline"] == "logreg (no aug)" and "6.0 points above auto" in head["sentence"]
    roles = {(c["strategy"], c["reference"]) for c in res.comparisons()}
    assert ("auto", "smote") in roles  # "best classical" exists for tables too
    page = render_report(res.to_dict())
    assert "Minority PR-AUC difference (points)" in page and "Test-accuracy difference" not in page
    assert "validation PR-AUC column" in page and "<h2>Minority PR-AUC vs synthetic amount</h2>" in page
    assert "<th>minority PR-AUC %</th><th>test accuracy %</th>" in page  # the answer's metric first


def test_one_seed_prints_no_interval_and_no_minus_zero() -> None:
    res = _results({"none": (0.70, 0.7), "classical": (0.70, 0.8)}, seeds=1)
    sentence = res.headline()["sentence"]
    assert "CI" not in sentence and "1 seed: no interval" in sentence and "-0.0" not in sentence
    assert "by +0.0 points" in sentence


def test_points_per_cpu_minute_only_for_a_measurable_cost() -> None:
    res = _results({"none": (0.70, 0.7), "classical": (0.75, 0.8)}, cpu=0.2)
    assert all(c["points_per_cpu_minute"] is None for c in res.comparisons())
    assert "under a CPU-second per run" in res.headline()["sentence"]
    costly = _results({"none": (0.70, 0.7), "classical": (0.75, 0.8)}, cpu=120.0)
    (row,) = [c for c in costly.comparisons() if c["strategy"] == "classical"]
    assert row["points_per_cpu_minute"] == pytest.approx(2.5)


def test_the_primary_metric_can_be_chosen_in_the_spec() -> None:
    res = _results({"none": (0.70, 0.7), "classical": (0.75, 0.8)})
    res.spec["evaluation"] = {"primary_metric": "macro_f1"}
    assert res.primary_metric() == "test_macro_f1"
    assert "improves macro-F1 by 5.0 points" in res.headline()["sentence"]


def test_the_report_lists_tabular_fidelity_and_rows_and_says_no_synthetic_only_when_true() -> None:
    quality = {"quality_ks_mean": 0.12, "quality_detection_auc": 0.61, "quality_dcr_ratio": 1.05}
    rows = [[{"age": 30, "state": "CA"}], [{"age": 41.5, "state": "NY"}]]
    res = _results({"none": (0.3, 0.3), "copula": (0.4, 0.5)}, pr_auc=True, names={"copula": "synthesize"},
                   info={"copula": quality},
                   details={"copula": {"n_synthetic_per_class": [0, 6176],
                                       "preview": {"real": rows, "synthetic": rows}}})
    page = render_report(res.to_dict())
    assert "No strategy added synthetic samples" not in page
    assert "Synthetic samples added per class: yes 6,176" in page
    assert "ks_mean 0.12" in page and "detection_auc 0.61" in page and "dcr_ratio 1.05" in page
    assert "<th>age</th><th>state</th>" in page and "<td>NY</td>" in page
    plain = _results({"none": (0.3, 0.3), "class_weight": (0.4, 0.5)}, pr_auc=True)
    assert "No strategy added synthetic samples" in render_report(plain.to_dict())


def test_a_filter_that_empties_classes_warns_in_results_and_report() -> None:
    kept = LabeledData(torch.zeros(30, 1, 2, 2), np.zeros(30, dtype=np.int64), [str(i) for i in range(10)],
                       "image")
    warnings = yield_warnings(30, kept)
    assert warnings == ["filters kept 30 of 300 synthetic samples (10%; below 20%)",
                        "filters left 9 of 10 classes without synthetic samples: 1, 2, 3, 4, 5, 6, 7, 8, 9"]
    assert yield_warnings(3, LabeledData(torch.zeros(20, 1, 2, 2), np.arange(20) % 10,
                                         [str(i) for i in range(10)], "image")) == []
    res = _results({"none": (0.7, 0.7), "cvae": (0.72, 0.8)}, names={"cvae": "generative"},
                   info={"cvae": {"warnings": warnings}})
    (first, second) = res.to_dict()["warnings"]
    assert first["strategy"] == "cvae" and first["seeds"] == [0, 1, 2]
    page = render_report(res.to_dict())
    assert "<b>Warnings</b>" in page and "left 9 of 10 classes without synthetic samples" in page


def test_the_generative_strategy_records_filter_warnings() -> None:
    from genaug import registry
    from genaug.data import load_dataset, split

    parts = split(load_dataset("digits"), labeled_per_class=3, val_per_class=2, seed=0)
    synthesizer = {"name": "cvae", "steps": 1, "width": 4, "hidden_dim": 8, "progress": False}
    dedup_all = {"name": "dedup", "threshold": 1e9, "features": "flatten"}  # drops every sample
    plan = registry.create("strategy", "generative", synthesizer=synthesizer, n_per_class=5, use_pool=False,
                           filter=dedup_all).prepare(parts, generator=0)
    assert plan.info["warnings"][0] == "filters kept 0 of 50 synthetic samples (0%; below 20%)"


def test_imbalanced_tables_default_to_a_stratified_validation_fraction() -> None:
    from genaug.data import load_dataset, split
    from genaug.experiment.spec import DEFAULT_VAL_FRACTION, SplitSpec

    assert SplitSpec(labeled_per_class="all").val_fraction == DEFAULT_VAL_FRACTION
    assert SplitSpec(labeled_per_class="all", val_per_class=5).val_fraction is None
    assert SplitSpec(labeled_per_class=[10]).val_fraction is None
    again = SplitSpec(**SplitSpec(labeled_per_class="all").model_dump())  # the Reproduce round trip
    assert again.val_fraction == DEFAULT_VAL_FRACTION
    data = load_dataset("breast_cancer")
    parts = split(data, labeled_per_class=None, val_per_class=10, val_fraction=0.2, test_fraction=0.3, seed=0)
    pool = data.class_counts() - parts.test.class_counts()
    assert np.array_equal(parts.val.class_counts(), np.floor(0.2 * pool + 0.5).astype(int))
    with pytest.raises(ValueError, match="val_fraction"):
        split(data, labeled_per_class=None, val_per_class=0, val_fraction=1.5, seed=0)


def test_auto_records_the_smallest_difference_its_validation_data_resolves() -> None:
    from genaug import registry
    from genaug.data import load_dataset, split

    parts = split(load_dataset("digits"), labeled_per_class=3, val_per_class=4, seed=0)
    mixup = {"name": "classical", "mixer": {"name": "mixup"}}
    auto = registry.create("strategy", "auto", synthesizers=[], baselines=["none"], candidates=[mixup],
                           model={"name": "logreg"}, repeats=2)
    info = auto.prepare(parts, generator=0).info
    assert info["resolution"] == pytest.approx(1 / 20)  # halves of 40 validation samples
    gap = abs(info["history"][1]["mean"] - info["history"][0]["mean"])
    warned = any("coin flip" in w for w in info.get("warnings", []))
    assert warned == (0 < gap < info["resolution"])


def test_the_console_table_leads_with_the_answers_metric_and_prints_warnings() -> None:
    from rich.console import Console

    from genaug.experiment.console import summary_table, warning_lines

    res = _results({"none": (0.3, 0.3), "class_weight": (0.4, 0.5)}, pr_auc=True,
                   info={"class_weight": {"warnings": ["something odd"]}})
    data = res.to_dict()
    console = Console(width=160, record=True)
    console.print(summary_table(data, 1.0))
    text = console.export_text()
    header = next(line for line in text.splitlines() if "strategy" in line)
    assert header.index("minority PR-AUC % *") < header.index("test acc %")
    assert "the answer's metric: minority PR-AUC" in text
    assert warning_lines(data) == ["warning: class_weight: something odd (seeds [0, 1, 2])"]


def test_the_report_says_what_auto_chose_on_every_seed() -> None:
    info = {"chosen": {"strategy": "classical"}, "chosen_label": "classical", "decision": "ties keep it",
            "scores": {"none": 0.5, "classical": 0.6, "generative:x": 0.55}}
    res = _results({"none": (0.7, 0.7), "classical": (0.75, 0.8), "auto": (0.75, 0.8)}, info={"auto": info})
    page = render_report(res.to_dict())
    assert "<h2>What auto chose</h2>" in page
    assert page.count("<td>ties keep it</td>") == 0 and page.count("ties keep it") == 3  # one row per seed
    assert "classical 0.600, generative:x 0.550, none 0.500" in page
    assert "What auto chose" not in render_report(_results({"none": (0.7, 0.7)}).to_dict())


def test_sample_grid_labels_sit_outside_the_images_and_are_kept_whole() -> None:
    import io

    from PIL import Image

    from genaug.experiment import report_plots as plots

    names = ["Trouser", "Pullover", "Ankle boot with a long name"]
    rows = [[np.full((1, 28, 28), 0.2 * (c + 1)).tolist()] * 2 for c in range(3)]
    fig = plots.sample_grid_figure({"real": rows, "synthetic": rows}, names)
    labels = [t for ax in fig.axes for t in ax.texts]
    assert [t.get_text() for t in labels] == names
    assert not any(ax.get_title() for ax in fig.axes)  # nothing drawn over the images
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for text in labels:  # each name ends left of its row's first image
        assert text.get_window_extent(renderer).x1 <= text.axes.get_window_extent(renderer).x0
    png = plots.figure_png(fig)
    import base64

    with Image.open(io.BytesIO(base64.b64decode(png.split(",", 1)[1]))) as img:
        width, _ = img.size
    assert width > 2 * 2 * 28  # the saved figure grew to hold the long name (bbox "tight")
