"""The report renders in headless Chromium with no console messages (Debian chromium; CI installs it)."""

import pytest

from genaug.experiment import write_report
from genaug.experiment.browser import find_chromium, open_in_chromium

pytestmark = pytest.mark.skipif(
    find_chromium() is None, reason="chromium not installed (make test installs it; CI fails instead)"
)


def test_harness_catches_console_errors(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<!doctype html><html><body><p>x</p><script>nope();</script></body></html>")
    check = open_in_chromium(page)
    assert any("nope is not defined" in m for m in check.console)


def test_report_renders_without_console_errors(tmp_path, fake_results):
    path = write_report(fake_results.to_dict(), tmp_path / "report.html")
    check = open_in_chromium(path, screenshot=tmp_path / "report.png")
    assert check.console == []
    assert "genaug report" in check.dom and "<table>" in check.dom
    assert check.dom.count("data:image/png;base64,") >= 1
    png = check.screenshot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_the_screenshot_holds_the_whole_page(tmp_path):
    from PIL import Image

    tall = tmp_path / "tall.html"  # 5,000 px of content, then a red bar at the very end
    tall.write_text("<!doctype html><html><body style='margin:0;background:#fff'>"
                    "<div style='height:5000px'></div><div style='height:40px;background:#f00'></div>"
                    "</body></html>")
    shot = open_in_chromium(tall, screenshot=tmp_path / "tall.png", max_height=8000).screenshot
    with Image.open(shot) as img:
        width, height = img.size
        assert 5040 <= height < 8000  # past the old 2,400 px cut, blank rows below the page trimmed
        assert img.convert("RGB").getpixel((width // 2, 5020)) == (255, 0, 0)
