"""Located points of an incident frame for the grid verbs (grid/points.py)."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from hotspots import hotspot_kde
from hotspots.errors import DataQualityWarning, ValidationError
from hotspots.grid.points import incident_points


def test_unknown_missing_and_empty_rows_are_counted_not_used(make_incidents):
    frame = make_incidents([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], n_unknown=2)
    frame.loc[4, "geometry"] = None  # missing, and said unknown
    frame.loc[1, "location_status"] = "unknown"  # a point, but the status wins
    pts = incident_points(frame)
    assert pts.x.tolist() == [1.0, 5.0]
    assert pts.y.tolist() == [2.0, 6.0]
    assert pts.positions.tolist() == [0, 2]
    assert (pts.n_rows, pts.n_unknown) == (5, 3)


def test_non_finite_points_warn_with_rows_and_weights_follow_the_rows(make_incidents):
    frame = make_incidents([[1.0, 2.0], [np.inf, 4.0], [5.0, 6.0]], weight=[2.0, 3.0, 4.0])
    with pytest.warns(DataQualityWarning, match=r"non-finite coordinates.*rows \(3,\)"):
        pts = incident_points(frame, weights="weight", caller="hotspot_count")
    assert pts.positions.tolist() == [0, 2]
    assert pts.weights.tolist() == [2.0, 4.0]


def test_a_located_polygon_is_an_error_naming_the_verb():
    s = gpd.GeoSeries([shapely.Point(0, 0), shapely.box(0, 0, 1, 1)], crs=27700)
    with pytest.raises(ValidationError, match="not a point") as err:
        hotspot_kde(gpd.GeoDataFrame(geometry=s), cell_size=1, bandwidth=1)
    assert err.value.problems[0].code == "not_point"
    assert "hotspot_kde" in str(err.value)


def test_anything_but_a_geo_frame_is_a_type_error():
    with pytest.raises(TypeError, match="GeoDataFrame"):
        incident_points([shapely.Point(0, 0)])
