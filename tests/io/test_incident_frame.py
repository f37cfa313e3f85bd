"""Assembling the canonical incident frame: categoricals through codes, generated ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots.io._incident_frame import categorical, generated_ids
from hotspots.io._ledger import TableRows


def test_categorical_equals_pandas_categorical():
    values = pd.Series(["b", None, "a", "b", "c"], dtype="string")
    want = pd.Categorical(values, categories=sorted(values.dropna().unique()))
    got = categorical(values)
    assert got.categories.tolist() == ["a", "b", "c"]
    pd.testing.assert_extension_array_equal(got, want)
    fixed = categorical(values, ["b", "a"])  # outside the categories: missing
    assert fixed.categories.tolist() == ["b", "a"]
    assert fixed.codes.tolist() == [0, -1, 1, 0, -1]
    assert categorical(pd.Series([None, None], dtype="string"), ["x"]).isna().all()


def _rows(files: list, numbers: list) -> TableRows:
    n = len(files)
    return TableRows(pd.DataFrame(index=range(n)), np.empty(n, dtype=object),
                     np.ones(n, bool), np.array(files, dtype=object),
                     np.array(numbers, dtype=np.int64), {}, None, "", "t", [], n)


def test_generated_ids_use_the_file_stem_and_row():
    rows = _rows(["2019-01-street.csv", "b.tar.gz", None], [2, 7, 9])
    assert generated_ids(rows).tolist() == ["2019-01-street:2", "b.tar:7", "row:9"]
    only = generated_ids(rows, np.array([False, True, False]))
    assert only.isna().tolist() == [True, False, True]
    assert only[1] == "b.tar:7"


def test_categorical_of_a_categorical_keeps_only_the_values_present_sorted():
    values = pd.Series(pd.Categorical(["b", "a", None], categories=["z", "b", "a"]))
    got = categorical(values)
    assert got.categories.tolist() == ["a", "b"]
    assert got.tolist()[:2] == ["b", "a"]
    assert pd.isna(got[2])


def test_blank_to_na_on_arrow_text_equals_the_pandas_reading():
    from hotspots.io._arrow_csv import STR_DTYPE
    from hotspots.io._incident_frame import blank_to_na

    cells = [" a", "", None, "b ", "  ", "\tc\n", "d"]
    arrow = blank_to_na(pd.Series(cells, dtype=STR_DTYPE))
    plain = pd.Series(cells, dtype=object).astype("string").str.strip()
    plain = plain.mask(plain == "")
    pd.testing.assert_series_equal(arrow, plain)
    assert blank_to_na(pd.Series(["x", "y"], dtype=STR_DTYPE)).tolist() == ["x", "y"]


@pytest.mark.parametrize("large", [False, True])
def test_blank_to_na_chunk_by_chunk_equals_python_strip(large):
    # chunks (a file each) with nothing to strip are kept as they are; any chunk with a
    # doubt at either end of a value (white space, an empty text, a non-ASCII byte) is
    # trimmed by Arrow; sliced chunks (an offset into their buffers) are read right
    import pyarrow as pa

    from hotspots.io._incident_frame import blank_to_na

    kind = pa.large_string() if large else pa.string()
    parts = [["id1", "id2", None], ["x", " y", None, "z\u00a0"], ["", "ok"], ["\x1cq", "bé"],
             ["é", "fine", "\u2003"], ["skip", "kept", "last"]]
    chunks = [pa.array(p, type=kind) for p in parts]
    chunks[-1] = chunks[-1].slice(1)  # ["kept", "last"] with an offset
    column = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=kind)))
    got = blank_to_na(column)
    cells = [v for c in chunks for v in c.to_pylist()]
    want = [None if v is None or not v.strip() else v.strip() for v in cells]
    assert [None if pd.isna(v) else v for v in got] == want
    out = pa.array(got.array)
    # untouched chunks share the input's buffers: no copy of the text
    assert out.chunk(0).buffers()[2].address == chunks[0].buffers()[2].address
    assert out.chunk(1).buffers()[2].address != chunks[1].buffers()[2].address


def test_categorical_text_strips_merges_and_sorts():
    from hotspots.io._arrow_csv import STR_DTYPE
    from hotspots.io._incident_frame import categorical_text

    got = categorical_text(pd.Series(["b ", " a", None, "", "b", "c"], dtype=STR_DTYPE))
    assert got.cat.categories.tolist() == ["a", "b", "c"]
    assert got.astype(object).where(got.notna(), None).tolist() == [
        "b", "a", None, None, "b", "c"]


def test_run_codes_and_per_distinct():
    from hotspots.io._incident_frame import per_distinct, run_codes

    codes, names = run_codes(np.array(["a", "a", "b", "b", "a", None], dtype=object))
    assert codes.tolist() == [0, 0, 1, 1, 0, -1]
    assert list(names) == ["a", "b"]
    calls = []

    def upper_is_b(u: pd.Series) -> np.ndarray:
        calls.append(len(u))
        return (u.str.upper() == "B").to_numpy(dtype=bool)

    got = per_distinct(pd.Series(["a", "b", None, "b", "a"] * 100, dtype="string"), upper_is_b)
    assert got.tolist() == [False, True, False, True, False] * 100
    assert calls == [2]  # the rule saw the two distinct values, not 500 cells
