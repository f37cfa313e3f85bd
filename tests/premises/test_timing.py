"""Tests for :mod:`hotspots.premises._timing`: window, recency decay, halves and trend."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.premises._timing import incident_timing, trend


def _incidents(dates):
    return gpd.GeoDataFrame({"occurred": pd.to_datetime(dates)},
                            geometry=[shapely.Point(0, 0)] * len(dates), crs=27700)


def test_month_only_dates_are_aged_from_mid_month_and_the_window_is_whole_months():
    inc = _incidents(["2019-01-01", "2019-03-01", None])
    t = incident_timing(inc, None, None, half_life=30.0, recent_days=30.0)
    assert t.precision == "month"
    assert (t.period.start, t.period.end) == (pd.Timestamp("2019-01-01"),
                                               pd.Timestamp("2019-04-01"))
    # as_of is the window's end; March stands for 15 March: 17 days old
    assert np.isclose(t.decay[1], 0.5 ** (17 / 30))
    assert t.decay[2] == 0.0  # undated: no recency weight
    assert t.recent.tolist() == [False, True, False]
    assert t.first_half.tolist() == [True, False, False]
    assert t.second_half.tolist() == [False, True, False]
    assert t.month.tolist() == ["2019-01", "2019-03", "(no date)"]


def test_a_given_window_leaves_incidents_outside_it_out():
    inc = _incidents(["2018-12-31", "2019-06-01"])
    t = incident_timing(inc, 2019, None, half_life=None, recent_days=90.0)
    assert t.window_given
    assert t.in_window.tolist() == [False, True]
    assert t.decay.tolist() == [1.0, 1.0]  # no half-life: every dated incident weighs 1


def test_trend_needs_a_significant_etest_and_a_window():
    first, second = np.array([1.0, 2.0, 20.0]), np.array([1.0, 3.0, 2.0])
    labels, p = trend(first, second, 0.05, period=None)
    assert labels.tolist() == ["flat"] * 3
    assert np.isnan(p).all()
    inc = _incidents(["2019-01-01"])
    period = incident_timing(inc, 2019, None, half_life=None, recent_days=1.0).period
    labels, p = trend(first, second, 0.05, period)
    assert labels.tolist() == ["flat", "flat", "down"]
    assert p[2] < 0.05 < p[1]
