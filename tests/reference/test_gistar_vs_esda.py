"""Gi* against esda.G_Local(transform="B", star=True) on the same cells and weights."""

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.grid import hotspot_grid
from hotspots.hotspot import area_gistar, hotspot_gistar
from hotspots.stats.gistar import gistar_grid, gistar_sparse

esda = pytest.importorskip("esda")
libpysal = pytest.importorskip("libpysal")

pytestmark = pytest.mark.reference

TOL = 1e-6  # our neighbour tolerance; esda gets the same threshold explicitly


def esda_gistar(y, xy, threshold):
    w = libpysal.weights.DistanceBand(xy, threshold=threshold, binary=True,
                                      silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(np.asarray(y, dtype=float), w, transform="B", star=True,
                            permutations=0)


def test_anchors_b1_vector_through_the_sparse_path():
    pts = np.array([(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)], dtype=float)
    y = np.array([2, 3, 3.2, 5, 8, 7])
    w = libpysal.weights.DistanceBand(pts, threshold=15, binary=True, silence_warnings=True)
    ref = esda.G_Local(y, w, transform="B", star=True, permutations=0)
    ours = gistar_sparse(y, w.sparse)
    expected = [-1.397276, -0.289178, 0.650650, -0.289178, 1.234521, 2.024243]
    np.testing.assert_allclose(ref.Zs, expected, atol=5e-7)
    np.testing.assert_allclose(ours.z, ref.Zs, atol=1e-9)
    # esda's p_norm is one-sided; ours is two-sided: exactly twice it
    np.testing.assert_allclose(ours.p_norm, 2 * ref.p_norm, rtol=1e-12)


@pytest.mark.parametrize("grid_type", ["square", "hex"])
@pytest.mark.parametrize("radius", [math.sqrt(2), 3.2])
def test_toy_grid_with_mask(grid_type, radius):
    rng = np.random.default_rng(3)
    shape = (18, 22)
    y = rng.poisson(3.0, shape).astype(float)
    y[5:8, 6:9] += 6
    mask = rng.random(shape) > 0.2
    cell = 50.0
    ours = gistar_grid(y, mask, cell_size=cell, neighbour_distance=radius * cell,
                       grid_type=grid_type)
    r, c = np.nonzero(mask)
    if grid_type == "square":
        xy = np.column_stack([(c + 0.5) * cell, (r + 0.5) * cell])
    else:
        xy = np.column_stack([(c + 0.5 + 0.5 * (r & 1)) * cell, r * cell * math.sqrt(3) / 2])
    ref = esda_gistar(y[mask], xy, radius * cell * (1 + TOL))
    np.testing.assert_allclose(ours.z[mask], ref.Zs, atol=1e-9)
    np.testing.assert_allclose(ours.p_norm[mask], 2 * ref.p_norm, atol=1e-12)


@pytest.fixture(scope="module")
def bradford_points(bradford_wards):
    wards = bradford_wards
    outline = shapely.union_all(wards.geometry.to_numpy())
    rng = np.random.default_rng(20190101)
    minx, miny, maxx, maxy = outline.bounds
    x = rng.uniform(minx, maxx, 30_000)
    y = rng.uniform(miny, maxy, 30_000)
    keep = shapely.contains_xy(outline, x, y)
    xy = np.concatenate([np.column_stack([x[keep], y[keep]])[:6000],
                         rng.normal([416_000, 433_000], 300, (300, 2)),
                         rng.normal([406_000, 441_000], 400, (200, 2))])
    frame = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=27700)
    return wards, frame


@pytest.mark.parametrize("grid_type", ["square", "hex"])
def test_ward_clipped_bradford_grid(bradford_points, grid_type):
    wards, frame = bradford_points
    g = hotspot_gistar(frame, clip=wards, cell_size=400, grid_type=grid_type,
                       edge_correction="none")
    xy = np.column_stack([g["x"], g["y"]])
    ref = esda_gistar(g["n"], xy, 400 * math.sqrt(2) * (1 + TOL))
    np.testing.assert_allclose(g["gistar"], ref.Zs, atol=1e-9)
    np.testing.assert_allclose(g["p_norm"], 2 * ref.p_norm, atol=1e-12)
    nb = np.array([len(ref.w.neighbors[i]) - 1 for i in range(len(g))])  # esda adds self
    np.testing.assert_array_equal(g["n_neighbours"], nb)


def test_ward_clipped_bradford_grid_with_edge_correction(bradford_points):
    # the coverage option: cells with at least half their area in Bradford, counts per
    # full cell
    wards, frame = bradford_points
    g = hotspot_gistar(frame, clip=wards, cell_size=400, edge_correction="coverage")
    tested = (g["coverage"] >= 0.5).to_numpy()
    xy = np.column_stack([g["x"], g["y"]])[tested]
    values = (g["n"] / g["coverage"]).to_numpy()[tested]
    ref = esda_gistar(values, xy, 400 * math.sqrt(2) * (1 + TOL))
    np.testing.assert_allclose(g["gistar"].to_numpy()[tested], ref.Zs, atol=1e-9)
    assert g["gistar"].to_numpy()[~tested].size == 0 or np.isnan(
        g["gistar"].to_numpy()[~tested]).all()


def test_wide_neighbourhood_uses_prefix_sums_and_still_matches(bradford_points):
    wards, frame = bradford_points
    grid = hotspot_grid(clip=wards, cell_size=500)
    g = hotspot_gistar(frame, grid=grid, neighbour_distance=5_000, edge_correction="none")
    xy = np.column_stack([g["x"], g["y"]])
    ref = esda_gistar(g["n"], xy, 5_000 * (1 + TOL))
    np.testing.assert_allclose(g["gistar"], ref.Zs, atol=1e-9)
    assert g["n_neighbours"].max() > 300


def test_area_gistar_on_wards_matches_esda_queen(bradford_areas):
    wards = bradford_areas["ward"]
    rng = np.random.default_rng(5)
    values = pd.Series(rng.poisson(300, len(wards)).astype(float), index=wards["area_id"])
    ours = area_gistar(values, bradford_areas, level="ward")
    w = libpysal.weights.Queen.from_dataframe(wards, use_index=False, silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.G_Local(values.to_numpy(), w, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(ours["gistar"], ref.Zs, atol=1e-9)
    np.testing.assert_allclose(ours["p_norm"], 2 * ref.p_norm, atol=1e-12)
    np.testing.assert_array_equal(ours["n_neighbours"], [w.cardinalities[i] for i in w.id_order])


@pytest.mark.slow
def test_permutation_pvalues_agree_with_esda_within_monte_carlo_error():
    # Different random streams, so compare distributions, not draws. Continuous values
    # avoid ties, which esda counts on one side only. esda's p_sim is 'directed' (the
    # smaller tail); ours with alternative="greater"/"lesser" gives both tails.
    rng = np.random.default_rng(0)
    y = rng.gamma(2.0, 2.0, (8, 8))
    y[2:5, 2:5] += 4
    r, c = np.indices(y.shape)
    xy = np.column_stack([(c.ravel() + 0.5) * 100, (r.ravel() + 0.5) * 100])
    w = libpysal.weights.DistanceBand(xy, threshold=100 * math.sqrt(2) * (1 + TOL),
                                      binary=True, silence_warnings=True)
    perms = 299
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.G_Local(y.ravel(), w, transform="B", star=True, permutations=perms,
                           seed=1, n_jobs=1)
    greater = gistar_grid(y, permutations=perms, alternative="greater", random_state=1).p_sim
    lesser = gistar_grid(y, permutations=perms, alternative="lesser", random_state=1).p_sim
    directed = np.minimum(greater, lesser).ravel()
    se = np.sqrt(2 * np.maximum(ref.p_sim, 0.02) * (1 - ref.p_sim) / perms)
    assert (np.abs(directed - ref.p_sim) < 4.5 * se + 1 / perms).all()
    two_sided = gistar_grid(y, permutations=perms, random_state=1).p_sim.ravel()
    np.testing.assert_allclose(two_sided, np.minimum(1, 2 * directed), atol=1e-12)
