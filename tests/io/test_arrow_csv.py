"""The Arrow CSV path (issue 16) reads cells exactly as pandas' C engine with ``dtype=str``."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots.io._arrow_csv import STR_DTYPE, read_arrow_csv


def _pandas(header: str, body: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO((header + body).encode()), dtype=str, keep_default_na=False,
                       na_values=[""], skip_blank_lines=False, engine="c")


@pytest.mark.parametrize("body", [
    'A,1.5,x\nB,,"quoted, comma"\n',
    'A,"",y\r\nB," padded ",z\r\n',           # quoted empty is missing; spaces are kept
    'A,0123,"two\nlines"\nB,-,NA\n',           # ids as written; null tokens stay text
    'A,1,x',                                    # no final line break
    'Caf\u00e9,\u00a31,"say ""hi"""\n',        # UTF-8 text and doubled quotes
])
def test_same_frame_as_pandas(body):
    header = "id,value,note\n"
    got = read_arrow_csv(body.encode(), ["id", "value", "note"], ",",
                         multiline="\n" in body.split('"')[1::2][0] if '"' in body else False)
    assert got is not None
    pd.testing.assert_frame_equal(got, _pandas(header, body))
    assert all(dtype == STR_DTYPE for dtype in got.dtypes)


def test_a_record_of_the_wrong_width_is_refused_not_padded():
    assert read_arrow_csv(b"A,1,x\nB,2\n", ["id", "value", "note"], ",", multiline=False) is None


def test_a_line_break_in_a_quoted_value_stays_in_the_value():
    data = b'A,1,"two\nlines"\n'
    assert read_arrow_csv(data, ["a", "b", "c"], ",", multiline=True)["c"].tolist() == [
        "two\nlines"]


cell = st.text(alphabet=st.sampled_from(list('ab1.,-" \t\u00e9')), max_size=6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(cell, cell), min_size=1, max_size=8))
def test_any_quoted_table_reads_like_pandas(rows):
    def quote(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if v else ""

    body = "".join(f"{quote(a)},{quote(b)}\n" for a, b in rows)
    got = read_arrow_csv(body.encode(), ["a", "b"], ",", multiline=False)
    want = _pandas("a,b\n", body)
    assert got is not None
    pd.testing.assert_frame_equal(got, want)
    assert np.array_equal(got.isna().to_numpy(), want.isna().to_numpy())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["b", "a", "Ç", "a b", " z", "10", "9", None]),
                         min_size=0, max_size=12), min_size=1, max_size=5))
def test_stacked_dictionaries_equal_one_categorical_of_the_texts(files):
    # each "file" is parsed with its own dictionary (values in the order first seen); the
    # stack is the categorical of all the texts, categories sorted as Python sorts them
    from hotspots.io._arrow_csv import categoricals

    parts = []
    for rows in files:
        body = "".join(f"{'' if v is None else v}\n" for v in rows) or "\n"
        frame = read_arrow_csv(body.encode(), ["c"], ",", multiline=False, categorical=["c"])
        assert frame is not None
        parts.append(frame["c"].iloc[:len(rows)])
    got = categoricals(parts)
    texts = [v for rows in files for v in rows]
    assert got.cat.categories.tolist() == sorted({v for v in texts if v is not None})
    assert got.cat.categories.dtype == STR_DTYPE
    assert got.astype(object).where(got.notna(), None).tolist() == texts


def test_stacked_dictionaries_of_large_or_non_text_values_come_out_sorted_too():
    import pyarrow as pa

    from hotspots.io._arrow_csv import categoricals

    def coded(values, value_type):
        arr = pa.array(values, type=value_type).dictionary_encode()
        return pd.Series(pd.arrays.ArrowExtensionArray(arr))

    big = categoricals([coded(["b", None, "a"], pa.large_string()),
                        coded(["c", "a"], pa.large_string())])
    assert big.cat.categories.tolist() == ["a", "b", "c"]
    assert big.astype(object).where(big.notna(), None).tolist() == ["b", None, "a", "c", "a"]
    numbers = categoricals([coded([3, 1], pa.int64()), coded([2, 3], pa.int64())])
    assert numbers.cat.categories.tolist() == [1, 2, 3]
    assert numbers.tolist() == [3, 1, 2, 3]
