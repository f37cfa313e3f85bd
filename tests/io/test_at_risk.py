"""At-risk registers: reading (pseudonymised, every row accounted for) and cohort snapshots."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from hotspots import at_risk_snapshots, cohort_series, read_at_risk, simulate_at_risk, trend
from hotspots.errors import DataQualityWarning, ValidationError

KEY = "test-key-0123456789abcdef-0123456789"


def _read(frame, **kw):
    args = {"child_id": "child_id", "assessed": "assessment_date", "closed": "closure_date",
            "review": "review_date", "risk_level": "risk_level", "category": "category",
            "home_x": "home_x", "home_y": "home_y", "crs": "EPSG:27700", "key": KEY,
            "today": "2100-01-01"}
    return read_at_risk(frame, **{**args, **kw})


@pytest.fixture(scope="module")
def raw(bradford_areas):
    return simulate_at_risk(bradford_areas, seed=2, raw=True)


def test_reader_accounts_for_every_row(raw, tmp_path):
    bad = raw.head(30).copy()
    bad["home_x"] = bad["home_x"].astype(object)
    bad.loc[3, "home_x"] = "not a number"            # rejected
    bad.loc[5, ["home_x", "home_y"]] = None           # kept, unknown home
    bad.loc[7, "closure_date"] = bad.loc[7, "assessment_date"] - pd.Timedelta(days=3)
    bad.loc[9, "child_id"] = None                     # kept, no pseudonym
    path = tmp_path / "register.csv"
    bad.to_csv(path, index=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reg = _read(path)
    rep = reg.attrs["hotspots"]["load"]
    assert rep.rows_read == 30
    assert len(reg) == 29
    assert sum(i.count for i in rep.rejected.values()) == 1
    rejected = next(iter(rep.rejected.values()))
    assert rejected.rows == ((path.name, 5),)          # spreadsheet row: header is row 1
    assert rep.flagged["closed_before_assessed"].count == 1
    assert rep.flagged["blank_child_id"].count == 1
    assert (reg["location_status"] == "unknown").sum() == 1
    assert reg["child"].isna().sum() == 1
    messages = " ".join(str(w.message) for w in caught)
    assert "register.csv" in messages
    # no raw id anywhere
    text = reg.to_string() + repr(reg.attrs) + messages + str(rep)
    for cid in bad["child_id"].dropna():
        assert cid not in text
    assert "child_id" not in reg.columns


def test_reader_pseudonyms_match_episodes(raw):
    from hotspots.io.episodes import pseudonymise

    reg = _read(raw.head(5))
    assert reg["child"].tolist() == pseudonymise(raw.head(5)["child_id"], KEY).tolist()


def test_reader_refuses_missing_columns(raw):
    with pytest.raises(ValidationError, match="assessment"):
        _read(raw.drop(columns=["assessment_date"]))
    with pytest.raises(ValueError, match="cannot be kept"):
        _read(raw, keep=["child_id"])


def test_snapshots_match_planted_targets(bradford_areas):
    reg = simulate_at_risk(bradford_areas, seed=4)
    targets = reg.attrs["hotspots"]["simulation"]["targets"]
    series = cohort_series(reg, bradford_areas, start="2016-04-01", end="2019-03-31")
    areas = series[~series["area_name"].isin(["All areas", "Outside district",
                                               "Unknown location"])]
    got = areas.pivot(index="period", columns="area_name", values="at_risk")
    got.index = got.index.astype(str)
    expected = targets.loc[got.index, got.columns]
    assert (got.to_numpy() == expected.to_numpy()).all()
    total = series[series["area_name"] == "All areas"].reset_index(drop=True)
    assert total["at_risk"].iloc[0] == 350
    assert total["at_risk"].iloc[-1] == 125
    # the stock-flow identity for the district, month after month
    stock = total["at_risk"].to_numpy()
    assert (stock[1:] == stock[:-1] + total["entries"].to_numpy()[1:]
            - total["exits"].to_numpy()[1:]).all()
    assert total["entries"].iloc[1:].sum() > 0
    top = series[series["top_area"]]
    assert top["area_name"].iloc[0] == "Bradford East"
    assert top["area_name"].iloc[-1] == "Bradford South"


def test_trend_works_on_snapshots(bradford_areas):
    reg = simulate_at_risk(bradford_areas, seed=4)
    snaps = at_risk_snapshots(reg, start="2016-04-01", end="2019-03-31")
    t = trend(snaps, freq="M", time="period_start")
    assert len(t) == 36
    assert t["n"].iloc[0] == 350
    assert t["n"].iloc[-1] == 125
    assert bool(t["complete"].all())
    # one row per child per month
    assert not snaps.duplicated(["period", "child"]).any()


def test_spells_closed_before_assessed_are_in_no_snapshot(raw):
    frame = raw.head(3).copy()
    frame["assessment_date"] = pd.to_datetime(["2018-01-10", "2018-01-10", "2018-03-05"])
    frame["closure_date"] = pd.to_datetime(["2018-03-15", "2018-01-01", None])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        reg = _read(frame)
    snaps = at_risk_snapshots(reg, start="2018-01-01", end="2018-04-30")
    counts = snaps.groupby("period", observed=False).size()
    # first: Jan, Feb (closed in Mar); second: never; third: Mar, Apr
    assert counts.tolist() == [1, 1, 1, 1]
    assert snaps.attrs["hotspots"]["n_spells_unusable"] == 1
    assert np.array_equal(snaps["entered"].to_numpy(), [True, False, True, False])


def test_keep_true_carries_the_other_columns_never_the_child_id(raw):
    frame = raw.head(20).assign(note="n")
    got = _read(frame, keep=True)
    assert "note" in got.columns
    assert "child_id" not in got.columns
    with pytest.raises(ValueError, match="child id column 'child_id' cannot be kept"):
        _read(frame, keep="child_id")
    with pytest.raises(TypeError, match="keep= takes"):
        _read(frame, keep={"note": 1})
