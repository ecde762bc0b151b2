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


def open_in_chromium(path: str | Path, *, screenshot: str | Path | None = None,
                     window: tuple[int, int] = (1100, 2400), timeout: float = 60.0) -> BrowserCheck:
    """Load ``path`` in headless Chromium; return its DOM and console messages.

    Args:
        path: an HTML file.
        screenshot: where to write a PNG of the page, or None.
        window: viewport (width, height) for the screenshot.
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
        proc = _run(binary, [f"--screenshot={shot}", f"--window-size={window[0]},{window[1]}", url],
                    timeout)
        if proc.returncode != 0 or not shot.is_file():
            raise RuntimeError(f"chromium screenshot failed: {proc.stderr[-2000:]}")
    return BrowserCheck(dom=dom, console=console, screenshot=shot)
