"""Tests of hotspots.io.LoadReport: the balance invariant, tables, text and HTML views."""

from __future__ import annotations

import re

import pytest

from hotspots.io import LoadReport
from hotspots.io.load_report import FileRecord, RowIssue


def _report(**kw) -> LoadReport:
    base = {
        "source": "incidents.csv",
        "rows_read": 1_250,
        "located": 1_000,
        "unknown_location": 200,
        "rejected": {
            "non_numeric_coordinate": RowIssue(
                "non-numeric coordinates", 30, (("a.csv", 3), ("a.csv", 9), ("b.csv", 2)),
                "'lon' has 30 values that are not numbers.", "lon"),
            "outside_gb": RowIssue("outside Great Britain", 10, (("a.csv", 5),)),
        },
        "duplicates_removed": 10,
        "duplicates_detail": "same 'id' as an earlier row: 10 rows removed",
        "duplicate_rows": (("a.csv", 7),),
        "files": [FileRecord("a.csv", 1_000, "ab" * 32, "/x/a.csv"),
               FileRecord("b.csv", 250, "cd" * 32, "/x/b.csv")],
        "flagged": {"unparsed_date:when": RowIssue("unparsed dates in 'when'", 4,
                                                   (("a.csv", 8),))},
        "notes": ["Input coordinates in EPSG:4326 (declared); output in EPSG:27700."],
        "warnings": ["a.csv: 30 rows rejected."],
    }
    base.update(kw)
    return LoadReport(**base)


def test_balance_holds_and_totals():
    r = _report()
    assert r.rejected_total == 40
    assert r.kept == 1_200
    assert r.rows_read == r.located + r.unknown_location + r.rejected_total + r.duplicates_removed


def test_unbalanced_report_is_an_assertion_error_with_the_sums():
    with pytest.raises(AssertionError) as info:
        _report(located=999)
    msg = str(info.value)
    assert "does not balance" in msg
    assert "rows read (1250)" in msg
    assert "located (999)" in msg
    assert "rejected (40)" in msg
    assert "= 1249" in msg


def test_negative_count_is_an_assertion_error():
    with pytest.raises(AssertionError, match="duplicates_removed is negative"):
        _report(duplicates_removed=-1, located=1_011)


def test_to_frame():
    frame = _report().to_frame()
    assert list(frame.columns) == ["section", "item", "count", "detail"]
    rows = frame[frame.section == "rows"].set_index("item")["count"].to_dict()
    assert rows == {"rows read": 1_250, "located": 1_000, "unknown location": 200,
                    "rejected": 40, "duplicates removed": 10}
    rejected = frame[frame.section == "rejected"]
    assert rejected["item"].tolist() == ["non-numeric coordinates", "outside Great Britain"]
    assert rejected["count"].tolist() == [30, 10]
    assert rejected["detail"].iloc[0] == "first: a.csv rows 3, 9; b.csv row 2"
    assert frame[frame.section == "flagged"]["count"].tolist() == [4]
    files = frame[frame.section == "files"]
    assert files["item"].tolist() == ["a.csv", "b.csv"]
    assert files["detail"].iloc[0] == "ab" * 32
    assert str(frame["count"].dtype) == "int64"


def test_repr_is_an_aligned_table():
    text = repr(_report())
    lines = text.splitlines()
    assert lines[0] == "LoadReport: incidents.csv"
    main = {name: line for line in lines
            for name in ("rows read", "located", "unknown location", "rejected",
                         "duplicates removed") if line.strip().startswith(name + " ")}
    assert set(main) == {"rows read", "located", "unknown location", "rejected",
                         "duplicates removed"}
    # the counts of the five accounting lines end in the same column
    ends = {re.search(r"\d[\d,]*", line[len("  " + name):]).end() + len("  " + name)
            for name, line in main.items()}
    assert len(ends) == 1
    assert "1,250" in main["rows read"]
    assert "    non-numeric coordinates" in text
    assert "first: a.csv rows 3, 9; b.csv row 2" in text
    assert "kept with a warning" in text
    assert "files read (2):" in text
    assert "a.csv (1,000 rows, sha256 abababababab)" in text
    assert "notes:" in text
    assert "warnings:" in text
    assert str(_report()) == text


def test_repr_html_escapes_text_from_data():
    r = _report(source="<script>alert('x')</script>.csv",
                notes=["Crime type 'A & B' <b>"],
                rejected={"outside_gb": RowIssue("<i>outside</i>", 40, (("<a>.csv", 2),))})
    html = r._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "A &amp; B" in html
    assert "&lt;b&gt;" in html
    assert "&lt;i&gt;outside&lt;/i&gt;" in html
    assert "&lt;a&gt;.csv row 2" in html
    assert html.startswith("<div")
    assert "<table>" in html
    assert "1,250" in html


def test_combine_adds_counts_and_merges_reasons():
    a = _report()
    b = LoadReport(source="b", rows_read=12, located=5, unknown_location=2,
                   rejected={"outside_gb": RowIssue("outside Great Britain", 3,
                                                    (("c.csv", 4),))},
                   duplicates_removed=2, files=[FileRecord("c.csv", 12)])
    c = LoadReport.combine([a, b], source="both")
    assert c.rows_read == 1_262
    assert c.located == 1_005
    assert c.unknown_location == 202
    assert c.rejected["outside_gb"].count == 13
    assert c.rejected["outside_gb"].rows == (("a.csv", 5), ("c.csv", 4))
    assert c.duplicates_removed == 12
    assert [f.name for f in c.files] == ["a.csv", "b.csv", "c.csv"]


def test_merged_issues_keep_every_different_message():
    # each message may count its own rows: keeping the first alone would misstate the total
    a = RowIssue("one coordinate missing", 2, (("a.csv", 3),), "2 with 'Longitude' only.")
    b = RowIssue("one coordinate missing", 5, (("b.csv", 9),), "5 with 'Latitude' only.")
    same = RowIssue("one coordinate missing", 1, (("c.csv", 2),), "2 with 'Longitude' only.")
    m = a.merged(b).merged(same).merged(RowIssue("one coordinate missing", 1))
    assert m.count == 9
    assert m.message == "2 with 'Longitude' only.\n5 with 'Latitude' only."
    assert RowIssue("x", 1).merged(b).message == b.message


def test_to_dict_round_numbers():
    d = _report().to_dict()
    assert d["rows_read"] == 1_250
    assert d["rejected"]["outside_gb"]["count"] == 10
    assert d["rejected"]["outside_gb"]["rows"] == [["a.csv", 5]]
    assert d["files"][1] == {"name": "b.csv", "rows": 250, "sha256": "cd" * 32,
                             "path": "/x/b.csv"}


def test_rows_text_for_frames_and_single_rows():
    assert RowIssue("x", 1, ((None, 7),)).rows_text() == "row 7"
    assert RowIssue("x", 3, ((None, 7), (None, 9))).rows_text() == "first: rows 7, 9"
    assert RowIssue("x", 0).rows_text() == ""
