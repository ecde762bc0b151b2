"""Screenshot a genaug report in headless Chromium and list any console messages.

Usage: python scripts/screenshot_report.py genaug-out/demo/report.html [out.png]
"""

from __future__ import annotations

import sys
from pathlib import Path

from genaug.experiment.browser import open_in_chromium


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    report = Path(argv[0])
    out = Path(argv[1]) if len(argv) > 1 else report.with_suffix(".png")
    check = open_in_chromium(report, screenshot=out)
    print(f"screenshot: {check.screenshot}")
    for message in check.console:
        print(f"console: {message}")
    return 1 if check.console else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
