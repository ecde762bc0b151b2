import re

from genaug.experiment import Results, RunRecord, render_report, write_report


def _results():
    runs = []
    for strategy, base in (("none", 0.70), ("classical", 0.78)):
        for seed in range(3):
            acc = base + 0.01 * seed
            runs.append(RunRecord(
                strategy=strategy, model="small_cnn", labeled_per_class=10, seed=seed,
                metrics={"test_accuracy": acc, "test_macro_f1": acc - 0.01, "test_nll": 1.0,
                         "test_ece": 0.05, "train_accuracy": 1.0, "gap_accuracy": 1.0 - acc},
                seconds={"total": 2.0}, n_train=100,
            ))
    spec = {"name": "unit <test>", "model": {"name": "small_cnn"}, "seeds": [0, 1, 2],
            "dataset": {"name": "digits"}}
    return Results(spec=spec, runs=runs, versions={"torch": "x"}, dataset={"name": "digits"})


def test_report_is_self_contained_and_shows_every_strategy(tmp_path):
    res = _results().to_dict()
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
