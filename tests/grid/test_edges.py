"""Exact square-cell overlaps from polygon edges (grid/_edges.py) against overlays (issue 16)."""

import numpy as np
import pytest
import shapely

from hotspots.grid import Grid
from hotspots.grid import clip as grid_clip
from hotspots.grid._edges import square_coverage, square_overlaps


def _overlay_shares(lattice, geom, ids=None):
    """Share of each cell inside ``geom`` by a GEOS overlay per cell: the slow truth."""
    ids = np.arange(lattice.nrow * lattice.ncol) if ids is None else ids
    polys = lattice.polygons(ids)
    return shapely.area(shapely.intersection(polys, geom)) / lattice.cell_area


def test_shares_equal_overlays_on_the_bradford_outline(bradford_areas):
    outline = bradford_areas.outline
    x0, y0, x1, y1 = outline.bounds
    # an odd cell size and an origin on no round number: grid lines cut every kind of edge
    lattice = Grid.covering((x0 - 77.7, y0 - 13.1, x1, y1), 331.7)
    share, crossed = square_coverage(outline, lattice)
    want = _overlay_shares(lattice, outline).reshape(lattice.shape)
    np.testing.assert_allclose(share, want, rtol=0, atol=1e-12)
    # the boundary crosses every cell that is partly inside, and only cells on it
    partial = (want > 1e-12) & (want < 1 - 1e-12)
    assert partial.sum() > 400
    assert crossed[partial].all()
    # elsewhere a cell is wholly in or out (GEOS's overlay itself is off by up to 3e-13)
    np.testing.assert_allclose(share[~crossed], np.round(share[~crossed]), rtol=0, atol=1e-12)
    np.testing.assert_allclose(share[~crossed], want[~crossed], rtol=0, atol=1e-12)


@pytest.mark.parametrize("reverse", [False, True])
def test_holes_parts_and_either_winding(reverse):
    ring = [(3.3, 2.2), (47.1, 5.5), (44.4, 38.8), (21.0, 47.7), (1.5, 30.0)]
    hole = [(15.5, 15.5), (30.3, 14.1), (25.0, 31.7)]
    second = shapely.box(60.2, 3.7, 81.9, 12.4)
    geom = shapely.MultiPolygon([shapely.Polygon(ring, [hole]), second])
    if reverse:  # rings the other way round: the signs come from the winding, not its order
        geom = shapely.reverse(geom)
    assert shapely.is_valid(geom)
    lattice = Grid(0.0, 0.0, 5.0, nrow=11, ncol=18)
    share, _ = square_coverage(geom, lattice)
    np.testing.assert_allclose(share, _overlay_shares(lattice, geom).reshape(lattice.shape),
                               rtol=0, atol=1e-12)
    assert share.sum() * 25.0 == pytest.approx(geom.area, rel=1e-12)


def test_overlaps_with_polygons_reaching_beyond_the_rectangle():
    # north of the rectangle a polygon still adds whole cells below it; west, east and
    # south of it nothing
    big = shapely.Polygon([(-50, -40), (130, -35), (125, 160), (-45, 150)])
    small = shapely.box(12.5, 7.5, 33.3, 48.8)
    geoms = np.array([big, small], dtype=object)
    lattice = Grid(0.0, 0.0, 10.0, nrow=6, ncol=8)
    ids = np.arange(48)
    i, j, share = square_overlaps(geoms, lattice, ids)
    got = np.zeros((48, 2))
    got[i, j] = share
    # big holds every cell whole (no piece in the rectangle), so it appears in no pair
    assert not (j == 0).any()
    want = _overlay_shares(lattice, small, ids)
    # every cell the small box cuts is there with its share; cells it holds whole need not be
    cut = (want > 0) & (want < 1)
    assert cut.sum() == 12
    assert set(np.flatnonzero(cut)) <= set(ids[i])
    np.testing.assert_allclose(got[i, 1], want[i], rtol=0, atol=1e-12)


def test_ward_overlaps_equal_the_old_local_overlays(bradford_areas):
    wards = bradford_areas["ward"].geometry.to_numpy()
    lattice = Grid.covering(shapely.total_bounds(wards), 120.0)
    rng = np.random.default_rng(3)
    ids = np.sort(rng.choice(lattice.nrow * lattice.ncol, 4000, replace=False))
    i0, j0, area0, _ = grid_clip.local_overlaps(wards, lattice, ids, lattice.polygons(ids))
    i1, j1, share1 = square_overlaps(wards, lattice, ids)
    old = dict(zip(zip(i0.tolist(), j0.tolist(), strict=True),
                   (area0 / lattice.cell_area).tolist(), strict=True))
    new = dict(zip(zip(i1.tolist(), j1.tolist(), strict=True), share1.tolist(), strict=True))
    # every pair with a ward boundary in the cell is there, and agrees with the overlay
    assert len(new) > 400
    assert set(new) <= set(old)
    np.testing.assert_allclose([new[k] for k in new], [old[k] for k in new], rtol=0,
                               atol=1e-12)
    # the pairs left out are cells a ward holds whole
    assert all(old[k] == 1.0 for k in set(old) - set(new))


@pytest.mark.parametrize(("cell_size", "shift"), [(250.0, 0.0), (97.3, 41.9)])
def test_square_mask_equals_the_overlay_mask(bradford_areas, cell_size, shift):
    outline = bradford_areas.outline
    x0, y0, x1, y1 = outline.bounds
    lattice = Grid.covering((x0 - shift, y0 - shift, x1, y1), cell_size)
    keep, centre_in, coverage = grid_clip.clip_mask(lattice, outline)
    keep0, centre0, coverage0 = grid_clip._overlay_clip_mask(lattice, outline, None)
    np.testing.assert_array_equal(keep, keep0)
    np.testing.assert_array_equal(centre_in, centre0)
    np.testing.assert_allclose(coverage, coverage0, rtol=0, atol=1e-12)
    assert 0 < (coverage0[keep0] < 1).sum() < keep0.sum()


def test_a_cell_touching_the_region_only_along_an_edge_is_left_out():
    # the region's edge runs exactly along grid lines: the cells beyond it share only an
    # edge (zero area), which the exact predicate settles
    region = shapely.box(10.0, 10.0, 30.0, 20.0)
    lattice = Grid(0.0, 0.0, 10.0, nrow=4, ncol=5)
    keep, centre_in, coverage = grid_clip.clip_mask(lattice, region)
    want = np.zeros((4, 5), dtype=bool)
    want[1, 1:3] = True
    np.testing.assert_array_equal(keep, want)
    np.testing.assert_array_equal(centre_in, want)
    np.testing.assert_allclose(coverage, want.astype(float), rtol=0, atol=1e-12)
