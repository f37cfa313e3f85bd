"""Property tests: no row is ever lost or invented by read_incidents.

For random mixes of good rows, blank-location rows, (0, 0) rows, bad coordinates, half
coordinates, points abroad, bad dates and repeated ids, the load report balances, every
count matches a straightforward sequential model of the rules, and every kept row traces
back to its source row.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from hotspots.errors import DataQualityWarning, EmptyDataError
from hotspots.io import read_incidents

KINDS = ["good", "blank", "zero", "bad_coord", "half", "outside", "bad_date", "dup"]
REJECTED = {"bad_coord", "half", "outside"}
UNKNOWN = {"blank", "zero"}
WGS_TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)


@st.composite
def tables(draw):
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=40))
    records = []
    for i, kind in enumerate(kinds):
        lon = draw(st.floats(-3.0, -1.0)).__round__(6)
        lat = draw(st.floats(51.0, 55.0)).__round__(6)
        rid = f"r{i}"
        x, y, when = f"{lon}", f"{lat}", "2019-05-01"
        if kind == "blank":
            x = y = ""
        elif kind == "zero":
            x = y = "0"
        elif kind == "bad_coord":
            x = draw(st.sampled_from(["abc", "1.2.3", "-1,5", "five"]))
        elif kind == "half":
            y = ""
        elif kind == "outside":
            y = "40.0"
        elif kind == "bad_date":
            when = draw(st.sampled_from(["2019-13-45", "not a date", "31/31/2019"]))
        elif kind == "dup" and i > 0:
            rid = f"r{draw(st.integers(0, i - 1))}"
        records.append({"id": rid, "lon": x, "lat": y, "when": when, "kind": kind})
    return records


def model(records):
    """What the rules say should happen to each row, in order."""
    kept_ids: set[str] = set()
    fate = []
    for r in records:
        if r["kind"] in REJECTED:
            fate.append("rejected")
        elif r["id"] in kept_ids:
            fate.append("duplicate")
        else:
            kept_ids.add(r["id"])
            fate.append("unknown" if r["kind"] in UNKNOWN else "located")
    return fate


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("prop")


@settings(max_examples=60, deadline=None)
@given(records=tables(), as_frame=st.booleans())
def test_no_row_lost_and_every_row_traceable(folder, records, as_frame):
    table = pd.DataFrame(records)
    source = table.drop(columns="kind")
    if not as_frame:
        path = folder / "incidents.csv"
        source.to_csv(path, index=False)
        source = path
    fate = model(records)
    n_kept = sum(f in ("located", "unknown") for f in fate)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        if n_kept == 0 and "duplicate" not in fate:
            with pytest.raises(EmptyDataError, match="every one of the"):
                read_incidents(source, x="lon", y="lat", crs="EPSG:4326", incident_id="id",
                               occurred="when", deduplicate=True, today="2030-01-01")
            return
        f = read_incidents(source, x="lon", y="lat", crs="EPSG:4326", incident_id="id",
                           occurred="when", deduplicate=True, today="2030-01-01")
    report = f.attrs["hotspots"]["load"]

    # the balance, and each term against the model
    assert report.rows_read == len(records)
    assert report.rows_read == (report.located + report.unknown_location
                                + report.rejected_total + report.duplicates_removed)
    assert report.located == fate.count("located")
    assert report.unknown_location == fate.count("unknown")
    assert report.rejected_total == fate.count("rejected")
    assert report.duplicates_removed == fate.count("duplicate")
    assert len(f) == report.kept

    # every kept row traces back to its source row, in order
    pos = f["source_row"].to_numpy() - 2
    assert (np.diff(pos) > 0).all()
    assert [fate[i] for i in pos] == f["location_status"].astype(str).tolist()
    assert f["incident_id"].tolist() == [records[i]["id"] for i in pos]
    bad_date = np.array([records[i]["kind"] == "bad_date" for i in pos], dtype=bool)
    assert f["occurred"].isna().to_numpy().tolist() == bad_date.tolist()
    located = (f["location_status"] == "located").to_numpy()
    assert (f.geometry.is_empty.to_numpy() == ~located).all()
    if located.any():
        lon = [float(records[i]["lon"]) for i in pos[located]]
        lat = [float(records[i]["lat"]) for i in pos[located]]
        e, n = WGS_TO_BNG.transform(lon, lat)
        np.testing.assert_allclose(f.geometry.x[located], e, atol=1e-6)
        np.testing.assert_allclose(f.geometry.y[located], n, atol=1e-6)
    # rejected reasons only name rows that the model rejected
    for issue in report.rejected.values():
        for _, row in issue.rows:
            assert fate[row - 2] == "rejected"
