"""Data builders shared by the cluster tests (estimator, verbs, summary).

Plain functions, imported with ``from ._helpers import ...``: each test asks for its own seed
or rows, so they are helpers rather than fixtures.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def snap_points(seed: int, *, max_count: int = 40) -> np.ndarray:
    """Police.uk-like rows: ~300 snap points in three blobs and a background, heavy-tailed
    counts, rows shuffled."""
    rng = np.random.default_rng(seed)
    blobs = [((0.0, 0.0), 60.0, 70), ((600.0, 0.0), 40.0, 50), ((0.0, 700.0), 90.0, 90)]
    parts = [np.asarray(c) + rng.normal(0, s, (n, 2)) for c, s, n in blobs]
    parts.append(rng.uniform(-300, 1000, (80, 2)))
    locations = np.unique(np.vstack(parts).round(1), axis=0)
    counts = np.minimum(rng.zipf(1.8, len(locations)), max_count)
    rows = np.repeat(locations, counts, axis=0)
    return rows[rng.permutation(len(rows))]


def incident_frame(xy: np.ndarray, *, n_unknown: int = 0, seed: int = 0,
                   index: pd.Index | None = None) -> gpd.GeoDataFrame:
    """A canonical-like incident frame: located rows at ``xy`` then unknown-location rows.

    Dates (2019) and categories (burglary, shoplifting, violence) are drawn from ``seed``.
    """
    rng = np.random.default_rng(seed)
    n = len(xy) + n_unknown
    geoms = list(shapely.points(xy)) + [shapely.Point()] * n_unknown
    cats = np.array(["Burglary", "Shoplifting", "Violence and sexual offences"])
    frame = gpd.GeoDataFrame(
        {
            "incident_id": pd.array([f"id{i}" for i in range(n)], dtype="string"),
            "occurred": pd.to_datetime("2019-01-01") + pd.to_timedelta(
                rng.integers(0, 365, n), unit="D"),
            "category": pd.Categorical(cats[rng.integers(0, 3, n)]),
            "recency": pd.Categorical([None] * n, categories=["recent", "non-recent"]),
            "weight": 1.0,
            "location_status": pd.Categorical(
                ["located"] * len(xy) + ["unknown"] * n_unknown,
                categories=["located", "unknown"]),
        },
        geometry=geoms, crs="EPSG:27700",
    )
    if index is not None:
        frame.index = index
    return frame
