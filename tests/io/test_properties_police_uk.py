"""Property test: corrupted police.uk files never lose a row nor move a value between columns.

A valid street-level file is built with a token in every text cell that names its column
(``rep-3`` is "Reported by" of row 3), then corrupted: cut short, a field inserted or
deleted, two columns swapped (header and all), characters or raw bytes injected, the
encoding changed. Whatever comes out, either the read is refused with a
:class:`~hotspots.errors.ValidationError` (never another exception), or:

- every record below the header is accounted for: the report's ``rows_read`` equals the
  records counted here with the :mod:`csv` module, and the report balances;
- no kept value holds another column's token (nothing shifted), the crime type is a
  police.uk one, and an untouched row keeps its exact values and point.
"""

from __future__ import annotations

import csv
import io
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from hotspots.errors import DataQualityWarning, ValidationError
from hotspots.io import read_police_uk
from hotspots.io.incidents import API_CATEGORIES

COLUMNS = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
           "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
           "Context"]
# output column -> token prefix of its source column
TOKENS = {"incident_id": "cid-", "reported_by": "rep-", "falls_within": "fal-",
          "location": "loc-", "lsoa_name": "lsn-", "outcome": "out-", "context": "ctx-"}
TYPES = sorted(set(API_CATEGORIES.values()))
WGS_TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)
_TOKEN = re.compile(r"(?:cid|rep|fal|loc|lsn|out|ctx)-\d+")


def base_rows(n: int, types: list[str]) -> list[list[str]]:
    rows = []
    for i in range(n):
        rows.append([f"cid-{i}", "2019-03", f"rep-{i}", f"fal-{i}", f"{-1.70 - i / 1000:.4f}",
                     f"{53.70 + i / 1000:.4f}", f"On or near loc-{i}", f"E0{1000000 + i}",
                     f"lsn-{i}", types[i], f"out-{i}", f"ctx-{i}" if i % 3 == 0 else ""])
    return rows


@st.composite
def corrupted(draw):
    n = draw(st.integers(3, 12))
    types = draw(st.lists(st.sampled_from(TYPES), min_size=n, max_size=n))
    header = list(COLUMNS)
    rows = base_rows(n, types)
    touched: set[int] = set()  # data rows whose text was changed
    ops = draw(st.lists(st.sampled_from(["insert", "delete", "swap", "chars", "truncate"]),
                        min_size=1, max_size=3))
    for op in ops:
        i = draw(st.integers(0, n - 1))
        if i in touched and op in ("insert", "delete", "chars"):
            # one change per row: a deletion then an insertion (or a comma typed into a
            # cell) in the same row can give back the header's width with every value
            # after it shifted, which no reader can tell from a real row
            continue
        if op == "insert":
            j = draw(st.integers(0, len(rows[i])))
            rows[i].insert(j, draw(st.sampled_from(["", "x", " Bradford", "On or near y"])))
            touched.add(i)
        elif op == "delete" and rows[i]:
            del rows[i][draw(st.integers(0, len(rows[i]) - 1))]
            touched.add(i)
        elif op == "swap":
            a, b = draw(st.lists(st.integers(0, len(header) - 1), min_size=2, max_size=2,
                                 unique=True))
            header[a], header[b] = header[b], header[a]
            for r in rows:
                if max(a, b) < len(r):
                    r[a], r[b] = r[b], r[a]
        elif op == "chars" and rows[i]:
            j = draw(st.integers(0, len(rows[i]) - 1))
            junk = draw(st.sampled_from(["\x07", "\x00\x01", '"', ",", "\n", "\u00e9\u00a3",
                                         "\r\n,,", "\x1a\x1b"]))
            cell = rows[i][j]
            k = draw(st.integers(0, len(cell)))
            rows[i][j] = cell[:k] + junk + cell[k:]
            touched.add(i)
    text = ",".join(header) + "\n" + "".join(",".join(r) + "\n" for r in rows)
    if "truncate" in ops:
        cut = draw(st.integers(len(header[0]), len(text)))
        last = text[:cut].count("\n") - 1  # the data row that was cut (if any)
        if 0 <= last < n:
            touched.add(last)
        text = text[:cut]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    data = text.encode(encoding)
    if encoding in ("utf-8", "cp1252") and draw(st.booleans()):
        pos = draw(st.integers(0, len(data)))
        junk = draw(st.sampled_from([b"\xff\xfe\x8f", b"\x80\x81", b"\xc3(", b"\x00"]))
        data = data[:pos] + junk + data[pos:]
        touched.add(max(data[:pos].count(b"\n") - 1, 0))
        touched.update(range(n))  # a stray byte may join or split lines: trust no row
    return {"data": data, "encoding": encoding, "rows": base_rows(n, types),
            "touched": touched, "header": header}


def records_below_header(data: bytes, encoding: str) -> int:
    """Non-blank records below the header, counted with the csv module."""
    text = data.decode(encoding, errors="replace").lstrip("\ufeff")
    if encoding == "utf-16":
        text = data.decode("utf-16", errors="replace").lstrip("\ufeff")
    records = list(csv.reader(io.StringIO(text, newline="")))
    want = {"crime id", "month", "longitude", "latitude", "crime type"}
    at = next(i for i, r in enumerate(records[:20])
              if want <= {" ".join(c.split()).casefold() for c in r})
    return sum(1 for r in records[at + 1:] if any(f.strip() for f in r))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("police_props")


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=corrupted())
def test_corrupted_police_files_lose_no_row_and_shift_no_value(folder, case):
    path = folder / "2019-03-x-street.csv"
    path.write_bytes(case["data"])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            frame = read_police_uk(path)
    except ValidationError:
        return  # refused, with a message: allowed (any other exception fails the test)
    report = frame.attrs["hotspots"]["load"]
    report.check()
    assert report.rows_read == records_below_header(case["data"], case["encoding"])
    assert len(frame) == report.kept

    original = case["rows"]
    for _, row in frame.iterrows():
        for column, prefix in [*TOKENS.items(), ("category", "none-")]:
            value = row.get(column)  # a corrupted header may lose an optional column
            if isinstance(value, str):
                for token in _TOKEN.findall(value):
                    assert token.startswith(prefix), (column, value)
        m = re.fullmatch(r"cid-(\d+)", str(row["incident_id"]))
        if m is None:
            continue
        i = int(m.group(1))
        if i in case["touched"]:
            continue
        # an untouched row keeps every value and its point
        assert row["category"] in TYPES, row["category"]
        src = dict(zip(COLUMNS, original[i], strict=True))
        assert row["category"] == src["Crime type"]
        assert row["lsoa_name"] == src["LSOA name"]
        assert row["location"] == src["Location"]
        e, n = WGS_TO_BNG.transform(float(src["Longitude"]), float(src["Latitude"]))
        np.testing.assert_allclose([row.geometry.x, row.geometry.y], [e, n], atol=1e-6)
