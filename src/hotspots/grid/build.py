"""Building a grid: its region (boundary, polygons or points hull), cell size and cells.

:func:`build_grid` is the grid's interface to the grid verbs in :mod:`hotspots.hotspot`:
it returns the lattice, the cell frame and the automatic choices made, with reasons.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geopandas.array import GeometryArray
from pyproj import CRS

from hotspots import schema
from hotspots._params import check_in, current_verb
from hotspots.crs import BNG
from hotspots.errors import EmptyDataError, Problem
from hotspots.grid._edges import square_polygons
from hotspots.grid._lazy import CellSource, LazyCells
from hotspots.grid.cell_size import cell_size_auto, readable_cell_size
from hotspots.grid.clip import (
    ClippedCells,
    area_columns,
    cached_cells,
    cached_union,
    clip_key,
    clip_mask,
)
from hotspots.grid.crs_policy import check_metric_crs, same_crs
from hotspots.grid.lattice import Grid
from hotspots.grid.points import LocatedPoints

__all__ = ["MAX_CELLS_WARNING", "GridBuild", "build_grid", "is_areaset", "outline_of"]

logger = logging.getLogger(__name__)

#: Grids with more cells than this trigger a warning (memory, and maps become slow).
MAX_CELLS_WARNING = 1_000_000


def is_areaset(obj: Any) -> bool:
    """Whether ``obj`` looks like an :class:`~hotspots.areas.AreaSet` (duck-typed, no import)."""
    return hasattr(obj, "outline") and hasattr(obj, "level_names") and hasattr(obj, "__getitem__")



def outline_of(clip: Any, key: str | None = None) -> tuple[shapely.Geometry, Any, dict[str, Any]]:
    """Outline geometry, CRS and metadata of a ``clip`` argument.

    ``key`` (:func:`clip_key` of ``clip``, optional) lets a GeoDataFrame's or GeoSeries'
    union be kept for the next call over the same geometries.
    """
    if is_areaset(clip):
        meta = {"boundary": getattr(clip, "name", None), "vintage": getattr(clip, "vintage", None)}
        levels = list(clip.level_names)
        crs = clip[levels[0]].crs if levels else BNG
        return clip.outline, crs, meta
    if isinstance(clip, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if len(clip) == 0:
            raise EmptyDataError(Problem("empty_boundary", "clip has no rows."))
        check_metric_crs(clip.crs, "clip")
        geoms = clip.geometry.to_numpy() if isinstance(clip, gpd.GeoDataFrame) else clip.to_numpy()
        return cached_union(geoms, key), clip.crs, {}
    if isinstance(clip, shapely.Geometry):
        return clip, None, {}
    raise TypeError(
        "clip must be an AreaSet, a GeoDataFrame/GeoSeries of polygons or a shapely polygon; "
        f"got {type(clip).__name__}."
    )


# --- building grids -------------------------------------------------------------------------
def _clipped_cells(cover: Grid, region: shapely.Geometry, areas: Any) -> ClippedCells:
    """Mask, columns and polygons of the cells of ``cover`` that overlap ``region``."""
    lowest = None
    centre_in = None
    locate = areas is not None and hasattr(areas, "locate")
    # square cells over a polygon: the mask comes from the outline's edges (grid._edges) and
    # only the kept cells' centres are looked up; hexagons: interior cells by the label
    # raster, whose one lookup over the rectangle gives inside/outside and the ward
    if locate and not square_polygons(cover, region):
        cx, cy = cover.centres(np.arange(cover.nrow * cover.ncol))
        lowest = np.asarray(areas.locate(cx, cy, level=areas.level_names[0]), dtype=np.int64)
        centre_in = (lowest >= 0).reshape(cover.shape)
    mask, centre_in, coverage = clip_mask(cover, region, centre_in)
    lattice = cover.with_mask(mask)
    ids = lattice.cell_ids()
    cx, cy = lattice.centres(ids)
    if lowest is not None:
        lowest = lowest[ids]
    elif locate:
        lowest = np.asarray(areas.locate(cx, cy, level=areas.level_names[0]), dtype=np.int64)
    # the polygons are made when first read (most verbs never read them; see grid._lazy)
    cells = LazyCells(CellSource(lattice, ids))
    data: dict[str, Any] = {
        schema.CELL_ID: ids.astype(np.int64),
        "x": cx,
        "y": cy,
        "inside": centre_in.ravel()[ids],
        "coverage": coverage.ravel()[ids],
    }
    if areas is not None:
        data.update(area_columns(areas, lattice, ids, cx, cy, None, lowest))
    return ClippedCells(mask, data, cells)


@dataclass
class GridBuild:
    """A new grid: the lattice, its cell frame and the choices made (for ``attrs``)."""

    grid: Grid
    frame: gpd.GeoDataFrame
    info: dict[str, Any]


@dataclass
class _Region:
    """What a grid is built over, before the cell size is known."""

    geometry: shapely.Geometry | None  # None: the points' hull, once the cell size is known
    crs: Any
    extent: str  # for attrs: "boundary", "polygons" or "points"
    what: str  # for the cell-size reason: "the boundary", ...
    info: dict[str, Any]


def _region(points: LocatedPoints | None, clip: Any, data_geoms: Any, verb: str,
            key: str | None = None) -> _Region:
    """Find the study region: the ``clip`` outline, the polygons' union, or (later) the points."""
    if clip is not None:
        region, clip_crs, meta = outline_of(clip, key)
        if points is not None:
            same_crs(points.crs, clip_crs, "the incidents", "clip")
        crs = clip_crs if clip_crs is not None else (points.crs if points is not None else BNG)
        if clip_crs is not None:
            check_metric_crs(clip_crs, "clip")
        info = {k: v for k, v in meta.items() if v is not None}
        out = _Region(region, crs, "boundary", "the boundary", info)
    elif data_geoms is not None:
        out = _Region(shapely.union_all(data_geoms), points.crs if points is not None else None,
                      "polygons", "the polygons", {})
    else:
        if points is None or points.x.size == 0:
            raise EmptyDataError(Problem(
                "no_located_incidents",
                f"{verb}: no incident has a known location, so there is nothing to build a "
                "grid over. Pass clip= (a boundary) or check the input (has a previous step "
                "removed all rows?).",
            ))
        return _Region(None, points.crs, "points", "the incidents", {})
    if out.geometry is not None and (out.geometry.is_empty or out.geometry.area <= 0):
        raise EmptyDataError(Problem("empty_boundary", f"{verb}: the boundary has no area."))
    return out


def _cell_size(cell_size: float | None, region: _Region, points: LocatedPoints | None,
               compat: str | None, verb: str) -> tuple[float, float | None, str]:
    """``(cell_size, rule_size, reason)``: the size given, or the automatic rule's."""
    if cell_size is not None:
        cs = float(cell_size)
        if not (cs > 0 and math.isfinite(cs)):
            raise ValueError(
                f"The 'cell_size' parameter of {verb} must be a float > 0. "
                f"Got {cell_size!r} instead."
            )
        return cs, None, "given"
    if region.geometry is not None:
        bounds = region.geometry.bounds
    else:
        assert points is not None
        bounds = (points.x.min(), points.y.min(), points.x.max(), points.y.max())
    rule_size, reason = cell_size_auto(bounds, what=region.what)
    size = rule_size
    if compat is None:
        # a size people quote (30 m, not 33.794 m); sfhotspot compat keeps its own rule
        size, reason = readable_cell_size(rule_size, reason)
    logger.info("%s: cell size %.6g m (rule %.6g m; %s)", verb, size, rule_size, reason)
    return size, rule_size, reason


def _cells(region: shapely.Geometry, cell_size: float, grid_type: str, clip: Any,
           compat: str | None, key: str | None = None) -> tuple[Grid, ClippedCells]:
    """Cover ``region`` with a rectangle of cells and clip them (cached for a ``clip``)."""
    cover = Grid.covering(region.bounds, cell_size, grid_type,  # type: ignore[arg-type]
                          snap=compat is None)
    # the same boundary, cell size and origin give the same cells: built once, cached (an
    # AreaSet by its fingerprint, other clips by the hash of their geometries)
    if is_areaset(clip):
        return cover, cached_cells(clip, cover, lambda: _clipped_cells(cover, region, clip))
    if key is not None:
        return cover, cached_cells(None, cover, lambda: _clipped_cells(cover, region, None),
                                   key=key)
    return cover, _clipped_cells(cover, region, None)


def _cell_frame(built: ClippedCells, crs: Any) -> gpd.GeoDataFrame:
    """Build the cell frame: the columns as they are, then the lazy polygons as geometry.

    One ``DataFrame`` of the arrays, uncopied (``cached_cells`` hands out copies), then the
    geometry column named: half the cost of ``GeoDataFrame(columns, geometry=GeoSeries(...))``
    on 150k cells (3 ms against 6 ms), and the polygons are still not made.
    """
    geometry = built.geometry
    if isinstance(geometry, GeometryArray) and geometry.crs is None:
        geometry.crs = crs
    else:
        geometry = gpd.GeoSeries(geometry, crs=crs).values
    columns = pd.DataFrame({**built.columns, "geometry": geometry}, copy=False)
    return gpd.GeoDataFrame(columns, geometry="geometry", copy=False)


def build_grid(
    points: LocatedPoints | None,
    *,
    cell_size: float | None,
    grid_type: str,
    clip: Any,
    compat: str | None,
    caller: str | None = None,
    data_geoms: Any = None,
) -> GridBuild:
    """Build a grid over ``clip``, polygons or the points: the grid verbs' interface.

    Parameters
    ----------
    points : LocatedPoints or None
        Located incidents (from :func:`hotspots.grid.points.incident_points`).
    cell_size : float or None
        Cell size in metres; None for the automatic rule (rounded to a readable size
        unless ``compat``).
    grid_type : {"square", "hex"}
        Cell shape.
    clip : AreaSet, GeoDataFrame, GeoSeries, shapely geometry or None
        Study region.
    compat : str or None
        ``"sfhotspot-1.0"``: sfhotspot's origin (the region's corner) and unrounded size.
    caller : str, optional
        Verb named in messages; default the running verb (:func:`hotspots._params.current_verb`).
    data_geoms : numpy.ndarray of shapely polygons, optional
        Polygons to cover when there is no ``clip``.

    Returns
    -------
    GridBuild

    Examples
    --------
    >>> import shapely
    >>> b = build_grid(None, cell_size=250, grid_type="square",
    ...                clip=shapely.box(0, 0, 1000, 500), compat=None)
    >>> b.grid.shape, len(b.frame), b.info["grid_extent"]
    ((2, 4), 8, 'boundary')
    """
    verb = caller or current_verb()
    check_in("grid_type", grid_type, ("square", "hex"), caller=verb)
    key = None if clip is None or is_areaset(clip) else clip_key(clip)
    region = _region(points, clip, data_geoms, verb, key)
    size, rule_size, reason = _cell_size(cell_size, region, points, compat, verb)
    geometry, extent = region.geometry, region.extent
    if geometry is None:
        assert points is not None
        hull = shapely.convex_hull(shapely.multipoints(np.column_stack([points.x, points.y])))
        geometry = shapely.buffer(hull, size / 2, quad_segs=30)
        extent = "points hull"
    cover, built = _cells(geometry, size, grid_type, clip, compat, key)
    lattice = cover.with_mask(built.mask)
    n_cells = lattice.n_cells
    if n_cells > MAX_CELLS_WARNING:
        warnings.warn(
            f"{verb}: the grid has {n_cells:,} cells (more than {MAX_CELLS_WARNING:,}); "
            "statistics stay fast but maps and files will be large. Consider a larger cell_size.",
            UserWarning,
            stacklevel=3,
        )
    crs = region.crs
    frame = _cell_frame(built, crs)
    info = {
        **region.info,
        "cell_size": float(size),
        "cell_size_rule": None if rule_size is None else float(rule_size),
        "cell_size_reason": reason,
        "grid_type": grid_type,
        "grid_extent": extent,
        "n_cells": int(n_cells),
        "grid": lattice.spec(),
        "crs": CRS.from_user_input(crs).to_string() if crs is not None else None,
    }
    logger.info("%s: %s grid of %s cells of %.6g m over %s", verb, grid_type, f"{n_cells:,}",
                size, extent)
    return GridBuild(lattice, frame, info)
