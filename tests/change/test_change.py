"""compare_periods, PeriodComparison and trend on a small hand-made district."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from numpy.testing import assert_allclose, assert_array_equal

from hotspots import schema
from hotspots.areas import AreaSet, area_counts, assign_areas
from hotspots.change import DIRECTIONS, PeriodComparison, compare_periods, trend
from hotspots.errors import DataQualityWarning
from hotspots.stats.inference import etest, sppt_chi2

X0, Y0 = 400_000.0, 430_000.0
WARDS = {"Alpha": 0, "Beta": 1, "Gamma": 2}  # ward name -> column of 1 km squares


def toy_areas() -> AreaSet:
    wards = gpd.GeoDataFrame(
        {"area_id": ["W1", "W2", "W3"], "area_name": list(WARDS)},
        geometry=[shapely.box(X0 + 1000 * i, Y0, X0 + 1000 * (i + 1), Y0 + 1000)
                  for i in range(3)], crs="EPSG:27700")
    cons = gpd.GeoDataFrame(
        {"area_id": ["C1", "C2"], "area_name": ["North", "South"]},
        geometry=[shapely.box(X0, Y0, X0 + 2000, Y0 + 1000),
                  shapely.box(X0 + 2000, Y0, X0 + 3000, Y0 + 1000)], crs="EPSG:27700")
    return AreaSet({"ward": wards, "constituency": cons}, name="toy", vintage="2024")


def make_incidents(spec: list[tuple[str, str, int]], **columns) -> gpd.GeoDataFrame:
    """Incidents from (where, date, count): where is a ward name, "outside" or "unknown"."""
    rng = np.random.default_rng(0)
    geoms, dates, status = [], [], []
    for where, date, n in spec:
        for _ in range(n):
            if where == "unknown":
                geoms.append(shapely.Point())
                status.append(schema.UNKNOWN)
            else:
                col = WARDS.get(where, 9)  # "outside": 6 km east of the district
                geoms.append(shapely.Point(X0 + 1000 * col + rng.uniform(100, 900),
                                           Y0 + rng.uniform(100, 900)))
                status.append(schema.LOCATED)
            dates.append(pd.Timestamp(date))
    frame = gpd.GeoDataFrame(
        {schema.OCCURRED: pd.to_datetime(dates),
         schema.LOCATION_STATUS: pd.Categorical(status, categories=[schema.LOCATED,
                                                                    schema.UNKNOWN])},
        geometry=geoms, crs="EPSG:27700")
    for name, values in columns.items():
        frame[name] = values
    return frame


@pytest.fixture(scope="module")
def areas() -> AreaSet:
    return toy_areas()


@pytest.fixture(scope="module")
def incidents() -> gpd.GeoDataFrame:
    return make_incidents([
        ("Alpha", "2018-03-01", 40), ("Beta", "2018-05-01", 12), ("Gamma", "2018-07-01", 3),
        ("outside", "2018-02-01", 2), ("unknown", "2018-09-01", 8),
        ("Alpha", "2019-03-01", 18), ("Beta", "2019-05-01", 30), ("Gamma", "2019-07-01", 4),
        ("unknown", "2019-09-01", 6),
        ("Alpha", "2020-01-01", 5),  # in neither period
    ])


COLUMNS = ["area_id", "area_name", "n_before", "n_after", "share_before", "share_after",
           "change", "pct_change", "p_etest", "share_change", "p_sppt", "q_sppt",
           "test", "dispersion", "p_change", "q_change", "significant", "direction"]


def test_table_schema_rows_and_dtypes(incidents, areas):
    cmp = compare_periods(incidents, areas, level="ward", before=2018, after=2019)
    t = cmp.table
    assert t.columns.tolist() == COLUMNS
    assert t["area_name"].tolist() == ["Alpha", "Beta", "Gamma", schema.OUTSIDE_DISTRICT,
                                       schema.UNKNOWN_LOCATION]
    assert t["area_id"].tolist()[:3] == ["W1", "W2", "W3"]
    assert t["area_id"].isna().tolist() == [False, False, False, True, True]
    assert t["n_before"].tolist() == [40, 12, 3, 2, 8]
    assert t["n_after"].tolist() == [18, 30, 4, 0, 6]
    for col in ("n_before", "n_after", "change"):
        assert t[col].dtype == np.int64
    assert t["significant"].dtype == bool
    assert set(t["direction"]) <= set(DIRECTIONS)
    assert_allclose(t["share_before"].sum(), 1.0)
    assert_allclose(t["share_after"].sum(), 1.0)
    assert t.attrs["hotspots"]["n_outside_periods"] == 5
    assert cmp.level == "ward"
    assert cmp.vintage == "2024"
    assert (cmp.before.label, cmp.after.label) == ("2018", "2019")


def test_counts_and_shares_match_area_counts(incidents, areas):
    cmp = compare_periods(incidents, areas, level="constituency", before=2018, after=2019)
    ref_b = area_counts(incidents, areas, level="constituency", period=2018)
    ref_a = area_counts(incidents, areas, level="constituency", period=2019)
    assert_array_equal(cmp.table["n_before"], ref_b["n"])
    assert_array_equal(cmp.table["n_after"], ref_a["n"])
    assert_allclose(cmp.table["share_before"], ref_b["share"])
    assert_allclose(cmp.table["share_after"], ref_a["share"])
    assert cmp.table["area_name"].tolist() == ref_b["area_name"].tolist()


def test_test_columns_equal_direct_calls(incidents, areas):
    # the Poisson E-test without correction, as before issue 11 (the default is now the
    # quasi-Poisson test on monthly counts with Benjamini-Hochberg; tests below)
    cmp = compare_periods(incidents, areas, level="ward", before=2018, after=2019,
                          test="etest-score", correction="none")
    t = cmp.table
    nb, na = t["n_before"].to_numpy(), t["n_after"].to_numpy()
    expected_p = [etest(b, a, 365, 365) if a + b else np.nan for b, a in zip(nb, na, strict=True)]
    assert_allclose(t["p_etest"], expected_p, equal_nan=True)
    assert_allclose(t["p_change"], expected_p, equal_nan=True)
    assert_allclose(t["q_change"], expected_p, equal_nan=True)
    assert t["test"].tolist() == ["etest-score"] * 5
    sppt = sppt_chi2(nb, na)  # Benjamini-Yekutieli, areas zero in both periods dropped
    assert_allclose(t["p_sppt"], sppt.p, equal_nan=True)
    assert_allclose(t["q_sppt"], sppt.q, equal_nan=True)
    assert_array_equal(t["change"], na - nb)
    assert_allclose(t["pct_change"], [100 * (18 - 40) / 40, 100 * 18 / 12, 100 / 3, -100,
                                      -25])
    assert_allclose(t["share_change"], na / na.sum() - nb / nb.sum())
    # Alpha 40 -> 18 and Beta 12 -> 30 are significant at 0.05, the small ones are not
    assert t["significant"].tolist() == [True, True, False, False, False]
    assert t["direction"].tolist() == ["down", "up", "no significant change",
                                       "no significant change", "no significant change"]
    assert cmp.significant_areas == ["Alpha", "Beta"]


def test_totals_top_areas_and_p_total(incidents, areas):
    cmp = compare_periods(incidents, areas, level="ward", before=2018, after=2019,
                          test="etest-score")
    assert (cmp.total_before, cmp.total_after) == (65, 58)
    assert cmp.total_change == -7
    assert cmp.total_pct_change == pytest.approx(-700 / 65)
    assert cmp.p_total == pytest.approx(etest(65, 58))
    assert (cmp.top_before, cmp.top_after) == ("Alpha", "Beta")
    assert (cmp.top_before_by_share, cmp.top_after_by_share) == ("Alpha", "Beta")
    top = cmp.top_areas("after", k=2)
    assert top["area_name"].tolist() == ["Beta", "Alpha"]
    assert top["n_after"].tolist() == [30, 18]


def test_top_area_ties_go_to_the_first_name(areas):
    inc = make_incidents([("Gamma", "2018-01-01", 7), ("Beta", "2018-01-01", 7),
                          ("Alpha", "2019-01-01", 3)])
    cmp = compare_periods(inc, areas, level="ward", before=2018, after=2019)
    assert cmp.top_before == "Beta"
    assert cmp.top_after == "Alpha"


def test_period_lengths_are_the_exposures(incidents, areas):
    cmp = compare_periods(incidents, areas, level="ward", before=2018, after="2019-Q1",
                          test="etest-score", correction="none")
    assert (cmp.total_before, cmp.total_after) == (65, 18)
    assert cmp.p_total == pytest.approx(etest(65, 18, 365, 90))
    alpha = cmp.table.iloc[0]
    assert alpha["p_etest"] == pytest.approx(etest(40, 18, 365, 90))
    # 18 in a quarter is a higher daily rate than 40 in a year: a significant rise
    assert alpha["direction"] == "up"


def test_financial_years_and_month_ranges(areas):
    inc = make_incidents([("Alpha", "2018-03-31", 1), ("Alpha", "2018-04-01", 2),
                          ("Beta", "2019-03-01", 1)])
    cmp = compare_periods(inc, areas, level="ward", before="2017/18", after="2018/19")
    assert (cmp.total_before, cmp.total_after) == (1, 3)
    cmp = compare_periods(inc, areas, level="ward", before=("2018-01", "2018-03"),
                          after=("2019-01", "2019-03"))
    assert (cmp.total_before, cmp.total_after) == (1, 1)


def test_bad_arguments(incidents, areas):
    with pytest.raises(ValueError, match="overlap"):
        compare_periods(incidents, areas, before=2018, after="2018-06")
    with pytest.raises(ValueError, match="level"):
        compare_periods(incidents, areas, level="lsoa", before=2018, after=2019)
    with pytest.raises(ValueError, match="alpha"):
        compare_periods(incidents, areas, before=2018, after=2019, alpha=5)
    with pytest.raises(ValueError, match="'when'"):
        compare_periods(incidents, areas, before=2018, after=2019, time="when")
    with pytest.raises(ValueError, match="'kind'"):
        compare_periods(incidents, areas, before=2018, after=2019, by="kind")


def test_rows_without_a_date_warn_and_are_counted(areas):
    inc = make_incidents([("Alpha", "2018-01-01", 3), ("Beta", "2019-01-01", 2)])
    inc.loc[0, schema.OCCURRED] = pd.NaT
    with pytest.warns(DataQualityWarning, match="1 incidents have no date"):
        cmp = compare_periods(inc, areas, level="ward", before=2018, after=2019)
    assert cmp.total_before == 2
    assert cmp.table.attrs["hotspots"]["n_no_date"] == 1


def test_preassigned_areas_are_reused(incidents, areas):
    assigned = assign_areas(incidents, areas)
    a = compare_periods(assigned, areas, level="ward", before=2018, after=2019).table
    b = compare_periods(incidents, areas, level="ward", before=2018, after=2019).table
    pd.testing.assert_frame_equal(a, b)


def test_split_by_a_column(areas):
    inc = make_incidents(
        [("Alpha", "2018-01-01", 10), ("Beta", "2018-01-01", 6), ("Alpha", "2019-01-01", 4),
         ("Beta", "2019-01-01", 9), ("Gamma", "2019-01-01", 2)])
    inc["category"] = pd.Categorical(["a"] * 10 + ["b"] * 6 + ["a"] * 4 + ["b"] * 9 + [None] * 2,
                                     categories=["a", "b", "c"])
    cmp = compare_periods(inc, areas, level="ward", before=2018, after=2019, by="category")
    t = cmp.table
    assert t.columns.tolist() == ["category", *COLUMNS]
    assert t["category"].cat.categories.tolist() == ["a", "b", "c", "Not recorded"]
    assert len(t) == 4 * 5
    per = t.groupby("category", observed=False)[["n_before", "n_after"]].sum()
    assert per.loc["a"].tolist() == [10, 4]
    assert per.loc["c"].tolist() == [0, 0]
    assert per.loc["Not recorded"].tolist() == [0, 2]
    # shares and the SPPT are within each group
    group_a = t[t["category"] == "a"]
    assert_allclose(group_a["share_before"].sum(), 1.0)
    assert_allclose(group_a["p_sppt"], sppt_chi2(group_a["n_before"], group_a["n_after"]).p,
                    equal_nan=True)
    assert cmp.group_totals["n_before"].tolist() == [10, 6, 0, 0]
    assert cmp.group_totals["p_etest"].iloc[0] == pytest.approx(etest(10, 4))
    assert isinstance(cmp.overall, PeriodComparison)
    assert cmp.overall.by is None
    assert (cmp.total_before, cmp.total_after) == (16, 15)
    assert cmp.top_after == "Beta"


def test_suppress_hides_small_counts_and_everything_derived(incidents, areas):
    cmp = compare_periods(incidents, areas, level="ward", before=2018, after=2019)
    pub = cmp.suppress(k=5)
    assert pub.suppressed
    assert pub.k == 5
    assert not cmp.suppressed  # the original is untouched
    t = pub.table
    gamma = t[t["area_name"] == "Gamma"].iloc[0]  # 3 -> 4: both hidden
    assert gamma["n_before"] == "<5"
    assert gamma["n_after"] == "<5"
    derived = ["share_before", "share_after", "change", "pct_change", "p_etest",
               "share_change", "p_sppt", "q_sppt", "significant", "direction"]
    assert all(gamma[c] == "[c]" for c in derived)
    outside = t[t["area_name"] == schema.OUTSIDE_DISTRICT].iloc[0]  # 2 -> 0
    assert outside["n_before"] == "<5"
    assert outside["change"] == "[c]"
    # no value derived from a hidden count survives (secondary suppression included)
    hidden_rows = t[t["suppressed"]]
    assert len(hidden_rows) == 3
    for col in derived:
        assert hidden_rows[col].map(lambda v: isinstance(v, str)).all(), col
    # each count column stays protected: its visible cells and total do not reveal a cell
    for col, total in (("n_before", 65), ("n_after", 58)):
        shown = [v for v in t[col] if not isinstance(v, str)]
        n_hidden = sum(isinstance(v, str) for v in t[col])
        assert n_hidden != 1
        assert n_hidden == 0 or total - sum(shown) >= 0
    assert pub.table.attrs["hotspots"]["suppression"]["k"] == 5
    assert pub.total_before == 65


def test_suppress_masks_small_totals(areas):
    inc = make_incidents([("Alpha", "2018-01-01", 3), ("Alpha", "2019-01-01", 9)])
    pub = compare_periods(inc, areas, level="ward", before=2018, after=2019).suppress(5)
    assert pub.total_before == "<5"
    assert pub.total_change is None
    assert np.isnan(pub.p_total)


def test_repr_html_and_repr(incidents, areas):
    cmp = compare_periods(incidents, areas, level="ward", before=2018, after=2019)
    html = cmp._repr_html_()
    assert "Alpha" in html
    assert "quasi-Poisson test p = 0.892" in html  # the test actually used is named
    assert "top_before='Alpha'" in repr(cmp)


# --- trend ---------------------------------------------------------------------------------

def test_trend_includes_empty_periods_and_tests_each_change():
    inc = make_incidents([("Alpha", "2016-05-01", 30), ("Alpha", "2018-06-01", 20),
                          ("Beta", "2019-02-01", 5)])
    # the extract covers the three financial years in full
    t = trend(inc, freq="FY", start="2016/17", end="2018/19")
    assert t.columns.tolist() == ["period", "n", "complete", "change", "pct_change",
                                  "p_etest"]
    assert t["period"].astype(str).tolist() == ["2016/17", "2017/18", "2018/19"]
    assert t["n"].tolist() == [30, 0, 25]
    assert t["complete"].tolist() == [True, True, True]
    assert t["change"].isna().tolist() == [True, False, False]
    assert t["change"].tolist()[1:] == [-30, 25]
    assert t["pct_change"].tolist()[1] == -100
    assert np.isnan(t["pct_change"].iloc[2])  # up from zero
    assert t["p_etest"].iloc[1] == pytest.approx(etest(30, 0, 365, 365))
    assert t["p_etest"].iloc[2] == pytest.approx(etest(0, 25, 365, 365))


def test_trend_months_use_days_as_exposure_and_split_by():
    inc = make_incidents([("Alpha", "2019-01-15", 31), ("Alpha", "2019-02-10", 28)],
                         category=["x"] * 40 + ["y"] * 19)
    t = trend(inc, freq="M", start="2019-01", end="2019-02")
    assert t["period"].astype(str).tolist() == ["Jan 2019", "Feb 2019"]
    assert t["p_etest"].iloc[1] == pytest.approx(etest(31, 28, 31, 28))
    assert t["p_etest"].iloc[1] == pytest.approx(1.0)  # the same daily rate
    by = trend(inc, freq="M", by="category", start="2019-01", end="2019-02")
    assert by.columns.tolist() == ["period", "category", "n", "complete", "change",
                                   "pct_change", "p_etest"]
    assert by["n"].tolist() == [31, 9, 0, 19]
    assert by["change"].tolist()[1::2] == [-22, 19]
    with pytest.raises(ValueError, match="freq"):
        trend(inc, freq="W")


def _dates(spec: dict[str, int]) -> pd.DataFrame:
    """A plain frame (no geometry: trend needs none) with ``count`` incidents per date."""
    dates = [d for d, count in spec.items() for _ in range(count)]
    return pd.DataFrame({schema.OCCURRED: pd.to_datetime(dates, format="ISO8601")})


def test_trend_partly_covered_quarters_of_monthly_data_are_not_compared():
    # police.uk style: months stored as the 1st; December 2017 to November 2018
    inc = _dates({"2017-12-01": 3, "2018-01-01": 4, "2018-03-01": 6, "2018-04-01": 5,
                  "2018-05-01": 5, "2018-06-01": 5, "2018-07-01": 2, "2018-08-01": 2,
                  "2018-09-01": 2, "2018-10-01": 1, "2018-11-01": 1})
    t = trend(inc, freq="Q")
    assert t["period"].astype(str).tolist() == ["2017 Q4", "2018 Q1", "2018 Q2", "2018 Q3",
                                                "2018 Q4"]
    assert t["n"].tolist() == [3, 10, 15, 6, 2]
    assert t["complete"].tolist() == [False, True, True, True, False]
    assert t["complete"].dtype == bool
    # no change for the partial quarters, nor for 2018 Q1 against the December-only 2017 Q4
    assert t["change"].isna().tolist() == [True, True, False, False, True]
    assert t["change"].tolist()[2:4] == [5, -9]
    assert_allclose(t["pct_change"], [np.nan, np.nan, 50.0, -60.0, np.nan])
    # Q1 2018 has 90 days, Q2 91, Q3 92
    assert_allclose(t["p_etest"], [np.nan, np.nan, etest(10, 15, 90, 91),
                                   etest(15, 6, 91, 92), np.nan])
    info = t.attrs["hotspots"]
    assert info["incomplete_periods"] == ["2017 Q4", "2018 Q4"]
    assert (info["coverage_start"], info["coverage_end"]) == ("2017-12-01T00:00:00",
                                                              "2018-12-01T00:00:00")
    assert info["coverage_reason"] == "from the incidents: first to last month (dates are months)"


def test_trend_logs_the_partly_covered_periods(caplog):
    inc = _dates({"2017-12-01": 3, "2018-01-01": 4, "2018-06-01": 1})
    with caplog.at_level("INFO", logger="hotspots.change"):
        trend(inc, freq="Q")
    assert ("the data cover 01 Dec 2017 to 30 Jun 2018 (from the incidents: first to last "
            "month (dates are months)), only part of 2017 Q4; no change is computed"
            in caplog.text)


def test_trend_day_dates_cover_the_days_of_the_first_and_last_incident():
    inc = _dates({"2018-01-01 10:00": 1, "2018-02-14": 1, "2018-03-31 23:00": 1,
                  "2018-04-01": 1, "2018-06-30": 1})
    t = trend(inc, freq="Q")
    assert t["complete"].tolist() == [True, True]  # 30 June counts as a whole day
    assert t["change"].tolist()[1] == -1
    assert t["p_etest"].iloc[1] == pytest.approx(etest(3, 2, 90, 91))
    assert t.attrs["hotspots"]["coverage_end"] == "2018-07-01T00:00:00"
    # without the 30 June incident the data stop on 1 April: Q2 is a single day
    t = trend(inc.iloc[:4], freq="Q")
    assert t["n"].tolist() == [3, 1]
    assert t["complete"].tolist() == [True, False]
    assert t["change"].isna().all()
    assert t["pct_change"].isna().all()
    assert t["p_etest"].isna().all()


def test_trend_start_and_end_state_the_coverage():
    # a force extract for 2016-04-01 to 2019-03-31 whose first offence is on 3 April
    inc = _dates({"2016-04-03": 2, "2017-05-10": 3, "2018-12-25": 4, "2019-03-30": 1})
    t = trend(inc, freq="FY")
    assert t["complete"].tolist() == [False, True, False]
    assert t["change"].isna().all()
    t = trend(inc, freq="FY", start="2016-04-01", end="2019-03-31")
    assert t["n"].tolist() == [2, 3, 5]
    assert t["complete"].tolist() == [True, True, True]
    assert t["change"].tolist()[1:] == [1, 2]
    assert_allclose(t["pct_change"], [np.nan, 50.0, 200.0 / 3])
    assert_allclose(t["p_etest"], [np.nan, etest(2, 3, 365, 365), etest(3, 5, 365, 365)])
    assert t.attrs["hotspots"]["coverage_reason"] == "start and end given"
    assert t.attrs["hotspots"]["incomplete_periods"] == []
    # Timestamps name their day; only one bound may be given
    t = trend(inc, freq="FY", start=pd.Timestamp("2016-04-01"))
    assert t["complete"].tolist() == [True, True, False]
    assert t["change"].isna().tolist() == [True, False, True]
    assert t.attrs["hotspots"]["coverage_reason"] == (
        "start given; otherwise from the incidents: first to last day")


def test_trend_start_before_the_first_incident_adds_empty_complete_periods():
    inc = _dates({"2019-03-01": 2, "2019-04-01": 1})
    t = trend(inc, freq="M", start="2019-01")
    assert t["period"].astype(str).tolist() == ["Jan 2019", "Feb 2019", "Mar 2019", "Apr 2019"]
    assert t["n"].tolist() == [0, 0, 2, 1]
    assert t["complete"].all()
    assert t["change"].isna().tolist() == [True, False, False, False]
    assert t["change"].tolist()[1:] == [0, 2, -1]
    assert_allclose(t["pct_change"], [np.nan, np.nan, np.nan, -50.0])
    assert_allclose(t["p_etest"], [np.nan, np.nan, etest(0, 2, 28, 31), etest(2, 1, 31, 30)])


def test_trend_split_by_shares_the_coverage_of_all_incidents():
    inc = _dates({"2017-12-01": 2, "2018-01-01": 3, "2018-04-01": 4, "2018-07-01": 1})
    inc["category"] = pd.Categorical(["x", "y", "x", "x", "y", "y", "y", "x", "x", "x"])
    t = trend(inc, freq="Q", by="category")
    assert t["period"].astype(str).tolist() == ["2017 Q4", "2018 Q1", "2018 Q2",
                                                "2018 Q3"] * 2
    assert t["n"].tolist() == [1, 2, 2, 1, 1, 1, 2, 0]
    assert t["complete"].tolist() == [False, True, True, False] * 2
    assert t["change"].isna().tolist() == [True, True, False, True] * 2
    assert t["change"].tolist()[2::4] == [0, 1]


def test_trend_coverage_arguments_are_checked():
    inc = _dates({"2018-03-01": 1, "2018-06-15": 1})
    with pytest.raises(ValueError, match=r"1 incidents are dated before 2018-04-01.*'start'"):
        trend(inc, freq="Q", start="2018-Q2")
    with pytest.raises(ValueError, match=r"1 incidents are dated after 2018-05-31.*'end'"):
        trend(inc, freq="Q", end="2018-05")
    with pytest.raises(ValueError, match="coverage of trend is empty"):
        trend(inc.iloc[:0], freq="Q", start="2018-06", end="2018-05")
    with pytest.raises(ValueError, match="Cannot read 'soon' as a period"):
        trend(inc, freq="Q", start="soon")


def test_trend_without_dates():
    empty = _dates({})
    t = trend(empty, freq="Q")
    assert len(t) == 0
    assert t.columns.tolist() == ["period", "n", "complete", "change", "pct_change", "p_etest"]
    assert t.attrs["hotspots"]["coverage_start"] is None
    # stated coverage alone gives the (empty, complete) periods
    t = trend(empty, freq="Q", start="2018-Q1", end="2018-Q2")
    assert t["n"].tolist() == [0, 0]
    assert t["complete"].tolist() == [True, True]
    assert t["change"].tolist()[1] == 0


# --- hotspot_change ------------------------------------------------------------------------

def test_hotspot_change_periods_on_one_grid(incidents, areas):
    from hotspots.change import hotspot_change
    from hotspots.hotspot import hotspot_count

    res = hotspot_change(incidents, before=2018, after=2019, cell_size=500, clip=areas)
    assert res.columns.tolist()[-4:] == ["n_before", "n_after", "change", "geometry"]
    grid = res.drop(columns=["n_before", "n_after", "change"])
    years = incidents[schema.OCCURRED].dt.year
    ref_b = hotspot_count(incidents[years == 2018], grid=grid)["n"]
    ref_a = hotspot_count(incidents[years == 2019], grid=grid)["n"]
    assert_array_equal(res["n_before"], ref_b)
    assert_array_equal(res["n_after"], ref_a)
    assert_array_equal(res["change"], ref_a - ref_b)
    # located incidents inside the district: Alpha, Beta, Gamma
    assert res["n_before"].sum() == 40 + 12 + 3
    assert res["n_after"].sum() == 18 + 30 + 4
    assert res.attrs["hotspots"]["split"] == "periods"


def test_hotspot_change_default_boundary_is_the_time_midpoint_half_open(areas):
    from hotspots.change import hotspot_change

    inc = make_incidents([("Alpha", "2018-01-01", 2), ("Beta", "2018-01-03", 1),
                          ("Gamma", "2018-01-05", 3)])
    # midpoint of 1 and 5 January is 3 January: t < b before, t >= b after (sfhotspot)
    res = hotspot_change(inc, cell_size=1000, clip=areas)
    assert res.attrs["hotspots"]["split_at"] == "2018-01-03T00:00:00"
    assert res["n_before"].tolist() == [2, 0, 0]
    assert res["n_after"].tolist() == [0, 1, 3]
    res = hotspot_change(inc, split_at="2018-01-04", cell_size=1000, clip=areas)
    assert res["n_before"].tolist() == [2, 1, 0]
    assert res["change"].tolist() == [-2, -1, 3]


def test_hotspot_change_arguments(incidents, areas):
    from hotspots.change import hotspot_change

    with pytest.raises(ValueError, match="both"):
        hotspot_change(incidents, before=2018, clip=areas)
    with pytest.raises(ValueError, match="not both"):
        hotspot_change(incidents, before=2018, after=2019, split_at="2019-01-01", clip=areas)


def test_hotspot_change_boundary_keyword_still_works_with_a_futurewarning(areas):
    # renamed split_at in 0.2.0 (issue 12): "boundary" means polygons everywhere else
    from hotspots.change import hotspot_change

    inc = make_incidents([("Alpha", "2018-01-01", 2), ("Beta", "2018-01-03", 1),
                          ("Gamma", "2018-01-05", 3)])
    new = hotspot_change(inc, split_at="2018-01-04", cell_size=1000, clip=areas)
    with pytest.warns(FutureWarning, match=r"boundary=.*renamed split_at="):
        old = hotspot_change(inc, boundary="2018-01-04", cell_size=1000, clip=areas)
    assert old["n_before"].tolist() == new["n_before"].tolist() == [2, 1, 0]
    assert old["n_after"].tolist() == new["n_after"].tolist() == [0, 0, 3]
    assert old.attrs["hotspots"] == new.attrs["hotspots"]
    with pytest.raises(TypeError, match="both"):
        hotspot_change(inc, boundary="2018-01-04", split_at="2018-01-04", clip=areas)


def test_suppressed_group_totals_are_protected(areas):
    inc = make_incidents([("Alpha", "2018-01-01", 40), ("Alpha", "2019-01-01", 30)],
                         category=["a"] * 37 + ["b"] * 3 + ["a"] * 30)
    cmp = compare_periods(inc, areas, level="ward", before=2018, after=2019, by="category")
    groups = cmp.suppress(5).group_totals
    # b = 3 is hidden; a = 37 would reveal it from the total 40, so it is hidden too
    assert groups["n_before"].tolist() == ["[c]", "<5"]
    assert groups["n_after"].tolist() == [30, 0]
    assert groups["p_etest"].tolist() == ["[c]", "[c]"]
