"""Emerging hot spots: classify grid cells by their Gi* hot/cold history over many periods.

- :func:`hotspot_classify`: Gi* of every grid cell in every period (financial year, year,
  quarter or month), then one category per cell, with sfhotspot's scheme or the scheme of
  ArcGIS's Emerging Hot Spot Analysis.
- The rules are pure functions over ``(z, significant)`` matrices (cells x periods), so they
  can be tested and reused without a grid: :func:`classify_sfhotspot`,
  :func:`classify_arcgis`, and :func:`period_significance` (which periods count as
  significant, after correction).
- :data:`SFHOTSPOT_CATEGORIES` and :data:`ARCGIS_CATEGORIES`: the categories, in legend
  order.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from hotspots import schema
from hotspots._params import check_in, check_positive, check_probability
from hotspots.change._common import count_on, dated, grid_choices, grid_for, grid_output
from hotspots.periods import period_labels, period_of_label
from hotspots.stats.inference import mann_kendall

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "ARCGIS_CATEGORIES",
    "SFHOTSPOT_CATEGORIES",
    "classify_arcgis",
    "classify_sfhotspot",
    "hotspot_classify",
    "period_significance",
]

logger = logging.getLogger(__name__)

#: Categories of the sfhotspot scheme (:func:`classify_sfhotspot`), in legend order.
SFHOTSPOT_CATEGORIES = (
    "persistent hotspot", "emerging hotspot", "former hotspot", "intermittent hotspot",
    "persistent coldspot", "emerging coldspot", "former coldspot", "intermittent coldspot",
    "mixed hot/coldspot", "no pattern",
)

_ARCGIS_KINDS = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic",
                 "oscillating", "historical")
#: Categories of ArcGIS's Emerging Hot Spot Analysis (:func:`classify_arcgis`), legend order.
ARCGIS_CATEGORIES = (
    *(f"{k} hot spot" for k in _ARCGIS_KINDS),
    *(f"{k} cold spot" for k in _ARCGIS_KINDS),
    "no pattern detected",
)

Compat = Literal["sfhotspot-1.0"] | None

#: A first or last period is partial when the data cover less than this share of its days
#: (police.uk: one month of a quarter is 1/3; day dates starting on 2 January are not).
PARTIAL_COVERAGE = 0.9


def _check_matrices(z: ArrayLike, significant: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    zz = np.asarray(z, dtype=float)
    ss = np.asarray(significant, dtype=bool)
    if zz.ndim != 2 or zz.shape != ss.shape:
        raise ValueError("z and significant must be 2-d arrays of the same shape "
                         f"(cells x periods); got {zz.shape} and {ss.shape}.")
    if zz.shape[1] < 2:
        raise ValueError("At least 2 periods are needed to classify hot spots; got "
                         f"{zz.shape[1]}.")
    return zz, ss


def classify_sfhotspot(
    z: ArrayLike,
    significant: ArrayLike,
    *,
    hotspot_prop: float = 0.1,
    persistent_prop: float = 0.8,
    recent_prop: float = 0.2,
    compat: Compat = None,
) -> np.ndarray:
    """Classify cells with sfhotspot's ``hotspot_classify`` rules.

    Parameters
    ----------
    z : array-like, shape (cells, periods)
        Gi* z-score of every cell in every period, periods in time order. NaN counts as
        neither hot nor cold.
    significant : array-like of bool, same shape
        Whether each z-score is significant (already adjusted as wanted).
    hotspot_prop, persistent_prop, recent_prop : float
        sfhotspot's ``hotspot_classify_params`` (defaults 0.1, 0.8, 0.2).
    compat : {None, "sfhotspot-1.0"}
        None (default): the documented rules. ``"sfhotspot-1.0"``: reproduce sfhotspot
        1.0.0's code exactly, including its off-by-one (the "recent" proportion sums
        ``r + 1`` periods but divides by ``r``) and its comparison of the recent
        proportion with ``recent_prop`` instead of ``hotspot_prop`` for "emerging".

    Returns
    -------
    numpy.ndarray of str, shape (cells,)
        One of :data:`SFHOTSPOT_CATEGORIES`.

    Raises
    ------
    ValueError
        When the arrays do not match or there are fewer than 2 periods.

    Notes
    -----
    With ``K`` periods and ``r = max(1, floor(recent_prop * K))`` recent periods, per cell
    and separately for hot (``z > 0``) and cold (``z < 0``) significant periods:
    ``prop`` = share of all periods, ``recent`` = share of the last ``r`` periods,
    ``older`` = share of the first ``K - r``. The first rule that holds wins:

    1. persistent: ``prop >= persistent_prop``;
    2. emerging: ``older < hotspot_prop`` and ``recent >= hotspot_prop``;
    3. former: ``older >= hotspot_prop`` and ``recent < hotspot_prop``;
    4. intermittent: ``prop >= hotspot_prop``;
    5. otherwise no pattern.

    A cell with both a hot and a cold category is "mixed hot/coldspot".

    Examples
    --------
    >>> z = [[3.0] * 10, [0.0] * 8 + [3.0, 3.0]]
    >>> classify_sfhotspot(z, np.abs(z) > 1.96).tolist()
    ['persistent hotspot', 'emerging hotspot']
    """
    check_in("compat", compat, (None, "sfhotspot-1.0"), caller="classify_sfhotspot")
    zz, ss = _check_matrices(z, significant)
    n_periods = zz.shape[1]
    r = math.floor(recent_prop * n_periods)
    if r < 1 or n_periods - r < 1:
        logger.info("classify_sfhotspot: %g of %d periods is less than one period; the final "
                    "period is treated as recent.", recent_prop, n_periods)
        r = 1
    if compat == "sfhotspot-1.0":
        recent_cols = slice(n_periods - r - 1, n_periods)  # R's (K - r):K is r + 1 columns
        emerging_cut = recent_prop
    else:
        recent_cols = slice(n_periods - r, n_periods)
        emerging_cut = hotspot_prop
    older_cols = slice(0, n_periods - r)

    def categorise(flags: np.ndarray, word: str) -> np.ndarray:
        prop = flags.sum(axis=1) / n_periods
        recent = flags[:, recent_cols].sum(axis=1) / r
        older = flags[:, older_cols].sum(axis=1) / (n_periods - r)
        return np.select(
            [prop >= persistent_prop,
             (older < hotspot_prop) & (recent >= emerging_cut),
             (older >= hotspot_prop) & (recent < hotspot_prop),
             prop >= hotspot_prop],
            [f"persistent {word}", f"emerging {word}", f"former {word}",
             f"intermittent {word}"],
            default="no pattern",
        )

    hot = categorise(ss & (zz > 0), "hotspot")
    cold = categorise(ss & (zz < 0), "coldspot")
    return np.where((hot != "no pattern") & (cold != "no pattern"), "mixed hot/coldspot",
                    np.where(hot != "no pattern", hot, cold)).astype(object)


def classify_arcgis(
    z: ArrayLike,
    significant: ArrayLike,
    *,
    mk_z: ArrayLike | None = None,
    mk_p: ArrayLike | None = None,
    trend_alpha: float = 0.05,
    share: float = 0.9,
) -> np.ndarray:
    """Classify cells with the rules of ArcGIS's Emerging Hot Spot Analysis.

    Parameters
    ----------
    z : array-like, shape (cells, periods)
        Gi* z-score of every cell in every period, in time order (NaN: not significant).
    significant : array-like of bool, same shape
        Whether each z-score is significant (FDR-adjusted in ArcGIS).
    mk_z, mk_p : array-like, shape (cells,), optional
        Mann–Kendall z and p of each cell's z series; computed with
        :func:`hotspots.stats.inference.mann_kendall` when not given.
    trend_alpha : float
        Level of the Mann–Kendall trend test.
    share : float
        The "90% of time steps" threshold.

    Returns
    -------
    numpy.ndarray of str, shape (cells,)
        One of :data:`ARCGIS_CATEGORIES`.

    Raises
    ------
    ValueError
        When the arrays do not match or there are fewer than 2 periods.

    Notes
    -----
    "Hot" is a significant period with ``z > 0`` ("cold": ``z < 0``), "final" the last
    period, "mostly hot" at least ``ceil(share * K)`` of the ``K`` periods hot. A cell
    that is hot in the final period takes the first hot category that holds:

    - **new**: hot in the final period only, and never significant (hot or cold) before;
    - **consecutive**: a run of at least 2 hot periods ends at the final one, nothing was
      significant before the run, and it is not mostly hot;
    - **intensifying** / **diminishing**: mostly hot with a significant upward / downward
      Mann–Kendall trend in z;
    - **persistent**: mostly hot without a significant trend;
    - **oscillating**: not mostly hot and cold in some earlier period;
    - **sporadic**: not mostly hot and never cold.

    A cell that is not significant in the final period is a **historical** hot spot when
    it is mostly hot (else "no pattern detected"). Cold spots mirror all of this. The final
    period decides which side a cell is on, so each cell gets exactly one category. These
    are ArcGIS's documented definitions with its ambiguities settled (the "new" and
    "consecutive" rules require no significant cold period before, so a cell that turns
    from cold to hot is "oscillating", as in sfdep); sfdep's known departures (ANCHORS b3)
    are not copied.

    Examples
    --------
    >>> z = np.array([[0.0] * 9 + [3.0], [-3.0, 0, 0, 0, 0, 0, 0, 0, 3.0, 3.0]])
    >>> classify_arcgis(z, np.abs(z) > 1.96).tolist()
    ['new hot spot', 'oscillating hot spot']
    """
    zz, ss = _check_matrices(z, significant)
    check_probability("trend_alpha", trend_alpha, caller="classify_arcgis")
    if mk_z is None or mk_p is None:
        mk = mann_kendall(np.nan_to_num(zz, nan=0.0))
        mk_z, mk_p = mk.z, mk.p
    mz = np.asarray(mk_z, dtype=float)
    mp = np.nan_to_num(np.asarray(mk_p, dtype=float), nan=1.0)
    n_periods = zz.shape[1]
    need = math.ceil(share * n_periods - 1e-9)
    up = (mp < trend_alpha) & (mz > 0)
    down = (mp < trend_alpha) & (mz < 0)
    hot = ss & (zz > 0)
    cold = ss & (zz < 0)
    any_sig = hot | cold
    out = np.full(zz.shape[0], "no pattern detected", dtype=object)

    def side(same: np.ndarray, other: np.ndarray, word: str, rising: np.ndarray,
             falling: np.ndarray) -> None:
        final = same[:, -1]
        count = same.sum(axis=1)
        mostly = count >= need
        # length of the run of `same` periods ending at the final one
        run = np.argmin(np.concatenate([same[:, ::-1], np.zeros((len(same), 1), bool)], 1), 1)
        before_run = np.array([any_sig[i, : n_periods - run[i]].any() for i in range(len(run))],
                              dtype=bool)
        new = final & (count == 1) & ~any_sig[:, :-1].any(axis=1)
        consecutive = final & (run >= 2) & ~before_run & ~mostly
        cats = np.select(
            [new, consecutive, final & mostly & rising, final & mostly & falling,
             final & mostly, final & other[:, :-1].any(axis=1), final,
             ~any_sig[:, -1] & mostly],
            [f"new {word}", f"consecutive {word}", f"intensifying {word}",
             f"diminishing {word}", f"persistent {word}", f"oscillating {word}",
             f"sporadic {word}", f"historical {word}"],
            default="",
        )
        set_ = cats != ""
        out[set_] = cats[set_]

    # For cold spots the trend that strengthens them is downward.
    side(hot, cold, "hot spot", up, down)
    side(cold, hot, "cold spot", down, up)
    return out



def _holm_rows(p: np.ndarray) -> np.ndarray:
    """Holm adjustment within each row (R ``p.adjust(method="holm")`` per cell)."""
    m = p.shape[1]
    order = np.argsort(p, axis=1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=1)
    stepped = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * ranked), axis=1)
    out = np.empty_like(p)
    np.put_along_axis(out, order, stepped, axis=1)
    return out


def period_significance(
    p: ArrayLike,
    *,
    p_adjust: str = "fdr_bh",
    alpha: float = 0.05,
    compat: Compat = None,
) -> np.ndarray:
    """Decide which cells are significant in which period from raw Gi* p-values.

    Parameters
    ----------
    p : array-like, shape (cells, periods)
        Two-sided Gi* p-values (NaN: not testable, never significant).
    p_adjust : str
        Correction across cells within each period (see
        :func:`hotspots.stats.multiple.adjust_pvalues`); ignored with ``compat``.
    alpha : float
        A period is significant when its adjusted p-value is below ``alpha``.
    compat : {None, "sfhotspot-1.0"}
        ``"sfhotspot-1.0"``: no correction across cells, then Holm's correction across
        the periods of each cell (R's ``p.adjust`` default, which sfhotspot 1.0.0 applies
        by accident; fixed in its development version, sfhotspot #94).

    Returns
    -------
    numpy.ndarray of bool, shape (cells, periods)

    Examples
    --------
    >>> period_significance([[0.01, 0.03, 0.2]], compat="sfhotspot-1.0").tolist()
    [[True, False, False]]
    """
    pp = np.asarray(p, dtype=float)
    if compat == "sfhotspot-1.0":
        adj = _holm_rows(np.nan_to_num(pp, nan=1.0))
    else:
        from hotspots.stats.multiple import adjust_pvalues

        adj = np.column_stack([adjust_pvalues(pp[:, j], p_adjust) for j in range(pp.shape[1])])
    return np.nan_to_num(adj, nan=1.0) < alpha


def hotspot_classify(
    incidents: gpd.GeoDataFrame,
    *,
    freq: Literal["FY", "Y", "Q", "M"],
    scheme: Literal["sfhotspot", "arcgis"] = "sfhotspot",
    cell_size: float | None = None,
    grid_type: Literal["square", "hex"] = "square",
    grid: gpd.GeoDataFrame | None = None,
    clip: Any = None,
    neighbor_distance: float | None = None,
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
    neighbor_distance : float, optional
        Gi* neighbourhood (metres); default ``cell_size * sqrt(2)`` (sfhotspot).
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
        alpha, trend_alpha, compat, neighbor_distance``, the rule parameters and the
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
    >>> cats = hotspot_classify(incidents, freq="Q", scheme="arcgis",
    ...                         clip=areas)  # doctest: +SKIP
    >>> cats["category"].value_counts()  # doctest: +SKIP
    """
    from hotspots.grid import grid_from_frame
    from hotspots.stats.gistar import gistar_grid

    caller = "hotspot_classify"
    check_in("freq", freq, ("FY", "Y", "Q", "M"), caller=caller)
    check_in("scheme", scheme, ("sfhotspot", "arcgis"), caller=caller)
    check_in("compat", compat, (None, "sfhotspot-1.0"), caller=caller)
    if compat is not None and scheme != "sfhotspot":
        raise ValueError(f"The 'compat' parameter of {caller} applies to scheme='sfhotspot' "
                         f"only. Got compat={compat!r} with scheme={scheme!r}.")
    alpha = check_probability("alpha", alpha, caller=caller)
    trend_alpha = check_probability("trend_alpha", trend_alpha, caller=caller)
    if p_adjust is None:
        p_adjust = "none" if compat else "fdr_bh"
    if neighbor_distance is not None:
        check_positive("neighbor_distance", neighbor_distance, caller=caller)
    check_in("partial_periods", partial_periods, ("exclude", "include"), caller=caller)
    times = dated(incidents, time, caller)
    labels = period_labels(times, freq)
    all_periods = [str(c) for c in labels.cat.categories]
    partial, cover = _partial_periods(times, all_periods, freq, caller)
    if partial:
        logger.info("%s: the data cover only part of %s; %s", caller, ", ".join(partial),
                    "they are left out" if partial_periods == "exclude" else
                    "they are used as they are")
    periods = ([c for c in all_periods if c not in partial] if partial_periods == "exclude"
               else all_periods)
    if len(periods) < 2 and len(all_periods) >= 2:
        raise ValueError(f"{caller} needs at least 2 periods; the data cover {len(periods)} "
                         f"whole period(s) of freq={freq!r} (partly covered: "
                         f"{', '.join(partial)}). Use a shorter freq, or "
                         "partial_periods='include'.")
    if len(periods) < 2:
        raise ValueError(f"{caller} needs at least 2 periods; the data span {len(periods)} "
                         f"period(s) of freq={freq!r}. Use a shorter freq.")
    if scheme == "arcgis" and len(periods) < 10:
        logger.info("%s: %d periods; ArcGIS's Emerging Hot Spot Analysis requires at least 10",
                    caller, len(periods))
    has_date = times.notna().to_numpy()
    g = grid_for(incidents[has_date], grid=grid, cell_size=cell_size, grid_type=grid_type,
                  clip=clip)
    lattice, position = grid_from_frame(g, caller=caller)
    if neighbor_distance is None:
        neighbor_distance = lattice.cell_size * math.sqrt(2.0)
    # codes of the periods used; incidents of excluded periods get -1
    used_code = {all_periods.index(c): k for k, c in enumerate(periods)}
    codes = np.array([used_code.get(c, -1) for c in range(len(all_periods))] + [-1],
                     dtype=np.int64)[labels.cat.codes.to_numpy()]
    n_excluded = int(((codes < 0) & has_date).sum())
    n_cells = len(g)
    z = np.zeros((n_cells, len(periods)))
    p = np.ones((n_cells, len(periods)))
    total = np.zeros(n_cells, dtype=np.int64)
    empty: list[str] = []
    for j, label in enumerate(periods):
        counts = count_on(incidents[codes == j], g)
        total += counts
        values = np.zeros(lattice.nrow * lattice.ncol)
        values[position] = counts
        res = gistar_grid(values.reshape(lattice.nrow, lattice.ncol), lattice.mask,
                          cell_size=lattice.cell_size, neighbor_distance=neighbor_distance,
                          grid_type=lattice.grid_type)
        zj = res.z.ravel()[position]
        if not np.isfinite(zj).any():
            empty.append(label)
        z[:, j] = np.nan_to_num(zj, nan=0.0)
        p[:, j] = np.nan_to_num(res.p_norm.ravel()[position], nan=1.0)
    if empty:
        logger.info("%s: every cell has the same count in %s; Gi* is undefined there and "
                    "taken as 0", caller, ", ".join(empty))
    sig = period_significance(p, p_adjust=p_adjust, alpha=alpha, compat=compat)
    mk = mann_kendall(z)
    if scheme == "sfhotspot":
        cats = classify_sfhotspot(z, sig, hotspot_prop=hotspot_prop,
                                  persistent_prop=persistent_prop, recent_prop=recent_prop,
                                  compat=compat)
        categories = list(SFHOTSPOT_CATEGORIES)
    else:
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
        "function": caller, "scheme": scheme, "freq": freq, "periods": periods,
        "n_periods": len(periods), "empty_periods": empty, "partial_periods": partial,
        "partial_periods_rule": partial_periods, "n_in_excluded_periods": n_excluded,
        "coverage_start": cover[0], "coverage_end": cover[1], "p_adjust": p_adjust,
        "alpha": alpha, "trend_alpha": trend_alpha, "compat": compat,
        "neighbor_distance": float(neighbor_distance),
        "params": ({"hotspot_prop": hotspot_prop, "persistent_prop": persistent_prop,
                    "recent_prop": recent_prop} if scheme == "sfhotspot" else {"share": share}),
        "n_no_date": int((~has_date).sum()),
        **grid_choices(g),
    }}
    logger.info("%s: %d cells over %d periods (%s scheme)", caller, n_cells, len(periods),
                scheme)
    return out


def _partial_periods(times: pd.Series, periods: list[str], freq: str, caller: str
                     ) -> tuple[list[str], tuple[str | None, str | None]]:
    """Labels of the periods the data cover only in part, and the coverage (ISO times)."""
    from hotspots.change import _coverage

    start, end, _ = _coverage(pd.to_datetime(times, errors="coerce"), None, None, caller)
    if start is None or end is None:
        return [], (None, None)
    partial = []
    for label in periods:
        p = period_of_label(label, freq)
        covered = (min(p.end, end) - max(p.start, start)) / pd.Timedelta(days=1)
        if covered < PARTIAL_COVERAGE * p.days:
            partial.append(label)
    return partial, (start.isoformat(), end.isoformat())
