"""Moving-window sums over a regular lattice: the one kernel behind Gi* and Moran's I on grids.

On a regular square or hexagonal grid every cell's neighbourhood (cells whose centres lie
within a distance) has the same shape, up to the row parity on hexagons. The sums the local
statistics need (sum of the values around a cell, and the number of study cells around it)
are then moving-window sums: :func:`lattice_runs` describes the window as runs of columns per
row, :func:`neighbourhood_sum` adds a grid over it, and :func:`window_sums` gives both sums a
statistic needs after checking its inputs. :mod:`hotspots.stats.gistar` and
:mod:`hotspots.stats.moran` both use it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from hotspots._params import rename_keyword

__all__ = [
    "NEIGHBOUR_TOLERANCE",
    "GridType",
    "LatticeRun",
    "WindowSums",
    "checked_grid",
    "lattice_runs",
    "neighbourhood_sum",
    "window_sums",
]

#: Relative tolerance on the neighbour distance, so that cells whose centres sit at exactly
#: ``neighbour_distance`` (diagonal neighbours at cell_size * sqrt(2)) count despite rounding.
NEIGHBOUR_TOLERANCE = 1e-6

GridType = Literal["square", "hex"]


@dataclass(frozen=True)
class LatticeRun:
    """One row of a lattice neighbourhood: cells ``dc in [lo, hi]`` in row offset ``dr``.

    Attributes
    ----------
    parity : int or None
        Row parity (0 or 1) of the target cells this run applies to; None on square grids
        (the same window for every row).
    dr : int
        Row offset of the neighbouring row.
    lo, hi : int
        Inclusive range of column offsets.
    """

    parity: int | None
    dr: int
    lo: int
    hi: int


@rename_keyword("neighbor_distance", "neighbour_distance")
def lattice_runs(
    cell_size: float, neighbour_distance: float, grid_type: GridType = "square"
) -> list[LatticeRun]:
    """Describe the neighbourhood of a lattice cell as runs of column offsets per row.

    A cell's neighbours are the cells whose centres lie within ``neighbour_distance`` of its
    centre, itself included, with a relative tolerance of :data:`NEIGHBOUR_TOLERANCE`. On a
    square grid the window is the same for every cell; on a hexagonal grid (pointy-topped,
    odd rows shifted right by half a cell, as :class:`hotspots.grid.Grid`) it depends on
    the parity of the cell's row.

    Parameters
    ----------
    cell_size : float
        Centre-to-centre spacing of neighbouring cells in a row.
    neighbour_distance : float
        Largest centre-to-centre distance of a neighbour, same units as ``cell_size``.
    grid_type : {"square", "hex"}
        Lattice type.

    Returns
    -------
    list of LatticeRun
        One run per (parity, row offset) with at least one cell.

    Examples
    --------
    >>> runs = lattice_runs(100.0, 100.0 * 2**0.5)  # queen contiguity
    >>> [(r.dr, r.lo, r.hi) for r in runs]
    [(-1, -1, 1), (0, -1, 1), (1, -1, 1)]
    >>> sum(r.hi - r.lo + 1 for r in lattice_runs(100.0, 141.5, "hex") if r.parity == 0)
    7
    """
    if not cell_size > 0 or not neighbour_distance >= 0:
        raise ValueError("cell_size must be > 0 and neighbour_distance >= 0.")
    # squared distance limit in units of cell_size, with the tolerance applied to the distance
    t = (neighbour_distance * (1.0 + NEIGHBOUR_TOLERANCE) / cell_size) ** 2
    row_gap = 1.0 if grid_type == "square" else math.sqrt(3.0) / 2.0
    max_dr = math.floor(math.sqrt(t) / row_gap)
    max_dc = math.ceil(math.sqrt(t)) + 1
    runs: list[LatticeRun] = []
    parities: Sequence[int | None] = (None,) if grid_type == "square" else (0, 1)
    for parity in parities:
        for dr in range(-max_dr, max_dr + 1):
            shift = 0.0
            if parity is not None:
                # odd rows sit half a cell to the right of even rows
                shift = 0.5 * (((parity + dr) & 1) - parity)
            dc = np.arange(-max_dc, max_dc + 1)
            ok = (dc + shift) ** 2 + (dr * row_gap) ** 2 <= t
            if ok.any():
                runs.append(LatticeRun(parity, dr, int(dc[ok].min()), int(dc[ok].max())))
    return runs


def neighbourhood_sum(values: np.ndarray, runs: Sequence[LatticeRun]) -> np.ndarray:
    """Moving-window sum of a 2-D array over a lattice neighbourhood (zero outside).

    Parameters
    ----------
    values : numpy.ndarray of shape (nrow, ncol)
        Values per cell; cells that must not count (outside the study area) hold 0.
    runs : sequence of LatticeRun
        The neighbourhood, from :func:`lattice_runs`.

    Returns
    -------
    numpy.ndarray of shape (nrow, ncol)
        ``out[i, j] = sum of values[i + dr, j + dc]`` over the neighbourhood of cell (i, j).

    Notes
    -----
    Short runs are added slice by slice, long runs through prefix sums along the row, so a
    radius of r cells costs O(r) per cell rather than O(r^2). Sums of integer-valued floats
    are exact either way. Integer (or bool) grids whose sums stay small are added as 16- or
    32-bit integers, a quarter or half of the memory traffic of floats; every partial sum
    is an exact integer both ways, so the result is the same float array.
    """
    a = np.asarray(values)
    nrow, ncol = a.shape
    if not runs:
        return np.zeros((nrow, ncol))
    pr = max(abs(r.dr) for r in runs)
    pc = max(max(abs(r.lo), abs(r.hi)) for r in runs)
    acc = _integer_accumulator(a, runs, ncol + 2 * pc + 1)
    if acc is None:
        a = a.astype(float, copy=False)
        acc = np.dtype(float)
    out = np.zeros((nrow, ncol), dtype=acc)
    padded = np.zeros((nrow + 2 * pr, ncol + 2 * pc), dtype=acc)
    padded[pr : pr + nrow, pc : pc + ncol] = a
    prefix: np.ndarray | None = None
    for run in runs:
        if run.parity is None:
            target = slice(0, nrow)
            source = slice(pr + run.dr, pr + run.dr + nrow)
        else:
            target = slice(run.parity, nrow, 2)
            source = slice(pr + run.dr + run.parity, pr + run.dr + nrow, 2)
        width = run.hi - run.lo + 1
        if width <= 8:
            for dc in range(run.lo, run.hi + 1):
                out[target] += padded[source, pc + dc : pc + dc + ncol]
        else:
            if prefix is None:
                prefix = np.zeros((padded.shape[0], padded.shape[1] + 1), dtype=acc)
                np.cumsum(padded, axis=1, out=prefix[:, 1:])
            hi = pc + run.hi + 1
            lo = pc + run.lo
            out[target] += prefix[source, hi : hi + ncol] - prefix[source, lo : lo + ncol]
    return out.astype(float, copy=False)


def _integer_accumulator(a: np.ndarray, runs: Sequence[LatticeRun], row_length: int
                         ) -> np.dtype | None:
    """Pick the narrowest integer type every sum over ``a`` fits in, or None (use floats).

    The sums are the window sums, and the row prefix sums when a run is wide enough to use
    them (16-bit adds are about 4x faster than 32-bit ones, which are 2x faster than 64).
    """
    if a.dtype.kind not in "biu" or a.size == 0:
        return None
    lowest = 0 if a.dtype.kind == "b" else int(a.min())
    peak = 1 if a.dtype.kind == "b" else max(abs(int(a.max())), abs(lowest))
    widths = [r.hi - r.lo + 1 for r in runs]
    span = sum(widths) if max(widths) <= 8 else max(sum(widths), row_length)
    bound = peak * span
    for kind in ((np.uint16, np.uint32) if lowest >= 0 else (np.int16, np.int32)):
        if bound <= np.iinfo(kind).max:
            return np.dtype(kind)
    return None


@dataclass(frozen=True)
class WindowSums:
    """A checked value grid, its study mask and their moving-window sums.

    Attributes
    ----------
    values : numpy.ndarray of float, shape (nrow, ncol)
        The values as given (outside the mask too).
    mask : numpy.ndarray of bool, shape (nrow, ncol)
        Cells of the study area.
    runs : list of LatticeRun
        The neighbourhood.
    value_sum : numpy.ndarray, shape (nrow, ncol)
        Sum of the masked values over each cell's neighbourhood, the cell included.
    mask_sum : numpy.ndarray, shape (nrow, ncol)
        Number of study cells in each cell's neighbourhood, the cell included.
    """

    values: np.ndarray
    mask: np.ndarray
    runs: list[LatticeRun]
    value_sum: np.ndarray
    mask_sum: np.ndarray


def window_sums(values: ArrayLike, mask: ArrayLike | None = None, *, cell_size: float = 1.0,
                neighbour_distance: float | None = None,
                grid_type: GridType = "square") -> WindowSums:
    """Check a value grid and its mask, then sum both over every cell's neighbourhood.

    Parameters
    ----------
    values : array-like of shape (nrow, ncol)
        Value per cell; must be finite inside the mask, ignored outside it.
    mask : array-like of bool, shape (nrow, ncol), optional
        Cells of the study area (default: every cell).
    cell_size : float
        Centre-to-centre spacing of the grid (the hexagon width for hex grids).
    neighbour_distance : float, optional
        Cells whose centres lie within this distance are neighbours (relative tolerance
        :data:`NEIGHBOUR_TOLERANCE`). Default ``cell_size * sqrt(2)`` (queen / 6 hexagons).
    grid_type : {"square", "hex"}
        Lattice layout.

    Returns
    -------
    WindowSums

    Raises
    ------
    ValueError
        If ``values`` is not 2-D, the mask's shape differs, or a masked value is not finite.

    Examples
    --------
    >>> w = window_sums(np.arange(9.0).reshape(3, 3))
    >>> w.value_sum[1, 1], w.mask_sum[0, 0], w.mask_sum[1, 1]
    (np.float64(36.0), np.float64(4.0), np.float64(9.0))
    """
    y, m = checked_grid(values, mask)
    if neighbour_distance is None:
        neighbour_distance = cell_size * math.sqrt(2.0)
    runs = lattice_runs(cell_size, neighbour_distance, grid_type)
    # counts stay integers (summed as small ints by neighbourhood_sum, exactly as floats)
    raw = values if isinstance(values, np.ndarray) and values.dtype.kind in "biu" else y
    return WindowSums(y, m, runs, neighbourhood_sum(np.where(m, raw, raw.dtype.type(0)), runs),
                      neighbourhood_sum(m, runs))


def checked_grid(values: ArrayLike, mask: ArrayLike | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(values, mask)`` as float and bool grids, checked as :func:`window_sums` does.

    Examples
    --------
    >>> y, m = checked_grid([[1, 2], [3, 4]])
    >>> y.dtype.name, m.all()
    ('float64', np.True_)
    """
    y = np.asarray(values, dtype=float)
    if y.ndim != 2:
        raise ValueError(f"values must be a 2-D grid; got an array of shape {y.shape}.")
    m = np.ones(y.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if m.shape != y.shape:
        raise ValueError(f"mask has shape {m.shape} but values have shape {y.shape}.")
    # integers are always finite (and the check costs a gather and a pass)
    integers = isinstance(values, np.ndarray) and values.dtype.kind in "biu"
    if not integers and not np.isfinite(y[m]).all():
        raise ValueError("values must be finite at every cell of the mask.")
    return y, m
