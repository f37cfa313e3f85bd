"""Grids: cell size rule, layout and ids, binning, clipping, area labels, CRS checks."""

import logging
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.spatial import cKDTree

from hotspots import grid as grid_mod
from hotspots.errors import CRSError, EmptyDataError
from hotspots.grid import Grid, cell_size_auto, grid_from_frame, hotspot_grid


# --- cell size ----------------------------------------------------------------------------
def test_cell_size_rule_matches_sfhotspot_examples():
    assert cell_size_auto((0, 0, 20_000, 15_000))[0] == 300.0
    assert cell_size_auto((0, 0, 4_000, 4_000))[0] == 80.0
    assert cell_size_auto((0, 0, 30_000, 26_499))[0] == 500.0
    assert "rounded down" in cell_size_auto((0, 0, 20_000, 15_000))[1]
    with pytest.raises(ValueError, match="Pass cell_size"):
        cell_size_auto((5, 5, 5, 10))


def test_automatic_cell_size_is_logged_and_recorded(bradford_wards, caplog):
    with caplog.at_level(logging.INFO, logger="hotspots.grid"):
        g = hotspot_grid(clip=bradford_wards)
    info = g.attrs["hotspots"]
    # Bradford's bounding box is 27.7 km x 26.6 km: 26.6 km / 50 = 531 -> 500 m
    assert info["cell_size"] == 500.0
    assert info["cell_size_rule"] == 500.0  # a multiple of 100 m is kept as it is
    assert info["cell_size_reason"].startswith("automatic: 50 cells")
    assert "cell size 500" in caplog.text
    assert info["n_cells"] == len(g)
    assert info["grid_extent"] == "boundary"


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


# --- hotspot_grid ---------------------------------------------------------------------------
def test_box_grid_layout_and_ids():
    g = hotspot_grid(clip=shapely.box(1000, 2000, 2000, 2500), cell_size=250)
    assert g.columns.tolist() == ["cell_id", "x", "y", "inside", "coverage", "geometry"]
    assert len(g) == 8
    assert g["cell_id"].tolist() == [0, 1, 2, 3, 4, 5, 6, 7]
    assert g["x"].tolist()[:4] == [1125.0, 1375.0, 1625.0, 1875.0]
    assert g["y"].tolist()[::4] == [2125.0, 2375.0]
    assert g["inside"].all()
    assert g.attrs["hotspots"]["grid"] == {
        "x0": 1000.0, "y0": 2000.0, "cell_size": 250.0, "nrow": 2, "ncol": 4,
        "grid_type": "square",
    }
    assert isinstance(g.index, pd.RangeIndex)


@pytest.mark.parametrize("grid_type", ["square", "hex"])
def test_clipped_grid_keeps_exactly_the_cells_that_overlap_the_boundary(make_incidents,
                                                                        bradford_wards,
                                                                        grid_type):
    outline = shapely.union_all(bradford_wards.geometry.to_numpy())
    g = hotspot_grid(clip=bradford_wards, cell_size=600, grid_type=grid_type)
    spec = g.attrs["hotspots"]["grid"]
    lattice = Grid(**spec)
    every = np.arange(lattice.nrow * lattice.ncol)
    polys = lattice.polygons(every)
    overlap = shapely.area(shapely.intersection(polys, outline)) > 0
    np.testing.assert_array_equal(g["cell_id"].to_numpy(), every[overlap])
    cx, cy = lattice.centres(every[overlap])
    np.testing.assert_array_equal(g["inside"].to_numpy(), shapely.contains_xy(outline, cx, cy))
    np.testing.assert_allclose(
        g["coverage"], shapely.area(shapely.intersection(polys[overlap], outline))
        / lattice.cell_area, rtol=1e-9, atol=1e-12)
    # origin snapped to the cell size: cells line up with the national grid
    assert spec["x0"] % 600 == 0
    # every kept cell's id is stable for the same boundary and cell size
    g2 = hotspot_grid(make_incidents([[410_000, 440_000]]), clip=bradford_wards,
                      cell_size=600, grid_type=grid_type)
    np.testing.assert_array_equal(g2["cell_id"].to_numpy(), g["cell_id"].to_numpy())


def test_grid_over_points_covers_buffered_hull(make_incidents):
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 1000, (200, 2)) + 400_000
    frame = make_incidents(xy, n_unknown=5)
    g = hotspot_grid(frame, cell_size=100)
    assert g.attrs["hotspots"]["grid_extent"] == "points hull"
    hull = shapely.buffer(shapely.convex_hull(shapely.multipoints(xy)), 50, quad_segs=30)
    assert shapely.intersects(hull, g.geometry.to_numpy()).all()
    # every incident falls in a kept cell
    lattice, _ = grid_from_frame(g)
    assert (lattice.locate(xy[:, 0], xy[:, 1]) >= 0).all()
    # cell size from the points' bounding box (about 1 km: under 5 km so side / 50 = 19.6 m),
    # rounded to a readable 20 m; the rule's value is kept beside it (issue 15)
    auto = hotspot_grid(frame)
    assert auto.attrs["hotspots"]["cell_size_rule"] == pytest.approx(
        min(np.ptp(xy[:, 0]), np.ptp(xy[:, 1])) / 50
    )
    assert auto.attrs["hotspots"]["cell_size"] == 20.0
    assert "rounded from 19.6 m to a readable 20 m" in auto.attrs["hotspots"]["cell_size_reason"]


def test_area_labels_follow_the_centre_else_the_largest_overlap(make_incidents, bradford_areas):
    from hotspots.areas import assign_areas

    g = hotspot_grid(clip=bradford_areas, cell_size=500)
    assert g.columns.tolist() == ["cell_id", "x", "y", "inside", "coverage", "ward_id", "ward",
                                  "constituency_id", "constituency", "geometry"]
    assert str(g["ward_id"].dtype) == "string"
    assert isinstance(g["ward"].dtype, pd.CategoricalDtype)
    assert g["ward"].cat.categories[-1] == "Outside district"
    assert g.attrs["hotspots"]["vintage"] == "2013"
    # cells whose centre is inside: the same ward as assign_areas gives the centre point
    inside = g[g["inside"]]
    pts = make_incidents(np.column_stack([inside["x"], inside["y"]]))
    labelled = assign_areas(pts, bradford_areas)
    assert (labelled["ward_id"].to_numpy() == inside["ward_id"].to_numpy()).all()
    assert (labelled["constituency"].astype(str).to_numpy()
            == inside["constituency"].astype(str).to_numpy()).all()
    # edge cells whose centre is outside: the ward holding the largest part of the cell
    edge = g[~g["inside"]]
    assert len(edge) > 0
    wards = bradford_areas["ward"]
    for _, cell in edge.head(15).iterrows():
        share = shapely.area(shapely.intersection(wards.geometry.to_numpy(), cell.geometry))
        assert cell["ward_id"] == wards["area_id"].iloc[int(np.argmax(share))]
    assert (g["ward"] != "Outside district").all()


def test_geodataframe_and_shapely_clip_agree(bradford_wards):
    a = hotspot_grid(clip=bradford_wards, cell_size=1000)
    b = hotspot_grid(clip=shapely.union_all(bradford_wards.geometry.to_numpy()), cell_size=1000)
    np.testing.assert_array_equal(a["cell_id"], b["cell_id"])
    assert "ward" not in a.columns


def test_crs_problems_are_errors(make_incidents, bradford_wards):
    frame = make_incidents([[410_000, 440_000], [411_000, 441_000]])
    with pytest.raises(CRSError, match="to_crs"):
        hotspot_grid(frame.to_crs(4326), cell_size=100)
    with pytest.raises(CRSError, match="EPSG:3857"):
        hotspot_grid(frame, clip=bradford_wards.to_crs(3857), cell_size=100)
    with pytest.raises(CRSError, match="no coordinate reference system"):
        hotspot_grid(frame.set_crs(None, allow_override=True), cell_size=100)


def test_nothing_to_grid_over(make_incidents):
    with pytest.raises(EmptyDataError, match="no incident has a known location"):
        hotspot_grid(make_incidents(np.empty((0, 2)), n_unknown=3), cell_size=100)


def test_more_than_a_million_cells_warns(monkeypatch):
    monkeypatch.setattr(grid_mod, "MAX_CELLS_WARNING", 10)
    with pytest.warns(UserWarning, match="more than 10"):
        hotspot_grid(clip=shapely.box(0, 0, 1000, 1000), cell_size=100)


@pytest.mark.parametrize("grid_type", ["square", "hex"])
def test_grid_from_frame_round_trip(bradford_wards, grid_type, tmp_path):
    g = hotspot_grid(clip=bradford_wards, cell_size=700, grid_type=grid_type)
    lattice, pos = grid_from_frame(g)
    cx, cy = lattice.centres(pos)
    np.testing.assert_allclose(cx, g["x"], atol=1e-6)
    np.testing.assert_allclose(cy, g["y"], atol=1e-6)
    # a subset written to a file and read back still works (no attrs needed)
    sub = g.iloc[::3].reset_index(drop=True)
    sub.to_file(tmp_path / "g.gpkg")
    back = gpd.read_file(tmp_path / "g.gpkg")
    lattice2, pos2 = grid_from_frame(back)
    cx2, cy2 = lattice2.centres(pos2)
    np.testing.assert_allclose(cx2, sub["x"], atol=1e-6)
    np.testing.assert_allclose(cy2, sub["y"], atol=1e-6)
    assert lattice2.n_cells == len(sub)
    assert lattice2.cell_size == pytest.approx(700)
    assert math.isclose(lattice2.cell_area, lattice.cell_area)


class DuckAreas:
    """Only what hotspot_grid needs of an AreaSet (no label raster, no locate)."""

    def __init__(self, areas):
        self._areas = areas
        self.level_names = areas.level_names
        self.outline = areas.outline
        self.name = "duck"
        self.vintage = "2013"

    def __getitem__(self, level):
        return self._areas[level]


def test_duck_typed_area_set_gives_the_same_labels(bradford_areas):
    real = hotspot_grid(clip=bradford_areas, cell_size=800)
    duck = hotspot_grid(clip=DuckAreas(bradford_areas), cell_size=800)
    pd.testing.assert_frame_equal(real.drop(columns="geometry"), duck.drop(columns="geometry"))
    assert duck.attrs["hotspots"]["boundary"] == "duck"


# --- the clipped grid a user asks for: raster interiors, local overlays, cache (issue 16) ------


def _brute_force_grid(areas, spec):
    """Every rectangle cell overlaid with the whole outline and every area: the slow truth."""
    lattice = Grid(**spec)
    outline = areas.outline
    every = np.arange(lattice.nrow * lattice.ncol)
    polys = lattice.polygons(every)
    meet = shapely.intersects(outline, polys) & ~shapely.touches(outline, polys)
    cx, cy = lattice.centres(every)
    inside = shapely.contains_xy(outline, cx, cy)
    keep = meet | inside
    cover = shapely.area(shapely.intersection(polys[keep], outline)) / lattice.cell_area
    labels = {}
    for level in areas.level_names:
        frame = areas[level]
        geoms = frame.geometry.to_numpy()
        share = shapely.area(shapely.intersection(polys[keep][:, None], geoms[None, :]))
        holder = shapely.intersects(geoms[None, :], shapely.points(cx[keep], cy[keep])[:, None])
        # centre in an area: the smallest id among those holding it; else the largest overlap
        rank = np.argsort(np.argsort(frame["area_id"].to_numpy(), kind="stable"))
        by_rank = np.where(holder, rank[None, :], len(rank)).argmin(axis=1)
        which = np.where(holder.any(axis=1), by_rank, share.argmax(axis=1))
        labels[level] = frame["area_id"].to_numpy()[which]
    return every[keep], inside[keep], np.clip(cover, 0, 1), labels


@pytest.mark.parametrize(("grid_type", "cell_size"), [("square", 400.0), ("hex", 450.0)])
def test_area_set_grid_equals_the_brute_force_overlay(bradford_areas, grid_type, cell_size):
    from hotspots.grid import clip as _grid_clip

    _grid_clip.clear_cache()
    g = hotspot_grid(clip=bradford_areas, cell_size=cell_size, grid_type=grid_type)
    ids, inside, cover, labels = _brute_force_grid(bradford_areas, g.attrs["hotspots"]["grid"])
    np.testing.assert_array_equal(g["cell_id"].to_numpy(), ids)
    np.testing.assert_array_equal(g["inside"].to_numpy(), inside)
    np.testing.assert_allclose(g["coverage"].to_numpy(), cover, rtol=0, atol=1e-9)
    assert 0 < (g["coverage"] < 1).sum() < len(g)  # the edge really was cut
    for level, want in labels.items():
        np.testing.assert_array_equal(g[f"{level}_id"].astype(str).to_numpy(), want)


def test_local_overlaps_equal_whole_polygon_overlays(bradford_areas):
    from hotspots.grid.clip import local_overlaps

    wards = bradford_areas["ward"].geometry.to_numpy()
    lattice = Grid.covering(shapely.total_bounds(wards), 120.0)
    rng = np.random.default_rng(3)
    ids = np.sort(rng.choice(lattice.nrow * lattice.ncol, 4000, replace=False))
    cells = lattice.polygons(ids)
    i, j, area, _ = local_overlaps(wards, lattice, ids, cells)
    full = shapely.area(shapely.intersection(cells[:, None], wards[None, :]))
    got = np.zeros_like(full)
    got[i, j] = area
    np.testing.assert_allclose(got, full, rtol=0, atol=1e-9 * lattice.cell_area)
    assert (full > 0).sum() == (area > 0).sum() > 2000  # every overlapping pair was found


def test_clipped_grid_is_cached_per_boundary_cell_size_and_origin(bradford_areas, monkeypatch):
    from hotspots.areas import AreaSet
    from hotspots.grid import clip as _grid_clip

    _grid_clip.clear_cache()
    calls = []
    real = grid_mod._clipped_cells
    monkeypatch.setattr(grid_mod, "_clipped_cells",
                        lambda *a: calls.append(a[0].cell_size) or real(*a))
    first = hotspot_grid(clip=bradford_areas, cell_size=700)
    first.loc[0, "coverage"] = -5.0  # a caller editing its frame must not reach the cache
    first["ward"] = "edited"
    again = hotspot_grid(clip=bradford_areas, cell_size=700)
    assert calls == [700.0]
    assert again["coverage"].min() > 0
    assert (again["ward"] != "edited").all()
    # a copy of the same boundaries hits the cache; a changed boundary set does not
    levels = {lv: bradford_areas[lv] for lv in bradford_areas.level_names}
    same = AreaSet(levels, name="bradford-2013", vintage="2013")
    hotspot_grid(clip=same, cell_size=700)
    assert calls == [700.0]
    shrunk = dict(levels)
    shrunk["ward"] = levels["ward"].iloc[1:]
    hotspot_grid(clip=AreaSet(shrunk, name="bradford-2013", vintage="2013"), cell_size=700)
    hotspot_grid(clip=bradford_areas, cell_size=800)
    assert calls == [700.0, 700.0, 800.0]
    pd.testing.assert_frame_equal(
        hotspot_grid(clip=bradford_areas, cell_size=700).drop(columns="geometry"),
        again.drop(columns="geometry"))
    # memory stays bounded: a grid larger than the cache's cell budget is not kept
    monkeypatch.setattr(_grid_clip, "_CACHE_CELLS", len(again) - 1)
    _grid_clip.clear_cache()
    hotspot_grid(clip=bradford_areas, cell_size=700)
    hotspot_grid(clip=bradford_areas, cell_size=700)
    assert calls == [700.0, 700.0, 800.0, 700.0, 700.0]
    assert not _grid_clip._CACHE


def test_automatic_cell_size_is_readable_and_keeps_the_rule(make_incidents):
    # issue 15: side / 50 = 33.79 m on a 1,689.7 m box is drawn as 30 m, the rule kept beside it
    xy = np.array([[0.0, 0.0], [1689.7, 2000.0], [800.0, 900.0]]) + 400_000
    frame = make_incidents(xy)
    info = hotspot_grid(frame).attrs["hotspots"]
    assert info["cell_size"] == 30.0
    assert info["cell_size_rule"] == pytest.approx(33.794)
    assert hotspot_grid(frame, cell_size=33.794).attrs["hotspots"]["cell_size_rule"] is None
    # sfhotspot compat reproduces its rule, unrounded
    from hotspots.hotspot import hotspot_kde

    compat = hotspot_kde(frame, compat="sfhotspot-1.0").attrs["hotspots"]
    assert compat["cell_size"] == pytest.approx(33.794)
    # a rule at or over the public maps' 100 m minimum never rounds below it
    for rule in (100.0, 104.9, 120.0, 149.0):
        size, _ = grid_mod._readable_cell_size(rule, "r")
        assert size >= 100.0
    assert grid_mod._readable_cell_size(700.0, "r")[0] == 700.0  # multiples of 100 m kept
