"""Tracking shifts: whether the numbers, the areas or the hot spots really changed.

- :func:`compare_periods`: counts and shares by area in two periods, with a Poisson E-test
  of each count change and the SPPT test of each change in share (Benjamini–Yekutieli
  corrected across areas). Returns a :class:`PeriodComparison` that
  :func:`hotspots.narrative.describe` turns into sentences.
- :func:`trend`: counts per financial year, year, quarter or month, with the change from
  the previous period and its E-test.
- :func:`hotspot_change`: counts before and after on one grid (sfhotspot's
  ``hotspot_change``).
- :func:`hotspot_classify`: emerging hot spot categories per grid cell from Gi* in every
  period (sfhotspot's scheme or ArcGIS's Emerging Hot Spot Analysis scheme). The rules are
  pure functions over ``(z, significant)`` matrices: :func:`classify_sfhotspot` and
  :func:`classify_arcgis`.
- :func:`centre_shift`: mean centre, standard distance and standard deviational ellipse in
  two periods, and how far and in which direction the centre moved.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field, replace
from html import escape
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from hotspots import schema
from hotspots._params import check_in, check_positive, check_probability
from hotspots.errors import DataQualityWarning
from hotspots.periods import Period, PeriodLike, parse_period, period_labels, period_of_label
from hotspots.stats.tests import etest, etest_many, mann_kendall, sppt_chi2

if TYPE_CHECKING:
    import geopandas as gpd

    from hotspots.areas import AreaSet

__all__ = [
    "ARCGIS_CATEGORIES",
    "COMPASS_POINTS",
    "DIRECTIONS",
    "SFHOTSPOT_CATEGORIES",
    "CentreShift",
    "PeriodComparison",
    "centre_shift",
    "classify_arcgis",
    "classify_sfhotspot",
    "compare_periods",
    "hotspot_change",
    "hotspot_classify",
    "period_significance",
    "trend",
]

logger = logging.getLogger(__name__)

#: Values of the ``direction`` column of :attr:`PeriodComparison.table`.
DIRECTIONS = ("up", "down", "no significant change")

_PSEUDO_AREAS = (schema.OUTSIDE_DISTRICT, schema.UNKNOWN_LOCATION)


# =========================================================================================
# compare_periods
# =========================================================================================

@dataclass(frozen=True, eq=False)
class PeriodComparison:
    """Counts and shares by area in two periods, with tests of the changes.

    Made by :func:`compare_periods`; read the table, or pass the object to
    :func:`hotspots.narrative.describe` for sentences.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per area (and "Outside district", "Unknown location"), per ``by`` group;
        see :func:`compare_periods` for the columns.
    level : str
        Area level ("ward", "constituency").
    before, after : Period
        The two periods (half-open).
    by : str or None
        The column the table is split by.
    alpha : float
        Significance level used for ``significant`` and ``direction``.
    total_before, total_after : int or str
        Incidents in each period (all areas, unknown locations included). After
        :meth:`suppress`, a total below ``k`` becomes the string ``"<k"``.
    p_total : float
        E-test p-value of the change in the totals, allowing for the period lengths.
    top_before, top_after : str or None
        Area (of ``level``) with the highest count in each period, all ``by`` groups
        together; ties go to the first name in alphabetical order. Within one period the
        share is the count over the same total, so this is also the top area by share.
    vintage : str or None
        Boundary vintage of the areas ("2013").
    group_totals : pandas.DataFrame or None
        With ``by``: one row per group, columns ``[by], n_before, n_after, change,
        pct_change, p_etest``.
    suppressed : bool
        True when the table was passed through :func:`hotspots.privacy.suppress`.
    k : int or None
        Suppression threshold when ``suppressed``.
    overall : PeriodComparison or None
        With ``by``: the same comparison without the split (what the sentences describe).
    """

    table: pd.DataFrame
    level: str
    before: Period
    after: Period
    by: str | None
    alpha: float
    total_before: int | str
    total_after: int | str
    p_total: float
    top_before: str | None
    top_after: str | None
    vintage: str | None = None
    group_totals: pd.DataFrame | None = None
    suppressed: bool = False
    k: int | None = None
    overall: PeriodComparison | None = field(default=None, repr=False)

    @property
    def total_change(self) -> int | None:
        """``total_after - total_before`` (None when a total is suppressed)."""
        if isinstance(self.total_before, str) or isinstance(self.total_after, str):
            return None
        return int(self.total_after) - int(self.total_before)

    @property
    def total_pct_change(self) -> float:
        """Percentage change of the total (NaN when the earlier total is 0 or suppressed)."""
        change = self.total_change
        if change is None or self.total_before == 0:
            return float("nan")
        return 100.0 * change / float(self.total_before)

    @property
    def top_before_by_share(self) -> str | None:
        """Area with the largest share before (the same area as :attr:`top_before`)."""
        return self.top_before

    @property
    def top_after_by_share(self) -> str | None:
        """Area with the largest share after (the same area as :attr:`top_after`)."""
        return self.top_after

    @property
    def significant_areas(self) -> list[str]:
        """Areas whose count changed significantly (``significant`` is True), table order.

        With ``by``, each entry is ``"area (group)"``.
        """
        t = self.table
        sig = t["significant"].map(lambda v: v is True or v is np.True_)
        rows = t[sig.astype(bool)]
        if self.by is None:
            return rows[schema.AREA_NAME].astype(str).tolist()
        return [f"{a} ({g})" for a, g in zip(rows[schema.AREA_NAME], rows[self.by], strict=True)]

    def top_areas(self, period: Literal["before", "after"] = "after", k: int = 3) -> pd.DataFrame:
        """Return the ``k`` areas with the highest counts in one period, all groups together.

        Parameters
        ----------
        period : {"before", "after"}
        k : int
            How many areas.

        Returns
        -------
        pandas.DataFrame
            Columns ``area_name, n_before, n_after``, sorted by the chosen period's count
            (descending) then by name; "Outside district" and "Unknown location" excluded.
            Empty after :meth:`suppress` (use the table).
        """
        check_in("period", period, ("before", "after"), caller="PeriodComparison.top_areas")
        if self.suppressed:
            return pd.DataFrame(columns=[schema.AREA_NAME, "n_before", "n_after"])
        agg = _aggregate_areas(self.table)
        agg = agg[~agg[schema.AREA_NAME].isin(_PSEUDO_AREAS)]
        col = f"n_{period}"
        agg = agg.sort_values([col, schema.AREA_NAME], ascending=[False, True], kind="stable")
        return agg.head(k).reset_index(drop=True)

    def suppress(self, k: int = 5) -> PeriodComparison:
        """Return a copy whose table hides small numbers (for publication).

        Counts below ``k`` are replaced by :func:`hotspots.privacy.suppress` (``"<5"``,
        secondary suppression ``"[c]"``). Every value derived from a hidden count in the
        same row (shares, change, percentage change, p-values, significance, direction)
        becomes ``"[c]"`` too, so no hidden number can be recovered from the row. Totals
        below ``k`` become ``"<k"``.

        Parameters
        ----------
        k : int
            Smallest count that may be shown.

        Returns
        -------
        PeriodComparison
            With ``suppressed=True``; :func:`hotspots.narrative.describe` then writes
            "fewer than 5" instead of any hidden number.
        """
        from hotspots.privacy import suppress as _suppress

        k = int(check_positive("k", k, caller="PeriodComparison.suppress"))
        table = _suppress_table(self.table, k, _suppress, by=self.by)
        groups = self.group_totals
        if groups is not None:
            # group totals add up to the published total: they need secondary suppression too
            groups = _suppress(groups, k=k, count_columns=["n_before", "n_after"],
                               share_columns=["change", "pct_change", "p_etest"],
                               area_column=self.by)
        overall = self.overall.suppress(k) if self.overall is not None else None
        return replace(
            self,
            table=table,
            total_before=_mask_total(self.total_before, k),
            total_after=_mask_total(self.total_after, k),
            p_total=(float("nan") if _is_small(self.total_before, k)
                     or _is_small(self.total_after, k) else self.p_total),
            group_totals=groups,
            suppressed=True,
            k=k,
            overall=overall,
        )

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>{escape(self.level.capitalize())} comparison</b>: "
            f"{escape(self.before.label)} against {escape(self.after.label)}"
            f"{' by ' + escape(self.by) if self.by else ''}. Totals {self.total_before} → "
            f"{self.total_after} (E-test p {_fmt_p_sentence(self.p_total)}). "
            f"Highest: {escape(str(self.top_before))} → {escape(str(self.top_after))}."
            f"{' Small numbers suppressed.' if self.suppressed else ''}</p>"
        )
        fmt_share = dict.fromkeys(("share_before", "share_after", "share_change"), _fmt_share)
        fmt_p = dict.fromkeys(("p_etest", "p_sppt", "q_sppt"), _fmt_p)
        fmt_pct = {"pct_change": lambda v: v if isinstance(v, str) else
                   ("" if pd.isna(v) else f"{v:+.0f}%")}
        body = self.table.to_html(index=False, formatters={**fmt_share, **fmt_p, **fmt_pct},
                                  na_rep="", escape=True)
        return head + body

    def __repr__(self) -> str:
        return (
            f"PeriodComparison(level={self.level!r}, before={self.before.label!r}, "
            f"after={self.after.label!r}, total_before={self.total_before}, "
            f"total_after={self.total_after}, p_total={self.p_total:.4g}, "
            f"top_before={self.top_before!r}, top_after={self.top_after!r}, "
            f"suppressed={self.suppressed})"
        )


def _fmt_share(v: Any) -> str:
    if isinstance(v, str):
        return v
    return "" if pd.isna(v) else f"{100 * v:.1f}%"


def _fmt_p(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None or pd.isna(v):
        return ""
    return "<0.001" if v < 0.001 else f"{v:.3f}"


def _fmt_p_sentence(v: float) -> str:
    if v is None or pd.isna(v):
        return "not tested"
    return "< 0.001" if v < 0.001 else f"= {v:.3f}"


def _is_small(total: int | str, k: int) -> bool:
    return isinstance(total, str) or 0 < int(total) < k


def _mask_total(total: int | str, k: int) -> int | str:
    return f"<{k}" if _is_small(total, k) else total


def _aggregate_areas(table: pd.DataFrame) -> pd.DataFrame:
    """Sum the counts per area over all ``by`` groups, in the table's first-seen order."""
    key = table[schema.AREA_NAME].astype(str)
    agg = (table.assign(_key=key)
           .groupby("_key", sort=False)[["n_before", "n_after"]].sum()
           .reset_index().rename(columns={"_key": schema.AREA_NAME}))
    return agg


def _top_area(table: pd.DataFrame, col: str) -> str | None:
    agg = _aggregate_areas(table)
    agg = agg[~agg[schema.AREA_NAME].isin(_PSEUDO_AREAS)]
    if agg.empty or agg[col].max() <= 0:
        return None
    best = agg[agg[col] == agg[col].max()]
    return str(sorted(best[schema.AREA_NAME])[0])


_DERIVED = ("share_before", "share_after", "change", "pct_change", "p_etest", "share_change",
            "p_sppt", "q_sppt", "significant", "direction")


def _suppress_table(table: pd.DataFrame, k: int, suppress_fn: Any, *,
                    by: str | None) -> pd.DataFrame:
    """Suppress the two count columns, then blank every value derived from a hidden count."""
    derived = [c for c in _DERIVED if c in table.columns]
    out = suppress_fn(table, k=k, count_columns=["n_before", "n_after"],
                      share_columns=derived, by=by)
    out = out.copy()
    hidden = np.zeros(len(out), dtype=bool)
    for col in ("n_before", "n_after"):
        hidden |= out[col].map(lambda v: isinstance(v, str)).to_numpy()
    out[derived] = out[derived].astype(object)
    out.loc[hidden, derived] = "[c]"
    stamp = out.attrs.get("hotspots", {}).get("suppression", {"k": k, "mode": "public"})
    out.attrs = {"hotspots": {**table.attrs.get("hotspots", {}), "suppression": stamp}}
    return out


def _resolve_periods(before: PeriodLike, after: PeriodLike, caller: str) -> tuple[Period, Period]:
    pb = parse_period(before, name="before")
    pa = parse_period(after, name="after")
    if pb.start < pa.end and pa.start < pb.end:
        raise ValueError(
            f"The 'before' ({pb.label}) and 'after' ({pa.label}) periods of {caller} overlap; "
            f"an incident would be counted in both."
        )
    return pb, pa


def _level_frame(incidents: pd.DataFrame, areas: AreaSet, level: str, caller: str) -> pd.DataFrame:
    """Return the incidents with the ``level`` area columns, assigning them when needed."""
    check_in("level", level, list(areas.level_names), caller=caller)
    col = schema.area_name_column(level)
    expected = [*areas[level][schema.AREA_NAME].astype(str).tolist(), *_PSEUDO_AREAS]
    if (col in incidents.columns and isinstance(incidents[col].dtype, pd.CategoricalDtype)
            and [str(c) for c in incidents[col].cat.categories] == expected):
        return incidents
    from hotspots.areas import assign_areas

    return assign_areas(incidents, areas, levels=[level])


def _split_groups(col: pd.Series) -> tuple[list[Any], np.ndarray]:
    """Group labels and a code per row, as ``area_counts(by=...)`` forms them.

    Categories of a categorical (all of them, in order), else the sorted distinct values;
    missing values form a last group "Not recorded".
    """
    from hotspots.areas import NOT_RECORDED

    if isinstance(col.dtype, pd.CategoricalDtype):
        labels = list(col.cat.categories)
        codes = col.cat.codes.to_numpy().astype(np.int64)
    else:
        values = col.dropna().unique()
        try:
            labels = sorted(values)
        except TypeError:
            labels = sorted(values, key=str)
        codes = pd.Categorical(col, categories=labels).codes.astype(np.int64)
    if (codes < 0).any():
        labels = [*labels, NOT_RECORDED]
        codes = np.where(codes < 0, len(labels) - 1, codes)
    return labels, codes


def _area_rows(areas: AreaSet, level: str) -> pd.DataFrame:
    """``area_id, area_name`` of every area then the two pseudo areas, in table order."""
    frame = areas[level]
    rows = pd.DataFrame({
        schema.AREA_ID: frame[schema.AREA_ID].astype("string").to_numpy(),
        schema.AREA_NAME: frame[schema.AREA_NAME].astype(str).to_numpy(),
    })
    pseudo = pd.DataFrame({schema.AREA_ID: pd.array([pd.NA, pd.NA], dtype="string"),
                           schema.AREA_NAME: list(_PSEUDO_AREAS)})
    return pd.concat([rows, pseudo], ignore_index=True)


def _period_counts(names: pd.Series, mask: np.ndarray, order: list[str]) -> np.ndarray:
    counts = names[mask].astype(str).value_counts()
    unexpected = set(counts.index) - set(order)
    if unexpected:
        raise ValueError(
            f"Area names {sorted(unexpected)[:5]} in the incidents are not areas of this "
            f"boundary set; reassign the areas with hotspots.areas.assign_areas."
        )
    return counts.reindex(order, fill_value=0).to_numpy(dtype=np.int64)


def _compare_block(nb: np.ndarray, na: np.ndarray, days_b: float, days_a: float,
                   alpha: float) -> dict[str, Any]:
    """All test columns for one group of rows (areas + pseudo areas)."""
    tb, ta = nb.sum(), na.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        share_b = nb / tb if tb > 0 else np.full(nb.shape, np.nan)
        share_a = na / ta if ta > 0 else np.full(na.shape, np.nan)
        pct = np.where(nb > 0, 100.0 * (na - nb) / np.where(nb > 0, nb, 1), np.nan)
    p_e = etest_many(nb, na, days_b, days_a)
    sppt = sppt_chi2(nb, na, method="fdr_by")
    significant = np.nan_to_num(p_e, nan=1.0) < alpha
    # compare daily rates: with periods of different lengths the raw counts mislead
    direction = np.where(significant, np.where(na / days_a > nb / days_b, "up", "down"),
                         DIRECTIONS[2])
    return {
        "n_before": nb, "n_after": na,
        "share_before": share_b, "share_after": share_a,
        "change": (na - nb).astype(np.int64), "pct_change": pct,
        "p_etest": p_e, "share_change": share_a - share_b,
        "p_sppt": sppt.p, "q_sppt": sppt.q,
        "significant": significant, "direction": direction,
    }


def compare_periods(
    incidents: gpd.GeoDataFrame,
    areas: AreaSet,
    *,
    level: str = "constituency",
    before: PeriodLike,
    after: PeriodLike,
    by: str | None = None,
    alpha: float = 0.05,
    time: str = schema.OCCURRED,
) -> PeriodComparison:
    """Compare counts and shares by area between two periods, with significance tests.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incident frame (see :mod:`hotspots.io`). Incidents without a location
        count as "Unknown location"; located ones outside every area as "Outside district".
        If the ``level`` columns (``<level>_id`` and ``<level>``) are present (from
        :func:`hotspots.areas.assign_areas`) they are used as they are.
    areas : AreaSet
        Boundaries; ``level`` must be one of ``areas.level_names``.
    level : str
        Area level of the rows ("ward", "constituency").
    before, after : period
        Anything :func:`hotspots.periods.parse_period` accepts: "2017/18", 2018,
        "2018-Q2", "2018-06", ("2019-01", "2019-06"), (Timestamp, Timestamp). The periods
        must not overlap; they may differ in length (the E-tests compare daily rates).
    by : str, optional
        Split every row by this column (e.g. "category", "recency"); shares and the SPPT
        are then within each group.
    alpha : float
        Significance level for ``significant`` and ``direction``.
    time : str
        Column of incident dates.

    Returns
    -------
    PeriodComparison
        ``.table`` has one row per area of ``level`` (boundary order, zeros included),
        then "Outside district", then "Unknown location" (per ``by`` group). Columns:

        ========================  ============  ============================================
        ``[by]``                  as input      the group, when ``by`` is given
        ``area_id``               string        area code; <NA> for the two pseudo areas
        ``area_name``             str           area name, "Outside district",
                                                "Unknown location"
        ``n_before``, ``n_after`` int64         incidents in each period
        ``share_before``,         float64       fraction 0..1 of the period's incidents in
        ``share_after``                         the group (unknown locations included)
        ``change``                int64         ``n_after - n_before``
        ``pct_change``            float64       percent, ``100 * change / n_before``; NaN
                                                when ``n_before`` is 0
        ``p_etest``               float64       Poisson E-test of the two counts, allowing
                                                for the period lengths; NaN when both are 0
        ``share_change``          float64       ``share_after - share_before``
        ``p_sppt``                float64       SPPT chi-square p of the share change (area
                                                against the rest); NaN when both counts 0
        ``q_sppt``                float64       ``p_sppt`` with Benjamini–Yekutieli
                                                correction across the rows of the group
        ``significant``           bool          ``p_etest < alpha``
        ``direction``             str           "up", "down" (the daily rate rose or fell
                                                significantly) or "no significant change"
        ========================  ============  ============================================

    Raises
    ------
    ValueError
        When a period cannot be parsed, the periods overlap, ``level`` is not a level of
        ``areas``, ``alpha`` is not in (0, 1) or a column is missing.

    Notes
    -----
    **What "significant" means.** ``significant`` and ``direction`` answer "did the
    number of incidents in this area change by more than chance?": the E-test of the two
    counts (Krishnamoorthy & Thomson 2004) at level ``alpha``, using the period lengths
    in days as exposures, so a 3-month and a 12-month period are compared fairly. It is
    one test per area and is **not** corrected for the number of areas. Whether an area's
    **share** changed (the concentration question, independent of the overall rise or
    fall) is the SPPT column ``q_sppt``, which is corrected across areas
    (Benjamini–Yekutieli, crimepy's default); use ``q_sppt < alpha`` for that question.

    Incidents with no date are in neither period; they and the incidents outside both
    periods are counted in ``table.attrs["hotspots"]``.

    Examples
    --------
    >>> cmp = compare_periods(incidents, areas, before="2017/18", after="2018/19")
    ... # doctest: +SKIP
    >>> cmp.total_before, cmp.total_after, cmp.top_after  # doctest: +SKIP
    (344, 284, 'Bradford South')
    """
    caller = "compare_periods"
    alpha = check_probability("alpha", alpha, caller=caller)
    pb, pa = _resolve_periods(before, after, caller)
    if time not in incidents.columns:
        raise ValueError(f"The incidents have no {time!r} column (the 'time' parameter of "
                         f"{caller}).")
    if by is not None and by not in incidents.columns:
        raise ValueError(f"The incidents have no {by!r} column (the 'by' parameter of "
                         f"{caller}).")
    frame = _level_frame(incidents, areas, level, caller)
    rows = _area_rows(areas, level)
    order = rows[schema.AREA_NAME].tolist()
    times = pd.to_datetime(frame[time], errors="coerce")
    in_b, in_a = pb.contains(times), pa.contains(times)
    n_nodate = int(times.isna().sum())
    n_neither = int((~in_b & ~in_a).sum()) - n_nodate
    if n_nodate:
        warnings.warn(f"{n_nodate} incidents have no date in column {time!r} and are in "
                      f"neither period of {caller}.", DataQualityWarning, stacklevel=2)
    names = frame[schema.area_name_column(level)].astype("object")

    days_b, days_a = pb.days, pa.days
    blocks: list[pd.DataFrame] = []
    group_rows: list[dict[str, Any]] = []
    if by is None:
        labels, codes = [None], np.zeros(len(frame), dtype=np.int64)
    else:
        labels, codes = _split_groups(frame[by])
    for i, g in enumerate(labels):
        sel = codes == i
        nb = _period_counts(names, sel & in_b, order)
        na = _period_counts(names, sel & in_a, order)
        block = pd.DataFrame(_compare_block(nb, na, days_b, days_a, alpha))
        block.insert(0, schema.AREA_NAME, rows[schema.AREA_NAME].to_numpy())
        block.insert(0, schema.AREA_ID, rows[schema.AREA_ID].array)
        if by is not None:
            block.insert(0, by, g)
            tb, ta = int(nb.sum()), int(na.sum())
            group_rows.append({
                by: g, "n_before": tb, "n_after": ta, "change": ta - tb,
                "pct_change": 100.0 * (ta - tb) / tb if tb else float("nan"),
                "p_etest": etest(tb, ta, days_b, days_a) if tb + ta else float("nan"),
            })
        blocks.append(block)
    table = pd.concat(blocks, ignore_index=True)
    if by is not None:
        table[by] = pd.Categorical(table[by], categories=labels)

    total_b, total_a = int(in_b.sum()), int(in_a.sum())
    overall = None
    if by is not None:
        # the sentences describe everything together; the groups add up to the totals
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)  # already warned above
            overall = compare_periods(frame, areas, level=level, before=pb, after=pa,
                                      alpha=alpha, time=time)
    p_total = etest(total_b, total_a, days_b, days_a) if total_b + total_a else float("nan")
    ref = overall.table if overall is not None else table
    table.attrs["hotspots"] = {
        "function": caller, "level": level, "before": pb.label, "after": pa.label,
        "alpha": alpha, "by": by, "vintage": getattr(areas, "vintage", None),
        "significance": "significant = E-test p_etest < alpha (count change, not corrected "
                        "across areas); share change: SPPT q_sppt (Benjamini-Yekutieli)",
        "n_total_before": total_b, "n_total_after": total_a,
        "n_no_date": n_nodate, "n_outside_periods": n_neither,
    }
    logger.info("%s: %d incidents in %s, %d in %s (%d in neither period).", caller, total_b,
                pb.label, total_a, pa.label, n_neither + n_nodate)
    return PeriodComparison(
        table=table, level=level, before=pb, after=pa, by=by, alpha=alpha,
        total_before=total_b, total_after=total_a, p_total=p_total,
        top_before=_top_area(ref, "n_before"), top_after=_top_area(ref, "n_after"),
        vintage=getattr(areas, "vintage", None),
        group_totals=pd.DataFrame(group_rows) if by is not None else None,
        overall=overall,
    )


# =========================================================================================
# trend
# =========================================================================================

def trend(
    incidents: pd.DataFrame,
    *,
    freq: Literal["FY", "Y", "Q", "M"] = "FY",
    by: str | None = None,
    time: str = schema.OCCURRED,
) -> pd.DataFrame:
    """Count incidents per period, with the change from the previous period and its E-test.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Incidents with a date column (any frame; no geometry needed).
    freq : {"FY", "Y", "Q", "M"}
        UK financial year (April to March), calendar year, quarter or month.
    by : str, optional
        Split the counts by this column.
    time : str
        Column of incident dates.

    Returns
    -------
    pandas.DataFrame
        One row per period from the first to the last incident, **empty periods
        included** (per ``by`` group), in time order. Columns:

        ==============  =================  ===============================================
        ``period``      ordered category   label: "2017/18", "2018", "2018 Q1", "Jan 2018"
        ``[by]``        as input           the group, when ``by`` is given
        ``n``           int64              incidents in the period
        ``change``      Int64              ``n`` minus the previous period's ``n``;
                                           <NA> for the first period
        ``pct_change``  float64            percent change from the previous period; NaN
                                           for the first period or after a zero
        ``p_etest``     float64            E-test of ``n`` against the previous period's,
                                           with the period lengths (days) as exposures;
                                           NaN for the first period or when both are 0
        ==============  =================  ===============================================

    Raises
    ------
    ValueError
        When ``freq`` is unknown or a column is missing.

    Notes
    -----
    The first and last periods may be only partly covered by the data (e.g. a financial
    year whose data start in December); their counts are then not comparable with full
    periods. Incidents without a date are left out and counted in
    ``attrs["hotspots"]["n_no_date"]``.

    Examples
    --------
    >>> df = pd.DataFrame({"occurred": pd.to_datetime(["2017-05-01", "2018-06-01",
    ...                                                "2019-07-01", "2019-08-01"])})
    >>> print(trend(df, freq="FY")[["period", "n", "change"]].to_string(index=False))
     period  n  change
    2017/18  1    <NA>
    2018/19  1       0
    2019/20  2       1
    """
    caller = "trend"
    check_in("freq", freq, ("FY", "Y", "Q", "M"), caller=caller)
    if time not in incidents.columns:
        raise ValueError(f"The incidents have no {time!r} column (the 'time' parameter of "
                         f"{caller}).")
    if by is not None and by not in incidents.columns:
        raise ValueError(f"The incidents have no {by!r} column (the 'by' parameter of "
                         f"{caller}).")
    times = pd.to_datetime(incidents[time], errors="coerce")
    labels = period_labels(times, freq)
    cats = list(labels.cat.categories)
    days = np.array([period_of_label(c, freq).days for c in cats], dtype=float)
    n_nodate = int(times.isna().sum())

    def one(mask: np.ndarray) -> pd.DataFrame:
        n = labels[mask].value_counts().reindex(cats, fill_value=0).to_numpy(dtype=np.int64)
        prev = np.concatenate([[np.nan], n[:-1].astype(float)])
        prev_days = np.concatenate([[np.nan], days[:-1]])
        change = pd.array(n - prev, dtype="Float64").astype("Int64")
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = np.where(prev > 0, 100.0 * (n - prev) / prev, np.nan)
        p = np.full(len(n), np.nan)
        for i in range(1, len(n)):
            if n[i] + prev[i] > 0:
                p[i] = etest(prev[i], n[i], prev_days[i], days[i])
        return pd.DataFrame({
            "period": pd.Categorical(cats, categories=cats, ordered=True),
            "n": n, "change": change, "pct_change": pct, "p_etest": p,
        })

    if by is None:
        out = one(np.ones(len(incidents), dtype=bool))
    else:
        groups, group_codes = _split_groups(incidents[by])
        parts = []
        for i, g in enumerate(groups):
            part = one(group_codes == i)
            part.insert(1, by, g)
            parts.append(part)
        out = (pd.concat(parts, ignore_index=True) if parts
               else pd.DataFrame(columns=["period", by, "n", "change", "pct_change", "p_etest"]))
        out[by] = pd.Categorical(out[by], categories=groups)
    out.attrs["hotspots"] = {"function": caller, "freq": freq, "by": by, "n_no_date": n_nodate,
                             "exposure": "days per period"}
    if n_nodate:
        logger.info("%s: %d incidents have no date and are left out.", caller, n_nodate)
    return out


# =========================================================================================
# centre_shift
# =========================================================================================

#: Eight compass points, clockwise from north, for :func:`centre_shift`'s ``direction``.
COMPASS_POINTS = ("north", "north-east", "east", "south-east", "south", "south-west", "west",
                  "north-west")


def _centrography(xy: np.ndarray, n_std: float) -> dict[str, float]:
    """Mean centre, standard distance and standard deviational ellipse of points.

    Same formulas as ``pointpats.centrography``: ``std_distance`` (population) and
    ``ellipse(method="crimestat")``, whose semi-axes are the standard deviations along the
    principal axes times sqrt(2) * sqrt(n / (n - 2)); here also times ``n_std``.
    ``sde_rotation`` is the angle of the major axis, counter-clockwise from east (radians,
    pointpats' value); ``sde_azimuth`` the same axis in degrees clockwise from north
    (0..180, ArcGIS's "Rotation").
    """
    n = len(xy)
    out = dict.fromkeys(("mean_x", "mean_y", "std_distance", "sde_major", "sde_minor",
                         "sde_rotation", "sde_azimuth"), float("nan"))
    if n == 0:
        return out
    mean = xy.mean(axis=0)
    out["mean_x"], out["mean_y"] = float(mean[0]), float(mean[1])
    d = xy - mean
    out["std_distance"] = float(np.sqrt((d**2).sum(axis=1).mean()))
    if n < 3:  # the crimestat correction n / (n - 2) needs three points
        return out
    xm, ym = d[:, 0], d[:, 1]
    xy_s, x2, y2 = float(np.sum(xm * ym)), float(np.sum(xm**2)), float(np.sum(ym**2))
    den = 2 * xy_s
    left = x2 - y2
    right = math.sqrt(left**2 + 4 * xy_s**2)
    if den == 0:
        theta1, theta2 = 0.0, math.pi / 2
    else:
        theta1 = math.atan(-(left + right) / den)
        theta2 = math.atan(-(left - right) / den)
    sx = math.sqrt(np.sum((ym * math.cos(theta1) - xm * math.sin(theta1)) ** 2) / n)
    sy = math.sqrt(np.sum((ym * math.cos(theta2) - xm * math.sin(theta2)) ** 2) / n)
    corr = math.sqrt(2) * math.sqrt(n) / math.sqrt(n - 2) * n_std
    sx, sy = sx * corr, sy * corr
    major, minor, angle = (sy, sx, theta1) if sy > sx else (sx, sy, theta2)
    out.update(sde_major=major, sde_minor=minor, sde_rotation=angle,
               sde_azimuth=float((90.0 - math.degrees(angle)) % 180.0))
    return out


def _ellipse_polygon(stats_: dict[str, float]) -> Any:
    """Ellipse polygon as pointpats builds it: a unit circle scaled, rotated, moved."""
    import shapely
    from shapely import affinity

    if not np.isfinite(stats_["sde_major"]):
        return shapely.Polygon()
    circle = shapely.Point(0.0, 0.0).buffer(1.0)
    shape = affinity.scale(circle, stats_["sde_major"], stats_["sde_minor"], origin=(0, 0))
    shape = affinity.rotate(shape, stats_["sde_rotation"], origin=(0, 0), use_radians=True)
    return affinity.translate(shape, stats_["mean_x"], stats_["mean_y"])


def _bearing(dx: float, dy: float) -> tuple[float, str]:
    """Compass bearing (degrees clockwise from north) and its eight-point name."""
    if not (np.isfinite(dx) and np.isfinite(dy)) or (dx == 0 and dy == 0):
        return float("nan"), "none"
    bearing = math.degrees(math.atan2(dx, dy)) % 360.0
    return bearing, COMPASS_POINTS[int(((bearing + 22.5) % 360.0) // 45.0)]


@dataclass(frozen=True, eq=False)
class CentreShift:
    """Centres and spread of incidents in two periods, and how the centre moved.

    Made by :func:`centre_shift`.

    Attributes
    ----------
    centres : geopandas.GeoDataFrame
        One row per (``by`` group and) period; point geometry = the mean centre. See
        :func:`centre_shift` for the columns.
    ellipses : geopandas.GeoDataFrame
        The same rows with the standard deviational ellipse as geometry (empty polygon
        when there are fewer than 3 points).
    shift : pandas.DataFrame
        One row per ``by`` group (one row without ``by``): how far and in which direction
        the mean centre moved.
    before, after : Period
    by : str or None
    """

    centres: gpd.GeoDataFrame
    ellipses: gpd.GeoDataFrame
    shift: pd.DataFrame
    before: Period
    after: Period
    by: str | None = None

    @property
    def distance(self) -> float:
        """Shift of the mean centre in metres (first group when split ``by``)."""
        return float(self.shift["distance"].iloc[0])

    @property
    def bearing(self) -> float:
        """Compass bearing of the shift, degrees clockwise from north (first group)."""
        return float(self.shift["bearing"].iloc[0])

    @property
    def direction(self) -> str:
        """Eight-point compass name of the shift ("north-east"; first group)."""
        return str(self.shift["direction"].iloc[0])


def centre_shift(
    incidents: gpd.GeoDataFrame,
    *,
    before: PeriodLike,
    after: PeriodLike,
    by: str | None = None,
    areas: AreaSet | None = None,
    n_std: float = 1.0,
    time: str = schema.OCCURRED,
) -> CentreShift:
    """Mean centre, standard distance and ellipse in two periods, and the shift between them.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incident frame in a projected CRS (metres; EPSG:27700). Only located
        incidents count; the others are counted in ``n_unlocated``.
    before, after : period
        As in :func:`compare_periods` (must not overlap).
    by : str, optional
        One result per group of this column.
    areas : AreaSet, optional
        When given, each mean centre is placed in its area at every level of ``areas``
        (via :func:`hotspots.areas.assign_areas`).
    n_std : float
        Size of the ellipse in standard deviations (1, 2 or 3 as in ArcGIS's Directional
        Distribution; about 68%, 95%, 99% of points under spatial normality).
    time : str
        Column of incident dates.

    Returns
    -------
    CentreShift
        ``.centres`` (GeoDataFrame, point geometry = mean centre), rows per ``[by]`` group
        then period ("before", "after"):

        =================  =========  ====================================================
        ``[by]``           as input   the group
        ``period``         str        "before" or "after"
        ``period_label``   str        the period as written ("2018/19")
        ``n``              int64      located incidents used
        ``n_unlocated``    int64      incidents in the period without a location
        ``mean_x/mean_y``  float64    mean centre (metres)
        ``std_distance``   float64    standard distance, sqrt(mean squared distance to
                                      the centre) (pointpats ``std_distance``)
        ``sde_major``,     float64    semi-axes of the standard deviational ellipse
        ``sde_minor``                 (pointpats ``ellipse``, "crimestat"), times ``n_std``;
                                      NaN with fewer than 3 points
        ``sde_rotation``   float64    angle of the major axis, radians counter-clockwise
                                      from east (pointpats' third value)
        ``sde_azimuth``    float64    the same axis in degrees clockwise from north, 0-180
                                      (ArcGIS "Rotation")
        ``<level>_id``,    string,    area of the mean centre at each level, when
        ``<level>``        category   ``areas`` is given
        =================  =========  ====================================================

        ``.ellipses`` has ``[by], period, period_label`` and the ellipse polygon.
        ``.shift`` has one row per group: ``[by], from_x, from_y, to_x, to_y, distance``
        (metres), ``bearing`` (degrees clockwise from north, NaN when the centre did not
        move), ``direction`` (eight-point name: "north", "north-east", ..., or "none"),
        and with ``areas`` ``from_<level>``, ``to_<level>`` for every level.

    Raises
    ------
    ValueError
        When a period cannot be parsed, the periods overlap, ``n_std`` is not > 0 or a
        column is missing.
    hotspots.errors.CRSError
        When the incidents are not in a projected CRS.

    Notes
    -----
    Unweighted (each incident counts once), like pointpats' defaults. The ellipse polygon
    is built exactly as ``pointpats.centrography.ellipse(GeoSeries)``: a unit circle
    scaled by the semi-axes, rotated by ``sde_rotation`` and moved to the centre.

    Examples
    --------
    >>> shift = centre_shift(incidents, before="2017/18", after="2018/19",
    ...                      areas=areas)  # doctest: +SKIP
    >>> round(shift.distance), shift.direction  # doctest: +SKIP
    (1840, 'south-west')
    """
    import geopandas as gpd
    import shapely

    from hotspots.errors import CRSError, Problem

    caller = "centre_shift"
    n_std = float(check_positive("n_std", n_std, caller=caller))
    pb, pa = _resolve_periods(before, after, caller)
    if time not in incidents.columns:
        raise ValueError(f"The incidents have no {time!r} column (the 'time' parameter of "
                         f"{caller}).")
    if by is not None and by not in incidents.columns:
        raise ValueError(f"The incidents have no {by!r} column (the 'by' parameter of "
                         f"{caller}).")
    crs = incidents.crs
    if crs is None or not crs.is_projected:
        raise CRSError(Problem("not_projected", f"{caller} needs incidents in a projected CRS "
                               "in metres (EPSG:27700); reproject them with to_crs(27700)."))
    xy, located = _located_xy(incidents)
    times = pd.to_datetime(incidents[time], errors="coerce")
    masks = {"before": pb.contains(times), "after": pa.contains(times)}
    labels = {"before": pb.label, "after": pa.label}
    if by is None:
        groups, codes = [None], np.zeros(len(incidents), dtype=np.int64)
    else:
        groups, codes = _split_groups(incidents[by])

    rows: list[dict[str, Any]] = []
    for gi, g in enumerate(groups):
        for which in ("before", "after"):
            sel = (codes == gi) & masks[which]
            st = _centrography(xy[sel & located], n_std)
            row = {"period": which, "period_label": labels[which],
                   "n": int((sel & located).sum()), "n_unlocated": int((sel & ~located).sum()),
                   **st}
            if by is not None:
                row = {by: g, **row}
            rows.append(row)
    table = pd.DataFrame(rows)
    for col in ("n", "n_unlocated"):
        table[col] = table[col].astype(np.int64)
    if by is not None:
        table[by] = pd.Categorical(table[by], categories=groups)
    polygons = [_ellipse_polygon(r) for r in rows]
    centre_geoms = [shapely.Point(r["mean_x"], r["mean_y"]) if np.isfinite(r["mean_x"])
                    else shapely.Point() for r in rows]
    centres = gpd.GeoDataFrame(table, geometry=centre_geoms, crs=crs)
    level_cols: list[str] = []
    if areas is not None:
        from hotspots.areas import assign_areas

        assigned = assign_areas(centres[["geometry"]], areas)
        for level in areas.level_names:
            for col in (schema.area_id_column(level), schema.area_name_column(level)):
                centres.insert(len(centres.columns) - 1, col, assigned[col].to_numpy())
                if col == schema.area_name_column(level):
                    centres[col] = pd.Categorical(centres[col],
                                                  categories=assigned[col].cat.categories)
            level_cols.append(level)
    key_cols = [by] if by is not None else []
    ellipses = gpd.GeoDataFrame(table[[*key_cols, "period", "period_label"]].copy(),
                                geometry=polygons, crs=crs)

    shifts = []
    for gi, g in enumerate(groups):
        b, a = rows[2 * gi], rows[2 * gi + 1]
        dx, dy = a["mean_x"] - b["mean_x"], a["mean_y"] - b["mean_y"]
        bearing, direction = _bearing(dx, dy)
        srow: dict[str, Any] = {"from_x": b["mean_x"], "from_y": b["mean_y"],
                                "to_x": a["mean_x"], "to_y": a["mean_y"],
                                "distance": float(math.hypot(dx, dy)), "bearing": bearing,
                                "direction": direction}
        for level in level_cols:
            name_col = schema.area_name_column(level)
            srow[f"from_{level}"] = str(centres[name_col].iloc[2 * gi])
            srow[f"to_{level}"] = str(centres[name_col].iloc[2 * gi + 1])
        if by is not None:
            srow = {by: g, **srow}
        shifts.append(srow)
    shift = pd.DataFrame(shifts)
    info = {"function": caller, "before": pb.label, "after": pa.label, "n_std": n_std,
            "ellipse": "pointpats crimestat: sqrt(2) * sqrt(n / (n - 2)) correction",
            "vintage": getattr(areas, "vintage", None)}
    for frame in (centres, ellipses, shift):
        frame.attrs["hotspots"] = dict(info)
    logger.info("%s: mean centre moved %.0f m (%s).", caller, shifts[0]["distance"],
                shifts[0]["direction"])
    return CentreShift(centres=centres, ellipses=ellipses, shift=shift, before=pb, after=pa,
                       by=by)


def _located_xy(incidents: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return coordinates (NaN where unknown) and the located mask of an incident frame."""
    import shapely

    geoms = np.asarray(incidents.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if schema.LOCATION_STATUS in incidents.columns:
        ok &= (incidents[schema.LOCATION_STATUS] != schema.UNKNOWN).fillna(True).to_numpy(bool)
    xy = np.full((len(geoms), 2), np.nan)
    if ok.any():
        xy[ok] = shapely.get_coordinates(geoms[ok])[:, :2]
    return xy, ok


# =========================================================================================
# Emerging hot spot rules: pure functions over (z, significant) matrices [cells x periods]
# =========================================================================================

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
        :func:`hotspots.stats.tests.mann_kendall` when not given.
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


# =========================================================================================
# Grid change and emerging hot spots
# =========================================================================================

def _dated(incidents: pd.DataFrame, time: str, caller: str) -> pd.Series:
    if time not in incidents.columns:
        raise ValueError(f"The incidents have no {time!r} column (the 'time' parameter of "
                         f"{caller}).")
    times = pd.to_datetime(incidents[time], errors="coerce")
    n_nodate = int(times.isna().sum())
    if n_nodate:
        warnings.warn(f"{caller}: {n_nodate} incidents have no date in column {time!r} and "
                      "are left out.", DataQualityWarning, stacklevel=3)
    return times


def _grid_for(incidents: gpd.GeoDataFrame, *, grid: gpd.GeoDataFrame | None,
              cell_size: float | None, grid_type: str, clip: Any) -> gpd.GeoDataFrame:
    """Return the one grid every period is counted on (built from all incidents used)."""
    if grid is not None:
        return grid
    from hotspots.grid import hotspot_grid

    return hotspot_grid(incidents, cell_size=cell_size, grid_type=grid_type, clip=clip)


def _count_on(incidents: gpd.GeoDataFrame, grid: gpd.GeoDataFrame) -> np.ndarray:
    """Incidents per cell of ``grid`` (zeros for an empty selection)."""
    from hotspots.hotspot import hotspot_count

    if len(incidents) == 0:
        return np.zeros(len(grid), dtype=np.int64)
    return hotspot_count(incidents, grid=grid)["n"].to_numpy(dtype=np.int64)


def _grid_output(grid: gpd.GeoDataFrame, cols: dict[str, Any]) -> gpd.GeoDataFrame:
    out = grid.copy()
    geom = out.geometry.name
    for name, values in cols.items():
        out[name] = values
    return out[[c for c in out.columns if c != geom] + [geom]]


def hotspot_change(
    incidents: gpd.GeoDataFrame,
    *,
    before: PeriodLike | None = None,
    after: PeriodLike | None = None,
    boundary: Any = None,
    cell_size: float | None = None,
    grid_type: Literal["square", "hex"] = "square",
    grid: gpd.GeoDataFrame | None = None,
    clip: Any = None,
    time: str = schema.OCCURRED,
) -> gpd.GeoDataFrame:
    """Count incidents before and after on one grid (sfhotspot's ``hotspot_change``).

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incident frame in a projected CRS (metres).
    before, after : period, optional
        Two periods (as in :func:`compare_periods`). When omitted, the data are split at
        ``boundary``.
    boundary : date-like, optional
        Split instant: before is ``t < boundary``, after ``t >= boundary`` (half-open, as
        sfhotspot). Default: the midpoint of the earliest and latest dates,
        ``min + (max - min) / 2``. Not allowed together with ``before``/``after``.
    cell_size, grid_type, grid, clip
        The grid, as in :func:`hotspots.hotspot.hotspot_count`; one grid is built from
        all the incidents used and both periods are counted on it.
    time : str
        Column of incident dates.

    Returns
    -------
    geopandas.GeoDataFrame
        The grid's columns (``cell_id, x, y, inside, [<level>_id, <level>]``), then:

        ==============  =======  ====================================================
        ``n_before``    int64    incidents in the cell in the first period
        ``n_after``     int64    incidents in the cell in the second period
        ``change``      int64    ``n_after - n_before``
        ``geometry``             cell polygon
        ==============  =======  ====================================================

        ``attrs["hotspots"]``: ``function``, ``split`` ("boundary" or "periods"),
        ``split_at`` (ISO time) and ``split_at_reason``, or ``before``/``after`` labels,
        ``n_before``, ``n_after``, ``n_no_date``, and the grid's ``cell_size``,
        ``cell_size_reason``, ``grid_type`` (and ``boundary``, ``vintage`` for an AreaSet
        clip).

    Raises
    ------
    ValueError
        When both ``boundary`` and periods are given, only one period is given, the
        periods overlap, or there is no dated incident.

    Notes
    -----
    Unlike sfhotspot, an incident on an edge shared by two cells is counted once (see
    :func:`hotspots.hotspot.hotspot_count`). For tests of whether a change is more than
    chance use :func:`compare_periods` (areas) or :func:`hotspot_classify` (cells over
    many periods).

    Examples
    --------
    >>> change = hotspot_change(incidents, before="2017/18", after="2018/19",
    ...                         clip=areas)  # doctest: +SKIP
    """
    caller = "hotspot_change"
    times = _dated(incidents, time, caller)
    info: dict[str, Any] = {"function": caller}
    if (before is None) != (after is None):
        raise ValueError(f"Give both 'before' and 'after' to {caller}, or neither (then the "
                         "data are split at 'boundary').")
    if before is not None:
        if boundary is not None:
            raise ValueError(f"Give either 'boundary' or 'before'/'after' to {caller}, not both.")
        pb, pa = _resolve_periods(before, after, caller)
        m_b, m_a = pb.contains(times), pa.contains(times)
        info.update(split="periods", before=pb.label, after=pa.label)
    else:
        valid = times.dropna()
        if valid.empty:
            raise ValueError(f"{caller}: no incident has a date in column {time!r}.")
        if boundary is None:
            b = valid.min() + (valid.max() - valid.min()) / 2
            logger.info("%s: boundary set to the time midpoint %s", caller, b)
            reason = "automatic: midpoint of the earliest and latest dates (sfhotspot)"
        else:
            b = pd.Timestamp(boundary)
            reason = "given"
        m_b = (times < b).to_numpy(dtype=bool)
        m_a = (times >= b).to_numpy(dtype=bool)
        info.update(split="boundary", split_at=b.isoformat(), split_at_reason=reason)
    used = incidents[m_b | m_a]
    g = _grid_for(used, grid=grid, cell_size=cell_size, grid_type=grid_type, clip=clip)
    nb = _count_on(incidents[m_b], g)
    na = _count_on(incidents[m_a], g)
    out = _grid_output(g, {"n_before": nb, "n_after": na, "change": na - nb})
    ginfo = g.attrs.get("hotspots", {})
    info.update({k: ginfo[k] for k in ("cell_size", "cell_size_reason", "grid_type", "boundary",
                                       "vintage") if k in ginfo})
    info.update(n_before=int(m_b.sum()), n_after=int(m_a.sum()),
                n_no_date=int(times.isna().sum()))
    out.attrs = {"hotspots": info}
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
    time : str
        Column of incident dates.

    Returns
    -------
    geopandas.GeoDataFrame
        The grid's columns (``cell_id, x, y, inside, [<level>_id, <level>]``), then:

        ===============  ========  ====================================================
        ``n``            int64     incidents in the cell over all periods
        ``n_sig_hot``    int64     periods in which the cell is a significant hot spot
        ``n_sig_cold``   int64     periods in which it is a significant cold spot
        ``mk_z``         float64   Mann–Kendall z of the cell's Gi* z series
        ``mk_p``         float64   its two-sided p-value
        ``category``     category  the scheme's category (:data:`SFHOTSPOT_CATEGORIES`
                                   or :data:`ARCGIS_CATEGORIES`, in that order)
        ``geometry``               cell polygon
        ===============  ========  ====================================================

        ``attrs["hotspots"]``: ``function, scheme, freq, periods`` (labels),
        ``n_periods, empty_periods, p_adjust, alpha, trend_alpha, compat,
        neighbor_distance``, the rule parameters and the grid's ``cell_size``,
        ``cell_size_reason``, ``grid_type``.

    Raises
    ------
    ValueError
        For bad parameters, fewer than 2 periods, or ``compat`` with the arcgis scheme.

    Notes
    -----
    In each period Gi* is computed on the cell counts with binary weights, the cell
    itself included (:func:`hotspots.stats.gistar.gistar_grid`, the same numbers as
    :func:`hotspots.hotspot.hotspot_gistar` on that period). A period in which every cell
    has the same count (e.g. no incidents) has no defined z; its z is taken as 0 (not
    significant) and the period is listed in ``empty_periods``. ArcGIS uses a space-time
    neighbourhood (this period and the previous one); here the neighbourhood is spatial
    only, so results differ from ArcGIS where patterns move between periods. ArcGIS needs
    at least 10 periods; fewer are allowed and logged.

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
    times = _dated(incidents, time, caller)
    labels = period_labels(times, freq)
    periods = [str(c) for c in labels.cat.categories]
    if len(periods) < 2:
        raise ValueError(f"{caller} needs at least 2 periods; the data span {len(periods)} "
                         f"period(s) of freq={freq!r}. Use a shorter freq.")
    if scheme == "arcgis" and len(periods) < 10:
        logger.info("%s: %d periods; ArcGIS's Emerging Hot Spot Analysis requires at least 10",
                    caller, len(periods))
    dated = times.notna().to_numpy()
    g = _grid_for(incidents[dated], grid=grid, cell_size=cell_size, grid_type=grid_type,
                  clip=clip)
    lattice, position = grid_from_frame(g, caller=caller)
    if neighbor_distance is None:
        neighbor_distance = lattice.cell_size * math.sqrt(2.0)
    codes = labels.cat.codes.to_numpy()
    n_cells = len(g)
    z = np.zeros((n_cells, len(periods)))
    p = np.ones((n_cells, len(periods)))
    total = np.zeros(n_cells, dtype=np.int64)
    empty: list[str] = []
    for j, label in enumerate(periods):
        counts = _count_on(incidents[codes == j], g)
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
    out = _grid_output(g, {
        "n": total,
        "n_sig_hot": (sig & (z > 0)).sum(axis=1).astype(np.int64),
        "n_sig_cold": (sig & (z < 0)).sum(axis=1).astype(np.int64),
        "mk_z": np.asarray(mk.z, dtype=float),
        "mk_p": np.asarray(mk.p, dtype=float),
        "category": pd.Categorical(cats, categories=categories),
    })
    ginfo = g.attrs.get("hotspots", {})
    out.attrs = {"hotspots": {
        "function": caller, "scheme": scheme, "freq": freq, "periods": periods,
        "n_periods": len(periods), "empty_periods": empty, "p_adjust": p_adjust,
        "alpha": alpha, "trend_alpha": trend_alpha, "compat": compat,
        "neighbor_distance": float(neighbor_distance),
        "params": ({"hotspot_prop": hotspot_prop, "persistent_prop": persistent_prop,
                    "recent_prop": recent_prop} if scheme == "sfhotspot" else {"share": share}),
        "n_no_date": int((~dated).sum()),
        **{k: ginfo[k] for k in ("cell_size", "cell_size_reason", "grid_type", "boundary",
                                 "vintage") if k in ginfo},
    }}
    logger.info("%s: %d cells over %d periods (%s scheme)", caller, n_cells, len(periods),
                scheme)
    return out
