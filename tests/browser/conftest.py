"""Headless Chromium for map tests: the system browser driven by Playwright, network blocked.

Playwright never downloads a browser here: it launches Debian's ``chromium`` (``.ci/run``
installs it). Without a browser the tests skip locally and fail in CI (env ``CI`` set).
"""

from __future__ import annotations

import io
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1000, "height": 700}


def find_chromium() -> str | None:
    """Path of a system Chromium, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so browser tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright Python package is not installed")
    path = find_chromium()
    if path is None:
        _missing("no Chromium found (apt-get install -y chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class OpenedMap:
    """A map page open in the browser, with what it logged."""

    page: object
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return self.console_errors + self.page_errors


@pytest.fixture
def open_map(browser):
    """Open a saved map (a path) with every non-file request aborted; yields a function."""
    contexts = []

    def _open(path: Path, *, settle_ms: int = 300) -> OpenedMap:
        context = browser.new_context(viewport=VIEWPORT)
        contexts.append(context)
        page = context.new_page()
        opened = OpenedMap(page=page)

        def route(route):
            url = route.request.url
            if url.startswith(("file://", "data:", "about:")):
                route.continue_()
            else:
                opened.blocked.append(url)
                route.abort()

        page.route("**/*", route)
        page.on(
            "console",
            lambda msg: opened.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda exc: opened.page_errors.append(str(exc)))

        def on_dialog(dialog):
            opened.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(Path(path).resolve().as_uri(), wait_until="load", timeout=30_000)
        page.wait_for_selector(".leaflet-container", timeout=10_000)
        page.wait_for_timeout(settle_ms)
        return opened

    yield _open
    for context in contexts:
        context.close()


def distinct_colours(png: bytes) -> tuple[int, float]:
    """Distinct RGB colours in a PNG, and the share of pixels in the most common one."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    counts = image.getcolors(maxcolors=image.width * image.height)
    top = max(c for c, _ in counts)
    return len(counts), top / (image.width * image.height)


@pytest.fixture
def check_page():
    """Assert what every offline map page must show; yields a function."""

    def _check(opened: OpenedMap, *, overlays: int, legend_rows: int,
               min_colours: int = 12) -> None:
        page = opened.page
        assert opened.errors == []
        assert opened.blocked == []  # offline and tiles=None: no request at all
        assert page.locator(".leaflet-container").count() >= 1
        assert page.locator(".leaflet-control-layers-overlays label").count() == overlays
        assert page.locator(".hotspots-legend-item").count() == legend_rows
        assert page.locator(".hotspots-footer").count() >= 1
        n_colours, top_share = distinct_colours(page.screenshot())
        assert n_colours >= min_colours
        assert top_share < 0.97  # not a blank page

    return _check
