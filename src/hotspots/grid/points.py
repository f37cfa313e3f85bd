"""Located points of an incident frame for the grid verbs: :mod:`hotspots.located`'s reading.

The grid verbs measure (cell sizes, neighbour distances in metres), so they read incidents
with ``reproject=False``: a frame not in a projected CRS in metres is refused, with the same
problem codes and messages as clustering.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd

from hotspots._params import current_verb
from hotspots.located import LocatedPoints, located_points

__all__ = ["LocatedPoints", "incident_points"]


def incident_points(data: Any, *, weights: str | None = None,
                    caller: str | None = None) -> LocatedPoints:
    """Extract located points (and weights) from an incident frame, counting the rest.

    Parameters
    ----------
    data : geopandas.GeoDataFrame or GeoSeries
        Incidents in a projected CRS in metres.
    weights : str, optional
        Column of non-negative weights.
    caller : str, optional
        Verb named in messages; default the running verb.

    Returns
    -------
    LocatedPoints

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoSeries([shapely.Point(1, 2), None, shapely.Point(3, 4)], crs=27700)
    >>> p = incident_points(pts)
    >>> p.x.tolist(), p.positions.tolist(), p.n_unknown
    ([1.0, 3.0], [0, 2], 1)
    """
    if not isinstance(data, gpd.GeoDataFrame | gpd.GeoSeries):
        raise TypeError(
            f"{caller or current_verb()} expects a GeoDataFrame of incidents (or a GeoSeries "
            f"of points); got {type(data).__name__}."
        )
    return located_points(data, weights=weights)
