"""The label raster behind AreaSet.locate (hotspots.areas._locate) against exact tests."""

from __future__ import annotations

import numpy as np
import shapely
from shapely import box

from hotspots.areas._locate import _LabelRaster


def _exact(geoms, ids, x, y):
    """Reference: every polygon holding the point (closed), the smallest id wins."""
    out = np.full(len(x), -1)
    for i, (px, py) in enumerate(zip(x, y, strict=True)):
        hits = [j for j, g in enumerate(geoms) if g.intersects(shapely.Point(px, py))]
        if hits:
            out[i] = min(hits, key=lambda j: ids[j])
    return out


def test_raster_equals_exact_point_in_polygon_including_edges_and_nan():
    rng = np.random.default_rng(5)
    geoms = np.array([box(0, 0, 10, 10), box(10, 0, 20, 10),
                      shapely.Polygon([(0, 10), (20, 10), (10, 25)])], dtype=object)
    ids = ["b", "a", "c"]
    raster = _LabelRaster.build(geoms, ids)
    x = np.r_[rng.uniform(-5, 25, 3000), 10.0, 10.0, 0.0, np.nan, 5.0]
    y = np.r_[rng.uniform(-5, 30, 3000), 5.0, 10.0, 0.0, 5.0, np.nan]
    got = raster.locate(x, y)
    np.testing.assert_array_equal(got, _exact(geoms, ids, x, y))
    # on the shared edge x = 10 the smaller id ("a", position 1) wins; NaN is outside
    assert got[-5:].tolist() == [1, 1, 0, -1, -1]


def test_chunks_give_the_same_answer(monkeypatch):
    import hotspots.areas._locate as locate

    geoms = np.array([box(0, 0, 10, 10), box(10, 0, 20, 10)], dtype=object)
    rng = np.random.default_rng(6)
    x, y = rng.uniform(-1, 21, 1000), rng.uniform(-1, 11, 1000)
    whole = _LabelRaster.build(geoms, ["1", "2"]).locate(x, y)
    monkeypatch.setattr(locate, "_CHUNK", 7)
    np.testing.assert_array_equal(_LabelRaster.build(geoms, ["1", "2"]).locate(x, y), whole)


def test_only_boundary_cells_are_marked():
    raster = _LabelRaster.build(np.array([box(0, 0, 1000, 1000)], dtype=object), ["x"])
    assert 0 < raster.share_marked < 0.05
    assert set(np.unique(raster.lut)) == {-2, -1, 0}
