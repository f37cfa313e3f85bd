"""Counting distinct people (children) instead of rows, and the published cohort figures."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from hotspots import (
    area_counts,
    at_risk_snapshots,
    compare_periods,
    describe,
    simulate_at_risk,
)
from hotspots.errors import DataQualityWarning
from hotspots.narrative import percent
from hotspots.simulate import random_points_in


def _frame(areas, rows, level="constituency"):
    """rows: (child, area name or None, date, category) -> a GeoDataFrame of points."""
    frame = areas[level].set_index("area_name")
    rng = np.random.default_rng(0)
    pts = [gpd.points_from_xy(*random_points_in(frame.geometry[a], 1, rng).T)[0]
           if a else None for _, a, _, _ in rows]
    return gpd.GeoDataFrame({
        "child": pd.array([r[0] for r in rows], dtype="string"),
        "occurred": pd.to_datetime([r[2] for r in rows]),
        "category": [r[3] for r in rows],
    }, geometry=gpd.GeoSeries(pts, crs=27700))


def test_people_counted_once_per_area(bradford_areas):
    rows = [("a", "Bradford East", "2019-01-01", "CSE"),
            ("a", "Bradford East", "2019-02-01", "CSE"),
            ("a", "Bradford South", "2019-03-01", "CSE"),   # a in two areas
            ("b", "Bradford East", "2019-01-05", "CSE"),
            ("c", None, "2019-01-05", "CSE")]
    f = _frame(bradford_areas, rows)
    rows_t = area_counts(f, bradford_areas).set_index("area_name")
    assert rows_t.loc["Bradford East", "n"] == 3
    t = area_counts(f, bradford_areas, count="people", person="child").set_index("area_name")
    assert t.loc["Bradford East", "n"] == 2
    assert t.loc["Bradford South", "n"] == 1
    assert t.loc["Unknown location", "n"] == 1
    assert t.loc["Bradford East", "share"] == pytest.approx(2 / 3)  # of 3 distinct children
    assert t["share"].sum() == pytest.approx(4 / 3)  # a counted twice: shares exceed 1
    info = t.attrs["hotspots"]
    assert info["count"] == "people"
    assert info["n_people"] == 3
    assert info["n_people_in_several_areas"] == 1
    assert "more than 1" in info["note"]


def test_blank_person_ids_are_left_out_with_a_warning(bradford_areas):
    rows = [("a", "Bradford East", "2019-01-01", "CSE"), (None, "Bradford East", "2019-01-01",
                                                          "CSE")]
    f = _frame(bradford_areas, rows)
    with pytest.warns(DataQualityWarning, match="1 rows have no 'child' value"):
        t = area_counts(f, bradford_areas, count="people", person="child")
    assert t.attrs["hotspots"]["n_rows_no_person"] == 1
    assert t["n"].sum() == 1
    with pytest.raises(ValueError, match="needs person="):
        area_counts(f, bradford_areas, count="people")


def test_published_cce_shares(bradford_areas):
    """Criminal exploitation flagged 94 children: 33% West, 30% East (annual report)."""
    per_area = {"Bradford West": 31, "Bradford East": 28, "Bradford South": 15,
                "Keighley": 12, "Shipley": 8}          # 94 children
    rows, k = [], 0
    for area, n in per_area.items():
        for _ in range(n):
            rows.append((f"k{k}", area, "2019-01-01", "CCE"))
            if k % 3 == 0:   # a third of them flagged twice: rows are not children
                rows.append((f"k{k}", area, "2019-02-01", "CCE"))
            k += 1
    rows += [(f"s{i}", "Keighley", "2019-01-01", "CSE") for i in range(40)]
    f = _frame(bradford_areas, rows)
    t = area_counts(f, bradford_areas, by="category", count="people", person="child")
    cce = t[t["category"] == "CCE"].set_index("area_name")
    total = int(cce["n"].sum())
    assert total == 94
    assert percent(cce.loc["Bradford West", "n"], total) == 33
    assert percent(cce.loc["Bradford East", "n"], total) == 30
    assert round(100 * cce.loc["Bradford West", "share"]) == 33
    rows_only = area_counts(f, bradford_areas, by="category")
    assert rows_only[rows_only["category"] == "CCE"]["n"].sum() == 126  # 94 + 32 repeats


def test_compare_periods_people_totals_and_shares(bradford_areas):
    rows = [("a", "Bradford East", "2018-01-01", "CSE"), ("a", "Bradford South", "2018-02-01",
                                                          "CSE"),
            ("b", "Bradford East", "2018-03-01", "CSE"), ("b", "Bradford East", "2018-03-02",
                                                          "CSE"),
            ("a", "Bradford South", "2019-01-01", "CSE"), ("c", "Bradford South", "2019-02-01",
                                                          "CSE")]
    f = _frame(bradford_areas, rows)
    cmp = compare_periods(f, bradford_areas, before="2018", after="2019", count="people",
                          person="child")
    assert (cmp.total_before, cmp.total_after) == (2, 2)
    t = cmp.table.set_index("area_name")
    assert t.loc["Bradford East", "n_before"] == 2
    assert t.loc["Bradford South", "n_before"] == 1
    assert t.loc["Bradford East", "share_before"] == pytest.approx(1.0)
    assert t.loc["Bradford South", "n_after"] == 2
    assert cmp.table.attrs["hotspots"]["n_people_in_several_areas_before"] == 1
    assert cmp.top_before == "Bradford East"
    assert cmp.test == "etest-score"  # people are not monthly events: no dispersion model


@pytest.fixture(scope="module")
def cohort(bradford_areas):
    reg = simulate_at_risk(bradford_areas, seed=3)
    return at_risk_snapshots(reg, start="2016-04-01", end="2019-03-31", areas=bradford_areas,
                             level="constituency")


def test_published_cohort_350_to_125_moves_east_to_south(cohort, bradford_areas):
    cmp = compare_periods(cohort, bradford_areas, before="2016-04", after="2019-03",
                          count="people", person="child", time="period_start")
    assert (cmp.total_before, cmp.total_after) == (350, 125)
    assert (cmp.top_before, cmp.top_after) == ("Bradford East", "Bradford South")
    t = cmp.table.set_index("area_name")
    east_b, east_a = t.loc["Bradford East", ["n_before", "n_after"]]
    south_b, south_a = t.loc["Bradford South", ["n_before", "n_after"]]
    text = describe(cmp, noun="children assessed at risk")
    assert text[0].startswith("125 children assessed at risk in Mar 2019, down from 350 in "
                              "Apr 2016, a 64% reduction")
    assert ("The highest number of children assessed at risk moved from Bradford East "
            f"({east_b} to {east_a}) to Bradford South ({south_b} to {south_a}).") in text
    # default noun for people counts of children
    assert describe(cmp)[0].startswith("125 children in Mar 2019")
    # rows counted: the sentence keeps its old wording
    rows_cmp = compare_periods(cohort, bradford_areas, before="2016-04", after="2019-03",
                               time="period_start")
    assert any(s.startswith("The highest number moved from") for s in describe(rows_cmp))


def test_describe_suppressed_people_counts_hide_small_numbers(cohort, bradford_areas):
    cmp = compare_periods(cohort, bradford_areas, before="2016-04", after="2019-03",
                          count="people", person="child", time="period_start")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = " ".join(describe(cmp, noun="children assessed at risk", k=200))
    assert "125" not in text



def test_compare_periods_people_by_group(cohort, bradford_areas):
    cmp = compare_periods(cohort, bradford_areas, before="2016-04", after="2019-03",
                          count="people", person="child", time="period_start", by="risk_level")
    first = cohort[cohort["period"] == "Apr 2016"]
    expected = first.groupby("risk_level")["child"].nunique()
    got = cmp.group_totals.set_index("risk_level")["n_before"]
    assert got.to_dict() == expected.to_dict()
    high = cmp.table[cmp.table["risk_level"] == "High"].set_index("area_name")
    assert high["share_before"].sum() == pytest.approx(1.0)  # one home area per child
    assert cmp.overall.total_before == 350


def test_published_perpetrator_home_areas(bradford_areas):
    """Perpetrators' home areas: 35% Bradford West, 8% outside the district (annual report)."""
    import shapely

    per_area = {"Bradford West": 21, "Bradford East": 14, "Bradford South": 10,
                "Keighley": 6, "Shipley": 4}                  # 55 in the district
    rows = [(f"p{i}", area, "2019-01-01", "CCE")
            for i, area in enumerate(a for a, n in per_area.items() for _ in range(n))]
    f = _frame(bradford_areas, rows)
    # 5 perpetrators living in Leeds (outside Bradford), two of them with two records
    leeds = gpd.GeoDataFrame({"child": pd.array([f"out{i}" for i in (0, 1, 2, 3, 4, 0, 1)],
                                                dtype="string"),
                              "occurred": pd.Timestamp("2019-01-01"), "category": "CCE"},
                             geometry=gpd.GeoSeries([shapely.Point(430000 + 100 * i, 433500)
                                                     for i in range(7)], crs=27700))
    f = pd.concat([f, leeds], ignore_index=True)
    t = area_counts(f, bradford_areas, count="people", person="child").set_index("area_name")
    assert t.attrs["hotspots"]["n_people"] == 60
    assert percent(t.loc["Bradford West", "n"], 60) == 35
    assert t.loc["Outside district", "n"] == 5
    assert percent(t.loc["Outside district", "n"], 60) == 8
