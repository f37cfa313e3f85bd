"""Tests of hotspots.episodes.premises: the missing-children signal in premises ranking."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from hotspots import premises_rank
from hotspots.episodes import (
    missing_signal,
)


def test_premises_next_to_spot_gains_reason_and_rises(sim):
    px, py = sim.attrs["hotspots"]["simulation"]["premises_xy"]
    prem = gpd.GeoDataFrame(
        {"premises_id": ["P1", "P2", "P3"], "name": ["Hotel", "Takeaway", "Shop"]},
        geometry=gpd.GeoSeries(shapely.points([[px + 20, py], [px - 3000, py],
                                               [px + 4000, py + 500]]), crs=27700))
    # offences at P2 (3) and P3 (2) only: without the signal the hotel ranks last
    xy = [[px - 3000, py]] * 3 + [[px + 4000, py + 500]] * 2
    offences = gpd.GeoDataFrame({"occurred": pd.to_datetime(["2019-01-10"] * 5),
                                 "category": "CSE", "weight": 1.0},
                                geometry=gpd.GeoSeries(shapely.points(xy), crs=27700))
    before = premises_rank(offences, prem)
    assert before.set_index("premises_id").loc["P1", "rank"] == 3
    signal = missing_signal(sim, prem, radius=50)
    n_kids = int(signal.set_index("premises_id").loc["P1", "n_missing_children"])
    assert n_kids > 10
    after = premises_rank(offences, prem, missing=signal).set_index("premises_id")
    assert after.loc["P1", "rank"] == 1
    assert (f"{n_kids} missing children found within 50 m in 12 months"
            in after.loc["P1", "reasons"])
    assert after.loc["P1", "n_missing_children"] == n_kids
