"""build_grid (grid/build.py): the grid verbs' interface to a new grid."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from hotspots.errors import EmptyDataError
from hotspots.grid.build import build_grid, outline_of
from hotspots.grid.points import incident_points


def test_build_grid_over_a_box_records_its_choices():
    b = build_grid(None, cell_size=250, grid_type="square", clip=shapely.box(0, 0, 1000, 500),
                   compat=None)
    assert b.grid.shape == (2, 4)
    assert len(b.frame) == 8
    assert b.info["cell_size_reason"] == "given"
    assert b.info["cell_size_rule"] is None
    assert b.info["grid_extent"] == "boundary"
    np.testing.assert_array_equal(b.frame["cell_id"].to_numpy(), np.arange(8))


def test_build_grid_over_points_uses_the_buffered_hull_and_the_readable_rule():
    xy = np.array([[0.0, 0.0], [1000.0, 0.0], [0.0, 900.0], [500.0, 500.0]]) + 400_000
    pts = incident_points(gpd.GeoSeries(shapely.points(xy), crs=27700))
    b = build_grid(pts, cell_size=None, grid_type="hex", clip=None, compat=None,
                   caller="hotspot_grid")
    assert b.info["grid_extent"] == "points hull"
    assert b.info["cell_size_rule"] == pytest.approx(18.0)  # 900 m / 50
    assert b.info["cell_size"] == 20.0  # rounded to a readable size
    assert (b.grid.locate(xy[:, 0], xy[:, 1]) >= 0).all()


def test_build_grid_names_the_verb_and_refuses_bad_input():
    with pytest.raises(EmptyDataError, match="hotspot_kde: no incident has a known location"):
        build_grid(None, cell_size=100, grid_type="square", clip=None, compat=None,
                   caller="hotspot_kde")
    with pytest.raises(ValueError, match="'grid_type' parameter of hotspot_kde"):
        build_grid(None, cell_size=100, grid_type="tri", clip=shapely.box(0, 0, 1, 1),
                   compat=None, caller="hotspot_kde")
    with pytest.raises(EmptyDataError, match="no area"):
        build_grid(None, cell_size=1, grid_type="square",
                   clip=shapely.LineString([(0, 0), (1, 1)]), compat=None)


def test_outline_of_a_frame_is_the_union_with_its_crs():
    f = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=27700)
    geom, crs, meta = outline_of(f)
    assert geom.area == pytest.approx(2.0)
    assert crs == f.crs
    assert meta == {}
    with pytest.raises(TypeError, match="clip must be"):
        outline_of("bradford")
