"""Acceptance on real data: City of London 2019 crime points with the FSA premises."""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.errors import DataQualityWarning
from hotspots.premises import link_premises, premises_rank, visit_plan
from hotspots.premises.plan import _nearest_neighbor_route, _path_length

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
STREET = SHARED / "data" / "city-of-london" / "street"
FHRS_JSON = SHARED / "data" / "city-of-london" / "premises" / "fhrs-city-of-london-2021-08-19.json"


@pytest.fixture(scope="module")
def city():
    files = sorted(STREET.glob("2019-*-city-of-london-street.csv"))
    if len(files) != 12 or not FHRS_JSON.exists():
        if os.environ.get("CI"):
            pytest.fail("City of London data missing in CI")
        pytest.skip("City of London data missing")
    from hotspots.io import read_police_uk
    from hotspots.io.premises import read_fhrs

    incidents = read_police_uk(files)
    premises = read_fhrs(FHRS_JSON)
    link = link_premises(incidents, premises, max_distance=50)
    with (pytest.warns(DataQualityWarning, match="police.uk"),
          pytest.warns(DataQualityWarning, match="46%.*equally near several premises")):
        ranked = premises_rank(incidents, premises, radius=50, window=2019, link=link)
    plan = visit_plan(ranked, top=20, max_per_operation=6, max_span=1000,
                      incidents=incidents, link=link)
    # independent counts straight from the CSVs
    rows = no_location = 0
    for f in files:
        with open(f, newline="", encoding="utf-8") as fh:
            for rec in csv.DictReader(fh):
                rows += 1
                no_location += rec["Longitude"].strip() == ""
    return {"incidents": incidents, "premises": premises, "link": link, "ranked": ranked,
            "plan": plan, "rows": rows, "no_location": no_location}


def test_every_incident_is_linked_or_counted(city):
    link, ranked = city["link"], city["ranked"]
    assert (city["rows"], city["no_location"]) == (10032, 676)
    assert len(link) == len(city["incidents"]) == city["rows"]
    info = link.attrs["hotspots"]
    assert info["n_unlinked"]["no location"] == city["no_location"]
    assert info["n_linked"] + sum(info["n_unlinked"].values()) == city["rows"]
    assert int(link["premises_id"].notna().sum()) == info["n_linked"]
    # the ranking counts exactly the linked incidents (all of 2019 is in the window)
    # tied incidents are shared (fractions), so the premises' counts still add up to the links
    assert ranked["n_linked"].sum() == pytest.approx(info["n_linked"], abs=1e-6)
    assert ranked.attrs["hotspots"]["n_outside_window"] == 0
    assert len(ranked) == len(city["premises"]) == 1720


def test_top_of_the_list_is_explained_by_its_reasons(city):
    ranked = city["ranked"]
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))
    assert (np.diff(ranked["score"].to_numpy()) <= 1e-9).all()
    for row in ranked.head(10).itertuples():
        m = re.match(r"(\d+) linked incidents? in 12 months, (\d+) in the last 90 days",
                     row.reasons)
        assert m, row.reasons
        assert int(m.group(1)) == row.n_linked
        assert int(m.group(2)) == row.n_recent
        assert row.top_categories in row.reasons
        counts = [int(x) for x in re.findall(r"(\d+) [a-zA-Z]", row.top_categories)]
        assert sum(counts) <= row.n_linked
        if row.trend == "up":
            assert f"rising ({row.n_first_half:g} → {row.n_second_half:g}" in row.reasons
    # premises without incidents say so and come last
    tail = ranked[ranked["n_linked"] == 0]
    assert (tail["reasons"] == "no linked incidents").all()
    assert tail["rank"].min() > ranked.loc[ranked["n_linked"] > 0, "rank"].max()


def test_visit_plan_respects_its_limits(city):
    plan, ranked = city["plan"], city["ranked"]
    visits, ops = plan.visits, plan.operations
    assert len(visits) == 20
    assert sorted(visits["rank"]) == ranked["rank"].head(20).tolist()
    assert (ops["n_visits"] <= 6).all()
    assert (ops["span_m"] <= 1000).all()
    for _op, group in visits.groupby("operation"):
        xy = shapely.get_coordinates(group.sort_values("order").geometry.to_numpy())
        span = max(np.hypot(*(a - b)) for a in xy for b in xy)
        assert span <= 1000
        assert _path_length(xy, range(len(xy))) <= _path_length(
            xy, _nearest_neighbor_route(xy)) + 1e-9
    # police.uk gives months only, so no time window
    assert set(ops["time_window"]) == {"unknown"}
    assert all(a.startswith("police") for a in visits["agencies"])


def test_run_premises_end_to_end(city, tmp_path):
    from hotspots.cli.premises import run_premises
    from hotspots.io.write import file_sha256

    files = sorted(STREET.glob("2019-*-city-of-london-street.csv"))
    with (pytest.warns(DataQualityWarning, match="police.uk"),
          pytest.warns(DataQualityWarning, match="equally near several premises")):
        paths = run_premises(files, FHRS_JSON, fhrs=True, out_dir=tmp_path, top=20)
    assert all(p.exists() for p in paths)
    manifest = json.loads((tmp_path / "visit-plan-manifest.json").read_text())
    hashes = {f["name"]: f["sha256"] for f in manifest["inputs"]}
    assert len(hashes) == 13
    assert hashes[FHRS_JSON.name] == file_sha256(FHRS_JSON)
    assert hashes[files[0].name] == file_sha256(files[0])
    assert manifest["data_period"]["start"] == "2019-01-01 00:00:00"
    ranked = pd.read_csv(tmp_path / "premises-ranked.csv", encoding="utf-8-sig")
    assert len(ranked) == 1720
    # with the Gi* grid the top premises sit in hot cells and say so
    assert (ranked["gi_bin"].head(5) == 3).all()
    assert ranked["reasons"].head(5).str.contains("inside a 99% hot spot").all()
    ops = pd.read_csv(tmp_path / "visit-plan-operations.csv", encoding="utf-8-sig")
    assert ops["n_visits"].sum() == 20
    assert (ops["span_m"] <= 1000).all()
    assert (ops["n_visits"] <= 6).all()
    sheets = [p for p in paths if p.name.startswith("visit-sheet-operation")]
    assert len(sheets) == len(ops)


def test_tied_links_are_shared_not_given_to_the_smallest_id(city):
    # issue 11: the 1,698 located premises sit at 860 distinct points; at 50 m 46% of the
    # links are exact ties, which all went to the smallest premises id, and 282 tied
    # premises got none
    premises, link, ranked = city["premises"], city["link"], city["ranked"]
    located = premises[~premises.geometry.is_empty]
    assert len(located) == 1698
    assert len(np.unique(shapely.get_coordinates(located.geometry), axis=0)) == 860
    info = link.attrs["hotspots"]
    assert info["n_tied_links"] == 3803
    assert info["share_tied_links"] == pytest.approx(0.458, abs=5e-4)
    tied = link[link["n_tied"] > 1]
    assert (tied["premises_ids"].map(len) == tied["n_tied"]).all()
    assert (tied["premises_id"] == tied["premises_ids"].map(lambda t: t[0])).all()
    in_ties = {p for ids in tied["premises_ids"] for p in ids}
    smallest_id_rule = set(link["premises_id"].dropna())
    assert len(in_ties - smallest_id_rule) == 282
    # now every tied premises has its share, and the shares add up per incident
    n_linked = ranked.set_index("premises_id")["n_linked"]
    assert (n_linked.loc[sorted(in_ties)] > 0).all()
    expected = {}
    for ids in link["premises_ids"]:
        for p in ids:
            expected[p] = expected.get(p, 0.0) + 1.0 / len(ids)
    got = n_linked[n_linked > 0]
    assert set(got.index) == set(expected)
    np.testing.assert_allclose(got.loc[sorted(expected)], [expected[p] for p in
                                                          sorted(expected)], rtol=1e-9)
    assert ranked.attrs["hotspots"]["share_tied_links"] == pytest.approx(0.458, abs=5e-4)
    shared = pd.Series([p for ids in tied["premises_ids"] for p in ids]).value_counts()
    n_tied = ranked.set_index("premises_id")["n_tied"]
    assert (n_tied.loc[shared.index] == shared).all()
    assert int(n_tied.sum()) == int(shared.sum())
