"""Printed visit sheets: each operation fits on its own A4 landscape page.

The first cut printed two pages per operation with one premises on the first. This prints
the sheets of a real plan (City of London 2019 crime points with the FSA premises, six
visits per operation, long reasons and addresses) to PDF in Chromium and counts pages.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import pytest

from hotspots.report.visit_sheet import render_visit_sheets

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "city-of-london"


@pytest.fixture(scope="module")
def city_plan():
    files = sorted((SHARED / "street").glob("2019-*-city-of-london-street.csv"))
    fhrs = SHARED / "premises" / "fhrs-city-of-london-2021-08-19.json"
    if len(files) != 12 or not fhrs.exists():
        if os.environ.get("CI"):
            pytest.fail("City of London data missing in CI")
        pytest.skip("City of London data missing")
    from hotspots.io import read_police_uk
    from hotspots.io.premises import read_fhrs
    from hotspots.premises import link_premises, premises_rank, visit_plan

    incidents = read_police_uk(files)
    premises = read_fhrs(fhrs)
    link = link_premises(incidents, premises, max_distance=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the snap-point and tie caveats, tested elsewhere
        ranked = premises_rank(incidents, premises, radius=50, window=2019, link=link)
    return visit_plan(ranked, top=24, max_per_operation=6, max_span=1000,
                      incidents=incidents, link=link)


def _pdf_pages(browser, html: str) -> int:
    page = browser.new_page()
    try:
        page.set_content(html)
        pdf = page.pdf(prefer_css_page_size=True)
    finally:
        page.close()
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_each_operation_prints_on_one_page(browser, city_plan):
    ops = city_plan.operations
    assert ops["n_visits"].max() == 6  # the fullest sheet is part of the test
    html = render_visit_sheets(
        city_plan, manifest={"data_period": {"label": "2019"}},
        caveats=["These incidents look like police.uk open data: their points are "
                 "anonymised snap points shared by many crimes, so premises links show what "
                 "is near a premises, not what happened there."])
    assert _pdf_pages(browser, html) == len(ops)


def test_the_first_page_holds_the_table(browser, city_plan):
    op = int(city_plan.operations.sort_values("n_visits").iloc[-1]["operation"])
    html = render_visit_sheets(city_plan, operations=[op])
    assert _pdf_pages(browser, html) == 1
    # six visits, each with the three columns the officers fill in
    assert html.count('<td class="blank"></td><td class="blank"></td><td class="blank"></td>') == 6
