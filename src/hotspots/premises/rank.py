"""Rank premises by the incidents linked to them, with the reasons in plain English.

:func:`premises_rank` gives one row per premises (zero counts included): counts, harm,
recency, repeats, a trend test, hot-spot and cluster context, a documented score
(:data:`HOT_CELL_BOOST`, :data:`CLUSTER_BOOST`), a deterministic rank and a ``reasons``
text that explains the score. Links come from :func:`hotspots.premises.link_premises`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import schema
from hotspots._params import check_positive, check_probability
from hotspots.errors import DataQualityWarning, EmptyDataError, Problem, ValidationError
from hotspots.periods import Period, PeriodLike, parse_period
from hotspots.premises import _common
from hotspots.premises._common import PREMISES_CLASS, PREMISES_ID
from hotspots.premises.inspection import INSPECTION_COLUMNS, add_inspection
from hotspots.premises.link import link_premises
from hotspots.premises.visits import VISIT_COLUMNS
from hotspots.stats.inference import etest

__all__ = ["CLUSTER_BOOST", "HOT_CELL_BOOST", "premises_rank"]

logger = logging.getLogger(__name__)

#: Score multiplier per significance level of the Gi* hot cell holding the premises:
#: the score is multiplied by ``1 + HOT_CELL_BOOST * gi_bin`` for ``gi_bin`` 1, 2, 3
#: (90%, 95%, 99% confidence), i.e. by 1.1, 1.2 or 1.3.
HOT_CELL_BOOST = 0.1
#: Score multiplier ``1 + CLUSTER_BOOST`` when the premises is in an incident cluster.
CLUSTER_BOOST = 0.1

_GI_CONFIDENCE = {1: 90, 2: 95, 3: 99}


def _plural(n: int | float, word: str, plural: str | None = None) -> str:
    return f"{_num(n)} {word if float(n) == 1 else (plural or word + 's')}"


def _num(n: float) -> str:
    """Write a count for reasons: "3", or "2.5" / "0.33" when ties share incidents."""
    n = float(n)
    if abs(n - round(n)) < 1e-9:
        return str(round(n))
    return f"{n:.2f}".rstrip("0").rstrip(".")


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
    """
    caller = "premises_rank"
    incidents = _common.check_frame(incidents, "incidents", caller)
    premises = _common.check_premises(premises, caller)
    _common.check_same_crs(incidents, premises, ("incidents", "premises"), caller)
    if len(premises) == 0:
        raise EmptyDataError(Problem("no_premises", "'premises' has no rows."), context=caller)
    radius = float(check_positive("radius", radius, caller=caller))
    half_life = check_positive("half_life_days", half_life_days, caller=caller, allow_none=True)
    recent_days = check_positive("recent_days", recent_days, caller=caller, allow_none=True)
    if recent_days is None:
        recent_days = half_life if half_life is not None else 90.0
    alpha = check_probability("alpha", alpha, caller=caller)
    if not 0.0 <= float(recency_weight) <= 1.0:
        raise ValueError(f"The 'recency_weight' parameter of {caller} must be a float in "
                         f"[0, 1]. Got {recency_weight!r} instead.")
    recency_weight = float(recency_weight)
    weights_map = dict(category_weights or {})
    bad = {k: v for k, v in weights_map.items() if not (np.isfinite(v) and v >= 0)}
    if bad:
        raise ValueError(f"The 'category_weights' parameter of {caller} must map categories "
                         f"to finite weights >= 0. Got {bad!r} instead.")

    if link is None:
        link = link_premises(incidents, premises, max_distance=radius, text_column=text_column,
                             min_text_score=min_text_score)
    elif not link.index.equals(incidents.index) or PREMISES_ID not in link.columns:
        raise ValidationError(
            Problem("bad_link", "'link' must be a link_premises result aligned to "
                                "incidents.index."),
            context=caller,
        )

    # --- times, window, recency ----------------------------------------------------------
    if schema.OCCURRED in incidents.columns:
        occurred = pd.to_datetime(incidents[schema.OCCURRED], errors="coerce")
    else:
        occurred = pd.Series(pd.NaT, index=incidents.index, dtype="datetime64[ns]")
    occurred = occurred.astype("datetime64[ns]")
    precision = _common.time_precision(occurred)
    period, window_given = _resolve_window(window, occurred, precision, as_of)
    as_of_ts = pd.Timestamp(as_of) if as_of is not None else (
        period.end if period is not None else None)
    if window_given:
        in_window = period.contains(occurred)
    else:
        in_window = np.ones(len(incidents), dtype=bool)
        if as_of is not None:
            in_window &= ~(occurred >= as_of_ts).to_numpy(dtype=bool)
    # month-only dates stand for the whole month: measure ages from mid-month
    effective = occurred + pd.Timedelta(days=14) if precision == "month" else occurred
    if as_of_ts is not None:
        age = ((as_of_ts - effective) / pd.Timedelta(days=1)).to_numpy(dtype=float)
        age = np.where(np.isnan(age), np.nan, np.maximum(age, 0.0))
    else:
        age = np.full(len(incidents), np.nan)
    if half_life is None:
        decay = np.where(np.isnan(age) & occurred.isna().to_numpy(), 0.0, 1.0)
    else:
        decay = np.where(np.isnan(age), 0.0, np.power(0.5, np.nan_to_num(age) / half_life))
    recent = ~np.isnan(age) & (age <= recent_days)

    # --- harm ----------------------------------------------------------------------------
    if schema.CATEGORY in incidents.columns:
        category = incidents[schema.CATEGORY].astype("string").fillna("(no category)")
    else:
        category = pd.Series("(no category)", index=incidents.index, dtype="string")
    base_w = (pd.to_numeric(incidents[schema.WEIGHT], errors="coerce").fillna(1.0).to_numpy(
        dtype=float) if schema.WEIGHT in incidents.columns else np.ones(len(incidents)))
    cat_w = category.map(lambda c: float(weights_map.get(c, 1.0))).to_numpy(dtype=float)
    harm_i = base_w * cat_w

    pid_link = link[PREMISES_ID].astype("string")
    linked = pid_link.notna().to_numpy() & in_window
    # one row per (incident, premises): an incident tied between premises at the same
    # distance counts 1/n_tied at each (link_premises' premises_ids)
    pair_pos, pair_pid, share = _link_pairs(link, pid_link, linked)
    n_tied_links = len(np.unique(pair_pos[share < 1.0]))
    share_tied = n_tied_links / int(linked.sum()) if linked.any() else 0.0
    mid = None
    if period is not None:
        mid = period.start + (period.end - period.start) / 2
    first_half = np.zeros(len(incidents), dtype=bool)
    second_half = np.zeros(len(incidents), dtype=bool)
    if mid is not None:
        eff_half = effective if precision == "month" else occurred
        first_half = (eff_half < mid).to_numpy(dtype=bool) & occurred.notna().to_numpy()
        second_half = (eff_half >= mid).to_numpy(dtype=bool) & occurred.notna().to_numpy()
    month = occurred.dt.to_period("M").astype("string").fillna("(no date)")

    inc = pd.DataFrame(
        {
            PREMISES_ID: pair_pid,
            "category": category.to_numpy(dtype=object)[pair_pos],
            "month": month.to_numpy(dtype=object)[pair_pos],
            "share": share,
            "tied": (share < 1.0).astype(np.int64),
            "harm": harm_i[pair_pos] * share,
            "recency": (harm_i * decay)[pair_pos] * share,
            "recent": recent[pair_pos] * share,
            "first": first_half[pair_pos] * share,
            "second": second_half[pair_pos] * share,
        }
    )
    grouped = inc.groupby(PREMISES_ID, sort=True)
    per = pd.DataFrame(
        {
            "n_linked": grouped["share"].sum(),
            "n_tied": grouped["tied"].sum(),
            "n_recent": grouped["recent"].sum(),
            "harm": grouped["harm"].sum(),
            "recency_score": grouped["recency"].sum(),
            "n_first_half": grouped["first"].sum(),
            "n_second_half": grouped["second"].sum(),
        }
    )
    # repeats: every incident of a (category, month) after the first; with shares, the
    # group's total share less its largest share (the integer count - 1 without ties)
    distinct = inc.groupby([PREMISES_ID, "category", "month"], sort=False)["share"].agg(
        ["sum", "max"])
    per["n_repeat"] = (distinct["sum"] - distinct["max"]).groupby(level=0).sum().reindex(
        per.index)
    cat_counts = inc.groupby([PREMISES_ID, "category"], sort=False).agg(
        n=("share", "sum"), harm=("harm", "sum"))

    out = pd.DataFrame({PREMISES_ID: premises[PREMISES_ID].astype("string").to_numpy()})
    out = out.join(per, on=PREMISES_ID)
    # fractional when ties share incidents (float64 always, so the type never depends on
    # the data)
    for col in ("n_linked", "n_recent", "n_first_half", "n_second_half", "n_repeat"):
        out[col] = out[col].fillna(0.0).astype(float).round(9)
    out["n_tied"] = out["n_tied"].fillna(0).astype(np.int64)
    for col in ("harm", "recency_score"):
        out[col] = out[col].fillna(0.0).astype(float)

    # --- trend ---------------------------------------------------------------------------
    trend_p, test_name = _trend_pvalues(out["n_first_half"].to_numpy(),
                                        out["n_second_half"].to_numpy())
    trend = np.full(len(out), "flat", dtype=object)
    sig = np.nan_to_num(trend_p, nan=1.0) < alpha
    trend[sig & (out["n_second_half"] > out["n_first_half"]).to_numpy()] = "up"
    trend[sig & (out["n_second_half"] < out["n_first_half"]).to_numpy()] = "down"
    if period is None:
        trend[:] = "flat"
        trend_p = np.full(len(out), np.nan)
    out["trend"] = trend
    out["trend_p"] = trend_p

    # --- context: hot cells, clusters, capacity ------------------------------------------
    prem_geom = premises.geometry.to_numpy()
    prem_ok = _common.located_mask(premises)
    out["gi_bin"] = pd.array([pd.NA] * len(out), dtype="Int64")
    if gistar is not None:
        out["gi_bin"] = _gi_bin_at(gistar, prem_geom, prem_ok, premises, caller)
    gi_pos = out["gi_bin"].fillna(0).clip(lower=0).astype(np.int64).to_numpy()
    out["in_hot_cell"] = gi_pos > 0
    out["cluster_id"] = pd.array([pd.NA] * len(out), dtype="Int64")
    if clusters is not None:
        out["cluster_id"] = _cluster_of(clusters, incidents, pair_pos, pair_pid, out,
                                        prem_geom, prem_ok, premises, caller)
    out["in_cluster"] = out["cluster_id"].notna().to_numpy()

    cap_col = capacity_column
    if cap_col is None and "capacity" in premises.columns and premises["capacity"].notna().any():
        cap_col = "capacity"
    if cap_col is not None and cap_col not in premises.columns:
        raise ValidationError(Problem("missing_column", f"'premises' has no column {cap_col!r}.",
                                      column=cap_col), context=caller)
    capacity = (pd.to_numeric(premises[cap_col], errors="coerce").to_numpy(dtype=float)
                if cap_col else np.full(len(out), np.nan))
    out["capacity"] = capacity
    with np.errstate(invalid="ignore", divide="ignore"):
        out["n_per_capacity"] = np.where(capacity > 0, out["n_linked"] / capacity, np.nan)

    # --- score and rank ------------------------------------------------------------------
    base = (1.0 - recency_weight) * out["harm"] + recency_weight * out["recency_score"]
    score = base * (1.0 + HOT_CELL_BOOST * gi_pos) * (1.0 + CLUSTER_BOOST * out["in_cluster"])
    out["score"] = np.round(score.to_numpy(dtype=float), 9)
    out["top_categories"] = _top_categories(cat_counts, out[PREMISES_ID])
    window_text = _window_text(period, window_given, precision)
    out["reasons"] = _reasons(out, window_text, recent_days if as_of_ts is not None else None)
    if missing is not None:
        from hotspots.episodes.premises import apply_missing_signal

        out = apply_missing_signal(out, missing)
    if visits is not None:
        from hotspots.premises.visits import apply_visit_outcomes

        out = apply_visit_outcomes(out, visits, as_of=as_of_ts)
    visit_attrs = out.attrs.get("visits")
    out = add_inspection(out, premises)  # FHRS rating and inspection date, when known

    for col in ("name", PREMISES_CLASS, "premises_type", "address", "postcode", "kind",
                schema.LOCATION_STATUS):
        if col in premises.columns:
            values = premises[col].to_numpy(dtype=object)
        elif col == PREMISES_CLASS:
            values = np.full(len(out), "other", dtype=object)
        elif col == schema.LOCATION_STATUS:
            values = np.where(prem_ok, schema.LOCATED, schema.UNKNOWN).astype(object)
        else:
            values = np.full(len(out), None, dtype=object)
        out[col] = pd.array(values, dtype="string") if col != schema.LOCATION_STATUS else \
            pd.Categorical(values, categories=[schema.LOCATED, schema.UNKNOWN])
    out["geometry"] = prem_geom

    order = np.lexsort((out[PREMISES_ID].astype(str).to_numpy(), -out["n_linked"].to_numpy(),
                        -out["score"].to_numpy()))
    out = out.iloc[order].reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1, dtype=np.int64))
    columns = [
        "rank", PREMISES_ID, "name", PREMISES_CLASS, "score", "n_linked", "n_tied", "n_recent",
        "harm",
        "recency_score", "n_repeat", "n_first_half", "n_second_half", "trend", "trend_p",
        "gi_bin", "in_hot_cell", "cluster_id", "in_cluster", "capacity", "n_per_capacity",
        "top_categories", "reasons", "premises_type", "address", "postcode", "kind",
        schema.LOCATION_STATUS, "geometry",
    ]
    if missing is not None:
        columns[columns.index("reasons"):columns.index("reasons")] = ["n_missing_found",
                                                                      "n_missing_children"]
    columns[columns.index("premises_type"):columns.index("premises_type")] = [
        c for c in (*VISIT_COLUMNS, *INSPECTION_COLUMNS) if c in out.columns]
    ranked = gpd.GeoDataFrame(out[columns], geometry="geometry", crs=premises.crs)

    snap = _looks_like_police_uk(incidents, precision)
    link_attrs = link.attrs.get("hotspots", {})
    n_no_time = int((~in_window & occurred.isna().to_numpy()).sum())
    ranked.attrs["hotspots"] = {
        "function": caller,
        "radius": radius,
        "window": period.label if period is not None else None,
        "window_start": str(period.start) if period is not None else None,
        "window_end": str(period.end) if period is not None else None,
        "as_of": str(as_of_ts) if as_of_ts is not None else None,
        "half_life_days": half_life,
        "recent_days": recent_days,
        "recency_weight": recency_weight,
        "category_weights": weights_map,
        "hot_cell_boost": HOT_CELL_BOOST,
        "cluster_boost": CLUSTER_BOOST,
        "time_precision": precision,
        "trend_test": test_name,
        "alpha": alpha,
        "capacity_column": cap_col,
        "gistar": gistar is not None,
        "clusters": clusters is not None,
        "n_incidents": len(incidents),
        "n_in_window": int(in_window.sum()),
        "n_outside_window": int((~in_window).sum()),
        "n_undated_outside_window": n_no_time,
        "n_linked": int(linked.sum()),
        "n_unlinked": dict(link_attrs.get("n_unlinked", {})),
        "n_linked_outside_window": int((pid_link.notna().to_numpy() & ~in_window).sum()),
        "n_premises": len(ranked),
        "n_premises_with_incidents": int((ranked["n_linked"] > 0).sum()),
        "snap_point_caveat": snap,
        "n_tied_links": n_tied_links,
        "share_tied_links": share_tied,
        "tie_rule": "an incident tied between premises at the same distance counts 1/n_tied "
                    "at each",
        "visits": visit_attrs,
    }
    if n_tied_links:
        warnings.warn(
            f"{n_tied_links:,} of the {int(linked.sum()):,} linked incidents in the window "
            f"({100 * share_tied:.0f}%) are equally near several premises (premises at the "
            "same point, such as one building); each is shared equally among them "
            "(fractional counts, column n_tied), so a premises' count says what is near it, "
            "not which of the neighbours it happened at.",
            DataQualityWarning, stacklevel=2,
        )
    if snap:
        warnings.warn(
            "These incidents look like police.uk open data (month-only dates, 'On or near' "
            "locations): their points are anonymised snap points shared by many crimes, so "
            "premises links show what is near a premises, not what happened there. Use force "
            "records with exact locations before acting on a premises.",
            DataQualityWarning, stacklevel=2,
        )
    logger.info("premises_rank: %d premises, %d with linked incidents; window %s; as of %s",
                len(ranked), ranked.attrs["hotspots"]["n_premises_with_incidents"],
                ranked.attrs["hotspots"]["window"], ranked.attrs["hotspots"]["as_of"])
    return ranked


def _resolve_window(window: PeriodLike | None, occurred: pd.Series, precision: str,
                    as_of: Any) -> tuple[Period | None, bool]:
    """Return the window (given, or the span of the data) and whether it was given."""
    if window is not None:
        return parse_period(window, name="window"), True
    dated = occurred.dropna()
    if dated.empty:
        return None, False
    start = dated.min().normalize()
    if precision == "month":
        end = dated.max().normalize() + pd.DateOffset(months=1)
    else:
        end = dated.max().normalize() + pd.Timedelta(days=1)
    if as_of is not None:
        end = min(end, pd.Timestamp(as_of))
        if end <= start:
            return None, False
    logger.info("premises_rank: window not given; using the data's span %s to %s",
                f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}")
    return Period(start, end, f"{start:%d %b %Y} to {end:%d %b %Y} (end excluded)"), False


def _window_text(period: Period | None, window_given: bool, precision: str) -> str:
    if period is None:
        return ""
    s, e = period.start, period.end
    if s == s.normalize() and e == e.normalize() and s.day == 1 and e.day == 1:
        months = (e.year - s.year) * 12 + e.month - s.month
        return f"in {_plural(months, 'month')}"
    return f"in {_plural(round(period.days), 'day')}"


def _trend_pvalues(n1: np.ndarray, n2: np.ndarray) -> tuple[np.ndarray, str]:
    """Two-sided E-test p-values for "the second half differs from the first" (equal halves)."""
    p = np.full(len(n1), np.nan)
    cache: dict[tuple[int, int], float] = {}
    for k, (a, b) in enumerate(zip(n1.tolist(), n2.tolist(), strict=True)):
        if a + b > 0:
            if (a, b) not in cache:
                cache[(a, b)] = etest(a, b)
            p[k] = cache[(a, b)]
    return p, "Poisson E-test (equal halves)"


def _gi_bin_at(gistar: gpd.GeoDataFrame, geoms: np.ndarray, ok: np.ndarray,
               premises: gpd.GeoDataFrame, caller: str) -> pd.arrays.IntegerArray:
    """``gi_bin`` of the Gi* cell holding each located premises (<NA> outside the grid)."""
    gistar = _common.check_frame(gistar, "gistar", caller)
    _common.check_same_crs(premises, gistar, ("premises", "gistar"), caller)
    if "gi_bin" not in gistar.columns:
        raise ValidationError(Problem("missing_column", "'gistar' has no 'gi_bin' column; pass "
                                                        "a hotspot_gistar result.",
                                      column="gi_bin"), context=caller)
    result = np.full(len(geoms), -99, dtype=np.int64)
    pos = np.flatnonzero(ok)
    cells = gistar.geometry.to_numpy()
    bins = pd.to_numeric(gistar["gi_bin"], errors="coerce").fillna(0).astype(np.int64).to_numpy()
    tree = shapely.STRtree(cells)
    pi, ci = tree.query(geoms[pos], predicate="intersects")
    # a point on a shared edge touches two cells: keep the first cell in grid order
    order = np.lexsort((ci, pi))
    pi, ci = pi[order], ci[order]
    first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.array([], dtype=bool)
    result[pos[pi[first]]] = bins[ci[first]]
    return pd.array(np.where(result == -99, None, result), dtype="Int64")


def _link_pairs(link: pd.DataFrame, pid_link: pd.Series, linked: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(incident position, premises id, share) of every link of the ``linked`` incidents.

    Uses ``premises_ids`` (all premises tied at the nearest distance, each with share
    ``1/n_tied``) when the link has it, else ``premises_id`` with share 1.
    """
    pos = np.flatnonzero(linked)
    ids = pid_link.to_numpy(dtype=object)
    tied = link["premises_ids"].to_numpy(dtype=object) if "premises_ids" in link.columns \
        else None
    groups = [tuple(tied[i]) if tied is not None and len(tied[i]) else (str(ids[i]),)
              for i in pos]
    sizes = np.array([len(g) for g in groups], dtype=np.int64)
    pair_pos = np.repeat(pos, sizes)
    pair_pid = np.array([p for g in groups for p in g], dtype=object)
    share = np.repeat(1.0 / np.maximum(sizes, 1), sizes)
    return pair_pos, pair_pid, share


def _cluster_of(clusters: Any, incidents: gpd.GeoDataFrame, pair_pos: np.ndarray,
                pair_pid: np.ndarray, out: pd.DataFrame, geoms: np.ndarray, ok: np.ndarray,
                premises: gpd.GeoDataFrame, caller: str) -> pd.arrays.IntegerArray:
    """Return the cluster of each premises (from incident labels or cluster polygons)."""
    if isinstance(clusters, gpd.GeoDataFrame):
        _common.check_same_crs(premises, clusters, ("premises", "clusters"), caller)
        ids = (clusters["cluster_id"] if "cluster_id" in clusters.columns
               else pd.Series(clusters.index)).to_numpy()
        result = np.full(len(geoms), -1, dtype=np.int64)
        pos = np.flatnonzero(ok)
        pi, ci = shapely.STRtree(clusters.geometry.to_numpy()).query(
            geoms[pos], predicate="intersects")
        order = np.lexsort((ids[ci].astype(np.int64), pi))
        pi, ci = pi[order], ci[order]
        first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.array([], dtype=bool)
        result[pos[pi[first]]] = ids[ci[first]].astype(np.int64)
        return pd.array(np.where(result < 0, None, result), dtype="Int64")
    labels = pd.Series(clusters)
    if not labels.index.equals(incidents.index):
        raise ValidationError(Problem("bad_clusters", "'clusters' labels must be aligned to "
                                                      "incidents.index (cluster_incidents "
                                                      "output)."), context=caller)
    lab = pd.to_numeric(labels, errors="coerce").to_numpy(dtype=float)[pair_pos]
    use = ~np.isnan(lab) & (lab >= 0)
    frame = pd.DataFrame({"pid": pair_pid[use], "cluster": lab[use].astype(np.int64)})
    if frame.empty:
        return pd.array([pd.NA] * len(out), dtype="Int64")
    counts = frame.groupby(["pid", "cluster"]).size().reset_index(name="n")
    counts = counts.sort_values(["pid", "n", "cluster"], ascending=[True, False, True])
    best = counts.drop_duplicates("pid").set_index("pid")["cluster"]
    mapped = out[PREMISES_ID].map(best)
    return pd.array(mapped.to_numpy(dtype=object), dtype="Int64")


def _top_categories(cat_counts: pd.DataFrame, pids: pd.Series, k: int = 3) -> list[str]:
    """e.g. "3 violence, 2 ASB": the ``k`` categories with most harm, per premises."""
    if cat_counts.empty:
        return [""] * len(pids)
    c = cat_counts.reset_index()
    c["short"] = c["category"].map(_common.short_category)
    c = c.sort_values([PREMISES_ID, "harm", "n", "short"], ascending=[True, False, False, True])
    text = (
        c.groupby(PREMISES_ID, sort=False)
        .head(k)
        .assign(part=lambda f: f["n"].map(_num) + " " + f["short"])
        .groupby(PREMISES_ID, sort=False)["part"]
        .agg(", ".join)
    )
    return pids.map(text).fillna("").tolist()


def _reasons(out: pd.DataFrame, window_text: str, recent_days: float | None) -> list[str]:
    reasons = []
    for row in out.itertuples(index=False):
        if row.n_linked == 0:
            reasons.append("no linked incidents")
            continue
        head = f"{_plural(row.n_linked, 'linked incident')}"
        if window_text:
            head += f" {window_text}"
        if recent_days is not None:
            head += f", {_num(row.n_recent)} in the last {recent_days:g} days"
        parts = [head]
        if row.n_tied:
            parts.append(f"{_plural(row.n_tied, 'incident')} shared with premises at the "
                         "same distance")
        if row.n_repeat:
            parts.append(f"{_plural(row.n_repeat, 'repeat')} (same offence, same month)")
        if row.in_hot_cell:
            parts.append(f"inside a {_GI_CONFIDENCE[min(int(row.gi_bin), 3)]}% hot spot")
        if row.in_cluster:
            parts.append(f"in incident cluster {int(row.cluster_id)}")
        if row.trend in ("up", "down"):
            word = "rising" if row.trend == "up" else "falling"
            parts.append(f"{word} ({_num(row.n_first_half)} → {_num(row.n_second_half)}, "
                         f"p={row.trend_p:.2g})")
        if row.top_categories:
            parts.append(row.top_categories)
        if np.isfinite(row.n_per_capacity):
            parts.append(f"{row.n_per_capacity:.2g} per room/seat")
        reasons.append("; ".join(parts))
    return reasons


def _looks_like_police_uk(incidents: gpd.GeoDataFrame, precision: str) -> bool:
    if precision != "month" or "location" not in incidents.columns:
        return False
    text = incidents["location"].astype("string").str.lower()
    return bool(text.str.startswith("on or near").mean() > 0.5)
