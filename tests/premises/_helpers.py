"""Frame builders shared by the premises tests (plan, proximity, rank, link).

Plain functions, imported with ``from ._helpers import ...``: the tests call them with
different rows in each test, so they are helpers rather than fixtures.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

BNG = 27700


def make_premises(rows, *, index=None):
    """A premises frame in EPSG:27700, one row per tuple of ``rows``.

    rows: (id, name, (x, y) or None, class[, address[, capacity]]); a None location gives an
    empty point and ``location_status`` "unknown"; class defaults to "other".
    """
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
    """An incident frame in EPSG:27700 at ``points`` ((x, y) or None for an unknown location).

    Defaults: every row on 2019-06-15, "Violence and sexual offences", weight 1.0, ids
    ``i<k>``; ``location`` (a police.uk street description) is added only when given.
    """
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
