"""Grids as frames: :func:`hotspot_grid` builds one, :func:`grid_from_frame` reads one back."""

from __future__ import annotations

import contextlib
import math
import weakref
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from hotspots._objects import object_addresses
from hotspots._params import OneOf, Positive, current_verb, validate_params
from hotspots._threads import halves, map_parts
from hotspots._version import __version__
from hotspots.errors import Problem, ValidationError
from hotspots.grid.build import build_grid, is_areaset
from hotspots.grid.crs_policy import check_metric_crs
from hotspots.grid.lattice import Grid, GridType
from hotspots.grid.points import LocatedPoints, incident_points

__all__ = ["grid_from_frame", "hotspot_grid"]

_SQRT3 = math.sqrt(3.0)


@validate_params({"cell_size": Positive(allow_none=True), "grid_type": OneOf(("square", "hex"))})
def hotspot_grid(
    data: Any = None,
    *,
    cell_size: float | None = None,
    grid_type: GridType = "square",
    clip: Any = None,
) -> gpd.GeoDataFrame:
    """Build a square or hexagonal grid over a boundary or over incidents.

    Parameters
    ----------
    data : geopandas.GeoDataFrame or GeoSeries, optional
        Incidents (points; rows without a location are ignored) or polygons. Not needed
        when ``clip`` is given. An AreaSet here is used as ``clip``.
    cell_size : float, optional
        Cell size in metres (square side, or hexagon width across the flats). Default:
        sfhotspot's rule (see :func:`cell_size_auto`) on the bounding box of the boundary
        (when ``clip`` is given) or of the points, rounded to a readable value (30 m, not
        33.794 m; multiples of 100 m are kept); the choice, the rule's unrounded value
        (``cell_size_rule``) and the reason are logged and stored in ``attrs``.
    grid_type : {"square", "hex"}
        Cell shape.
    clip : AreaSet, GeoDataFrame, GeoSeries or shapely polygon, optional
        Study area. Every cell that intersects it is kept (boundary cells too, so zeros are
        counted). Without it the grid covers the convex hull of the points buffered by half
        a cell (sfhotspot), or the union of polygon ``data``. A shapely geometry is assumed
        to be in the incidents' CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per cell, RangeIndex, sorted by ``cell_id``, CRS of the input:

        ========================== ==========================================================
        ``cell_id`` (int64)        ``row * ncol + col`` in the grid's rectangle (row 0 south)
        ``x``, ``y`` (float64)     cell centre
        ``inside`` (bool)          the centre lies inside the boundary (or the hull)
        ``coverage`` (float64)     share of the cell's area inside the boundary (or the
                                   hull), 0 to 1; 1 away from the edge
        ``<level>_id`` (string)    for an AreaSet ``clip``, per level (e.g. ``ward_id``,
                                   ``constituency_id``): code of the area holding the centre
        ``<level>`` (category)     that area's name (e.g. ``ward``, ``constituency``);
                                   categories are the areas in boundary order, then
                                   "Outside district"
        ``geometry``               cell polygon
        ========================== ==========================================================

        ``attrs["hotspots"]``: ``function``, ``cell_size``, ``cell_size_rule`` (the automatic
        rule's unrounded value; None when given), ``cell_size_reason``,
        ``grid_type``, ``grid_extent`` ("boundary", "points hull" or "polygons"),
        ``n_cells``, ``grid`` (origin ``x0``/``y0``, ``cell_size``, ``nrow``, ``ncol``,
        ``grid_type``), ``crs``, ``version``, and ``boundary``/``vintage`` for an AreaSet.

    Raises
    ------
    hotspots.errors.CRSError
        If the data or boundary are not in a projected CRS in metres, or differ.
    hotspots.errors.EmptyDataError
        If there is neither a boundary nor any located incident.
    ValueError
        For a bad ``cell_size`` or ``grid_type``, or a grid too large for memory.

    Warns
    -----
    UserWarning
        When the grid has more than one million cells.

    Notes
    -----
    Area labels: a cell belongs to the area containing its centre. A boundary cell whose
    centre falls outside the district takes the area holding the largest part of the cell,
    so every kept cell has a ward; "Outside district" remains only for a cell that merely
    touches the boundary. ``inside`` tells the two kinds of boundary cell apart.

    The origin is snapped to a multiple of the cell size, so grids built with the same cell
    size share cell edges and ``cell_id`` is stable for a given boundary.

    Speed: cells away from the boundary are found from the AreaSet's label raster (the one
    :func:`hotspots.areas.assign_areas` uses) and only cells a boundary crosses get an exact
    intersection, against the boundary's local piece. With an AreaSet ``clip`` the cells are
    cached per (boundary set, cell size, grid type, origin), so the second grid verb over the
    same boundary and cell size does not build them again (each call gets its own copy).

    Examples
    --------
    >>> from hotspots.grid import hotspot_grid
    >>> import shapely
    >>> g = hotspot_grid(clip=shapely.box(0, 0, 1000, 500), cell_size=250)
    >>> len(g), g.columns.tolist()
    (8, ['cell_id', 'x', 'y', 'inside', 'coverage', 'geometry'])
    """
    if clip is None and is_areaset(data):
        data, clip = None, data
    points = None
    data_geoms = None
    if data is not None:
        geoms = data.geometry if isinstance(data, gpd.GeoDataFrame) else data
        if isinstance(geoms, gpd.GeoSeries) and len(geoms) and clip is None:
            types = set(shapely.get_type_id(geoms.dropna().to_numpy()))
            if types and types <= {3, 6}:  # polygons / multipolygons
                check_metric_crs(geoms.crs, "data")
                data_geoms = geoms.to_numpy()
                points = LocatedPoints(np.empty(0), np.empty(0), np.empty(0, np.int64),
                                       len(geoms), None, geoms.crs)
        if data_geoms is None:
            points = incident_points(data)
    if points is None and clip is None:
        raise ValueError(
            "hotspot_grid needs data (incidents or polygons) or clip (a boundary)."
        )
    built = build_grid(
        points, cell_size=cell_size, grid_type=grid_type, clip=clip, compat=None,
        data_geoms=data_geoms,
    )
    frame = built.frame
    frame.attrs["hotspots"] = {"function": "hotspot_grid", **built.info, "version": __version__}
    return frame


def grid_from_frame(grid: gpd.GeoDataFrame, *, caller: str | None = None) -> tuple[
    Grid, np.ndarray
]:
    """Recover the lattice of a grid frame (e.g. from :func:`hotspot_grid`).

    The cell size, type and origin are read from the cells themselves (not from
    ``attrs``), so a grid saved to a file and read back, or filtered to fewer rows,
    still works. The frame's cells form the mask.

    Parameters
    ----------
    grid : geopandas.GeoDataFrame
        Square or pointy-topped hexagonal cells of one regular lattice.
    caller : str, optional
        Name used in error messages; default the verb running (or ``grid_from_frame``).

    Returns
    -------
    tuple
        ``(Grid, position)`` where ``position[i]`` is the flat rectangle index of row i.

    Raises
    ------
    hotspots.errors.ValidationError
        If the cells are not a regular square or hexagonal lattice.

    Examples
    --------
    >>> from hotspots.grid import grid_from_frame, hotspot_grid
    >>> import shapely
    >>> g = hotspot_grid(clip=shapely.box(0, 0, 1000, 500), cell_size=250)
    >>> lattice, position = grid_from_frame(g.iloc[2:])
    >>> lattice.cell_size, lattice.shape, position.tolist()
    (250.0, (2, 4), [2, 3, 4, 5, 6, 7])
    """
    caller = caller or current_verb("grid_from_frame")
    if not isinstance(grid, gpd.GeoDataFrame) or len(grid) == 0:
        raise ValidationError(
            Problem("bad_grid", f"{caller}: grid must be a non-empty GeoDataFrame.")
        )
    check_metric_crs(grid.crs, "grid")
    geoms = grid.geometry.to_numpy()
    has_xy = "x" in grid.columns and "y" in grid.columns
    cx = grid["x"].to_numpy(dtype=float) if has_xy else None
    cy = grid["y"].to_numpy(dtype=float) if has_xy else None
    key = object_addresses(geoms)
    for entry in _READ:
        if entry.matches(key, cx, cy):
            lattice, position = entry.result
            return lattice.with_mask(lattice.mask.copy()), position.copy()
    lattice, position = _read_lattice(geoms, cx, cy, caller)
    if key is not None:
        _remember(geoms, key, cx, cy, (lattice, position))
        return lattice.with_mask(lattice.mask.copy()), position.copy()
    return lattice, position


@dataclass(eq=False)
class _Read:
    """A grid frame read back, with the lattice and positions found.

    It holds the cell objects (so their addresses stay theirs) and the ``x``/``y`` columns
    it was read with.
    """

    objects: np.ndarray
    addresses: np.ndarray
    x: np.ndarray | None
    y: np.ndarray | None
    result: tuple[Grid, np.ndarray]

    def matches(self, addresses: np.ndarray | None, x: np.ndarray | None,
                y: np.ndarray | None) -> bool:
        """Whether a frame holds the very same cell objects and the same centres."""
        if addresses is None or not np.array_equal(self.addresses, addresses):
            return False
        if x is None or y is None or self.x is None or self.y is None:
            return x is None and self.x is None
        return np.array_equal(self.x, x) and np.array_equal(self.y, y)


#: Grid frames read back lately. A notebook runs verb after verb on one grid, and reading
#: its lattice (types, bounds and centres of every cell) costs 30 ms on 150k cells, as much
#: as the Gi* kernel. Shapely geometries are immutable and an entry holds its objects, so
#: equal addresses mean equal cells; an entry goes when the array it was read from does.
_READ: list[_Read] = []
_READ_MAX = 2


def _remember(geoms: np.ndarray, addresses: np.ndarray, x: np.ndarray | None,
              y: np.ndarray | None, result: tuple[Grid, np.ndarray]) -> None:
    entry = _Read(geoms.copy(), addresses, None if x is None else x.copy(),
                  None if y is None else y.copy(), result)
    _READ.insert(0, entry)
    del _READ[_READ_MAX:]
    weakref.finalize(geoms, _forget, entry)


def _forget(entry: _Read) -> None:
    with contextlib.suppress(ValueError):  # already pushed out by newer grids
        _READ.remove(entry)


def _read_lattice(geoms: np.ndarray, cx: np.ndarray | None, cy: np.ndarray | None,
                  caller: str) -> tuple[Grid, np.ndarray]:
    """Recover the lattice from the cells (the work of :func:`grid_from_frame`)."""
    # both reads of every cell object release the GIL: a large grid's halves on two threads,
    # each writing its rows of the two arrays
    ncoords = np.empty(geoms.size, dtype=np.int32)
    b = np.empty((geoms.size, 4))

    def read(start: int, stop: int) -> None:
        shapely.get_num_coordinates(geoms[start:stop], out=ncoords[start:stop])
        shapely.bounds(geoms[start:stop], out=b[start:stop])

    map_parts(read, halves(geoms.size))
    if np.all(ncoords == 5):
        grid_type: GridType = "square"
    elif np.all(ncoords == 7):
        grid_type = "hex"
    else:
        raise ValidationError(Problem(
            "bad_grid",
            f"{caller}: the grid's cells are neither all squares nor all hexagons; "
            "build it with hotspot_grid().",
        ))
    width = b[:, 2] - b[:, 0]
    s = float(np.median(width))
    if cx is None or cy is None:
        cx = (b[:, 0] + b[:, 2]) / 2
        cy = (b[:, 1] + b[:, 3]) / 2
    tol = 1e-6
    if grid_type == "square":
        x0 = cx.min() - s / 2
        y0 = cy.min() - s / 2
        fc = (cx - x0) / s - 0.5
        fr = (cy - y0) / s - 0.5
        col, row = np.round(fc), np.round(fr)
        ok = _close(fc, col, tol) and _close(fr, row, tol)
    else:
        dy = s * _SQRT3 / 2
        r = s / _SQRT3
        y0 = cy.min() - r
        fr = (cy - y0 - r) / dy
        row = np.round(fr)
        ok = _close(fr, row, tol)
        col = row * 0
        if ok:
            for flip in (0, 1):
                par = (row.astype(np.int64) + flip) & 1
                xs = cx - 0.5 * s * par
                x0 = xs.min() - s / 2
                fc = (xs - x0) / s - 0.5
                col = np.round(fc)
                if _close(fc, col, tol):
                    row = row + flip
                    y0 -= flip * dy
                    break
            else:
                ok = False
    if not ok or not _close(width, s, 1e-8, rtol=1e-6):
        raise ValidationError(Problem(
            "bad_grid",
            f"{caller}: the grid's cells do not form one regular {grid_type} lattice; "
            "build the grid with hotspot_grid().",
        ))
    row = row.astype(np.int64)
    col = col.astype(np.int64)
    nrow, ncol = int(row.max()) + 1, int(col.max()) + 1
    pos = row * ncol + col
    # bincount, not np.unique: numpy 2's hash-based unique takes ~1 s on 600k cells
    if np.bincount(pos, minlength=nrow * ncol).max() > 1:
        raise ValidationError(Problem("bad_grid", f"{caller}: the grid has duplicate cells."))
    mask = np.zeros((nrow, ncol), dtype=bool)
    mask.ravel()[pos] = True
    return Grid(float(x0), float(y0), s, nrow, ncol, grid_type, mask), pos


def _close(a: np.ndarray, b: np.ndarray | float, atol: float, rtol: float = 1e-5) -> bool:
    """``np.allclose(a, b, rtol, atol)`` for finite arrays, without its general handling.

    ``np.isclose`` also sorts out infinities, NaN and dtypes, which made the three checks a
    third of reading a 148k-cell grid back; cell coordinates are finite (a NaN gives False).
    """
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))
