"""The one reading of an incident frame (hotspots.located)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import Point, box

from hotspots._params import validate_params
from hotspots.errors import CRSError, DataQualityWarning, ValidationError
from hotspots.located import LocatedPoints, check_measurable_crs, located_points, row_numbers


def frame(points, crs="EPSG:27700", **cols):
    return gpd.GeoDataFrame(cols, geometry=list(points), crs=crs)


def test_located_rows_are_points_with_status_not_unknown():
    inc = frame([Point(1, 2), Point(3, 4), None, Point(), Point(7, 8)],
                location_status=pd.Categorical(
                    ["located", "unknown", None, None, "located"],
                    categories=["located", "unknown"]))
    pts = located_points(inc)
    assert pts.x.tolist() == [1.0, 7.0]
    assert pts.y.tolist() == [2.0, 8.0]
    assert pts.positions.tolist() == [0, 4]
    assert pts.positions.dtype == np.int64
    assert (pts.n_rows, pts.n_located, pts.n_unknown) == (5, 2, 3)
    assert pts.located_mask().tolist() == [True, False, False, False, True]
    assert pts.weights is None
    assert pts.reprojected_from is None
    assert pts.crs == inc.crs


def test_missing_status_with_a_point_counts_as_located():
    inc = frame([Point(1, 2), Point(3, 4)], location_status=["located", None])
    assert located_points(inc).positions.tolist() == [0, 1]


def test_located_status_without_geometry_warns_with_rows():
    inc = frame([Point(1, 2), Point(), None], location_status=["located"] * 3,
                source_row=[10, 11, 12])
    with pytest.warns(DataQualityWarning,
                      match=r"2 rows have location_status 'located' but no geometry.*\(11, 12\)"):
        pts = located_points(inc)
    assert pts.positions.tolist() == [0]


def test_non_finite_points_are_unknown_with_a_warning():
    inc = frame([Point(1, 2), Point(np.nan, np.nan), Point(5, np.inf)])
    with pytest.warns(DataQualityWarning, match=r"2 points have non-finite.*rows \(3, 4\)"):
        pts = located_points(inc)
    assert pts.positions.tolist() == [0]
    assert pts.n_unknown == 2


def test_non_points_are_one_error_code_with_spreadsheet_rows():
    inc = frame([Point(0, 0), box(0, 0, 1, 1), shapely.MultiPoint([(0, 0), (1, 1)])],
                source_row=[5, 6, 8])
    with pytest.raises(ValidationError, match="not a point") as err:
        located_points(inc)
    problem = err.value.problems[0]
    assert (problem.code, problem.n_rows, problem.rows, problem.column) == (
        "not_point", 2, (6, 8), "geometry")
    assert "MultiPoint, Polygon" in problem.message


def test_a_non_point_marked_unknown_is_not_an_error():
    inc = frame([Point(0, 0), box(0, 0, 1, 1)], location_status=["located", "unknown"])
    assert located_points(inc).positions.tolist() == [0]


def test_weights_are_read_at_located_rows_and_checked():
    inc = frame([Point(0, 0), Point(), Point(2, 2)], weight=[2.0, np.nan, 3.5])
    assert located_points(inc, weights="weight").weights.tolist() == [2.0, 3.5]
    bad = frame([Point(0, 0), Point(1, 1), Point(2, 2)], weight=[1, -1, "x"])
    with pytest.raises(ValidationError, match="weights must be finite") as err:
        located_points(bad, weights="weight")
    problem = err.value.problems[0]
    assert (problem.code, problem.rows, problem.column) == ("bad_weight", (3, 4), "weight")
    with pytest.raises(ValidationError, match="no column 'harm'") as err:
        located_points(bad, weights="harm")
    assert err.value.problems[0].code == "missing_column"
    with pytest.raises(ValidationError, match="names no column"):
        located_points(bad.geometry, weights="weight")


@pytest.mark.parametrize(("crs", "code", "words"), [
    ("EPSG:4326", "not_projected", "longitude/latitude in degrees"),
    ("EPSG:2249", "not_projected", "not metres"),  # Massachusetts state plane, US feet
    ("EPSG:3857", "web_mercator", "Web Mercator"),
])
def test_measuring_refuses_crs_not_in_metres(crs, code, words):
    inc = frame([Point(416_000, 433_000)]).to_crs(crs)
    with pytest.raises(CRSError, match=rf"{crs}.*{words}.*incidents\.to_crs\('EPSG:27700'\)"
                       ) as err:
        located_points(inc)
    assert err.value.problems[0].code == code


def test_missing_crs_is_refused_whatever_the_purpose():
    inc = gpd.GeoDataFrame(geometry=[Point(1, 1)])
    for reproject in (False, True):
        with pytest.raises(CRSError, match="no coordinate reference system") as err:
            located_points(inc, reproject=reproject)
        assert err.value.problems[0].code == "missing_crs"


def test_other_metre_crs_stays_in_its_own_crs_when_measuring():
    inc = frame([Point(416_000, 433_000)]).to_crs("EPSG:32630")  # UTM 30N, metres
    pts = located_points(inc)
    assert pts.crs == inc.crs
    assert pts.reprojected_from is None
    assert pts.x[0] == inc.geometry.x.iloc[0]


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:3857", "EPSG:32630"])
def test_locating_reprojects_to_bng_exactly_as_to_crs(crs):
    bng = frame([Point(416_123.5, 433_456.25), Point(), Point(401_000, 450_000)])
    inc = bng.to_crs(crs)
    pts = located_points(inc, reproject=True)
    back = inc.to_crs(27700).geometry.iloc[[0, 2]]
    np.testing.assert_allclose(pts.x, back.x, rtol=0, atol=1e-6)
    np.testing.assert_allclose(pts.y, back.y, rtol=0, atol=1e-6)
    assert (pts.crs, pts.reprojected_from, pts.positions.tolist()) == (
        "EPSG:27700", crs, [0, 2])


def test_bng_is_not_reprojected_and_coordinates_are_exact():
    pts = located_points(frame([Point(416_123.5, 433_456.25)]), reproject=True)
    assert pts.reprojected_from is None
    assert pts.x.tolist() == [416_123.5]


def test_geoseries_and_empty_frames_and_wrong_types():
    pts = located_points(gpd.GeoSeries([Point(1, 1), None], crs=27700))
    assert pts.positions.tolist() == [0]
    empty = located_points(frame([]))
    assert (empty.n_rows, empty.n_located, empty.x.size) == (0, 0, 0)
    with pytest.raises(TypeError, match="must be a GeoDataFrame of incidents"):
        located_points(pd.DataFrame({"x": [1]}))


def test_messages_name_the_verb_the_user_called():
    @validate_params({})
    def hotspot_demo(data):
        return located_points(data)

    with pytest.raises(TypeError, match="parameter of hotspot_demo must be"):
        hotspot_demo([1, 2])
    with pytest.warns(DataQualityWarning, match=r"^hotspot_demo: 1 points have non-finite"):
        hotspot_demo(frame([Point(np.nan, 1)]))
    with pytest.raises(ValidationError, match=r"^hotspot_demo: "):
        hotspot_demo(frame([box(0, 0, 1, 1)]))


def test_row_numbers_use_source_row_only_when_every_listed_row_has_one():
    df = pd.DataFrame({"source_row": pd.array([7, None, 12], dtype="Int64")})
    assert row_numbers(df, [0, 2]) == (7, 12)
    assert row_numbers(df, [0, 1]) == (2, 3)  # one unknown: the frame's own rows
    assert row_numbers(None, np.arange(10)) == (2, 3, 4, 5, 6)
    assert row_numbers(pd.DataFrame({"a": range(9)}), [8, 1], limit=1) == (10,)


def test_check_measurable_crs_accepts_bng_and_names_the_variable():
    check_measurable_crs(27700)
    with pytest.raises(CRSError, match=r"The CRS of clip is EPSG:3857.*clip\.to_crs"):
        check_measurable_crs("EPSG:3857", name="clip")


def test_located_points_is_frozen():
    pts = located_points(frame([Point(1, 1)]))
    assert isinstance(pts, LocatedPoints)
    with pytest.raises(AttributeError):
        pts.n_rows = 3  # type: ignore[misc]


# --- repeated Point objects (police.uk snap points, issue 16) -------------------------------
def _per_row(values):
    """The plain reading, one row at a time: x, y of the non-empty points, else NaN."""
    x = np.array([g.x if isinstance(g, Point) and not g.is_empty else np.nan for g in values])
    y = np.array([g.y if isinstance(g, Point) and not g.is_empty else np.nan for g in values])
    return x, y


@pytest.mark.parametrize("with_empty", [False, True])
def test_repeated_point_objects_are_read_once_and_give_the_same_points(with_empty):
    from hotspots._point_reading import _SAMPLE

    rng = np.random.default_rng(5)
    snap = shapely.points(rng.uniform(0, 5000, (300, 2)))
    values = snap[rng.integers(0, snap.size, 6 * _SAMPLE)]
    values[[3, 40_000]] = None
    values[7] = Point(np.nan, 2.0)  # a point, but not a usable location
    if with_empty:
        values[[11, 50_000]] = Point()  # GEOS refuses get_x on these: the long way round
    with pytest.warns(DataQualityWarning, match=r"1 points have non-finite.*rows \(9,\)"):
        pts = located_points(gpd.GeoSeries(values, crs=27700))
    assert pts.groups is not None  # the objects were grouped ...
    x, y = _per_row(values)
    ok = np.isfinite(x) & np.isfinite(y)
    np.testing.assert_array_equal(pts.positions, np.flatnonzero(ok))
    np.testing.assert_array_equal(pts.x, x[ok])  # ... and read exactly as row by row
    np.testing.assert_array_equal(pts.y, y[ok])
    assert pts.n_unknown == (5 if with_empty else 3)
    # rows of one group hold one object, so one location
    same = pts.groups[:, None] == pts.groups[None, :2000]
    assert (pts.x[:, None] == pts.x[None, :2000])[same].all()


def test_distinct_point_objects_are_not_grouped_and_a_polygon_is_still_refused():
    rng = np.random.default_rng(6)
    values = shapely.points(rng.uniform(0, 5000, (5 * 16_384, 2)))
    pts = located_points(gpd.GeoSeries(values, crs=27700))
    assert pts.groups is None
    np.testing.assert_array_equal(pts.x, shapely.get_x(values))
    repeated = np.concatenate([values[:100]] * 1000)
    repeated[123] = box(0, 0, 1, 1)  # its x reads NaN: its type is checked, so refused
    with pytest.raises(ValidationError, match="not a point"):
        located_points(gpd.GeoSeries(repeated, crs=27700))
