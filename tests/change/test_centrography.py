"""centre_shift: mean centre, standard distance and ellipse against pointpats; the shift."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots import schema
from hotspots.change.centrography import COMPASS_POINTS, centre_shift
from hotspots.errors import CRSError

_spec = importlib.util.spec_from_file_location("toy_change", Path(__file__).with_name(
    "test_change.py"))
_toy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_toy)

# The 11 points of pointpats' centrography docstrings (ANCHORS b3 test vector).
POINTS = np.array([[66.22, 32.54], [22.52, 22.39], [31.01, 81.21], [9.47, 31.02],
                   [30.78, 60.10], [75.21, 58.93], [79.26, 7.68], [8.23, 39.93],
                   [98.73, 77.17], [89.78, 42.53], [65.19, 92.08]])
ORIGIN = np.array([400_000.0, 430_000.0])


def frame(before_xy, after_xy, **columns):
    xy = np.vstack([before_xy, after_xy])
    dates = ["2018-06-01"] * len(before_xy) + ["2019-06-01"] * len(after_xy)
    out = gpd.GeoDataFrame({schema.OCCURRED: pd.to_datetime(dates)},
                           geometry=shapely.points(xy), crs="EPSG:27700")
    for name, values in columns.items():
        out[name] = values
    return out


def test_anchor_vector_on_pointpats_points():
    # ANCHORS b3: ellipse (50.1303, 37.9522, 0.34656 rad), std_distance 40.2158
    inc = frame(POINTS + ORIGIN, POINTS + ORIGIN)
    row = centre_shift(inc, before=2018, after=2019).centres.iloc[0]
    assert row["sde_major"] == pytest.approx(50.1303, abs=5e-5)
    assert row["sde_minor"] == pytest.approx(37.9522, abs=5e-5)
    assert row["sde_rotation"] == pytest.approx(0.34656, abs=5e-6)
    assert row["std_distance"] == pytest.approx(40.2158, abs=5e-5)
    # the major axis points 19.86 degrees north of east: 70.14 degrees clockwise from north
    assert row["sde_azimuth"] == pytest.approx(90 - np.degrees(0.3465582095042642))


@pytest.mark.reference
def test_matches_pointpats_centrography():
    centrography = pytest.importorskip("pointpats.centrography")
    rng = np.random.default_rng(7)
    before = rng.normal(size=(60, 2)) * [300, 120] + ORIGIN
    after = rng.normal(size=(45, 2)) @ np.array([[200, 80], [0, 150]]) + ORIGIN + [500, -200]
    res = centre_shift(frame(before, after), before=2018, after=2019)
    for i, pts in enumerate((before, after)):
        row = res.centres.iloc[i]
        mx, my = centrography.mean_center(pts)
        assert row["mean_x"] == pytest.approx(mx, rel=1e-12)
        assert row["mean_y"] == pytest.approx(my, rel=1e-12)
        # pointpats computes sum(x^2)/n - mean^2, which loses ~9 digits at BNG magnitudes;
        # on coordinates relative to the origin the two agree to rounding
        assert row["std_distance"] == pytest.approx(centrography.std_distance(pts), rel=1e-6)
        assert row["std_distance"] == pytest.approx(
            centrography.std_distance(pts - ORIGIN), rel=1e-10)
        major, minor, rot = centrography.ellipse(pts)
        assert row["sde_major"] == pytest.approx(major, rel=1e-10)
        assert row["sde_minor"] == pytest.approx(minor, rel=1e-10)
        assert row["sde_rotation"] == pytest.approx(rot, rel=1e-10)
        ref_poly = centrography.ellipse(gpd.GeoSeries(shapely.points(pts)))
        ours = res.ellipses.geometry.iloc[i]
        assert ours.symmetric_difference(ref_poly).area < 1e-6 * ref_poly.area
        assert res.centres.geometry.iloc[i].equals(shapely.Point(mx, my))


def test_n_std_scales_the_ellipse_only():
    inc = frame(POINTS + ORIGIN, POINTS + ORIGIN)
    one = centre_shift(inc, before=2018, after=2019).centres.iloc[0]
    two = centre_shift(inc, before=2018, after=2019, n_std=2).centres.iloc[0]
    assert two["sde_major"] == pytest.approx(2 * one["sde_major"])
    assert two["sde_minor"] == pytest.approx(2 * one["sde_minor"])
    assert two["std_distance"] == pytest.approx(one["std_distance"])


@pytest.mark.parametrize(("dx", "dy", "bearing", "name"), [
    (0, 100, 0, "north"), (100, 100, 45, "north-east"), (100, 0, 90, "east"),
    (100, -100, 135, "south-east"), (0, -100, 180, "south"), (-100, -100, 225, "south-west"),
    (-100, 0, 270, "west"), (-100, 100, 315, "north-west"), (30, 100, 16.699, "north"),
    (100, 30, 73.301, "east"),
])
def test_shift_distance_bearing_and_compass_name(dx, dy, bearing, name):
    res = centre_shift(frame(POINTS + ORIGIN, POINTS + ORIGIN + [dx, dy]),
                       before=2018, after=2019)
    assert res.distance == pytest.approx(np.hypot(dx, dy))
    assert res.bearing == pytest.approx(bearing, abs=1e-3)
    assert res.direction == name
    assert name in COMPASS_POINTS


def test_no_shift_and_too_few_points():
    res = centre_shift(frame(POINTS[:2] + ORIGIN, POINTS[:2] + ORIGIN), before=2018,
                       after=2019)
    assert res.distance == 0
    assert np.isnan(res.bearing)
    assert res.direction == "none"
    row = res.centres.iloc[0]
    assert np.isnan(row["sde_major"])  # the crimestat correction needs 3 points
    assert not np.isnan(row["std_distance"])
    assert res.ellipses.geometry.iloc[0].is_empty


def test_unlocated_incidents_are_counted_not_used():
    inc = frame(POINTS + ORIGIN, POINTS + ORIGIN)
    extra = gpd.GeoDataFrame({schema.OCCURRED: pd.to_datetime(["2018-02-01", "2019-02-01"])},
                             geometry=[shapely.Point(), shapely.Point()], crs="EPSG:27700")
    inc = pd.concat([inc, extra], ignore_index=True)
    res = centre_shift(inc, before=2018, after=2019)
    assert res.centres["n"].tolist() == [11, 11]
    assert res.centres["n_unlocated"].tolist() == [1, 1]
    assert res.centres["period"].tolist() == ["before", "after"]
    assert res.centres["period_label"].tolist() == ["2018", "2019"]


def test_centres_are_placed_in_areas_and_split_by():
    areas = _toy.toy_areas()
    # before around Alpha (x 0-1 km), after around Gamma (x 2-3 km)
    before = POINTS * 5 + ORIGIN + [250, 250]
    after = POINTS * 5 + ORIGIN + [2250, 250]
    cats = ["a"] * 6 + ["b"] * 5
    res = centre_shift(frame(before, after, kind=cats + cats), before=2018, after=2019,
                       areas=areas, by="kind")
    c = res.centres
    assert c.columns.tolist()[:3] == ["kind", "period", "period_label"]
    assert c["ward"].astype(str).tolist() == ["Alpha", "Gamma", "Alpha", "Gamma"]
    assert c["constituency"].astype(str).tolist() == ["North", "South", "North", "South"]
    assert c["ward_id"].tolist() == ["W1", "W3", "W1", "W3"]
    s = res.shift
    assert s["kind"].tolist() == ["a", "b"]
    assert s["from_constituency"].tolist() == ["North", "North"]
    assert s["to_constituency"].tolist() == ["South", "South"]
    assert s["distance"].tolist() == pytest.approx([2000, 2000])
    assert s["direction"].tolist() == ["east", "east"]


def test_needs_projected_crs_and_valid_arguments():
    inc = frame(POINTS + ORIGIN, POINTS + ORIGIN)
    with pytest.raises(ValueError, match="n_std"):
        centre_shift(inc, before=2018, after=2019, n_std=0)
    with pytest.raises(ValueError, match="overlap"):
        centre_shift(inc, before=2018, after=2018)
    with pytest.raises(CRSError):
        centre_shift(inc.to_crs(4326), before=2018, after=2019)


# --- issue 11: far points, the district, the median centre, ellipse coverage ----------------

def test_city_2019_far_points_are_left_out_by_default(city_2018, city_2019, city_areas):
    both = pd.concat([city_2018, city_2019], ignore_index=True)
    every = centre_shift(both, before=2018, after=2019)  # no district: every point counts
    assert every.centres.attrs["hotspots"]["district"] is None
    assert every.centres["std_distance"].iloc[1] == pytest.approx(2457.3, abs=0.1)
    assert every.distance == pytest.approx(21.8, abs=0.05)
    assert every.direction == "north-west"
    # 48 located 2019 crimes lie over 1 km outside the City (one in Derbyshire)
    near = centre_shift(both, before=2018, after=2019, areas=city_areas,
                        outside_tolerance=1000)
    assert near.centres["n_outside"].tolist() == [18, 48]
    assert near.centres["std_distance"].iloc[1] == pytest.approx(758.4, abs=0.1)
    assert near.distance == pytest.approx(7.35, abs=0.01)
    assert near.direction == "south"
    # default: only incidents inside the district
    inside = centre_shift(both, before=2018, after=2019, areas=city_areas)
    assert inside.centres.attrs["hotspots"]["district"] == "outline of areas"
    assert inside.centres.attrs["hotspots"]["outside_tolerance"] == 0.0
    assert inside.centres["n"].tolist() == [7339, 8646]
    assert (inside.centres["n"] + inside.centres["n_outside"]).tolist() == [7943, 9356]
    assert inside.centres["std_distance"].iloc[1] == pytest.approx(722.4, abs=0.1)
    # a boundary given directly is the same district
    same = centre_shift(both, before=2018, after=2019, boundary=city_areas.outline)
    assert same.distance == pytest.approx(inside.distance, rel=1e-12)


def test_median_centre_equals_pointpats_euclidean_median_and_resists_far_points():
    centrography = pytest.importorskip("pointpats.centrography")
    rng = np.random.default_rng(11)
    pts = rng.normal(size=(200, 2)) * [150, 90]
    # snap-point style: many incidents at a few places, and one far outlier
    pts = np.vstack([pts, np.repeat(pts[:3], 30, axis=0), [[90_000.0, -40_000.0]]])
    after = pts + np.array([40.0, 0.0])
    res = centre_shift(frame(pts + ORIGIN, after + ORIGIN), before=2018, after=2019,
                       centre="median")
    ref = np.asarray(centrography.euclidean_median(pts))
    row = res.centres.iloc[0]
    assert abs(row["median_x"] - ORIGIN[0] - ref[0]) < 0.05
    assert abs(row["median_y"] - ORIGIN[1] - ref[1]) < 0.05
    assert res.centres.geometry.iloc[0].equals(shapely.Point(row["median_x"], row["median_y"]))
    # the median moved with the bulk (40 m east); the mean is dragged by the outlier too
    assert res.distance == pytest.approx(40.0, abs=0.01)
    assert res.direction == "east"
    assert res.centres.attrs["hotspots"]["centre"] == "median"
    assert np.hypot(row["mean_x"] - row["median_x"], row["mean_y"] - row["median_y"]) > 300
    # the median of points piled on one location is that location
    heavy = np.vstack([np.repeat([[5.0, 5.0]], 50, axis=0), rng.uniform(-100, 100, (20, 2))])
    r2 = centre_shift(frame(heavy + ORIGIN, heavy + ORIGIN), before=2018, after=2019,
                      centre="median").centres.iloc[0]
    assert (r2["median_x"], r2["median_y"]) == pytest.approx(tuple(ORIGIN + 5.0), abs=1e-6)
    with pytest.raises(ValueError, match="'centre'"):
        centre_shift(frame(pts + ORIGIN, after + ORIGIN), before=2018, after=2019,
                     centre="mode")
    with pytest.raises(ValueError, match="outside_tolerance"):
        centre_shift(frame(pts + ORIGIN, after + ORIGIN), before=2018, after=2019,
                     outside_tolerance=-1)


@pytest.mark.parametrize(("n_std", "coverage"), [(1, 0.632), (2, 0.982), (3, 0.9999)])
def test_ellipse_coverage_is_one_minus_exp_of_minus_n_std_squared(n_std, coverage):
    # bivariate normal, elongated and rotated: the share inside the ellipse
    rng = np.random.default_rng(5)
    pts = rng.normal(size=(60_000, 2)) @ np.array([[300.0, 100.0], [0.0, 120.0]])
    res = centre_shift(frame(pts + ORIGIN, pts[:10] + ORIGIN), before=2018, after=2019,
                       n_std=n_std)
    poly = res.ellipses.geometry.iloc[0]
    share = shapely.contains_xy(poly, *(pts + ORIGIN).T).mean()
    assert share == pytest.approx(coverage, abs=0.006)  # 68/95/99.7% would fail
    assert res.centres.attrs["hotspots"]["ellipse_coverage"] == pytest.approx(
        1 - np.exp(-n_std**2))
