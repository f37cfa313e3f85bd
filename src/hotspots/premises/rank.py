"""Rank premises by the incidents linked to them, with the reasons in plain English.

:func:`premises_rank` gives one row per premises (zero counts included): counts, harm,
recency, repeats, a trend test, hot-spot and cluster context, a documented score
(:data:`HOT_CELL_BOOST`, :data:`CLUSTER_BOOST`), a deterministic rank and a ``reasons``
text that explains the score. Links come from :func:`hotspots.premises.link_premises`.

The verb is a pipeline of named steps, each in its own private module:
:mod:`~hotspots.premises._timing` (window, recency, halves, trend),
:mod:`~hotspots.premises._tally` (per-premises totals of the links),
:mod:`~hotspots.premises._context` (hot cell, cluster, capacity) and
:mod:`~hotspots.premises._reasons` (the plain-English texts).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema
from hotspots._params import Positive, Probability, current_verb, validate_params
from hotspots.episodes.premises import apply_missing_signal
from hotspots.errors import DataQualityWarning, EmptyDataError, Problem, ValidationError
from hotspots.periods import PeriodLike
from hotspots.premises import _common
from hotspots.premises._common import PREMISES_CLASS, PREMISES_ID
from hotspots.premises._context import add_context, capacity_column_of
from hotspots.premises._reasons import reasons, top_categories, window_text
from hotspots.premises._tally import LinkTally, incident_harm, tally_links
from hotspots.premises._timing import TREND_TEST, IncidentTiming, incident_timing, trend
from hotspots.premises.inspection import INSPECTION_COLUMNS, add_inspection
from hotspots.premises.link import link_premises
from hotspots.premises.visits import VISIT_COLUMNS, apply_visit_outcomes

__all__ = ["CLUSTER_BOOST", "HOT_CELL_BOOST", "premises_rank"]

logger = logging.getLogger(__name__)

#: Score multiplier per significance level of the Gi* hot cell holding the premises:
#: the score is multiplied by ``1 + HOT_CELL_BOOST * gi_bin`` for ``gi_bin`` 1, 2, 3
#: (90%, 95%, 99% confidence), i.e. by 1.1, 1.2 or 1.3.
HOT_CELL_BOOST = 0.1
#: Score multiplier ``1 + CLUSTER_BOOST`` when the premises is in an incident cluster.
CLUSTER_BOOST = 0.1

# The columns of the ranking, in order; the missing-children, visit and inspection
# columns are inserted when present (see _select_columns).
_COLUMNS = (
    "rank", PREMISES_ID, "name", PREMISES_CLASS, "score", "n_linked", "n_tied", "n_recent",
    "harm", "recency_score", "n_repeat", "n_first_half", "n_second_half", "trend", "trend_p",
    "gi_bin", "in_hot_cell", "cluster_id", "in_cluster", "capacity", "n_per_capacity",
    "top_categories", "reasons", "premises_type", "address", "postcode", "kind",
    schema.LOCATION_STATUS, "geometry",
)
# Columns copied from the premises frame (with their fill when the frame lacks them).
_PREMISES_COLUMNS = ("name", PREMISES_CLASS, "premises_type", "address", "postcode", "kind",
                     schema.LOCATION_STATUS)


@validate_params({"radius": Positive(), "half_life_days": Positive(allow_none=True),
                  "recent_days": Positive(allow_none=True), "alpha": Probability()})
def premises_rank(
    incidents: gpd.GeoDataFrame,
    premises: gpd.GeoDataFrame,
    *,
    radius: float = 50.0,
    window: PeriodLike | None = None,
    category_weights: Mapping[str, float] | None = None,
    half_life_days: float | None = 90.0,
    as_of: Any = None,
    gistar: gpd.GeoDataFrame | None = None,
    clusters: pd.Series | gpd.GeoDataFrame | None = None,
    capacity_column: str | None = None,
    recency_weight: float = 0.5,
    recent_days: float | None = None,
    alpha: float = 0.05,
    link: pd.DataFrame | None = None,
    text_column: str | None = None,
    min_text_score: float = 0.85,
    missing: pd.DataFrame | None = None,
    visits: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Rank premises by the incidents linked to them, with the reasons in plain English.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incident frame (``occurred``, ``category``, ``weight``, geometry).
    premises : geopandas.GeoDataFrame
        Premises frame (``premises_id``, ``name``, geometry; ``premises_class`` and the other
        reader columns when present), same CRS as ``incidents``.
    radius : float
        Link distance in metres (``max_distance`` of :func:`link_premises`).
    window : period, optional
        Incidents counted, e.g. ``2019``, ``"2019/20"`` or ``("2019-01", "2019-12")`` (see
        :func:`hotspots.parse_period`). Default: from the first to the last incident
        (whole months for month-only dates), undated incidents included in the counts.
    category_weights : mapping of str to float, optional
        Harm weight per category (e.g. Crime Severity Score weights); categories not listed
        weigh 1. Multiplies the incident's ``weight`` column. Weights must be >= 0.
    half_life_days : float or None
        Half-life of the recency weight: an incident ``half_life_days`` before ``as_of``
        counts half. ``None`` switches recency weighting off.
    as_of : date-like, optional
        The date recency is measured from. Default: the end of ``window``.
    gistar : geopandas.GeoDataFrame, optional
        A :func:`hotspots.hotspot.hotspot_gistar` result (cells with ``gi_bin``). Premises
        inside a cell with ``gi_bin`` > 0 are in a significant hot spot.
    clusters : pandas.Series or geopandas.GeoDataFrame, optional
        Either the labels of :func:`hotspots.cluster.cluster_incidents` (aligned to
        ``incidents``; the premises' cluster is the most common cluster among its linked
        incidents) or a :func:`hotspots.cluster.cluster_summary` frame (the polygon holding
        the premises).
    capacity_column : str, optional
        Column of ``premises`` with rooms or seats; default ``"capacity"`` when it holds any
        value. Gives ``n_per_capacity``.
    recency_weight : float
        Share of the recency-weighted harm in the score, in [0, 1] (see Notes).
    recent_days : float, optional
        "Recent" in ``n_recent`` and the reasons; default ``half_life_days`` (90 without one).
    alpha : float
        Significance level of the trend test.
    link : pandas.DataFrame, optional
        A :func:`link_premises` result for these incidents and premises, to reuse.
    text_column, min_text_score
        Passed to :func:`link_premises` when ``link`` is not given.
    missing : pandas.DataFrame, optional
        A :func:`hotspots.episodes.missing_signal` result: missing children found near each
        premises add ``weight`` per child to the score, a reason ("7 missing children
        found within 50 m in 12 months") and the columns ``n_missing_found``,
        ``n_missing_children``.
    visits : pandas.DataFrame, optional
        A :func:`hotspots.io.read_visit_log` result: recent adverse outcomes raise the score,
        a recent visit with no issues lowers it, with the reason (rules in
        :mod:`hotspots.premises.visits`; columns ``n_visits``, ``last_visit``,
        ``last_outcome``, ``visit_factor``). FHRS ``rating``/``rating_date`` are carried.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per premises (all of them, zero counts included), sorted by ``rank``, with a
        RangeIndex and the premises' CRS. Columns:

        - ``rank`` (int, 1 = highest; unique);
        - ``premises_id``, ``name``, ``premises_class``;
        - ``score`` (float, see Notes);
        - ``n_linked`` (float): linked incidents in the window; an incident equally near
          ``k`` premises (premises at one point) counts ``1/k`` at each, so this can be
          fractional (see :func:`link_premises`, ``n_tied``);
        - ``n_tied`` (int): how many of those incidents the premises shares with others;
        - ``n_recent`` (float): of those, in the last ``recent_days`` before ``as_of``;
        - ``harm`` (float): harm-weighted count;
        - ``recency_score`` (float): harm weighted by recency;
        - ``n_repeat`` (float): linked incidents repeating an earlier one of the same
          category in the same month (per category and month, the shares less the largest);
        - ``n_first_half``, ``n_second_half`` (float), ``trend`` ("up", "down", "flat") and
          ``trend_p`` (float, two-sided) comparing the two halves of the window;
        - ``gi_bin`` (Int64, <NA> without ``gistar`` or outside the grid), ``in_hot_cell``
          (bool);
        - ``cluster_id`` (Int64), ``in_cluster`` (bool);
        - ``capacity`` (float), ``n_per_capacity`` (float: linked incidents per room/seat);
        - ``top_categories`` (str, e.g. "3 violence, 2 ASB");
        - ``reasons`` (str);
        - ``premises_type``, ``address``, ``postcode``, ``kind``, ``location_status``,
          ``geometry`` (from ``premises``; <NA> when absent).

        ``attrs["hotspots"]`` records the parameters, the window, ``as_of``, the time
        precision detected, the trend test, and the link accounting (``n_linked``,
        ``n_unlinked`` by reason, ``n_outside_window``, ``n_tied_links`` and
        ``share_tied_links``: linked incidents in the window shared by tied premises).

    Raises
    ------
    TypeError, CRSError, ValidationError
        As :func:`link_premises`; also when a category weight is negative or
        ``capacity_column`` is missing.
    EmptyDataError
        When ``premises`` has no rows.

    Warns
    -----
    DataQualityWarning
        When the incidents look like police.uk open data (month-only dates and "On or near"
        locations): their locations are anonymised snap points, so links are indicative only.
        When linked incidents are tied between premises, with the number and share of such
        links (46% of City of London 2019 links at 50 m).

    Notes
    -----
    For each linked incident *i* in the window, with ``w_i`` its ``weight`` and ``c_i`` the
    weight of its category::

        harm_i        = w_i * c_i
        decay_i       = 0.5 ** (age_i / half_life_days)     (age in days before as_of)
        harm          = sum(harm_i)
        recency_score = sum(harm_i * decay_i)
        score = ((1 - recency_weight) * harm + recency_weight * recency_score)
                * (1 + HOT_CELL_BOOST * gi_bin)      # gi_bin 1..3 inside a hot cell, else 0
                * (1 + CLUSTER_BOOST * in_cluster)

    So the score is "incidents, weighted by harm, counting recent ones more", raised by 10%
    per significance level of the hot cell holding the premises and by 10% inside a
    cluster. Undated incidents (allowed when ``window`` is None) have ``decay_i = 0``.
    Month-only dates (police.uk) are taken as mid-month when ages are computed. For a
    fixed ``as_of`` the score can only grow when an incident is linked to the premises.

    The trend compares the counts in the two halves of the window with the two-sided
    Poisson E-test (:func:`hotspots.stats.inference.etest`, equal exposures); "up"/"down" need
    ``trend_p < alpha``. Month-only dates fall in the half that holds their mid-month.

    Ranks order the premises by score (rounded to 9 decimals so that row order cannot
    matter), then linked count, both descending, then ``premises_id``.

    Reason templates, joined with "; " (parts without content are left out)::

        "{n_linked} linked incident(s) in {window}, {n_recent} in the last {recent_days} days"
        "{n_repeat} repeat(s) (same offence, same month)"
        "inside a {90|95|99}% hot spot"
        "in incident cluster {cluster_id}"
        "rising ({n_first_half} → {n_second_half}, p={trend_p})" / "falling (...)"
        "{top_categories}"                      e.g. "3 violence, 2 ASB"
        "{n_per_capacity} per room/seat"
        "no linked incidents"                   (alone, when n_linked is 0)

    Examples
    --------
    Two premises, three incidents in the first quarter of 2024 (two at the pub's door):

    >>> import shapely
    >>> from hotspots.premises import premises_rank
    >>> prem = gpd.GeoDataFrame(
    ...     {"premises_id": ["p1", "p2"], "name": ["The Crown", "Kebab House"]},
    ...     geometry=[shapely.Point(0, 0), shapely.Point(1000, 0)], crs=27700)
    >>> inc = gpd.GeoDataFrame(
    ...     {"occurred": pd.to_datetime(["2024-01-05", "2024-02-10", "2024-03-01"]),
    ...      "category": ["public order", "public order", "shoplifting"]},
    ...     geometry=[shapely.Point(5, 0), shapely.Point(10, 5), shapely.Point(990, 0)],
    ...     crs=27700)
    >>> ranked = premises_rank(inc, prem, window=("2024-01", "2024-03"), as_of="2024-04-01")
    >>> ranked[["rank", "premises_id", "n_linked", "n_repeat"]]
       rank premises_id  n_linked  n_repeat
    0     1          p1       2.0       0.0
    1     2          p2       1.0       0.0
    >>> ranked.loc[0, "reasons"]
    '2 linked incidents in 3 months, 2 in the last 90 days; 2 public order'
    """
    incidents, premises = _check_frames(incidents, premises)
    half_life = None if half_life_days is None else float(half_life_days)
    recent = float(recent_days) if recent_days is not None else (
        half_life if half_life is not None else 90.0)
    recency_weight = _check_recency_weight(recency_weight)
    weights = _check_category_weights(category_weights)
    if link is None:
        link = link_premises(incidents, premises, max_distance=radius, text_column=text_column,
                             min_text_score=min_text_score)
    _check_link(link, incidents)

    timing = incident_timing(incidents, window, as_of, half_life, recent)
    category, harm_i = incident_harm(incidents, weights)
    tally = tally_links(link, premises, timing, category, harm_i)
    out = tally.out
    out["trend"], out["trend_p"] = trend(out["n_first_half"].to_numpy(),
                                         out["n_second_half"].to_numpy(), alpha, timing.period)
    cap_col = capacity_column_of(premises, capacity_column)
    add_context(tally, incidents, premises, gistar, clusters, cap_col)
    out["score"] = _score(out, recency_weight)
    out["top_categories"] = top_categories(tally.cat_counts, out[PREMISES_ID])
    out["reasons"] = reasons(out, window_text(timing.period),
                             recent if timing.as_of is not None else None)
    out, visit_attrs = _add_signals(out, premises, missing, visits, timing.as_of)
    ranked = _ranked_frame(out, premises, with_missing=missing is not None)

    params = {"radius": float(radius), "half_life_days": half_life, "recent_days": recent,
              "recency_weight": recency_weight, "category_weights": weights,
              "alpha": float(alpha), "capacity_column": cap_col,
              "gistar": gistar is not None, "clusters": clusters is not None,
              "visits": visit_attrs}
    snap = _looks_like_police_uk(incidents, timing.precision)
    ranked.attrs["hotspots"] = _rank_attrs(ranked, link, incidents, timing, tally, params, snap)
    _warn_links(tally, snap)
    logger.info("premises_rank: %d premises, %d with linked incidents; window %s; as of %s",
                len(ranked), ranked.attrs["hotspots"]["n_premises_with_incidents"],
                ranked.attrs["hotspots"]["window"], ranked.attrs["hotspots"]["as_of"])
    return ranked


def _check_frames(incidents: Any, premises: Any) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Both frames projected, in one CRS; premises with unique ids and at least one row."""
    incidents = _common.check_frame(incidents, "incidents")
    premises = _common.check_premises(premises)
    _common.check_same_crs(incidents, premises, ("incidents", "premises"))
    if len(premises) == 0:
        raise EmptyDataError(Problem("no_premises", "'premises' has no rows."),
                             context=current_verb())
    return incidents, premises


def _check_recency_weight(recency_weight: Any) -> float:
    if not 0.0 <= float(recency_weight) <= 1.0:
        raise ValueError(f"The 'recency_weight' parameter of {current_verb()} must be a float "
                         f"in [0, 1]. Got {recency_weight!r} instead.")
    return float(recency_weight)


def _check_category_weights(category_weights: Mapping[str, float] | None) -> dict[str, float]:
    weights = dict(category_weights or {})
    bad = {k: v for k, v in weights.items() if not (np.isfinite(v) and v >= 0)}
    if bad:
        raise ValueError(f"The 'category_weights' parameter of {current_verb()} must map "
                         f"categories to finite weights >= 0. Got {bad!r} instead.")
    return weights


def _check_link(link: pd.DataFrame, incidents: gpd.GeoDataFrame) -> None:
    if not link.index.equals(incidents.index) or PREMISES_ID not in link.columns:
        raise ValidationError(
            Problem("bad_link", "'link' must be a link_premises result aligned to "
                                "incidents.index."),
            context=current_verb(),
        )


def _score(out: pd.DataFrame, recency_weight: float) -> np.ndarray:
    """Return the documented score (Notes of :func:`premises_rank`), to 9 decimals."""
    gi_pos = out["gi_bin"].fillna(0).clip(lower=0).astype(np.int64).to_numpy()
    base = (1.0 - recency_weight) * out["harm"] + recency_weight * out["recency_score"]
    score = base * (1.0 + HOT_CELL_BOOST * gi_pos) * (1.0 + CLUSTER_BOOST * out["in_cluster"])
    # rounded so that the rank cannot depend on the summation order of the rows
    return np.round(score.to_numpy(dtype=float), 9)


def _add_signals(out: pd.DataFrame, premises: gpd.GeoDataFrame, missing: pd.DataFrame | None,
                 visits: pd.DataFrame | None, as_of: pd.Timestamp | None
                 ) -> tuple[pd.DataFrame, dict | None]:
    """Missing-children signal, visit outcomes and FHRS inspection, when given.

    Returns the frame and the visit accounting (``attrs["visits"]``).
    """
    if missing is not None:
        out = apply_missing_signal(out, missing)
    if visits is not None:
        out = apply_visit_outcomes(out, visits, as_of=as_of)
    visit_attrs = out.attrs.get("visits")
    return add_inspection(out, premises), visit_attrs  # FHRS rating and inspection date


def _premises_values(premises: gpd.GeoDataFrame, col: str, ok: np.ndarray) -> Any:
    """Column ``col`` of the ranking, from ``premises`` or its documented fill."""
    if col in premises.columns:
        values = premises[col].to_numpy(dtype=object)
    elif col == PREMISES_CLASS:
        values = np.full(len(premises), "other", dtype=object)
    elif col == schema.LOCATION_STATUS:
        values = np.where(ok, schema.LOCATED, schema.UNKNOWN).astype(object)
    else:
        values = np.full(len(premises), None, dtype=object)
    if col == schema.LOCATION_STATUS:
        return pd.Categorical(values, categories=[schema.LOCATED, schema.UNKNOWN])
    return pd.array(values, dtype="string")


def _ranked_frame(out: pd.DataFrame, premises: gpd.GeoDataFrame, *, with_missing: bool
                  ) -> gpd.GeoDataFrame:
    """Add the premises' own columns, sort by score, number the ranks, order the columns."""
    ok = _common.located_mask(premises)
    for col in _PREMISES_COLUMNS:
        out[col] = _premises_values(premises, col, ok)
    out["geometry"] = premises.geometry.to_numpy()
    order = np.lexsort((out[PREMISES_ID].astype(str).to_numpy(), -out["n_linked"].to_numpy(),
                        -out["score"].to_numpy()))
    out = out.iloc[order].reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1, dtype=np.int64))
    columns = list(_COLUMNS)
    if with_missing:
        columns[columns.index("reasons"):columns.index("reasons")] = ["n_missing_found",
                                                                      "n_missing_children"]
    columns[columns.index("premises_type"):columns.index("premises_type")] = [
        c for c in (*VISIT_COLUMNS, *INSPECTION_COLUMNS) if c in out.columns]
    return gpd.GeoDataFrame(out[columns], geometry="geometry", crs=premises.crs)


def _rank_attrs(ranked: gpd.GeoDataFrame, link: pd.DataFrame, incidents: gpd.GeoDataFrame,
                timing: IncidentTiming, tally: LinkTally, params: dict[str, Any],
                snap: bool) -> dict[str, Any]:
    """``attrs["hotspots"]`` of the ranking: parameters, window and link accounting."""
    period, in_window = timing.period, timing.in_window
    linked_any = link[PREMISES_ID].astype("string").notna().to_numpy()
    return {
        "function": "premises_rank",
        "radius": params["radius"],
        "window": period.label if period is not None else None,
        "window_start": str(period.start) if period is not None else None,
        "window_end": str(period.end) if period is not None else None,
        "as_of": str(timing.as_of) if timing.as_of is not None else None,
        "half_life_days": params["half_life_days"],
        "recent_days": params["recent_days"],
        "recency_weight": params["recency_weight"],
        "category_weights": params["category_weights"],
        "hot_cell_boost": HOT_CELL_BOOST,
        "cluster_boost": CLUSTER_BOOST,
        "time_precision": timing.precision,
        "trend_test": TREND_TEST,
        "alpha": params["alpha"],
        "capacity_column": params["capacity_column"],
        "gistar": params["gistar"],
        "clusters": params["clusters"],
        "n_incidents": len(incidents),
        "n_in_window": int(in_window.sum()),
        "n_outside_window": int((~in_window).sum()),
        "n_undated_outside_window": int((~in_window & timing.occurred.isna().to_numpy()).sum()),
        "n_linked": int(tally.linked.sum()),
        "n_unlinked": dict(link.attrs.get("hotspots", {}).get("n_unlinked", {})),
        "n_linked_outside_window": int((linked_any & ~in_window).sum()),
        "n_premises": len(ranked),
        "n_premises_with_incidents": int((ranked["n_linked"] > 0).sum()),
        "snap_point_caveat": snap,
        "n_tied_links": tally.n_tied_links,
        "share_tied_links": tally.share_tied,
        "tie_rule": "an incident tied between premises at the same distance counts 1/n_tied "
                    "at each",
        "visits": params["visits"],
    }


def _warn_links(tally: LinkTally, snap: bool) -> None:
    """Warn about tied links and police.uk snap points (the caveats a reader must know)."""
    if tally.n_tied_links:
        warnings.warn(
            f"{tally.n_tied_links:,} of the {int(tally.linked.sum()):,} linked incidents in the "
            f"window ({100 * tally.share_tied:.0f}%) are equally near several premises "
            "(premises at the same point, such as one building); each is shared equally among "
            "them (fractional counts, column n_tied), so a premises' count says what is near "
            "it, not which of the neighbours it happened at.",
            DataQualityWarning, stacklevel=4,
        )
    if snap:
        warnings.warn(
            "These incidents look like police.uk open data (month-only dates, 'On or near' "
            "locations): their points are anonymised snap points shared by many crimes, so "
            "premises links show what is near a premises, not what happened there. Use force "
            "records with exact locations before acting on a premises.",
            DataQualityWarning, stacklevel=4,
        )


def _looks_like_police_uk(incidents: gpd.GeoDataFrame, precision: str) -> bool:
    if precision != "month" or "location" not in incidents.columns:
        return False
    text = incidents["location"].astype("string").str.lower()
    return bool(text.str.startswith("on or near").mean() > 0.5)
