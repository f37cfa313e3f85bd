"""Cell polygons made on first read (grid/_lazy.py, issue 16)."""

import pickle

import geopandas as gpd
import numpy as np
import shapely

from hotspots.grid import Grid, hotspot_grid
from hotspots.grid import clip as _grid_clip
from hotspots.grid._lazy import CellSource, LazyCells


def test_lazy_cells_read_as_the_polygons_and_views_share_copies_do_not():
    lattice = Grid(100.0, 200.0, 50.0, nrow=4, ncol=5)
    ids = np.array([0, 3, 7, 19])
    cells = LazyCells(CellSource(lattice, ids), crs=27700)
    assert len(cells) == 4
    assert not cells.is_made
    view, copy = cells.view(), cells.copy()
    series = gpd.GeoSeries(cells.copy(), crs=27700)
    assert not cells.is_made  # length, views, copies and a GeoSeries make nothing
    assert shapely.equals_exact(series.to_numpy(), lattice.polygons(ids)).all()
    assert not cells.is_made  # reading a copy made the copy's polygons only
    view[0] = shapely.Point(0, 0)
    assert cells.is_made
    assert cells[0].equals(shapely.Point(0, 0))  # views share one buffer, as views do
    assert not copy.is_made
    assert copy[0].equals(lattice.polygons(ids[:1])[0])  # a copy has its own
    back = pickle.loads(pickle.dumps(series))
    assert type(back.array).__name__ == "GeometryArray"
    assert shapely.equals_exact(back.to_numpy(), series.to_numpy()).all()


def test_grid_polygons_are_made_only_when_read_and_edits_stay_in_their_frame(
        bradford_areas, make_incidents):
    from hotspots.hotspot import hotspot_gistar

    _grid_clip.clear_cache()
    rng = np.random.default_rng(4)
    minx, miny, maxx, maxy = bradford_areas.outline.bounds
    inc = make_incidents(np.column_stack([rng.uniform(minx, maxx, 300),
                                          rng.uniform(miny, maxy, 300)]))
    g = hotspot_gistar(inc, cell_size=800, clip=bradford_areas, permutations=0)
    assert not g.geometry.array.is_made  # the verb never read them
    ref = hotspot_grid(clip=bradford_areas, cell_size=800)
    lattice = Grid(**ref.attrs["hotspots"]["grid"])
    want = lattice.polygons(g["cell_id"].to_numpy())
    assert shapely.equals_exact(g.geometry.to_numpy(), want).all()
    assert g.area.sum() == len(g) * 800.0**2
    g.loc[0, "geometry"] = shapely.Point(0, 0)  # must not reach the cache or other frames
    again = hotspot_grid(clip=bradford_areas, cell_size=800)
    assert shapely.equals_exact(again.geometry.to_numpy(), want).all()
    assert shapely.equals_exact(ref.geometry.to_numpy(), want).all()
