"""Square and hexagonal grids over a district or over the incidents, and fast point binning.

:func:`hotspot_grid` returns the grid as a GeoDataFrame (one row per cell, a stable
``cell_id``, the cell centre, whether the centre is inside the boundary, the cell's ward and
constituency); :class:`Grid` is the small array-level description behind it (origin, cell
size, rows, columns, study mask) that bins points with integer arithmetic and
``np.bincount``, never a spatial join.

Layout
------
Cells form a rectangle of ``nrow x ncol`` positions; ``cell_id = row * ncol + col`` with
row 0 at the south (smallest y) and column 0 at the west. Only cells that intersect the
study region are kept (the *mask*), but ids keep their rectangle position, so the same
origin and cell size always give the same ids.

- Square cells: cell (r, c) spans ``[x0 + c s, x0 + (c + 1) s) x [y0 + r s, y0 + (r + 1) s)``.
- Hexagons are pointy-topped with width ``s`` (the distance between opposite edges, as in
  sf's ``st_make_grid``), so neighbouring centres are ``s`` apart; rows are
  ``s * sqrt(3) / 2`` apart and odd rows are shifted east by ``s / 2``.

By default the origin is snapped to a multiple of the cell size (of two hexagon rows in y),
so grids of the same cell size line up with the British National Grid and with each other.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from hotspots import schema
from hotspots._version import __version__
from hotspots.crs import BNG
from hotspots.errors import CRSError, DataQualityWarning, EmptyDataError, Problem, ValidationError
from hotspots.grid.clip import ClippedCells, area_columns, cached_cells, clip_mask
from hotspots.nice import nice_length
from hotspots.stats.gistar import lattice_runs, neighbourhood_sum

__all__ = ["MAX_CELLS_WARNING", "Grid", "cell_size_auto", "grid_from_frame", "hotspot_grid"]

logger = logging.getLogger(__name__)

GridType = Literal["square", "hex"]

#: Grids with more cells than this trigger a warning (memory, and maps become slow).
MAX_CELLS_WARNING = 1_000_000
#: Rectangles larger than this are refused: they would not fit in memory.
_MAX_RECTANGLE = 60_000_000
#: Points are binned in blocks of this many, so temporaries stay in the CPU cache.
_CHUNK = 1 << 16
_SQRT3 = math.sqrt(3.0)


@dataclass(frozen=True, eq=False)
class Grid:
    """A regular square or hexagonal lattice with a study mask.

    Parameters
    ----------
    x0, y0 : float
        Origin: the south-west corner of the rectangle of cells.
    cell_size : float
        Side of a square cell, or width (distance between opposite edges) of a hexagon.
    nrow, ncol : int
        Rows and columns of the rectangle.
    grid_type : {"square", "hex"}
        Cell shape.
    mask : numpy.ndarray of bool, shape (nrow, ncol), optional
        Cells that belong to the grid (intersect the study region). Default: all.

    Examples
    --------
    >>> g = Grid(0.0, 0.0, 100.0, nrow=2, ncol=3)
    >>> g.bin_points(np.array([50.0, 150.0, 160.0, 999.0]), np.array([50.0, 50.0, 150.0, 0.0]))
    array([[1, 1, 0],
           [0, 1, 0]])
    >>> g.locate(np.array([250.0, -1.0]), np.array([150.0, 0.0])).tolist()
    [5, -1]
    """

    x0: float
    y0: float
    cell_size: float
    nrow: int
    ncol: int
    grid_type: GridType = "square"
    mask: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.grid_type not in ("square", "hex"):
            raise ValueError(
                f"The 'grid_type' parameter must be 'square' or 'hex'. Got {self.grid_type!r} "
                "instead."
            )
        if not self.cell_size > 0 or self.nrow < 1 or self.ncol < 1:
            raise ValueError("a Grid needs cell_size > 0 and at least one row and column.")
        mask = self.mask
        if mask is None:
            mask = np.ones((self.nrow, self.ncol), dtype=bool)
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (self.nrow, self.ncol):
            raise ValueError(f"mask has shape {mask.shape}, expected {(self.nrow, self.ncol)}.")
        object.__setattr__(self, "mask", mask)

    # --- geometry of the lattice -----------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        """``(nrow, ncol)`` of the rectangle."""
        return (self.nrow, self.ncol)

    @property
    def n_cells(self) -> int:
        """Number of cells in the mask."""
        return int(self.mask.sum())

    @property
    def row_spacing(self) -> float:
        """Distance between the centres of consecutive rows."""
        return self.cell_size if self.grid_type == "square" else self.cell_size * _SQRT3 / 2

    @property
    def cell_area(self) -> float:
        """Area of one cell (square units of the CRS)."""
        s = self.cell_size
        return s * s if self.grid_type == "square" else s * s * _SQRT3 / 2

    def with_mask(self, mask: np.ndarray) -> Grid:
        """Return the same lattice with another mask."""
        return Grid(self.x0, self.y0, self.cell_size, self.nrow, self.ncol, self.grid_type, mask)

    def cell_ids(self) -> np.ndarray:
        """Flat rectangle indices (``cell_id``) of the masked cells, in row-major order."""
        return np.flatnonzero(self.mask.ravel())

    def centres(self, cell_id: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Centre coordinates of cells (default: the masked cells, in ``cell_id`` order).

        Parameters
        ----------
        cell_id : numpy.ndarray of int, optional
            Flat rectangle indices.

        Returns
        -------
        tuple of numpy.ndarray
            ``(x, y)``.
        """
        ids = self.cell_ids() if cell_id is None else np.asarray(cell_id, dtype=np.int64)
        row, col = np.divmod(ids, self.ncol)
        s = self.cell_size
        if self.grid_type == "square":
            return self.x0 + (col + 0.5) * s, self.y0 + (row + 0.5) * s
        x = self.x0 + (col + 0.5 + 0.5 * (row & 1)) * s
        y = self.y0 + s / _SQRT3 + row * self.row_spacing
        return x, y

    def polygons(self, cell_id: np.ndarray | None = None) -> np.ndarray:
        """Cell polygons as a shapely array (default: the masked cells, in ``cell_id`` order)."""
        x, y = self.centres(cell_id)
        h = self.cell_size / 2
        if self.grid_type == "square":
            return shapely.box(x - h, y - h, x + h, y + h)
        r = self.cell_size / _SQRT3
        ang = np.deg2rad(np.array([-30.0, 30.0, 90.0, 150.0, 210.0, 270.0, 330.0]))
        coords = np.empty((x.size, 7, 2))
        coords[:, :, 0] = x[:, None] + r * np.cos(ang)[None, :]
        coords[:, :, 1] = y[:, None] + r * np.sin(ang)[None, :]
        coords[:, 6] = coords[:, 0]  # close the ring exactly
        return shapely.polygons(coords)

    # --- locating and binning points ----------------------------------------------------------
    # Points are located on an *extended* rectangle with one extra row and column on every
    # side: index ``(row + 1) * (ncol + 2) + (col + 1)``. Anything outside the grid (and NaN)
    # is clamped into the border, so no boolean masks are needed and binning is a handful of
    # in-place float operations, one cast and ``np.bincount`` on cache-sized blocks.
    def _ext_width(self) -> int:
        return self.ncol + 2

    def _ext_index_chunk(self, x: np.ndarray, y: np.ndarray, fx: np.ndarray, fy: np.ndarray,
                         out: np.ndarray, nan_safe: bool = True) -> None:
        """Write extended indices of one cache-sized block of points into ``out``.

        With ``nan_safe=False`` a NaN coordinate gives a negative index (the caller's
        ``np.bincount`` then fails and the block is redone safely), which keeps the common
        all-finite case free of an extra pass.
        """
        m = x.size
        fx, fy = fx[:m], fy[:m]
        if nan_safe:
            # NaN would survive the clamping below; send those points west of the grid
            bad = np.isnan(x) | np.isnan(y)
            x = np.where(bad, -np.inf, x)
            y = np.where(bad, self.y0, y)
        if self.grid_type == "square":
            inv = 1.0 / self.cell_size
            np.multiply(x, inv, out=fx)
            np.add(fx, 1.0 - self.x0 * inv, out=fx)
            np.clip(fx, 0.0, self.ncol + 1.0, out=fx)
            np.multiply(y, inv, out=fy)
            np.add(fy, 1.0 - self.y0 * inv, out=fy)
            np.floor(fy, out=fy)
            np.clip(fy, 0.0, self.nrow + 1.0, out=fy)
            # floor(row) * width + col truncates to the right cell: row part is integral
            np.multiply(fy, float(self._ext_width()), out=fy)
            np.add(fy, fx, out=fy)
            with np.errstate(invalid="ignore"):
                np.copyto(out, fy, casting="unsafe")
        else:
            row, col = self._hex_rowcol(x, y)
            np.clip(row + 1, 0, self.nrow + 1, out=row)
            np.clip(col + 1, 0, self.ncol + 1, out=col)
            np.multiply(row, self._ext_width(), out=out)
            np.add(out, col, out=out)

    def _hex_rowcol(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of the hexagon holding each point (axial coordinates, cube rounding)."""
        r = self.cell_size / _SQRT3
        px = (x - (self.x0 + 0.5 * self.cell_size)) / r
        py = (y - (self.y0 + r)) / r
        cx = _SQRT3 / 3 * px - py / 3
        cz = 2.0 / 3.0 * py
        cy = -cx - cz
        with np.errstate(invalid="ignore"):
            big = 4.0 * max(self.nrow, self.ncol) + 8.0
            rx = np.clip(np.round(cx), -big, big)
            ry = np.clip(np.round(cy), -2 * big, 2 * big)
            rz = np.clip(np.round(cz), -big, big)
            dx, dy, dz = np.abs(rx - cx), np.abs(ry - cy), np.abs(rz - cz)
            fix_x = (dx > dy) & (dx > dz)
            fix_z = ~fix_x & ~(dy > dz)
            rx = np.where(fix_x, -ry - rz, rx)
            rz = np.where(fix_z, -rx - ry, rz)
        qi = np.nan_to_num(rx, nan=-big).astype(np.int64)
        row = np.nan_to_num(rz, nan=-big).astype(np.int64)
        col = qi + (row - (row & 1)) // 2
        return row, col

    def _binned(self, x: np.ndarray, y: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
        """Count points (or sum weights) on the extended rectangle, flat."""
        width = self._ext_width()
        n_ext = (self.nrow + 2) * width
        total: np.ndarray | None = None
        block = max(1 << 20, n_ext // 4)
        fx = np.empty(_CHUNK)
        fy = np.empty(_CHUNK)
        idx = np.empty(min(block, max(x.size, 1)), dtype=np.int64)
        for big in range(0, x.size, block):
            stop_big = min(x.size, big + block)
            used = idx[: stop_big - big]
            wb = None if weights is None else weights[big:stop_big]
            for nan_safe in (False, True):
                for start in range(big, stop_big, _CHUNK):
                    stop = min(stop_big, start + _CHUNK)
                    self._ext_index_chunk(
                        x[start:stop], y[start:stop], fx, fy, idx[start - big : stop - big],
                        nan_safe=nan_safe,
                    )
                try:
                    part = np.bincount(used, weights=wb, minlength=n_ext)
                    total = part if total is None else total + part
                    break
                except ValueError:  # a NaN coordinate gave a negative index: redo safely
                    if nan_safe:
                        raise
        if total is None:
            total = np.zeros(n_ext, dtype=np.int64 if weights is None else np.float64)
        return total

    def _core(self, ext: np.ndarray) -> np.ndarray:
        """Return the (nrow, ncol) interior of an extended flat array."""
        return ext.reshape(self.nrow + 2, self._ext_width())[1:-1, 1:-1]

    def locate(self, x: Any, y: Any) -> np.ndarray:
        """``cell_id`` of the cell holding each point; -1 outside the grid or its mask.

        Square cells are half-open (a point on a shared edge goes to the east / north
        cell), so every point is in at most one cell.

        Parameters
        ----------
        x, y : array-like of float
            Coordinates, in the grid's CRS.

        Returns
        -------
        numpy.ndarray of int64
        """
        x = np.asarray(x, dtype=float).ravel()
        y = np.asarray(y, dtype=float).ravel()
        ext = np.empty(x.size, dtype=np.int64)
        fx = np.empty(_CHUNK)
        fy = np.empty(_CHUNK)
        for start in range(0, x.size, _CHUNK):
            stop = min(x.size, start + _CHUNK)
            self._ext_index_chunk(x[start:stop], y[start:stop], fx, fy, ext[start:stop])
        row, col = np.divmod(ext, self._ext_width())
        row -= 1
        col -= 1
        ok = (row >= 0) & (row < self.nrow) & (col >= 0) & (col < self.ncol)
        out = np.where(ok, row * self.ncol + col, -1)
        ok[ok] = self.mask.ravel()[out[ok]]
        out[~ok] = -1
        return out

    def bin_points(self, x: Any, y: Any, weights: Any = None) -> np.ndarray:
        """Count (or sum weights of) points per cell with ``np.bincount``.

        Parameters
        ----------
        x, y : array-like of float
            Point coordinates in the grid's CRS. Points with NaN coordinates, outside the
            rectangle or in a cell outside the mask are not counted; the caller finds how
            many from the total (``len(x) - counts.sum()`` for unweighted counts).
        weights : array-like of float, optional
            Weight per point.

        Returns
        -------
        numpy.ndarray of shape (nrow, ncol)
            int64 counts, or float64 sums of weights; 0 outside the mask.

        Notes
        -----
        Square cells are located by scaling and flooring the coordinates, hexagons by
        rounding axial (cube) coordinates; both are vectorised integer arithmetic over
        cache-sized blocks followed by ``np.bincount``, with no spatial join.
        """
        x = np.ascontiguousarray(x, dtype=float).ravel()
        y = np.ascontiguousarray(y, dtype=float).ravel()
        if x.size != y.size:
            raise ValueError("x and y must have the same length.")
        w = None
        if weights is not None:
            w = np.ascontiguousarray(weights, dtype=float).ravel()
            if w.size != x.size:
                raise ValueError("weights must have the same length as x and y.")
        core = self._core(self._binned(x, y, w))
        return np.where(self.mask, core, core.dtype.type(0))

    def neighbour_count(self, neighbor_distance: float) -> np.ndarray:
        """Count masked neighbours (self excluded) within ``neighbor_distance``, per cell."""
        runs = lattice_runs(self.cell_size, neighbor_distance, self.grid_type)
        w = neighbourhood_sum(self.mask.astype(float), runs)
        return np.where(self.mask, w - 1, 0).round().astype(np.int64)

    def spec(self) -> dict[str, Any]:
        """JSON-friendly description (origin, cell size, rows, columns, type)."""
        return {
            "x0": float(self.x0),
            "y0": float(self.y0),
            "cell_size": float(self.cell_size),
            "nrow": int(self.nrow),
            "ncol": int(self.ncol),
            "grid_type": self.grid_type,
        }

    @classmethod
    def covering(
        cls,
        bounds: tuple[float, float, float, float],
        cell_size: float,
        grid_type: GridType = "square",
        *,
        snap: bool = True,
    ) -> Grid:
        """Smallest rectangle of cells that covers ``bounds`` (mask: all cells).

        Parameters
        ----------
        bounds : tuple of float
            ``(minx, miny, maxx, maxy)``.
        cell_size : float
            Cell size.
        grid_type : {"square", "hex"}
            Cell shape.
        snap : bool
            Snap the origin to a multiple of the cell size (hexagons: of two rows in y, so
            row parity is stable). If False the origin is ``(minx, miny)`` exactly, as
            sf's ``st_make_grid`` does for square cells.

        Returns
        -------
        Grid
        """
        minx, miny, maxx, maxy = (float(b) for b in bounds)
        s = float(cell_size)
        if grid_type == "square":
            x0 = math.floor(minx / s) * s if snap else minx
            y0 = math.floor(miny / s) * s if snap else miny
            ncol = max(1, math.ceil((maxx - x0) / s))
            nrow = max(1, math.ceil((maxy - y0) / s))
        else:
            dy = s * _SQRT3 / 2
            # start half a cell west and one row south so the shifted rows cover the edges
            x0 = (math.floor(minx / s) * s if snap else minx) - s
            y0 = (math.floor(miny / (2 * dy)) * 2 * dy if snap else miny) - 2 * dy
            ncol = max(1, math.ceil((maxx - x0) / s) + 1)
            nrow = max(1, math.ceil((maxy - y0) / dy) + 1)
        if nrow * ncol > _MAX_RECTANGLE:
            raise ValueError(
                f"A grid of {s:g} m cells over an extent of {maxx - minx:,.0f} m x "
                f"{maxy - miny:,.0f} m needs {nrow * ncol:,} cells, more than fit in memory. "
                "Use a larger cell_size."
            )
        return cls(x0, y0, s, nrow, ncol, grid_type)


# --- automatic cell size -------------------------------------------------------------------
def cell_size_auto(bounds: tuple[float, float, float, float], *, what: str = "data") -> tuple[
    float, str
]:
    """Cell size chosen as sfhotspot's ``set_cell_size`` does, with the reason.

    The shorter side of the bounding box is divided into 50 cells and the size is rounded
    down to a multiple of 100 m; when that gives 0 (a side shorter than 5 km) the size is
    ``side / 50`` unrounded.

    Parameters
    ----------
    bounds : tuple of float
        ``(minx, miny, maxx, maxy)`` in metres.
    what : str
        What the box belongs to, for the reason text (e.g. ``"the boundary"``).

    Returns
    -------
    tuple
        ``(cell_size, reason)``.

    Raises
    ------
    ValueError
        If the box has zero width or height.

    Examples
    --------
    >>> cell_size_auto((0, 0, 20_000, 15_000))[0], cell_size_auto((0, 0, 4_000, 4_000))[0]
    (300.0, 80.0)
    """
    minx, miny, maxx, maxy = bounds
    side = min(maxx - minx, maxy - miny)
    if not side > 0 or not math.isfinite(side):
        raise ValueError(
            f"Cannot choose a cell size automatically: the bounding box of {what} has zero "
            "width or height (a single location?). Pass cell_size explicitly."
        )
    hundreds = math.floor(side / 50 / 100)
    if hundreds > 0:
        size = float(hundreds * 100)
        reason = (
            f"automatic: 50 cells on the shorter side ({side:,.0f} m) of the bounding box of "
            f"{what}, rounded down to a multiple of 100 m (sfhotspot rule)"
        )
    else:
        size = float(side / 50)
        reason = (
            f"automatic: the shorter side ({side:,.0f} m) of the bounding box of {what} "
            "divided by 50 (under 100 m, so not rounded to 100 m; sfhotspot rule)"
        )
    return size, reason


def _readable_cell_size(rule_size: float, reason: str) -> tuple[float, str]:
    """Round an automatic cell size to a readable value, saying so in the reason.

    Multiples of 100 m (the sfhotspot rule on districts over 5 km) are already readable and
    kept; below that the rule's ``side / 50`` is rounded with :func:`hotspots.nice.nice_length`.
    """
    if rule_size >= 100 and float(rule_size).is_integer() and rule_size % 100 == 0:
        return float(rule_size), reason
    size = nice_length(rule_size)
    return size, f"{reason}; rounded from {rule_size:.1f} m to a readable {size:g} m"


# --- inputs ---------------------------------------------------------------------------------
def _is_areaset(obj: Any) -> bool:
    return hasattr(obj, "outline") and hasattr(obj, "level_names") and hasattr(obj, "__getitem__")


def _check_crs(crs: Any, name: str) -> None:
    if crs is None:
        raise CRSError(Problem(
            "missing_crs",
            f"{name} has no coordinate reference system. Set it first, e.g. "
            f"{name}.set_crs('EPSG:27700').",
        ))
    c = CRS.from_user_input(crs)
    unit = c.axis_info[0].unit_name if c.axis_info else ""
    # the variable a user would hold, for the suggested fix ("the incidents" -> incidents)
    var = name.removeprefix("the ").replace(" ", "_")
    if not c.is_projected or unit not in ("metre", "meter"):
        kind = "longitude/latitude in degrees" if c.is_geographic else "not metres"
        raise CRSError(Problem(
            "not_projected",
            f"{name} is in {c.to_string()} ({kind}), not a projected CRS in metres: grid "
            f"cells and distances would be wrong. Reproject first, e.g. "
            f"{var}.to_crs('EPSG:27700').",
        ))
    if _is_web_mercator(c):
        # "metres" on paper, but stretched by 1/cos(latitude): about 1.6 in Britain, so a
        # 250 m cell would really be about 150 m across
        raise CRSError(Problem(
            "web_mercator",
            f"{name} is in {c.to_string()} (Web Mercator), whose metres are stretched by "
            "1/cos(latitude), about 1.6 in Britain, so cell sizes and distances would be "
            f"wrong. Reproject first, e.g. {var}.to_crs('EPSG:27700').",
        ))


def _is_web_mercator(c: CRS) -> bool:
    op = c.coordinate_operation
    method = op.method_name if op is not None else ""
    return "pseudo mercator" in method.lower() or c.to_epsg() in (3857, 900913)


def _same_crs(a: Any, b: Any, name_a: str, name_b: str) -> None:
    if a is not None and b is not None and CRS.from_user_input(a) != CRS.from_user_input(b):
        raise CRSError(Problem(
            "crs_mismatch",
            f"{name_a} is in {CRS.from_user_input(a).to_string()} but {name_b} is in "
            f"{CRS.from_user_input(b).to_string()}. Use to_crs() to reproject one of them.",
        ))


@dataclass
class _Points:
    """Located points of an incident frame, and what was set aside."""

    x: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None
    positions: np.ndarray  # row positions (in the frame) of the located points
    n_rows: int
    n_unknown: int
    crs: Any


def _row_numbers(frame: pd.DataFrame | None, positions: np.ndarray) -> tuple[int, ...]:
    first = positions[:5]
    if frame is not None and schema.SOURCE_ROW in frame.columns:
        vals = frame[schema.SOURCE_ROW].to_numpy()[first]
        return tuple(int(v) for v in vals if pd.notna(v))
    return tuple(int(p) + 2 for p in first)


def _incident_points(data: Any, *, weights: str | None = None, caller: str) -> _Points:
    """Extract located points (and weights) from an incident frame, counting the rest."""
    if isinstance(data, gpd.GeoDataFrame):
        frame: pd.DataFrame | None = data
        geoms = data.geometry
    elif isinstance(data, gpd.GeoSeries):
        frame = None
        geoms = data
    else:
        raise TypeError(
            f"{caller} expects a GeoDataFrame of incidents (or a GeoSeries of points); "
            f"got {type(data).__name__}."
        )
    _check_crs(geoms.crs, "the incidents")
    values = geoms.to_numpy()
    missing = shapely.is_missing(values) | shapely.is_empty(values)
    unknown = missing.copy()
    if frame is not None and schema.LOCATION_STATUS in frame.columns:
        status = frame[schema.LOCATION_STATUS].astype("object").to_numpy()
        said_unknown = status == schema.UNKNOWN
        inconsistent = ~said_unknown & missing & pd.notna(status)
        if inconsistent.any():
            pos = np.flatnonzero(inconsistent)
            warnings.warn(
                f"{caller}: {pos.size} rows have location_status 'located' but no geometry; "
                f"they are counted as unknown location (rows {_row_numbers(frame, pos)}).",
                DataQualityWarning,
                stacklevel=3,
            )
        unknown |= said_unknown
    located = np.flatnonzero(~unknown)
    pts = values[located]
    kinds = shapely.get_type_id(pts)
    not_point = kinds != 0
    if not_point.any():
        pos = located[not_point]
        raise ValidationError(Problem(
            "not_point",
            f"{pos.size} located rows are not points (e.g. a {pts[not_point][0].geom_type}); "
            f"{caller} needs one point per incident. Use .centroid or explode multipoints "
            "first.",
            n_rows=int(pos.size),
            rows=_row_numbers(frame, pos),
            column="geometry",
        ))
    x = shapely.get_x(pts)
    y = shapely.get_y(pts)
    bad = ~np.isfinite(x) | ~np.isfinite(y)
    if bad.any():
        pos = located[bad]
        warnings.warn(
            f"{caller}: {pos.size} points have non-finite coordinates; they are counted as "
            f"unknown location (rows {_row_numbers(frame, pos)}).",
            DataQualityWarning,
            stacklevel=3,
        )
        located = located[~bad]
        x, y = x[~bad], y[~bad]
    w = None
    if weights is not None:
        if frame is None or weights not in frame.columns:
            raise ValidationError(Problem(
                "missing_column",
                f"weights={weights!r} names no column of the incidents.",
                column=weights,
            ))
        col = pd.to_numeric(frame[weights], errors="coerce").to_numpy(dtype=float)[located]
        badw = ~np.isfinite(col) | (col < 0)
        if badw.any():
            pos = located[badw]
            raise ValidationError(Problem(
                "bad_weight",
                f"{pos.size} located rows have a missing, non-numeric, infinite or negative "
                f"weight in column '{weights}'. Fix or fill them (e.g. with 1).",
                n_rows=int(pos.size),
                rows=_row_numbers(frame, pos),
                column=weights,
            ))
        w = col
    n_rows = len(values)
    return _Points(x, y, w, located, n_rows, n_rows - located.size, geoms.crs)


def _outline_of(clip: Any) -> tuple[shapely.Geometry, Any, dict[str, Any]]:
    """Outline geometry, CRS and metadata of a ``clip`` argument."""
    if _is_areaset(clip):
        meta = {"boundary": getattr(clip, "name", None), "vintage": getattr(clip, "vintage", None)}
        levels = list(clip.level_names)
        crs = clip[levels[0]].crs if levels else BNG
        return clip.outline, crs, meta
    if isinstance(clip, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if len(clip) == 0:
            raise EmptyDataError(Problem("empty_boundary", "clip has no rows."))
        _check_crs(clip.crs, "clip")
        geoms = clip.geometry.to_numpy() if isinstance(clip, gpd.GeoDataFrame) else clip.to_numpy()
        return shapely.union_all(geoms), clip.crs, {}
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
    if areas is not None and hasattr(areas, "locate"):
        # interior cells by the label raster: one lookup gives inside/outside and the ward
        cx, cy = cover.centres(np.arange(cover.nrow * cover.ncol))
        lowest = np.asarray(areas.locate(cx, cy, level=areas.level_names[0]), dtype=np.int64)
        centre_in = (lowest >= 0).reshape(cover.shape)
    mask, centre_in, coverage = clip_mask(cover, region, centre_in)
    lattice = cover.with_mask(mask)
    ids = lattice.cell_ids()
    cx, cy = lattice.centres(ids)
    cells = lattice.polygons(ids)
    data: dict[str, Any] = {
        schema.CELL_ID: ids.astype(np.int64),
        "x": cx,
        "y": cy,
        "inside": centre_in.ravel()[ids],
        "coverage": coverage.ravel()[ids],
    }
    if areas is not None:
        data.update(area_columns(areas, lattice, ids, cx, cy, cells,
                                 None if lowest is None else lowest[ids]))
    return ClippedCells(mask, data, cells)


@dataclass
class _GridBuild:
    grid: Grid
    frame: gpd.GeoDataFrame
    info: dict[str, Any]


def _version() -> str:
    return __version__


def _build_grid(
    points: _Points | None,
    *,
    cell_size: float | None,
    grid_type: str,
    clip: Any,
    compat: str | None,
    caller: str,
    data_geoms: Any = None,
) -> _GridBuild:
    if grid_type not in ("square", "hex"):
        raise ValueError(
            f"The 'grid_type' parameter of {caller} must be 'square' or 'hex'. "
            f"Got {grid_type!r} instead."
        )
    info: dict[str, Any] = {}
    areas = clip if _is_areaset(clip) else None
    if clip is not None:
        region, clip_crs, meta = _outline_of(clip)
        if points is not None:
            _same_crs(points.crs, clip_crs, "the incidents", "clip")
        crs = clip_crs if clip_crs is not None else (points.crs if points is not None else BNG)
        if clip_crs is not None:
            _check_crs(clip_crs, "clip")
        info.update({k: v for k, v in meta.items() if v is not None})
        extent = "boundary"
        what = "the boundary"
    elif data_geoms is not None:
        region = shapely.union_all(data_geoms)
        crs = points.crs if points is not None else None
        extent = "polygons"
        what = "the polygons"
    else:
        if points is None or points.x.size == 0:
            raise EmptyDataError(Problem(
                "no_located_incidents",
                f"{caller}: no incident has a known location, so there is nothing to build a "
                "grid over. Pass clip= (a boundary) or check the input (has a previous step "
                "removed all rows?).",
            ))
        region = None
        crs = points.crs
        extent = "points"
        what = "the incidents"
    if region is not None and (region.is_empty or region.area <= 0):
        raise EmptyDataError(Problem("empty_boundary", f"{caller}: the boundary has no area."))

    if cell_size is None:
        if region is not None:
            bounds = region.bounds
        else:
            assert points is not None
            bounds = (points.x.min(), points.y.min(), points.x.max(), points.y.max())
        rule_size, reason = cell_size_auto(bounds, what=what)
        cell_size = rule_size
        if compat is None:
            # a size people quote (30 m, not 33.794 m); sfhotspot compat keeps its own rule
            cell_size, reason = _readable_cell_size(rule_size, reason)
        logger.info("%s: cell size %.6g m (rule %.6g m; %s)", caller, cell_size, rule_size,
                    reason)
    else:
        cs = float(cell_size)
        if not (cs > 0 and math.isfinite(cs)):
            raise ValueError(
                f"The 'cell_size' parameter of {caller} must be a float > 0. "
                f"Got {cell_size!r} instead."
            )
        cell_size, reason = cs, "given"
        rule_size = None

    if region is None:
        assert points is not None
        hull = shapely.convex_hull(shapely.multipoints(np.column_stack([points.x, points.y])))
        region = shapely.buffer(hull, cell_size / 2, quad_segs=30)
        extent = "points hull"
    snap = compat is None
    cover = Grid.covering(region.bounds, cell_size, grid_type, snap=snap)  # type: ignore[arg-type]
    if areas is not None:
        # the same boundary, cell size and origin give the same cells: built once, cached
        built = cached_cells(areas, cover, lambda: _clipped_cells(cover, region, areas))
    else:
        built = _clipped_cells(cover, region, None)
    lattice = cover.with_mask(built.mask)
    n_cells = lattice.n_cells
    if n_cells > MAX_CELLS_WARNING:
        warnings.warn(
            f"{caller}: the grid has {n_cells:,} cells (more than {MAX_CELLS_WARNING:,}); "
            "statistics stay fast but maps and files will be large. Consider a larger cell_size.",
            UserWarning,
            stacklevel=3,
        )
    data = built.columns
    cells = built.geometry
    frame = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(cells, crs=crs), crs=crs)
    info.update({
        "cell_size": float(cell_size),
        "cell_size_rule": None if rule_size is None else float(rule_size),
        "cell_size_reason": reason,
        "grid_type": grid_type,
        "grid_extent": extent,
        "n_cells": int(n_cells),
        "grid": lattice.spec(),
        "crs": CRS.from_user_input(crs).to_string() if crs is not None else None,
    })
    logger.info(
        "%s: %s grid of %s cells of %.6g m over %s", caller, grid_type, f"{n_cells:,}",
        cell_size, extent,
    )
    return _GridBuild(lattice, frame, info)


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
    >>> import shapely
    >>> g = hotspot_grid(clip=shapely.box(0, 0, 1000, 500), cell_size=250)
    >>> len(g), g.columns.tolist()
    (8, ['cell_id', 'x', 'y', 'inside', 'coverage', 'geometry'])
    """
    caller = "hotspot_grid"
    if clip is None and _is_areaset(data):
        data, clip = None, data
    points = None
    data_geoms = None
    if data is not None:
        geoms = data.geometry if isinstance(data, gpd.GeoDataFrame) else data
        if isinstance(geoms, gpd.GeoSeries) and len(geoms) and clip is None:
            types = set(shapely.get_type_id(geoms.dropna().to_numpy()))
            if types and types <= {3, 6}:  # polygons / multipolygons
                _check_crs(geoms.crs, "data")
                data_geoms = geoms.to_numpy()
                points = _Points(np.empty(0), np.empty(0), None, np.empty(0, int), len(geoms), 0,
                                 geoms.crs)
        if data_geoms is None:
            points = _incident_points(data, caller=caller)
    if points is None and clip is None:
        raise ValueError("hotspot_grid needs data (incidents or polygons) or clip (a boundary).")
    built = _build_grid(
        points, cell_size=cell_size, grid_type=grid_type, clip=clip, compat=None, caller=caller,
        data_geoms=data_geoms,
    )
    frame = built.frame
    frame.attrs["hotspots"] = {"function": caller, **built.info, "version": _version()}
    return frame


def grid_from_frame(grid: gpd.GeoDataFrame, *, caller: str = "grid_from_frame") -> tuple[
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
    caller : str
        Name used in error messages.

    Returns
    -------
    tuple
        ``(Grid, position)`` where ``position[i]`` is the flat rectangle index of row i.

    Raises
    ------
    hotspots.errors.ValidationError
        If the cells are not a regular square or hexagonal lattice.
    """
    if not isinstance(grid, gpd.GeoDataFrame) or len(grid) == 0:
        raise ValidationError(
            Problem("bad_grid", f"{caller}: grid must be a non-empty GeoDataFrame.")
        )
    _check_crs(grid.crs, "grid")
    geoms = grid.geometry.to_numpy()
    ncoords = shapely.get_num_coordinates(geoms)
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
    b = shapely.bounds(geoms)
    width = b[:, 2] - b[:, 0]
    s = float(np.median(width))
    if "x" in grid.columns and "y" in grid.columns:
        cx = grid["x"].to_numpy(dtype=float)
        cy = grid["y"].to_numpy(dtype=float)
    else:
        cx = (b[:, 0] + b[:, 2]) / 2
        cy = (b[:, 1] + b[:, 3]) / 2
    tol = 1e-6
    if grid_type == "square":
        x0 = cx.min() - s / 2
        y0 = cy.min() - s / 2
        fc = (cx - x0) / s - 0.5
        fr = (cy - y0) / s - 0.5
        col, row = np.round(fc), np.round(fr)
        ok = np.allclose(fc, col, atol=tol) and np.allclose(fr, row, atol=tol)
    else:
        dy = s * _SQRT3 / 2
        r = s / _SQRT3
        y0 = cy.min() - r
        fr = (cy - y0 - r) / dy
        row = np.round(fr)
        ok = bool(np.allclose(fr, row, atol=tol))
        col = row * 0
        if ok:
            for flip in (0, 1):
                par = (row.astype(np.int64) + flip) & 1
                xs = cx - 0.5 * s * par
                x0 = xs.min() - s / 2
                fc = (xs - x0) / s - 0.5
                col = np.round(fc)
                if np.allclose(fc, col, atol=tol):
                    row = row + flip
                    y0 -= flip * dy
                    break
            else:
                ok = False
    if not ok or not np.allclose(width, s, rtol=1e-6):
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
