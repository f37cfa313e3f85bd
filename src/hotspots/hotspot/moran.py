"""Cluster and outlier analysis (Local Moran's I) on grids and on areas.

:func:`hotspot_moran` and :func:`area_moran` label each cell or area as ArcGIS "Cluster and
Outlier Analysis" does: ``HH`` (a high value among high values: a cluster of high values),
``LL``, ``HL`` (a high outlier among low values), ``LH`` (a low outlier among high values) or
``not significant``. Gi* (:func:`hotspots.hotspot.hotspot_gistar`) only finds clusters of
high or low values; Local Moran also finds the busy cell surrounded by quiet ones (``HL``)
that an analyst may want to look at as a single problem location.

Both verbs use :mod:`hotspots.stats.moran` and equal ``esda.Moran_Local`` with
``transformation="r"`` on the same neighbours (I, quadrant, and the analytic z from its
``EI`` and ``VI``) to 1e-9. ``p_sim`` follows esda's conditional randomisation and folded
rule with our own random draws: the same distribution, not the same numbers.
"""

from __future__ import annotations

import logging
import math
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema
from hotspots._params import (
    OneOf,
    Positive,
    Probability,
    current_verb,
    rename_keyword,
    validate_params,
)
from hotspots.errors import EmptyDataError, Problem
from hotspots.hotspot._binning import cells, insert_before_geometry
from hotspots.hotspot._constraints import GRID_PARAMS
from hotspots.hotspot._results import choose_permutations, finish
from hotspots.hotspot.areas import FUZZY_TOLERANCE, area_inputs
from hotspots.hotspot.gistar import _binned
from hotspots.stats.moran import QUADRANTS, MoranLocalResult, moran_local_grid, moran_local_sparse
from hotspots.stats.multiple import PADJUST_METHODS, adjust_pvalues

__all__ = ["CLUSTER_LABELS", "area_moran", "hotspot_moran"]

logger = logging.getLogger(__name__)

#: Categories of the ``cluster`` column, in order.
CLUSTER_LABELS = ("HH", "LL", "HL", "LH", "not significant")


def _cluster_labels(res: MoranLocalResult, p_adj: np.ndarray, alpha: float) -> pd.Categorical:
    sig = np.nan_to_num(p_adj, nan=1.0) <= alpha
    code = {"HH": 0, "LL": 1, "HL": 2, "LH": 3}
    codes = np.full(p_adj.shape, 4, dtype=np.int8)
    for q, label in QUADRANTS.items():
        codes = np.where(sig & (res.q == q), code[label], codes)
    return pd.Categorical.from_codes(codes, categories=list(CLUSTER_LABELS))


def _columns(res: MoranLocalResult, pick: Any, p_adjust: str, alpha: float) -> dict[str, Any]:
    p_norm = pick(res.p_norm)
    source = p_norm if res.p_sim is None else pick(res.p_sim)
    p_adj = adjust_pvalues(source, p_adjust)
    flat = MoranLocalResult(
        I=pick(res.I), z=pick(res.z), p_norm=p_norm, q=pick(res.q), lag=pick(res.lag),
        expected=pick(res.expected), variance=pick(res.variance),
        n_neighbours=pick(res.n_neighbours), n=res.n,
    )
    cols: dict[str, Any] = {"moran_i": flat.I, "moran_z": flat.z, "p_norm": p_norm}
    if res.p_sim is not None:
        cols["p_sim"] = source
    cols.update({
        "p_adj": p_adj,
        "quadrant": flat.q.astype(np.int8),
        "n_neighbours": flat.n_neighbours.astype(np.int64),
        "cluster": _cluster_labels(flat, p_adj, alpha),
    })
    return cols


def _counts(labels: pd.Categorical) -> dict[str, int]:
    return {f"n_{k}": int((labels == k).sum()) for k in CLUSTER_LABELS[:4]}


@rename_keyword("neighbor_distance", "neighbour_distance")
@validate_params({
    **GRID_PARAMS,
    "neighbour_distance": Positive(allow_none=True),
    "p_adjust": OneOf(PADJUST_METHODS),
    "alpha": Probability(),
})
def hotspot_moran(
    incidents: gpd.GeoDataFrame,
    *,
    cell_size: float | None = None,
    grid_type: Literal["square", "hex"] = "square",
    grid: gpd.GeoDataFrame | None = None,
    clip: Any = None,
    neighbour_distance: float | None = None,
    weights: str | None = None,
    p_adjust: str = "fdr_bh",
    alpha: float = 0.05,
    permutations: int | Literal["auto"] = "auto",
    random_state: int | np.random.Generator | None = None,
    snap_aware: bool = True,
) -> gpd.GeoDataFrame:
    """Local Moran's I cluster and outlier analysis on a grid of incident counts.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incident frame in a projected CRS (metres).
    cell_size, grid_type, grid, clip, snap_aware
        The grid, as in :func:`hotspots.hotspot.hotspot_gistar` (the automatic cell size
        is not below the spacing of snap points).
    neighbour_distance : float, optional
        Neighbours are cells whose centres lie within this distance, the cell itself
        excluded; default ``cell_size * sqrt(2)`` (the 8 surrounding squares).
    weights : str, optional
        Column of incident weights: the statistic is then computed on weighted counts.
    p_adjust : {"fdr_bh", "fdr_by", "holm", "bonferroni", "none"}
        Multiple-testing correction across cells (default Benjamini-Hochberg).
    alpha : float
        Significance level of the ``cluster`` label.
    permutations : int or "auto"
        As :func:`hotspots.hotspot.hotspot_gistar`: 0, 99 to 99,999, or ``"auto"``
        (99,999 for sparse or skewed counts on snap points, else the normal
        approximation). ``p_sim`` then drives ``p_adj`` and ``cluster``.
    random_state : int, numpy.random.Generator or None
        Seed for the permutations (None: a fixed default seed).

    Returns
    -------
    geopandas.GeoDataFrame
        The grid's columns, then ``n`` (int64), [``n_weighted``], ``moran_i`` (Local
        Moran's I), ``moran_z`` (analytic z), ``p_norm`` (two-sided), [``p_sim``],
        ``p_adj``, ``quadrant`` (int8: 1 HH, 2 LH, 3 LL, 4 HL, esda's numbering),
        ``n_neighbours``, ``cluster`` (category ``HH``/``LL``/``HL``/``LH``/``not
        significant``: the quadrant where ``p_adj <= alpha``), ``geometry``.
        ``attrs["hotspots"]``: the keys of :func:`hotspots.hotspot.hotspot_count` plus
        ``neighbour_distance``, ``p_adjust``, ``alpha``, ``permutations``,
        ``inference_reason``, ``random_state``, ``p_value_source``, ``snap``, ``n_HH``,
        ``n_LL``, ``n_HL``, ``n_LH``.

    Raises
    ------
    hotspots.errors.EmptyDataError
        If no located incident falls in the grid, or the grid has fewer than 3 cells.

    Notes
    -----
    Every cell of the grid is an observation (no edge correction). Equals
    ``esda.Moran_Local(y, w, transformation="r")`` with ``w`` a libpysal ``DistanceBand``
    on the cell centres (threshold ``neighbour_distance * (1 + 1e-6)``); see
    :mod:`hotspots.stats.moran`.

    Examples
    --------
    >>> from hotspots.hotspot.moran import hotspot_moran
    >>> import geopandas as gpd, shapely
    >>> rng = np.random.default_rng(0)
    >>> xy = np.r_[rng.uniform(0, 1000, (300, 2)), rng.normal(300, 40, (150, 2))]
    >>> pts = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=27700)
    >>> g = hotspot_moran(pts, cell_size=100, clip=shapely.box(0, 0, 1000, 1000))
    >>> g.loc[g["n"].idxmax(), "cluster"], g.attrs["hotspots"]["p_value_source"]
    ('HH', 'p_norm')
    """
    caller = current_verb()
    b = _binned(incidents, cell_size=cell_size, grid_type=grid_type, grid=grid, clip=clip,
                weights=weights, compat=None, snap_aware=snap_aware)
    lattice = b.grid
    values = b.weighted if b.weighted is not None else b.counts
    if int(lattice.mask.sum()) < 3:
        raise EmptyDataError(Problem(
            "no_study_area", f"{caller}: the grid has fewer than 3 cells; use smaller cells.",
        ))
    if neighbour_distance is None:
        neighbour_distance = lattice.cell_size * math.sqrt(2.0)
        nd_reason = "automatic: cell_size x sqrt(2) (queen neighbours)"
    else:
        nd_reason = "given"
    perms, seed, inference_reason = choose_permutations(
        permutations, values[lattice.mask], random_state,
        snapped=bool(b.info["snap"]["snapped"]),
    )
    res = moran_local_grid(values, lattice.mask, cell_size=lattice.cell_size,
                           neighbour_distance=float(neighbour_distance),
                           grid_type=lattice.grid_type, permutations=perms,
                           random_state=seed)
    cols: dict[str, Any] = {"n": cells(b.counts, b.position).astype(np.int64)}
    if b.weighted is not None:
        cols["n_weighted"] = cells(b.weighted, b.position)
    cols.update(_columns(res, lambda a: cells(a, b.position), p_adjust, alpha))
    frame = insert_before_geometry(b.frame, cols)
    counts = _counts(cols["cluster"])
    logger.info("%s: %s after %s at alpha %g", caller,
                ", ".join(f"{v} {k[2:]}" for k, v in counts.items()), p_adjust, alpha)
    info = {
        **b.info,
        "neighbour_distance": float(neighbour_distance),
        "neighbour_distance_reason": nd_reason,
        "p_adjust": p_adjust,
        "alpha": float(alpha),
        "permutations": int(res.permutations),
        "inference_reason": inference_reason,
        "random_state": seed if isinstance(seed, (int, np.integer)) and perms else None,
        "p_value_source": "p_sim" if res.p_sim is not None else "p_norm",
        "moran_value": "n_weighted" if b.weighted is not None else "n",
        **counts,
    }
    return finish(frame, "hotspot_moran", info)


@validate_params({"p_adjust": OneOf(PADJUST_METHODS), "alpha": Probability()})
def area_moran(
    counts_by_area: pd.DataFrame | pd.Series,
    areas: Any,
    *,
    level: str | None = None,
    contiguity: Literal["fuzzy", "queen"] | float = "fuzzy",
    tolerance: float = FUZZY_TOLERANCE,
    column: str = "n",
    p_adjust: str = "fdr_bh",
    alpha: float = 0.05,
    permutations: int = 9_999,
    random_state: int | np.random.Generator | None = None,
) -> gpd.GeoDataFrame:
    """Local Moran's I cluster and outlier analysis for areal units (wards, LSOAs).

    Parameters
    ----------
    counts_by_area, areas, level, column
        As :func:`hotspots.hotspot.area_gistar` (an ``area_counts`` table or a Series of
        values by area id; an AreaSet or a frame of polygons).
    contiguity, tolerance
        Neighbours, as :func:`hotspots.hotspot.areas.area_weights` (default fuzzy
        contiguity within 5 m; a warning names areas left without a neighbour).
    p_adjust : {"fdr_bh", "fdr_by", "holm", "bonferroni", "none"}
        Multiple-testing correction across areas.
    alpha : float
        Significance level of the ``cluster`` label.
    permutations : int
        Conditional permutations for ``p_sim`` (default 9,999; 0 for the analytic z only).
        With a few hundred areas the normal approximation of Local Moran's I is poor, so
        ``p_sim`` drives ``p_adj`` whenever permutations run.
    random_state : int, numpy.random.Generator or None
        Seed (None: a fixed default seed).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per area: ``area_id``, ``area_name``, ``<column>``, ``moran_i``,
        ``moran_z``, ``p_norm``, [``p_sim``], ``p_adj``, ``quadrant``, ``n_neighbours``,
        ``cluster``, ``geometry``. ``attrs["hotspots"]``: ``level``, ``contiguity``,
        ``p_adjust``, ``alpha``, ``permutations``, ``random_state``, ``n_areas``,
        ``n_islands``, ``n_HH``, ``n_LL``, ``n_HL``, ``n_LH`` and the table counts of
        :func:`hotspots.hotspot.area_gistar`.

    Examples
    --------
    >>> from hotspots.hotspot.moran import area_moran
    >>> import geopandas as gpd, shapely
    >>> boxes = [shapely.box(i, j, i + 1, j + 1) for j in range(5) for i in range(5)]
    >>> ids = [f"a{i}" for i in range(25)]
    >>> f = gpd.GeoDataFrame({"area_id": ids, "area_name": ids}, geometry=boxes, crs=27700)
    >>> v = pd.Series(1.0, index=ids); v[["a0", "a1", "a5", "a6"]] = 20.0
    >>> r = area_moran(v, f, contiguity="queen", p_adjust="none", permutations=0)
    >>> int(r.loc[0, "quadrant"]), r.loc[0, "cluster"], r.loc[12, "cluster"]
    (1, 'HH', 'not significant')
    """
    (frame, level, info, ids, values, w, islands, contiguity_text, perms, seed,
     inference_reason) = area_inputs(counts_by_area, areas, level, column, contiguity,
                                     tolerance, permutations, random_state, p_adjust, alpha)
    res = moran_local_sparse(values, w, permutations=perms, random_state=seed)
    out: dict[str, Any] = {
        schema.AREA_ID: ids.to_numpy(),
        schema.AREA_NAME: frame[schema.AREA_NAME].astype(str).to_numpy(),
        column: values,
    }
    out.update(_columns(res, lambda a: a, p_adjust, alpha))
    result = gpd.GeoDataFrame(out, geometry=frame.geometry.to_numpy(), crs=frame.crs)
    info.update({
        "level": level,
        "contiguity": contiguity_text,
        "p_adjust": p_adjust,
        "alpha": float(alpha),
        "permutations": int(res.permutations),
        "inference_reason": inference_reason,
        "random_state": seed if isinstance(seed, (int, np.integer)) and perms else None,
        "p_value_source": "p_sim" if res.p_sim is not None else "p_norm",
        "n_areas": len(frame),
        "n_islands": int(islands),
        **_counts(out["cluster"]),
    })
    return finish(result, "area_moran", info)
