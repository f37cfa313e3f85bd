"""PDF of a report page through Chromium's print engine, driven by Playwright.

Why Chromium and not WeasyPrint: the project's browser tests already drive the system
Chromium through Playwright (a test dependency), so the PDF is made by the same engine the
HTML is checked in, with full CSS support and no extra system libraries (WeasyPrint needs
Pango and its fonts). The PDF is optional: without Playwright or a Chromium the HTML, the
pictures and the workbook are still written, and the manifest says why the PDF is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

__all__ = ["find_chromium", "html_to_pdf"]

_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def find_chromium() -> str | None:
    """Path of a system Chromium (or Chrome), or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def html_to_pdf(pages: list[tuple[Path, Path]]) -> str | None:
    """Print each HTML file to its PDF (A4, print CSS); return None, or why it was not done.

    Parameters
    ----------
    pages : list of (Path, Path)
        (HTML file, PDF file to write) pairs. Requests leaving the file are blocked: a
        report must render offline.

    Returns
    -------
    str or None
        None when every PDF was written; otherwise the reason none was.

    Examples
    --------
    >>> html_to_pdf([(Path("report.html"), Path("report.pdf"))])  # doctest: +SKIP
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "the playwright package is not installed (pip install playwright)"
    exe = find_chromium()
    if exe is None:
        return "no Chromium found (e.g. apt-get install chromium)"
    # Playwright's sync API refuses to start in a thread that already runs an asyncio loop
    # (a notebook, or a test session driving the browser): print from a thread of its own.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_print, sync_playwright, exe, pages).result()
    return None


def _print(sync_playwright: Any, exe: str, pages: list[tuple[Path, Path]]) -> None:
    from hotspots.io.atomic import atomic_path

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.route("**/*", _offline)
            for html, pdf in pages:
                page.goto(Path(html).resolve().as_uri(), wait_until="load")
                with atomic_path(pdf) as tmp:
                    page.pdf(path=str(tmp), format="A4", print_background=True,
                             prefer_css_page_size=True)
        finally:
            browser.close()


def _offline(route: Any) -> None:
    if route.request.url.startswith(("file:", "data:")):
        route.continue_()
    else:
        route.abort()
