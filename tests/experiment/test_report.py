import re

from genaug.experiment import render_report, write_report


def test_report_is_self_contained_and_shows_every_strategy(tmp_path, fake_results):
    res = fake_results.to_dict()
    page = render_report(res)
    assert "unit &lt;test&gt;" in page  # escaped
    for strategy in ("none", "classical"):
        assert f"<td>{strategy}</td>" in page
    assert "data:image/png;base64," in page
    # self-contained: no external resources
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    # classical beats none by +8.0 points on every seed
    assert "+8.0" in page and "3/0/0" in page
    path = write_report(res, tmp_path / "r" / "report.html")
    assert path.read_text() == page


def test_report_draws_every_section_from_recorded_details(fake_results):
    for r in fake_results.runs:
        r.metrics["val_accuracy"] = r.metrics["test_accuracy"]
        r.metrics["mca"] = 0.5
        r.cpu_seconds = {"total": 60.0}
        r.seconds = {"prepare": 0.5, "train": 1.0, "evaluate": 0.5, "total": 2.0}
        r.details = {
            "per_class_accuracy": [0.5, 1.0],
            "reliability": {"edges": [0, 0.5, 1], "confidence": [0.4, 0.9], "accuracy": [0.3, 0.95],
                            "count": [10, 30]},
            "robustness": {"corruption_accuracy": {"gaussian_noise": 0.4, "contrast": 0.6}},
        }
        if r.strategy == "classical":
            r.details["n_synthetic_per_class"] = [5, 5]
            r.details["quality"] = {"fid": 1.25}
            r.details["preview"] = {"real": [[[[[0.0, 1.0]]]], [[[[1.0, 0.0]]]]],
                                    "synthetic": [[[[[0.5, 0.5]]]], [[[[0.2, 0.8]]]]]}
    page = render_report(fake_results.to_dict())
    for title in ("Answer", "Strategies", "Comparisons", "Test accuracy", "Test accuracy vs synthetic amount",
                  "Generalization gap", "Robustness", "Calibration", "Per-class accuracy",
                  "Real vs synthetic samples", "Cost", "Reproduce"):
        assert f"<h2>{title}</h2>" in page
    assert "Nothing recorded" not in page
    # accuracy, synthetic amount, gap, robustness, calibration, sample grid, cost
    assert page.count("data:image/png;base64,") == 7
    assert "At 10 labels/class, classical improves test accuracy by 8.0 points" in page
    assert "fid 1.25" in page
    assert "(best classical)" in page
