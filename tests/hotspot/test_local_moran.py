"""hotspot_moran / area_moran verbs and the automatic inference choice (issue 11)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.grid import grid_from_frame
from hotspots.hotspot._results import DEFAULT_SEED, choose_permutations
from hotspots.hotspot.gistar import hotspot_gistar
from hotspots.hotspot.moran import CLUSTER_LABELS, area_moran, hotspot_moran
from hotspots.stats.moran import moran_local_grid

BOX = shapely.box(0, 0, 1000, 1000)


def test_hotspot_moran_labels_a_cluster_and_an_outlier(make_incidents):
    rng = np.random.default_rng(0)
    background = rng.uniform(0, 1000, (400, 2))
    cluster = rng.uniform(200, 400, (400, 2))  # a 2 x 2 block of busy cells
    outlier = np.tile([[850.0, 850.0]], (60, 1))  # one busy cell among quiet ones
    frame = make_incidents(np.concatenate([background, cluster, outlier]))
    g = hotspot_moran(frame, cell_size=100, clip=BOX, permutations=0)
    assert list(g["cluster"].cat.categories) == list(CLUSTER_LABELS)
    lattice, pos = grid_from_frame(g)
    at = g.set_index(pos)
    busy = lattice.locate([250.0], [250.0])[0]
    lone = lattice.locate([850.0], [850.0])[0]
    assert at.loc[busy, "cluster"] == "HH"
    assert at.loc[lone, "quadrant"] == 4  # HL: high value, low neighbours
    # the verb's values are the kernel's on the binned counts
    counts = np.zeros(lattice.shape)
    counts.ravel()[pos] = g["n"]
    ref = moran_local_grid(counts, lattice.mask, cell_size=100.0)
    np.testing.assert_allclose(g["moran_i"], ref.I.ravel()[pos], rtol=1e-12)
    info = g.attrs["hotspots"]
    assert info["n_HH"] == (g["cluster"] == "HH").sum() >= 4
    assert info["p_value_source"] == "p_norm"
    # labels are the quadrant where p_adj <= alpha
    sig = g["p_adj"] <= 0.05
    assert (g.loc[~sig, "cluster"] == "not significant").all()


def test_hotspot_moran_permutations_are_reproducible(make_incidents):
    xy = np.repeat(np.random.default_rng(1).uniform(0, 1000, (40, 2)), 10, axis=0)
    frame = make_incidents(xy)  # 400 incidents on 40 points: snapped
    a = hotspot_moran(frame, cell_size=100, clip=BOX)
    b = hotspot_moran(frame, cell_size=100, clip=BOX)
    info = a.attrs["hotspots"]
    assert info["snap"]["snapped"]
    assert info["permutations"] == 99_999
    assert info["random_state"] == DEFAULT_SEED
    np.testing.assert_array_equal(a["p_sim"], b["p_sim"])
    assert (a["p_sim"] >= 1 / 100_000).all()


def test_auto_inference_depends_on_snap_points():
    sparse = np.r_[np.zeros(80), np.arange(1.0, 21.0)]
    r, _, why = choose_permutations("auto", sparse, None, caller="t", snapped=False)
    assert r == 0
    assert "not snap points" in why
    r, seed, why = choose_permutations("auto", sparse, 7, caller="t", snapped=True)
    assert (r, seed) == (99_999, 7)
    assert "80% of the values are 0" in why
    assert choose_permutations("auto", sparse, None, caller="t", snapped=True,
                               compat="sfhotspot-1.0")[0] == 0
    assert choose_permutations(999, sparse, None, caller="t")[:1] == (999,)
    with pytest.raises(ValueError, match="'permutations' parameter of t"):
        choose_permutations("many", sparse, None, caller="t")


def test_unsnapped_data_keep_the_normal_approximation(make_incidents):
    rng = np.random.default_rng(2)
    frame = make_incidents(np.concatenate([rng.uniform(0, 1000, (300, 2)),
                                           rng.normal(300, 30, (200, 2))]))
    g = hotspot_gistar(frame, cell_size=50, clip=BOX)
    info = g.attrs["hotspots"]
    assert not info["snap"]["snapped"]
    assert info["p_value_source"] == "p_norm"
    assert info["inference_reason"].endswith("not snap points)")
    assert info["cell_size"] == 50


def test_area_moran_quadrants_and_table_handling():
    boxes = [shapely.box(100 * i, 100 * j, 100 * i + 100, 100 * j + 100)
             for j in range(6) for i in range(6)]
    ids = [f"a{i}" for i in range(36)]
    import geopandas as gpd

    f = gpd.GeoDataFrame({"area_id": ids, "area_name": ids}, geometry=boxes, crs=27700)
    v = pd.Series(2.0, index=ids)
    v[["a0", "a1", "a6", "a7"]] = 40.0  # a high cluster in a corner
    v["a28"] = 40.0  # a high outlier
    table = pd.DataFrame({"area_id": [*ids, None], "n": [*v.to_numpy(), 3.0]})
    r = area_moran(table, f, permutations=999, random_state=3)
    assert r.attrs["hotspots"]["value_without_area"] == 3.0
    assert r.attrs["hotspots"]["contiguity"].startswith("fuzzy")
    assert r.loc[0, "quadrant"] == 1
    assert r.loc[28, "quadrant"] == 4
    assert "p_sim" in r.columns
    assert r.attrs["hotspots"]["p_value_source"] == "p_sim"
    # p_sim is esda's folded one-sided value: never above 0.5 + 1 / (R + 1)
    assert (r["p_sim"] <= 0.5 + 1 / 1000).all()
