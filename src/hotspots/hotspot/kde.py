"""Kernel density of incidents at the centre of each grid cell (:func:`hotspot_kde`)."""

from __future__ import annotations

import logging
import math
import warnings
from typing import Any, Literal

import geopandas as gpd
import numpy as np

from hotspots._params import (
    OneOf,
    Positive,
    check_in,
    check_positive,
    current_verb,
    validate_params,
)
from hotspots.errors import EmptyDataError, Problem
from hotspots.hotspot._binning import cells, insert_before_geometry, prepare
from hotspots.hotspot._constraints import COMPAT_MODES, GRID_PARAMS
from hotspots.hotspot._results import finish
from hotspots.located import LocatedPoints
from hotspots.stats.kde import (
    bandwidth_arcgis,
    bandwidth_nrd,
    kde_binned,
    kde_exact,
    kernel_norm,
    kernel_support,
    lattice_spacing,
)

__all__ = ["EXACT_PAIRS_LIMIT", "hotspot_kde"]

logger = logging.getLogger(__name__)

#: ``method="auto"`` in :func:`hotspot_kde` sums exactly below this many (incident, cell) pairs.
EXACT_PAIRS_LIMIT = 20_000_000
_M2_PER_KM2 = 1e6


@validate_params({
    **GRID_PARAMS,
    "bandwidth_adjust": Positive(),
    "kernel": OneOf(("quartic", "gaussian")),
    "method": OneOf(("auto", "binned", "exact")),
    "compat": OneOf(COMPAT_MODES),
})
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
    >>> from hotspots.hotspot import hotspot_kde
    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoDataFrame(geometry=shapely.points([[50, 50], [150, 50]]), crs=27700)
    >>> r = hotspot_kde(pts, cell_size=100, clip=shapely.box(0, 0, 200, 100), bandwidth=200)
    >>> r["kde"].round(4).tolist()
    [1.5625, 1.5625]
    """
    caller = current_verb()
    b = prepare(incidents, cell_size=cell_size, grid_type=grid_type, grid=grid, clip=clip,
                weights=weights, compat=compat)
    pts = b.points
    if pts.x.size == 0:
        raise EmptyDataError(Problem(
            "no_located_incidents",
            f"{caller}: no incident has a known location, so there is no density to "
            "estimate (has a previous step removed all rows?).",
        ))
    h, reason = _choose_bandwidth(pts.x, pts.y, pts.weights, bandwidth, compat)
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
        kde = kde_exact(np.column_stack([pts.x, pts.y]), centres, bandwidth=h, kernel=kernel,
                        weights=pts.weights)
    else:
        square = lattice.grid_type == "square"
        spacing = lattice_spacing(
            h, kernel, cell_size=lattice.cell_size if square else None, on_lattice=square
        )
        sx, sy, sw = _binned_samples(pts)
        # x and y as two columns: a million points are not copied into one (n, 2) array
        kde = kde_binned(
            (sx, sy), centres, bandwidth=h, kernel=kernel, weights=sw,
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
    return finish(frame, "hotspot_kde", info)


def _binned_samples(pts: LocatedPoints) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Return the samples the binned KDE spreads: the rows, or each point object once.

    Linear binning is linear in the weights, so rows that share a point object (police.uk
    snap points: 1M rows on some 40k objects) can be binned as one sample weighing their
    total weight; the sums differ from binning each row only by rounding (the order of
    additions), far below the binning's own error.
    """
    per_object = pts.per_object
    if per_object is None:
        return pts.x, pts.y, pts.weights
    gx, gy, rows = per_object
    if pts.weights is None:
        return gx, gy, rows.astype(float)
    return gx, gy, pts.per_object_sums(pts.weights)


def _choose_bandwidth(
    x: np.ndarray, y: np.ndarray, w: np.ndarray | None, bandwidth: Any, compat: str | None
) -> tuple[float, str]:
    rule = bandwidth
    if bandwidth is None:
        rule = "nrd" if compat else "arcgis"
    if isinstance(rule, str):
        check_in("bandwidth", rule, ("arcgis", "nrd"))
        if rule == "arcgis":
            h = bandwidth_arcgis((x, y), w)
            reason = "ArcGIS rule 0.9 min(SD, sqrt(1/ln 2) Dm) n^-0.2"
            if w is not None:
                reason += " (weighted)"
        elif compat:
            h = bandwidth_nrd(x)
            reason = "sfhotspot 1.0 rule: MASS::bandwidth.nrd of x only"
        else:
            hx, hy = bandwidth_nrd(x), bandwidth_nrd(y)
            h = (hx + hy) / 2
            reason = f"mean of MASS::bandwidth.nrd of x ({hx:.1f}) and y ({hy:.1f})"
        if bandwidth is None:
            reason = "automatic: " + reason
        return float(h), reason
    h = check_positive("bandwidth", bandwidth)
    assert h is not None
    return float(h), "given"
