"""Committee reports in Chromium, offline: no errors, images load, axe-core clean, A4 print.

axe-core (npm) is found at ``$HOTSPOTS_AXE_JS``, else ``node_modules/axe-core/axe.min.js``
in the repository or in ``/tmp/axe``. Without it the axe test skips locally and fails in
CI (``CI`` set), like the other browser tests without a browser. CI installs it with
``npm install --no-save --prefix "$HOME/.cache/hotspots-axe" axe-core@4`` and
``export HOTSPOTS_AXE_JS="$HOME/.cache/hotspots-axe/node_modules/axe-core/axe.min.js"``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


def _axe_path() -> Path | None:
    candidates = [os.environ.get("HOTSPOTS_AXE_JS"),
                  REPO / "node_modules" / "axe-core" / "axe.min.js",
                  Path("/tmp/axe/node_modules/axe-core/axe.min.js")]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    return None


@pytest.fixture(scope="module")
def pack(bradford_areas):
    from hotspots.report import committee_report
    from hotspots.simulate import simulate_incidents

    inc = simulate_incidents(bradford_areas, n_before=260, n_after=220, seed=3)
    return committee_report(inc, bradford_areas, before="2017/18", after="2018/19",
                            constituency="Keighley", contact="Analyst <a@b.example>")


@pytest.fixture(scope="module")
def pages(pack, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    files = pack.write(out, pdf=False)
    return [p for p in files if p.suffix == ".html"]


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1000, "height": 1400})
    errors: list[str] = []
    blocked: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        if r.request.url.startswith(("file://", "data:", "about:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.resolve().as_uri(), wait_until="load")
    return page, errors, blocked


def test_reports_render_offline_with_every_image_loaded(browser, pages):
    assert len(pages) == 2  # district summary and Keighley
    for path in pages:
        page, errors, blocked = _open(browser, path)
        try:
            assert errors == []
            assert blocked == []
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => [e.complete, e.naturalWidth, e.alt])")
            assert len(images) == 3
            for complete, width, alt in images:
                assert complete
                assert width > 100
                assert alt.strip()
            assert page.locator("h1").count() == 1
            assert page.locator("table th[scope=col]").count() >= 6
        finally:
            page.close()


def test_axe_core_finds_no_serious_violation(browser, pages):
    axe = _axe_path()
    if axe is None:
        if os.environ.get("CI"):
            pytest.fail("axe-core not found: set HOTSPOTS_AXE_JS (see module docstring)")
        pytest.skip("axe-core not installed (npm install axe-core)")
    for path in pages:
        page, _errors, _ = _open(browser, path)
        try:
            page.add_script_tag(content=axe.read_text(encoding="utf-8"))
            result = page.evaluate(
                "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
                "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})")
            bad = [(v["id"], v["impact"], v["help"]) for v in result["violations"]
                   if v["impact"] in ("serious", "critical")]
            assert bad == [], bad
            assert len(result["passes"]) > 10  # axe ran its rules (colour contrast among them)
            assert "color-contrast" in {p["id"] for p in result["passes"]}
        finally:
            page.close()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_print_gives_a4_pages_and_never_splits_a_table_row(browser, pack, tmp_path):
    from hotspots.report.html import render_html

    # a long table of tall rows (names that wrap over many lines), so rows meet page ends
    section = pack.sections[1]
    n = 40
    long = pd.DataFrame({
        "Ward": [f"Row{i:03d}start " + "a long ward name that wraps " * 12 + f"Row{i:03d}end"
                 for i in range(n)],
        **{c: section.table[c].iloc[0] for c in section.table.columns[1:]},
    })
    html = render_html(pack, replace(section, table=long))
    page = browser.new_page()
    try:
        page.set_content(html, wait_until="load")
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    finally:
        page.close()
    path = tmp_path / "long.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size
    assert abs(float(size[1]) - 595.3) < 1.5
    assert abs(float(size[2]) - 841.9) < 1.5
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                          text=True).stdout
    page_texts = text.split("\f")
    assert len([t for t in page_texts if t.strip()]) >= 3
    for i in range(n):
        start = [k for k, t in enumerate(page_texts) if f"Row{i:03d}start" in t]
        end = [k for k, t in enumerate(page_texts) if f"Row{i:03d}end" in t]
        assert start == end, f"row {i} split over pages {start} and {end}"
        assert len(start) == 1
