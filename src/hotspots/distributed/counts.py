"""Per-partition assignment and counting, reduced to small area and grid tables.

Each function takes a dask-geopandas GeoDataFrame (or, for the same result in memory, a
GeoDataFrame): the work on rows runs in each partition (``map_partitions``) and only the
counts (one row per area, or per cell and month) travel back to be added up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import schema
from hotspots.areas import AreaSet
from hotspots.areas import assign_areas as assign_in_memory
from hotspots.grid import grid_from_frame
from hotspots.io.stream import counts_table

__all__ = ["area_and_grid_counts", "area_counts", "assign_areas", "grid_counts"]


def _is_dask(data: Any) -> bool:
    return hasattr(data, "map_partitions") and hasattr(data, "npartitions")


def _area_names(areas: AreaSet, level: str) -> list[str]:
    return [*areas[level][schema.AREA_NAME].astype(str), schema.OUTSIDE_DISTRICT,
            schema.UNKNOWN_LOCATION]


def _codes(frame: gpd.GeoDataFrame, areas: AreaSet, level: str,
           allow_outside: bool) -> np.ndarray:
    """Area code of every row: boundary order, then Outside district, Unknown location."""
    name = schema.area_name_column(level)
    column = frame[name] if name in frame.columns else None
    assigned = (column is not None and isinstance(column.dtype, pd.CategoricalDtype)
                and list(column.cat.categories) == _area_names(areas, level))
    if not assigned:
        frame = assign_in_memory(frame, areas, levels=level, allow_outside=allow_outside)
    return frame[name].cat.codes.to_numpy()


def _area_partition(frame: gpd.GeoDataFrame, areas: AreaSet, level: str,
                    allow_outside: bool) -> pd.DataFrame:
    n_codes = len(areas[level]) + 2
    counts = np.bincount(_codes(frame, areas, level, allow_outside), minlength=n_codes)
    return pd.DataFrame({"code": np.arange(n_codes, dtype=np.int64),
                         "n": counts.astype(np.int64)})


def assign_areas(incidents: Any, areas: AreaSet, *, levels: str | Sequence[str] | None = None,
                 allow_outside: bool = False) -> Any:
    """:func:`hotspots.assign_areas` on every partition of a dask-geopandas frame.

    Parameters
    ----------
    incidents : dask_geopandas.GeoDataFrame or geopandas.GeoDataFrame
        Incidents (canonical frame). A GeoDataFrame is assigned in memory.
    areas : AreaSet
    levels : str or list of str, optional
    allow_outside : bool, default False
        As :func:`hotspots.assign_areas`, but checked per partition: a partition (a force's
        month) mostly outside ``areas`` is refused unless this is True.

    Returns
    -------
    dask_geopandas.GeoDataFrame or geopandas.GeoDataFrame
        The same kind as given, with ``<level>_id`` and ``<level>`` per level.

    Examples
    --------
    >>> import dask_geopandas
    >>> from hotspots.io import load_boundaries
    >>> from shapely import Point
    >>> areas = load_boundaries("bradford-2013")
    >>> from hotspots.distributed import assign_areas
    >>> inc = gpd.GeoDataFrame(geometry=[Point(415000, 433000), Point()], crs="EPSG:27700")
    >>> lazy = dask_geopandas.from_geopandas(inc, npartitions=2)
    >>> out = assign_areas(lazy, areas, levels="ward").compute(scheduler="synchronous")
    >>> out["ward"].tolist()
    ['City', 'Unknown location']
    """
    if not _is_dask(incidents):
        return assign_in_memory(incidents, areas, levels=levels, allow_outside=allow_outside)
    meta = assign_in_memory(incidents._meta, areas, levels=levels, allow_outside=True)
    return incidents.map_partitions(assign_in_memory, areas, levels=levels,
                                    allow_outside=allow_outside, meta=meta)


def area_counts(incidents: Any, areas: AreaSet, *, level: str = "constituency",
                allow_outside: bool = False, **compute: Any) -> pd.DataFrame:
    """Incidents per area, counted per partition and added up.

    Parameters
    ----------
    incidents : dask_geopandas.GeoDataFrame or geopandas.GeoDataFrame
        Incidents; areas are assigned per partition unless the ``<level>`` column already
        holds an assignment to ``areas`` (as in a dataset converted with these areas).
    areas : AreaSet
    level : str, default "constituency"
    allow_outside : bool, default False
        See :func:`assign_areas` (checked per partition).
    **compute
        Passed to ``dask.compute`` (e.g. ``scheduler="synchronous"``); by default the
        active :class:`dask.distributed.Client`, if any, runs the work.

    Returns
    -------
    pandas.DataFrame
        ``area_id, area_name, n, share``: equal to the same columns of
        :func:`hotspots.area_counts` (without ``by``/``period``/``population``) on the
        whole frame in memory.

    Examples
    --------
    >>> import dask_geopandas
    >>> from hotspots.io import load_boundaries
    >>> from shapely import Point
    >>> areas = load_boundaries("bradford-2013")
    >>> from hotspots.distributed import area_counts
    >>> inc = gpd.GeoDataFrame(geometry=[Point(415000, 433000)] * 3 + [Point()],
    ...                        crs="EPSG:27700")
    >>> lazy = dask_geopandas.from_geopandas(inc, npartitions=2)
    >>> table = area_counts(lazy, areas, level="ward", scheduler="synchronous")
    >>> table.query("n > 0")[["area_name", "n", "share"]].to_numpy().tolist()
    [['City', 3, 0.75], ['Unknown location', 1, 0.25]]
    """
    if _is_dask(incidents):
        parts = _area_parts(incidents, areas, level, allow_outside).compute(**compute)
    else:
        parts = _area_partition(incidents, areas, level, allow_outside)
    return _area_table(parts, areas, level)


def _area_parts(incidents: Any, areas: AreaSet, level: str, allow_outside: bool) -> Any:
    meta = pd.DataFrame({"code": pd.Series(dtype="int64"), "n": pd.Series(dtype="int64")})
    return incidents.map_partitions(_area_partition, areas, level, allow_outside, meta=meta)


def _area_table(parts: pd.DataFrame, areas: AreaSet, level: str) -> pd.DataFrame:
    n = np.bincount(parts["code"].to_numpy(), weights=parts["n"].to_numpy(),
                    minlength=len(areas[level]) + 2).astype(np.int64)
    return counts_table(areas, level, n)


def _grid_partition(frame: gpd.GeoDataFrame, lattice: Any, cells: np.ndarray,
                    time: str) -> pd.DataFrame:
    geoms = frame.geometry.to_numpy()
    located = ~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)
    if schema.LOCATION_STATUS in frame.columns:
        located &= (frame[schema.LOCATION_STATUS].astype(object) != schema.UNKNOWN).to_numpy()
    cell = np.full(len(frame), -1, dtype=np.int64)
    # GEOS refuses the coordinates of an empty point: take them of located rows only
    cell[located] = lattice.locate(shapely.get_x(geoms[located]), shapely.get_y(geoms[located]))
    keep = (cell >= 0) & np.isin(cell, cells)
    when = pd.to_datetime(frame[time]).to_numpy()[keep]
    month = pd.Series(when).dt.to_period("M").dt.start_time.astype("datetime64[ns]")
    table = pd.DataFrame({schema.CELL_ID: cell[keep], "period": month.to_numpy()})
    out = table.groupby([schema.CELL_ID, "period"], dropna=False, sort=False).size()
    return out.rename("n").reset_index().astype({schema.CELL_ID: "int64", "n": "int64"})


def grid_counts(incidents: Any, grid: gpd.GeoDataFrame, *, time: str = schema.OCCURRED,
                **compute: Any) -> pd.DataFrame:
    """Located incidents per grid cell and month, counted per partition and added up.

    Parameters
    ----------
    incidents : dask_geopandas.GeoDataFrame or geopandas.GeoDataFrame
        Incidents in the grid's CRS (EPSG:27700).
    grid : geopandas.GeoDataFrame
        A grid from :func:`hotspots.hotspot_grid` (cells with ``cell_id``).
    time : str, default "occurred"
        The date column; months are its calendar months.
    **compute
        Passed to ``dask.compute``.

    Returns
    -------
    pandas.DataFrame
        ``cell_id`` (int64), ``period`` (first day of the month; NaT for incidents without
        a date), ``n`` (int64): one row per cell and month with at least one incident,
        sorted by cell then period. Incidents outside the grid's cells or without a location
        are not counted (``n.sum()`` says how many were).

    Examples
    --------
    >>> from hotspots import hotspot_grid
    >>> from hotspots.distributed import grid_counts
    >>> from shapely import Point
    >>> inc = gpd.GeoDataFrame({"occurred": pd.to_datetime(["2019-01-05", "2019-01-20",
    ...                                                     "2019-02-01"])},
    ...                        geometry=[Point(50, 50), Point(60, 40), Point(150, 50)],
    ...                        crs="EPSG:27700")
    >>> grid = hotspot_grid(inc, cell_size=100)
    >>> grid_counts(inc, grid)["n"].tolist()
    [2, 1]
    """
    if _is_dask(incidents):
        return _grid_table(_grid_parts(incidents, grid, time).compute(**compute))
    lattice, _ = grid_from_frame(grid)
    cells = np.sort(grid[schema.CELL_ID].to_numpy(dtype=np.int64))
    return _grid_table(_grid_partition(incidents, lattice, cells, time))


def _grid_parts(incidents: Any, grid: gpd.GeoDataFrame, time: str) -> Any:
    lattice, _ = grid_from_frame(grid)
    cells = np.sort(grid[schema.CELL_ID].to_numpy(dtype=np.int64))
    meta = pd.DataFrame({schema.CELL_ID: pd.Series(dtype="int64"),
                         "period": pd.Series(dtype="datetime64[ns]"),
                         "n": pd.Series(dtype="int64")})
    return incidents.map_partitions(_grid_partition, lattice, cells, time, meta=meta)


def _grid_table(parts: pd.DataFrame) -> pd.DataFrame:
    out = parts.groupby([schema.CELL_ID, "period"], dropna=False, sort=True)["n"].sum()
    return out.reset_index().astype({schema.CELL_ID: "int64", "n": "int64"})


def area_and_grid_counts(incidents: Any, areas: AreaSet, grid: gpd.GeoDataFrame, *,
                         level: str = "constituency", allow_outside: bool = False,
                         time: str = schema.OCCURRED, **compute: Any
                         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`area_counts` and :func:`grid_counts` in one pass over the partitions.

    Each partition is read once for both tables (one ``dask.compute`` of the two), which
    halves the reading of a dataset counted both ways.

    Parameters
    ----------
    incidents : dask_geopandas.GeoDataFrame or geopandas.GeoDataFrame
    areas : AreaSet
    grid : geopandas.GeoDataFrame
        A grid from :func:`hotspots.hotspot_grid`.
    level, allow_outside
        As :func:`area_counts`.
    time : str, default "occurred"
        As :func:`grid_counts`.
    **compute
        Passed to ``dask.compute``.

    Returns
    -------
    tuple of pandas.DataFrame
        The tables of :func:`area_counts` and :func:`grid_counts`, equal to them.

    Examples
    --------
    >>> import dask_geopandas
    >>> from hotspots import hotspot_grid
    >>> from hotspots.io import load_boundaries
    >>> from hotspots.distributed import area_and_grid_counts
    >>> from shapely import Point
    >>> areas = load_boundaries("bradford-2013")
    >>> inc = gpd.GeoDataFrame({"occurred": pd.to_datetime(["2019-01-05"] * 3)},
    ...                        geometry=[Point(415000, 433000)] * 3, crs="EPSG:27700")
    >>> lazy = dask_geopandas.from_geopandas(inc, npartitions=2)
    >>> wards, cells = area_and_grid_counts(lazy, areas, hotspot_grid(inc, cell_size=100),
    ...                                     level="ward", scheduler="synchronous")
    >>> int(wards["n"].sum()), cells["n"].tolist()
    (3, [3])
    """
    if not _is_dask(incidents):
        return (area_counts(incidents, areas, level=level, allow_outside=allow_outside),
                grid_counts(incidents, grid, time=time))
    import dask

    area_parts, grid_parts = dask.compute(
        _area_parts(incidents, areas, level, allow_outside),
        _grid_parts(incidents, grid, time), **compute)
    return _area_table(area_parts, areas, level), _grid_table(grid_parts)
