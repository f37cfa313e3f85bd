"""When the incidents of :func:`premises_rank` happened: window, recency decay, halves, trend.

One pass over the incidents' ``occurred`` column gives everything time-related the ranking
needs (:class:`IncidentTiming`); :func:`trend` tests the two halves of the window per
premises. Month-only dates (police.uk) stand for their whole month, so ages and halves are
measured from mid-month.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.periods import Period, PeriodLike, parse_period
from hotspots.premises._common import time_precision
from hotspots.stats.inference import etest

__all__ = ["IncidentTiming", "incident_timing", "resolve_window", "trend"]

logger = logging.getLogger("hotspots.premises.rank")

TREND_TEST = "Poisson E-test (equal halves)"


@dataclass(frozen=True)
class IncidentTiming:
    """Per-incident time facts of one ranking (arrays aligned to the incidents)."""

    occurred: pd.Series        # datetime64[ns], NaT when undated
    precision: str             # "month", "day", "time" or "unknown"
    period: Period | None      # the window (given, or the data's span)
    window_given: bool
    as_of: pd.Timestamp | None  # recency is measured from here
    in_window: np.ndarray      # bool: counted
    decay: np.ndarray          # recency weight, 0.5 ** (age / half-life)
    recent: np.ndarray         # bool: age <= recent_days
    first_half: np.ndarray     # bool: in the first half of the window
    second_half: np.ndarray    # bool: in the second half
    month: pd.Series           # "2019-03", or "(no date)": the repeat key


def resolve_window(window: PeriodLike | None, occurred: pd.Series, precision: str,
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


def _occurred(incidents: gpd.GeoDataFrame) -> pd.Series:
    if schema.OCCURRED in incidents.columns:
        occurred = pd.to_datetime(incidents[schema.OCCURRED], errors="coerce")
    else:
        occurred = pd.Series(pd.NaT, index=incidents.index, dtype="datetime64[ns]")
    return occurred.astype("datetime64[ns]")


def _decay(age: np.ndarray, occurred: pd.Series, half_life: float | None) -> np.ndarray:
    """Recency weight per incident; undated incidents weigh 0 (1 without a half-life)."""
    if half_life is None:
        return np.where(np.isnan(age) & occurred.isna().to_numpy(), 0.0, 1.0)
    return np.where(np.isnan(age), 0.0, np.power(0.5, np.nan_to_num(age) / half_life))


def incident_timing(incidents: gpd.GeoDataFrame, window: PeriodLike | None, as_of: Any,
                    half_life: float | None, recent_days: float) -> IncidentTiming:
    """Window, recency decay, "recent" flags and window halves of every incident."""
    occurred = _occurred(incidents)
    precision = time_precision(occurred)
    period, window_given = resolve_window(window, occurred, precision, as_of)
    as_of_ts = pd.Timestamp(as_of) if as_of is not None else (
        period.end if period is not None else None)
    if window_given:
        assert period is not None  # resolve_window returns a Period whenever window_given
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
    first_half = np.zeros(len(incidents), dtype=bool)
    second_half = np.zeros(len(incidents), dtype=bool)
    if period is not None:
        mid = period.start + (period.end - period.start) / 2
        dated = occurred.notna().to_numpy()
        first_half = (effective < mid).to_numpy(dtype=bool) & dated
        second_half = (effective >= mid).to_numpy(dtype=bool) & dated
    return IncidentTiming(
        occurred=occurred, precision=precision, period=period, window_given=window_given,
        as_of=as_of_ts, in_window=np.asarray(in_window, dtype=bool),
        decay=_decay(age, occurred, half_life),
        recent=~np.isnan(age) & (age <= recent_days),
        first_half=first_half, second_half=second_half,
        month=occurred.dt.to_period("M").astype("string").fillna("(no date)"),
    )


def _etest_pvalues(n1: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Two-sided E-test p-values for "the second half differs from the first"."""
    p = np.full(len(n1), np.nan)
    cache: dict[tuple[float, float], float] = {}  # many premises share small counts
    for k, (a, b) in enumerate(zip(n1.tolist(), n2.tolist(), strict=True)):
        if a + b > 0:
            if (a, b) not in cache:
                cache[(a, b)] = etest(a, b)
            p[k] = cache[(a, b)]
    return p


def trend(n_first: np.ndarray, n_second: np.ndarray, alpha: float,
          period: Period | None) -> tuple[np.ndarray, np.ndarray]:
    """("up"/"down"/"flat" per premises, E-test p-values); all "flat" without a window."""
    if period is None:
        return np.full(len(n_first), "flat", dtype=object), np.full(len(n_first), np.nan)
    p = _etest_pvalues(n_first, n_second)
    out = np.full(len(n_first), "flat", dtype=object)
    sig = np.nan_to_num(p, nan=1.0) < alpha
    out[sig & (n_second > n_first)] = "up"
    out[sig & (n_second < n_first)] = "down"
    return out, p
