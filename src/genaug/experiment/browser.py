"""Open a report in headless Chromium: rendered DOM, console messages and an optional screenshot.

Used by the report test and by ``scripts/screenshot_report.py``. Chromium runs with the
background-networking flags off (this kind of machine has no network) and a fresh profile.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
)
_CONSOLE = re.compile(r":CONSOLE[:(]\d*\)?\]?\s*(.*)")


@dataclass(frozen=True)
class BrowserCheck:
    """What Chromium saw: the DOM after load and every console message the page produced."""

    dom: str
    console: list[str]
    screenshot: Path | None


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _run(binary: str, args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="genaug-chromium-") as profile:
        return subprocess.run(
            [binary, *_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=timeout, check=False,
        )


def open_in_chromium(path: str | Path, *, screenshot: str | Path | None = None, width: int = 1100,
                     max_height: int = 30000, timeout: float = 60.0) -> BrowserCheck:
    """Load ``path`` in headless Chromium; return its DOM and console messages.

    Args:
        path: an HTML file.
        screenshot: where to write a full-page PNG, or None. Chromium draws the page into a
            ``width`` x ``max_height`` window; the blank rows below the page's end are then
            trimmed, so the PNG holds the whole page (up to ``max_height`` pixels).
        width: viewport width for the screenshot.
        max_height: the tallest page the screenshot holds whole.
        timeout: seconds per Chromium call.

    Raises:
        FileNotFoundError: no Chromium binary (install Debian's ``chromium`` package).
        RuntimeError: Chromium exited with an error.
    """
    binary = find_chromium()
    if binary is None:
        raise FileNotFoundError("no chromium binary on PATH; install it with: apt-get install -y chromium")
    url = Path(path).resolve().as_uri()
    proc = _run(binary, ["--dump-dom", url], timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"chromium failed with exit code {proc.returncode}: {proc.stderr[-2000:]}")
    dom = proc.stdout
    console = [m.group(1).strip() for m in map(_CONSOLE.search, proc.stderr.splitlines()) if m]
    shot = None
    if screenshot is not None:
        shot = Path(screenshot).resolve()
        shot.parent.mkdir(parents=True, exist_ok=True)
        proc = _run(binary, [f"--screenshot={shot}", f"--window-size={width},{max_height}", url], timeout)
        if proc.returncode != 0 or not shot.is_file():
            raise RuntimeError(f"chromium screenshot failed: {proc.stderr[-2000:]}")
        _trim_bottom(shot)
    return BrowserCheck(dom=dom, console=console, screenshot=shot)


def _trim_bottom(png: Path, margin: int = 24) -> None:
    """Cut the uniform rows below the page's last content (keeping ``margin`` of them)."""
    import numpy as np
    from PIL import Image

    with Image.open(png) as img:
        rgb = np.asarray(img.convert("RGB"))
    background = rgb[-1, 0]
    busy = np.flatnonzero((rgb != background).any(axis=(1, 2)))
    bottom = min(len(rgb), (int(busy[-1]) + 1 if len(busy) else 1) + margin)
    Image.fromarray(rgb[:bottom]).save(png)
