"""Getis-Ord Gi* hot and cold spots on a grid of incident counts (:func:`hotspot_gistar`).

Defaults follow ArcGIS "Hot Spot Analysis" and esda: every cell of the grid is an
observation with its raw count. Two things real police.uk data need are handled on top:

- **Skewed, sparse counts on snap points.** With incidents piled on a few points, most
  cells empty and a few very busy, the normal approximation of Gi* calls too many cells
  significant (City of London 2019 at 100 m: 14 under the normal approximation, 7 under
  99,999 permutations). ``permutations="auto"`` then switches to conditional permutation
  inference (99,999 draws, seconds even for 150,000 cells) and records why in
  ``attrs["hotspots"]["inference_reason"]``.
- **Snap points.** police.uk moves every crime to an anonymous snap point; with the default
  cell size the grid is finer than the points' spacing, most cells are empty and hot cells
  hold no incident of their own. The automatic cell size is then raised to the spacing of
  the distinct locations, and hot cells without an incident are flagged (``hot_empty``).
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np

from hotspots._params import (
    OneOf,
    Positive,
    Probability,
    current_verb,
    rename_keyword,
    validate_params,
)
from hotspots.errors import EmptyDataError, Problem
from hotspots.grid.snap import snap_info
from hotspots.hotspot._binning import Binned, cells, insert_before_geometry, prepare
from hotspots.hotspot._constraints import COMPAT_MODES, GRID_PARAMS, PositiveOr
from hotspots.hotspot._results import choose_permutations, finish, hot_cold_labels
from hotspots.hotspot.scale import optimized_distance
from hotspots.nice import nice_length_up
from hotspots.stats.concentration import pai
from hotspots.stats.gistar import gi_bin, gistar_cells
from hotspots.stats.multiple import PADJUST_METHODS, adjust_pvalues

__all__ = ["EDGE_CORRECTIONS", "hotspot_gistar"]

logger = logging.getLogger(__name__)

#: Accepted ``edge_correction`` values of :func:`hotspot_gistar`.
EDGE_CORRECTIONS = ("none", "drop", "coverage")


@rename_keyword("neighbor_distance", "neighbour_distance")
@validate_params({
    **GRID_PARAMS,
    "cell_size": PositiveOr("optimized"),
    "neighbour_distance": PositiveOr("optimized"),
    "p_adjust": OneOf((None, *PADJUST_METHODS)),
    "alpha": Probability(),
    "edge_correction": OneOf((None, *EDGE_CORRECTIONS)),
    "min_coverage": Positive(),
    "compat": OneOf(COMPAT_MODES),
})
def hotspot_gistar(
    incidents: gpd.GeoDataFrame,
    *,
    cell_size: float | Literal["optimized"] | None = None,
    grid_type: Literal["square", "hex"] = "square",
    grid: gpd.GeoDataFrame | None = None,
    clip: Any = None,
    neighbour_distance: float | Literal["optimized"] | None = None,
    weights: str | None = None,
    edge_correction: Literal["none", "drop", "coverage"] | None = None,
    min_coverage: float = 0.5,
    p_adjust: str | None = None,
    alpha: float = 0.05,
    permutations: int | Literal["auto"] = "auto",
    random_state: int | np.random.Generator | None = None,
    snap_aware: bool = True,
    compat: Literal["sfhotspot-1.0"] | None = None,
) -> gpd.GeoDataFrame:
    """Getis-Ord Gi* hot and cold spots on a grid of incident counts.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incident frame in a projected CRS (metres).
    cell_size : float, "optimized" or None
        Cell size in metres. None: automatic (sfhotspot's rule, raised to the spacing of
        the distinct locations when the data are snapped, see ``snap_aware``).
        ``"optimized"``: as ArcGIS "Optimized Hot Spot Analysis", the cell size from the
        rule and the neighbour distance from incremental spatial autocorrelation (see
        :func:`hotspots.hotspot.scale.optimized_distance`).
    grid_type, grid, clip
        The grid, as in :func:`hotspot_count`. Clip to the district boundary: a grid over
        the points' hull adds empty cells that inflate z inside it.
    neighbour_distance : float, "optimized" or None
        Cells whose centres are within this distance (metres, 1e-6 relative tolerance) are
        neighbours, the cell itself included. Default ``cell_size * sqrt(2)``: the 8
        surrounding squares or the 6 adjacent hexagons (sfhotspot). ``"optimized"``: the
        first peak of global Moran's I z over increasing distance bands.
    weights : str, optional
        Column of incident weights; Gi* is then computed on the weighted counts, which are
        added as ``n_weighted`` (with ``compat`` Gi* stays on ``n``, as in sfhotspot).
    edge_correction : {"none", "drop", "coverage"}, optional
        How cells cut by the boundary are treated. ``"none"`` (default): every cell is
        tested on its raw count, as ArcGIS, esda and sfhotspot. ``"drop"``: cells with less
        than ``min_coverage`` of their area inside the boundary (the grid's ``coverage``
        column) are neither tested nor neighbours, as ``ptools::prep_grid`` does; the
        others keep their raw counts. ``"coverage"``: as ``"drop"``, and each remaining
        count is divided by its cell's coverage. The scaling makes partial cells noisier
        (their variance grows as 1 / coverage), moves the global mean and variance and so
        every cell's z, and inflates incidents that lie just outside the district: on City
        of London 2019 at 200 m it removes all three hot cells of the plain statistic.
        Cells not tested keep their count but get NaN statistics, ``gi_bin`` 0 and
        ``n_neighbours`` 0.
    min_coverage : float
        Smallest share of a cell's area inside the boundary for it to be tested, with
        ``"drop"`` and ``"coverage"`` (default 0.5).
    p_adjust : {"fdr_bh", "fdr_by", "holm", "bonferroni", "none"}, optional
        Multiple-testing correction across cells for ``p_adj``, ``gi_bin`` and ``hotspot``.
        Default ``"fdr_bh"`` (Benjamini-Hochberg, as ArcGIS's FDR option); ``"none"`` with
        ``compat="sfhotspot-1.0"``.
    alpha : float
        Significance level of the ``hotspot`` label.
    permutations : int or "auto"
        0 for the normal approximation only; 99 to 99,999 adds ``p_sim`` from conditional
        permutations, which then drives ``p_adj``, ``gi_bin`` and ``hotspot``. ``"auto"``
        (default): for incidents on snap points, 99,999 permutations when the tested values
        are sparse (half or more of them 0) or skewed (skewness 2 or more), where the
        normal approximation calls too many hot spots; else 0 (see
        :data:`hotspots.hotspot._results.SKEW_LIMIT` for why data without snap points keep it).
        Always 0 with ``compat``. The reason is in ``attrs["hotspots"]["inference_reason"]``.
    random_state : int, numpy.random.Generator or None
        Seed for the permutations. None uses a fixed seed, so the same data give the same
        map on every run.
    snap_aware : bool
        With an automatic cell size, detect police.uk-style snap points (at least two
        located incidents per distinct location on average) and raise the cell size to the
        median spacing of the distinct locations when the rule gives less. Recorded in
        ``attrs["hotspots"]["snap"]`` and the ``cell_size_reason``; the spacing there is
        only measured when it can be used (snapped data, automatic cell size), else None.
    compat : {"sfhotspot-1.0"} or None
        Reproduce sfhotspot 1.0 (see the module notes of :mod:`hotspots.hotspot`).

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
        ``hot_empty`` (bool)     a hot cell holding no incident of its own: hot only
                                 because its neighbours are busy (common with snap points)
        ``geometry``             cell polygon
        ======================== ==============================================================

        ``attrs["hotspots"]``: the keys of :func:`hotspot_count` plus
        ``neighbour_distance``, ``neighbour_distance_reason``, ``p_adjust``, ``alpha``,
        ``edge_correction``, ``min_coverage``, ``n_cells_tested``, ``p_adjust_reason``,
        ``permutations``, ``inference_reason``, ``random_state``, ``p_value_source``
        ("p_norm" or "p_sim"), ``gistar_value`` (the value tested: "n" or "n_weighted",
        followed by " / coverage" with that correction), ``mean``, ``std`` (of that value
        over the tested cells), ``n_hot``, ``n_cold``, ``n_hot_empty``, ``pai_hot`` (the
        PAI of the hot cells, with each cell's area inside the boundary when the grid has
        a ``coverage`` column; ``pai_area`` says which), ``snap`` (see
        :class:`hotspots.grid.snap.SnapInfo`), ``compat``.

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
    libpysal ``DistanceBand`` of threshold ``neighbour_distance * (1 + 1e-6)`` on the
    centres of the tested cells and ``y`` is the value named by
    ``attrs["hotspots"]["gistar_value"]``: with the default ``edge_correction="none"``
    every cell is tested and ``y`` is ``n`` (``n_weighted`` with weights), the plain peer
    computation on the same grid.

    Permutation p-values follow esda's conditional randomisation (the cell keeps its
    value, its neighbours are drawn from the other cells); for counts the null is
    simulated once per distinct (neighbourhood size, count) pair, which is what makes
    9,999 permutations fast (:mod:`hotspots.stats.permutation`). The smallest two-sided
    ``p_sim`` is 2 / (R + 1).

    ``p_norm`` is two-sided (esda's ``p_norm`` is one-sided: ours is twice it).
    ``gi_bin`` with ``"fdr_bh"`` applies ArcGIS's FDR rule at each of the three levels;
    ``gistar`` and ``p_norm`` are never adjusted (as ArcGIS's ``GiZScore``/``GiPValue``).

    Examples
    --------
    >>> from hotspots.hotspot import hotspot_gistar
    >>> import geopandas as gpd, shapely
    >>> xy = [[x, y] for x in (150, 250, 350) for y in (150, 250, 350)] * 6 + [[50, 950]]
    >>> pts = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=27700)
    >>> g = hotspot_gistar(pts, cell_size=100, clip=shapely.box(0, 0, 1000, 1000))
    >>> centre = (g["x"] == 250) & (g["y"] == 250)
    >>> g.loc[centre, "hotspot"].item(), int(g["gi_bin"].max()), len(g)
    ('hot', 3, 100)
    >>> g.attrs["hotspots"]["snap"]["snapped"], g.attrs["hotspots"]["p_value_source"]
    (True, 'p_sim')
    """
    if p_adjust is None:
        p_adjust = "none" if compat else "fdr_bh"
        adjust_reason = "automatic: " + ("sfhotspot 1.0 default (none)" if compat else "fdr_bh")
    else:
        adjust_reason = "given"
    if min_coverage > 1:
        raise ValueError(
            f"The 'min_coverage' parameter of {current_verb()} must be a float in (0, 1]. "
            f"Got {min_coverage!r} instead."
        )
    optimize = cell_size == "optimized" or neighbour_distance == "optimized"
    b = _binned(incidents, cell_size=None if cell_size == "optimized" else cell_size,
                grid_type=grid_type, grid=grid, clip=clip, weights=weights, compat=compat,
                snap_aware=snap_aware and not optimize)
    tested = _tested_values(b, edge_correction or "none", min_coverage, compat)
    distance, nd_reason = _neighbour_distance(
        None if neighbour_distance == "optimized" else neighbour_distance, optimize, tested, b
    )
    perms, seed, inference_reason = choose_permutations(
        permutations, tested.values[tested.mask], random_state, compat=compat,
        snapped=bool(b.info["snap"]["snapped"]),
    )
    # at the output rows only: a clipped grid's rows are about half of its lattice
    res = gistar_cells(
        tested.values, tested.mask, b.position, cell_size=b.grid.cell_size,
        neighbour_distance=distance, grid_type=b.grid.grid_type, permutations=perms,
        random_state=seed,
    )
    if not math.isfinite(res.std) or res.std == 0:
        warnings.warn(
            f"{current_verb()}: every cell has the same count, so Gi* is undefined (NaN).",
            UserWarning,
            stacklevel=2,
        )
    cols = _gistar_columns(b, res, p_adjust, alpha)
    frame = insert_before_geometry(b.frame, cols)
    info = {
        **b.info,
        "neighbour_distance": distance,
        "neighbour_distance_reason": nd_reason,
        "edge_correction": tested.edge_correction,
        "min_coverage": float(min_coverage) if tested.edge_correction != "none" else None,
        "n_cells_tested": tested.n_tested,
        "p_adjust": p_adjust,
        "p_adjust_reason": adjust_reason,
        "alpha": float(alpha),
        "permutations": int(res.permutations),
        "inference_reason": inference_reason,
        "random_state": seed if isinstance(seed, (int, np.integer)) and perms else None,
        "p_value_source": "p_sim" if res.p_sim is not None else "p_norm",
        "gistar_value": tested.name,
        "mean": res.mean,
        "std": res.std,
        **_hot_summary(b, cols, p_adjust, alpha),
        "compat": compat,
    }
    return finish(frame, "hotspot_gistar", info)


@dataclass
class _Tested:
    """The values Gi* tests, the cells tested, and how edge cells were treated."""

    values: np.ndarray  # (nrow, ncol)
    mask: np.ndarray  # (nrow, ncol) bool
    name: str  # for attrs["gistar_value"]
    edge_correction: str
    n_tested: int


def _tested_values(b: Binned, edge_correction: str, min_coverage: float,
                   compat: str | None) -> _Tested:
    """Pick the values Gi* tests and the cells tested, after the edge correction."""
    use_weighted = b.weighted is not None and compat is None
    values = b.weighted if use_weighted else b.counts
    assert values is not None
    mask = b.grid.mask
    name = "n_weighted" if use_weighted else "n"
    if edge_correction != "none" and "coverage" not in b.frame.columns:
        # a grid built elsewhere: nothing to correct with, so say so rather than claim it
        logger.info("%s: the grid has no coverage column, so no edge correction",
                    current_verb())
        edge_correction = "none"
    if edge_correction != "none":
        coverage = b.frame["coverage"].to_numpy(dtype=float)
        tested = coverage >= min_coverage
        mask = np.zeros(b.grid.shape, dtype=bool)
        mask.ravel()[b.position[tested]] = True
        if edge_correction == "coverage":
            name += " / coverage"
            scaled = np.zeros(b.grid.shape)
            scaled.ravel()[b.position[tested]] = (
                values.ravel()[b.position[tested]] / coverage[tested]
            )
            values = scaled
    n_tested = int(mask.sum())
    if n_tested < 2:
        raise EmptyDataError(Problem(
            "no_study_area",
            f"{current_verb()}: only {n_tested} cell(s) of the grid can be tested; use "
            "smaller cells, a lower min_coverage or edge_correction='none'.",
        ))
    return _Tested(values, mask, name, edge_correction, n_tested)


def _neighbour_distance(given: float | None, optimize: bool, tested: _Tested,
                        b: Binned) -> tuple[float, str]:
    """Choose the neighbour distance, with its reason: given, optimized or cell_size x sqrt(2)."""
    lattice = b.grid
    if given is not None:
        return float(given), "given"
    if optimize:
        opt = optimized_distance(tested.values, tested.mask, cell_size=lattice.cell_size,
                                 grid_type=lattice.grid_type)
        distance, reason = float(opt.distance), opt.reason
        b.info["scale_search"] = opt.as_attrs()
    else:
        distance = lattice.cell_size * math.sqrt(2.0)
        reason = (
            "automatic: cell_size x sqrt(2) (the "
            + ("8 surrounding cells" if lattice.grid_type == "square" else "6 adjacent hexagons")
            + ", as sfhotspot)"
        )
    logger.info("%s: neighbour distance %.1f m (%s)", current_verb(), distance, reason)
    return distance, reason


def _gistar_columns(b: Binned, res: Any, p_adjust: str, alpha: float) -> dict[str, Any]:
    """Build the output columns: counts, z, p-values, ``gi_bin``, labels, ``hot_empty``."""
    z = res.z
    source = p_norm = res.p_norm
    n_cell = cells(b.counts, b.position).astype(np.int64)
    cols: dict[str, Any] = {"n": n_cell}
    if b.weighted is not None:
        cols["n_weighted"] = cells(b.weighted, b.position)
    cols["gistar"] = z
    cols["p_norm"] = p_norm
    if res.p_sim is not None:
        source = res.p_sim
        cols["p_sim"] = source
    p_adj = adjust_pvalues(source, p_adjust)
    cols["p_adj"] = p_adj
    cols["gi_bin"] = gi_bin(z, source, method=p_adjust, adjusted=p_adj)  # 0 where z is NaN
    cols["n_neighbours"] = res.n_neighbours
    cols["hotspot"] = hot_cold_labels(z, p_adj, alpha)
    cols["hot_empty"] = np.asarray(cols["hotspot"] == "hot") & (n_cell == 0)
    return cols


def _hot_summary(b: Binned, cols: dict[str, Any], p_adjust: str,
                 alpha: float) -> dict[str, Any]:
    """Count hot, cold and hot-but-empty cells and the PAI of the hot cells (logged)."""
    verb = current_verb()
    n_cell = cols["n"]
    hot_mask = np.asarray(cols["hotspot"] == "hot")
    n_hot = int(hot_mask.sum())
    n_cold = int((cols["hotspot"] == "cold").sum())
    n_hot_empty = int(cols["hot_empty"].sum())
    logger.info("%s: %d hot and %d cold cells at alpha %g after %s", verb, n_hot, n_cold,
                alpha, p_adjust)
    # PAI of the hot cells over the area each cell covers inside the boundary (a cell cut by
    # the boundary is not a full cell of district: City 2019 at 100 m, 4.44 -> 3.72)
    covered = (b.frame["coverage"].to_numpy(dtype=float) if "coverage" in b.frame.columns
               else None)
    pai_hot = pai(n_cell, hot_mask, area=covered) if n_hot and n_cell.sum() else None
    if n_hot_empty:
        logger.info("%s: %d of the %d hot cells hold no incident of their own (hot_empty)",
                    verb, n_hot_empty, n_hot)
    return {
        "n_hot": n_hot,
        "n_cold": n_cold,
        "n_hot_empty": n_hot_empty,
        "pai_hot": pai_hot,
        "pai_area": "covered" if covered is not None else "full cells",
    }


def _binned(
    incidents: Any,
    *,
    cell_size: float | None,
    grid_type: str,
    grid: gpd.GeoDataFrame | None,
    clip: Any,
    weights: str | None,
    compat: str | None,
    snap_aware: bool,
) -> Binned:
    """Bin the incidents; with an automatic cell size on snapped data, not below the spacing.

    Shared by :func:`hotspot_gistar` and :func:`hotspots.hotspot.moran.hotspot_moran`.
    """
    b = prepare(incidents, cell_size=cell_size, grid_type=grid_type, grid=grid, clip=clip,
                weights=weights, compat=compat)
    # the spacing (a nearest-neighbour query, 0.3 s on 200k points, and the scipy.spatial
    # import) only matters for snapped data with an automatic cell size, which it can raise;
    # elsewhere it is not computed (attrs say None)
    automatic = snap_aware and cell_size is None and grid is None and compat is None
    snap = snap_info(b.points.x, b.points.y, spacing="if_snapped" if automatic else "never",
                     groups=b.points.groups, per_object=b.points.per_object)
    if automatic and snap.snapped:
        rule = float(b.info["cell_size"])
        if snap.spacing > rule:
            # rounded UP to a readable value so the cell stays not below the spacing
            size = nice_length_up(snap.spacing)
            reason = (
                f"automatic: snap points ({snap.n_locations:,} distinct locations for "
                f"{snap.n_located:,} located incidents), so not below the median spacing "
                f"of the distinct locations ({snap.spacing:.1f} m, rounded up to a readable "
                f"{size:g} m); the rule gave {rule:.1f} m ({b.info['cell_size_reason']})"
            )
            logger.info("%s: cell size %.0f m (%s)", current_verb(), size, reason)
            b = prepare(incidents, cell_size=size, grid_type=grid_type, grid=None, clip=clip,
                        weights=weights, compat=compat)
            b.info["cell_size_reason"] = reason
            b.info["cell_size_rule"] = round(snap.spacing, 3)
    b.info["snap"] = snap.as_attrs()
    if b.info["n_counted"] == 0:
        raise EmptyDataError(Problem(
            "no_incidents_in_grid",
            f"{current_verb()}: no located incident falls inside the grid "
            f"({b.info['n_located']} located, {b.info['n_unknown_location']} without a "
            "location), so there are no hot spots to test. Check the boundary and the CRS.",
        ))
    return b
