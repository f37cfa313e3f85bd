"""The area committee pack: one audited release, tables that match it, safe PDF text, XLSX.

One small pack (simulated offences on the real Bradford boundaries, few enough that some
wards and months hold fewer than 5) is built once for the module; each test reads it.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from hotspots import schema
from hotspots.errors import PublicModeError
from hotspots.privacy import labelled

pytestmark = pytest.mark.slow

BEFORE, AFTER = "2017/18", "2018/19"


@pytest.fixture(scope="module")
def ward_population(shared_file):
    raw = pd.read_csv(shared_file("data/population/bradford_ward_population_mid2022_oi.csv"))
    return pd.Series(raw["2022 estimate"].to_numpy(dtype=float), index=raw["WD23CD"])


@pytest.fixture(scope="module")
def small_incidents(bradford_areas):
    from hotspots.simulate import simulate_incidents

    inc = simulate_incidents(bradford_areas, n_before=260, n_after=220, seed=3)
    rng = np.random.default_rng(3)
    inc["child"] = [f"C{v:03d}" for v in rng.integers(0, 120, len(inc))]
    return inc


@pytest.fixture(scope="module")
def pack(small_incidents, bradford_areas, ward_population):
    from hotspots.report import committee_report

    return committee_report(small_incidents, bradford_areas, before=BEFORE, after=AFTER,
                            population=ward_population, person="child",
                            people_noun="children", marking="OFFICIAL-SENSITIVE",
                            contact="Analyst, Bradford Council")


@pytest.fixture(scope="module")
def written(pack, tmp_path_factory):
    out = tmp_path_factory.mktemp("pack")
    return out, pack.write(out, pdf="auto")


def _ward_rows(pack, name):
    return next(s for s in pack.sections if s.name == name).table


def test_every_table_is_in_one_audited_release(pack):
    names = set(pack.release.tables)
    assert {"ward_2017-18", "ward_2018-19", "constituency_2017-18", "constituency_2018-19",
            "ward_comparison", "constituency_comparison", "constituency_months_2018-19",
            "people"} <= names
    assert pack.audit_passed
    # small data: some cells are hidden, so the audit had work to do
    assert len(pack.release.hidden_cells()) > 0
    assert [s.name for s in pack.sections] == [
        "Bradford district summary", "Bradford East", "Bradford South", "Bradford West",
        "Keighley", "Shipley"]


def test_constituency_is_the_sum_of_its_wards(pack, bradford_areas):
    lookup = bradford_areas.lookup
    wards = pack.release.source("ward_2018-19").set_index(schema.AREA_NAME)["n"]
    const = pack.release.source("constituency_2018-19").set_index(schema.AREA_NAME)["n"]
    for name in bradford_areas["constituency"][schema.AREA_NAME]:
        members = lookup.loc[lookup["constituency"] == name, "ward"]
        assert int(const[name]) == int(wards[members].sum())
    assert int(const.sum()) == int(wards.sum())


def test_printed_ward_table_is_the_release(pack):
    cmp = labelled(pack.release.tables["ward_comparison"]).set_index(schema.AREA_NAME)
    raw = pack.release.source("ward_comparison").set_index(schema.AREA_NAME)
    table = _ward_rows(pack, "Bradford East")
    hidden_seen = 0
    for row in table.itertuples(index=False):
        shown = cmp.loc[row.Ward, "n_after"]
        printed = row[2]
        if isinstance(shown, str):
            hidden_seen += 1
            assert printed == shown  # the label, never the number
            assert printed in ("<5", "[c]")
        else:
            assert printed == f"{int(raw.loc[row.Ward, 'n_after']):,}"
    rate_col = [c for c in table.columns if c.startswith("Rate per 1,000")]
    assert rate_col, table.columns
    all_hidden = sum(isinstance(v, str) for v in cmp["n_after"])
    assert all_hidden > 0  # the data are small enough to exercise suppression


def test_rate_per_1000_uses_the_given_population(pack, ward_population):
    src = pack.release.source("ward_2018-19").set_index("area_id")
    wid = src.index[src["n"] >= 5][0]
    expected = 1000 * src.loc[wid, "n"] / ward_population[wid]
    assert src.loc[wid, "rate_per_1000"] == pytest.approx(expected, rel=1e-12)


def test_findings_come_from_describe_with_their_tests(pack):
    district = pack.sections[0]
    first = district.findings[0]
    assert re.search(r"offences in 2018/19, (down|up) from [\d,]+ in 2017/18", first)
    assert re.search(r"(E-test|quasi-Poisson|negative binomial)", district.findings[0])
    east = pack.sections[1]
    total = int(pack.release.source("constituency_2018-19").set_index(
        schema.AREA_NAME).loc["Bradford East", "n"])
    assert east.findings[0].startswith(f"{total:,} offences in 2018/19")


def test_pack_is_not_written_when_the_audit_fails(pack, tmp_path):
    from hotspots.report import write_pack

    release = pack.release
    saved = (release.model.status.copy(), release.audit_result)
    try:
        release.unhide(release.hidden_cells()[0])
        release.audit_result = release.audit()
        assert not release.audit_result.passed
        with pytest.raises(PublicModeError, match="disclosure audit"):
            write_pack(pack, tmp_path / "out")
        assert not (tmp_path / "out").exists()
    finally:
        release.model.status[:] = saved[0]
        release.audit_result = saved[1]


def test_manifest_records_the_audit_and_every_file(written):
    out, files = written
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["disclosure_audit"]["passed"] is True
    assert manifest["marking"] == "OFFICIAL-SENSITIVE"
    listed = {f["name"] for f in manifest["files"]}
    assert {"bradford-east.html", "committee-tables.xlsx", "shipley-trend.svg",
            "keighley-ward-map.png", "bradford-district-summary-hotspot-map.png"} <= listed
    assert all(len(f["sha256"]) == 64 for f in manifest["files"])
    assert len([p for p in files if p.suffix == ".html"]) == 6


def test_html_is_self_contained_escaped_and_accessible(written):
    out, _ = written
    page = (out / "keighley.html").read_text()
    assert "http://" not in page
    assert "https://" not in page.replace(
        "http://www.w3.org/2000/svg", "")
    assert page.count('<img src="data:image/png;base64,') == 3
    assert all(alt.strip() for alt in re.findall(r'alt="([^"]*)"', page))
    assert '<th scope="col">' in page
    assert '<th scope="row">' in page
    levels = [int(h) for h in re.findall(r"<h([1-6])", page)]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
    assert "OFFICIAL-SENSITIVE" in page
    assert "Analyst, Bradford Council" in page


def test_html_escapes_text_from_the_data(pack):
    from dataclasses import replace

    from hotspots.report.html import render_html

    section = replace(pack.sections[1], findings=["<script>alert(1)</script> & more"])
    page = render_html(pack, section)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_text_has_findings_suppression_and_no_hidden_value(pack, written):
    out, _ = written
    manifest = json.loads((out / "manifest.json").read_text())
    if manifest["pdf"] != "written with Chromium":
        pytest.skip(f"no PDF: {manifest['pdf']}")
    raw = pack.release.source("ward_comparison").set_index(schema.AREA_NAME)
    checked = 0
    for section in pack.sections[1:]:
        pdf = out / f"{section.name.lower().replace(' ', '-')}.pdf"
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        flat = " ".join(text.split())
        for sentence in section.findings:
            assert " ".join(sentence.split()) in flat
        assert "Counts from 1 to 4 are shown as \u201c<5\u201d" in flat
        # a ward row with a hidden count never carries its number
        for row in section.table.itertuples(index=False):
            if row[2] not in ("<5", "[c]"):
                continue
            # the ward table's line: the name then counts, change, % change, rate, verdict
            tokens = next(t for t in (ln.replace(row.Ward, "").split()
                                      for ln in text.splitlines()
                                      if ln.strip().startswith(row.Ward)) if len(t) >= 5)
            true_value = str(int(raw.loc[row.Ward, "n_after"]))
            assert row[2] in tokens
            assert true_value not in tokens[1:]  # the earlier period's count may be shown
            assert true_value != tokens[1] or raw.loc[row.Ward, "n_before"] == int(true_value)
            checked += 1
    assert checked > 0


def test_workbook_is_formatted_for_committees(written, pack):
    from openpyxl import load_workbook

    out, _ = written
    wb = load_workbook(out / "committee-tables.xlsx")
    assert wb.sheetnames[0] == "Bradford summary"
    assert "Notes" in wb.sheetnames
    assert "Bradford East people" in wb.sheetnames
    ws = wb["Bradford East"]
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref == ws.dimensions
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    header = [c.value for c in ws[1]]
    pct = header.index("% change") + 1
    after = header.index(AFTER) + 1
    table = _ward_rows(pack, "Bradford East")
    for r, row in enumerate(table.itertuples(index=False), start=2):
        cell = ws.cell(row=r, column=after)
        if row[2] in ("<5", "[c]"):
            assert cell.value == row[2]
        else:
            assert cell.value == int(row[2].replace(",", ""))
            assert cell.number_format == "#,##0"
        p = ws.cell(row=r, column=pct)
        if isinstance(p.value, float):
            assert p.number_format == "0%"
            assert p.value == pytest.approx(float(row[4].rstrip("%").replace("\u2212", "-"))
                                            / 100)
    notes = {r[0]: r[1] for r in wb["Notes"].iter_rows(min_row=2, values_only=True)}
    assert notes["Period before"].startswith("2017/18: 2017-04-01 to 2018-03-31")
    assert "bradford-2013" in notes["Boundaries"]
    assert "Counts from 1 to 4" in notes["Suppression rule"]
    assert notes["Disclosure audit"] == "passed"


def test_people_counts_are_distinct_children_and_suppressed(pack, small_incidents,
                                                           bradford_areas):
    from hotspots.report.build import assign_by_lowest

    people = next(s for s in pack.sections if s.name == "Shipley").people
    assert list(people.columns) == ["Ward", "Children"]
    inc = assign_by_lowest(small_incidents, bradford_areas)
    recent = inc[(inc[schema.OCCURRED] >= "2018-04-01") & (inc[schema.OCCURRED] < "2019-04-01")]
    for row in people.itertuples(index=False):
        true = recent.loc[recent["ward"] == row.Ward, "child"].nunique()
        if row.Children in ("<5", "[c]"):
            assert row.Children != str(true)
            if row.Children == "<5":
                assert 1 <= true <= 4
        else:
            assert int(row.Children.replace(",", "")) == true


def test_unknown_constituency_is_refused_with_the_names(small_incidents, bradford_areas):
    from hotspots.report import committee_report

    with pytest.raises(ValueError, match="Bradford East, Bradford South"):
        committee_report(small_incidents, bradford_areas, before=BEFORE, after=AFTER,
                         constituency="Bradford North")


def test_pdf_prints_from_inside_a_running_event_loop(written, tmp_path):
    """A notebook (or a test session driving Chromium) runs an asyncio loop: still prints."""
    import asyncio
    import threading

    from hotspots.report.pdf import find_chromium, html_to_pdf

    if find_chromium() is None:
        pytest.skip("no Chromium")
    out, _ = written

    async def inside_a_loop():
        return html_to_pdf([(out / "shipley.html", tmp_path / "shipley.pdf")])

    # a thread of its own: the test worker's thread may already hold a loop from an earlier
    # browser test, and asyncio.run refuses to start inside one
    result: dict[str, object] = {}

    def run() -> None:
        result["value"] = asyncio.run(inside_a_loop())

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert "value" in result
    assert result["value"] is None
    assert (tmp_path / "shipley.pdf").read_bytes()[:5] == b"%PDF-"


def test_incidents_outside_the_district_are_left_out_and_said(small_incidents,
                                                             bradford_areas):
    """A small count outside every ward is not published (nor hides a constituency total)."""
    from shapely.geometry import Point

    from hotspots.report import committee_report

    extra = small_incidents.iloc[:3].copy()
    extra["geometry"] = [Point(380000, 380000)] * 3  # far outside Bradford
    extra["occurred"] = pd.Timestamp("2018-06-01")
    inc = pd.concat([small_incidents, extra], ignore_index=True)
    pack = committee_report(inc, bradford_areas, before=BEFORE, after=AFTER, hotspots=False)
    assert pack.method["outside"].startswith("Fewer than 5 incidents located outside")
    assert not any("Outside district" in c for c in pack.release.hidden_cells())
    const = pack.release.source("constituency_2018-19").set_index(schema.AREA_NAME)
    assert int(const.loc["Outside district", "n"]) == 0
