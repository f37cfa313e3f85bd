"""hotspot_grid and grid_from_frame: grid frames over boundaries, points and polygons."""

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots._objects import object_addresses
from hotspots.errors import CRSError, EmptyDataError
from hotspots.grid import Grid, grid_from_frame, hotspot_grid
from hotspots.grid import build as grid_mod


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


def test_grid_read_back_again_is_remembered_but_never_stale():
    from hotspots.errors import ValidationError
    from hotspots.grid import frame as frame_mod

    g = hotspot_grid(clip=shapely.box(0, 0, 1000, 600), cell_size=100)
    lattice, pos = grid_from_frame(g)
    assert any(e.matches(object_addresses(g.geometry.to_numpy()), g["x"].to_numpy(),
                         g["y"].to_numpy()) for e in frame_mod._READ)
    # the same answer again (also for a shallow copy), in arrays the caller may change
    for again in (g, g.copy(deep=False)):
        lattice2, pos2 = grid_from_frame(again)
        assert (lattice2.x0, lattice2.y0, lattice2.shape) == (lattice.x0, lattice.y0,
                                                              lattice.shape)
        np.testing.assert_array_equal(pos2, pos)
        np.testing.assert_array_equal(lattice2.mask, lattice.mask)
        pos2[:] = -1
        lattice2.mask[:] = False
    np.testing.assert_array_equal(grid_from_frame(g)[1], np.arange(60))
    # a centre moved in place: read again, and refused
    moved = g.copy()
    grid_from_frame(moved)
    moved.loc[5, "x"] = 537.0
    with pytest.raises(ValidationError, match="regular square lattice"):
        grid_from_frame(moved)
    # a cell replaced in place by a triangle: read again, and refused
    bent = g.copy()
    grid_from_frame(bent)
    bent.loc[7, "geometry"] = shapely.Polygon([(700, 0), (800, 0), (700, 100)])
    with pytest.raises(ValidationError, match="neither all squares"):
        grid_from_frame(bent)
    # rows dropped: the lattice shrinks to the cells kept
    lattice3, pos3 = grid_from_frame(g.iloc[12:])
    assert (lattice3.y0, lattice3.n_cells) == (100.0, 48)
    assert pos3.tolist() == list(range(2, 50))
