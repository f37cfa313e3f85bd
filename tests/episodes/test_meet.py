"""Tests of hotspots.episodes.meet: where missing children are found against offences."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots import episodes_as_incidents, hotspot_gistar
from hotspots.episodes import (
    found_colocation,
    found_in_hot_cells,
)
from hotspots.stats.colocation import colocation_quotient


# --- where children meet offences ---------------------------------------------------------
@pytest.fixture(scope="module")
def offences_near_spot(sim):
    """Offences: 200 near the planted found-location spot, 800 spread over the district."""
    rng = np.random.default_rng(5)
    px, py = sim.attrs["hotspots"]["simulation"]["premises_xy"]
    near = np.column_stack([px, py]) + rng.normal(0, 60, (200, 2))
    spread = rng.uniform([405000, 428000], [425000, 448000], (800, 2))
    xy = np.vstack([near, spread])
    return gpd.GeoDataFrame({"occurred": [pd.Timestamp("2019-01-01")] * len(xy),
                             "category": "CSE", "weight": 1.0},
                            geometry=gpd.GeoSeries(shapely.points(xy), crs=27700))


def test_found_hot_spot_is_significant_hot_cell(sim, bradford_areas):
    px, py = sim.attrs["hotspots"]["simulation"]["premises_xy"]
    found = episodes_as_incidents(sim, location="found")
    # normal approximation: with "auto" permutations the p-value floor (1e-4) cannot pass
    # a Benjamini-Hochberg correction over ~9,500 cells (reported to the lead)
    g = hotspot_gistar(found, cell_size=200, clip=bradford_areas.outline, permutations=0)
    cell = g[g.contains(shapely.Point(px, py))]
    assert len(cell) == 1
    assert cell["gi_bin"].iloc[0] == 3


def test_colocation_of_found_with_offences(sim):
    rng = np.random.default_rng(5)
    found_xy = shapely.get_coordinates(sim["found_geometry"].to_numpy())
    # offences committed where children are found (20 m away) against offences anywhere
    at_found = found_xy[rng.choice(len(found_xy), 1000, replace=False)] + rng.normal(
        0, 20, (1000, 2))
    anywhere = rng.uniform([405000, 428000], [425000, 448000], (1000, 2))
    res = {}
    for name, xy in (("at_found", at_found), ("anywhere", anywhere)):
        offences = gpd.GeoDataFrame(geometry=gpd.GeoSeries(shapely.points(xy), crs=27700))
        res[name] = found_colocation(sim, offences, permutations=99)
        # the same number from the kernel on the pooled points
        direct = colocation_quotient(np.vstack([found_xy, xy]),
                                     ["f"] * len(found_xy) + ["o"] * len(xy), "f", "o", k=8,
                                     permutations=0)
        assert res[name].clq == pytest.approx(direct.clq, abs=1e-12)
    assert res["at_found"].clq > 1
    assert res["at_found"].p_colocation == pytest.approx(0.01)
    # found locations cluster among themselves (near placements), so independent
    # offences are under-represented among their neighbours
    assert res["anywhere"].clq < 1
    assert res["anywhere"].p_isolation == pytest.approx(0.01)


def test_found_share_in_offence_hot_cells(sim, offences_near_spot, bradford_areas):
    g = hotspot_gistar(offences_near_spot, cell_size=250, clip=bradford_areas.outline,
                       permutations=0)
    out = found_in_hot_cells(sim, g)
    assert out["n_found"].iloc[0] <= int((sim["found_status"] == "located").sum())
    assert out["ratio"].iloc[0] > 5
    hot_area = shapely.area(g.geometry[g["gi_bin"] >= 1].to_numpy()).sum()
    assert out["area_share"].iloc[0] == pytest.approx(hot_area / g.area.sum())
