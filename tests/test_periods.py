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
