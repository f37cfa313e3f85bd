"""Streaming conversion (hotspots.io.stream) and datasets read back (hotspots.io.dataset).

The contract: converting files chunk by chunk and reading the dataset back gives the frame a
whole read gives (same rows, order, values and dtypes), and the merged load report has the
same accounting: rows read, located, unknown, every rejected and flagged reason with its
count and example rows, duplicates and files.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import hotspots
from hotspots.areas import area_counts
from hotspots.errors import DataQualityWarning, ValidationError
from hotspots.io import load_boundaries, read_incidents, read_police_uk
from hotspots.io.dataset import read_incident_dataset, report_from_dict
from hotspots.io.load_report import LoadReport
from hotspots.io.stream import _cut, _records, convert_incidents

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context")
TODAY = "2024-01-01"
# kinds of row: a located crime, anti-social behaviour (no id), no location, junk
# coordinates (rejected), (0, 0) (kept as unknown, flagged), another force
ROW_KINDS = ["crime", "asb", "blank", "junk", "zero", "other_force"]
# and a quoted Location holding the separator and a doubled quote (where files are cut)
CUT_ROW_KINDS = [*ROW_KINDS, "quoted"]


def _row(kind: str, i: int, month: str) -> str:
    lon, lat = f"{-1.80 + 0.001 * (i % 97):.6f}", f"{53.78 + 0.001 * (i % 89):.6f}"
    cid, force, ctype = f"id{i:05d}", "West Yorkshire Police", "Burglary"
    where = "On or near Main Street"
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
    elif kind == "quoted":
        where = '"On or near ""The Mall"", Leeds"'
    return (f"{cid},{month},{force},{force},{lon},{lat},{where},E01010{i % 9},"
            f"Bradford 00{i % 9}A,{ctype},Under investigation,")


def _write_month(folder: Path, month: str, kinds: list[str], start: int) -> Path:
    path = folder / f"{month}-west-yorkshire-street.csv"
    lines = [HEADER, *(_row(k, start + j, month) for j, k in enumerate(kinds))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _accounting(report: LoadReport) -> dict:
    """The report without its description, notes, warnings and messages (those are per file:
    a message can hold the file's own counts, so the merged report lists them by file)."""
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


months_strategy = st.lists(
    # every file has a located crime first: a file whose every row is rejected is refused
    # by the reader on its own (EmptyDataError), which a whole read of several files is not
    st.lists(st.sampled_from(ROW_KINDS), min_size=0, max_size=12).map(lambda k: ["crime", *k]),
    min_size=1, max_size=4)


@pytest.mark.slow
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=months_strategy)
def test_chunked_equals_whole_read(tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("in")
    start = 0
    for m, kinds in enumerate(files):
        _write_month(folder, f"2019-{m + 1:02d}", kinds, start)
        start += len(kinds)
    whole = _quiet(read_police_uk, folder, today=TODAY)
    out = tmp_path_factory.mktemp("out") / "ds"
    done = _quiet(convert_incidents, folder, out, today=TODAY)
    back = read_incident_dataset(out)
    pd.testing.assert_frame_equal(back, whole)
    assert _accounting(done.report) == _accounting(whole.attrs["hotspots"]["load"])
    assert back.attrs["hotspots"]["load"] == done.report


def test_rows_of_every_kind_are_accounted_for(tmp_path):
    kinds = ["crime", "asb", "blank", "junk", "zero", "junk", "other_force"]
    _write_month(tmp_path, "2019-01", kinds, 0)
    _write_month(tmp_path, "2019-02", ["crime", "junk"], 100)
    done = _quiet(convert_incidents, tmp_path, tmp_path / "ds", today=TODAY)
    rep = done.report
    assert (rep.rows_read, rep.located, rep.unknown_location, rep.rejected_total) == (
        9, 4, 2, 3)
    (issue,) = rep.rejected.values()
    assert issue.rows == (("2019-01-west-yorkshire-street.csv", 5),
                          ("2019-01-west-yorkshire-street.csv", 7),
                          ("2019-02-west-yorkshire-street.csv", 3))
    assert rep.flagged["zero_coordinates"].count == 1
    # messages holding one file's counts are listed by file, not the first one for all
    assert issue.message.startswith("By file: 2019-01-west-yorkshire-street.csv: ")
    # the generated id of the anti-social behaviour row names its file and row
    back = read_incident_dataset(tmp_path / "ds")
    assert "2019-01-west-yorkshire-street:3" in back["incident_id"].tolist()


def test_partitions_by_force_year_month(tmp_path):
    _write_month(tmp_path, "2019-01", ["crime", "other_force"], 0)
    _write_month(tmp_path, "2019-02", ["crime"], 10)
    _quiet(convert_incidents, tmp_path, tmp_path / "ds", today=TODAY)
    folders = sorted(str(p.parent.relative_to(tmp_path / "ds"))
                     for p in (tmp_path / "ds").rglob("*.parquet") if p.name.startswith("part"))
    assert folders == [
        "force=North%20Yorkshire%20Police/year=2019/month=01",
        "force=West%20Yorkshire%20Police/year=2019/month=01",
        "force=West%20Yorkshire%20Police/year=2019/month=02",
    ]


@pytest.mark.slow
def test_period_and_area_filters(tmp_path):
    for m in range(1, 4):
        _write_month(tmp_path, f"2019-{m:02d}", ["crime"] * 30, 100 * m)
    areas = load_boundaries("bradford-2013")
    done = _quiet(convert_incidents, tmp_path, tmp_path / "ds", today=TODAY, areas=areas,
                  levels="ward", allow_outside=True)
    whole = _quiet(read_police_uk, tmp_path, today=TODAY)
    feb = read_incident_dataset(tmp_path / "ds", period="2019-02")
    assert feb["occurred"].unique().tolist() == [pd.Timestamp("2019-02-01")]
    assert len(feb) == 30
    first = done.counts["ward"].dropna(subset=["area_id"]).query("n > 0")["area_id"].iloc[0]
    one = read_incident_dataset(tmp_path / "ds", level="ward", area_ids=[first],
                                period=("2019-01", "2019-02"))
    expected = area_counts(whole, areas, level="ward", allow_outside=True,
                           period=("2019-01", "2019-02")).set_index("area_id")["n"]
    assert len(one) == expected[first] > 0
    assert set(one["ward_id"]) == {first}


@pytest.mark.slow
def test_counts_equal_area_counts(tmp_path):
    for m in range(1, 3):
        _write_month(tmp_path, f"2019-{m:02d}", ["crime", "blank", "asb"] * 20, 100 * m)
    areas = load_boundaries("bradford-2013")
    done = _quiet(convert_incidents, tmp_path, tmp_path / "ds", today=TODAY, areas=areas,
                  allow_outside=True)
    whole = _quiet(read_police_uk, tmp_path, today=TODAY)
    for level in areas.level_names:
        ours = done.counts[level]
        theirs = area_counts(whole, areas, level=level, allow_outside=True)
        pd.testing.assert_frame_equal(ours[["area_id", "area_name", "n", "share"]],
                                      theirs[["area_id", "area_name", "n", "share"]],
                                      check_dtype=False)
        assert ours["n"].sum() == 120


def test_frames_and_read_incidents_options(tmp_path):
    frames = [pd.DataFrame({"ref": ["a", "b"], "x": [415000.0, 416000.0],
                            "y": [433000.0, 434000.0], "when": ["2019-01-05", "2019-02-07"]}),
              pd.DataFrame({"ref": ["b", "c"], "x": [417000.0, None], "y": [435000.0, None],
                            "when": ["2019-03-01", "2019-03-02"]})]
    done = convert_incidents(frames, tmp_path / "ds", x="x", y="y", occurred="when",
                             incident_id="ref", deduplicate=True)
    # "b" repeats across chunks: removed, as a whole read with deduplicate=True removes it
    rep = done.report
    assert (rep.rows_read, rep.located, rep.unknown_location, rep.duplicates_removed) == (
        4, 2, 1, 1)
    back = read_incident_dataset(tmp_path / "ds")
    assert back["incident_id"].tolist() == ["a", "b", "c"]
    whole = read_incidents(pd.concat(frames, ignore_index=True), x="x", y="y",
                           occurred="when", incident_id="ref", deduplicate=True)
    assert back["incident_id"].tolist() == whole["incident_id"].tolist()


def test_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "old.parquet").write_text("x")
    frame = pd.DataFrame({"x": [415000.0], "y": [433000.0]})
    with pytest.raises(ValidationError, match="is not empty"):
        convert_incidents(frame, tmp_path / "ds", x="x", y="y")


def test_incomplete_dataset_is_refused(tmp_path):
    (tmp_path / "ds").mkdir()
    with pytest.raises(ValidationError, match="stopped before the end"):
        read_incident_dataset(tmp_path / "ds")


def test_partition_column_clash_is_refused(tmp_path):
    frame = pd.DataFrame({"x": [415000.0], "y": [433000.0], "year": ["2019"]})
    with pytest.raises(ValidationError, match="clash with the dataset's partition"):
        convert_incidents(frame, tmp_path / "ds", x="x", y="y")


def test_report_json_round_trip(tmp_path):
    _write_month(tmp_path, "2019-01", ["crime", "junk", "zero"], 0)
    done = _quiet(convert_incidents, tmp_path, tmp_path / "ds", today=TODAY)
    data = json.loads((tmp_path / "ds" / "_load_report.json").read_text())
    assert report_from_dict(data) == done.report
    assert np.isfinite(done.rows_per_second)


def test_read_incidents_reads_a_converted_dataset_back(tmp_path):
    _write_month(tmp_path, "2019-01", ["crime", "blank"] * 3, 0)
    _quiet(convert_incidents, tmp_path, tmp_path / "ds", today=TODAY)
    back = hotspots.read_incidents(tmp_path / "ds")
    direct = read_incident_dataset(tmp_path / "ds")
    pd.testing.assert_frame_equal(back, direct)
    assert len(back) == 6


def test_a_folder_that_is_not_a_dataset_is_read_as_files(tmp_path):
    _write_month(tmp_path, "2019-01", ["crime"] * 2, 0)
    frame = _quiet(hotspots.read_incidents, tmp_path, x="Longitude", y="Latitude",
                   occurred="Month", category="Crime type", incident_id="Crime ID")
    assert len(frame) == 2


def test_cli_convert_cuts_a_big_file_into_pieces(tmp_path, capsys):
    import argparse

    from hotspots.cli.convert import add_parser

    kinds = ["crime", "asb", "junk", "blank", "crime", "asb"] * 20
    path = _write_month(tmp_path, "2019-01", kinds, 0)
    parser = argparse.ArgumentParser(prog="hotspots")
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["convert", str(path), "--out", str(tmp_path / "ds"),
                              "--chunk-mb", str(2000 / 2**20)])
    assert _quiet(args.func, args) == 0
    whole = _quiet(read_police_uk, path)
    back = read_incident_dataset(tmp_path / "ds")
    pd.testing.assert_frame_equal(back, whole)
    rep = back.attrs["hotspots"]["load"]
    assert (rep.rows_read, rep.rejected_total, rep.unknown_location) == (120, 20, 20)
    # the last anti-social behaviour row (row 121 of the file, not of its piece) names itself
    assert "2019-01-west-yorkshire-street:121" in back["incident_id"].tolist()
    assert rep.files[0].rows == 120
    printed = capsys.readouterr().out
    assert "120 rows in" in printed
    # really cut: about 16 kB in pieces of 2 kB
    assert int(printed.split(" chunks converted")[0].split()[-1]) >= 5


# --- pieces of one file (chunk_bytes) -------------------------------------------------------
# A large file is converted in pieces cut at record boundaries; here the budget is a few
# hundred bytes, so a file of a dozen rows is cut into many pieces, including pieces of
# nothing but rejected rows. The whole read is the peer.
files_strategy = st.lists(
    # the first row is a located crime: a file whose every row is rejected is refused on its
    # own by the whole read too
    st.lists(st.sampled_from(CUT_ROW_KINDS), min_size=0, max_size=14).map(lambda k: ["crime", *k]),
    min_size=1, max_size=2)


@pytest.mark.slow
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=files_strategy, chunk_bytes=st.integers(min_value=150, max_value=900))
# a crime row longer than the budget, then a short row: two pieces, not one of both
@example(files=[["crime", "blank"]], chunk_bytes=150)
def test_pieces_of_police_uk_files_equal_the_whole_read(tmp_path_factory, files, chunk_bytes):
    folder = tmp_path_factory.mktemp("in")
    start = 0
    for m, kinds in enumerate(files):
        _write_month(folder, f"2019-{m + 1:02d}", kinds, start)
        start += len(kinds)
    whole = _quiet(read_police_uk, folder, today=TODAY)
    out = tmp_path_factory.mktemp("out") / "ds"
    done = _quiet(convert_incidents, folder, out, today=TODAY, chunk_bytes=chunk_bytes)
    back = read_incident_dataset(out)
    pd.testing.assert_frame_equal(back, whole)
    assert _accounting(done.report) == _accounting(whole.attrs["hotspots"]["load"])
    # the files were really cut: one of two records or more, over the budget below its
    # header, is in two pieces or more (a record longer than the budget makes a piece alone)
    for path, kinds in zip(sorted(folder.iterdir()), files, strict=True):
        cuts = _cut(path, chunk_bytes, True, {})
        if path.stat().st_size > chunk_bytes:
            assert cuts is not None
            if len(kinds) >= 2 and cuts.ranges[-1][1] - cuts.ranges[0][0] > chunk_bytes:
                assert len(cuts.ranges) >= 2
            assert all(stop - start <= chunk_bytes or _records(path.read_bytes()[start:stop]) == 1
                       for start, stop in cuts.ranges[:-1])


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
