"""Emerging hot spots: classify grid cells by their Gi* hot/cold history over many periods.

- :func:`hotspot_classify`: Gi* of every grid cell in every period (financial year, year,
  quarter or month), then one category per cell, with sfhotspot's scheme or the scheme of
  ArcGIS's Emerging Hot Spot Analysis.
- The rules are pure functions over ``(z, significant)`` matrices, in
  :mod:`hotspots.stats.classify` (:func:`classify_sfhotspot`, :func:`classify_arcgis`,
  :func:`period_significance`, :data:`SFHOTSPOT_CATEGORIES`, :data:`ARCGIS_CATEGORIES`);
  they are re-exported here.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any, Literal

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
from hotspots.change._common import (
    count_on,
    coverage,
    dated,
    grid_choices,
    grid_for,
    grid_output,
)
from hotspots.periods import Freq, period_labels, period_of_label
from hotspots.stats.classify import (
    ARCGIS_CATEGORIES,
    COMPAT_OPTIONS,
    SFHOTSPOT_CATEGORIES,
    Compat,
    classify_arcgis,
    classify_sfhotspot,
    period_significance,
)
from hotspots.stats.gistar import gistar_grid
from hotspots.stats.inference import mann_kendall

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "ARCGIS_CATEGORIES",
    "PARTIAL_COVERAGE",
    "SFHOTSPOT_CATEGORIES",
    "classify_arcgis",
    "classify_sfhotspot",
    "hotspot_classify",
    "period_significance",
]

logger = logging.getLogger(__name__)

#: A first or last period is partial when the data cover less than this share of its days
#: (police.uk: one month of a quarter is 1/3; day dates starting on 2 January are not).
PARTIAL_COVERAGE = 0.9


@rename_keyword("neighbor_distance", "neighbour_distance")
@validate_params({
    "freq": OneOf(("FY", "Y", "Q", "M")), "scheme": OneOf(("sfhotspot", "arcgis")),
    "compat": OneOf(COMPAT_OPTIONS), "alpha": Probability(), "trend_alpha": Probability(),
    "neighbour_distance": Positive(allow_none=True),
    "partial_periods": OneOf(("exclude", "include")),
})
def hotspot_classify(
    incidents: gpd.GeoDataFrame,
    *,
    freq: Literal["FY", "Y", "Q", "M"],
    scheme: Literal["sfhotspot", "arcgis"] = "sfhotspot",
    cell_size: float | None = None,
    grid_type: Literal["square", "hex"] = "square",
    grid: gpd.GeoDataFrame | None = None,
    clip: Any = None,
    neighbour_distance: float | None = None,
    p_adjust: str | None = None,
    alpha: float = 0.05,
    trend_alpha: float = 0.05,
    hotspot_prop: float = 0.1,
    persistent_prop: float = 0.8,
    recent_prop: float = 0.2,
    share: float = 0.9,
    compat: Compat = None,
    partial_periods: Literal["exclude", "include"] = "exclude",
    time: str = schema.OCCURRED,
) -> gpd.GeoDataFrame:
    """Emerging hot spots: classify grid cells by their Gi* hot/cold history over periods.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incident frame in a projected CRS (metres).
    freq : {"FY", "Y", "Q", "M"}
        Length of the periods (financial year, year, quarter, month). Every period from
        the first to the last incident is used, empty ones included.
    scheme : {"sfhotspot", "arcgis"}
        Category rules: :func:`classify_sfhotspot` (persistent, emerging, former,
        intermittent hot/cold spots, mixed, no pattern) or :func:`classify_arcgis`
        (ArcGIS Emerging Hot Spot Analysis: new, consecutive, intensifying, persistent,
        diminishing, sporadic, oscillating, historical; hot and cold; no pattern).
    cell_size, grid_type, grid, clip
        The grid, as in :func:`hotspots.hotspot.hotspot_count`; one grid is used for
        every period.
    neighbour_distance : float, optional
        Gi* neighbourhood (metres); default ``cell_size * sqrt(2)`` (sfhotspot). Spelled
        ``neighbor_distance`` before 0.2.0; the old name still works for one release, with
        a FutureWarning.
    p_adjust : str, optional
        Correction across cells within each period; default ``"fdr_bh"`` (ArcGIS applies
        FDR in Emerging Hot Spot Analysis). Ignored with ``compat``.
    alpha : float
        Significance level of each cell in each period (sfhotspot's ``critical_p``).
    trend_alpha : float
        Level of the Mann–Kendall trend test (``arcgis`` scheme).
    hotspot_prop, persistent_prop, recent_prop : float
        sfhotspot's ``hotspot_classify_params`` (``sfhotspot`` scheme).
    share : float
        The "90% of periods" threshold (``arcgis`` scheme).
    compat : {None, "sfhotspot-1.0"}
        Reproduce sfhotspot 1.0.0 (``sfhotspot`` scheme only): no correction across
        cells, Holm across each cell's periods, and the rule quirks of
        :func:`classify_sfhotspot`. Periods still come from ``freq`` (half-open), not
        from sfhotspot's ``cut()`` with right-closed intervals.
    partial_periods : {"exclude", "include"}
        What to do with a first or last period that the data cover only in part (police.uk
        files for December 2017 to November 2020 hold one month of 2017 Q4 and two of
        2020 Q4): "exclude" (default) leaves them out of the classification and the trend
        test, because their lower counts read as a cooling of every cell; "include" uses
        them as sfhotspot and ArcGIS do. Either way they are listed in
        ``attrs["hotspots"]["partial_periods"]`` and logged. Coverage is found as in
        :func:`hotspots.change.trend` (first to last day, or month for police.uk dates);
        a period is partial when it covers less than :data:`PARTIAL_COVERAGE` (90%) of
        its days.
    time : str
        Column of incident dates.

    Returns
    -------
    geopandas.GeoDataFrame
        The grid's columns (``cell_id, x, y, inside, [<level>_id, <level>]``), then:

        ===============  ========  ====================================================
        ``n``            int64     incidents in the cell over the periods used
        ``n_sig_hot``    int64     periods in which the cell is a significant hot spot
        ``n_sig_cold``   int64     periods in which it is a significant cold spot
        ``mk_z``         float64   Mann–Kendall z of the cell's Gi* z series
        ``mk_p``         float64   its two-sided p-value
        ``category``     category  the scheme's category (:data:`SFHOTSPOT_CATEGORIES`
                                   or :data:`ARCGIS_CATEGORIES`, in that order)
        ``geometry``               cell polygon
        ===============  ========  ====================================================

        ``attrs["hotspots"]``: ``function, scheme, freq, periods`` (labels of the periods
        used), ``n_periods, empty_periods, partial_periods`` (labels of the partly
        covered periods), ``partial_periods_rule``, ``n_in_excluded_periods`` (incidents
        in partial periods left out), ``coverage_start``, ``coverage_end``, ``p_adjust,
        alpha, trend_alpha, compat, neighbor_distance`` (key spelled as in 0.1), the rule
        parameters and the
        grid's ``cell_size``, ``cell_size_reason``, ``grid_type``.

    Raises
    ------
    ValueError
        For bad parameters, fewer than 2 periods, or ``compat`` with the arcgis scheme.

    Notes
    -----
    In each period Gi* is computed on the cell counts with binary weights, the cell
    itself included, every cell of the grid tested (:func:`hotspots.stats.gistar.gistar_grid`:
    the same z as :func:`hotspots.hotspot.hotspot_gistar` with its default
    ``edge_correction="none"`` on the same grid and period). Significance here always uses
    the normal approximation, whereas ``hotspot_gistar`` switches to permutations for
    sparse or skewed counts on snap points, so its labels can differ. A period in which every cell
    has the same count (e.g. no incidents) has no defined z; its z is taken as 0 (not
    significant) and the period is listed in ``empty_periods``. ArcGIS uses a space-time
    neighbourhood (this period and the previous one); here the neighbourhood is spatial
    only, so results differ from ArcGIS where patterns move between periods. ArcGIS needs
    at least 10 periods; fewer are allowed and logged.

    **Partial periods.** A period the data cover in part has fewer incidents and lower
    Gi* z-scores in every cell, which reads as cooling (or, first, as warming) however
    steady the pattern. On City of London police.uk data by quarter (100 m cells) the
    partly covered 2017 Q4 and 2020 Q4 are flagged and left out; 9 cells are "former hot
    spots" with them and 10 without: those reflect a real fall, the 2020 lockdown
    quarters (2020 Q2-Q3, the two most recent whole quarters), not a short quarter.

    Examples
    --------
    >>> from hotspots import hotspot_classify, load_boundaries, simulate_incidents
    >>> areas = load_boundaries("bradford-2013")
    >>> incidents = simulate_incidents(areas, n_before=400, n_after=400, seed=2)
    >>> cats = hotspot_classify(incidents, freq="Q", cell_size=2000, clip=areas)
    >>> cats.attrs["hotspots"]["n_periods"], cats.attrs["hotspots"]["periods"][:2]
    (8, ['2017 Q2', '2017 Q3'])
    >>> cats["category"].value_counts().head(3)
    category
    no pattern              110
    intermittent hotspot     13
    emerging hotspot          2
    Name: count, dtype: int64
    """
    verb = current_verb()
    if compat is not None and scheme != "sfhotspot":
        raise ValueError(f"The 'compat' parameter of {verb} applies to scheme='sfhotspot' "
                         f"only. Got compat={compat!r} with scheme={scheme!r}.")
    alpha, trend_alpha = float(alpha), float(trend_alpha)
    if p_adjust is None:
        p_adjust = "none" if compat else "fdr_bh"
    times = dated(incidents, time)
    plan = _PeriodPlan(times, freq, partial_periods)
    if scheme == "arcgis" and len(plan.periods) < 10:
        logger.info("%s: %d periods; ArcGIS's Emerging Hot Spot Analysis requires at least 10",
                    verb, len(plan.periods))
    has_date = times.notna().to_numpy()
    g = grid_for(incidents[has_date], grid=grid, cell_size=cell_size, grid_type=grid_type,
                 clip=clip)
    z, p, total, empty, distance = _gistar_periods(incidents, plan, g, neighbour_distance)
    sig = period_significance(p, p_adjust=p_adjust, alpha=alpha, compat=compat)
    mk = mann_kendall(z)
    if scheme == "sfhotspot":
        params: dict[str, float] = {"hotspot_prop": hotspot_prop,
                                    "persistent_prop": persistent_prop,
                                    "recent_prop": recent_prop}
        cats = classify_sfhotspot(z, sig, compat=compat, **params)
        categories = list(SFHOTSPOT_CATEGORIES)
    else:
        params = {"share": share}
        cats = classify_arcgis(z, sig, mk_z=mk.z, mk_p=mk.p, trend_alpha=trend_alpha,
                               share=share)
        categories = list(ARCGIS_CATEGORIES)
    out = grid_output(g, {
        "n": total,
        "n_sig_hot": (sig & (z > 0)).sum(axis=1).astype(np.int64),
        "n_sig_cold": (sig & (z < 0)).sum(axis=1).astype(np.int64),
        "mk_z": np.asarray(mk.z, dtype=float),
        "mk_p": np.asarray(mk.p, dtype=float),
        "category": pd.Categorical(cats, categories=categories),
    })
    out.attrs = {"hotspots": {
        "function": "hotspot_classify", "scheme": scheme, "freq": freq,
        "periods": plan.periods, "n_periods": len(plan.periods), "empty_periods": empty,
        "partial_periods": plan.partial, "partial_periods_rule": partial_periods,
        "n_in_excluded_periods": int(((plan.codes < 0) & has_date).sum()),
        "coverage_start": plan.cover[0], "coverage_end": plan.cover[1], "p_adjust": p_adjust,
        "alpha": alpha, "trend_alpha": trend_alpha, "compat": compat,
        "neighbor_distance": distance,
        "params": params, "n_no_date": int((~has_date).sum()), **grid_choices(g),
    }}
    logger.info("%s: %d cells over %d periods (%s scheme)", verb, len(g), len(plan.periods),
                scheme)
    return out


class _PeriodPlan:
    """The periods a classification uses, and the code of each incident's period.

    Attributes: ``periods`` (labels used), ``partial`` (labels of partly covered periods),
    ``cover`` (ISO coverage), ``codes`` (position in ``periods`` of each incident; -1 for an
    incident with no date or in a period left out).
    """

    def __init__(self, times: pd.Series, freq: Freq, partial_periods: str) -> None:
        verb = current_verb()
        labels = period_labels(times, freq)
        all_periods = [str(c) for c in labels.cat.categories]
        self.partial, self.cover = _partial_periods(times, all_periods, freq)
        if self.partial:
            logger.info("%s: the data cover only part of %s; %s", verb, ", ".join(self.partial),
                        "they are left out" if partial_periods == "exclude" else
                        "they are used as they are")
        self.periods = ([c for c in all_periods if c not in self.partial]
                        if partial_periods == "exclude" else all_periods)
        if len(self.periods) < 2 and len(all_periods) >= 2:
            raise ValueError(f"{verb} needs at least 2 periods; the data cover "
                             f"{len(self.periods)} whole period(s) of freq={freq!r} (partly "
                             f"covered: {', '.join(self.partial)}). Use a shorter freq, or "
                             "partial_periods='include'.")
        if len(self.periods) < 2:
            raise ValueError(f"{verb} needs at least 2 periods; the data span "
                             f"{len(self.periods)} period(s) of freq={freq!r}. Use a shorter "
                             "freq.")
        # codes of the periods used; incidents of excluded periods (and undated ones) get -1
        used_code = {all_periods.index(c): k for k, c in enumerate(self.periods)}
        self.codes = np.array([used_code.get(c, -1) for c in range(len(all_periods))] + [-1],
                              dtype=np.int64)[labels.cat.codes.to_numpy()]


def _gistar_periods(incidents: gpd.GeoDataFrame, plan: _PeriodPlan, g: gpd.GeoDataFrame,
                    neighbour_distance: float | None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], float]:
    """Gi* z and p of every cell (rows) in every period (columns), on one grid.

    Also returns the cell totals over the periods used, the periods with no defined z
    (every cell the same count; z taken as 0) and the neighbourhood distance used.
    """
    # deferred: hotspots.grid loads geopandas, which trend (same package) does not need
    from hotspots.grid import grid_from_frame

    lattice, position = grid_from_frame(g)
    distance = (lattice.cell_size * math.sqrt(2.0) if neighbour_distance is None
                else float(neighbour_distance))
    n_cells, n_periods = len(g), len(plan.periods)
    z, p = np.zeros((n_cells, n_periods)), np.ones((n_cells, n_periods))
    total = np.zeros(n_cells, dtype=np.int64)
    empty: list[str] = []
    for j, label in enumerate(plan.periods):
        counts = count_on(incidents[plan.codes == j], g)
        total += counts
        values = np.zeros(lattice.nrow * lattice.ncol)
        values[position] = counts
        res = gistar_grid(values.reshape(lattice.nrow, lattice.ncol), lattice.mask,
                          cell_size=lattice.cell_size, neighbour_distance=distance,
                          grid_type=lattice.grid_type)
        zj = res.z.ravel()[position]
        if not np.isfinite(zj).any():
            empty.append(label)
        z[:, j] = np.nan_to_num(zj, nan=0.0)
        p[:, j] = np.nan_to_num(res.p_norm.ravel()[position], nan=1.0)
    if empty:
        logger.info("%s: every cell has the same count in %s; Gi* is undefined there and "
                    "taken as 0", current_verb(), ", ".join(empty))
    return z, p, total, empty, distance


def _partial_periods(times: pd.Series, periods: list[str], freq: Freq
                     ) -> tuple[list[str], tuple[str | None, str | None]]:
    """Labels of the periods the data cover only in part, and the coverage (ISO times)."""
    start, end, _ = coverage(pd.to_datetime(times, errors="coerce"))
    if start is None or end is None:
        return [], (None, None)
    partial = []
    for label in periods:
        p = period_of_label(label, freq)
        covered = (min(p.end, end) - max(p.start, start)) / pd.Timedelta(days=1)
        if covered < PARTIAL_COVERAGE * p.days:
            partial.append(label)
    return partial, (start.isoformat(), end.isoformat())
