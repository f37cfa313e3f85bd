"""Tests of hotspots.episodes._common: input checks that name the verb, coordinates, codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.episodes import episode_flows, per_child, per_place, repeat_flags
from hotspots.episodes._common import check_episodes, child_codes, xy_of
from hotspots.episodes.cohort import at_risk_snapshots, cohort_series
from hotspots.errors import ValidationError


def test_check_episodes_names_every_missing_column_and_the_running_verb():
    with pytest.raises(ValidationError) as err:
        check_episodes(pd.DataFrame({"x": [1]}), needed=("child", "start"))
    assert [p.column for p in err.value.problems] == ["child", "start"]
    assert "hotspots: column 'child' was not found" in str(err.value)  # no verb running
    with pytest.raises(TypeError, match=r"^flow_lines expects the episodes frame"):
        check_episodes([1, 2], "flow_lines")  # an explicit caller still wins


def test_public_verbs_name_themselves_in_messages():
    # issue 12: the verb comes from validate_params, not from a hand-passed caller=
    frame = pd.DataFrame({"child": ["a"], "start": pd.to_datetime(["2019-01-01"])})
    with pytest.raises(ValidationError, match="per_child: column 'home' was not found"):
        per_child(frame, origin="home")
    with pytest.raises(ValueError, match="The 'within_days' parameter of repeat_flags must be "
                                         "a finite number > 0"):
        repeat_flags(frame, within_days=0)
    with pytest.raises(ValueError, match="The 'snap' parameter of per_place"):
        per_place(frame, snap=-1)
    with pytest.raises(ValueError, match=r"The 'mode' parameter of episode_flows must be one "
                                         r"of 'public', 'restricted'\. Got 'open' instead"):
        episode_flows(frame, None, mode="open")
    with pytest.raises(TypeError, match=r"^at_risk_snapshots expects the register"):
        at_risk_snapshots(frame)
    # a verb that calls another names the one the user called
    with pytest.raises(TypeError, match=r"^cohort_series expects the register"):
        cohort_series(frame, None)


def test_xy_of_gives_nan_for_empty_and_missing_points():
    x, y = xy_of(pd.Series([shapely.Point(1, 2), shapely.Point(), None, shapely.Point(5, 6)]))
    np.testing.assert_array_equal(x, [1.0, np.nan, np.nan, 5.0])
    np.testing.assert_array_equal(y, [2.0, np.nan, np.nan, 6.0])


def test_child_codes_blank_is_minus_one():
    codes, uniques = child_codes(pd.Series(["b", None, "a", "b"]))
    assert codes.tolist() == [0, -1, 1, 0]
    assert uniques.tolist() == ["b", "a"]
