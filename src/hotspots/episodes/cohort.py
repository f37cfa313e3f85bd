"""Cohorts over time: how many children were at risk at each snapshot, by area.

An at-risk register (:func:`hotspots.read_at_risk`) holds spells: a child assessed at risk on
one day and closed on another (or still open). :func:`at_risk_snapshots` turns the spells into
one row per child per period in which the child was still at risk at the period's end (the
snapshot a monthly return reports), and :func:`cohort_series` counts them by area with the
entries (assessed in the period) and exits (closed in the period), so that

    at_risk[p] = at_risk[p - 1] + entries[p] - exits[p]

for the district when each child has one spell at a time. The snapshots are a frame with a
date column ``period_start``, so :func:`hotspots.trend` counts children per period on them,
and :func:`hotspots.compare_periods` (``count="people", person="child"``) compares two
snapshots by area.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema
from hotspots._params import current_verb, validate_params
from hotspots.errors import Problem, ValidationError
from hotspots.periods import period_labels, period_of_label

__all__ = ["at_risk_snapshots", "cohort_series"]

logger = logging.getLogger(__name__)

_NEEDED = ("child", "assessed", "closed")


def _check(register: Any) -> None:
    """Refuse anything but a register of read_at_risk, naming the running verb."""
    caller = current_verb()
    if not isinstance(register, gpd.GeoDataFrame):
        raise TypeError(f"{caller} expects the register of hotspots.read_at_risk (a "
                        f"GeoDataFrame), not {type(register).__name__}.")
    missing = [c for c in _NEEDED if c not in register.columns]
    if missing:
        raise ValidationError([Problem(
            "missing_column", f"{caller}: column {c!r} was not found; pass the output of "
            "hotspots.read_at_risk (or simulate_at_risk).", column=c) for c in missing])


def _periods(start: Any, end: Any, assessed: pd.Series, closed: pd.Series,
             freq: Literal["M", "Q", "Y", "FY"]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Labels, starts and (exclusive) ends of the snapshot periods, as int64 ns."""
    first = pd.Timestamp(start) if start is not None else assessed.min()
    last = pd.Timestamp(end) if end is not None else pd.concat([assessed, closed]).max()
    if pd.isna(first) or pd.isna(last):
        raise ValueError("at_risk_snapshots: no dated spell; pass start= and end=.")
    cats = list(period_labels(pd.Series([first, last]), freq).cat.categories)
    pers = [period_of_label(c, freq) for c in cats]
    starts = np.array([p.start.value for p in pers], dtype=np.int64)
    ends = np.array([p.end.value for p in pers], dtype=np.int64)
    return cats, starts, ends


@validate_params({})
def at_risk_snapshots(register: gpd.GeoDataFrame, *, freq: Literal["M", "Q", "Y", "FY"] = "M",
                      start: Any = None, end: Any = None, areas: Any = None,
                      level: str | None = None) -> gpd.GeoDataFrame:
    """One row per child per period in which the child was at risk at the period's end.

    Parameters
    ----------
    register : geopandas.GeoDataFrame
        The output of :func:`hotspots.read_at_risk`.
    freq : {"M", "Q", "Y", "FY"}, default "M"
        Snapshot frequency: month, quarter, calendar or financial year.
    start, end : date-like, optional
        First and last dates to cover (default: the first assessment to the last date in
        the register).
    areas : AreaSet, optional
        Boundaries: the home area of each row is assigned (columns ``<level>_id``,
        ``<level>``).
    level : str, optional
        The level to assign (default: every level of ``areas``).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``period`` (ordered label), ``period_start`` (Timestamp), ``child``,
        ``risk_level``, ``category``, ``entered`` (assessed in this period), the home
        geometry (active) and, with ``areas``, the area columns. A child with overlapping
        spells appears once per period (the latest assessment). ``attrs["hotspots"]``:
        ``freq``, ``snapshot`` ("at the end of each period"), ``n_spells``,
        ``n_spells_unusable`` (no start, closed before assessed, or no child id).

    Examples
    --------
    >>> from hotspots.episodes.cohort import at_risk_snapshots
    >>> from hotspots.io import load_boundaries
    >>> from hotspots.simulate.children import simulate_at_risk
    >>> areas = load_boundaries("bradford-2013")
    >>> register = simulate_at_risk(areas, n_start=40, n_end=20, seed=1)
    >>> snaps = at_risk_snapshots(register, freq="FY", areas=areas)
    >>> snaps[["period", "child", "risk_level", "constituency"]].head(3)
        period             child risk_level   constituency
    0  2014/15  ac501ecf7eb00f8c     Medium  Bradford East
    1  2014/15  b584a653d10bc997     Medium  Bradford East
    2  2015/16  080260c53a5f0e05       High  ...
    """
    _check(register)
    reg = register.reset_index(drop=True)
    assessed = pd.to_datetime(reg["assessed"], errors="coerce")
    closed = pd.to_datetime(reg["closed"], errors="coerce")
    cats, p_start, p_end = _periods(start, end, assessed, closed, freq)
    a = assessed.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    c = closed.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    has_c = closed.notna().to_numpy()
    usable = assessed.notna().to_numpy() & reg["child"].notna().to_numpy() & (
        ~has_c | (c >= a))
    # at risk at the end of period i: assessed before its end, not closed by its end
    first = np.searchsorted(p_end, a, side="right")     # first period whose end is after a
    last = np.where(has_c, np.searchsorted(p_end, c, side="right") - 1, len(cats) - 1)
    n_each = np.where(usable, np.maximum(last - first + 1, 0), 0)
    rows = np.repeat(np.arange(len(reg)), n_each)
    offsets = np.arange(len(rows)) - np.repeat(np.cumsum(n_each) - n_each, n_each)
    pidx = np.repeat(first, n_each) + offsets
    entered = (a[rows] >= p_start[pidx]) & (a[rows] < p_end[pidx])
    out = gpd.GeoDataFrame({
        "period": pd.Categorical(np.asarray(cats, dtype=object)[pidx], categories=cats,
                                 ordered=True),
        "period_start": pd.to_datetime(p_start[pidx]),
        "child": reg["child"].to_numpy()[rows],
        "assessed": assessed.to_numpy()[rows],
        "risk_level": reg["risk_level"].to_numpy()[rows] if "risk_level" in reg else pd.NA,
        "category": reg["category"].to_numpy()[rows] if "category" in reg else pd.NA,
        "entered": entered,
    }, geometry=gpd.GeoSeries(reg.geometry.to_numpy()[rows], crs=reg.crs))
    if schema.LOCATION_STATUS in reg.columns:
        out[schema.LOCATION_STATUS] = reg[schema.LOCATION_STATUS].to_numpy()[rows]
    out["child"] = out["child"].astype("string")
    # one row per child per period: the latest assessment wins
    out = (out.sort_values(["period", "child", "assessed"], kind="stable")
              .drop_duplicates(["period", "child"], keep="last").reset_index(drop=True))
    if areas is not None:
        from hotspots.areas import assign_areas

        out = assign_areas(out, areas, levels=None if level is None else [level])
    out.attrs["hotspots"] = {
        "function": "at_risk_snapshots", "freq": freq, "snapshot": "at the end of each period",
        "periods": [cats[0], cats[-1]] if cats else [],
        "n_spells": len(reg), "n_spells_unusable": int((~usable).sum()),
        "note": "one row per child at risk at the end of each period (distinct children)",
    }
    return out


@validate_params({})
def cohort_series(register: gpd.GeoDataFrame, areas: Any, *, level: str = "constituency",
                  freq: Literal["M", "Q", "Y", "FY"] = "M", start: Any = None,
                  end: Any = None) -> pd.DataFrame:
    """Children at risk at each snapshot, by home area, with entries and exits.

    Parameters
    ----------
    register : geopandas.GeoDataFrame
        The output of :func:`hotspots.read_at_risk`.
    areas : AreaSet
        Boundaries for the home areas.
    level : str, default "constituency"
        Area level.
    freq, start, end
        As for :func:`at_risk_snapshots`.

    Returns
    -------
    pandas.DataFrame
        One row per period and area (every area of the level, then "Outside district",
        "Unknown location", then "All areas"): ``period``, ``area_name``, ``at_risk``
        (distinct children at risk at the period's end), ``entries`` (children assessed in
        the period and at risk at its end), ``exits`` (children whose spell closed in the
        period), ``top_area`` (bool: the area with the most children in that period, ties
        to the first name alphabetically). For public output pass the table to
        :func:`hotspots.suppress` (``count_columns=["at_risk", "entries", "exits"]``,
        ``by="period"``).

    Examples
    --------
    >>> from hotspots.episodes.cohort import cohort_series
    >>> from hotspots.io import load_boundaries
    >>> from hotspots.simulate.children import simulate_at_risk
    >>> areas = load_boundaries("bradford-2013")
    >>> register = simulate_at_risk(areas, n_start=40, n_end=20, seed=1)
    >>> series = cohort_series(register, areas, freq="FY")
    >>> series.head(2)
        period      area_name  at_risk  entries  exits  top_area
    0  2014/15  Bradford East        2        2      0      True
    1  2014/15  Bradford South       0        0      0     False
    """
    snaps = at_risk_snapshots(register, freq=freq, start=start, end=end, areas=areas,
                              level=level)
    cats = list(snaps["period"].cat.categories)
    name_col = schema.area_name_column(level)
    names = list(snaps[name_col].cat.categories)
    p = snaps["period"].cat.codes.to_numpy().astype(np.int64)
    ar = snaps[name_col].cat.codes.to_numpy().astype(np.int64)
    n_p, n_a = len(cats), len(names)
    at_risk = np.bincount(p * n_a + ar, minlength=n_p * n_a).reshape(n_p, n_a)
    entries = np.bincount(p * n_a + ar, weights=snaps["entered"].to_numpy(float),
                          minlength=n_p * n_a).reshape(n_p, n_a).astype(np.int64)
    # exits: spells closed inside each period, by home area (distinct children)
    reg = register.reset_index(drop=True)
    closed = pd.to_datetime(reg["closed"], errors="coerce")
    assessed = pd.to_datetime(reg["assessed"], errors="coerce")
    from hotspots.areas import assign_areas

    lab = period_labels(pd.concat([closed, pd.Series(
        [period_of_label(cats[0], freq).start, period_of_label(cats[-1], freq).start])],
        ignore_index=True), freq).iloc[: len(reg)]
    ok = (closed.notna() & (closed >= assessed) & reg["child"].notna()
          & lab.isin(cats).to_numpy()).to_numpy(dtype=bool)
    exits = np.zeros((n_p, n_a), dtype=np.int64)
    if ok.any():
        homes = assign_areas(reg.loc[ok], areas, levels=[level])
        key = pd.DataFrame({"p": pd.Categorical(lab[ok], categories=cats).codes,
                            "a": homes[name_col].cat.codes.to_numpy(),
                            "c": reg.loc[ok, "child"].to_numpy()}).drop_duplicates()
        np.add.at(exits, (key["p"].to_numpy(np.int64), key["a"].to_numpy(np.int64)), 1)
    tot_at = snaps.groupby("period", observed=False)["child"].nunique().to_numpy()
    tot_in = np.bincount(p, weights=snaps["entered"].to_numpy(float), minlength=n_p)
    top = np.zeros((n_p, n_a), dtype=bool)
    real = [i for i, n in enumerate(names) if n not in (schema.OUTSIDE_DISTRICT,
                                                        schema.UNKNOWN_LOCATION)]
    alpha_order = sorted(real, key=lambda i: names[i])
    for i in range(n_p):
        vals = at_risk[i, alpha_order]
        if vals.max() > 0:
            top[i, alpha_order[int(np.argmax(vals))]] = True
    blocks = []
    for i, cat in enumerate(cats):
        blocks.append(pd.DataFrame({
            "period": cat, schema.AREA_NAME: [*names, "All areas"],
            "at_risk": [*at_risk[i], int(tot_at[i])],
            "entries": [*entries[i], int(tot_in[i])],
            "exits": [*exits[i], int(exits[i].sum())],
            "top_area": [*top[i], False],
        }))
    out = pd.concat(blocks, ignore_index=True)
    out["period"] = pd.Categorical(out["period"], categories=cats, ordered=True)
    out.attrs["hotspots"] = {**snaps.attrs["hotspots"], "function": "cohort_series",
                             "level": level, "mode": "restricted",
                             "note": "at_risk counts distinct children at each period's end; "
                                     "suppress before publishing"}
    return out
