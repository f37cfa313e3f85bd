"""The Grid lattice: layout, locating and binning points (grid/lattice.py)."""


import numpy as np
import pytest
import shapely
from scipy.spatial import cKDTree

from hotspots.grid import Grid


# --- the Grid lattice -----------------------------------------------------------------------
def test_square_locate_is_half_open_and_bins_like_floor():
    g = Grid(100.0, 200.0, 10.0, nrow=3, ncol=4)
    x = np.array([100.0, 110.0, 139.999, 140.0, 99.999, np.nan, 125.0])
    y = np.array([200.0, 209.9, 229.999, 200.0, 205.0, 205.0, 230.0])
    assert g.locate(x, y).tolist() == [0, 1, 11, -1, -1, -1, -1]
    rng = np.random.default_rng(0)
    px = rng.uniform(90, 150, 5000)
    py = rng.uniform(190, 240, 5000)
    col = np.floor((px - 100) / 10).astype(int)
    row = np.floor((py - 200) / 10).astype(int)
    ok = (col >= 0) & (col < 4) & (row >= 0) & (row < 3)
    expected = np.bincount(row[ok] * 4 + col[ok], minlength=12).reshape(3, 4)
    np.testing.assert_array_equal(g.bin_points(px, py), expected)
    w = rng.random(5000)
    expected_w = np.bincount(row[ok] * 4 + col[ok], weights=w[ok], minlength=12).reshape(3, 4)
    np.testing.assert_allclose(g.bin_points(px, py, w), expected_w)


def test_masked_cells_are_not_counted():
    mask = np.array([[True, False], [True, True]])
    g = Grid(0.0, 0.0, 1.0, 2, 2, mask=mask)
    counts = g.bin_points([0.5, 1.5, 1.5], [0.5, 0.5, 1.5])
    assert counts.tolist() == [[1, 0], [0, 1]]
    assert g.locate([1.5], [0.5]).tolist() == [-1]


def test_hex_locate_is_the_nearest_centre():
    g = Grid(0.0, 0.0, 10.0, nrow=20, ncol=15, grid_type="hex")
    ids = np.arange(g.nrow * g.ncol)
    cx, cy = g.centres(ids)
    rng = np.random.default_rng(4)
    px = rng.uniform(20, 130, 20000)
    py = rng.uniform(20, 150, 20000)
    _, nearest = cKDTree(np.column_stack([cx, cy])).query(np.column_stack([px, py]))
    np.testing.assert_array_equal(g.locate(px, py), ids[nearest])
    # and the hexagon polygons agree with the lookup
    polys = g.polygons(ids)
    hit = g.locate(px[:500], py[:500])
    assert shapely.contains_xy(polys[hit], px[:500], py[:500]).all()
    # neighbouring centres are one cell width apart (sf's cellsize for hexagons)
    d, _ = cKDTree(np.column_stack([cx, cy])).query(np.column_stack([cx, cy]), k=2)
    np.testing.assert_allclose(d[:, 1], 10.0)
    assert shapely.area(polys[0]) == pytest.approx(g.cell_area)


def test_too_large_grid_is_refused():
    with pytest.raises(ValueError, match="Use a larger cell_size"):
        Grid.covering((0, 0, 1e6, 1e6), 1.0)


def test_neighbour_count_and_its_old_keyword():
    mask = np.ones((3, 4), dtype=bool)
    mask[0, 0] = False
    g = Grid(0.0, 0.0, 10.0, nrow=3, ncol=4, mask=mask)
    counts = g.neighbour_count(15.0)
    # row 0 is the south row; the masked-out corner (0, 0) is nobody's neighbour
    assert counts.tolist() == [[0, 4, 5, 3], [4, 7, 8, 5], [3, 5, 5, 3]]
    with pytest.warns(FutureWarning, match="neighbour_distance"):
        old = g.neighbour_count(neighbor_distance=15.0)
    np.testing.assert_array_equal(old, counts)


def test_a_large_input_binned_in_two_halves_counts_every_point_once():
    # above the threads' threshold bin_points counts each half on its own thread and adds
    # them: the counts are the floor rule's, NaN and outside points are not counted, and
    # threads off give the same sums bit for bit
    from hotspots import _threads

    n = 2 * _threads.MIN_PARALLEL + 777
    rng = np.random.default_rng(8)
    px = rng.uniform(80, 160, n)
    py = rng.uniform(180, 250, n)
    px[::1001] = np.nan
    mask = np.ones((3, 4), dtype=bool)
    mask[1, 2] = False
    g = Grid(100.0, 200.0, 10.0, nrow=3, ncol=4, mask=mask)
    with np.errstate(invalid="ignore"):
        col = np.floor((px - 100) / 10)
        row = np.floor((py - 200) / 10)
        ok = (col >= 0) & (col < 4) & (row >= 0) & (row < 3)
    flat = (row[ok] * 4 + col[ok]).astype(int)
    expected = np.bincount(flat, minlength=12).reshape(3, 4) * mask
    counts = g.bin_points(px, py)
    np.testing.assert_array_equal(counts, expected)
    assert counts.dtype == np.int64
    w = rng.random(n)
    weighted = g.bin_points(px, py, w)
    np.testing.assert_allclose(
        weighted, np.bincount(flat, weights=w[ok], minlength=12).reshape(3, 4) * mask,
        rtol=1e-12)
    with _threads.serial():
        np.testing.assert_array_equal(g.bin_points(px, py), counts)
        np.testing.assert_array_equal(g.bin_points(px, py, w), weighted)
