"""Visit plans for the people who use them, and visit outcomes fed back.

- premises classes the partnership names (snooker/pool halls, arcades, shisha lounges,
  massage parlours, nail bars, car washes, taxi offices, hotels), each with its agencies;
- the FHRS rating and inspection date in every output (ranking, plan, XLSX, CSV, sheets);
- the XLSX laid out for printing and filling in;
- read_visit_log accounts for every row, and premises_rank(visits=) feeds what the visits
  found back into the ranking, with the reason (the round trip).
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

from hotspots.crs import BNG
from hotspots.errors import DataQualityWarning, EmptyDataError, ValidationError
from hotspots.io.premises import classify_premises
from hotspots.io.visits import OUTCOME_SYNONYMS, VISIT_OUTCOMES, read_visit_log
from hotspots.io.write import write_visit_plan
from hotspots.premises import VISIT_AGENCIES, premises_rank, visit_plan
from hotspots.premises.visits import (
    ADVERSE_FACTOR,
    CLEAR_FACTOR,
    SEVERE_FACTOR,
    apply_visit_outcomes,
)
from hotspots.report.visit_sheet import render_visit_sheets

# five premises 300 m apart on a line; premises k has 10 - k incidents within 5 m, all on one
# day, so that scores are proportional to the counts (10, 9, 8, 7, 6)
IDS = ["P1", "P2", "P3", "P4", "P5"]
NAMES = ["Cue Ball Snooker", "Kebab King", "The Crown", "Star Cars", "Cloud Nine Shisha"]


@pytest.fixture(scope="module")
def scene():
    xy = [(410000.0 + 300.0 * k, 433000.0) for k in range(5)]
    premises = gpd.GeoDataFrame({
        "premises_id": pd.array(IDS, dtype="string"),
        "name": pd.array(NAMES, dtype="string"),
        "premises_class": pd.array(["snooker/pool hall", "takeaway", "pub/bar/nightclub",
                                    "taxi/private hire", "shisha lounge"], dtype="string"),
        "rating": pd.array(["1", "0", "5", None, "AwaitingInspection"], dtype="string"),
        "rating_date": pd.to_datetime(["2019-05-02", "2020-10-01", "2018-01-09", None, None]),
    }, geometry=[shapely.Point(p) for p in xy], crs=BNG)
    points, n = [], []
    for k, (x, y) in enumerate(xy):
        for j in range(10 - k):
            points.append(shapely.Point(x + 5.0 * np.cos(j), y + 5.0 * np.sin(j)))
        n.append(10 - k)
    incidents = gpd.GeoDataFrame({
        "incident_id": pd.array([f"i{k}" for k in range(len(points))], dtype="string"),
        "occurred": pd.to_datetime(["2020-12-15"] * len(points)),
        "category": pd.Categorical(["Violence and sexual offences"] * len(points)),
        "weight": np.ones(len(points)),
        "location_status": pd.Categorical(["located"] * len(points),
                                          categories=["located", "unknown"]),
    }, geometry=points, crs=BNG)
    ranked = premises_rank(incidents, premises, radius=50, window=2020)
    return {"premises": premises, "incidents": incidents, "ranked": ranked}


def _log(rows):
    return pd.DataFrame(rows, columns=["visited", "premises_id", "agencies", "outcome"])


# --- read_visit_log --------------------------------------------------------------------------
def test_every_row_is_accounted_for_and_outcomes_are_mapped(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        "visited,premises_id,agencies,outcome,notes\n"
        "02/03/2020,A1,police; council licensing,NFA,all fine\n"       # row 2: synonym
        "02/03/2020,B7,police,TP failed,sold to a 15-year-old\n"       # row 3: synonym
        ",C3,,,\n"                                                     # row 4: not visited
        "03/03/2020,,police,no issues,\n"                              # row 5: no id
        "04/03/2020,D4,police,went well,\n"                            # row 6: unknown outcome
        "31/02/2020,E5,police,advice given,\n"                         # row 7: bad date
        "05/03/2020,F6,police,Closure Order,\n",                       # row 8: synonym
        encoding="utf-8")
    with pytest.warns(DataQualityWarning) as record:
        log = read_visit_log(path, notes="notes", today="2021-01-01")
    assert log["premises_id"].tolist() == ["A1", "B7", "F6"]
    assert log["outcome"].tolist() == ["no issues", "test purchase failed", "closure notice"]
    assert log["effect"].tolist() == ["clear", "adverse", "severe"]
    assert log["outcome_text"].tolist() == ["NFA", "TP failed", "Closure Order"]
    assert log["visit_date"].tolist() == [pd.Timestamp("2020-03-02")] * 2 + [
        pd.Timestamp("2020-03-05")]
    assert log["source_row"].tolist() == [2, 3, 8]
    report = log.attrs["hotspots"]["load"]
    assert report.rows_read == 7
    assert report.kept == 3
    assert {k: v.count for k, v in report.rejected.items()} == {
        "not_visited": 1, "no_premises_id": 1, "no_visit_date": 1, "unknown_outcome": 1}
    assert report.rejected["unknown_outcome"].rows == (("log.csv", 6),)
    assert report.rejected["no_visit_date"].rows == (("log.csv", 7),)
    assert report.rejected["unknown_outcome"].column == "outcome"
    text = " ".join(str(w.message) for w in record)
    assert "'went well'" in text
    assert "not yet visited" not in text  # plan rows not visited are no warning


def test_outcome_map_and_vocabulary():
    log = read_visit_log(_log([["2020-03-02", "A", "", "Sorted on the spot"]]),
                         outcome_map={"sorted on the spot": "advice given"})
    assert log["outcome"].tolist() == ["advice given"]
    assert set(OUTCOME_SYNONYMS.values()) <= set(VISIT_OUTCOMES)
    with pytest.raises(ValidationError, match="not an outcome"):
        read_visit_log(_log([["2020-03-02", "A", "", "x"]]), outcome_map={"x": "fine"})


def test_missing_column_names_close_matches(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("Visit date,premises_id,outcome\n2020-03-02,A,NFA\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"column 'visited'.*not found.*Visit date"):
        read_visit_log(path)
    log = read_visit_log(path, date="Visit date")
    assert log["agencies"].isna().all()


def test_a_log_with_no_usable_visit_is_an_error():
    with pytest.raises(EmptyDataError, match="no usable visit"):
        read_visit_log(_log([["", "A", "", ""], ["", "B", "", ""]]))


# --- the rules ------------------------------------------------------------------------------
def _table(scores):
    return pd.DataFrame({"premises_id": [f"P{k + 1}" for k in range(len(scores))],
                         "score": np.asarray(scores, dtype=float),
                         "reasons": ["x"] * len(scores)})


def _visits(rows):
    return pd.DataFrame(rows, columns=["visit_date", "premises_id", "outcome"]).assign(
        visit_date=lambda d: pd.to_datetime(d["visit_date"]))


def test_rules_by_hand():
    table = _table([8.0] * 7)
    visits = _visits([
        ["2020-12-01", "P1", "no issues"],                 # clear, 31 days: halved
        ["2020-06-01", "P2", "no issues"],                 # clear but 214 days old: as is
        ["2020-03-01", "P3", "test purchase failed"],      # adverse within a year: x1.5
        ["2020-12-20", "P3", "no issues"],                 # ... a later clear does not undo it
        ["2019-06-01", "P4", "arrest"],                    # severe but 580 days old: as is
        ["2020-10-10", "P5", "closure notice"],            # severe: x2
        ["2020-12-01", "P6", "advice given"],              # neutral: as is, reason given
        ["2021-02-01", "P7", "closure notice"],            # after as_of: ignored
    ])
    got = apply_visit_outcomes(table, visits, as_of="2021-01-01")
    assert got["visit_factor"].tolist() == [CLEAR_FACTOR, 1.0, ADVERSE_FACTOR, 1.0,
                                            SEVERE_FACTOR, 1.0, 1.0]
    assert got["score"].tolist() == [4.0, 8.0, 12.0, 8.0, 16.0, 8.0, 8.0]
    assert got["n_visits"].tolist() == [1, 1, 2, 1, 1, 1, 0]
    assert got["last_outcome"].tolist()[:6] == ["no issues", "no issues", "no issues", "arrest",
                                                "closure notice", "advice given"]
    assert pd.isna(got["last_outcome"].iloc[6])
    assert got["reasons"].tolist() == [
        "x; visited 01 Dec 2020: no issues (score x0.5)",
        "x; last visited 01 Jun 2020: no issues",
        "x; test purchase failed on 01 Mar 2020 (score x1.5)",
        "x; last visited 01 Jun 2019: arrest",
        "x; closure notice on 10 Oct 2020 (score x2)",
        "x; last visited 01 Dec 2020: advice given",
        "x",
    ]
    assert got.attrs["visits"]["n_after_as_of"] == 1
    assert table["score"].tolist() == [8.0] * 7  # the input is not changed


def test_visits_to_unknown_premises_warn_and_do_not_count():
    with pytest.warns(DataQualityWarning, match="1 visits name premises not in the ranking"):
        got = apply_visit_outcomes(_table([2.0]), _visits([["2020-12-01", "Q9", "arrest"]]),
                                   as_of="2021-01-01")
    assert got["score"].tolist() == [2.0]
    assert got.attrs["visits"]["n_unmatched"] == 1


def test_visits_must_be_a_log():
    with pytest.raises(ValidationError, match="not known"):
        apply_visit_outcomes(_table([1.0]), _visits([["2020-12-01", "P1", "fine"]]),
                             as_of=None)
    with pytest.raises(TypeError, match="must be a DataFrame"):
        apply_visit_outcomes(_table([1.0]), [("2020-12-01", "P1", "arrest")], as_of=None)


# --- the round trip: plan -> log of outcomes -> new plan ----------------------------------
@pytest.mark.slow
def test_visit_log_round_trip_changes_the_ranking_as_the_reasons_say(scene, tmp_path):
    ranked = scene["ranked"]
    assert ranked["premises_id"].tolist() == IDS  # 10, 9, 8, 7, 6 incidents
    plan = visit_plan(ranked, top=5, incidents=scene["incidents"])
    path = tmp_path / "plan.xlsx"
    write_visit_plan(plan, path)

    # the officers fill in the plan's own columns
    wb = openpyxl.load_workbook(path)
    ws = wb["visits"]
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in ("premises_id", "visited", "outcome")}
    filled = {"P1": ("2020-12-10", "no issues"), "P4": ("2020-11-20", "test purchase failed"),
              "P5": ("2020-12-02", "closure notice")}
    for r in range(2, ws.max_row + 1):
        pid = ws.cell(r, col["premises_id"]).value
        if pid in filled:
            ws.cell(r, col["visited"]).value = pd.Timestamp(filled[pid][0]).to_pydatetime()
            ws.cell(r, col["outcome"]).value = filled[pid][1]
    wb.save(path)

    log = read_visit_log(path, sheet="visits", today="2021-01-01")
    assert sorted(log["premises_id"]) == ["P1", "P4", "P5"]
    assert log.attrs["hotspots"]["load"].rejected["not_visited"].count == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        again = premises_rank(scene["incidents"], scene["premises"], radius=50, window=2020,
                              visits=log)
    before = ranked.set_index("premises_id")["score"]
    after = again.set_index("premises_id")
    # each score moves by exactly the factor its reason states
    assert after.loc["P1", "score"] == pytest.approx(before["P1"] * CLEAR_FACTOR, rel=1e-9)
    assert after.loc["P4", "score"] == pytest.approx(before["P4"] * ADVERSE_FACTOR, rel=1e-9)
    assert after.loc["P5", "score"] == pytest.approx(before["P5"] * SEVERE_FACTOR, rel=1e-9)
    assert after.loc["P2", "score"] == before["P2"]
    assert after.loc["P1", "reasons"].endswith("visited 10 Dec 2020: no issues (score x0.5)")
    assert after.loc["P4", "reasons"].endswith("test purchase failed on 20 Nov 2020 "
                                               "(score x1.5)")
    assert after.loc["P5", "reasons"].endswith("closure notice on 02 Dec 2020 (score x2)")
    # 6 x 2 = 12 > 7 x 1.5 = 10.5 > 9 > 8 > 10 x 0.5 = 5
    assert again["premises_id"].tolist() == ["P5", "P4", "P2", "P3", "P1"]
    assert again.attrs["hotspots"]["visits"]["n_used"] == 3

    new_plan = visit_plan(again, top=5, incidents=scene["incidents"])
    first = new_plan.visits.sort_values("rank").iloc[0]
    assert first["premises_id"] == "P5"
    assert first["last_outcome"] == "closure notice"
    assert first["last_visit"] == pd.Timestamp("2020-12-02")


# --- premises classes -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("type_text", "name", "expected"),
    [
        (None, "Crucible Snooker Club", "snooker/pool hall"),
        (None, "Cue Sports Bradford", "snooker/pool hall"),
        ("Other catering premises", "Pockets Pool Club", "snooker/pool hall"),
        ("Snooker hall", "Anything", "snooker/pool hall"),
        (None, "Fun City Amusements", "amusement arcade"),
        ("Adult gaming centre", "Merkur Slots", "amusement arcade"),
        ("Other catering premises", "Cloud 9 Shisha Lounge", "shisha lounge"),
        ("Restaurant/Cafe/Canteen", "Cloud 9 Shisha Lounge", "cafe/restaurant"),  # FHRS type
        (None, "Oriental Massage", "massage parlour"),
        ("Special treatment licence", "Angel Nails", "nail bar"),
        ("Special treatment licence", "Thai Sauna", "massage parlour"),
        (None, "Sparkle Hand Car Wash", "car wash"),
        (None, "Star Cars Hand Car Wash", "car wash"),   # not a taxi firm
        (None, "Star Cars", "taxi/private hire"),
        ("Taxi office", "A1 Travel", "taxi/private hire"),
        ("Other catering premises", "Premier Inn Bradford Central", "hotel/guest house"),
        (None, "Leeds Road Travelodge", "hotel/guest house"),
        (None, "Liverpool Street Swimming Pool", "other"),  # "pool" alone is not a pool hall
        (None, "Dabbers Social Bingo", "entertainment"),
    ],
)
def test_partnership_premises_classes(type_text, name, expected):
    assert classify_premises([type_text], [name]).tolist() == [expected]


def test_new_classes_invite_the_right_agencies():
    assert VISIT_AGENCIES["car wash"] == ("police", "GLAA")
    assert VISIT_AGENCIES["nail bar"] == ("police", "environmental health", "GLAA")
    assert "council licensing" in VISIT_AGENCIES["amusement arcade"]
    assert "environmental health" in VISIT_AGENCIES["shisha lounge"]


# --- FHRS rating and inspection date in every output ----------------------------------------
@pytest.mark.slow
def test_fhrs_rating_reaches_every_output(scene, tmp_path):
    ranked = scene["ranked"].set_index("premises_id")
    assert ranked.loc["P2", "rating"] == "0"
    assert ranked.loc["P2", "rating_date"] == pd.Timestamp("2020-10-01")
    assert pd.isna(ranked.loc["P4", "rating"])
    plan = visit_plan(scene["ranked"], top=5)
    visits = plan.visits.set_index("premises_id")
    assert visits.loc["P1", "rating"] == "1"
    assert visits.loc["P1", "rating_date"] == pd.Timestamp("2019-05-02")
    files = write_visit_plan(plan, tmp_path / "plan.xlsx")
    csv = pd.read_csv(files[1], dtype={"premises_id": str, "rating": str})
    assert csv.set_index("premises_id").loc["P3", "rating"] == "5"
    ws = openpyxl.load_workbook(files[0])["visits"]
    header = [c.value for c in ws[1]]
    rows = {r[header.index("premises_id")].value: r for r in ws.iter_rows(min_row=2)}
    cell = rows["P2"][header.index("rating_date")]
    assert cell.value == pd.Timestamp("2020-10-01").to_pydatetime()
    assert cell.number_format == "dd mmm yyyy"
    assert rows["P2"][header.index("rating")].value == "0"
    html = render_visit_sheets(plan)
    assert "food hygiene 0 (inspected 01 Oct 2020)" in html
    assert "food hygiene Awaiting inspection" in html
    from hotspots.maps import explore_premises

    page = explore_premises(scene["ranked"], mode="restricted").get_root().render()
    assert '"Food hygiene rating","Inspected","Reasons"' in page
    assert "2020-10-01" in page


# --- the workbook -------------------------------------------------------------------------------
def test_plan_workbook_is_laid_out_for_print_and_filling_in(scene, tmp_path):
    ranked = scene["ranked"].copy()
    ranked.loc[0, "name"] = "=HYPERLINK(\"http://x\")"
    ranked.loc[0, "score"] = 75.07063847814769
    plan = visit_plan(ranked, top=5)
    path = write_visit_plan(plan, tmp_path / "plan.xlsx", csv=False)[0]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["visits", "operations", "manifest"]
    ws = wb["visits"]
    header = [c.value for c in ws[1]]
    assert header[-3:] == ["visited", "outcome", "notes"]
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}6"
    assert ws.freeze_panes == "F2"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1"
    first = dict(zip(header, ws[2], strict=True))
    assert first["score"].value == 75.07
    assert first["score"].number_format == "0.0"
    assert first["name"].value == "=HYPERLINK(\"http://x\")"
    assert first["name"].data_type == "s"  # text, not a formula
    assert first["rank"].number_format == "0"
    second = dict(zip(header, ws[3], strict=True))
    assert second["leg_distance_m"].value == 300
    assert second["leg_distance_m"].number_format == "#,##0"
    kinds = {dv.type: dv for dv in ws.data_validations.dataValidation}
    assert set(kinds) == {"date", "list"}
    for outcome in VISIT_OUTCOMES:
        assert outcome in kinds["list"].formula1
    ops = wb["operations"]
    assert ops.auto_filter.ref.startswith("A1:")
    assert ops.page_setup.orientation == "landscape"
