"""assign_areas and area_counts: hand-made squares, Bradford and the City of London."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pandas.testing import assert_frame_equal
from shapely import Point, box

from hotspots.areas import NOT_RECORDED, AreaSet, area_counts, assign_areas
from hotspots.errors import CRSError, DataQualityWarning, ValidationError
from hotspots.located import located_points

from ._helpers import POPULATION, incidents, squares


# --- assign_areas --------------------------------------------------------------------------------
def test_edge_rule_on_shared_vertical_edge_and_corner():
    areas = squares()
    inc = incidents([(10, 5), (10, 15), (10, 10), (5, 5), (15, 15), (20, 5), (0, 20),
                     (10, 0)])
    out = assign_areas(inc, areas)
    # (10, 5): B (Q1) and C (Q2) -> Q1; (10, 15): A (Q3) and D (Q4) -> Q3;
    # (10, 10): all four -> Q1; outer edges and corners belong to their one square
    assert out["cell_id"].tolist() == ["Q1", "Q3", "Q1", "Q2", "Q3", "Q1", "Q4", "Q1"]
    assert out["cell"].tolist() == ["B", "A", "B", "C", "A", "B", "D", "B"]
    # the zone's closed edge at x = 10 holds the points on it
    assert out["zone"].tolist() == ["East", "East", "East", "Outside district", "East",
                                    "East", "Outside district", "East"]
    # sjoin agrees once its multiple matches are resolved by the same rule
    cells = areas["cell"]
    joined = gpd.sjoin(inc, cells, how="left", predicate="intersects")
    expected = joined.groupby(level=0)["area_id"].min()
    assert expected.tolist() == out["cell_id"].tolist()


def test_edge_rule_does_not_depend_on_row_or_area_order():
    areas = squares()
    frame = areas["cell"].iloc[::-1].reset_index(drop=True)
    flipped = AreaSet({"cell": frame}, name="s", vintage="t")
    pts = [(10, 5), (10, 10), (10, 15), (0, 10), (20, 10)]
    a = assign_areas(incidents(pts), areas, levels="cell")["cell_id"].tolist()
    b = assign_areas(incidents(pts[::-1]), flipped)["cell_id"].tolist()[::-1]
    assert a == b == ["Q1", "Q1", "Q3", "Q2", "Q1"]


def test_outside_unknown_and_columns():
    areas = squares()
    inc = incidents([(5, 5), (50, 50), None, (35, 5)],
                    location_status=pd.Categorical(["located", "located", "unknown",
                                                    "located"]))
    inc.loc[3, "location_status"] = "unknown"  # a point whose status says unknown
    out = assign_areas(inc, areas)
    assert out["cell"].tolist() == ["C", "Outside district", "Unknown location",
                                    "Unknown location"]
    assert out["zone"].tolist() == ["Outside district", "Outside district",
                                    "Unknown location", "Unknown location"]
    assert out["cell_id"].dtype == "string"
    assert out["cell_id"].isna().tolist() == [False, True, True, True]
    assert out["cell"].cat.categories.tolist() == ["A", "B", "C", "D", "Outside district",
                                                   "Unknown location"]
    record = out.attrs["hotspots"]["assign"]
    assert record["n_located"] == 2
    assert record["n_unknown"] == 2
    assert record["n_outside"] == {"cell": 1, "zone": 2}


def test_located_without_point_warns():
    inc = incidents([(5, 5), None], location_status=["located", "located"])
    with pytest.warns(DataQualityWarning, match="1 rows have location_status 'located' "
                                                "but no geometry"):
        out = assign_areas(inc, squares())
    assert out["cell"].tolist() == ["C", "Unknown location"]


def test_assign_areas_input_checks():
    areas = squares()
    with pytest.raises(CRSError, match="no coordinate reference system"):
        assign_areas(gpd.GeoDataFrame(geometry=[Point(1, 1)]), areas)
    with pytest.raises(ValidationError, match="1 incidents have a geometry that is not a point"):
        assign_areas(gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)], crs=27700), areas)
    with pytest.raises(ValueError, match="must name levels of 'squares'"):
        assign_areas(incidents([(1, 1)]), areas, levels=["ward"])
    with pytest.raises(TypeError, match="must be an AreaSet"):
        assign_areas(incidents([(1, 1)]), areas["cell"])


def test_assign_areas_reprojects_lonlat(bradford_areas):
    # Bradford City Hall, in lon/lat; the ward is City, the constituency Bradford West
    inc = gpd.GeoDataFrame(geometry=[Point(-1.7527, 53.7920)], crs="EPSG:4326")
    out = assign_areas(inc, bradford_areas)
    assert out["ward"].tolist() == ["City"]
    assert out["constituency"].tolist() == ["Bradford West"]
    assert out.crs.to_epsg() == 4326  # the frame itself is not changed


def test_city_levels_are_assigned_from_their_own_polygons(city_areas):
    # Trafalgar Square: outside the City, inside Cities of London and Westminster;
    # the Guildhall: inside both
    inc = incidents([(530000, 180500), (532450, 181400), (540000, 180000)])
    out = assign_areas(inc, city_areas)
    assert out["ward"].tolist()[0] == "Outside district"
    assert out["ward"].tolist()[1] != "Outside district"
    assert out["constituency"].tolist() == ["Cities of London and Westminster"] * 2 + [
        "Outside district"]


def test_inputs_are_not_modified():
    areas = squares()
    inc = incidents([(5, 5), None, (15, 5)], category=pd.Categorical(["x", "y", "x"]),
                    occurred=pd.to_datetime(["2018-05-01", None, "2019-05-01"]))
    before = inc.copy(deep=True)
    cells_before = areas["cell"]
    assign_areas(inc, areas)
    with pytest.warns(DataQualityWarning):
        area_counts(inc, areas, level="cell", by="category", period="2018/19")
    assert_frame_equal(inc, before)
    assert_frame_equal(areas["cell"], cells_before)


# --- area_counts ---------------------------------------------------------------------------------
def _toy_incidents() -> gpd.GeoDataFrame:
    pts = [(5, 5), (5, 6), (15, 5), (15, 15), (50, 50), None, None, (5, 15)]
    return incidents(
        pts,
        occurred=pd.to_datetime(["2018-04-01", "2019-03-31", "2019-04-01", "2018-06-01",
                                 "2018-07-01", "2018-08-01", None, "2017-01-01"]),
        category=pd.Categorical(["burglary", "theft", "theft", "theft", "theft", "burglary",
                                 "theft", "theft"], categories=["burglary", "robbery", "theft"]),
        recency=pd.Categorical(["recent", None, "recent", "non-recent", "recent", "recent",
                                "recent", "recent"], categories=["recent", "non-recent"]),
    )


def test_area_counts_zeros_outside_unknown_and_shares():
    table = area_counts(_toy_incidents(), squares(), level="cell")
    assert list(table.columns) == ["area_id", "area_name", "n", "share"]
    assert table["area_name"].tolist() == ["A", "B", "C", "D", "Outside district",
                                           "Unknown location"]
    assert table["n"].tolist() == [1, 1, 2, 1, 1, 2]
    assert table["n"].dtype == np.int64
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["share"].tolist() == pytest.approx([1 / 8, 1 / 8, 2 / 8, 1 / 8, 1 / 8, 2 / 8])
    assert table["area_id"].isna().tolist() == [False] * 4 + [True, True]
    attrs = table.attrs["hotspots"]
    assert attrs["level"] == "cell"
    assert attrs["vintage"] == "test"
    assert attrs["boundaries"] == "squares"
    assert attrs["n_total"] == 8
    assert attrs["period"] is None


def test_area_counts_rows_always_present_when_zero():
    table = area_counts(incidents([(5, 5)]), squares(), level="zone")
    assert table["area_name"].tolist() == ["East", "Outside district", "Unknown location"]
    assert table["n"].tolist() == [0, 1, 0]
    assert table["share"].tolist() == [0.0, 1.0, 0.0]


def test_area_counts_by_category_keeps_empty_categories():
    table = area_counts(_toy_incidents(), squares(), level="zone", by="category")
    assert list(table.columns) == ["category", "area_id", "area_name", "n", "share"]
    assert table["category"].cat.categories.tolist() == ["burglary", "robbery", "theft"]
    n = table.set_index(["category", "area_name"])["n"]
    assert n[("burglary", "East")] == 0
    assert n[("burglary", "Outside district")] == 1
    assert n[("burglary", "Unknown location")] == 1
    assert n[("robbery", "East")] == 0
    assert table.loc[table.category == "robbery",
                                                     "share"].isna().all()
    assert n[("theft", "East")] == 2
    assert n[("theft", "Outside district")] == 3
    assert n[("theft", "Unknown location")] == 1
    for cat in ("burglary", "theft"):
        assert table.loc[table.category == cat, "share"].sum() == pytest.approx(1.0)
    assert table["n"].sum() == 8


def test_area_counts_by_recency_with_missing_values():
    table = area_counts(_toy_incidents(), squares(), level="cell", by=["recency"])
    assert table["recency"].cat.categories.tolist() == ["recent", "non-recent", NOT_RECORDED]
    per = table.groupby("recency", observed=True)["n"].sum()
    assert per.to_dict() == {"recent": 6, "non-recent": 1, NOT_RECORDED: 1}


def test_area_counts_two_by_columns():
    table = area_counts(_toy_incidents(), squares(), level="zone", by=["category", "recency"])
    assert len(table) == 3 * 3 * 3
    assert table["n"].sum() == 8
    sub = table[(table.category == "theft") & (table.recency == "recent")]
    assert sub["n"].tolist() == [1, 2, 1]


def test_area_counts_financial_year():
    with pytest.warns(DataQualityWarning, match="1 incidents have no date in column "
                                                "'occurred' and are left out of the table for "
                                                "2018/19"):
        table = area_counts(_toy_incidents(), squares(), level="cell", period="2018/19")
    # in 2018/19 (1 Apr 2018 to 31 Mar 2019): rows 0, 1, 3, 4, 5
    assert table["n"].tolist() == [1, 0, 2, 0, 1, 1]
    attrs = table.attrs["hotspots"]
    assert attrs["period"] == "2018/19"
    assert attrs["n_total"] == 5
    assert attrs["n_excluded_no_date"] == 1
    assert attrs["n_outside_period"] == 2
    assert attrs["n_input"] == 8
    assert table["share"].sum() == pytest.approx(1.0)


@pytest.mark.parametrize("period", [2018, "2018", ("2018-01", "2018-12"), "2018-01:2018-12"])
def test_area_counts_calendar_year_forms(period):
    with pytest.warns(DataQualityWarning):
        table = area_counts(_toy_incidents(), squares(), level="cell", period=period)
    assert table["n"].sum() == 4  # 2018-04, 06, 07, 08


def test_area_counts_uses_existing_assignment():
    areas = squares()
    assigned = assign_areas(_toy_incidents(), areas)
    # a stale label would be used if present: prove the columns are read, not recomputed
    assigned["cell"] = assigned["cell"].cat.set_categories(assigned["cell"].cat.categories)
    assert_frame_equal(area_counts(assigned, areas, level="cell"),
                       area_counts(_toy_incidents(), areas, level="cell"))
    moved = assigned.copy()
    moved.loc[0, "cell"] = "D"
    assert area_counts(moved, areas, level="cell")["n"].tolist()[:4] == [1, 1, 1, 2]


def test_area_counts_errors():
    areas = squares()
    with pytest.raises(ValueError, match="must name levels of 'squares'"):
        area_counts(_toy_incidents(), areas)  # default level "constituency"
    with pytest.raises(ValidationError, match=r"names the column 'offence'.*Columns found"):
        area_counts(_toy_incidents(), areas, level="cell", by="offence")
    with pytest.raises(ValidationError, match="needs the date column 'when'"):
        area_counts(_toy_incidents(), areas, level="cell", period="2018", time="when")


def test_area_counts_population_rates(shared_file, bradford_areas):
    pop = pd.read_csv(shared_file(POPULATION))
    pop_series = pd.Series(pop["2022 estimate"].to_numpy(), index=pop["WD23CD"])
    rng = np.random.default_rng(7)
    wards = bradford_areas["ward"]
    pts = shapely.get_coordinates(
        wards.geometry.representative_point().repeat(rng.integers(0, 4, len(wards))).values)
    inc = incidents([tuple(p) for p in pts] + [None])
    table = area_counts(inc, bradford_areas, level="ward", population=pop_series)
    assert list(table.columns) == ["area_id", "area_name", "n", "share", "population",
                                   "rate_per_1000"]
    baildon = table.loc[table.area_name == "Baildon"].iloc[0]
    assert baildon["population"] == 16202
    assert baildon["rate_per_1000"] == pytest.approx(1000 * baildon["n"] / 16202)
    areas_rows = table.iloc[:30]
    assert np.allclose(areas_rows["rate_per_1000"],
                       1000 * areas_rows["n"] / areas_rows["population"])
    assert table.iloc[30:]["population"].isna().all()
    assert table.iloc[30:]["rate_per_1000"].isna().all()
    # the same from a DataFrame and from a boundary column
    frame = pop.rename(columns={"WD23CD": "area_id", "2022 estimate": "population"})
    assert_frame_equal(area_counts(inc, bradford_areas, level="ward", population=frame), table)
    levels = bradford_areas.levels
    levels["ward"] = levels["ward"].merge(frame[["area_id", "population"]], on="area_id")
    with_col = AreaSet(levels, name=bradford_areas.name, vintage=bradford_areas.vintage)
    assert_frame_equal(area_counts(inc, with_col, level="ward", population="population"),
                       table)
    # a missing ward is reported, not guessed
    with pytest.warns(DataQualityWarning, match=r"No usable population for 1 ward\(s\) "
                                                r"\(Baildon\)"):
        partial = area_counts(inc, bradford_areas, level="ward", population=pop_series.iloc[1:])
    assert np.isnan(partial.loc[partial.area_name == "Baildon", "rate_per_1000"].iloc[0])


def test_area_counts_suppress(bradford_areas):
    inc = incidents([(416000, 433000)] * 3 + [(416000, 433000 + 5000)] * 40 + [None] * 2)
    table = area_counts(inc, bradford_areas, level="constituency", suppress=5)
    assert "suppressed" in table.columns
    shown = dict(zip(table["area_name"], table["n_display"], strict=True))
    assert list(shown.values()).count("<5") == 2  # the 3 and the 2 unknowns
    # n stays numeric: hidden cells are <NA>, so the shown counts still add up
    assert str(table["n"].dtype) == "Int64"
    assert int(table["n"].sum()) == 40
    assert table.attrs["hotspots"]["suppression"]["k"] == 5
    assert table.attrs["hotspots"]["level"] == "constituency"


# --- higher levels derived from the lowest when the levels nest (issue 12) -----------------------
def test_nested_levels_derive_the_constituency_from_the_ward(bradford_areas):
    rng = np.random.default_rng(12)
    x0, y0, x1, y1 = bradford_areas.outline.bounds
    inc = incidents(list(zip(rng.uniform(x0, x1, 20_000), rng.uniform(y0, y1, 20_000),
                             strict=True)))
    out = assign_areas(inc, bradford_areas, allow_outside=True)
    method = out.attrs["hotspots"]["assign"]["method"]
    assert method == {"ward": "polygons",
                      "constituency": "from ward through the lookup (the levels nest)"}
    # every incident's constituency is its ward's constituency in the lookup
    lookup = bradford_areas.lookup.set_index("ward")["constituency"].astype(str)
    in_ward = out["ward"].astype(str).isin(lookup.index)
    expected = out.loc[in_ward, "ward"].astype(str).map(lookup)
    assert (out.loc[in_ward, "constituency"].astype(str) == expected).all()
    assert (out.loc[~in_ward, "constituency"] == "Outside district").all()
    # so the ward table adds up exactly to the constituency table
    wards = area_counts(out, bradford_areas, level="ward")
    pcons = area_counts(out, bradford_areas, level="constituency")
    by_pcon = (wards.iloc[:-2].assign(pcon=lambda t: t["area_name"].map(lookup))
               .groupby("pcon")["n"].sum())
    assert by_pcon.to_dict() == pcons.iloc[:-2].set_index("area_name")["n"].to_dict()
    assert wards["n"].iloc[-2:].tolist() == pcons["n"].iloc[-2:].tolist()
    # and only points where the two generalised polygon sets disagree (near edges) move
    own = bradford_areas.locate(inc.geometry.x.to_numpy(), inc.geometry.y.to_numpy(),
                                level="constituency")
    names = np.append(bradford_areas["constituency"]["area_name"].to_numpy(object),
                      "Outside district")
    moved = names[np.where(own >= 0, own, -1)] != out["constituency"].astype(str).to_numpy()
    assert 0 < moved.sum() < 0.002 * len(inc)


def test_a_level_asked_alone_is_still_derived_from_the_lowest(bradford_areas):
    inc = incidents([(416_600.0, 432_700.0), (100.0, 100.0)])
    out = assign_areas(inc, bradford_areas, levels="constituency", allow_outside=True)
    assert "ward" not in out.columns
    assert out["constituency"].tolist() == ["Bradford West", "Outside district"]
    assert out.attrs["hotspots"]["assign"]["method"]["constituency"].startswith("from ward")


def test_levels_that_do_not_nest_use_their_own_polygons(city_areas):
    out = assign_areas(incidents([(532450, 181400)]), city_areas)
    assert out.attrs["hotspots"]["assign"]["method"] == {"ward": "polygons",
                                                          "constituency": "polygons"}
    squares_out = assign_areas(incidents([(15, 5)]), squares())
    assert squares_out.attrs["hotspots"]["assign"]["method"]["zone"] == "polygons"


def test_reprojection_is_recorded(bradford_areas):
    inc = gpd.GeoDataFrame(geometry=[Point(-1.7527, 53.7920)], crs="EPSG:4326")
    assert assign_areas(inc, bradford_areas).attrs["hotspots"]["assign"][
        "reprojected_from"] == "EPSG:4326"
    bng = assign_areas(inc.to_crs(27700), bradford_areas)
    assert bng.attrs["hotspots"]["assign"]["reprojected_from"] is None


def test_ids_are_strings_and_the_output_shares_no_writes_with_the_input():
    areas = squares()
    inc = incidents([(5, 5), (15, 15), None, (50, 50)], note=["a", "b", "c", "d"])
    inc["cell_id"] = pd.array(["old"] * 4, dtype="string")  # replaced, not written into
    before = inc.copy(deep=True)
    out = assign_areas(inc, areas, allow_outside=True)
    assert out["cell_id"].dtype == pd.StringDtype()
    assert out["cell_id"].tolist() == ["Q2", "Q3", pd.NA, pd.NA]
    assert out["zone_id"].tolist() == [pd.NA, "Z1", pd.NA, pd.NA]
    out.loc[0, "note"] = "changed"
    out["cell_id"] = "x"
    assert_frame_equal(inc, before)


def test_rows_sharing_a_point_object_get_the_answer_of_separate_points(monkeypatch):
    # police.uk as read: one Point object per snap point, shared by all its incidents
    import hotspots.areas.assign as assign_module

    rng = np.random.default_rng(8)
    snaps = np.r_[shapely.points(rng.uniform(-5, 45, (300, 2))),
                  [Point(10, 10), Point(10, 5), Point(20, 15), Point(40, 20)]]
    pick = rng.integers(0, len(snaps), 70_000)
    shared = gpd.GeoDataFrame(geometry=snaps[pick], crs="EPSG:27700")
    shared.loc[::1000, "geometry"] = Point()
    separate = gpd.GeoDataFrame(geometry=shapely.from_wkb(shapely.to_wkb(shared.geometry)),
                                crs="EPSG:27700")
    looked_up = []
    real = assign_module._level_positions
    monkeypatch.setattr(assign_module, "_level_positions",
                        lambda a, c, x, y: looked_up.append(len(x)) or real(a, c, x, y))
    areas = squares()
    got = assign_areas(shared, areas, allow_outside=True)
    want = assign_areas(separate, areas, allow_outside=True)
    labels = ["cell_id", "cell", "zone_id", "zone"]
    assert list(got.columns) == list(want.columns) == ["geometry", *labels]
    for col in labels:  # Series.equals: vectorised (assert_frame_equal boxes categoricals)
        assert got[col].dtype == want[col].dtype
        assert got[col].equals(want[col])
    assert got.attrs == want.attrs
    assert got["cell"].value_counts()["Outside district"] > 0
    assert got["zone_id"].notna().sum() > 10_000
    # the separate copies are looked up one by one; the shared objects once each (when the
    # reading of the frame groups them, hotspots.located.LocatedPoints.groups)
    assert looked_up[1] == len(shared) - 70
    if getattr(located_points(shared, reproject=True), "groups", None) is not None:
        assert looked_up[0] <= len(snaps) + 1
