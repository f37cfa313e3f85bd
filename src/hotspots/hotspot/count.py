"""Incident counts per grid cell (:func:`hotspot_count`)."""

from __future__ import annotations

from typing import Any, Literal

import geopandas as gpd
import numpy as np

from hotspots._params import validate_params
from hotspots.hotspot._binning import cells, insert_before_geometry, prepare
from hotspots.hotspot._constraints import GRID_PARAMS
from hotspots.hotspot._results import finish

__all__ = ["hotspot_count"]


@validate_params(GRID_PARAMS)
def hotspot_count(
    incidents: gpd.GeoDataFrame,
    *,
    cell_size: float | None = None,
    grid_type: Literal["square", "hex"] = "square",
    grid: gpd.GeoDataFrame | None = None,
    clip: Any = None,
    weights: str | None = None,
) -> gpd.GeoDataFrame:
    """Count incidents in each grid cell.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incident frame in a projected CRS (metres). Rows without a location
        (``location_status == "unknown"`` or an empty geometry) are counted in ``attrs``.
    cell_size : float, optional
        Cell size in metres; default from the sfhotspot rule (logged, in ``attrs``).
    grid_type : {"square", "hex"}
        Cell shape.
    grid : geopandas.GeoDataFrame, optional
        A grid from :func:`hotspots.grid.hotspot_grid` to count into; overrides
        ``cell_size``, ``grid_type`` and ``clip``. Its columns and index are kept.
    clip : AreaSet, GeoDataFrame or shapely polygon, optional
        Boundary to build the grid over (see :func:`hotspots.grid.hotspot_grid`).
    weights : str, optional
        Column of incident weights summed into ``n_weighted`` (e.g. ``"weight"``). Default:
        every incident weighs 1.

    Returns
    -------
    geopandas.GeoDataFrame
        The grid's columns (``cell_id, x, y, inside, [ward_id, ward, constituency_id,
        constituency]``), then ``n`` (int64, incidents in the cell) and ``n_weighted``
        (float64, sum of weights; equals ``n`` without weights), then ``geometry``.
        ``attrs["hotspots"]``: the grid's keys plus ``n_incidents``, ``n_located``,
        ``n_unknown_location``, ``n_outside_grid``, ``n_counted``, ``weights``.

    Raises
    ------
    hotspots.errors.CRSError
        If the incidents are not in a projected CRS in metres.
    hotspots.errors.ValidationError
        For a missing weights column or bad weights.

    Notes
    -----
    Square cells are half-open, so an incident on a shared edge is counted once (sfhotspot
    counts it in both cells). ``n.sum() + n_outside_grid == n_located``.

    Examples
    --------
    >>> from hotspots.hotspot import hotspot_count
    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoDataFrame(geometry=shapely.points([[50, 50], [60, 40], [150, 50]]),
    ...                        crs="EPSG:27700")
    >>> hotspot_count(pts, cell_size=100, clip=shapely.box(0, 0, 200, 100))["n"].tolist()
    [2, 1]
    """
    b = prepare(incidents, cell_size=cell_size, grid_type=grid_type, grid=grid, clip=clip,
                weights=weights, compat=None)
    frame = b.frame
    n = cells(b.counts, b.position).astype(np.int64)
    nw = cells(b.weighted, b.position) if b.weighted is not None else n.astype(float)
    frame = insert_before_geometry(frame, {"n": n, "n_weighted": nw.astype(float)})
    return finish(frame, "hotspot_count", b.info)
