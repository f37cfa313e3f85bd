"""The helpers the period verbs share (hotspots.change._common), tested on their own."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots._params import validate_params
from hotspots.change._common import (
    check_columns,
    count_on,
    coverage,
    dated,
    grid_choices,
    grid_output,
    parse_bound,
    resolve_periods,
    split_groups,
    user_stacklevel,
)
from hotspots.errors import DataQualityWarning


@validate_params({})
def some_verb(frame: pd.DataFrame) -> None:
    """A decorated stand-in for a public verb: helpers name it in their messages."""
    check_columns(frame, time="occurred", by="category")


def test_check_columns_names_the_column_the_parameter_and_the_verb():
    frame = pd.DataFrame({"occurred": pd.to_datetime(["2019-01-01"])})
    check_columns(frame, time="occurred")  # present: no error
    with pytest.raises(ValueError, match=r"no 'when' column \(the 'time' parameter of hotspots\)"):
        check_columns(frame, time="when")
    with pytest.raises(ValueError, match=r"no 'category' column \(the 'by' parameter of "
                                         r"some_verb\)"):
        some_verb(frame)


def test_resolve_periods_parses_and_refuses_overlaps():
    pb, pa = resolve_periods("2017/18", 2019)
    assert (pb.label, pa.label) == ("2017/18", "2019")
    assert (pb.start, pb.end) == (pd.Timestamp("2017-04-01"), pd.Timestamp("2018-04-01"))
    # touching periods do not overlap (half-open)
    resolve_periods(2018, 2019)
    with pytest.raises(ValueError, match=r"'before' \(2018\) and 'after' \(2018/19\).*overlap"):
        resolve_periods(2018, "2018/19")


def test_split_groups_keeps_every_category_and_puts_missing_last():
    assert split_groups(pd.DataFrame({"a": [1, 2]}), None)[0] == [None]
    np.testing.assert_array_equal(split_groups(pd.DataFrame({"a": [1, 2]}), None)[1], [0, 0])
    frame = pd.DataFrame({"kind": pd.Categorical(["b", None, "b"],
                                                 categories=["c", "b", "a"])})
    labels, codes = split_groups(frame, "kind")
    assert labels == ["c", "b", "a", "Not recorded"]  # unused categories kept, in order
    np.testing.assert_array_equal(codes, [1, 3, 1])
    labels, codes = split_groups(pd.DataFrame({"kind": ["y", "x", "y"]}), "kind")
    assert labels == ["x", "y"]
    np.testing.assert_array_equal(codes, [1, 0, 1])


def test_dated_warns_about_missing_dates_at_the_callers_line():
    frame = pd.DataFrame({"occurred": ["2019-01-05", None, "not a date"]})
    with pytest.warns(DataQualityWarning, match="hotspots: 2 incidents have no date") as rec:
        times = dated(frame, "occurred")
    assert rec[0].filename == __file__  # not a line inside the package
    assert times.iloc[0] == pd.Timestamp("2019-01-05")
    assert times.iloc[1:].isna().all()


def test_user_stacklevel_counts_the_frames_inside_the_package():
    assert user_stacklevel() == 1  # called from here: this frame is already outside


def test_coverage_of_month_dates_runs_to_the_end_of_the_last_month():
    months = pd.Series(pd.to_datetime(["2017-12-01", "2018-03-01"]))
    start, end, how = coverage(months)
    assert (start, end) == (pd.Timestamp("2017-12-01"), pd.Timestamp("2018-04-01"))
    assert how == "from the incidents: first to last month (dates are months)"


def test_coverage_of_day_dates_includes_the_last_day():
    days = pd.Series(pd.to_datetime(["2018-01-03 10:00", "2018-02-10 23:00"]))
    start, end, how = coverage(days)
    assert (start, end) == (pd.Timestamp("2018-01-03"), pd.Timestamp("2018-02-11"))
    assert how == "from the incidents: first to last day"


def test_coverage_given_bounds_and_their_checks():
    days = pd.Series(pd.to_datetime(["2018-05-03"]))
    start, end, how = coverage(days, "2018-04", "2018-06")
    assert (start, end, how) == (pd.Timestamp("2018-04-01"), pd.Timestamp("2018-07-01"),
                                 "start and end given")
    assert coverage(days, start="2018-05-01")[2] == (
        "start given; otherwise from the incidents: first to last day")
    two = pd.Series(pd.to_datetime(["2018-05-03", "2018-08-01"]))
    with pytest.raises(ValueError, match="1 incidents are dated before 2018-06-01"):
        coverage(two, start="2018-06")
    with pytest.raises(ValueError, match="1 incidents are dated after 2018-06-30"):
        coverage(two, end="2018-06")
    with pytest.raises(ValueError, match="coverage of hotspots is empty"):
        coverage(days, start="2018-06", end="2018-04")
    assert coverage(pd.Series(pd.to_datetime([None]))) == (None, None, "no dated incidents")


def test_parse_bound_reads_a_date_as_its_day():
    day = parse_bound(pd.Timestamp("2019-03-31 15:00"), "end")
    assert (day.start, day.end) == (pd.Timestamp("2019-03-31"), pd.Timestamp("2019-04-01"))
    month = parse_bound("2019-03", "end")
    assert (month.start, month.end) == (pd.Timestamp("2019-03-01"), pd.Timestamp("2019-04-01"))


def _grid() -> gpd.GeoDataFrame:
    cells = [shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)]
    grid = gpd.GeoDataFrame({"cell_id": [0, 1]}, geometry=cells, crs=27700)
    grid.attrs["hotspots"] = {"cell_size": 100.0, "grid_type": "square", "function": "x"}
    return grid


def test_grid_output_puts_the_new_columns_before_the_geometry():
    out = grid_output(_grid(), {"n": [3, 4], "change": [1, -1]})
    assert out.columns.tolist() == ["cell_id", "n", "change", "geometry"]
    assert out["n"].tolist() == [3, 4]


def test_grid_choices_repeats_only_the_grid_choices():
    assert grid_choices(_grid()) == {"cell_size": 100.0, "grid_type": "square"}
    assert grid_choices(gpd.GeoDataFrame(geometry=[], crs=27700)) == {}  # a user's grid


def test_count_on_counts_per_cell_in_grid_order():
    grid = _grid()
    points = gpd.GeoDataFrame(geometry=shapely.points([[150, 50], [150, 60], [50, 50]]),
                              crs=27700)
    assert count_on(points, grid).tolist() == [1, 2]
    assert count_on(points.iloc[:0], grid).tolist() == [0, 0]
