"""A small hand-made episodes frame shared by the episodes tests (children, places, trends).

A plain function, imported with ``from ._helpers import episodes_frame``: each test passes its
own rows. The simulated Bradford episodes are the ``sim`` fixture in conftest.py.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely


def episodes_frame(rows):
    """A small episodes frame: (child, start, end, from_xy, found_xy or None)."""
    child, start, end, fr, fo = zip(*rows, strict=True)
    return gpd.GeoDataFrame({
        "episode_id": [f"e{i}" for i in range(len(rows))],
        "child": pd.array(child, dtype="string"),
        "start": pd.to_datetime(list(start), format="ISO8601"),
        "end": pd.to_datetime(list(end), format="ISO8601"),
        "duration_hours": (pd.to_datetime(list(end), format="ISO8601")
                           - pd.to_datetime(list(start), format="ISO8601"))
        / pd.Timedelta(hours=1),
        "found_geometry": gpd.GeoSeries([shapely.Point(p) if p else shapely.Point()
                                         for p in fo], crs=27700),
    }, geometry=gpd.GeoSeries([shapely.Point(p) for p in fr], crs=27700)
    ).rename_geometry("from_geometry")
