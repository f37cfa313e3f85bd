"""Deprecation shims of the renamed reader keywords (issue 12: no built-in shadowing).

Each old keyword still works for one release: it warns with a FutureWarning naming the new
keyword, and gives exactly the frame and load report the new keyword gives.
"""

from __future__ import annotations

import pandas as pd
import pytest

from hotspots.io import read_incidents, read_premises

INCIDENTS = pd.DataFrame({"ref": ["A", "", "A", "B"], "lon": [-1.75, -1.76, -1.75, -1.74],
                          "lat": [53.79, 53.80, 53.79, 53.78]})
PREMISES = pd.DataFrame({"licence": ["L1", "L2", "L3"],
                         "premises": ["The Crown", "Star Cars", "Oak Lodge"],
                         "what": ["Public house", "", "Children's home"],
                         "easting": [532000, 532100, 532200],
                         "northing": [181000, 181050, 181100]})


def _same(old: pd.DataFrame, new: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(old, new)
    assert old.attrs["hotspots"]["load"].to_dict() == new.attrs["hotspots"]["load"].to_dict()


def test_read_incidents_id_is_now_incident_id():
    new = read_incidents(INCIDENTS, x="lon", y="lat", incident_id="ref", deduplicate=True)
    with pytest.warns(FutureWarning, match=r"read_incidents\(id=\.\.\.\) is renamed "
                                           r"incident_id="):
        old = read_incidents(INCIDENTS, x="lon", y="lat", id="ref", deduplicate=True)
    _same(old, new)
    assert new["incident_id"].tolist() == ["A", "row:3", "B"]
    assert new.attrs["hotspots"]["load"].duplicates_removed == 1


def test_read_incidents_refuses_both_names():
    with pytest.raises(TypeError, match="got both 'id' and its new name 'incident_id'"):
        read_incidents(INCIDENTS, x="lon", y="lat", id="ref", incident_id="ref")


def test_read_premises_id_and_type_are_now_premises_id_and_premises_type():
    new = read_premises(PREMISES, premises_id="licence", name="premises",
                        premises_type="what", x="easting", y="northing")
    with pytest.warns(FutureWarning) as record:
        old = read_premises(PREMISES, id="licence", name="premises", type="what",
                            x="easting", y="northing")
    messages = sorted(str(w.message) for w in record if w.category is FutureWarning)
    assert len(messages) == 2
    assert "read_premises(id=...) is renamed premises_id=" in messages[0]
    assert "read_premises(type=...) is renamed premises_type=" in messages[1]
    _same(old, new)
    assert new["premises_class"].tolist() == ["pub/bar/nightclub", "taxi/private hire",
                                              "residential"]


def test_missing_column_message_names_the_new_keyword():
    from hotspots.errors import ValidationError

    with pytest.raises(ValidationError, match=r"column 'nope' \(given as incident_id=\)"):
        read_incidents(INCIDENTS, x="lon", y="lat", incident_id="nope")
