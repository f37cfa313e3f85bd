"""Issue 11 finding 4: neighbours that survive simplified (generalised) boundaries."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from hotspots.hotspot import area_gistar
from hotspots.hotspot.areas import area_weights
from hotspots.hotspot.moran import area_moran


@pytest.fixture(scope="module")
def lsoa11(shared_file):
    f = gpd.read_file(shared_file("boundaries", "bradford-lsoa-2011.geojson")).to_crs(27700)
    return f.rename(columns={"LSOA11CD": "area_id", "LSOA11NM": "area_name"})


def test_queen_makes_every_bradford_lsoa_an_island_and_says_so(lsoa11):
    assert len(lsoa11) == 310
    with pytest.warns(UserWarning, match=r"310 of 310 areas have no neighbour under queen"):
        w, islands, text = area_weights(lsoa11, "queen")
    assert text == "queen"
    assert islands == 310
    assert w.nnz == 0
    # 864 pairs lie within 5 m of each other, none touching (the figures)
    left, right = lsoa11.sindex.query(lsoa11.geometry.to_numpy(), predicate="dwithin",
                                      distance=5.0)
    assert int((left < right).sum()) == 864
    touching = lsoa11.sindex.query(lsoa11.geometry.to_numpy(), predicate="touches")
    assert touching.shape[1] == 0


def test_fuzzy_contiguity_is_the_default_and_equals_libpysal(lsoa11):
    libpysal = pytest.importorskip("libpysal")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no area is left without a neighbour
        w, islands, text = area_weights(lsoa11)
    assert islands == 0
    assert text == "fuzzy contiguity: boundaries within 5 m"
    assert w.nnz == 2 * 864
    assert (w != w.T).nnz == 0
    # libpysal's fuzzy contiguity with 2.5 m buffers bridges the same 5 m gaps
    ref = libpysal.weights.fuzzy_contiguity(lsoa11.copy(), buffering=True, buffer=2.5)
    ours = {i: set(w[[i]].indices.tolist()) for i in range(len(lsoa11))}
    theirs = {i: set(ref.neighbors[i]) for i in range(len(lsoa11))}
    differ = sum(ours[i] != theirs[i] for i in ours)
    # libpysal buffers with polygons of a few segments per quarter circle, so a pair at
    # almost exactly 5 m may fall either side; all but a handful agree
    assert differ <= 4, differ


def test_area_gistar_on_simplified_lsoas_has_neighbours(lsoa11):
    rng = np.random.default_rng(0)
    values = pd.Series(rng.poisson(250, len(lsoa11)).astype(float),
                       index=lsoa11["area_id"])
    fuzzy = area_gistar(values, lsoa11)
    assert fuzzy.attrs["hotspots"]["n_islands"] == 0
    assert fuzzy.attrs["hotspots"]["contiguity"].startswith("fuzzy")
    assert fuzzy["n_neighbours"].min() >= 1
    with pytest.warns(UserWarning, match="have no neighbour"):
        queen = area_gistar(values, lsoa11, contiguity="queen")
    # under queen Gi* silently became a z-score of each area's own count
    # (an island has W = S1 = 1, so z = (x - mean) / sd)
    own_z = (values - values.mean()) / values.std(ddof=0)
    np.testing.assert_allclose(queen["gistar"], own_z.to_numpy(), rtol=1e-9)
    assert not np.allclose(fuzzy["gistar"], queen["gistar"])
    moran = area_moran(values, lsoa11, permutations=0)
    assert moran.attrs["hotspots"]["n_islands"] == 0
