"""Chunked reads equal whole-file reads: the same frame, the same load report.

A large file is converted in pieces cut at record boundaries (``chunk_bytes``); here the
budget is a few hundred bytes, so a file of a dozen rows is cut into many pieces, and the
pieces include rows with no location, blank ids (anti-social behaviour, given generated ids
that name their row), rows that are rejected (a piece of nothing but rejected rows too),
(0, 0) coordinates and another force. The whole read (:func:`read_police_uk`) is the peer.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotspots.errors import DataQualityWarning
from hotspots.io import read_incidents, read_police_uk
from hotspots.io.dataset import read_incident_dataset
from hotspots.io.load_report import LoadReport
from hotspots.io.stream import _cut, convert_incidents

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context")
TODAY = "2024-01-01"
ROW_KINDS = ["crime", "asb", "blank", "junk", "zero", "other_force", "quoted"]


def _row(kind: str, i: int, month: str) -> str:
    lon, lat = f"{-1.80 + 0.001 * (i % 97):.6f}", f"{53.78 + 0.001 * (i % 89):.6f}"
    cid, force, ctype, where = f"id{i:05d}", "West Yorkshire Police", "Burglary", "Main St"
    if kind == "asb":
        cid, ctype = "", "Anti-social behaviour"
    elif kind == "blank":
        lon = lat = ""
    elif kind == "junk":
        lon = "n/a"
    elif kind == "zero":
        lon = lat = "0"
    elif kind == "other_force":
        force = "North Yorkshire Police"
    elif kind == "quoted":  # a quoted value holding the separator and a doubled quote
        where = '"On or near ""The Mall"", Leeds"'
    return (f"{cid},{month},{force},{force},{lon},{lat},{where},E01010{i % 9},"
            f"Bradford 00{i % 9}A,{ctype},Under investigation,")


def _write(folder: Path, month: str, kinds: list[str], start: int) -> Path:
    path = folder / f"{month}-west-yorkshire-street.csv"
    lines = [HEADER, *(_row(k, start + j, month) for j, k in enumerate(kinds))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _accounting(report: LoadReport) -> dict:
    """The report's accounting: messages and notes hold per-file (per-piece) counts."""
    d = report.to_dict()
    for key in ("source", "notes", "warnings"):
        d.pop(key)
    for kind in ("rejected", "flagged"):
        for issue in d[kind].values():
            issue.pop("message")
    return d


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return fn(*args, **kwargs)


files_strategy = st.lists(
    # the first row is a located crime: a file whose every row is rejected is refused on its
    # own by the whole read too
    st.lists(st.sampled_from(ROW_KINDS), min_size=0, max_size=14).map(lambda k: ["crime", *k]),
    min_size=1, max_size=2)


@pytest.mark.slow
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=files_strategy, chunk_bytes=st.integers(min_value=150, max_value=900))
def test_pieces_of_police_uk_files_equal_the_whole_read(tmp_path_factory, files, chunk_bytes):
    folder = tmp_path_factory.mktemp("in")
    start = 0
    for m, kinds in enumerate(files):
        _write(folder, f"2019-{m + 1:02d}", kinds, start)
        start += len(kinds)
    whole = _quiet(read_police_uk, folder, today=TODAY)
    out = tmp_path_factory.mktemp("out") / "ds"
    done = _quiet(convert_incidents, folder, out, today=TODAY, chunk_bytes=chunk_bytes)
    back = read_incident_dataset(out)
    pd.testing.assert_frame_equal(back, whole)
    assert _accounting(done.report) == _accounting(whole.attrs["hotspots"]["load"])
    # the files were really cut: one bigger than two budgets is in two pieces or more
    for path in folder.iterdir():
        cuts = _cut(path, chunk_bytes, True, {})
        if path.stat().st_size > 2 * chunk_bytes:
            assert cuts is not None
            assert len(cuts.ranges) >= 2


@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(xs=st.lists(st.one_of(st.none(), st.floats(400000, 430000), st.just(float("nan"))),
                   min_size=1, max_size=30),
       chunk_bytes=st.integers(min_value=60, max_value=400))
def test_pieces_of_a_generic_table_equal_the_whole_read(tmp_path_factory, xs, chunk_bytes):
    folder = tmp_path_factory.mktemp("in")
    frame = pd.DataFrame({"ref": [f"r{i}" if i % 3 else "" for i in range(len(xs))],
                          "x": xs, "y": [433000.0] * len(xs),
                          "when": [f"2019-0{1 + i % 3}-0{1 + i % 7}" for i in range(len(xs))]})
    frame.loc[0, ["x", "ref"]] = [415000.0, "first"]  # one good row, as above
    path = folder / "table.csv"
    frame.to_csv(path, index=False)
    kwargs = {"x": "x", "y": "y", "occurred": "when", "incident_id": "ref", "today": TODAY}
    whole = _quiet(read_incidents, path, **kwargs)
    out = tmp_path_factory.mktemp("out") / "ds"
    done = _quiet(convert_incidents, path, out, chunk_bytes=chunk_bytes, **kwargs)
    back = read_incident_dataset(out)
    pd.testing.assert_frame_equal(back, whole)
    assert _accounting(done.report) == _accounting(whole.attrs["hotspots"]["load"])
