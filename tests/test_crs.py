"""Tests of hotspots.crs: constants, detection, declared-CRS checks, projection, GB boxes."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from hotspots.crs import (
    BNG,
    GB_BNG_BOUNDS,
    GB_LONLAT_BOUNDS,
    WGS84,
    check_declared_crs,
    detect_crs,
    ensure_bng,
    in_gb_bng,
    in_gb_lonlat,
    is_bng,
    is_geographic,
    is_zero_point,
    normalise_crs,
    to_bng,
)
from hotspots.errors import CRSError, ValidationError

# a few real police.uk snap points in Bradford and the City of London (lon, lat)
LON = np.array([-1.901336, -1.852073, -0.112422, -0.113274])
LAT = np.array([53.800732, 53.820688, 51.515381, 51.516384])


def test_constants():
    assert BNG == "EPSG:27700"
    assert WGS84 == "EPSG:4326"
    assert GB_LONLAT_BOUNDS == (-8.7, 49.8, 1.8, 60.9)
    assert GB_BNG_BOUNDS == (0.0, 0.0, 700_000.0, 1_300_000.0)


def test_detect_lonlat_and_bng():
    assert detect_crs(LON, LAT) == WGS84
    e, n = to_bng(LON, LAT, WGS84)
    assert detect_crs(e, n) == BNG


def test_detect_logs_reason(caplog):
    caplog.set_level("INFO", logger="hotspots.crs")
    detect_crs(LON, LAT)
    assert "EPSG:4326" in caplog.text
    assert "4 of 4" in caplog.text


def test_detect_ignores_nan_and_zero_pairs():
    x = np.r_[LON, np.nan, 0.0]
    y = np.r_[LAT, np.nan, 0.0]
    assert detect_crs(x, y) == WGS84


def test_detect_tolerates_a_minority_outside_gb():
    # one typo in the latitude (153.8): fits neither system; left for the reader to reject
    x = np.r_[LON, -1.7]
    y = np.r_[LAT, 153.8]
    assert detect_crs(x, y) == WGS84


def test_detect_swapped_latlon_message():
    with pytest.raises(CRSError, match="swapped") as info:
        detect_crs(LAT, LON, x_name="Longitude", y_name="Latitude")
    problem = info.value.problems[0]
    assert problem.code == "latlon_swapped"
    assert "x='Latitude', y='Longitude'" in str(info.value)
    assert problem.n_rows == 4
    assert problem.rows == (2, 3, 4, 5)


def test_detect_ambiguous_is_an_error_not_a_guess():
    # Norfolk in lon/lat: longitudes 0..1.8 and latitudes 49.8..60.9 also fit BNG metres
    with pytest.raises(CRSError) as info:
        detect_crs([1.29, 1.30, 0.9], [52.63, 52.62, 52.1])
    assert info.value.problems[0].code == "crs_ambiguous"
    assert "crs='EPSG:4326'" in str(info.value)
    assert "crs='EPSG:27700'" in str(info.value)


def test_detect_mixed_systems():
    x = [-1.90, -1.85, 416_500.0]
    y = [53.80, 53.82, 432_900.0]
    with pytest.raises(CRSError) as info:
        detect_crs(x, y, rows=[10, 11, 12])
    problem = info.value.problems[0]
    assert problem.code == "crs_mixed"
    assert "2 rows look like longitude/latitude (e.g. rows 10, 11)" in problem.message
    assert "1 like British National Grid easting/northing (e.g. row 12)" in problem.message


def test_detect_undetectable_paris():
    with pytest.raises(CRSError) as info:
        detect_crs([2.35, 2.36], [48.85, 48.86])
    assert info.value.problems[0].code == "crs_undetectable"
    assert "2 of 2 coordinate pairs fit neither" in str(info.value)


def test_detect_nothing_to_detect():
    with pytest.raises(CRSError, match="no coordinates to detect"):
        detect_crs([np.nan, 0.0], [np.nan, 0.0])


def test_crs_error_is_a_validation_error_and_value_error():
    with pytest.raises(ValidationError):
        detect_crs(LAT, LON)
    with pytest.raises(ValueError, match="swapped"):
        detect_crs(LAT, LON)


def test_check_declared_lonlat_given_bng_values():
    e, n = to_bng(LON, LAT, WGS84)
    with pytest.raises(CRSError) as info:
        check_declared_crs(e, n, "EPSG:4326", x_name="lon", y_name="lat")
    assert info.value.problems[0].code == "bng_as_lonlat"
    assert "British National Grid easting/northing" in str(info.value)
    assert "crs='EPSG:27700'" in str(info.value)


def test_check_declared_lonlat_swapped():
    with pytest.raises(CRSError, match="swapped"):
        check_declared_crs(LAT, LON, 4326)


def test_check_declared_bng_given_lonlat():
    with pytest.raises(CRSError) as info:
        check_declared_crs(LON, LAT, "EPSG:27700")
    assert info.value.problems[0].code == "lonlat_as_bng"
    assert "crs='EPSG:4326'" in str(info.value)


def test_check_declared_bng_given_degrees_from_abroad():
    # Paris in degrees is inside the plain BNG box, but is clearly not metres
    with pytest.raises(CRSError, match="look like longitude/latitude in degrees"):
        check_declared_crs([2.35, 2.36], [48.85, 48.86], BNG)


def test_check_declared_passes_good_data_and_normalises():
    e, n = to_bng(LON, LAT, WGS84)
    assert check_declared_crs(e, n, 27700) == BNG
    assert check_declared_crs(LON, LAT, "epsg:4326") == WGS84
    # other projected CRSs are not range-checked here
    assert check_declared_crs([1.0e6], [7.0e6], "EPSG:3857") == "EPSG:3857"


def test_to_bng_matches_ordnance_survey_worked_example():
    # OS "A guide to coordinate systems in Great Britain", Caister Water Tower:
    # ETRS89 52°39'28.8282"N 1°42'57.7896"E -> E 651409.903, N 313177.270 (OSTN15).
    # pyproj without the OSTN15 grid uses a Helmert transform, good to a few metres.
    lat = 52 + 39 / 60 + 28.8282 / 3600
    lon = 1 + 42 / 60 + 57.7896 / 3600
    e, n = to_bng([lon], [lat], WGS84)
    assert abs(e[0] - 651_409.903) < 5
    assert abs(n[0] - 313_177.270) < 5


def test_to_bng_equals_pyproj_and_keeps_nan():
    x = np.r_[LON, np.nan]
    y = np.r_[LAT, np.nan]
    e, n = to_bng(x, y, "EPSG:4326")
    ref_e, ref_n = Transformer.from_crs(4326, 27700, always_xy=True).transform(LON, LAT)
    np.testing.assert_allclose(e[:-1], ref_e, rtol=0, atol=1e-6)
    np.testing.assert_allclose(n[:-1], ref_n, rtol=0, atol=1e-6)
    assert np.isnan(e[-1])
    assert np.isnan(n[-1])
    # BNG in, BNG out, untouched (a copy)
    e2, _n2 = to_bng(e, n, BNG)
    np.testing.assert_array_equal(e2, e)
    assert e2 is not e


def test_gb_boxes_and_zero_points():
    np.testing.assert_array_equal(
        in_gb_lonlat([-1.7, 2.35, -8.7, 1.8, np.nan], [53.8, 48.85, 49.8, 60.9, 53.0]),
        [True, False, True, True, False])
    np.testing.assert_array_equal(
        in_gb_bng([416_500, -1, 700_000, 700_001], [432_900, 10, 1_300_000, 5]),
        [True, False, True, False])
    # the corner at the false origin where degrees taken for metres would land is excluded
    np.testing.assert_array_equal(in_gb_bng([2.35, 181.0, 100.0], [48.85, 50.0, 91.0]),
                                  [False, True, True])
    np.testing.assert_array_equal(is_zero_point([0, 0, 1, np.nan], [0, 1, 0, 0]),
                                  [True, False, False, False])


def test_normalize_and_predicates():
    assert normalise_crs(27700) == BNG
    assert normalise_crs("epsg:4326") == WGS84
    assert is_bng("EPSG:27700")
    assert not is_bng(4326)
    assert not is_bng(None)
    assert is_geographic(4326)
    assert not is_geographic(27700)
    with pytest.raises(CRSError, match="not a coordinate reference system"):
        normalise_crs("EPSG:99999999")


def test_ensure_bng():
    pts = gpd.GeoDataFrame(geometry=shapely.points(LON, LAT), crs=4326)
    out = ensure_bng(pts, name="pts")
    assert out.crs.to_epsg() == 27700
    assert ensure_bng(out) is out
    with pytest.raises(CRSError, match=r"pts has no coordinate reference system.*set_crs"):
        ensure_bng(pts.set_crs(None, allow_override=True), name="pts")


def test_normalize_crs_is_the_deprecated_spelling_of_normalise_crs():
    from hotspots.crs import normalize_crs

    with pytest.warns(FutureWarning, match="normalize_crs is renamed normalise_crs"):
        old = normalize_crs("epsg:4326")
    assert old == normalise_crs("epsg:4326") == WGS84


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:27700"])
def test_declared_crs_in_doubt_is_false_only_when_no_repetition_can_fail(crs):
    # Readers skip the row-by-row check when the distinct pairs raise no doubt; that is
    # sound only if no table made by repeating those pairs (any counts) can be refused.
    from hotspots.crs import declared_crs_in_doubt

    rng = np.random.default_rng(7)
    kinds = {
        "lonlat": (rng.uniform(-2.0, -1.0, 20), rng.uniform(53.0, 54.0, 20)),
        "swapped": (rng.uniform(53.0, 54.0, 20), rng.uniform(-2.0, -1.0, 20)),
        "bng": (rng.uniform(400_000, 430_000, 20), rng.uniform(420_000, 450_000, 20)),
        "paris": (rng.uniform(2.2, 2.4, 20), rng.uniform(48.8, 48.9, 20)),
    }
    seen_doubt = seen_refusal = 0
    for trial in range(200):
        names = rng.choice(list(kinds), size=rng.integers(1, 4), replace=False)
        sizes = rng.integers(1, 20, size=len(names))
        x = np.concatenate([kinds[k][0][:s] for k, s in zip(names, sizes, strict=True)])
        y = np.concatenate([kinds[k][1][:s] for k, s in zip(names, sizes, strict=True)])
        m = len(x)
        doubt = declared_crs_in_doubt(x, y, crs)
        seen_doubt += doubt
        for _ in range(5):
            counts = rng.integers(1, 50, size=m)
            try:
                check_declared_crs(np.repeat(x, counts), np.repeat(y, counts), crs)
            except CRSError:
                seen_refusal += 1
                assert doubt, (trial, names)
    # the cases are not all trivial: some tables were refused and some pairs were in doubt
    assert seen_refusal > 0
    assert seen_doubt > 0


def test_declared_crs_in_doubt_examples():
    from hotspots.crs import declared_crs_in_doubt

    assert not declared_crs_in_doubt([-1.75], [53.79], 4326)
    assert declared_crs_in_doubt([53.79], [-1.75], 4326)  # latitude first
    assert declared_crs_in_doubt([416_000.0], [433_000.0], 4326)  # metres declared degrees
    assert not declared_crs_in_doubt([416_000.0], [433_000.0], 27700)
    assert declared_crs_in_doubt([-1.75], [53.79], 27700)  # degrees declared metres
    assert not declared_crs_in_doubt([], [], 4326)
    assert not declared_crs_in_doubt([np.nan, 0.0], [53.0, 0.0], 4326)  # ignored pairs


def test_to_bng_uses_the_transformer_to_crs_uses():
    # one transformer for the reader and for GeoDataFrame.to_crs (creating one reads the
    # PROJ database), and exactly the numbers to_crs gives
    import geopandas as gpd
    import numpy as np
    from geopandas import array as geo_array
    from pyproj import CRS

    from hotspots import crs as hcrs

    lon = np.array([-1.75, -1.9, -2.05, np.nan])
    lat = np.array([53.79, 53.85, 53.7, 53.8])
    e, n = hcrs.to_bng(lon, lat, "EPSG:4326")
    ref = gpd.GeoSeries(gpd.points_from_xy(lon[:3], lat[:3]), crs=4326).to_crs(27700)
    assert np.array_equal(e[:3], ref.x.to_numpy())
    assert np.array_equal(n[:3], ref.y.to_numpy())
    assert np.isnan(e[3])
    assert np.isnan(n[3])
    if hasattr(geo_array, "TransformerFromCRS"):
        shared = geo_array.TransformerFromCRS(CRS.from_user_input("EPSG:4326"),
                                              CRS.from_user_input("EPSG:27700"), always_xy=True)
        assert hcrs._transformer("EPSG:4326") is shared
