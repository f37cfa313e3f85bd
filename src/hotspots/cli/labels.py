"""Name the period a result covers, for map footers and titles ("Jan 2019 to Dec 2019").

A map must always say which period it shows: the one asked for, else the span of the data
(:func:`data_period_label`); a grid change map split at the time midpoint names both halves
(:func:`change_period_label`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["change_period_label", "data_period_label"]


def data_period_label(incidents: Any) -> str | None:
    """Write the span of the incident dates: "Jan 2019 to Dec 2019", or exact days.

    Parameters
    ----------
    incidents : pandas.DataFrame
        With an ``occurred`` column.

    Returns
    -------
    str or None
        Months when every date is the first of a month (police.uk), else days; ``None``
        when no incident has a date.

    Examples
    --------
    >>> data_period_label(pd.DataFrame({"occurred": pd.to_datetime(["2019-01-01",
    ...                                                             "2019-12-01"])}))
    'Jan 2019 to Dec 2019'
    """
    if "occurred" not in incidents.columns:
        return None
    t = pd.to_datetime(incidents["occurred"], errors="coerce").dropna()
    if t.empty:
        return None
    first, last = t.min(), t.max()
    if (t.dt.day == 1).all() and (t == t.dt.normalize()).all():
        return f"{first:%b %Y}" if first == last else f"{first:%b %Y} to {last:%b %Y}"
    return f"{first:%d %b %Y}" if first.normalize() == last.normalize() else (
        f"{first:%d %b %Y} to {last:%d %b %Y}")


def change_period_label(result: Any, span: str | Any) -> str | None:
    """Name the two periods a grid change map compares (split at the time midpoint).

    Parameters
    ----------
    result : geopandas.GeoDataFrame
        A :func:`hotspots.hotspot_change` result (``attrs["hotspots"]``).
    span : str or pandas.DataFrame
        The span of the incident dates from :func:`data_period_label` (so a caller that has
        it does not pass the incident frame a second time), or the incidents themselves.

    Returns
    -------
    str or None
        E.g. ``"before 16 Jun 2019 (Dec 2017 on) vs from 16 Jun 2019 (to Nov 2020)"``;
        the before/after labels when the periods were given; ``None`` when unknown.
    """
    info = getattr(result, "attrs", {}).get("hotspots", {})
    if info.get("before") and info.get("after"):
        return f"{info['before']} vs {info['after']}"
    split = info.get("split_at")
    if span is not None and not isinstance(span, str):
        span = data_period_label(span)
    if not split or span is None:
        return None
    at = pd.Timestamp(split)
    first, _, last = span.partition(" to ")
    return f"before {at:%d %b %Y} ({first} on) vs from {at:%d %b %Y} (to {last or first})"
