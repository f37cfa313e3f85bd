from datetime import date

import pandas as pd
import pytest

from hotspots.periods import Period, parse_period, period_labels, period_of_label


@pytest.mark.parametrize(
    ("value", "start", "end", "label"),
    [
        ("2018/19", "2018-04-01", "2019-04-01", "2018/19"),
        ("2018/2019", "2018-04-01", "2019-04-01", "2018/19"),
        ("FY2017/18", "2017-04-01", "2018-04-01", "2017/18"),
        ("1999/00", "1999-04-01", "2000-04-01", "1999/00"),
        (2019, "2019-01-01", "2020-01-01", "2019"),
        ("2019", "2019-01-01", "2020-01-01", "2019"),
        ("2019-Q2", "2019-04-01", "2019-07-01", "2019 Q2"),
        ("2019-06", "2019-06-01", "2019-07-01", "Jun 2019"),
        ("2011-12", "2011-12-01", "2012-01-01", "Dec 2011"),
        ("2019-06-15", "2019-06-15", "2019-06-16", "15 Jun 2019"),
        (("2019-01", "2019-06"), "2019-01-01", "2019-07-01", "Jan 2019 to Jun 2019"),
        ("2019-01:2019-06", "2019-01-01", "2019-07-01", "Jan 2019 to Jun 2019"),
        (("2019-01-01", "2019-06-30"), "2019-01-01", "2019-07-01",
         "01 Jan 2019 to 30 Jun 2019"),
        (("2017/18", "2018/19"), "2017-04-01", "2019-04-01", "2017/18 to 2018/19"),
        ((date(2019, 1, 1), date(2019, 1, 31)), "2019-01-01", "2019-02-01",
         "01 Jan 2019 to 31 Jan 2019"),
    ],
)
def test_parse_period_forms(value, start, end, label):
    p = parse_period(value)
    assert p.start == pd.Timestamp(start)
    assert p.end == pd.Timestamp(end)
    assert p.label == label


def test_timestamp_pair_is_exact_and_half_open():
    p = parse_period((pd.Timestamp("2019-01-01"), pd.Timestamp("2019-02-01")))
    assert (p.start, p.end) == (pd.Timestamp("2019-01-01"), pd.Timestamp("2019-02-01"))
    mask = p.contains(pd.Series(pd.to_datetime(["2018-12-31 23:59", "2019-01-01", "2019-01-31",
                                                "2019-02-01", None], format="mixed")))
    assert mask.tolist() == [False, True, True, False, False]


def test_adjacent_periods_never_share_a_day():
    times = pd.Series(pd.date_range("2017-01-01", "2019-12-31", freq="D"))
    a, b = parse_period("2017/18"), parse_period("2018/19")
    both = a.contains(times) & b.contains(times)
    assert not both.any()
    assert a.contains(times).sum() == 365
    assert a.contains(pd.Series([pd.Timestamp("2018-03-31 23:00")]))[0]
    assert not a.contains(pd.Series([pd.Timestamp("2018-04-01")]))[0]


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("2018/20", "not a financial year"),
        ("2019-13", "must be 01 to 12"),
        ("last year", "Cannot read 'last year' as a period"),
        ("June", "no year"),
        ("2019-02-30", "Cannot read '2019-02-30' as a period"),
        (("2019-06", "2019-01"), "is empty"),
        (("2019",), "must be a \\(start, end\\) pair"),
        (3.5, "must be a period such as"),
    ],
)
def test_parse_period_errors(value, match):
    with pytest.raises(ValueError, match=match):
        parse_period(value)


def test_period_passthrough_and_days():
    p = parse_period("2019-02")
    assert parse_period(p) is p
    assert p.days == 28
    assert str(p) == "Feb 2019"
    assert isinstance(p, Period)


def test_period_labels_financial_years_include_empty_years():
    s = pd.Series(pd.to_datetime(["2016-05-01", "2018-04-01", "2017-03-31", None]),
                  index=[5, 6, 7, 8])
    labels = period_labels(s, "FY")
    assert labels.tolist()[:3] == ["2016/17", "2018/19", "2016/17"]
    assert pd.isna(labels.iloc[3])
    assert list(labels.cat.categories) == ["2016/17", "2017/18", "2018/19"]
    assert labels.index.tolist() == [5, 6, 7, 8]


@pytest.mark.parametrize(
    ("freq", "expected"),
    [("Y", ["2018", "2019"]), ("Q", ["2018 Q4", "2019 Q1"]), ("M", ["Dec 2018", "Jan 2019"])],
)
def test_period_labels_other_frequencies(freq, expected):
    s = pd.Series(pd.to_datetime(["2018-12-31", "2019-01-01"]))
    assert period_labels(s, freq).tolist() == expected
    for lab in expected:
        back = period_of_label(lab, freq)
        assert back.label == lab


def test_period_labels_bad_freq():
    with pytest.raises(ValueError, match="'freq' parameter"):
        period_labels(pd.Series(pd.to_datetime(["2019-01-01"])), "W")


# --- know when the data are (issue 10, #2) ----------------------------------------------
def _monthly_2017(make_incidents):
    """24 located incidents in one Bradford square, two a month through 2017."""
    import geopandas as gpd
    import shapely

    from hotspots.areas import AreaSet

    inc = make_incidents([(416500.0, 433500.0)] * 24)
    inc["occurred"] = pd.to_datetime([f"2017-{m:02d}-01" for m in range(1, 13)] * 2)
    square = gpd.GeoDataFrame({"area_id": ["A"], "area_name": ["Square"]},
                              geometry=[shapely.box(416000, 433000, 417000, 434000)],
                              crs="EPSG:27700")
    return inc, AreaSet({"ward": square}, name="toy", vintage="t")


def test_period_outside_the_data_is_an_error_with_the_coverage(make_incidents):
    from hotspots.areas import area_counts
    from hotspots.errors import ValidationError

    inc, areas = _monthly_2017(make_incidents)
    # the old code returned an all-zero table with NaN shares
    with pytest.raises(ValidationError, match=r"The period 2019 \(2019-01 to 2019-12\) is "
                       r"outside the data: the incidents cover 2017-01 to 2017-12"):
        area_counts(inc, areas, level="ward", period=2019)
    with pytest.raises(ValidationError, match="cover 2017-01 to 2017-12"):
        area_counts(inc, areas, level="ward", period="2016-12")


def test_period_partly_covered_warns_and_counts_the_covered_part(make_incidents):
    from hotspots.areas import area_counts
    from hotspots.errors import DataQualityWarning

    inc, areas = _monthly_2017(make_incidents)
    with pytest.warns(DataQualityWarning, match=r"The period 2017/18 \(2017-04 to 2018-03\) "
                      r"is only partly covered: the incidents cover 2017-01 to 2017-12, so "
                      r"its counts are for 2017-04 to 2017-12 only"):
        table = area_counts(inc, areas, level="ward", period="2017/18")
    assert table.loc[table["area_id"] == "A", "n"].item() == 18  # Apr to Dec, two a month


def test_period_covered_is_silent(make_incidents, recwarn):
    from hotspots.areas import area_counts

    inc, areas = _monthly_2017(make_incidents)
    table = area_counts(inc, areas, level="ward", period="2017-Q2")
    assert table["n"].sum() == 6
    assert not recwarn.list


def test_data_coverage_and_check_coverage_units():
    from hotspots.errors import DataQualityWarning, ValidationError
    from hotspots.periods import check_coverage, data_coverage

    times = pd.Series(pd.to_datetime(["2017-03-15 10:00", None, "2017-04-30 23:59",
                                      "2017-05-02 00:00"]))
    assert data_coverage(times) == (pd.Timestamp("2017-03-01"), pd.Timestamp("2017-06-01"))
    assert data_coverage(pd.Series([None, None])) is None
    check_coverage("2017-04", times)
    check_coverage("2030", pd.Series([None]))  # no dates: nothing to check against
    with pytest.warns(DataQualityWarning, match=r"\(2017-02-10 to 2017-03-31\) is only partly "
                      r"covered: the data cover 2017-03 to 2017-05, so its counts are for "
                      r"2017-03 only"):
        # a day-exact pair is reported by days, the covered part by months
        check_coverage((pd.Timestamp("2017-02-10"), pd.Timestamp("2017-04-01")), times)
    with pytest.raises(ValidationError, match="the data cover 2017-03 to 2017-05"):
        check_coverage("2017-06", times)
    # the period ends exactly where the data start: no overlap
    with pytest.raises(ValidationError):
        check_coverage("2017-02", times)


def test_sparse_data_cannot_show_their_coverage(make_incidents, recwarn):
    """A few flagged incidents with empty months: no refusal, only a note when none is dated
    in the period (the months may be truly empty)."""
    from hotspots.areas import area_counts
    from hotspots.errors import DataQualityWarning
    from hotspots.periods import check_coverage

    times = pd.Series(pd.to_datetime(["2018-02-01", "2018-07-01", "2019-03-01"]))
    check_coverage("2018", times)  # starts before the first incident: not reported
    assert not recwarn.list
    with pytest.warns(DataQualityWarning, match=r"No incident is dated in the period 2020 "
                      r"\(2020-01 to 2020-12\): the data span 2018-02 to 2019-03, with 11 of "
                      r"14 months empty"):
        check_coverage("2020", times)
    inc, areas = _monthly_2017(make_incidents)
    sparse = inc.iloc[[0, 5, 11]]  # Jan, Jun and Dec 2017
    with pytest.warns(DataQualityWarning, match="No incident is dated"):
        table = area_counts(sparse, areas, level="ward", period="2016")
    assert table["n"].sum() == 0
