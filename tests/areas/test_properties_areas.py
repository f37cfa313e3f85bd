"""Property tests: no incident is ever lost between assign_areas and area_counts."""

from __future__ import annotations

import functools

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import box

from hotspots.areas import AreaSet, area_counts, assign_areas


@functools.cache
def grid_areas() -> AreaSet:
    """A 3 x 2 block of 10 m squares (level "cell") under two overlapping-the-edge zones.

    Edges sit on whole metres, so integer coordinates land on edges and corners often.
    """
    cells, ids, names = [], [], []
    for i in range(3):
        for j in range(2):
            cells.append(box(10 * i, 10 * j, 10 * i + 10, 10 * j + 10))
            ids.append(f"C{(7 * i + 3 * j) % 6}")  # ids not in position or name order
            names.append(f"cell {i}{j}")
    zone = gpd.GeoDataFrame({"area_id": ["Z2", "Z1"], "area_name": ["west", "east"]},
                            geometry=[box(-5, 0, 15, 20), box(15, -5, 40, 20)],
                            crs="EPSG:27700")
    level = gpd.GeoDataFrame({"area_id": ids, "area_name": names}, geometry=cells,
                             crs="EPSG:27700")
    return AreaSet({"cell": level, "zone": zone}, name="grid", vintage="t")


coordinate = st.one_of(st.integers(-10, 45).map(float),
                       st.floats(-10, 45, allow_nan=False, allow_infinity=False))
point = st.one_of(st.none(), st.tuples(coordinate, coordinate))
rows = st.lists(st.tuples(point, st.sampled_from(["a", "b", None]),
                          st.sampled_from(["located", "unknown"])), max_size=60)


def frame_of(data) -> gpd.GeoDataFrame:
    geoms = [shapely.Point() if p is None else shapely.Point(p) for p, _, _ in data]
    status = ["unknown" if p is None else s for p, _, s in data]
    return gpd.GeoDataFrame(
        {"category": pd.Categorical([c for _, c, _ in data], categories=["a", "b"]),
         "location_status": pd.Categorical(status, categories=["located", "unknown"])},
        geometry=geoms, crs="EPSG:27700")


@settings(max_examples=150, deadline=None)
@given(rows)
def test_no_row_is_lost_between_assign_and_count(data):
    areas = grid_areas()
    inc = frame_of(data)
    # random points over and around the grid: most may fall outside, which is allowed here
    out = assign_areas(inc, areas, allow_outside=True)
    assert len(out) == len(inc)
    for level in areas.level_names:
        assert out[level].notna().all()
        table = area_counts(out, areas, level=level, allow_outside=True)
        assert table["n"].sum() == len(inc)
        unknown = table.loc[table.area_name == "Unknown location", "n"].item()
        assert unknown == int((inc["location_status"] == "unknown").sum())
        by = area_counts(inc, areas, level=level, by="category", allow_outside=True)
        assert by["n"].sum() == len(inc)
        if len(inc):
            assert np.isclose(table["share"].sum(), 1.0)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(coordinate, coordinate), min_size=1, max_size=40))
def test_assignment_matches_brute_force_edge_rule(points):
    areas = grid_areas()
    inc = frame_of([(p, "a", "located") for p in points])
    out = assign_areas(inc, areas, allow_outside=True)
    for level in areas.level_names:
        frame = areas[level]
        for k, p in enumerate(points):
            pt = shapely.Point(p)
            holding = sorted(a for a, g in zip(frame.area_id, frame.geometry, strict=True)
                             if g.intersects(pt))
            got = out[f"{level}_id"].iloc[k]
            assert (got if not pd.isna(got) else None) == (holding[0] if holding else None)
