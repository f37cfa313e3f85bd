"""Grid and area hotspot statistics on incident frames: counts, KDE and Getis-Ord Gi*.

Counts and KDE live here; Gi* on grids is in :mod:`hotspots.hotspot.gistar`, Gi* on areas in
:mod:`hotspots.hotspot.areas` and Local Moran's I in :mod:`hotspots.hotspot.moran`. All are
re-exported here, so ``from hotspots.hotspot import hotspot_gistar`` keeps working.

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
from typing import Any, Literal

import geopandas as gpd
import numpy as np

from hotspots._params import check_in, check_positive
from hotspots.errors import EmptyDataError, Problem
from hotspots.hotspot._binning import (
    COMPAT_MODES,
    cells,
    check_compat,
    insert_before_geometry,
    prepare,
)
from hotspots.hotspot._results import HOTSPOT_LABELS
from hotspots.hotspot._results import finish as _finish
from hotspots.hotspot.areas import area_gistar
from hotspots.hotspot.gistar import hotspot_gistar
from hotspots.stats.kde import (
    bandwidth_arcgis,
    bandwidth_nrd,
    kde_binned,
    kde_exact,
    kernel_norm,
    kernel_support,
    lattice_spacing,
)

__all__ = [
    "COMPAT_MODES",
    "HOTSPOT_LABELS",
    "area_gistar",
    "hotspot_count",
    "hotspot_gistar",
    "hotspot_kde",
]

logger = logging.getLogger(__name__)

#: ``method="auto"`` in :func:`hotspot_kde` sums exactly below this many (incident, cell) pairs.
EXACT_PAIRS_LIMIT = 20_000_000
_M2_PER_KM2 = 1e6


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
    b = prepare(incidents, cell_size=cell_size, grid_type=grid_type, grid=grid, clip=clip,
                 weights=weights, compat=None, caller=caller)
    frame = b.frame
    n = cells(b.counts, b.position).astype(np.int64)
    nw = cells(b.weighted, b.position) if b.weighted is not None else n.astype(float)
    frame = insert_before_geometry(frame, {"n": n, "n_weighted": nw.astype(float)})
    return _finish(frame, caller, b.info)


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
    compat = check_compat(compat, caller)
    check_in("kernel", kernel, ("quartic", "gaussian"), caller=caller)
    check_in("method", method, ("auto", "binned", "exact"), caller=caller)
    check_positive("bandwidth_adjust", bandwidth_adjust, caller=caller)
    b = prepare(incidents, cell_size=cell_size, grid_type=grid_type, grid=grid, clip=clip,
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
    frame = insert_before_geometry(b.frame, {
        "n": cells(b.counts, b.position).astype(np.int64),
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
