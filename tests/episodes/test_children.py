"""Tests of hotspots.episodes.children: repeat runs, per-child durations and distances."""

from __future__ import annotations

import pandas as pd
import pytest

from hotspots.episodes import (
    per_child,
    repeat_flags,
)

from ._helpers import episodes_frame


# --- per child ----------------------------------------------------------------------------
def test_repeat_flags_window_edges():
    df = pd.DataFrame({
        "child": pd.array(["a", "a", "a", "b", "b", "b", None, "c"], dtype="string"),
        "start": pd.to_datetime(["2019-01-01", "2019-02-01", "2019-04-01",  # 90 days: in
                                 "2019-01-01", "2019-02-01", "2019-04-02",  # 91 days: out
                                 "2019-01-01", None]),
    })
    assert repeat_flags(df).tolist() == [True, True, True, False, False, False, False, False]
    assert repeat_flags(df, within_days=91).tolist()[:6] == [True] * 6
    assert repeat_flags(df, min_episodes=2, within_days=31).tolist()[:3] == [True, True, False]


def test_per_child_durations_and_distances():
    eps = episodes_frame([
        ("a", "2019-01-01 00:00", "2019-01-01 10:00", (0, 0), (300, 400)),     # 500 m, 10 h
        ("a", "2019-01-05 00:00", "2019-01-06 02:00", (0, 0), (0, 1000)),      # 1000 m, 26 h
        ("a", "2019-02-01 00:00", "2019-02-01 01:00", (0, 0), None),           # no found
        ("b", "2019-03-01 00:00", "2019-03-01 05:00", (10, 10), (10, 10)),
        (None, "2019-03-01 00:00", "2019-03-01 05:00", (10, 10), (10, 10)),
    ])
    out = per_child(eps).set_index("child")
    a = out.loc["a"]
    assert a["episodes"] == 3
    assert bool(a["repeat"])
    assert a["total_hours"] == pytest.approx(37.0)
    assert a["longest_hours"] == pytest.approx(26.0)
    assert a["n_found_located"] == 2
    assert a["mean_distance_m"] == pytest.approx(750.0)
    assert a["max_distance_m"] == pytest.approx(1000.0)
    assert a["first_start"] == pd.Timestamp("2019-01-01")
    assert not bool(out.loc["b", "repeat"])
    assert out.attrs["hotspots"]["n_no_child"] == 1
    assert out.attrs["hotspots"]["n_repeat_children"] == 1
