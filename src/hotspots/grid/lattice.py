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

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import shapely

from hotspots._params import rename_keyword
from hotspots._threads import halves, map_parts
from hotspots.stats.window import lattice_runs, neighbourhood_sum

__all__ = ["Grid", "GridType"]

GridType = Literal["square", "hex"]
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
    >>> from hotspots.grid import Grid
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
    mask: np.ndarray = field(default=None)  # type: ignore[arg-type]  # set in __post_init__

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
        # a large input's halves on two threads (the passes release the GIL), summed: the
        # split depends only on the size, so threads on or off give the same sums
        parts = map_parts(
            lambda start, stop: self._binned(x[start:stop], y[start:stop],
                                             None if w is None else w[start:stop]),
            halves(x.size),
        )
        ext = parts[0]
        for other in parts[1:]:
            ext += other
        core = self._core(ext)
        return np.where(self.mask, core, core.dtype.type(0))

    @rename_keyword("neighbor_distance", "neighbour_distance")
    def neighbour_count(self, neighbour_distance: float) -> np.ndarray:
        """Count masked neighbours (self excluded) within ``neighbour_distance``, per cell.

        Examples
        --------
        >>> Grid(0.0, 0.0, 100.0, nrow=3, ncol=3).neighbour_count(150.0)
        array([[3, 5, 3],
               [5, 8, 5],
               [3, 5, 3]])
        """
        runs = lattice_runs(self.cell_size, neighbour_distance, self.grid_type)
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
