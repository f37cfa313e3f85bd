"""The one-pass count of plain CSV bytes (issue 16) changes nothing a file reads into.

:func:`hotspots.io._csvread._plain_records` stands in for the full
:func:`~hotspots.io._csvfile.field_counts` when a file has no quote, no byte below 32 but
line ends (LF or CRLF) and no empty record (police.uk's files). Each test compares it with
the full shape, or a whole read with the read that always takes the full shape (the code
before).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots.errors import HotspotsError
from hotspots.io import _csvread
from hotspots.io._csvfile import HEADER_SEARCH_LINES, field_counts
from hotspots.io._csvread import _plain_records, read_csv_file


def _check_against_shape(data: bytes) -> None:
    plain = _plain_records(data)
    shape = field_counts(data, ",")
    # plain, told byte by byte: some bytes (an empty file is refused before), no quote,
    # below 32 only line feeds and carriage returns right before one, no empty record
    lone_low = [i for i, b in enumerate(data)
                if b < 32 and b != 10 and not (b == 13 and data[i + 1:i + 2] == b"\n")]
    expected = bool(data) and b'"' not in data and not lone_low and not shape.empty.any()
    assert (plain is not None) == expected
    if plain is None:
        return
    n, heads = plain
    assert n == shape.starts.size
    assert heads.tolist() == shape.starts[:HEADER_SEARCH_LINES + 1].tolist()
    assert not shape.controls.any()
    assert not shape.empty.any()
    assert not shape.multiline.any()


@pytest.mark.parametrize(("data", "expected"), [
    (b"a,b\n1,2\n", (2, [0, 4])),
    (b"a,b\n1,2", (2, [0, 4])),                 # no final line feed: still a record
    (b"a,b", (1, [0])),
    (b"a\n" * 30, (30, list(range(0, 42, 2)))),  # only the first 21 starts
    (b"a,b\n\n1,2\n", None),                     # an empty record
    (b"\na,b\n", None),                          # an empty first record
    (b"a,b\r\n1,2\r\n", (2, [0, 5])),            # CRLF line ends
    (b"a,b\r\n1,2", (2, [0, 5])),
    (b"a,b\r1,2\n", None),                      # a lone carriage return
    (b"a,b\n1,2\r", None),                      # one at the end
    (b"a,b\r\n\r\n1,2\r\n", None),              # an empty CRLF record
    (b"\r\na,b\r\n", None),
    (b"a,b\n1,\x012\n", None),                   # a control byte
    (b"a,b\n1,\t2\n", None),                     # a tab
    (b'a,b\n1,"2"\n', None),                     # a quote
])
def test_plain_records_by_hand(data, expected):
    got = _plain_records(data)
    if expected is None:
        assert got is None
    else:
        assert got is not None
        assert (got[0], got[1].tolist()) == expected
    _check_against_shape(data)


@pytest.mark.parametrize("step", [1, 2, 3, 5, 64])
@pytest.mark.parametrize("data", [
    b"ab\n\ncd\n", b"a\nb\n\n", b"a\n\nb", b"abc\n\n", b"a\nb\nc\nd\n", b"\n\nab",
    b"ab\ncd\nef\n\n", b"abcdef\n\r\n", b"x" * 10 + b"\n\x02" + b"y" * 7,
    b"ab\r\ncd\r\n", b"a\r\nb\r\n\r\nc", b"ab\rcd\r\n", b"abc\r", b"a\r\r\n",
])
def test_plain_records_across_steps(monkeypatch, step, data):
    # two line feeds in a row (an empty record) split between two steps of the scan
    monkeypatch.setattr(_csvread, "_SCAN_BYTES", step)
    _check_against_shape(data)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"b", b",", b"\n", b"\n", b"\r", b"\t", b'"', b"\x01",
                                 b" ", b"\xc3\xa9"]), max_size=60),
       st.sampled_from([2, 3, 7, 1 << 18]))
def test_plain_records_agree_with_the_full_shape(parts, step):
    old = _csvread._SCAN_BYTES
    _csvread._SCAN_BYTES = step
    try:
        _check_against_shape(b"".join(parts))
    finally:
        _csvread._SCAN_BYTES = old


def _read(path: Path, full: bool, monkeypatch: pytest.MonkeyPatch, **kw):
    """Read ``path``; with ``full``, always through the full shape (the code before)."""
    with monkeypatch.context() as m:
        if full:
            m.setattr(_csvread, "_plain_records", lambda data: None)
        try:
            return read_csv_file(path, path.read_bytes(), **kw)
        except HotspotsError as exc:
            return type(exc).__name__, str(exc)


def _same(a, b) -> None:
    if isinstance(a, tuple) or isinstance(b, tuple):
        assert a == b
        return
    pd.testing.assert_frame_equal(a.data, b.data)
    assert np.array_equal(a.rows, b.rows)
    assert a.notes == b.notes
    assert a.record == b.record
    assert a.encoding_warning == b.encoding_warning
    assert [(c, lab, msg, r.tolist()) for c, lab, msg, r in a.rejected] == \
        [(c, lab, msg, r.tolist()) for c, lab, msg, r in b.rejected]
    assert a.repaired.tolist() == b.repaired.tolist()


HEADER = "id,x,note\n"
CASES = {
    "plain": (HEADER + "1,2,a\n3,4,b\n").encode(),
    "no final line feed": (HEADER + "1,2,a\n3,4,b").encode(),
    "control byte": (HEADER + "1,2,a\x01\n3,4,b\n").encode(),
    "empty line": (HEADER + "1,2,a\n\n3,4,b\n").encode(),
    "empty line at the end": (HEADER + "1,2,a\n3,4,b\n\n").encode(),
    "CRLF": (HEADER + "1,2,a\r\n3,4,b\r\n").replace("\n", "\r\n").replace("\r\r", "\r")
    .encode(),
    "quote in a value": (HEADER + '1,2,"a, b"\n3,4,b\n').encode(),
    "short record": (HEADER + "1,2\n3,4,b\n").encode(),
    "long record": (HEADER + "1,2,a,z\n3,4,b\n").encode(),
    "tab in a value": (HEADER + "1,2,a\tb\n3,4,b\n").encode(),
    "blank record": (HEADER + ",,\n3,4,b\n").encode(),
    "header only": HEADER.encode(),
    "header without line feed": HEADER.strip().encode(),
    "title lines": ("Crime export\nrun 3 May\n" + HEADER + "1,2,a\n").encode(),
    "many records": (HEADER + "".join(f"{i},{i},n{i}\n" for i in range(50))).encode(),
    "UTF-8": (HEADER + "1,2,caf\u00e9\n").encode(),
    "BOM": b"\xef\xbb\xbf" + (HEADER + "1,2,caf\u00e9\n").encode(),
    "cp1252": (HEADER + "1,2,caf\u00e9\n").encode("cp1252"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_read_equals_the_read_through_the_full_shape(tmp_path, monkeypatch, name):
    path = tmp_path / "f.csv"
    path.write_bytes(CASES[name])
    for kw in ({}, {"expected": ["id", "x"], "single_line": True, "categorical": ["note"]}):
        _same(_read(path, False, monkeypatch, **kw), _read(path, True, monkeypatch, **kw))


def test_the_fast_path_is_taken_and_reads_the_values(tmp_path, monkeypatch):
    # not a vacuous comparison: the plain file really skips the full shape
    path = tmp_path / "f.csv"
    path.write_bytes(CASES["many records"])
    calls = []
    monkeypatch.setattr(_csvread, "field_counts",
                        lambda *a: calls.append(1) or field_counts(*a))
    got = read_csv_file(path, path.read_bytes(), ["id"])
    assert calls == []
    assert got.data["note"].tolist() == [f"n{i}" for i in range(50)]
    assert got.rows.tolist() == list(range(2, 52))
    crlf = tmp_path / "c.csv"
    crlf.write_bytes(CASES["CRLF"])
    got = read_csv_file(crlf, crlf.read_bytes(), ["id"])
    assert calls == []
    assert got.data["note"].tolist() == ["a", "b"]
    short = tmp_path / "s.csv"
    short.write_bytes(CASES["short record"])
    got = read_csv_file(short, short.read_bytes(), ["id"])
    assert calls == []  # plain too; Arrow refuses it and the records sort it
    assert got.rows.tolist() == [3]
    assert [(c, r.tolist()) for c, _, _, r in got.rejected] == [("short_row", [2])]
    empty = tmp_path / "e.csv"
    empty.write_bytes(CASES["empty line"])
    got = read_csv_file(empty, empty.read_bytes(), ["id"])
    assert calls == [1]  # an empty line: the full shape, then pandas, which notes it
    assert got.rows.tolist() == [2, 4]
    assert any("1 empty line ignored (row 3)" in n for n in got.notes)


cell = st.sampled_from(["1", "ab", "", " ", "x\x01", "\u00e9", "a\tb", '"q"', '"a,b"'])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(cell, min_size=0, max_size=4), min_size=0, max_size=8),
       st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_any_small_file_reads_as_through_the_full_shape(tmp_path_factory, rows, end, last):
    body = HEADER.replace("\n", end) + end.join(",".join(r) for r in rows) + (
        end if last and rows else "")
    path = tmp_path_factory.mktemp("csv") / "f.csv"
    path.write_bytes(body.encode())
    with pytest.MonkeyPatch.context() as mp:
        for kw in ({}, {"expected": ["id"], "single_line": True, "categorical": ["x"]}):
            _same(_read(path, False, mp, **kw), _read(path, True, mp, **kw))
