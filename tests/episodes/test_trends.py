"""Tests of hotspots.episodes.trends: financial years, the monthly profile, interviews."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from hotspots.episodes import (
    episode_trend,
    monthly_profile,
    return_interviews,
)
from hotspots.errors import ValidationError


def _eps(rows):
    """A small episodes frame: (child, start, end, from_xy, found_xy or None)."""
    child, start, end, fr, fo = zip(*rows, strict=True)
    return gpd.GeoDataFrame({
        "episode_id": [f"e{i}" for i in range(len(rows))],
        "child": pd.array(child, dtype="string"),
        "start": pd.to_datetime(list(start), format="ISO8601"),
        "end": pd.to_datetime(list(end), format="ISO8601"),
        "duration_hours": (pd.to_datetime(list(end), format="ISO8601")
                           - pd.to_datetime(list(start), format="ISO8601"))
        / pd.Timedelta(hours=1),
        "found_geometry": gpd.GeoSeries([shapely.Point(p) if p else shapely.Point()
                                         for p in fo], crs=27700),
    }, geometry=gpd.GeoSeries([shapely.Point(p) for p in fr], crs=27700)
    ).rename_geometry("from_geometry")


# --- trends --------------------------------------------------------------------------------
def test_published_fy_trend(sim):
    t = episode_trend(sim)
    assert t["period"].astype(str).tolist() == ["2016/17", "2017/18", "2018/19"]
    assert t["n"].tolist() == [2932, 3073, 2587]
    assert t["change"].tolist()[1:] == [141, -486]


def test_monthly_profile_runs_august_to_july(sim):
    prof = monthly_profile(sim)
    assert list(prof["month"].cat.categories[:2]) == ["Aug", "Sep"]
    assert prof["month"].cat.categories[-1] == "Jul"
    assert prof["n"].sum() == len(sim)
    year = prof[prof["year"] == "2016/17"]
    starts = pd.to_datetime(sim["start"])
    assert year["n"].sum() == ((starts >= "2016-08-01") & (starts < "2017-08-01")).sum()


def test_return_interviews_yes_no_and_dates():
    eps = _eps([("a", "2019-05-01", "2019-05-02", (0, 0), None)] * 4)
    eps["rhi"] = ["Yes", "no", "", "Completed"]
    out = return_interviews(eps)
    assert out[["episodes", "recorded", "completed", "not_recorded"]].iloc[0].tolist() == [
        4, 3, 2, 1]
    assert out["completion_rate"].iloc[0] == pytest.approx(0.5)
    eps["rhi"] = ["03/05/2019", "10/05/2019", None, "no"]
    out = return_interviews(eps)
    assert out["within_window"].iloc[0] == 1   # 1 day after the end; the other is 8 days
    eps["rhi"] = ["maybe", "yes", "yes", "yes"]
    with pytest.raises(ValidationError, match=r"neither.*maybe"):
        return_interviews(eps)
