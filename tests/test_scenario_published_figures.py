"""Acceptance: the published Bradford figures, and real City of London data.

1. Simulated offences on the real Bradford constituencies, built to the figures quoted in
   issue 3: 344 offences in 2017/18, 284 in 2018/19 (a 17% reduction), Bradford East the
   highest before and Bradford South after, "Bradford East and Bradford South each have 21%
   of recent offences, Keighley 16%; in 17% the location is not known".
2. police.uk street crime for the City of London: 2018 against 2019 by ward, and the first
   lockdown (April to June 2020) against the same months of 2019.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots import schema
from hotspots.change import compare_periods, trend
from hotspots.narrative import describe, percent
from hotspots.stats.inference import etest

SHARED = Path(__file__).parents[1] / ".." / "shared"
BOUNDARIES = SHARED / "boundaries"
CITY_STREET = SHARED / "data" / "city-of-london" / "street"


def _need(path: Path) -> None:
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"shared data missing: {path}")
        pytest.skip(f"shared data missing: {path}")


# --- 1. the published Bradford figures -------------------------------------------------------

# Counts per constituency chosen to reproduce the quoted figures (None = unknown location).
BEFORE = {"Bradford East": 89, "Bradford South": 55, "Keighley": 60, "Bradford West": 48,
          "Shipley": 34, None: 58}  # 344
AFTER = {"Bradford South": 61, "Bradford East": 60, "Keighley": 45, "Bradford West": 38,
         "Shipley": 32, None: 48}  # 284: 21.5%, 21.1%, 15.8%, 13.4%, 11.3%, 16.9%


def _points_in(polygon: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform points inside a polygon by rejection sampling."""
    minx, miny, maxx, maxy = polygon.bounds
    shapely.prepare(polygon)
    out = np.empty((0, 2))
    while len(out) < n:
        cand = rng.uniform([minx, miny], [maxx, maxy], size=(4 * n, 2))
        out = np.vstack([out, cand[shapely.contains_xy(polygon, cand[:, 0], cand[:, 1])]])
    return out[:n]


@pytest.fixture(scope="module")
def bradford():
    _need(BOUNDARIES)
    from hotspots.io.boundaries import load_boundaries

    return load_boundaries("bradford-2013", data_dir=BOUNDARIES)


@pytest.fixture(scope="module")
def scenario(bradford):
    rng = np.random.default_rng(2019)
    cons = bradford["constituency"].set_index("area_name").geometry
    geoms, dates, status = [], [], []
    for fy_start, counts in ((pd.Timestamp("2017-04-01"), BEFORE),
                             (pd.Timestamp("2018-04-01"), AFTER)):
        for name, n in counts.items():
            days = rng.integers(0, 365, size=n)
            dates += list(fy_start + pd.to_timedelta(days, unit="D"))
            if name is None:
                geoms += [shapely.Point()] * n
                status += [schema.UNKNOWN] * n
            else:
                # 50 m inside the boundary, so generalised edges cannot move a point
                geoms += list(shapely.points(_points_in(cons[name].buffer(-50), n, rng)))
                status += [schema.LOCATED] * n
    order = rng.permutation(len(geoms))
    return gpd.GeoDataFrame(
        {schema.OCCURRED: pd.to_datetime(np.asarray(dates)[order]),
         schema.LOCATION_STATUS: pd.Categorical(np.asarray(status)[order],
                                                categories=[schema.LOCATED, schema.UNKNOWN])},
        geometry=np.asarray(geoms, dtype=object)[order], crs="EPSG:27700")


@pytest.fixture(scope="module")
def comparison(scenario, bradford):
    # the published paper used the Poisson E-test, one test per area, uncorrected (the
    # defaults since issue 11 are the quasi-Poisson test and Benjamini-Hochberg)
    return compare_periods(scenario, bradford, level="constituency", before="2017/18",
                           after="2018/19", test="etest-score", correction="none")


def test_totals_reduction_and_top_areas(comparison):
    assert (comparison.total_before, comparison.total_after) == (344, 284)
    assert comparison.total_change == -60
    assert percent(60, 344) == 17
    assert round(comparison.total_pct_change, 2) == -17.44
    assert comparison.top_before == "Bradford East"
    assert comparison.top_after == "Bradford South"


def test_rounded_shares_of_the_later_period(comparison):
    t = comparison.table.set_index("area_name")
    shown = {name: percent(int(t.loc[name, "n_after"]), 284)
             for name in ("Bradford East", "Bradford South", "Keighley",
                          schema.UNKNOWN_LOCATION)}
    assert shown == {"Bradford East": 21, "Bradford South": 21, "Keighley": 16,
                     schema.UNKNOWN_LOCATION: 17}
    assert t.loc["Bradford South", "share_after"] == pytest.approx(61 / 284)
    assert t.loc[schema.OUTSIDE_DISTRICT, "n_after"] == 0


def test_describe_reproduces_the_published_sentences(comparison):
    # E-test p-values (crimepy etest, checked against the double sum in the unit tests):
    # 344 -> 284: 0.0167; Bradford East 89 -> 60: 0.0175; Bradford South 55 -> 61: 0.581.
    assert describe(comparison) == [
        "284 offences in 2018/19, down from 344 in 2017/18, a 17% reduction "
        "(statistically significant, E-test p = 0.02).",
        "In 2018/19, Bradford East and Bradford South each had 21% of offences, Keighley 16%; "
        "in 17% the location is not known.",
        "The highest number moved from Bradford East (89 to 60) to Bradford South (55 to 61).",
        "The fall in Bradford East is statistically significant (E-test p = 0.02); "
        "the rise in Bradford South is not statistically significant (E-test p = 0.58).",
        "No area's share of offences changed significantly (SPPT with Benjamini–Yekutieli "
        "correction; no q-value below 0.05).",
    ]


def test_test_columns_and_suppressed_version(comparison):
    t = comparison.table
    located = t[t["area_name"] != schema.OUTSIDE_DISTRICT]
    for col in ("p_etest", "p_sppt", "q_sppt"):
        assert located[col].notna().all(), col
    assert t.loc[t["area_name"] == "Bradford East", "direction"].item() == "down"
    assert comparison.significant_areas == ["Bradford East"]
    # nothing here is below 5, so the public version says the same
    assert describe(comparison, k=5) == describe(comparison)


# --- 2. City of London, police.uk --------------------------------------------------------------

@pytest.fixture(scope="module")
def city():
    _need(CITY_STREET)
    _need(BOUNDARIES)
    from hotspots.io import read_police_uk
    from hotspots.io.boundaries import load_boundaries

    areas = load_boundaries("city-of-london-2013", data_dir=BOUNDARIES)
    return read_police_uk(CITY_STREET), areas


@pytest.fixture(scope="module")
def raw_months():
    """Rows per month and how many lack coordinates, read straight from the CSVs."""
    frames = [pd.read_csv(f, usecols=["Month", "Longitude"]) for f in
              sorted(CITY_STREET.glob("*.csv"))]
    raw = pd.concat(frames, ignore_index=True)
    return raw.groupby("Month").agg(n=("Month", "size"),
                                    unknown=("Longitude", lambda s: int(s.isna().sum())))


def _months(raw: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    return raw.loc[(raw.index >= first) & (raw.index <= last)]


def test_city_of_london_2018_against_2019_by_ward(city, raw_months):
    incidents, areas = city
    cmp = compare_periods(incidents, areas, level="ward", before=2018, after=2019)
    y18, y19 = _months(raw_months, "2018-01", "2018-12"), _months(raw_months, "2019-01",
                                                                   "2019-12")
    assert cmp.total_before == y18["n"].sum()
    assert cmp.total_after == y19["n"].sum()
    t = cmp.table
    assert len(t) == 25 + 2
    unknown = t[t["area_name"] == schema.UNKNOWN_LOCATION].iloc[0]
    assert (unknown["n_before"], unknown["n_after"]) == (y18["unknown"].sum(),
                                                         y19["unknown"].sum())
    tested = t[(t["n_before"] + t["n_after"]) > 0]
    for col in ("p_etest", "p_sppt", "q_sppt", "share_change"):
        assert tested[col].notna().all(), col
    assert ((tested["q_sppt"] >= tested["p_sppt"]) | tested["p_sppt"].isna()).all()
    sentences = describe(cmp)
    pct = percent(abs(cmp.total_change), cmp.total_before)
    verb, noun = ("up", "increase") if cmp.total_change > 0 else ("down", "reduction")
    article = "an" if str(pct).startswith("8") or pct in (11, 18) else "a"
    assert sentences[0].startswith(
        f"{cmp.total_after:,} offences in 2019, {verb} from {cmp.total_before:,} in 2018, "
        f"{article} {pct}% {noun} (")
    top_n = int(t.set_index("area_name").loc[cmp.top_after, "n_after"])
    assert sentences[1].startswith(f"In 2019, {cmp.top_after} had "
                                   f"{percent(top_n, cmp.total_after)}% of offences")
    assert any(s.startswith((f"{cmp.top_before} had the highest number in both periods",
                             "The highest number moved")) for s in sentences)
    assert all(s.endswith(".") for s in sentences)


def test_city_of_london_lockdown_is_a_significant_fall(city, raw_months):
    incidents, areas = city
    cmp = compare_periods(incidents, areas, level="ward", before=("2019-04", "2019-06"),
                          after=("2020-04", "2020-06"))
    assert cmp.total_before == _months(raw_months, "2019-04", "2019-06")["n"].sum()
    assert cmp.total_after == _months(raw_months, "2020-04", "2020-06")["n"].sum()
    assert cmp.total_after < cmp.total_before
    assert cmp.p_total < 0.05
    first = describe(cmp)[0]
    # monthly police.uk data: the default test allows for overdispersion, and the lockdown
    # fall is still significant
    assert cmp.test == "quasi-poisson"
    assert "reduction (statistically significant, quasi-Poisson test p < 0.001)" in first
    assert first.startswith(f"{cmp.total_after:,} offences in Apr 2020 to Jun 2020, down from "
                            f"{cmp.total_before:,} in Apr 2019 to Jun 2019")


def test_city_of_london_quarterly_trend_leaves_out_the_partial_quarters(city, raw_months):
    # the files run from December 2017 to November 2020: 2017 Q4 is December alone and
    # 2020 Q4 October and November; neither can be compared with a full quarter
    incidents, _ = city
    t = trend(incidents, freq="Q").set_index("period")
    assert (t.index[0], t.index[-1]) == ("2017 Q4", "2020 Q4")
    assert t.loc["2017 Q4", "n"] == 651 == _months(raw_months, "2017-12", "2017-12")["n"].sum()
    assert t.loc["2020 Q4", "n"] == _months(raw_months, "2020-10", "2020-11")["n"].sum()
    assert not t.loc["2017 Q4", "complete"]
    assert not t.loc["2020 Q4", "complete"]
    assert t["complete"].sum() == len(t) - 2
    for label in ("2017 Q4", "2018 Q1", "2020 Q4"):  # 2018 Q1 only has 2017 Q4 before it
        assert pd.isna(t.loc[label, "change"]), label
        assert np.isnan(t.loc[label, "pct_change"]), label
        assert np.isnan(t.loc[label, "p_etest"]), label
    assert (t.loc["2018 Q1", "n"], t.loc["2018 Q2", "n"]) == (1988, 2072)
    assert t.loc["2018 Q1", "n"] == _months(raw_months, "2018-01", "2018-03")["n"].sum()
    assert t.loc["2018 Q2", "change"] == 84
    assert t.loc["2018 Q2", "pct_change"] == pytest.approx(100 * 84 / 1988)
    assert t.loc["2018 Q2", "p_etest"] == pytest.approx(etest(1988, 2072, 90, 91))
    assert t.attrs["hotspots"]["incomplete_periods"] == ["2017 Q4", "2020 Q4"]
