"""Builders and paths shared by the areas tests (test_areaset.py, test_assign.py).

Plain functions, imported with ``from ._helpers import ...``: the tests call ``squares()``
afresh and pass their own points to ``incidents``, so they are helpers rather than fixtures.
"""

from __future__ import annotations

import geopandas as gpd
from shapely import Point, box

from hotspots.areas import AreaSet

# real reference tables under ../shared (read through the ``shared_file`` fixture)
LOOKUP = "data/lookups/bradford-lsoa11-ward13-pcon13-by-centroid.csv"
POPULATION = "data/population/bradford_ward_population_mid2022_oi.csv"


def squares() -> AreaSet:
    """Four 10 m squares around (10, 10); ids deliberately not in name order.

        NW "D" (id Q4) | NE "A" (id Q3)
        ---------------+---------------     <- y = 10
        SW "C" (id Q2) | SE "B" (id Q1)
                       ^ x = 10
    The higher level "zone" is one rectangle over the east half plus beyond it.
    """
    cells = gpd.GeoDataFrame(
        {"area_id": ["Q3", "Q1", "Q2", "Q4"], "area_name": ["A", "B", "C", "D"]},
        geometry=[box(10, 10, 20, 20), box(10, 0, 20, 10), box(0, 0, 10, 10),
                  box(0, 10, 10, 20)],
        crs="EPSG:27700",
    )
    zone = gpd.GeoDataFrame({"area_id": ["Z1"], "area_name": ["East"]},
                            geometry=[box(10, 0, 40, 20)], crs="EPSG:27700")
    return AreaSet({"cell": cells, "zone": zone}, name="squares", vintage="test")


def incidents(points, **columns) -> gpd.GeoDataFrame:
    """Points in EPSG:27700 (None gives an empty point) with the given extra ``columns``."""
    geoms = [Point() if p is None else Point(p) for p in points]
    return gpd.GeoDataFrame(columns, geometry=geoms, crs="EPSG:27700")
