"""assign_areas against geopandas.sjoin on the same polygons: identical assignments."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.areas import AreaSet, area_counts, assign_areas
from hotspots.errors import DataQualityWarning
from hotspots.io import read_boundaries

pytestmark = pytest.mark.reference

@pytest.fixture(scope="module")
def bradford3(boundaries_dir) -> AreaSet:
    """Bradford with three levels: LSOA 2011, ward 2013, constituency 2013."""
    with pytest.warns(DataQualityWarning, match=r"level 'lsoa': repaired 2 invalid polygon"):
        return read_boundaries(
            lsoa=boundaries_dir / "bradford-lsoa-2011.geojson",
            ward=boundaries_dir / "bradford-wards-2013.geojson",
            constituency=boundaries_dir / "bradford-constituencies-2013.geojson",
            name="bradford-lsoa-ward-pcon", vintage="2011/2013",
        )


def sjoin_ids(points: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame) -> pd.Series:
    """The peer: sjoin(intersects), several matches resolved by the smallest area_id."""
    joined = gpd.sjoin(points[["geometry"]], polygons[["area_id", "geometry"]], how="left",
                       predicate="intersects")
    return joined.groupby(level=0)["area_id"].min().reindex(points.index)


def random_points(areas: AreaSet, n: int, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = areas.outline.bounds
    n_vertex = n // 20
    n_cluster = n // 5
    n_uniform = n - n_vertex - n_cluster
    ux = rng.uniform(xmin - 500, xmax + 500, n_uniform)
    uy = rng.uniform(ymin - 500, ymax + 500, n_uniform)
    centres = rng.uniform([xmin, ymin], [xmax, ymax], size=(8, 2))
    which = rng.integers(0, 8, n_cluster)
    cxy = centres[which] + rng.normal(0, 300, size=(n_cluster, 2))
    # points exactly on boundaries: vertices of the lowest level (many shared by 2-3 areas)
    verts = shapely.get_coordinates(areas["lsoa"].geometry.values)
    vxy = verts[rng.integers(0, len(verts), n_vertex)]
    x = np.concatenate([ux, cxy[:, 0], vxy[:, 0]])
    y = np.concatenate([uy, cxy[:, 1], vxy[:, 1]])
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs="EPSG:27700")


@pytest.mark.parametrize("level", ["lsoa", "ward", "constituency"])
def test_assign_areas_equals_sjoin_on_200k_points(bradford3, level):
    points = random_points(bradford3, 200_000)
    # about half the points are outside on purpose: allowed, else the set would be refused
    ours = assign_areas(points, bradford3, levels=level, allow_outside=True)[f"{level}_id"]
    peer = sjoin_ids(points, bradford3[level])
    assert ours.isna().sum() > 10_000  # plenty of points outside the district
    assert ours.astype(object).where(ours.notna(), None).tolist() == \
        peer.astype(object).where(peer.notna(), None).tolist()


def test_boundary_points_have_several_sjoin_matches(bradford3):
    points = random_points(bradford3, 20_000, seed=3).iloc[-1000:]  # the vertex points
    joined = gpd.sjoin(points, bradford3["lsoa"][["area_id", "geometry"]], how="inner",
                       predicate="intersects")
    multi = joined.index.value_counts()
    assert (multi > 1).sum() > 500  # the edge rule is really exercised
    ours = assign_areas(points, bradford3, levels="lsoa")["lsoa_id"]
    assert (ours.to_numpy() == joined.groupby(level=0)["area_id"].min()
            .reindex(points.index).to_numpy()).all()


@pytest.fixture(scope="module")
def bradford_sample(west_yorkshire_2017) -> gpd.GeoDataFrame:
    """The crimes of the West Yorkshire sample that police.uk put in a Bradford LSOA."""
    frame = west_yorkshire_2017
    return frame[frame["lsoa_name"].str.startswith("Bradford ")].reset_index(drop=True)


def test_police_uk_sample_matches_sjoin(bradford3, bradford_sample):
    crimes = bradford_sample
    assert len(crimes) == 623
    out = assign_areas(crimes, bradford3)
    for level in ("lsoa", "ward", "constituency"):
        peer = sjoin_ids(crimes, bradford3[level])
        assert out[f"{level}_id"].astype(object).tolist() == peer.astype(object).tolist()
    # police.uk computed its LSOA on full-resolution boundaries from the unsnapped point;
    # on generalised boundaries nearly all agree
    agree = (out["lsoa_id"] == crimes["lsoa_code"]).mean()
    assert agree > 0.9
    assert out["ward"].ne("Outside district").mean() > 0.99
    table = area_counts(out, bradford3, level="ward", by="category")
    assert table["n"].sum() == 623
    for _, group in table.groupby("category", observed=True):
        if group["n"].sum():
            assert group["share"].sum() == pytest.approx(1.0)
