"""Grid and area hotspot statistics on incident frames: counts, KDE and Getis-Ord Gi*.

Each verb takes the canonical incident frame (rows without a location are kept in the input
and counted, never used for geometry), builds a grid with :func:`hotspots.grid.hotspot_grid`
(or uses ``grid=``), bins the located incidents and returns the grid with new columns. Every
automatic choice (cell size, bandwidth, neighbour distance, p-value adjustment) is logged at
INFO and recorded in ``result.attrs["hotspots"]`` together with the counts of incidents
used, without a location and outside the grid.

``compat="sfhotspot-1.0"`` reproduces the R package sfhotspot v1.0.0 where our defaults
differ (see ANCHORS b2): grid over the convex hull of the points buffered by half a cell with
its origin at the hull's corner, no p-value adjustment, Gi* on counts even when weights are
given, the x-only NRD bandwidth and exact kernel sums at cell centres.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema
from hotspots._params import check_in, check_positive, check_probability
from hotspots.errors import EmptyDataError, Problem, ValidationError
from hotspots.grid import (
    Grid,
    _build_grid,
    _incident_points,
    _is_areaset,
    _Points,
    _same_crs,
    _version,
    grid_from_frame,
)
from hotspots.stats.gistar import gi_bin, gistar_grid, gistar_sparse
from hotspots.stats.kde import (
    bandwidth_arcgis,
    bandwidth_nrd,
    kde_binned,
    kde_exact,
    kernel_norm,
    kernel_support,
    lattice_spacing,
)
from hotspots.stats.multiple import PADJUST_METHODS, adjust_pvalues

__all__ = [
    "COMPAT_MODES",
    "HOTSPOT_LABELS",
    "area_gistar",
    "hotspot_count",
    "hotspot_gistar",
    "hotspot_kde",
]

logger = logging.getLogger(__name__)

#: Accepted values of ``compat``.
COMPAT_MODES = (None, "sfhotspot-1.0")
#: Categories of the ``hotspot`` column, in order.
HOTSPOT_LABELS = ("hot", "cold", "not significant")
#: ``method="auto"`` in :func:`hotspot_kde` sums exactly below this many (incident, cell) pairs.
EXACT_PAIRS_LIMIT = 20_000_000
_M2_PER_KM2 = 1e6


@dataclass
class _Binned:
    points: _Points
    grid: Grid
    position: np.ndarray  # flat lattice index of each output row
    frame: gpd.GeoDataFrame
    info: dict[str, Any]
    counts: np.ndarray  # (nrow, ncol) int64
    weighted: np.ndarray | None  # (nrow, ncol) float64 when weights given


def _check_compat(compat: str | None, caller: str) -> str | None:
    return check_in("compat", compat, COMPAT_MODES, caller=caller)


def _prepare(
    incidents: Any,
    *,
    cell_size: float | None,
    grid_type: str,
    grid: gpd.GeoDataFrame | None,
    clip: Any,
    weights: str | None,
    compat: str | None,
    caller: str,
) -> _Binned:
    """Located points, the grid, and counts per cell (the shared first half of every verb)."""
    points = _incident_points(incidents, weights=weights, caller=caller)
    if grid is not None:
        lattice, position = grid_from_frame(grid, caller=caller)
        _same_crs(points.crs, grid.crs, "the incidents", "grid")
        ignored = [name for name, v in (("cell_size", cell_size), ("clip", clip)) if v is not None]
        if ignored:
            logger.info("%s: grid given, so %s ignored", caller, " and ".join(ignored))
        frame = grid.copy()
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
        check_in("grid_type", grid_type, ("square", "hex"), caller=caller)
        if cell_size is not None:
            check_positive("cell_size", cell_size, caller=caller)
        built = _build_grid(
            points, cell_size=cell_size, grid_type=grid_type, clip=clip, compat=compat,
            caller=caller,
        )
        lattice, frame, info = built.grid, built.frame, built.info
        position = frame[schema.CELL_ID].to_numpy()
    counts = lattice.bin_points(points.x, points.y)
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
    return _Binned(points, lattice, position, frame, info, counts, weighted)


def _finish(frame: gpd.GeoDataFrame, caller: str, info: dict[str, Any]) -> gpd.GeoDataFrame:
    frame.attrs = {}
    frame.attrs["hotspots"] = {"function": caller, **info, "version": _version()}
    return frame


def _cells(values: np.ndarray, position: np.ndarray) -> np.ndarray:
    return values.ravel()[position]


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
    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoDataFrame(geometry=shapely.points([[50, 50], [60, 40], [150, 50]]),
    ...                        crs="EPSG:27700")
    >>> hotspot_count(pts, cell_size=100, clip=shapely.box(0, 0, 200, 100))["n"].tolist()
    [2, 1]
    """
    caller = "hotspot_count"
    b = _prepare(incidents, cell_size=cell_size, grid_type=grid_type, grid=grid, clip=clip,
                 weights=weights, compat=None, caller=caller)
    frame = b.frame
    n = _cells(b.counts, b.position).astype(np.int64)
    nw = _cells(b.weighted, b.position) if b.weighted is not None else n.astype(float)
    frame = _insert_before_geometry(frame, {"n": n, "n_weighted": nw.astype(float)})
    return _finish(frame, caller, b.info)


def _insert_before_geometry(frame: gpd.GeoDataFrame, cols: dict[str, Any]) -> gpd.GeoDataFrame:
    geom = frame.geometry.name
    for name, values in cols.items():
        if name in frame.columns:
            frame = frame.drop(columns=name)
        frame[name] = values
    order = [c for c in frame.columns if c != geom] + [geom]
    return frame[order]


def hotspot_kde(
    incidents: gpd.GeoDataFrame,
    *,
    cell_size: float | None = None,
    grid_type: Literal["square", "hex"] = "square",
    grid: gpd.GeoDataFrame | None = None,
    clip: Any = None,
    bandwidth: float | Literal["arcgis", "nrd"] | None = None,
    bandwidth_adjust: float = 1.0,
    kernel: Literal["quartic", "gaussian"] = "quartic",
    weights: str | None = None,
    method: Literal["auto", "binned", "exact"] = "auto",
    compat: Literal["sfhotspot-1.0"] | None = None,
) -> gpd.GeoDataFrame:
    """Kernel density of incidents at the centre of each grid cell.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incident frame in a projected CRS (metres).
    cell_size, grid_type, grid, clip
        The grid, as in :func:`hotspot_count`.
    bandwidth : float, "arcgis", "nrd" or None
        Kernel bandwidth h in metres, or a rule: ``"arcgis"`` (ArcGIS Kernel Density's
        default radius, see :func:`hotspots.stats.kde.bandwidth_arcgis`) or ``"nrd"`` (R's
        ``MASS::bandwidth.nrd``: the mean of the x and y values, as sfhotspot documents;
        with ``compat="sfhotspot-1.0"`` the x value only, as its code does). Default
        ``"arcgis"`` (``"nrd"`` in compat mode). Rules use every located incident.
    bandwidth_adjust : float
        Multiplier applied to the bandwidth (sfhotspot's ``bandwidth_adjust``).
    kernel : {"quartic", "gaussian"}
        Kernel; the gaussian's h is its standard deviation.
    weights : str, optional
        Column of incident weights (default: every incident weighs 1).
    method : {"auto", "binned", "exact"}
        ``"exact"`` sums the kernel over every incident within reach of each centre;
        ``"binned"`` uses linear binning and FFT convolution (max error under 1% of the
        surface's peak); ``"auto"`` is exact when that needs fewer than 20 million
        incident-cell pairs (always with ``compat``), else binned.
    compat : {"sfhotspot-1.0"} or None
        Reproduce sfhotspot 1.0 (see the module notes).

    Returns
    -------
    geopandas.GeoDataFrame
        The grid's columns, then ``n`` (int64 incidents in the cell), ``kde`` (float64,
        unnormalised kernel sum ``sum_i w_i K(d_i)`` in weighted incidents, sfhotspot's
        ``kde``) and ``kde_density`` (float64, incidents per km^2: the normalised kernel,
        integrating to the number of incidents), then ``geometry``.
        ``attrs["hotspots"]``: the keys of :func:`hotspot_count` plus ``bandwidth``,
        ``bandwidth_reason``, ``bandwidth_adjust``, ``kernel``, ``kde_method`` and, when
        binned, ``kde_lattice_spacing``; ``compat``.

    Raises
    ------
    hotspots.errors.EmptyDataError
        If no incident has a location.
    ValueError
        For bad parameters, or a bandwidth rule that gives 0.

    Warns
    -----
    UserWarning
        When the bandwidth is smaller than the cell size (the surface looks spotty).

    Notes
    -----
    Incidents outside the grid still contribute to cells within reach, so values near the
    boundary are not biased down by clipping. Exact values match sfhotspot / SpatialKDE's
    unscaled quartic sums at cell centres.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoDataFrame(geometry=shapely.points([[50, 50], [150, 50]]), crs=27700)
    >>> r = hotspot_kde(pts, cell_size=100, clip=shapely.box(0, 0, 200, 100), bandwidth=200)
    >>> r["kde"].round(4).tolist()
    [1.5625, 1.5625]
    """
    caller = "hotspot_kde"
    compat = _check_compat(compat, caller)
    check_in("kernel", kernel, ("quartic", "gaussian"), caller=caller)
    check_in("method", method, ("auto", "binned", "exact"), caller=caller)
    check_positive("bandwidth_adjust", bandwidth_adjust, caller=caller)
    b = _prepare(incidents, cell_size=cell_size, grid_type=grid_type, grid=grid, clip=clip,
                 weights=weights, compat=compat, caller=caller)
    pts = b.points
    if pts.x.size == 0:
        raise EmptyDataError(Problem(
            "no_located_incidents",
            f"{caller}: no incident has a known location, so there is no density to "
            "estimate (has a previous step removed all rows?).",
        ))
    xy = np.column_stack([pts.x, pts.y])
    h, reason = _choose_bandwidth(xy, pts.weights, bandwidth, compat, caller)
    if bandwidth_adjust != 1:
        h *= float(bandwidth_adjust)
        reason += f", times bandwidth_adjust {bandwidth_adjust:g}"
    lattice = b.grid
    if h < lattice.cell_size:
        warnings.warn(
            f"{caller}: the bandwidth ({h:,.0f} m) is smaller than the cell size "
            f"({lattice.cell_size:,.0f} m), so the surface will look patchy; use a larger "
            "bandwidth or smaller cells.",
            UserWarning,
            stacklevel=2,
        )
    cx, cy = lattice.centres(b.position)
    centres = np.column_stack([cx, cy])
    reach = kernel_support(h, kernel)
    pairs = pts.x.size * (math.pi * reach * reach / lattice.cell_area + 1.0)
    used = method
    if method == "auto":
        used = "exact" if (compat is not None or pairs <= EXACT_PAIRS_LIMIT) else "binned"
    info_kde: dict[str, Any] = {}
    if used == "exact":
        kde = kde_exact(xy, centres, bandwidth=h, kernel=kernel, weights=pts.weights)
    else:
        square = lattice.grid_type == "square"
        spacing = lattice_spacing(
            h, kernel, cell_size=lattice.cell_size if square else None, on_lattice=square
        )
        kde = kde_binned(
            xy, centres, bandwidth=h, kernel=kernel, weights=pts.weights,
            cell_size=lattice.cell_size if square else None, spacing=spacing,
        )
        info_kde["kde_lattice_spacing"] = spacing
    logger.info(
        "%s: %s kernel, bandwidth %.1f m (%s), %s evaluation", caller, kernel, h, reason, used
    )
    density = kde * kernel_norm(h, kernel) * _M2_PER_KM2
    frame = _insert_before_geometry(b.frame, {
        "n": _cells(b.counts, b.position).astype(np.int64),
        "kde": kde,
        "kde_density": density,
    })
    info = {
        **b.info,
        "bandwidth": float(h),
        "bandwidth_reason": reason,
        "bandwidth_adjust": float(bandwidth_adjust),
        "kernel": kernel,
        "kde_method": used,
        **info_kde,
        "compat": compat,
    }
    return _finish(frame, caller, info)


def _choose_bandwidth(
    xy: np.ndarray, w: np.ndarray | None, bandwidth: Any, compat: str | None, caller: str
) -> tuple[float, str]:
    rule = bandwidth
    if bandwidth is None:
        rule = "nrd" if compat else "arcgis"
    if isinstance(rule, str):
        check_in("bandwidth", rule, ("arcgis", "nrd"), caller=caller)
        if rule == "arcgis":
            h = bandwidth_arcgis(xy, w)
            reason = "ArcGIS rule 0.9 min(SD, sqrt(1/ln 2) Dm) n^-0.2"
            if w is not None:
                reason += " (weighted)"
        elif compat:
            h = bandwidth_nrd(xy[:, 0])
            reason = "sfhotspot 1.0 rule: MASS::bandwidth.nrd of x only"
        else:
            hx, hy = bandwidth_nrd(xy[:, 0]), bandwidth_nrd(xy[:, 1])
            h = (hx + hy) / 2
            reason = f"mean of MASS::bandwidth.nrd of x ({hx:.1f}) and y ({hy:.1f})"
        if bandwidth is None:
            reason = "automatic: " + reason
        return float(h), reason
    h = check_positive("bandwidth", bandwidth, caller=caller)
    assert h is not None
    return float(h), "given"


def hotspot_gistar(
    incidents: gpd.GeoDataFrame,
    *,
    cell_size: float | None = None,
    grid_type: Literal["square", "hex"] = "square",
    grid: gpd.GeoDataFrame | None = None,
    clip: Any = None,
    neighbor_distance: float | None = None,
    weights: str | None = None,
    edge_correction: Literal["coverage", "none"] | None = None,
    min_coverage: float = 0.5,
    p_adjust: str | None = None,
    alpha: float = 0.05,
    permutations: int = 0,
    random_state: int | np.random.Generator | None = None,
    compat: Literal["sfhotspot-1.0"] | None = None,
) -> gpd.GeoDataFrame:
    """Getis-Ord Gi* hot and cold spots on a grid of incident counts.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incident frame in a projected CRS (metres).
    cell_size, grid_type, grid, clip
        The grid, as in :func:`hotspot_count`. Clip to the district boundary: a grid over
        the points' hull adds empty cells that inflate z inside it.
    neighbor_distance : float, optional
        Cells whose centres are within this distance (metres, 1e-6 relative tolerance) are
        neighbours, the cell itself included. Default ``cell_size * sqrt(2)``: the 8
        surrounding squares or the 6 adjacent hexagons (sfhotspot).
    weights : str, optional
        Column of incident weights; Gi* is then computed on the weighted counts, which are
        added as ``n_weighted`` (with ``compat`` Gi* stays on ``n``, as in sfhotspot).
    edge_correction : {"coverage", "none"}, optional
        How cells cut by the boundary are treated. ``"coverage"`` (default): a cell is
        tested, and counts as a neighbour, only if at least ``min_coverage`` of its area
        lies inside the boundary (the grid's ``coverage`` column), and its count is divided
        by that share, i.e. expressed per full cell of district. Without this, boundary
        cells hold few incidents only because part of them is outside: they look cold,
        they lower the mean and they lift every other cell's z. ``"none"``: every cell is
        tested on its raw count (ArcGIS, esda and sfhotspot on the whole grid; the default
        with ``compat``). Cells not tested keep their count but get NaN statistics,
        ``gi_bin`` 0 and ``n_neighbours`` 0.
    min_coverage : float
        Smallest share of a cell's area inside the boundary for it to be tested, with
        ``edge_correction="coverage"`` (default 0.5).
    p_adjust : {"fdr_bh", "fdr_by", "holm", "bonferroni", "none"}, optional
        Multiple-testing correction across cells for ``p_adj``, ``gi_bin`` and ``hotspot``.
        Default ``"fdr_bh"`` (Benjamini-Hochberg, as ArcGIS's FDR option); ``"none"`` with
        ``compat="sfhotspot-1.0"``.
    alpha : float
        Significance level of the ``hotspot`` label.
    permutations : int
        0 for the normal approximation only; 99 to 99,999 adds ``p_sim`` from conditional
        permutations, which then drives ``p_adj``, ``gi_bin`` and ``hotspot``.
    random_state : int, numpy.random.Generator or None
        Seed for the permutations.
    compat : {"sfhotspot-1.0"} or None
        Reproduce sfhotspot 1.0 (see the module notes).

    Returns
    -------
    geopandas.GeoDataFrame
        The grid's columns (``cell_id, x, y, inside, [ward_id, ward, constituency_id,
        constituency]``), sorted by ``cell_id``, then:

        ======================== ==============================================================
        ``n`` (int64)            incidents in the cell
        ``n_weighted`` (float64) sum of weights (only when ``weights`` is given)
        ``gistar`` (float64)     Gi* z-score (NaN for cells not tested, or if every
                                 cell has the same value)
        ``p_norm`` (float64)     two-sided p-value of z, 2 Phi(-abs(z)) (unadjusted)
        ``p_sim`` (float64)      two-sided permutation p-value (only with permutations)
        ``p_adj`` (float64)      p-value after ``p_adjust`` (of ``p_sim`` if present)
        ``gi_bin`` (int8)        ArcGIS ``Gi_Bin``: +-3, +-2, +-1 for hot/cold spots
                                 significant at 99/95/90% after ``p_adjust``, else 0
        ``n_neighbours`` (int64) neighbouring cells in the grid, the cell itself excluded
        ``hotspot`` (category)   "hot" / "cold" (``p_adj <= alpha``, sign of z) or
                                 "not significant"
        ``geometry``             cell polygon
        ======================== ==============================================================

        ``attrs["hotspots"]``: the keys of :func:`hotspot_count` plus
        ``neighbor_distance``, ``neighbor_distance_reason``, ``p_adjust``, ``alpha``,
        ``edge_correction``, ``min_coverage``, ``n_cells_tested``, ``p_adjust_reason``,
        ``permutations``, ``random_state``, ``p_value_source`` ("p_norm" or "p_sim"),
        ``gistar_value`` (the value tested: "n" or "n_weighted", followed by
        " / coverage" with the edge correction), ``mean``, ``std`` (of that value over the
        tested cells), ``n_hot``, ``n_cold``,
        ``compat``.

    Raises
    ------
    hotspots.errors.EmptyDataError
        If no located incident falls in the grid.
    ValueError
        For bad parameters.

    Notes
    -----
    Gi* uses binary weights with the cell itself included; only tested cells are
    observations and neighbours (n = number of tested cells), so cells at the edge have
    fewer neighbours, which the statistic accounts for through W_i. It is computed by
    moving-window sums over the grid, with no weights matrix, and equals
    ``esda.G_Local(y, w, transform="B", star=True).Zs`` (to 1e-9) where ``w`` is a
    libpysal ``DistanceBand`` of threshold ``neighbor_distance * (1 + 1e-6)`` on the
    centres of the tested cells and ``y`` is the value named by
    ``attrs["hotspots"]["gistar_value"]``:

    - ``edge_correction="none"`` (and ``compat``): every cell is tested and ``y`` is ``n``
      (``n_weighted`` with weights): the plain peer computation on the same grid;
    - the default ``"coverage"``: only cells with ``coverage >= min_coverage`` are tested
      and ``y`` is ``n / coverage`` (the count per full cell of district, the count
      itself for cells wholly inside), so z differs from the plain computation, most at
      the boundary. A ``grid=`` without a ``coverage`` column gets no correction and
      ``attrs["hotspots"]["edge_correction"]`` records ``"none"``.

    ``p_norm`` is two-sided (esda's ``p_norm`` is one-sided: ours is twice it).
    ``gi_bin`` with ``"fdr_bh"`` applies ArcGIS's FDR rule at each of the three levels;
    ``gistar`` and ``p_norm`` are never adjusted (as ArcGIS's ``GiZScore``/``GiPValue``).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> xy = [[x, y] for x in (150, 250, 350) for y in (150, 250, 350)] * 6 + [[50, 950]]
    >>> pts = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=27700)
    >>> g = hotspot_gistar(pts, cell_size=100, clip=shapely.box(0, 0, 1000, 1000))
    >>> g.loc[g["n"].idxmax(), "hotspot"], int(g["gi_bin"].max()), len(g)
    ('hot', 3, 100)
    """
    caller = "hotspot_gistar"
    compat = _check_compat(compat, caller)
    if p_adjust is None:
        p_adjust = "none" if compat else "fdr_bh"
        adjust_reason = "automatic: " + ("sfhotspot 1.0 default (none)" if compat else "fdr_bh")
    else:
        adjust_reason = "given"
    check_in("p_adjust", p_adjust, PADJUST_METHODS, caller=caller)
    check_probability("alpha", alpha, caller=caller)
    if edge_correction is None:
        edge_correction = "none" if compat else "coverage"
    check_in("edge_correction", edge_correction, ("coverage", "none"), caller=caller)
    check_positive("min_coverage", min_coverage, caller=caller)
    if min_coverage > 1:
        raise ValueError(
            f"The 'min_coverage' parameter of {caller} must be a float in (0, 1]. "
            f"Got {min_coverage!r} instead."
        )
    if neighbor_distance is not None:
        check_positive("neighbor_distance", neighbor_distance, caller=caller)
    b = _prepare(incidents, cell_size=cell_size, grid_type=grid_type, grid=grid, clip=clip,
                 weights=weights, compat=compat, caller=caller)
    if b.info["n_counted"] == 0:
        raise EmptyDataError(Problem(
            "no_incidents_in_grid",
            f"{caller}: no located incident falls inside the grid "
            f"({b.info['n_located']} located, {b.info['n_unknown_location']} without a "
            "location), so there are no hot spots to test. Check the boundary and the CRS.",
        ))
    lattice = b.grid
    if neighbor_distance is None:
        neighbor_distance = lattice.cell_size * math.sqrt(2.0)
        nd_reason = (
            "automatic: cell_size x sqrt(2) (the "
            + ("8 surrounding cells" if lattice.grid_type == "square" else "6 adjacent hexagons")
            + ", as sfhotspot)"
        )
        logger.info("%s: neighbour distance %.1f m (%s)", caller, neighbor_distance, nd_reason)
    else:
        nd_reason = "given"
    use_weighted = b.weighted is not None and compat is None
    values = b.weighted if use_weighted else b.counts
    assert values is not None
    mask = lattice.mask
    gistar_value = "n_weighted" if use_weighted else "n"
    if edge_correction == "coverage" and "coverage" not in b.frame.columns:
        # a grid built elsewhere: nothing to correct with, so say so rather than claim it
        logger.info("%s: the grid has no coverage column, so no edge correction", caller)
        edge_correction = "none"
    if edge_correction == "coverage":
        coverage = b.frame["coverage"].to_numpy(dtype=float)
        gistar_value += " / coverage"
        tested = coverage >= min_coverage
        mask = np.zeros(lattice.shape, dtype=bool)
        mask.ravel()[b.position[tested]] = True
        scaled = np.zeros(lattice.shape)
        scaled.ravel()[b.position[tested]] = (
            values.ravel()[b.position[tested]] / coverage[tested]
        )
        values = scaled
    n_tested = int(mask.sum())
    if n_tested < 2:
        raise EmptyDataError(Problem(
            "no_study_area",
            f"{caller}: only {n_tested} cell(s) of the grid can be tested; use smaller "
            "cells, a lower min_coverage or edge_correction='none'.",
        ))
    res = gistar_grid(
        values, mask, cell_size=lattice.cell_size,
        neighbor_distance=float(neighbor_distance), grid_type=lattice.grid_type,
        permutations=permutations, random_state=random_state,
    )
    if not math.isfinite(res.std) or res.std == 0:
        warnings.warn(
            f"{caller}: every cell has the same count, so Gi* is undefined (NaN).",
            UserWarning,
            stacklevel=2,
        )
    z = _cells(res.z, b.position)
    p_norm = _cells(res.p_norm, b.position)
    source = p_norm
    cols: dict[str, Any] = {"n": _cells(b.counts, b.position).astype(np.int64)}
    if b.weighted is not None:
        cols["n_weighted"] = _cells(b.weighted, b.position)
    cols["gistar"] = z
    cols["p_norm"] = p_norm
    if res.p_sim is not None:
        source = _cells(res.p_sim, b.position)
        cols["p_sim"] = source
    p_adj = adjust_pvalues(source, p_adjust)
    cols["p_adj"] = p_adj
    cols["gi_bin"] = gi_bin(z, source, method=p_adjust)
    cols["n_neighbours"] = _cells(res.n_neighbours, b.position).astype(np.int64)
    cols["gi_bin"] = np.where(np.isnan(z), np.int8(0), cols["gi_bin"]).astype(np.int8)
    cols["hotspot"] = _labels(z, p_adj, alpha)
    frame = _insert_before_geometry(b.frame, cols)
    n_hot = int((cols["hotspot"] == "hot").sum())
    n_cold = int((cols["hotspot"] == "cold").sum())
    logger.info("%s: %d hot and %d cold cells at alpha %g after %s", caller, n_hot, n_cold,
                alpha, p_adjust)
    info = {
        **b.info,
        "neighbor_distance": float(neighbor_distance),
        "neighbor_distance_reason": nd_reason,
        "edge_correction": edge_correction,
        "min_coverage": float(min_coverage) if edge_correction == "coverage" else None,
        "n_cells_tested": n_tested,
        "p_adjust": p_adjust,
        "p_adjust_reason": adjust_reason,
        "alpha": float(alpha),
        "permutations": int(res.permutations),
        "random_state": random_state if isinstance(random_state, (int, np.integer)) else None,
        "p_value_source": "p_sim" if res.p_sim is not None else "p_norm",
        "gistar_value": gistar_value,
        "mean": res.mean,
        "std": res.std,
        "n_hot": n_hot,
        "n_cold": n_cold,
        "compat": compat,
    }
    return _finish(frame, caller, info)


def _labels(z: np.ndarray, p_adj: np.ndarray, alpha: float) -> pd.Categorical:
    sig = np.nan_to_num(p_adj, nan=1.0) <= alpha
    zz = np.nan_to_num(z)
    # codes into HOTSPOT_LABELS: building the categorical from strings is 10x slower
    codes = np.where(sig & (zz > 0), 0, np.where(sig & (zz < 0), 1, 2))
    return pd.Categorical.from_codes(codes, categories=list(HOTSPOT_LABELS))


def area_gistar(
    counts_by_area: pd.DataFrame | pd.Series,
    areas: Any,
    *,
    level: str | None = None,
    contiguity: Literal["queen"] | float = "queen",
    column: str = "n",
    p_adjust: str = "fdr_bh",
    alpha: float = 0.05,
    permutations: int = 0,
    random_state: int | np.random.Generator | None = None,
) -> gpd.GeoDataFrame:
    """Getis-Ord Gi* for areal units (wards, constituencies, LSOAs).

    Parameters
    ----------
    counts_by_area : pandas.DataFrame or pandas.Series
        Either an ``area_counts`` table (columns ``area_id`` and ``column``; rows without
        an area id, such as "Outside district" and "Unknown location", are left out and
        counted in ``attrs``), or a Series of values indexed by area id. Areas of the
        boundary missing from it count 0.
    areas : AreaSet or geopandas.GeoDataFrame
        Boundaries: an AreaSet (with ``level``) or a frame with ``area_id``, ``area_name``
        and polygons, in a projected CRS.
    level : str, optional
        Level of an AreaSet (default: its lowest level, e.g. ``"ward"``).
    contiguity : "queen" or float
        Neighbours: areas sharing an edge or corner (``"queen"``, libpysal ``Queen``), or
        areas whose centroids are within this distance in metres (libpysal
        ``DistanceBand``). Binary weights; the area itself is included.
    column : str
        Column of the table holding the values (default ``"n"``).
    p_adjust : {"fdr_bh", "fdr_by", "holm", "bonferroni", "none"}
        Multiple-testing correction across areas.
    alpha : float
        Significance level of the ``hotspot`` label.
    permutations : int
        0, or 99 to 99,999 conditional permutations (adds ``p_sim``, used for ``p_adj``).
    random_state : int, numpy.random.Generator or None
        Seed for the permutations.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per area in boundary order, RangeIndex: ``area_id``, ``area_name``,
        ``<column>`` (float64 value), ``gistar``, ``p_norm`` (two-sided), [``p_sim``],
        ``p_adj``, ``gi_bin`` (int8), ``n_neighbours`` (int64, the area itself excluded),
        ``hotspot`` (category "hot"/"cold"/"not significant"), ``geometry``.
        ``attrs["hotspots"]``: ``function``, ``level``, ``contiguity``, ``p_adjust``,
        ``alpha``, ``permutations``, ``n_areas``, ``n_islands``, ``n_missing_areas``,
        ``n_rows_without_area``, ``value_without_area``, ``vintage``, ``version``.

    Raises
    ------
    hotspots.errors.ValidationError
        If the table names areas that are not in the boundaries, repeats an area, or holds
        non-numeric (e.g. suppressed "<5") values.

    Notes
    -----
    With few areas (Bradford has 30 wards) the normal approximation is rough and few areas
    can reach significance after FDR; permutations give a better-calibrated ``p_sim``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> boxes = [shapely.box(i, j, i + 1, j + 1) for j in range(4) for i in range(4)]
    >>> ids = list("abcdefghijklmnop")
    >>> wards = gpd.GeoDataFrame({"area_id": ids, "area_name": [i.upper() for i in ids]},
    ...                          geometry=boxes, crs=27700)
    >>> values = pd.Series(0, index=ids); values["f"] = 9
    >>> r = area_gistar(values, wards, p_adjust="none")
    >>> r.loc[[0, 5], ["n_neighbours", "gistar"]].round(4).to_numpy().tolist()
    [[3.0, 1.7321], [8.0, 0.8819]]
    """
    caller = "area_gistar"
    check_in("p_adjust", p_adjust, PADJUST_METHODS, caller=caller)
    check_probability("alpha", alpha, caller=caller)
    info: dict[str, Any] = {}
    if _is_areaset(areas):
        names = list(areas.level_names)
        if level is None:
            level = names[0]
        check_in("level", level, names, caller=caller)
        frame = areas[level]
        for key in ("name", "vintage"):
            value = getattr(areas, key, None)
            if value is not None:
                info["boundary" if key == "name" else key] = value
    elif isinstance(areas, gpd.GeoDataFrame):
        frame = areas
    else:
        raise TypeError(f"{caller}: areas must be an AreaSet or a GeoDataFrame; got "
                        f"{type(areas).__name__}.")
    missing_cols = [c for c in (schema.AREA_ID, schema.AREA_NAME) if c not in frame.columns]
    if missing_cols:
        raise ValidationError(Problem(
            "missing_column", f"{caller}: the areas lack column(s) {missing_cols}.",
            column=missing_cols[0],
        ))
    from hotspots.grid import _check_crs

    _check_crs(frame.crs, "areas")
    frame = frame.reset_index(drop=True)
    ids = frame[schema.AREA_ID].astype(str)
    values, table_info = _area_values(counts_by_area, ids, column, caller)
    info.update(table_info)
    w, islands, contiguity_text = _area_weights(frame, contiguity, caller)
    res = gistar_sparse(values, w, include_self=True, permutations=permutations,
                        random_state=random_state)
    source = res.p_norm if res.p_sim is None else res.p_sim
    p_adj = adjust_pvalues(source, p_adjust)
    out = {
        schema.AREA_ID: ids.to_numpy(),
        schema.AREA_NAME: frame[schema.AREA_NAME].astype(str).to_numpy(),
        column: values,
        "gistar": res.z,
        "p_norm": res.p_norm,
    }
    if res.p_sim is not None:
        out["p_sim"] = res.p_sim
    out.update({
        "p_adj": p_adj,
        "gi_bin": gi_bin(res.z, source, method=p_adjust),
        "n_neighbours": res.n_neighbours.astype(np.int64),
        "hotspot": _labels(res.z, p_adj, alpha),
    })
    result = gpd.GeoDataFrame(out, geometry=frame.geometry.to_numpy(), crs=frame.crs)
    if islands:
        logger.info("%s: %d areas have no neighbour (islands)", caller, islands)
    info.update({
        "level": level,
        "contiguity": contiguity_text,
        "p_adjust": p_adjust,
        "alpha": float(alpha),
        "permutations": int(res.permutations),
        "random_state": random_state if isinstance(random_state, (int, np.integer)) else None,
        "n_areas": len(frame),
        "n_islands": int(islands),
        "n_hot": int((out["hotspot"] == "hot").sum()),
        "n_cold": int((out["hotspot"] == "cold").sum()),
    })
    return _finish(result, caller, info)


def _area_values(
    table: pd.DataFrame | pd.Series, ids: pd.Series, column: str, caller: str
) -> tuple[np.ndarray, dict[str, Any]]:
    info: dict[str, Any] = {"n_rows_without_area": 0, "value_without_area": 0.0}
    if isinstance(table, pd.Series):
        keys = table.index.astype(str)
        raw = table
    elif isinstance(table, pd.DataFrame):
        if schema.AREA_ID not in table.columns or column not in table.columns:
            raise ValidationError(Problem(
                "missing_column",
                f"{caller}: the table needs columns '{schema.AREA_ID}' and '{column}'.",
                column=column if column not in table.columns else schema.AREA_ID,
            ))
        no_area = table[schema.AREA_ID].isna()
        if no_area.any():
            info["n_rows_without_area"] = int(no_area.sum())
            info["value_without_area"] = float(
                pd.to_numeric(table.loc[no_area, column], errors="coerce").fillna(0).sum()
            )
        kept = table.loc[~no_area]
        keys = kept[schema.AREA_ID].astype(str)
        raw = kept[column]
        raw.index = keys
    else:
        raise TypeError(f"{caller}: counts_by_area must be a DataFrame or a Series.")
    nums = pd.to_numeric(raw, errors="coerce")
    bad = nums.isna() | ~np.isfinite(nums.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        shown = ", ".join(f"{k}={v!r}" for k, v in list(raw[bad].items())[:3])
        raise ValidationError(Problem(
            "non_numeric_value",
            f"{caller}: {int(bad.sum())} areas have a missing or non-numeric value "
            f"({shown}); suppressed counts such as '<5' cannot be tested, use the counts "
            "before suppression.",
            n_rows=int(bad.sum()),
            column=column,
        ))
    if pd.Index(keys).has_duplicates:
        dup = pd.Index(keys)[pd.Index(keys).duplicated()].unique()[:3].tolist()
        raise ValidationError(Problem(
            "duplicate_area",
            f"{caller}: areas appear more than once ({dup}); filter the table to one group.",
        ))
    unknown = sorted(set(keys) - set(ids))
    if unknown:
        raise ValidationError(Problem(
            "unknown_area",
            f"{caller}: {len(unknown)} area ids are not in the boundaries (first: "
            f"{unknown[:3]}); check the level and the boundary vintage.",
            n_rows=len(unknown),
        ))
    series = pd.Series(nums.to_numpy(dtype=float), index=pd.Index(keys))
    values = np.array(series.reindex(ids.to_numpy()).to_numpy(dtype=float), copy=True)
    missing = np.isnan(values)
    info["n_missing_areas"] = int(missing.sum())
    if missing.any():
        logger.info("%s: %d areas are absent from the table and count 0", caller,
                    int(missing.sum()))
    values[missing] = 0.0
    return values, info


def _area_weights(frame: gpd.GeoDataFrame, contiguity: Any, caller: str) -> tuple[Any, int, str]:
    import libpysal  # lazy: heavy import, only needed for areal units

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns about islands; we count them
        if isinstance(contiguity, str):
            check_in("contiguity", contiguity, ("queen",), caller=caller)
            w = libpysal.weights.Queen.from_dataframe(frame, use_index=False,
                                                      silence_warnings=True)
            text = "queen"
        else:
            d = check_positive("contiguity", contiguity, caller=caller)
            cent = frame.geometry.centroid
            xy = np.column_stack([cent.x.to_numpy(), cent.y.to_numpy()])
            w = libpysal.weights.DistanceBand(xy, threshold=float(d), binary=True,
                                              silence_warnings=True)
            text = f"distance band {d:g} m between centroids"
    mat = w.sparse.tocsr()
    islands = int((np.diff(mat.indptr) == 0).sum())
    return mat, islands, text
