"""Tests for proximity_report (:mod:`hotspots.premises.proximity`)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.premises import (
    premises_rank,
    proximity_report,
)

BNG = 27700


def make_premises(rows, *, index=None):
    """rows: (id, name, (x, y) or None, class[, address[, capacity]])."""
    data = {
        "premises_id": pd.array([r[0] for r in rows], dtype="string"),
        "name": pd.array([r[1] for r in rows], dtype="string"),
        "premises_class": pd.array([r[3] if len(r) > 3 else "other" for r in rows],
                                   dtype="string"),
        "address": pd.array([r[4] if len(r) > 4 else None for r in rows], dtype="string"),
        "capacity": [r[5] if len(r) > 5 else np.nan for r in rows],
        "location_status": pd.Categorical(
            ["located" if r[2] is not None else "unknown" for r in rows],
            categories=["located", "unknown"]),
    }
    geoms = [shapely.Point(*r[2]) if r[2] is not None else shapely.Point() for r in rows]
    return gpd.GeoDataFrame(data, geometry=geoms, crs=BNG, index=index)


def make_incidents(points, occurred=None, category=None, *, location=None, index=None,
                   weight=None):
    n = len(points)
    occurred = pd.to_datetime(occurred if occurred is not None else ["2019-06-15"] * n)
    category = category if category is not None else ["Violence and sexual offences"] * n
    data = {
        "incident_id": pd.array([f"i{k}" for k in range(n)], dtype="string"),
        "occurred": occurred.astype("datetime64[ns]"),
        "category": pd.Categorical(category),
        "weight": np.ones(n) if weight is None else np.asarray(weight, dtype=float),
        "location_status": pd.Categorical(
            ["located" if p is not None else "unknown" for p in points],
            categories=["located", "unknown"]),
    }
    if location is not None:
        data["location"] = location
    geoms = [shapely.Point(*p) if p is not None else shapely.Point() for p in points]
    return gpd.GeoDataFrame(data, geometry=geoms, crs=BNG, index=index)


def as_list(series):
    """Values with every missing marker (<NA>, NaN) as None."""
    return [None if pd.isna(v) else v for v in series.tolist()]


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
