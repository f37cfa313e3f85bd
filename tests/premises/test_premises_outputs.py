"""Tests for the premises outputs: tables, the visit plan workbook, the HTML visit sheets."""

from __future__ import annotations

import json
import re
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from openpyxl import load_workbook

from hotspots.errors import DataQualityWarning
from hotspots.io.write import build_manifest, file_sha256, write_table, write_visit_plan
from hotspots.premises import premises_rank, visit_plan
from hotspots.report.visit_sheet import render_visit_sheets, route_svg, write_visit_sheets

BNG = 27700
EVIL = "<script>alert(1)</script>"
QUOTED = "Tom & Jerry's \"Cafe\""
FORMULA = '=HYPERLINK("http://example.invalid","click")'


@pytest.fixture
def frames():
    names = [EVIL, QUOTED, FORMULA, "The Crown"]
    prem = gpd.GeoDataFrame(
        {"premises_id": pd.array(["p1", "p2", "p3", "p4"], dtype="string"),
         "name": pd.array(names, dtype="string"),
         "premises_class": pd.array(["cafe/restaurant", "takeaway", "other",
                                     "pub/bar/nightclub"], dtype="string"),
         "address": pd.array([f"1 {EVIL} Street", f"2 {QUOTED} Road", "3 Lane", None],
                             dtype="string"),
         "postcode": pd.array(["EC1 1AA", "EC1 1AB", None, "EC1 1AD"], dtype="string")},
        geometry=[shapely.Point(532000, 181000), shapely.Point(532040, 181000),
                  shapely.Point(532080, 181030), shapely.Point(532300, 181300)], crs=BNG)
    n = 20
    rng = np.random.default_rng(0)
    pick = rng.integers(0, 4, n)
    pts = [prem.geometry.iloc[k] for k in pick]
    inc = gpd.GeoDataFrame(
        {"incident_id": pd.array([f"i{k}" for k in range(n)], dtype="string"),
         "occurred": (pd.Timestamp("2019-01-01")
                      + pd.to_timedelta(rng.integers(0, 365 * 24, n), unit="h")),
         "category": pd.Categorical(rng.choice(["Drugs", "Public order"], n)),
         "weight": np.ones(n),
         "location_status": pd.Categorical(["located"] * n, categories=["located", "unknown"])},
        geometry=pts, crs=BNG)
    ranked = premises_rank(inc, prem, window=2019)
    plan = visit_plan(ranked, top=4, max_span=250, incidents=inc)
    return inc, prem, ranked, plan


def test_visit_sheets_escape_every_premises_name(frames, tmp_path):
    _, _, _, plan = frames
    manifest = build_manifest(parameters={"radius": 50}, period="2019")
    paths = write_visit_sheets(plan, tmp_path, manifest=manifest, caveats=[f"note {EVIL}"],
                               map_href="premises-map.html")
    assert len(paths) == 1 + len(plan.operations)
    texts = [p.read_text(encoding="utf-8") for p in paths]
    combined = texts[0]
    for html in texts:
        assert EVIL not in html
        assert "<script" not in html.lower()  # the sheets carry no script at all
        assert QUOTED not in html
    assert combined.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # name, address...
    assert "Tom &amp; Jerry&#39;s &#34;Cafe&#34;" in combined
    # every premises is on a sheet, in the table and on the map
    # a header row per operation and a row per visit
    assert combined.count("<tr>") == len(plan.operations) + len(plan.visits)
    assert combined.count("<circle") == len(plan.visits)
    assert 'href="premises-map.html"' in combined
    assert "OFFICIAL-SENSITIVE" in combined
    one = render_visit_sheets(plan, operations=[1], marking=None)
    assert one.count('class="sheet"') == 1
    assert "OFFICIAL" not in one
    with pytest.raises(ValueError, match="99"):
        render_visit_sheets(plan, operations=[99])


def test_route_svg_layout():
    svg = route_svg(np.array([[0.0, 0.0], [100.0, 0.0], [np.nan, np.nan], [100.0, 100.0]]),
                    ["a", "b", "lost", "c"], size=(400, 300))
    assert [p["order"] for p in svg["points"]] == [1, 2, 4]
    xs = [p["x"] for p in svg["points"]]
    ys = [p["y"] for p in svg["points"]]
    assert xs[0] < xs[1] == xs[2]
    assert ys[0] == ys[1] > ys[2]  # north is up
    # one scale on both axes: 100 m east equals 100 m north on screen
    assert xs[1] - xs[0] == pytest.approx(ys[1] - ys[2])
    scale = (xs[1] - xs[0]) / 100
    metres = float(svg["scale_label"].split()[0])
    assert svg["scale_px"] == pytest.approx(metres * scale, abs=0.1)
    assert route_svg(np.full((2, 2), np.nan), ["a", "b"]) is None


def test_write_table_formats_and_manifest(frames, tmp_path):
    _inc, _prem, ranked, _ = frames
    manifest = build_manifest(parameters=ranked.attrs["hotspots"], period="2019",
                              description="ranked")
    csv = write_table(ranked, tmp_path / "ranked.csv", manifest=manifest)
    back = pd.read_csv(csv, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back["premises_id"].tolist() == ranked["premises_id"].tolist()
    assert {"easting", "northing", "longitude", "latitude"} <= set(back.columns)
    assert "geometry" not in back.columns
    assert float(back.loc[back["premises_id"] == "p1", "easting"].item()) == 532000.0
    # a formula in a name is neutralised in CSV, escaped names are kept as text
    assert "'" + FORMULA in back["name"].tolist()
    assert EVIL in back["name"].tolist()
    side = json.loads((tmp_path / "ranked.csv.manifest.json").read_text())
    assert side["description"] == "ranked"
    assert side["parameters"]["radius"] == 50.0

    xlsx = write_table(ranked, tmp_path / "ranked.xlsx", manifest=manifest, sheet="ranked")
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["ranked", "manifest"]
    ws = wb["ranked"]
    header = [c.value for c in ws[1]]
    name_col = header.index("name") + 1
    cells = [ws.cell(row=r, column=name_col) for r in range(2, ws.max_row + 1)]
    formula_cell = next(c for c in cells if c.value == FORMULA)
    assert formula_cell.data_type == "s"  # stored as text, not as a formula
    keys = {r[0].value: r[1].value for r in wb["manifest"].iter_rows(min_row=2)}
    assert keys["parameters.function"] == "premises_rank"
    assert keys["hotspots_version"]

    gpkg = write_table(ranked, tmp_path / "ranked.gpkg", manifest=manifest)
    back = gpd.read_file(gpkg, layer="data")
    assert back["premises_id"].tolist() == ranked["premises_id"].tolist()
    assert back.crs.to_epsg() == BNG
    import pyogrio

    assert {"data", "manifest"} <= {name for name, _ in pyogrio.list_layers(gpkg)}

    pq = write_table(ranked, tmp_path / "ranked.parquet", manifest=manifest)
    back = gpd.read_parquet(pq)
    assert back.geometry.iloc[0].equals(ranked.geometry.iloc[0])
    assert (tmp_path / "ranked.parquet.manifest.json").exists()

    # plain tables (no geometry) too
    table = pd.DataFrame({"area": ["A", "B"], "n": [3, "<5"]})
    back = pd.read_csv(write_table(table, tmp_path / "t.csv"), encoding="utf-8-sig")
    assert back["n"].tolist() == ["3", "<5"]
    with pytest.raises(ValueError, match="suffix"):
        write_table(table, tmp_path / "t.txt")


def test_build_manifest_hashes_and_loads(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("x\n1\n")
    m = build_manifest(inputs=[a], parameters={"when": pd.Timestamp("2019-01-01"),
                                               "n": np.int64(3), "nan": float("nan")},
                       period=("2019-01", "2019-06"))
    assert m["inputs"] == [{"name": "a.csv", "path": str(a), "sha256": file_sha256(a),
                            "rows": None}]
    assert m["parameters"] == {"when": "2019-01-01T00:00:00", "n": 3, "nan": None}
    assert m["data_period"] == ["2019-01", "2019-06"]
    json.dumps(m)  # serialisable
    assert re.match(r"\d{4}-\d\d-\d\dT", m["run_time"])


def test_write_visit_plan(frames, tmp_path):
    _, _, _, plan = frames
    manifest = build_manifest(parameters={"radius": 50})
    paths = write_visit_plan(plan, tmp_path / "plan.xlsx", manifest=manifest)
    assert [p.name for p in paths] == ["plan.xlsx", "plan-visits.csv", "plan-operations.csv",
                                       "plan-manifest.json"]
    wb = load_workbook(paths[0])
    assert wb.sheetnames == ["visits", "operations", "manifest"]
    visits = pd.read_csv(paths[1], encoding="utf-8-sig")
    assert visits["premises_id"].tolist() == plan.visits["premises_id"].tolist()
    assert visits["operation"].tolist() == plan.visits["operation"].tolist()
    ops = pd.read_csv(paths[2], encoding="utf-8-sig")
    assert ops["n_visits"].sum() == len(plan.visits)
    saved = json.loads(paths[3].read_text())
    assert saved["visit_plan"]["max_span"] == plan.params["max_span"]
    keys = [r[0].value for r in wb["manifest"].iter_rows(min_row=2)]
    assert "visit_plan.max_per_operation" in keys
    with pytest.raises(ValueError, match=r"\.xlsx"):
        write_visit_plan(plan, tmp_path / "plan.csv")


def test_run_premises_writes_everything_escaped(frames, tmp_path):
    from hotspots.cli.premises import run_premises

    inc, prem, _, _ = frames
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        paths = run_premises(inc, prem, out_dir=tmp_path, top=4, hot_spots=False)
    names = {p.name for p in paths}
    assert {"premises-ranked.csv", "premises-ranked.xlsx", "incident-links.csv",
            "visit-plan.xlsx", "premises-map.html", "visit-sheets-all.html"} <= names
    links = pd.read_csv(tmp_path / "incident-links.csv", encoding="utf-8-sig")
    assert len(links) == len(inc)
    for p in paths:
        if p.suffix == ".html":
            html = p.read_text(encoding="utf-8")
            assert EVIL not in html, p.name
            assert QUOTED not in html, p.name
