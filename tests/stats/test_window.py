"""The moving-window kernel shared by Gi* and Moran's I on grids (stats/window.py)."""

import math

import numpy as np
import pytest

from hotspots.stats.gistar import gistar_grid
from hotspots.stats.moran import moran_global_grid, moran_local_grid
from hotspots.stats.window import checked_grid, lattice_runs, neighbourhood_sum, window_sums


def _brute_window(values, mask, cell, distance, grid_type="square"):
    """Sum of masked values and mask over every cell's neighbourhood, by centre distances."""
    nrow, ncol = values.shape
    r, c = np.divmod(np.arange(nrow * ncol), ncol)
    if grid_type == "square":
        x, y = (c + 0.5) * cell, (r + 0.5) * cell
    else:
        x, y = (c + 0.5 + 0.5 * (r & 1)) * cell, r * cell * math.sqrt(3) / 2
    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    near = d <= distance * (1 + 1e-6)
    m = mask.ravel()
    v = np.where(m, values.ravel(), 0.0)
    return (near @ v).reshape(values.shape), (near @ m.astype(float)).reshape(values.shape)


@pytest.mark.parametrize(("grid_type", "radius"), [("square", 1.5), ("square", 4.2),
                                                   ("hex", 1.0), ("hex", 3.1)])
def test_window_sums_equal_the_distance_matrix(grid_type, radius):
    rng = np.random.default_rng(4)
    values = rng.poisson(2.0, (13, 17)).astype(float)
    mask = rng.random((13, 17)) > 0.2
    values[~mask] = np.nan  # outside the mask a value is ignored, even NaN
    win = window_sums(values, mask, cell_size=10.0, neighbour_distance=radius * 10.0,
                      grid_type=grid_type)
    want_v, want_m = _brute_window(np.nan_to_num(values), mask, 10.0, radius * 10.0, grid_type)
    np.testing.assert_allclose(win.value_sum, want_v, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(win.mask_sum, want_m)


def test_gistar_and_moran_use_the_same_window_as_before():
    # the kernels now share window_sums: their results equal the sums computed directly
    rng = np.random.default_rng(7)
    y = rng.poisson(1.5, (20, 25)).astype(float)
    mask = rng.random(y.shape) > 0.1
    runs = lattice_runs(50.0, 50.0 * math.sqrt(2))
    lag = neighbourhood_sum(np.where(mask, y, 0.0), runs)
    w = neighbourhood_sum(mask.astype(float), runs)
    g = gistar_grid(y, mask, cell_size=50.0)
    np.testing.assert_allclose(g.lag[mask], lag[mask], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(g.weight_sum[mask], w[mask])
    local = moran_local_grid(y, mask, cell_size=50.0)
    np.testing.assert_array_equal(local.n_neighbours[mask], (w - 1)[mask].astype(int))


def test_checked_grid_refuses_bad_inputs():
    with pytest.raises(ValueError, match="2-D"):
        checked_grid(np.zeros(4))
    with pytest.raises(ValueError, match="mask has shape"):
        checked_grid(np.zeros((2, 2)), np.ones((3, 2), bool))
    with pytest.raises(ValueError, match="finite"):
        checked_grid(np.array([[1.0, np.nan]]))


@pytest.mark.parametrize("func", [gistar_grid, moran_local_grid, moran_global_grid])
def test_old_neighbor_distance_keyword_warns_and_gives_the_same_result(func):
    rng = np.random.default_rng(1)
    y = rng.poisson(2.0, (9, 9)).astype(float)
    new = func(y, cell_size=10.0, neighbour_distance=25.0)
    with pytest.warns(FutureWarning, match="neighbour_distance"):
        old = func(y, cell_size=10.0, neighbor_distance=25.0)
    stat = "z" if func is gistar_grid else "I"
    np.testing.assert_array_equal(np.asarray(getattr(old, stat)), np.asarray(getattr(new, stat)))
    with pytest.raises(TypeError, match="both"):
        func(y, cell_size=10.0, neighbor_distance=25.0, neighbour_distance=25.0)


def test_lattice_runs_old_keyword_warns():
    with pytest.warns(FutureWarning):
        old = lattice_runs(10.0, neighbor_distance=15.0)
    assert old == lattice_runs(10.0, neighbour_distance=15.0)


@pytest.mark.parametrize("grid_type", ["square", "hex"])
@pytest.mark.parametrize("distance", [1.5, 4.2])  # 3x3 slices; wide runs via prefix sums
@pytest.mark.parametrize("peak", [1, 3_000, 2**40])  # 16-bit, 32-bit, then floats
@pytest.mark.parametrize("signed", [True, False])
def test_integer_grids_sum_to_the_float_sums_exactly(grid_type, distance, peak, signed):
    rng = np.random.default_rng(41)
    counts = rng.integers(-peak if signed else 0, peak + 1, (23, 31))
    runs = lattice_runs(1.0, distance, grid_type)
    got = neighbourhood_sum(counts, runs)
    want = neighbourhood_sum(counts.astype(float), runs)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, want)
    mask = rng.random((23, 31)) > 0.4
    np.testing.assert_array_equal(neighbourhood_sum(mask, runs),
                                  neighbourhood_sum(mask.astype(float), runs))
    # and against a direct sum over each cell's neighbours (brute force, no shortcut)
    i, j = 11, 17
    brute = sum(float(counts[i + r.dr, j + dc]) for r in runs
                if r.parity in (None, i % 2) for dc in range(r.lo, r.hi + 1))
    assert got[i, j] == brute
