"""``hotspots premises`` on City of London 2019 with the FSA premises: files and library agree."""

from __future__ import annotations

import contextlib
import html
import io
import json
import logging
import warnings
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from hotspots.cli import main
from hotspots.errors import DataQualityWarning

CITY_2019 = "city-of-london/street/2019-*.csv"
FHRS_JSON = "city-of-london/premises/fhrs-city-of-london-2021-08-19.json"
# the CLI defaults (hotspots premises --radius 50 --top 20) and run_premises' defaults
RADIUS, TOP, MAX_PER_OPERATION, MAX_SPAN = 50.0, 20, 6, 1000.0


@pytest.fixture(scope="module")
def inputs(shared_dir):
    files = sorted((shared_dir / "data").glob(CITY_2019))
    premises = shared_dir / "data" / FHRS_JSON
    assert len(files) == 12
    assert premises.exists()
    # independent counts straight from the CSVs (plain pandas, not the hotspots reader)
    raw = pd.concat([pd.read_csv(f, usecols=["Longitude"]) for f in files])
    return {"files": files, "premises": premises, "rows": len(raw),
            "no_location": int(raw["Longitude"].isna().sum())}


@pytest.fixture(scope="module")
def cli_run(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("premises-cli")
    stdout, stderr = io.StringIO(), io.StringIO()
    # The CLI sends warnings to logging ("py.warnings" logger, logging.captureWarnings); in a
    # test process an earlier test may have left that switch half-undone, so the caveat
    # arrives either as a log record (read with a handler of our own, since pytest's log
    # handler would take it) or as a recorded warning. The suite's "error" filter must let
    # the police.uk caveat through.
    py_warnings = logging.getLogger("py.warnings")
    handler = logging.StreamHandler(stderr)
    py_warnings.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught, \
                contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            warnings.simplefilter("always", DataQualityWarning)
            code = main(["premises", *map(str, inputs["files"]), "--premises",
                         str(inputs["premises"]), "--fhrs", "--out", str(out)])
    finally:
        py_warnings.removeHandler(handler)
    shown = stderr.getvalue() + "".join(str(w.message) for w in caught)
    return {"code": code, "out": out, "stdout": stdout.getvalue(), "stderr": stderr.getvalue(),
            "warnings": shown}


@pytest.fixture(scope="module")
def library(inputs):
    """The same analysis through the public verbs, with the parameters the CLI uses."""
    from hotspots.hotspot import hotspot_gistar
    from hotspots.io import read_fhrs, read_police_uk
    from hotspots.premises import link_premises, premises_rank, visit_plan

    incidents = read_police_uk(inputs["files"])
    premises = read_fhrs(inputs["premises"])
    link = link_premises(incidents, premises, max_distance=RADIUS)
    with (pytest.warns(DataQualityWarning, match="police.uk"),
          pytest.warns(DataQualityWarning, match="equally near several premises")):
        ranked = premises_rank(incidents, premises, radius=RADIUS,
                               gistar=hotspot_gistar(incidents), link=link)
    plan = visit_plan(ranked, top=TOP, max_per_operation=MAX_PER_OPERATION, max_span=MAX_SPAN,
                      incidents=incidents, link=link)
    return {"incidents": incidents, "link": link, "ranked": ranked, "plan": plan}


def _csv(path):
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"premises_id": "string"})


def test_exits_0_and_lists_every_file_it_wrote(cli_run):
    assert cli_run["code"] == 0, cli_run["stderr"]
    # the snap-point caveat reaches the user
    assert "look like police.uk open data" in cli_run["warnings"]
    out = cli_run["out"]
    listed = [line.removeprefix("wrote ") for line in cli_run["stdout"].splitlines()]
    assert all(line.startswith(str(out)) for line in listed)
    names = {Path(p).name for p in listed}
    assert {"premises-ranked.csv", "premises-ranked.xlsx", "incident-links.csv",
            "visit-plan.xlsx", "visit-plan-visits.csv", "visit-plan-operations.csv",
            "visit-plan-manifest.json", "premises-map.html", "visit-sheets-all.html"} <= names
    # everything listed exists, and everything written is listed (the CSV's manifest too)
    assert "premises-ranked.csv.manifest.json" in names
    on_disk = {p.name for p in out.iterdir()}
    assert on_disk == names


def test_ranked_list_matches_the_library(cli_run, library):
    ranked = _csv(cli_run["out"] / "premises-ranked.csv")
    lib = library["ranked"]
    assert len(ranked) == len(lib) == 1720
    assert ranked["rank"].tolist() == list(range(1, 1721))
    assert ranked["premises_id"].head(5).tolist() == lib["premises_id"].head(5).tolist()
    # the whole order and the scores, not only the top
    assert ranked["premises_id"].tolist() == lib["premises_id"].tolist()
    assert ranked["score"].to_numpy() == pytest.approx(lib["score"].to_numpy(), rel=1e-12)
    assert ranked["reasons"].head(20).tolist() == lib["reasons"].head(20).tolist()
    # the Gi* grid was used: the top premises sit in 99% hot cells
    assert (ranked["gi_bin"].head(5) == 3).all()
    # the workbook holds the same list and the run manifest
    wb = load_workbook(cli_run["out"] / "premises-ranked.xlsx", read_only=True)
    assert wb.sheetnames == ["ranked", "manifest"]
    header, *rows = wb["ranked"].iter_rows(max_row=6, values_only=True)
    col = header.index("premises_id")
    assert [str(r[col]) for r in rows] == lib["premises_id"].head(5).tolist()


def test_every_incident_is_linked_or_counted(cli_run, library, inputs):
    links = _csv(cli_run["out"] / "incident-links.csv")
    assert len(links) == inputs["rows"] == 10032
    reasons = links["unlinked_reason"].value_counts().to_dict()
    linked = int(links["premises_id"].notna().sum())
    assert linked + sum(reasons.values()) == inputs["rows"]
    assert (links["premises_id"].notna() ^ links["unlinked_reason"].notna()).all()
    assert reasons["no location"] == inputs["no_location"] == 676
    # the same links as the library, incident by incident
    assert links["incident_id"].tolist() == library["incidents"]["incident_id"].tolist()
    expected = library["link"]["premises_id"].astype("string")
    assert links["premises_id"].fillna("-").tolist() == expected.fillna("-").tolist()
    # all of 2019 is in the window, so the ranking counts exactly the linked incidents
    ranked = _csv(cli_run["out"] / "premises-ranked.csv")
    # tied incidents are shared (fractions), so the counts still add up to the links
    assert ranked["n_linked"].sum() == pytest.approx(linked, abs=1e-6)


def test_visit_plan_files_agree_with_each_other_and_the_library(cli_run, library, inputs):
    from hotspots.io.write import file_sha256

    out, plan = cli_run["out"], library["plan"]
    visits = _csv(out / "visit-plan-visits.csv")
    ops = pd.read_csv(out / "visit-plan-operations.csv", encoding="utf-8-sig")
    assert visits["premises_id"].tolist() == plan.visits["premises_id"].tolist()
    assert visits[["operation", "order"]].to_numpy().tolist() == \
        plan.visits[["operation", "order"]].to_numpy().tolist()
    assert sorted(visits["rank"]) == list(range(1, TOP + 1))
    assert ops["operation"].tolist() == plan.operations["operation"].tolist()
    assert ops["n_visits"].sum() == len(visits) == TOP
    assert (ops["n_visits"] <= MAX_PER_OPERATION).all()
    assert (ops["span_m"] <= MAX_SPAN).all()
    wb = load_workbook(out / "visit-plan.xlsx", read_only=True)
    assert wb.sheetnames == ["visits", "operations", "manifest"]
    assert sum(1 for _ in wb["visits"].iter_rows(min_row=2)) == TOP
    # the manifest: every input hashed, the parameters, the data period
    manifest = json.loads((out / "visit-plan-manifest.json").read_text(encoding="utf-8"))
    hashes = {f["name"]: f["sha256"] for f in manifest["inputs"]}
    assert len(hashes) == 13
    assert hashes[inputs["premises"].name] == file_sha256(inputs["premises"])
    assert hashes[inputs["files"][-1].name] == file_sha256(inputs["files"][-1])
    assert manifest["parameters"]["premises_rank"]["radius"] == RADIUS
    assert manifest["parameters"]["gistar"]["function"] == "hotspot_gistar"
    assert {k: manifest["visit_plan"][k] for k in ("top", "max_per_operation", "max_span")} == \
        {"top": TOP, "max_per_operation": MAX_PER_OPERATION, "max_span": MAX_SPAN}
    assert manifest["data_period"]["start"] == "2019-01-01 00:00:00"
    sidecar = json.loads((out / "premises-ranked.csv.manifest.json").read_text(encoding="utf-8"))
    assert sidecar["inputs"] == manifest["inputs"]


def test_map_and_one_visit_sheet_per_operation(cli_run, library):
    out, plan = cli_run["out"], library["plan"]
    page = (out / "premises-map.html").read_text(encoding="utf-8")
    assert '<script src="http' not in page  # offline: scripts inlined
    sheets = sorted(out.glob("visit-sheet-operation-*.html"))
    assert len(sheets) == len(plan.operations)
    for op, sheet in enumerate(sheets, start=1):
        text = html.unescape(sheet.read_text(encoding="utf-8"))
        assert "OFFICIAL-SENSITIVE" in text
        assert "anonymised snap points" in text  # the police.uk caveat
        assert "premises-map.html" in text
        names = plan.visits.loc[plan.visits["operation"] == op, "name"]
        assert all(name in text for name in names), sheet.name
    combined = html.unescape((out / "visit-sheets-all.html").read_text(encoding="utf-8"))
    assert all(name in combined for name in plan.visits["name"])
