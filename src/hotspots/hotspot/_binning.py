"""The shared first half of every grid verb: located points, the grid and counts per cell.

Used by :mod:`hotspots.hotspot` (counts, KDE), :mod:`hotspots.hotspot.gistar` (Gi*) and
:mod:`hotspots.hotspot.moran` (Local Moran's I); kept apart so that none of them imports the
others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np

from hotspots import schema
from hotspots._params import check_in, check_positive, current_verb
from hotspots.grid.build import build_grid
from hotspots.grid.crs_policy import same_crs
from hotspots.grid.frame import grid_from_frame
from hotspots.grid.lattice import Grid
from hotspots.grid.points import LocatedPoints, incident_points
from hotspots.hotspot._constraints import COMPAT_MODES

__all__ = ["COMPAT_MODES", "Binned", "cells", "check_compat", "insert_before_geometry",
           "prepare"]

logger = logging.getLogger(__name__)

def check_compat(compat: str | None, caller: str | None = None) -> str | None:
    """Check ``compat`` against :data:`COMPAT_MODES` (messages name the running verb)."""
    return check_in("compat", compat, COMPAT_MODES, caller=caller)


@dataclass
class Binned:
    """Located points, the grid, output frame, attrs so far and counts per lattice cell."""

    points: LocatedPoints
    grid: Grid
    position: np.ndarray  # flat lattice index of each output row
    frame: gpd.GeoDataFrame
    info: dict[str, Any]
    counts: np.ndarray  # (nrow, ncol) int64
    weighted: np.ndarray | None  # (nrow, ncol) float64 when weights given


def prepare(
    incidents: Any,
    *,
    cell_size: float | None,
    grid_type: str,
    grid: gpd.GeoDataFrame | None,
    clip: Any,
    weights: str | None,
    compat: str | None,
) -> Binned:
    """Build or read the grid and bin the located points (the first half of every verb)."""
    caller = current_verb()
    points = incident_points(incidents, weights=weights)
    if grid is not None:
        lattice, position = grid_from_frame(grid)
        same_crs(points.crs, grid.crs, "the incidents", "grid")
        ignored = [name for name, v in (("cell_size", cell_size), ("clip", clip)) if v is not None]
        if ignored:
            logger.info("%s: grid given, so %s ignored", caller, " and ".join(ignored))
        # shallow: the verbs only add or replace whole columns (insert_before_geometry),
        # which never reaches `grid`; a deep copy of a 150k-cell grid costs more than Gi*
        frame = grid.copy(deep=False)
        info: dict[str, Any] = {
            "cell_size": lattice.cell_size,
            "cell_size_reason": "from the grid given",
            "grid_type": lattice.grid_type,
            "grid_extent": "grid given",
            "n_cells": len(grid),
            "grid": lattice.spec(),
        }
        for key in ("boundary", "vintage"):
            value = grid.attrs.get("hotspots", {}).get(key)
            if value is not None:
                info[key] = value
    else:
        # checked here too for helpers that call prepare without a decorated verb
        check_in("grid_type", grid_type, ("square", "hex"))
        if cell_size is not None:
            check_positive("cell_size", cell_size)
        built = build_grid(
            points, cell_size=cell_size, grid_type=grid_type, clip=clip, compat=compat,
        )
        lattice, frame, info = built.grid, built.frame, built.info
        position = frame[schema.CELL_ID].to_numpy()
    counts = _counts(lattice, points)
    weighted = None
    if points.weights is not None:
        weighted = lattice.bin_points(points.x, points.y, points.weights)
    n_counted = int(counts.sum())
    n_outside = int(points.x.size - n_counted)
    info.update({
        "n_incidents": int(points.n_rows),
        "n_located": int(points.x.size),
        "n_unknown_location": int(points.n_unknown),
        "n_outside_grid": n_outside,
        "n_counted": n_counted,
        "weights": weights,
    })
    if points.n_unknown:
        logger.info(
            "%s: %d of %d incidents have no known location and are not mapped",
            caller, points.n_unknown, points.n_rows,
        )
    if n_outside:
        logger.info(
            "%s: %d located incidents fall outside the grid and are not counted in any cell",
            caller, n_outside,
        )
    return Binned(points, lattice, position, frame, info, counts, weighted)


def _counts(lattice: Grid, points: LocatedPoints) -> np.ndarray:
    """Located points per lattice cell (int64), over the distinct point objects if shared.

    Rows that share a point object share its cell: binning the objects, each weighed by
    its rows, gives the same counts (sums of integers, exact in float64) from tens of
    thousands of snap points instead of millions of rows.
    """
    per_object = points.per_object
    if per_object is None:
        return lattice.bin_points(points.x, points.y)
    gx, gy, rows = per_object
    return lattice.bin_points(gx, gy, rows).astype(np.int64)


def cells(values: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Values of a lattice array at the output rows (flat lattice positions)."""
    return values.ravel()[position]


def insert_before_geometry(frame: gpd.GeoDataFrame, cols: dict[str, Any]) -> gpd.GeoDataFrame:
    """Add (or replace) columns, keeping the geometry column last."""
    geom = frame.geometry.name
    replaced = [name for name in cols if name in frame.columns]
    if replaced:
        frame = frame.drop(columns=replaced)
    if frame.columns[-1] != geom:
        frame = frame[[c for c in frame.columns if c != geom] + [geom]]
    # inserted in place before the geometry: no reordering copy of every column
    for name, values in cols.items():
        frame.insert(len(frame.columns) - 1, name, values)
    return frame

