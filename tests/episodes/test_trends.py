"""Tests of hotspots.episodes.trends: financial years, the monthly profile, interviews."""

from __future__ import annotations

import pandas as pd
import pytest

from hotspots.episodes import (
    episode_trend,
    monthly_profile,
    return_interviews,
)
from hotspots.errors import ValidationError

from ._helpers import episodes_frame


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
    eps = episodes_frame([("a", "2019-05-01", "2019-05-02", (0, 0), None)] * 4)
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
