"""AreaSet: levels, sorting, validation, lookup and nesting (was part of test_areas.py)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pandas.testing import assert_frame_equal
from shapely import box

from hotspots.areas import AreaSet
from hotspots.errors import CRSError, DataQualityWarning, ValidationError

from ._helpers import LOOKUP, squares


# --- AreaSet -------------------------------------------------------------------------------------
def test_areaset_sorts_by_name_and_keeps_ids():
    areas = squares()
    assert areas.level_names == ["cell", "zone"]
    frame = areas["cell"]
    assert frame["area_name"].tolist() == ["A", "B", "C", "D"]
    assert frame["area_id"].tolist() == ["Q3", "Q1", "Q2", "Q4"]
    assert isinstance(frame.index, pd.RangeIndex)
    assert list(frame.columns) == ["area_id", "area_name", "geometry"]
    assert areas.outline.equals(box(0, 0, 20, 20))
    assert "cell" in areas
    assert len(areas) == 2
    text = repr(areas)
    assert "AreaSet 'squares' (vintage test, EPSG:27700)" in text
    assert "cell -> zone: not nested (2 cell areas not within one zone, 1 zone areas reach " \
           "beyond)" in text
    assert "<table>" in areas._repr_html_()


def test_areaset_getitem_returns_a_copy():
    areas = squares()
    frame = areas["cell"]
    frame.loc[0, "area_name"] = "changed"
    assert areas["cell"]["area_name"].iloc[0] == "A"
    with pytest.raises(KeyError, match="'ward' is not a level of the boundary set 'squares'"):
        areas["ward"]


def test_lookup_and_nesting_of_squares():
    areas = squares()
    lookup = areas.lookup
    assert list(lookup.columns) == ["cell_id", "cell", "zone_id", "zone", "zone_overlap"]
    # east cells lie in the zone; west cells only touch it along x = 10 (zero overlap)
    got = dict(zip(lookup["cell"], lookup["zone"].astype(object), strict=True))
    assert got == {"A": "East", "B": "East", "C": pd.NA, "D": pd.NA}
    assert lookup["zone_overlap"].tolist() == [1.0, 1.0, 0.0, 0.0]
    nesting = areas.nesting.iloc[0]
    assert nesting["n_not_within"] == 2  # C and D lie in no zone
    assert nesting["n_beyond"] == 1
    assert nesting["min_coverage"] == pytest.approx(200 / 600)
    assert not areas.nests


def test_areaset_reprojects_and_repairs(caplog):
    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    frame = gpd.GeoDataFrame({"area_id": ["B"], "area_name": ["Bow"]}, geometry=[bowtie],
                             crs="EPSG:27700")
    with pytest.warns(DataQualityWarning, match=r"repaired 1 invalid polygon.*\(B;"):
        areas = AreaSet({"ward": frame}, name="t", vintage="1")
    geom = areas["ward"].geometry.iloc[0]
    assert geom.is_valid
    assert geom.area == pytest.approx(50.0)
    lonlat = gpd.GeoDataFrame({"area_id": ["X"], "area_name": ["X"]},
                              geometry=[box(-1.76, 53.79, -1.75, 53.80)], crs="EPSG:4326")
    areas = AreaSet({"ward": lonlat}, name="t", vintage="1")
    x0, y0, _, _ = areas["ward"].total_bounds
    assert areas["ward"].crs.to_epsg() == 27700
    assert 415_000 < x0 < 417_000
    assert 432_000 < y0 < 434_000


def test_areaset_validation_errors():
    base = gpd.GeoDataFrame({"area_id": ["A", "A"], "area_name": ["x", "y"]},
                            geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:27700")
    with pytest.raises(ValidationError, match=r"1 area ids occur more than once \(A\)"):
        AreaSet({"ward": base}, name="t", vintage="1")
    with pytest.raises(CRSError, match="no coordinate reference system"):
        AreaSet({"ward": base.set_crs(None, allow_override=True)}, name="t", vintage="1")
    with pytest.raises(ValidationError, match=r"needs the columns 'area_id' and 'area_name'.*"
                                              r"Columns found: code"):
        AreaSet({"ward": base.rename(columns={"area_id": "code"}).drop(columns="area_name")},
                name="t", vintage="1")
    with pytest.raises(ValueError, match="'category' cannot be a level name"):
        AreaSet({"category": base}, name="t", vintage="1")
    empty = base.iloc[:1].copy()
    empty["geometry"] = [shapely.Polygon()]
    with pytest.raises(ValidationError, match="have no geometry"):
        AreaSet({"ward": empty}, name="t", vintage="1")


def test_duplicate_names_get_ids():
    frame = gpd.GeoDataFrame({"area_id": ["E2", "E1"], "area_name": ["Park", "Park"]},
                             geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:27700")
    areas = AreaSet({"ward": frame}, name="t", vintage="1")
    assert areas["ward"]["area_name"].tolist() == ["Park (E1)", "Park (E2)"]


def test_from_frames_detects_ons_fields(boundaries_dir):
    wards = gpd.read_file(boundaries_dir / "bradford-wards-2013.geojson")
    pcons = gpd.read_file(boundaries_dir / "bradford-constituencies-2013.geojson")
    areas = AreaSet.from_frames(ward=wards, constituency=pcons, name="b", vintage="2013")
    assert len(areas["ward"]) == 30
    assert len(areas["constituency"]) == 5
    assert "WD13CDO" in areas["ward"].columns  # other columns are kept
    with pytest.raises(ValidationError, match="no column 'NAME'"):
        AreaSet.from_frames(ward=wards, name_fields="NAME")


# --- Bradford lookup -----------------------------------------------------------------------------
def test_bradford_lookup_matches_centroid_lookup(shared_file, bradford_areas):
    lookup = bradford_areas.lookup
    assert len(lookup) == 30
    assert lookup["ward_id"].is_unique
    assert lookup["constituency_id"].notna().all()
    assert (lookup["constituency_overlap"] > 0.99).all()
    ref = pd.read_csv(shared_file(LOOKUP))
    pairs = ref[["WD13CD", "PCON_CD"]].drop_duplicates()
    assert pairs["WD13CD"].is_unique  # each ward in one constituency there too
    expected = dict(zip(pairs["WD13CD"], pairs["PCON_CD"], strict=True))
    got = dict(zip(lookup["ward_id"], lookup["constituency_id"], strict=True))
    assert got == expected
    assert bradford_areas.nesting.iloc[0]["nests"]


def test_given_lookup_is_used_and_checked(shared_file, bradford_areas):
    ref = pd.read_csv(shared_file(LOOKUP))
    pairs = ref[["WD13CD", "PCON_CD"]].drop_duplicates().rename(
        columns={"WD13CD": "ward_id", "PCON_CD": "constituency_id"})
    areas = AreaSet(bradford_areas.levels, name="b", vintage="2013", lookup=pairs)
    assert_frame_equal(areas.lookup, bradford_areas.lookup)
    bad = pairs.copy()
    bad.loc[bad.index[0], "constituency_id"] = "E14999999"
    with pytest.raises(ValidationError, match="1 constituency ids that are not in the "
                                              "boundaries: E14999999"):
        AreaSet(bradford_areas.levels, name="b", vintage="2013", lookup=bad)
    with pytest.raises(ValidationError, match="misses 1 ward ids"):
        AreaSet(bradford_areas.levels, name="b", vintage="2013", lookup=pairs.iloc[1:])
