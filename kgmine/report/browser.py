"""Headless Chromium for looking at what kgmine shows: report screenshots and browser tests.

kgmine uses the system's Chromium (Debian: ``apt-get install chromium chromium-driver``); nothing
is downloaded. :func:`find_chromium` locates the browser (``KGMINE_CHROMIUM`` overrides),
:func:`screenshot` and :func:`dump_dom` run it once from the command line, and
:func:`chromium_driver` starts a Selenium WebDriver on it (``selenium`` and ``chromedriver``
needed; the browser tests use it).

Every launch uses a fresh temporary profile and the flags in :data:`CHROMIUM_FLAGS`, which keep
the browser from talking to the network on its own (no sync, updates or background requests).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

#: Flags of every headless launch: no GPU, no sandbox (root in CI), no background network traffic.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--hide-scrollbars")

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class BrowserError(RuntimeError):
    """Chromium (or chromedriver) is missing or failed; the message says what to install."""


def find_chromium() -> Path | None:
    """The Chromium executable: ``$KGMINE_CHROMIUM``, else the first of chromium / chromium-browser /
    google-chrome on PATH; ``None`` when there is none."""
    given = os.environ.get("KGMINE_CHROMIUM")
    if given:
        return Path(given) if Path(given).is_file() else None
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def find_chromedriver() -> Path | None:
    """The chromedriver executable (``$KGMINE_CHROMEDRIVER``, else on PATH); ``None`` when there is none."""
    given = os.environ.get("KGMINE_CHROMEDRIVER")
    if given:
        return Path(given) if Path(given).is_file() else None
    found = shutil.which("chromedriver")
    return Path(found) if found else None


def browser_unavailable() -> str | None:
    """Why :func:`chromium_driver` cannot start here, naming what to install; None when it can."""
    missing = [name for name, found in (("chromium", find_chromium()), ("chromedriver", find_chromedriver()))
               if found is None]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium")
    if not missing:
        return None
    return (f"a browser session needs {', '.join(missing)} "
            "(apt-get install chromium chromium-driver; pip install selenium)")


def _require_chromium() -> Path:
    path = find_chromium()
    if path is None:
        raise BrowserError("no Chromium found: apt-get install chromium (or set KGMINE_CHROMIUM)")
    return path


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="kgmine-chromium-") as profile:
        cmd = [str(_require_chromium()), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise BrowserError(f"chromium did not finish within {timeout:.0f} s") from None


def _url(target: str | Path) -> str:
    text = str(target)
    if "://" in text or text.startswith(("data:", "about:")):
        return text
    return Path(text).resolve().as_uri()


def screenshot(target: str | Path, out: str | Path, width: int = 1280, height: int = 2000,
               timeout: float = 90.0) -> Path:
    """Render ``target`` (a URL or an HTML file) in headless Chromium and save a PNG of the first
    ``width`` x ``height`` pixels to ``out``."""
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.unlink()
    result = _run([f"--window-size={width},{height}", "--virtual-time-budget=5000", f"--screenshot={out}",
                   _url(target)], timeout)
    if not out.is_file():
        raise BrowserError(f"chromium wrote no screenshot (exit {result.returncode}): "
                           f"{(result.stderr or '').strip().splitlines()[-1:]}")
    return out


def dump_dom(target: str | Path, timeout: float = 90.0) -> str:
    """The DOM of ``target`` (URL or HTML file) after load and scripts, serialised by headless Chromium."""
    result = _run(["--virtual-time-budget=5000", "--dump-dom", _url(target)], timeout)
    if result.returncode != 0 or not result.stdout.strip():
        raise BrowserError(f"chromium --dump-dom failed (exit {result.returncode}): "
                           f"{(result.stderr or '').strip().splitlines()[-1:]}")
    return result.stdout


def chromium_driver(width: int = 1400, height: int = 1100) -> Any:
    """A Selenium Chrome WebDriver on the system Chromium (headless, fresh profile, :data:`CHROMIUM_FLAGS`).

    The caller quits it (``driver.quit()``); its temporary profile is removed then.
    """
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise BrowserError("browser tests need selenium: pip install selenium") from None
    chromium, driver_path = _require_chromium(), find_chromedriver()
    if driver_path is None:
        raise BrowserError("no chromedriver found: apt-get install chromium-driver (or set KGMINE_CHROMEDRIVER)")
    profile = tempfile.mkdtemp(prefix="kgmine-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(str(driver_path)), options=options)
    except Exception as exc:
        shutil.rmtree(profile, ignore_errors=True)
        raise BrowserError(f"cannot start chromedriver: {str(exc).strip().splitlines()[0]}") from None
    quit_ = driver.quit

    def quit_and_clean() -> None:
        try:
            quit_()
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    driver.quit = quit_and_clean
    return driver


__all__ = ["CHROMIUM_FLAGS", "BrowserError", "browser_unavailable", "chromium_driver", "dump_dom",
           "find_chromedriver", "find_chromium", "screenshot"]
