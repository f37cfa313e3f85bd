"""Reading a large grid frame back: halves on two threads, the same lattice as one thread."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from hotspots import _threads
from hotspots.errors import ValidationError
from hotspots.grid import Grid, grid_from_frame
from hotspots.grid import frame as frame_mod


@pytest.mark.parametrize("grid_type", ["square", "hex"])
def test_a_large_grid_reads_back_the_same_on_two_threads_and_one(grid_type):
    mask = np.ones((330, 320), dtype=bool)  # 105,600 cells: read in two halves
    mask[:40, :25] = False
    lattice = Grid(1000.0, 2000.0, 25.0, 330, 320, grid_type, mask)
    ids = lattice.cell_ids()
    x, y = lattice.centres(ids)
    cells = gpd.GeoDataFrame({"x": x, "y": y}, geometry=lattice.polygons(ids), crs=27700)
    frame_mod._READ.clear()
    got, position = grid_from_frame(cells)
    frame_mod._READ.clear()
    with _threads.serial():
        want, want_position = grid_from_frame(cells)
    np.testing.assert_array_equal(position, want_position)
    np.testing.assert_array_equal(position, ids)
    assert got.spec() == want.spec()
    np.testing.assert_array_equal(got.mask, mask)
    # a cell moved off the lattice in the second half is still refused
    bad = cells.copy()
    bad.loc[len(bad) - 3, "x"] += 3.0
    frame_mod._READ.clear()
    with pytest.raises(ValidationError, match="regular"):
        grid_from_frame(bad)


def test_close_is_allclose_on_finite_values_and_false_on_nan():
    rng = np.random.default_rng(3)
    a = rng.normal(size=1000) * 100
    for b in (a + 1e-7, a + 1e-3, a * (1 + 2e-6), np.round(a)):
        for atol, rtol in ((1e-6, 1e-5), (1e-8, 1e-6)):
            assert frame_mod._close(a, b, atol, rtol) == np.allclose(a, b, rtol=rtol, atol=atol)
    assert frame_mod._close(np.full(3, 25.0), 25.0, 1e-8, rtol=1e-6)
    assert not frame_mod._close(np.array([1.0, np.nan]), np.array([1.0, np.nan]), 1e-6)
