"""The shared map parts in hotspots.maps._base: view bounds and compiled templates."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.maps._base import bounds_of
from hotspots.maps._legend import compiled_template


def _grid(n: int = 40, cell: float = 100.0) -> gpd.GeoDataFrame:
    x, y = np.meshgrid(np.arange(n) * cell + 410_000, np.arange(n) * cell + 425_000)
    return gpd.GeoDataFrame(
        {"n": np.arange(n * n)},
        geometry=shapely.box(x.ravel(), y.ravel(), x.ravel() + cell, y.ravel() + cell),
        crs="EPSG:27700")


def _reference(frame: gpd.GeoDataFrame) -> list[list[float]]:
    """What the view was fitted to before: the frame reprojected whole, then its bounds."""
    west, south, east, north = frame.to_crs("EPSG:4326").total_bounds
    return [[float(south), float(west)], [float(north), float(east)]]


def test_cell_bounds_equal_the_bounds_of_the_reprojected_cells():
    grid = _grid()
    # vertices shared by neighbouring cells are transformed once: the same numbers exactly
    assert bounds_of([grid]) == _reference(grid)
    ring = grid.iloc[[0, 1599]].copy()
    ring.loc[0, "geometry"] = shapely.Polygon(
        [(409_000, 424_000), (416_000, 423_500), (417_000, 431_000), (409_000, 424_000)],
        holes=[[(410_000, 425_000), (411_000, 425_000), (411_000, 426_000)]])
    mercator = grid.to_crs("EPSG:3857")
    assert bounds_of([ring]) == _reference(ring)
    assert bounds_of([mercator]) == _reference(mercator)
    # empty and missing geometries are skipped; an empty frame has no bounds
    holed = grid.copy()
    holed.loc[[3, 4], "geometry"] = [shapely.Polygon(), None]
    assert bounds_of([holed]) == _reference(holed.iloc[[i for i in range(1600)
                                                           if i not in (3, 4)]])
    assert bounds_of([grid.iloc[:0]]) is None


def test_point_bounds_leave_out_far_strays_but_cells_count_whole():
    rng = np.random.default_rng(2)
    x = np.r_[rng.uniform(412_000, 414_000, 200), 600_000.0]
    pts = gpd.GeoDataFrame(geometry=shapely.points(x, rng.uniform(426_000, 428_000, 201)),
                           crs="EPSG:27700")
    (_, _), (_, east) = bounds_of([pts])
    assert east < -1.7  # the stray 190 km east is left out of the view
    (_, _), (_, east_all) = bounds_of([pts.iloc[:-1], pts.iloc[[-1]].buffer(1)])
    assert east_all > 1.0  # as a polygon it counts whole
    lonlat = pts.to_crs("EPSG:4326")
    assert bounds_of([lonlat]) == bounds_of([pts])


def test_templates_are_compiled_once_and_render_their_own_values():
    first = compiled_template("<b>{{ this.value }}</b>")
    assert compiled_template("<b>{{ this.value }}</b>") is first

    class Holder:
        def __init__(self, value: str) -> None:
            self.value = value

    assert first.render(this=Holder("one")) == "<b>one</b>"
    assert first.render(this=Holder("two")) == "<b>two</b>"


def test_js_column_writes_each_cell_as_js_value_does():
    # whole-column conversion (numbers without a type test per cell) must give exactly
    # what js_value gives cell by cell, including NaN, infinities, whole floats, big
    # values, negatives, booleans, nullable and object columns
    from hotspots.maps._layer import js_column, js_value

    columns = [
        pd.Series([1.23456, np.nan, np.inf, -np.inf, 2.0, -3.0, 1e15, 1e16, -0.000123456, 0.5]),
        pd.Series([1, -2, 3_000_000_000], dtype="int64"),
        pd.Series([1, 2], dtype="uint8"),
        pd.Series([True, False]),
        pd.Series([1, None], dtype="Int64"),
        pd.Series(["a", None, "<b>"], dtype=object),
        pd.Series(pd.to_datetime(["2024-01-02", "2024-01-02 10:30", None], format="ISO8601")),
        pd.Series(pd.Categorical(["x", "y", None])),
        pd.Series([np.float32(1.5), np.float32(np.nan)], dtype="float32"),
    ]
    for column in columns:
        want = [js_value(v) for v in column.tolist()]
        got = js_column(column)
        assert got == want, column.dtype
        assert [type(v) for v in got] == [type(v) for v in want], column.dtype
