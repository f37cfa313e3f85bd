"""Clipped grids: raster interiors, local overlays, the cache (grid/clip.py, issue 16)."""


import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.grid import Grid, hotspot_grid
from hotspots.grid import build as grid_mod

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
    # levels that nest take the lowest level's parent through the lookup (as assign_areas
    # does since issue 12), so a cell's constituency is always its ward's
    lowest = areas.level_names[0]
    for level in areas.level_names[1:]:
        if areas.nesting.set_index("higher").loc[level, "nests"]:
            parent = areas.lookup.set_index(f"{lowest}_id")[f"{level}_id"]
            labels[level] = parent.reindex(labels[lowest]).to_numpy()
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


def test_rectangle_clips_equal_overlays_with_the_loop_and_the_ufunc(bradford_areas,
                                                                    monkeypatch):
    from hotspots.grid import clip as _grid_clip

    wards = bradford_areas["ward"].geometry.to_numpy()
    rng = np.random.default_rng(4)
    pick = rng.integers(0, wards.size, 300)
    # boxes of 50 m to 900 m around a vertex of the ward's boundary: cut by it
    corner = np.array([rng.choice(shapely.get_coordinates(w)) for w in wards[pick]])
    half = rng.uniform(25, 450, (300, 1))
    bounds = np.column_stack([corner - half, corner + half])
    want = shapely.area(shapely.intersection(wards[pick], shapely.box(*bounds.T)))
    fast = shapely.area(_grid_clip._clip_to_boxes(wards[pick], bounds))
    assert ((want > 0) & (want < 0.999 * (2 * half[:, 0]) ** 2)).sum() > 250
    np.testing.assert_allclose(fast, want, rtol=0, atol=1e-9 * bounds[:, 2:].max())
    monkeypatch.setattr(_grid_clip, "_RECT_CLIP", None)  # a shapely without the ufunc
    np.testing.assert_allclose(shapely.area(_grid_clip._clip_to_boxes(wards[pick], bounds)),
                               fast, rtol=0, atol=1e-6)


# --- GeoDataFrame, GeoSeries and shapely clips are cached by content (issue 16) -------------
def _count_builds(monkeypatch):
    calls = []
    real = grid_mod._clipped_cells
    monkeypatch.setattr(grid_mod, "_clipped_cells",
                        lambda *a: calls.append(a[0].cell_size) or real(*a))
    return calls


def test_geodataframe_clip_is_cached_by_its_geometries(bradford_wards, monkeypatch):
    from hotspots.grid import clip as _grid_clip

    _grid_clip.clear_cache()
    calls = _count_builds(monkeypatch)
    wards = bradford_wards.copy()
    first = hotspot_grid(clip=wards, cell_size=700)
    again = hotspot_grid(clip=wards, cell_size=700)
    assert calls == [700.0]
    pd.testing.assert_frame_equal(first, again)
    # a copy, or other columns changed, is the same clip: a hit
    other = wards.copy()
    other["WD13NM"] = "renamed"
    hotspot_grid(clip=other, cell_size=700)
    hotspot_grid(clip=wards.geometry, cell_size=700)  # a GeoSeries is keyed on its own
    assert calls == [700.0, 700.0]
    # the same frame edited in place (one ward moved 300 m east) must not hit the old entry
    wards.loc[0, "geometry"] = shapely.affinity.translate(wards.geometry.iloc[0], 300.0)
    edited = hotspot_grid(clip=wards, cell_size=700)
    assert calls == [700.0, 700.0, 700.0]
    _grid_clip.clear_cache()
    fresh = hotspot_grid(clip=wards, cell_size=700)
    pd.testing.assert_frame_equal(edited, fresh)
    assert not edited[["cell_id", "coverage"]].equals(first[["cell_id", "coverage"]])
    # another CRS is another key, even with the same numbers
    hotspot_grid(clip=wards.set_crs(32630, allow_override=True), cell_size=700)
    assert calls == [700.0, 700.0, 700.0, 700.0, 700.0]


def test_clip_key_follows_content_not_identity(bradford_wards):
    from hotspots.grid.clip import clip_key

    wards = bradford_wards
    assert clip_key(wards) == clip_key(wards.copy()) == clip_key(wards[["geometry"]])
    assert clip_key(wards) != clip_key(wards.iloc[::-1])
    assert clip_key(wards) != clip_key(wards.iloc[1:])
    assert clip_key(wards) != clip_key(wards.geometry)  # a GeoSeries: its own kind
    moved = wards.copy()
    moved.loc[3, "geometry"] = shapely.affinity.translate(moved.geometry.iloc[3], 1e-6)
    assert clip_key(moved) != clip_key(wards)
    box = shapely.box(0, 0, 1000, 500)
    assert clip_key(box) == clip_key(shapely.box(0, 0, 1000, 500)) != clip_key(
        shapely.box(0, 0, 1000, 501))
    assert clip_key(None) is None


def test_shapely_clip_is_cached_and_equals_an_uncached_build(monkeypatch):
    from hotspots.grid import clip as _grid_clip

    _grid_clip.clear_cache()
    calls = _count_builds(monkeypatch)
    region = shapely.Point(500, 500).buffer(420)
    first = hotspot_grid(clip=region, cell_size=40)
    second = hotspot_grid(clip=region, cell_size=40)
    assert calls == [40.0]
    pd.testing.assert_frame_equal(first, second)
    # the edge cells' coverage is the overlay's
    cells = first.geometry.to_numpy()
    np.testing.assert_allclose(first["coverage"].to_numpy(),
                               shapely.area(shapely.intersection(cells, region)) / 1600.0,
                               rtol=0, atol=1e-12)
