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
