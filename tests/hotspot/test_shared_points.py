"""Grid verbs on rows that share point objects (police.uk snap points, as readers make them).

Counting and the binned KDE then run over the distinct objects, each weighed by its rows
(``LocatedPoints.per_object``). The answers must be those of the same coordinates held by
one object per row: counts exactly, the binned KDE to rounding.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from hotspots import _point_reading
from hotspots.grid import hotspot_grid
from hotspots.hotspot import hotspot_count, hotspot_gistar, hotspot_kde

N_ROWS = 150_000  # large enough for the rows to be read per object


@pytest.fixture(autouse=True)
def _forget():
    _point_reading._LAST.clear()
    yield
    _point_reading._LAST.clear()


@pytest.fixture(scope="module")
def frames():
    rng = np.random.default_rng(17)
    places = np.column_stack([rng.uniform(410_000, 416_000, 900),
                              rng.uniform(430_000, 435_000, 900)])
    # a few places on cell edges, where a point must land in the same cell either way
    places[:4] = [[412_000.0, 432_000.0], [412_100.0, 432_050.0], [410_000.0, 430_000.0],
                  [415_900.0, 434_900.0]]
    pick = rng.zipf(1.6, N_ROWS) % places.shape[0]  # skewed, as real snap points are
    shared = shapely.points(places)[pick]
    own = shapely.points(places[pick])  # the same coordinates, one object per row
    weight = rng.uniform(0.5, 3.0, N_ROWS)
    make = lambda geoms: gpd.GeoDataFrame({"w": weight}, geometry=geoms, crs=27700)  # noqa: E731
    return make(shared), make(own)


@pytest.fixture(scope="module")
def grid():
    return hotspot_grid(clip=shapely.box(409_000, 429_000, 417_000, 436_000), cell_size=100)


def _rows_share_objects(frame):
    from hotspots.located import located_points

    pts = located_points(frame)
    return pts.per_object is not None


def test_the_fixture_frames_are_read_per_object_and_per_row(frames):
    shared, own = frames
    assert _rows_share_objects(shared)
    assert not _rows_share_objects(own)


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
@pytest.mark.parametrize("weights", [None, "w"])
def test_binned_kde_over_shared_objects_is_the_per_row_kde(frames, grid, kernel, weights):
    shared, own = frames
    args = {"grid": grid, "bandwidth": 400.0, "kernel": kernel, "method": "binned",
            "weights": weights}
    a = hotspot_kde(shared, **args)
    b = hotspot_kde(own, **args)
    np.testing.assert_array_equal(a["n"].to_numpy(), b["n"].to_numpy())
    assert a["n"].sum() == N_ROWS - a.attrs["hotspots"]["n_outside_grid"]
    peak = b["kde"].max()
    assert peak > 0
    np.testing.assert_allclose(a["kde"].to_numpy(), b["kde"].to_numpy(), rtol=0,
                               atol=1e-12 * peak)
    np.testing.assert_allclose(a["kde_density"].to_numpy(), b["kde_density"].to_numpy(),
                               rtol=0, atol=1e-12 * b["kde_density"].max())


def test_counts_and_gistar_over_shared_objects_are_the_per_row_ones(frames, grid):
    shared, own = frames
    for verb in (hotspot_count, hotspot_gistar):
        a = verb(shared, grid=grid)
        b = verb(own, grid=grid)
        np.testing.assert_array_equal(a["n"].to_numpy(), b["n"].to_numpy())
        assert a["n"].dtype == np.int64
    a = hotspot_gistar(shared, grid=grid)
    b = hotspot_gistar(own, grid=grid)
    np.testing.assert_array_equal(a["gistar"].to_numpy(), b["gistar"].to_numpy())
