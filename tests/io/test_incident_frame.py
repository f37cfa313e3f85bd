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


@pytest.mark.parametrize("categories", [None, ["recent", "non-recent"]])
def test_categorical_already_coded_gives_what_recoding_gives(categories):
    # a categorical coded on the very categories asked for (or on the sorted values present,
    # in another text dtype) keeps its codes: the answer is the recoding's, dtype included
    cats = ["non-recent", "recent"] if categories is None else categories
    codes = np.array([1, -1, 0, 1, 0], dtype=np.int8)
    index = pd.Index(cats, dtype="string")  # as a reader may build them
    coded = pd.Series(pd.Categorical.from_codes(codes, categories=index))
    got = categorical(coded, categories)
    want = categorical(pd.Series(coded.astype(object).tolist(), dtype="string"), categories)
    pd.testing.assert_extension_array_equal(got, want)
    assert got.categories.dtype == want.categories.dtype
    assert got.codes.tolist() == [1, -1, 0, 1, 0]


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


def test_value_runs_join_equal_values_held_by_different_objects():
    from hotspots.io._incident_frame import run_codes, value_runs

    a1 = "2023-01.csv"
    a2 = "".join(["2023-01", ".csv"])  # equal text, another object
    assert a1 == a2
    assert a1 is not a2
    values = np.array([a1, a1, a2, a2, "b", None, None, a1], dtype=object)
    starts, codes, distinct = value_runs(values)
    # the address changes between a1 and a2, but the value does not: one run
    assert starts.tolist() == [0, 4, 5, 7]
    assert codes.tolist() == [0, 1, -1, 0]
    assert list(distinct) == [a1, "b"]
    row_codes, _names = run_codes(values)
    assert row_codes.tolist() == [0, 0, 0, 0, 1, -1, -1, 0]
    assert row_codes.dtype == np.int8  # the width a categorical of two files keeps


@pytest.mark.parametrize("seed", range(5))
def test_value_runs_equal_a_comparison_of_neighbours(seed):
    from hotspots.io._incident_frame import run_codes, value_runs

    rng = np.random.default_rng(seed)
    pool = np.array(["x.csv", "y.csv", "".join(["x", ".csv"]), None], dtype=object)
    values = pool[np.repeat(rng.integers(0, 4, 40), rng.integers(1, 5, 40))]
    text = np.array(["<NA>" if v is None else v for v in values], dtype=object)
    expected_starts = np.flatnonzero(np.r_[True, text[1:] != text[:-1]])
    starts, _codes, _distinct = value_runs(values)
    assert starts.tolist() == expected_starts.tolist()
    row_codes, names = run_codes(values)
    decoded = np.array([None if c < 0 else names[c] for c in row_codes], dtype=object)
    assert decoded.tolist() == values.tolist()


def test_distinct_codes_of_a_categorical_match_factorize():
    from hotspots.io._codes import distinct_codes

    # "zz" is a category no row holds (a rejected row's value): it must not come back
    cat = pd.Series(pd.Categorical(["b", None, "a", "b", " c "],
                                   categories=["a", "b", " c ", "zz"]))
    codes, distinct = distinct_codes(cat)
    ref_codes, ref_distinct = pd.factorize(cat, use_na_sentinel=True)
    assert sorted(distinct) == sorted(ref_distinct) == [" c ", "a", "b"]
    got = [None if c < 0 else distinct[c] for c in codes]
    ref = [None if c < 0 else ref_distinct[c] for c in ref_codes]
    assert got == ref == ["b", None, "a", "b", " c "]
    # all categories used: the categorical's own codes
    full = pd.Series(pd.Categorical(["a", "b", "a"]))
    codes, distinct = distinct_codes(full)
    assert codes.tolist() == [0, 1, 0]
    assert list(distinct) == ["a", "b"]


def test_per_distinct_and_categorical_text_on_a_categorical_with_unused_values():
    from hotspots.io._incident_frame import categorical_text, per_distinct

    cat = pd.Series(pd.Categorical([" b", "a", None, "a "], categories=["a", "a ", " b", "q"]))
    got = categorical_text(cat)
    assert got.cat.categories.tolist() == ["a", "b"]  # "q" is in no row: not a category
    assert got.astype(object).where(got.notna(), None).tolist() == ["b", "a", None, "a"]
    seen = []

    def starts_with_a(u: pd.Series) -> np.ndarray:
        seen.extend(u.tolist())
        return u.str.startswith("a").to_numpy(dtype=bool)

    assert per_distinct(cat, starts_with_a, missing=True).tolist() == [False, True, True, True]
    assert "q" not in seen
