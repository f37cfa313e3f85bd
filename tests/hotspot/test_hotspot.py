"""Frame-level verbs: hotspot_count, hotspot_kde, hotspot_gistar, area_gistar."""

import copy
import logging
import math

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotspots.errors import CRSError, DataQualityWarning, EmptyDataError, ValidationError
from hotspots.grid import grid_from_frame, hotspot_grid
from hotspots.hotspot import area_gistar, hotspot_count, hotspot_gistar, hotspot_kde
from hotspots.stats.gistar import gistar_grid
from hotspots.stats.kde import bandwidth_arcgis, bandwidth_nrd, kde_exact

GRID_COLUMNS = ["cell_id", "x", "y", "inside", "coverage"]
AREA_COLUMNS = ["ward_id", "ward", "constituency_id", "constituency"]
GISTAR_COLUMNS = ["n", "gistar", "p_norm", "p_adj", "gi_bin", "n_neighbours", "hotspot",
                  "hot_empty"]
COUNT_KEYS = {"function", "cell_size", "cell_size_reason", "grid_type", "grid_extent", "n_cells",
              "grid", "crs", "n_incidents", "n_located", "n_unknown_location", "n_outside_grid",
              "n_counted", "weights", "version"}


def uniform_in(geom, n, rng):
    """Uniform points inside a polygon by rejection (the test's own generator)."""
    minx, miny, maxx, maxy = geom.bounds
    out = []
    got = 0
    shapely.prepare(geom)
    while got < n:
        x = rng.uniform(minx, maxx, 2 * n)
        y = rng.uniform(miny, maxy, 2 * n)
        keep = shapely.contains_xy(geom, x, y)
        out.append(np.column_stack([x[keep], y[keep]]))
        got += int(keep.sum())
    return np.concatenate(out)[:n]


BOX = shapely.box(0, 0, 1000, 1000)


# --- hotspot_count --------------------------------------------------------------------------
def test_count_schema_conservation_and_unknown_rows(make_incidents):
    rng = np.random.default_rng(0)
    xy = np.concatenate([rng.uniform(0, 1000, (300, 2)), [[1500.0, 1500.0], [-5.0, 20.0]]])
    frame = make_incidents(xy, n_unknown=7)
    before = frame.copy()
    g = hotspot_count(frame, cell_size=100, clip=BOX)
    assert g.columns.tolist() == [*GRID_COLUMNS, "n", "n_weighted", "geometry"]
    assert g["n"].dtype == np.int64
    assert g["n_weighted"].dtype == np.float64
    info = g.attrs["hotspots"]
    assert set(info) >= COUNT_KEYS
    assert info["function"] == "hotspot_count"
    assert (info["n_incidents"], info["n_located"], info["n_unknown_location"]) == (309, 302, 7)
    assert info["n_outside_grid"] == 2
    assert g["n"].sum() == info["n_counted"] == 300
    np.testing.assert_array_equal(g["n_weighted"], g["n"])
    pd.testing.assert_frame_equal(frame, before)  # input untouched


def test_count_matches_floor_binning_and_half_open_edges(make_incidents):
    xy = np.array([[0.0, 0.0], [100.0, 0.0], [99.99, 99.99], [250.0, 150.0], [999.0, 999.0]])
    g = hotspot_count(make_incidents(xy), cell_size=100, clip=BOX)
    by_id = dict(zip(g["cell_id"], g["n"], strict=True))
    # cell_id = row * 10 + col; (100, 0) lies on the edge and goes to the east cell
    assert by_id[0] == 2
    assert by_id[1] == 1
    assert by_id[12] == 1
    assert by_id[99] == 1
    assert g["n"].sum() == 5


def test_integer_weights_equal_repeated_rows(make_incidents):
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 1000, (80, 2))
    w = rng.integers(1, 4, 80)
    weighted = hotspot_count(make_incidents(xy, weight=w), cell_size=100, clip=BOX,
                             weights="weight")
    repeated = hotspot_count(make_incidents(np.repeat(xy, w, axis=0)), cell_size=100, clip=BOX)
    np.testing.assert_allclose(weighted["n_weighted"], repeated["n"])
    np.testing.assert_array_equal(weighted["n"], hotspot_count(make_incidents(xy), cell_size=100,
                                                                clip=BOX)["n"])
    with pytest.raises(ValidationError, match="weight"):
        hotspot_count(make_incidents(xy, weight=np.r_[w[:-1], -1]), cell_size=100,
                      weights="weight")
    with pytest.raises(ValidationError, match="names no column"):
        hotspot_count(make_incidents(xy), cell_size=100, weights="harm")


def test_count_into_a_given_grid_keeps_its_columns_and_rows(make_incidents):
    grid = hotspot_grid(clip=BOX, cell_size=200)
    grid["label"] = "x"
    rng = np.random.default_rng(4)
    xy = rng.uniform(0, 1000, (50, 2))
    g = hotspot_count(make_incidents(xy), grid=grid.iloc[5:].reset_index(drop=True), cell_size=5)
    assert g["label"].eq("x").all()
    assert len(g) == 20
    assert g.attrs["hotspots"]["cell_size_reason"] == "from the grid given"
    full = hotspot_count(make_incidents(xy), grid=grid)
    np.testing.assert_array_equal(g["n"], full["n"].iloc[5:])
    assert g.attrs["hotspots"]["n_outside_grid"] == 50 - g["n"].sum()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 200),
    cell=st.floats(20, 400),
    grid_type=st.sampled_from(["square", "hex"]),
)
def test_count_conservation_property(make_incidents, seed, n, cell, grid_type):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(-200, 1200, (n, 2))
    g = hotspot_count(make_incidents(xy, n_unknown=seed % 3), cell_size=cell, grid_type=grid_type,
                      clip=BOX)
    info = g.attrs["hotspots"]
    assert g["n"].sum() + info["n_outside_grid"] == info["n_located"] == n
    # every located point inside the box is in some cell
    inside = ((xy > 0) & (xy < 1000)).all(axis=1).sum()
    assert g["n"].sum() >= inside
    # order of rows does not matter
    shuffled = hotspot_count(make_incidents(xy[::-1]), cell_size=cell, grid_type=grid_type,
                             clip=BOX)
    np.testing.assert_array_equal(shuffled["n"], g["n"])


# --- hotspot_kde ----------------------------------------------------------------------------
def test_kde_schema_exact_values_and_attrs(make_incidents):
    rng = np.random.default_rng(5)
    xy = rng.normal(500, 120, (400, 2))
    frame = make_incidents(xy, n_unknown=3)
    g = hotspot_kde(frame, cell_size=50, clip=BOX, bandwidth=200, method="exact")
    assert g.columns.tolist() == [*GRID_COLUMNS, "n", "kde", "kde_density", "geometry"]
    centres = np.column_stack([g["x"], g["y"]])
    np.testing.assert_allclose(g["kde"], kde_exact(xy, centres, bandwidth=200), rtol=1e-12)
    np.testing.assert_allclose(g["kde_density"],
                               g["kde"] * 3 / (math.pi * 200**2) * 1e6, rtol=1e-12)
    # the density integrates to the number of incidents (all well inside the box)
    assert (g["kde_density"] * 0.05**2).sum() == pytest.approx(400, rel=0.02)
    info = g.attrs["hotspots"]
    assert info["bandwidth"] == 200
    assert info["bandwidth_reason"] == "given"
    assert info["kde_method"] == "exact"
    assert info["kernel"] == "quartic"
    assert info["n_unknown_location"] == 3


@pytest.mark.parametrize("grid_type", ["square", "hex"])
def test_kde_binned_agrees_with_exact(make_incidents, grid_type):
    rng = np.random.default_rng(6)
    xy = np.concatenate([rng.normal(300, 60, (500, 2)), rng.uniform(0, 1000, (200, 2))])
    kw = {"cell_size": 40, "clip": BOX, "bandwidth": 160, "grid_type": grid_type}
    exact = hotspot_kde(make_incidents(xy), method="exact", **kw)["kde"].to_numpy()
    binned = hotspot_kde(make_incidents(xy), method="binned", **kw)
    assert binned.attrs["hotspots"]["kde_method"] == "binned"
    assert np.abs(binned["kde"].to_numpy() - exact).max() < 0.01 * exact.max()


def test_kde_bandwidth_rules_default_and_compat(make_incidents, caplog):
    rng = np.random.default_rng(7)
    xy = np.column_stack([rng.normal(500, 100, 300), rng.normal(500, 250, 300)])
    frame = make_incidents(xy)
    with caplog.at_level(logging.INFO, logger="hotspots.hotspot"):
        g = hotspot_kde(frame, cell_size=25, clip=BOX)
    assert g.attrs["hotspots"]["bandwidth"] == pytest.approx(bandwidth_arcgis(xy))
    assert g.attrs["hotspots"]["bandwidth_reason"].startswith("automatic: ArcGIS")
    assert "bandwidth" in caplog.text
    nrd = hotspot_kde(frame, cell_size=25, clip=BOX, bandwidth="nrd")
    hx, hy = bandwidth_nrd(xy[:, 0]), bandwidth_nrd(xy[:, 1])
    assert nrd.attrs["hotspots"]["bandwidth"] == pytest.approx((hx + hy) / 2)
    # sfhotspot 1.0 quirk: mean(bw(x), bw(y)) is bw(x) in R
    compat = hotspot_kde(frame, cell_size=25, compat="sfhotspot-1.0")
    assert compat.attrs["hotspots"]["bandwidth"] == pytest.approx(hx)
    assert compat.attrs["hotspots"]["kde_method"] == "exact"
    adjusted = hotspot_kde(frame, cell_size=25, clip=BOX, bandwidth="nrd", bandwidth_adjust=0.5)
    assert adjusted.attrs["hotspots"]["bandwidth"] == pytest.approx((hx + hy) / 4)


def test_kde_warns_when_bandwidth_below_cell_size(make_incidents):
    with pytest.warns(UserWarning, match="smaller than the cell size"):
        hotspot_kde(make_incidents([[100, 100], [400, 400]]), cell_size=100, clip=BOX,
                    bandwidth=50)


def test_kde_weights_are_linear(make_incidents):
    rng = np.random.default_rng(8)
    xy = rng.uniform(0, 1000, (60, 2))
    w = rng.uniform(0, 3, 60)
    kw = {"cell_size": 50, "clip": BOX, "bandwidth": 150}
    a = hotspot_kde(make_incidents(xy, weight=w), weights="weight", **kw)["kde"]
    b = hotspot_kde(make_incidents(xy, weight=2 * w + 1), weights="weight", **kw)["kde"]
    c = hotspot_kde(make_incidents(xy), **kw)["kde"]
    np.testing.assert_allclose(b, 2 * a + c, rtol=1e-9, atol=1e-12)


def test_kde_needs_located_incidents(make_incidents):
    with pytest.raises(EmptyDataError, match="no incident has a known location"):
        hotspot_kde(make_incidents(np.empty((0, 2)), n_unknown=2), cell_size=50, clip=BOX)


# --- hotspot_gistar -------------------------------------------------------------------------
def clustered(rng, n_background=400):
    xy = rng.uniform(0, 1000, (n_background, 2))
    return np.concatenate([xy, rng.normal([300, 300], 40, (120, 2))])


def test_gistar_schema_and_values_equal_the_kernel(make_incidents):
    rng = np.random.default_rng(9)
    frame = make_incidents(clustered(rng), n_unknown=4)
    g = hotspot_gistar(frame, cell_size=100, clip=BOX, permutations=0)
    assert g.columns.tolist() == [*GRID_COLUMNS, *GISTAR_COLUMNS, "geometry"]
    assert g["gi_bin"].dtype == np.int8
    assert list(g["hotspot"].cat.categories) == ["hot", "cold", "not significant"]
    assert g["cell_id"].is_monotonic_increasing
    lattice, pos = grid_from_frame(g)
    counts = np.zeros(lattice.shape)
    counts.ravel()[pos] = g["n"]
    ref = gistar_grid(counts, lattice.mask, cell_size=100.0)
    np.testing.assert_allclose(g["gistar"], ref.z.ravel()[pos], rtol=1e-12)
    np.testing.assert_allclose(g["p_norm"], ref.p_norm.ravel()[pos], rtol=1e-12)
    corner = g[(g["x"] == 50) & (g["y"] == 50)]
    assert corner["n_neighbours"].item() == 3
    info = g.attrs["hotspots"]
    assert set(info) >= COUNT_KEYS
    assert info["neighbour_distance"] == pytest.approx(100 * math.sqrt(2))
    assert info["p_adjust"] == "fdr_bh"
    assert info["edge_correction"] == "none"  # the plain ArcGIS/esda statistic (issue 11)
    assert info["inference_reason"] == "given"
    assert info["n_hot"] == (g["hotspot"] == "hot").sum() > 0
    np.testing.assert_array_equal(g["hot_empty"], (g["hotspot"] == "hot") & (g["n"] == 0))
    hot = g[g["hotspot"] == "hot"]
    assert (hot["gistar"] > 0).all()
    assert (hot["p_adj"] <= 0.05).all()
    assert (np.abs(g["gi_bin"]) >= 2).sum() == (g["p_adj"] <= 0.05).sum()


def test_gistar_edge_correction_scales_partial_cells_and_skips_slivers(make_incidents):
    rng = np.random.default_rng(10)
    circle = shapely.Point(500, 500).buffer(480)
    frame = make_incidents(uniform_in(circle, 600, rng))
    g = hotspot_gistar(frame, cell_size=100, clip=circle, edge_correction="coverage")
    cells = g.geometry.to_numpy()
    np.testing.assert_allclose(g["coverage"], shapely.area(shapely.intersection(cells, circle))
                               / 100**2, rtol=1e-9)
    untested = g["coverage"] < 0.5
    assert untested.any()
    assert (~untested).any()
    assert g.loc[untested, "gistar"].isna().all()
    assert (g.loc[untested, "gi_bin"] == 0).all()
    assert (g.loc[untested, "n_neighbours"] == 0).all()
    assert g.attrs["hotspots"]["n_cells_tested"] == (~untested).sum()
    assert g.attrs["hotspots"]["edge_correction"] == "coverage"
    # the tested value is the count per full cell: reproduce z with the kernel
    lattice, pos = grid_from_frame(g)
    keep = ~untested.to_numpy()
    values = np.zeros(lattice.shape)
    values.ravel()[pos[keep]] = g["n"].to_numpy()[keep] / g["coverage"].to_numpy()[keep]
    mask = np.zeros(lattice.shape, bool)
    mask.ravel()[pos[keep]] = True
    ref = gistar_grid(values, mask, cell_size=100.0)
    np.testing.assert_allclose(g["gistar"].to_numpy()[keep], ref.z.ravel()[pos[keep]])
    every = hotspot_gistar(frame, cell_size=100, clip=circle)  # the default: plain
    assert every["gistar"].notna().all()
    assert every.attrs["hotspots"]["n_cells_tested"] == len(every)
    assert every.attrs["hotspots"]["edge_correction"] == "none"
    # "drop" (ptools::prep_grid): the same cells as "coverage" but on raw counts
    drop = hotspot_gistar(frame, cell_size=100, clip=circle, edge_correction="drop")
    values.ravel()[pos[keep]] = g["n"].to_numpy()[keep]
    ref = gistar_grid(values, mask, cell_size=100.0)
    np.testing.assert_allclose(drop["gistar"].to_numpy()[keep], ref.z.ravel()[pos[keep]])
    assert drop["gistar"].to_numpy()[~keep].size > 0
    assert np.isnan(drop["gistar"].to_numpy()[~keep]).all()
    assert drop.attrs["hotspots"]["gistar_value"] == "n"
    strict = hotspot_gistar(frame, cell_size=100, clip=circle, min_coverage=1.0,
                            edge_correction="coverage")
    assert strict.attrs["hotspots"]["n_cells_tested"] == (g["coverage"] >= 1.0).sum()


def test_gistar_weights_and_compat(make_incidents):
    rng = np.random.default_rng(11)
    xy = clustered(rng)
    w = rng.integers(1, 5, len(xy)).astype(float)
    frame = make_incidents(xy, weight=w)
    ours = hotspot_gistar(frame, cell_size=100, clip=BOX, weights="weight")
    assert ours.columns.tolist()[5:7] == ["n", "n_weighted"]
    assert ours.attrs["hotspots"]["gistar_value"] == "n_weighted"
    # the box is covered by whole cells: Gi* of the weighted counts, by the kernel
    lattice, pos = grid_from_frame(ours)
    wsum = np.zeros(lattice.shape)
    wsum.ravel()[pos] = ours["n_weighted"]
    np.testing.assert_allclose(ours["gistar"],
                               gistar_grid(wsum, lattice.mask, cell_size=100.0).z.ravel()[pos],
                               rtol=1e-12)
    plain = hotspot_gistar(frame, cell_size=100, clip=BOX)
    assert plain.attrs["hotspots"]["gistar_value"] == "n"
    assert not np.allclose(ours["gistar"], plain["gistar"])
    compat = hotspot_gistar(frame, cell_size=100, weights="weight", compat="sfhotspot-1.0")
    info = compat.attrs["hotspots"]
    assert info["gistar_value"] == "n"
    # sfhotspot 1.0 tests n, not the weights: the same z as without weights, on every cell
    unweighted = hotspot_gistar(make_incidents(xy), cell_size=100, compat="sfhotspot-1.0")
    np.testing.assert_allclose(compat["gistar"], unweighted["gistar"], rtol=1e-12)
    assert not np.allclose(compat["n_weighted"], compat["n"])
    # queen neighbourhood, self included, esda's z on the raw counts of the hull grid
    lattice, pos = grid_from_frame(compat)
    counts = np.zeros(lattice.shape)
    counts.ravel()[pos] = compat["n"]
    np.testing.assert_allclose(compat["gistar"],
                               gistar_grid(counts, lattice.mask, cell_size=100.0).z.ravel()[pos],
                               rtol=1e-12)
    assert info["p_adjust"] == "none"
    assert info["edge_correction"] == "none"
    assert info["grid_extent"] == "points hull"
    np.testing.assert_allclose(compat["p_adj"], compat["p_norm"])
    # grid origin at the corner of the buffered hull, as sf::st_make_grid
    hull = shapely.buffer(shapely.convex_hull(shapely.multipoints(xy)), 50, quad_segs=30)
    assert info["grid"]["x0"] == pytest.approx(hull.bounds[0])
    assert info["grid"]["y0"] == pytest.approx(hull.bounds[1])


def test_gistar_permutations_are_seeded(make_incidents):
    rng = np.random.default_rng(12)
    frame = make_incidents(clustered(rng))
    a = hotspot_gistar(frame, cell_size=100, clip=BOX, permutations=99, random_state=1)
    b = hotspot_gistar(frame, cell_size=100, clip=BOX, permutations=99, random_state=1)
    assert "p_sim" in a.columns
    np.testing.assert_array_equal(a["p_sim"], b["p_sim"])
    assert a.attrs["hotspots"]["p_value_source"] == "p_sim"
    assert (a["p_sim"] >= 0.01).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"alpha": 1.5}, "The 'alpha' parameter of hotspot_gistar"),
        ({"p_adjust": "fdr"}, "The 'p_adjust' parameter of hotspot_gistar"),
        ({"cell_size": -5}, "The 'cell_size' parameter of hotspot_gistar"),
        ({"grid_type": "triangle"}, "The 'grid_type' parameter of hotspot_gistar"),
        ({"permutations": 10}, "The 'permutations' parameter"),
        ({"compat": "sfhotspot"}, "The 'compat' parameter of hotspot_gistar"),
        ({"edge_correction": "area"}, "The 'edge_correction' parameter of hotspot_gistar"),
        ({"min_coverage": 1.5}, "The 'min_coverage' parameter of hotspot_gistar"),
    ],
)
def test_gistar_bad_parameters(make_incidents, kwargs, message):
    frame = make_incidents([[100, 100], [300, 300], [310, 320]])
    with pytest.raises(ValueError, match=message):
        hotspot_gistar(frame, **{"cell_size": 100, "clip": BOX, **kwargs})


def test_gistar_without_incidents_in_the_grid(make_incidents):
    with pytest.raises(EmptyDataError, match="no located incident falls inside the grid"):
        hotspot_gistar(make_incidents([[5000, 5000]], n_unknown=2), cell_size=100, clip=BOX)


# --- planted truth on Bradford --------------------------------------------------------------
def planted(outline, rng, centres, n_background=20_000, per_cluster=150, sd=150.0):
    xy = [uniform_in(outline, n_background, rng)]
    for c in centres:
        xy.append(rng.normal(c, sd, (per_cluster, 2)))
    return np.concatenate(xy)


def test_planted_clusters_are_found(make_incidents, bradford_areas):
    wards = bradford_areas["ward"]
    centres = [np.array(shapely.get_coordinates(wards.geometry.iloc[i].point_on_surface())[0])
               for i in (2, 12, 24)]
    grid = hotspot_grid(clip=bradford_areas, cell_size=500)
    for seed in (1, 2):
        rng = np.random.default_rng(seed)
        frame = make_incidents(planted(bradford_areas.outline, rng, centres))
        g = hotspot_gistar(frame, grid=grid)
        lattice, pos = grid_from_frame(g)
        for c in centres:
            cell = lattice.locate([c[0]], [c[1]])[0]
            row = g.iloc[int(np.flatnonzero(pos == cell)[0])]
            assert row["hotspot"] == "hot"
            assert row["gi_bin"] == 3


def test_no_hot_cells_without_planted_clusters(make_incidents, bradford_areas):
    # Under complete spatial randomness a false discovery rate of 5% means at most a 5%
    # chance that a map shows any significant cell at all (less for the positively
    # correlated Gi* tests). Per seed that can happen; across 20 seeds more than 3 maps with
    # a hot cell would have a probability of 1.6% if the test were exactly calibrated.
    grid = hotspot_grid(clip=bradford_areas, cell_size=500)
    with_hot = []
    for seed in range(20):
        rng = np.random.default_rng(1000 + seed)
        frame = make_incidents(uniform_in(bradford_areas.outline, 20_000, rng))
        # "drop" (ptools::prep_grid): the plain default calls partial boundary cells cold
        # and lifts interior z (measured: a hot cell in 6 of the first 10 maps and 4 to 45
        # cold partial cells in every map), see test_edge_correction_removes_the_boundary_bias
        g = hotspot_gistar(frame, grid=grid, edge_correction="drop")
        with_hot.append(int((g["hotspot"] == "hot").sum()))
    assert sum(k > 0 for k in with_hot) <= 3, with_hot
    assert sum(with_hot[:5]) == 0, with_hot  # the brief's "several seeds": none at all


def test_edge_correction_removes_the_boundary_bias(make_incidents, bradford_areas):
    # Uniform points over the district. Without correction, boundary cells that are partly
    # outside hold fewer incidents, look cold and lower the mean, which lifts the z of
    # every interior cell; with the coverage correction both biases vanish.
    grid = hotspot_grid(clip=bradford_areas, cell_size=500)
    interior = (grid["coverage"] == 1.0).to_numpy()
    edge = ((grid["coverage"] >= 0.5) & (grid["coverage"] < 1.0)).to_numpy()
    z_raw, z_fixed = [], []
    for seed in range(6):
        rng = np.random.default_rng(seed)
        frame = make_incidents(uniform_in(bradford_areas.outline, 20_000, rng))
        z_raw.append(hotspot_gistar(frame, grid=grid, edge_correction="none")["gistar"])
        z_fixed.append(hotspot_gistar(frame, grid=grid, edge_correction="coverage")["gistar"])
    z_raw, z_fixed = np.array(z_raw), np.array(z_fixed)
    # measured: raw +0.64 interior and strongly negative at the edge; corrected about 0
    assert z_raw[:, interior].mean() > 0.3
    assert z_raw[:, edge].mean() < -0.5
    assert abs(z_fixed[:, interior].mean()) < 0.05
    assert abs(z_fixed[:, edge].mean()) < 0.15


# --- real data: City of London 2019 ---------------------------------------------------------
def test_city_of_london_gistar_end_to_end(city_2019, city_areas):
    g = hotspot_gistar(city_2019, clip=city_areas, permutations=0)
    assert g.columns.tolist() == [*GRID_COLUMNS, *AREA_COLUMNS, *GISTAR_COLUMNS, "geometry"]
    assert g["cell_id"].is_monotonic_increasing
    info = g.attrs["hotspots"]
    n_rows = len(city_2019)
    unknown = int((city_2019["location_status"] == "unknown").sum())
    assert info["n_incidents"] == n_rows
    assert info["n_unknown_location"] == unknown
    # 2019: 9,356 geocoded rows (data README); some fall just outside the City
    assert info["n_located"] == 9356
    assert g["n"].sum() + info["n_outside_grid"] == 9356
    assert info["n_hot"] > 0
    hot = g[g["hotspot"] == "hot"]
    assert (hot["gistar"] > 0).all()
    assert (hot["gi_bin"] > 0).all()
    assert set(hot["ward"].astype(str)) <= set(city_areas["ward"]["area_name"])
    assert info["boundary"] == "city-of-london-2013"


def test_city_of_london_kde_and_ward_gistar(city_2019, city_areas):
    k = hotspot_kde(city_2019, clip=city_areas, cell_size=50)
    assert k["kde"].max() > 0
    assert (k["kde"] >= 0).all()
    assert k.attrs["hotspots"]["kde_method"] in ("exact", "binned")
    from hotspots.areas import area_counts

    table = area_counts(city_2019, city_areas, level="ward")
    r = area_gistar(table, city_areas, level="ward")
    assert len(r) == 25
    assert r.columns.tolist() == ["area_id", "area_name", "n", "gistar", "p_norm", "p_adj",
                                  "gi_bin", "n_neighbours", "hotspot", "geometry"]
    assert r.attrs["hotspots"]["n_rows_without_area"] == 2  # outside district, unknown
    assert r["n"].sum() + r.attrs["hotspots"]["value_without_area"] == len(city_2019)


# --- area_gistar ----------------------------------------------------------------------------
def test_area_gistar_series_and_table_agree(bradford_areas):
    wards = bradford_areas["ward"]
    rng = np.random.default_rng(13)
    values = pd.Series(rng.poisson(40, len(wards)), index=wards["area_id"])
    a = area_gistar(values, bradford_areas)
    table = pd.DataFrame({"area_id": [*values.index, pd.NA], "area_name": [*wards["area_name"],
                          "Unknown location"], "n": [*values.to_numpy(), 17]})
    b = area_gistar(table, bradford_areas, level="ward")
    np.testing.assert_allclose(a["gistar"], b["gistar"])
    assert b.attrs["hotspots"]["value_without_area"] == 17
    assert a.attrs["hotspots"]["level"] == "ward"
    assert a["area_id"].tolist() == wards["area_id"].tolist()
    # missing areas count 0
    c = area_gistar(values.iloc[1:], bradford_areas)
    assert c["n"].iloc[0] == 0
    assert c.attrs["hotspots"]["n_missing_areas"] == 1
    d = area_gistar(values, bradford_areas, contiguity=3000.0)
    assert d.attrs["hotspots"]["contiguity"].startswith("distance band")


def test_area_gistar_rejects_bad_tables(bradford_areas):
    wards = bradford_areas["ward"]
    values = pd.Series(1, index=wards["area_id"]).astype(object)
    values.iloc[0] = "<5"
    with pytest.raises(ValidationError, match="suppressed"):
        area_gistar(values, bradford_areas)
    with pytest.raises(ValidationError, match="not in the boundaries"):
        area_gistar(pd.Series([1, 2], index=["E05000001", "nope"]), bradford_areas)
    with pytest.raises(ValueError, match="The 'level' parameter of area_gistar"):
        area_gistar(pd.Series(dtype=float), bradford_areas, level="lsoa")


def test_inputs_are_not_modified(make_incidents):
    rng = np.random.default_rng(14)
    frame = make_incidents(clustered(rng), n_unknown=2)
    snapshot = copy.deepcopy(frame)
    hotspot_gistar(frame, cell_size=100, clip=BOX)
    hotspot_kde(frame, cell_size=100, clip=BOX, bandwidth=300)
    pd.testing.assert_frame_equal(frame, snapshot)


def test_located_rows_without_geometry_are_counted_as_unknown_with_a_warning(make_incidents):
    frame = make_incidents([[100, 100], [200, 200], [300, 300]])
    frame.loc[1, "geometry"] = shapely.Point()  # says "located" but has no point
    with pytest.warns(DataQualityWarning, match="1 rows have location_status 'located'"):
        g = hotspot_count(frame, cell_size=100, clip=BOX)
    assert g.attrs["hotspots"]["n_unknown_location"] == 1
    assert g["n"].sum() == 2


def test_non_point_geometries_are_rejected_with_rows(make_incidents):
    frame = make_incidents([[100, 100], [200, 200]])
    frame.loc[1, "geometry"] = shapely.box(0, 0, 10, 10)
    with pytest.raises(ValidationError, match="not points") as err:
        hotspot_count(frame, cell_size=100, clip=BOX)
    assert err.value.problems[0].rows == (3,)


# --- edge cases a user hits -------------------------------------------------------------------
def test_single_incident_and_all_in_one_cell_give_the_hand_z(make_incidents):
    # 10 x 10 cells, one incident in cell (4, 4): n = 100, mean 0.01, s^2 = 0.01 - 0.0001;
    # the cell and its 8 neighbours: z = (1 - 9 * 0.01) / sqrt(s^2 (100 * 9 - 81) / 99)
    z_hand = 0.91 / math.sqrt(0.0099 * 819 / 99)
    one = hotspot_gistar(make_incidents([[450.0, 450.0]]), cell_size=100, clip=BOX)
    assert one["n"].sum() == 1
    busy = one.loc[one["n"] == 1]
    assert busy["gistar"].item() == pytest.approx(z_hand, rel=1e-12)
    # 50 incidents on one snap point: counts scale by 50, z is scale-invariant
    many = hotspot_gistar(make_incidents(np.tile([[450.0, 450.0]], (50, 1))), cell_size=100,
                          clip=BOX)
    np.testing.assert_allclose(many["gistar"], one["gistar"], rtol=1e-12)
    assert many["n"].max() == 50
    # a single location gives no extent to size cells by: a clear error, not a traceback
    with pytest.raises(ValueError, match="Pass cell_size explicitly"):
        hotspot_gistar(make_incidents([[450.0, 450.0]]))


def test_no_located_incidents_and_incidents_outside_the_boundary(make_incidents):
    nothing = make_incidents(np.empty((0, 2)), n_unknown=4)
    for verb in (hotspot_count, hotspot_kde, hotspot_gistar):
        with pytest.raises(EmptyDataError, match="no incident has a known location"):
            verb(nothing)
    # with a boundary the grid exists: counts are zero and the unknown rows are reported
    g = hotspot_count(nothing, cell_size=100, clip=BOX)
    assert g["n"].sum() == 0
    assert g.attrs["hotspots"]["n_unknown_location"] == 4
    away = make_incidents([[5000.0, 5000.0], [5100.0, 5100.0]], n_unknown=1)
    c = hotspot_count(away, cell_size=100, clip=BOX)
    assert (c["n"] == 0).all()
    assert (c.attrs["hotspots"]["n_located"], c.attrs["hotspots"]["n_outside_grid"]) == (2, 2)
    with pytest.raises(EmptyDataError, match=r"\(2 located, 1 without a location\)"):
        hotspot_gistar(away, cell_size=100, clip=BOX)


def test_one_row_grid_matches_a_chain_of_neighbours(make_incidents):
    # a strip one cell high: neighbours are the cells left and right only
    strip = shapely.box(0, 0, 1000, 100)
    rng = np.random.default_rng(21)
    xy = np.column_stack([rng.uniform(0, 1000, 80) ** 1.3 / 1000**0.3, rng.uniform(0, 100, 80)])
    g = hotspot_gistar(make_incidents(xy), cell_size=100, clip=strip)
    assert len(g) == 10
    assert g["n_neighbours"].tolist() == [1] + [2] * 8 + [1]
    from scipy import sparse

    from hotspots.stats.gistar import gistar_sparse

    chain = sparse.diags([np.ones(9), np.ones(9)], [-1, 1])
    ref = gistar_sparse(g["n"].to_numpy(float), chain)
    np.testing.assert_allclose(g["gistar"], ref.z, rtol=1e-12)


@pytest.mark.parametrize("crs", [4326, 3857])
def test_geographic_and_web_mercator_frames_are_refused(make_incidents, crs):
    frame = make_incidents([[410_000.0, 440_000.0], [411_000.0, 441_000.0]]).to_crs(crs)
    for verb in (hotspot_count, hotspot_kde, hotspot_gistar):
        with pytest.raises(CRSError, match=rf"EPSG:{crs}.*incidents\.to_crs\('EPSG:27700'\)"):
            verb(frame, cell_size=100)


def test_missing_weight_is_an_error_naming_row_and_column(make_incidents):
    frame = make_incidents([[100.0, 100.0], [200.0, 200.0], [300.0, 300.0]],
                           weight=[1.0, np.nan, 2.0])
    with pytest.raises(ValidationError, match="column 'weight'") as err:
        hotspot_gistar(frame, cell_size=100, clip=BOX, weights="weight")
    problem = err.value.problems[0]
    assert (problem.column, problem.rows, problem.n_rows) == ("weight", (3,), 1)
    # without weights= the column is not used, so its gap does not matter
    assert hotspot_count(frame, cell_size=100, clip=BOX)["n"].sum() == 3


def test_grid_without_coverage_records_no_edge_correction(make_incidents):
    rng = np.random.default_rng(22)
    frame = make_incidents(clustered(rng))
    grid = hotspot_grid(clip=BOX, cell_size=100).drop(columns="coverage")
    g = hotspot_gistar(frame, grid=grid)
    info = g.attrs["hotspots"]
    assert (info["edge_correction"], info["gistar_value"], info["min_coverage"]) == (
        "none", "n", None)
    ref = hotspot_gistar(frame, cell_size=100, clip=BOX, edge_correction="none")
    np.testing.assert_allclose(g["gistar"], ref["gistar"], rtol=1e-12)


def test_planted_clusters_from_simulate_are_hot_and_clustered(bradford_areas):
    # the acceptance test of issue 6 with hotspots.simulate: every planted centre lies in a
    # Gi* hot cell (99 % after FDR) and in its own DBSCAN cluster
    from hotspots.cluster import cluster_incidents, cluster_summary
    from hotspots.simulate import simulate_incidents

    grid = hotspot_grid(clip=bradford_areas, cell_size=500)
    lattice, pos = grid_from_frame(grid)
    for seed in range(4):
        frame = simulate_incidents(bradford_areas, seed=seed)
        centres = [(c["x"], c["y"]) for c in frame.attrs["hotspots"]["simulation"]["clusters"]]
        g = hotspot_gistar(frame, grid=grid)
        cells = lattice.locate([c[0] for c in centres], [c[1] for c in centres])
        rows = g.set_index(pos).loc[cells]
        assert (rows["hotspot"] == "hot").all(), (seed, rows["hotspot"].tolist())
        assert (rows["gi_bin"] == 3).all()
        s = cluster_summary(frame, cluster_incidents(frame, eps=150, min_samples=15))
        holding = [s.loc[s.geometry.contains(shapely.Point(c)), "cluster_id"].tolist()
                   for c in centres]
        assert all(len(h) == 1 for h in holding), (seed, holding)
        assert len({h[0] for h in holding}) == len(centres), (seed, holding)


# --- verbs as fast as their kernels (issue 16) -----------------------------------------------


def test_snap_info_finds_the_locations_np_unique_finds_on_the_city_and_edge_cases(city_2019):
    from hotspots.grid.snap import distinct_locations, snap_info

    xy = shapely.get_coordinates(city_2019.geometry.dropna().to_numpy())
    cases = [
        (xy[:, 0], xy[:, 1]),  # real police.uk snap points: 9,356 crimes on 560 points
        (np.array([0.0, -0.0, 1.0, 1.0]), np.array([5.0, 5.0, 2.0, 2.0])),  # -0.0 == 0.0
        (np.array([3.0]), np.array([4.0])),
        (np.empty(0), np.empty(0)),
        (np.repeat([0.0, 50.0, 100.0], 20), np.zeros(60)),
    ]
    rng = np.random.default_rng(7)
    grid_pts = rng.integers(0, 30, (5000, 2)).astype(float)  # many exact repeats, ties in x
    cases.append((grid_pts[:, 0], grid_pts[:, 1]))
    for x, y in cases:
        if x.size:
            want_loc, want_n = np.unique(np.column_stack([x, y]), axis=0, return_counts=True)
            loc, n = distinct_locations(x, y)
            np.testing.assert_array_equal(loc, want_loc)
            np.testing.assert_array_equal(n, want_n)
            info = snap_info(x, y)
            assert info.n_locations == len(want_n)
            assert info.share_at_shared == want_n[want_n > 1].sum() / x.size
    assert snap_info(xy[:, 0], xy[:, 1]).n_locations == 560


def test_kde_linear_binning_conserves_weight_and_matches_the_four_corner_rule():
    from hotspots.stats.kde import _linear_bin

    rng = np.random.default_rng(11)
    s = rng.uniform(-20, 120, (70_000, 2))  # some beyond the 10 x 8 lattice: dropped
    w = rng.uniform(0.5, 2.0, s.shape[0])
    got = _linear_bin(s[:, 0], s[:, 1], w, 0.0, 0.0, 10.0, 10, 8)
    # the rule written out point by point: share w among the 4 nodes around each point
    want = np.zeros((8, 10))
    fx, fy = s[:, 0] / 10, s[:, 1] / 10
    i, j = np.floor(fx).astype(int), np.floor(fy).astype(int)
    ok = (i >= 0) & (i < 9) & (j >= 0) & (j < 7)
    tx, ty = fx - i, fy - j
    for di, dj, share in ((0, 0, (1 - tx) * (1 - ty)), (1, 0, tx * (1 - ty)),
                          (0, 1, (1 - tx) * ty), (1, 1, tx * ty)):
        np.add.at(want, (j[ok] + dj, i[ok] + di), (w * share)[ok])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)
    assert got.sum() == pytest.approx(w[ok].sum(), rel=1e-12)
    assert 0 < ok.sum() < s.shape[0]  # the lattice really dropped some points
    unweighted = _linear_bin(s[:, 0], s[:, 1], None, 0.0, 0.0, 10.0, 10, 8)
    assert unweighted.sum() == pytest.approx(ok.sum(), rel=1e-12)
