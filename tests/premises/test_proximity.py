"""Tests for proximity_report (:mod:`hotspots.premises.proximity`)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from hotspots.premises import (
    premises_rank,
    proximity_report,
)

from ._helpers import BNG, make_incidents, make_premises


# --------------------------------------------------------------------------------------------
# proximity_report
# --------------------------------------------------------------------------------------------
def test_proximity_report_by_hand():
    vulnerable = make_premises([("home", "Oak House", (0, 0)), ("school", "School", None)])
    inc = make_incidents([(100, 0), (0, 150), (250, 0), None],
                         category=["Drugs", "Drugs", "Public order", "Drugs"])
    cells = gpd.GeoDataFrame({"gi_bin": [3, 2, 0, 1]},
                             geometry=[shapely.box(100, 0, 200, 100),
                                       shapely.box(300, 0, 400, 100),
                                       shapely.box(-100, -100, 0, 0),
                                       shapely.box(-250, 0, -150, 100)], crs=BNG)
    prem = make_premises([("far", "Far Bar", (600, 0)), ("near", "Near Cafe", (0, 300)),
                          ("none", "Quiet", (5, 0))])
    ranked = premises_rank(make_incidents([(600, 0), (600, 0), (0, 300)]), prem, window=2019)
    got = proximity_report(vulnerable, inc, radius=200, gistar=cells, ranked=ranked)
    home = got.iloc[0]
    assert home["n_incidents"] == 2
    assert home["top_categories"] == "2 drugs"
    assert home["n_hot_cells"] == 2  # the 99% cell (100 m) and the 90% cell (150 m)
    assert home["max_gi_bin"] == 3
    # "Quiet" is nearer but has no linked incidents: the nearest *ranked* premises is Near Cafe
    assert home["nearest_premises_id"] == "near"
    assert home["nearest_premises_distance_m"] == pytest.approx(300.0)
    assert home["nearest_premises_rank"] == 2
    school = got.iloc[1]
    assert pd.isna(school["n_incidents"])
    assert school["location_status"] == "unknown"
    assert got.index.tolist() == vulnerable.index.tolist()
    got = proximity_report(vulnerable, inc, radius=200, ranked=ranked, top=1)
    assert got.iloc[0]["nearest_premises_id"] == "far"
