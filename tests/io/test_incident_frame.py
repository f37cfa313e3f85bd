"""Assembling the canonical incident frame: categoricals through codes, generated ids."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotspots.io._incident_frame import categorical, generated_ids, text_from_objects
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


def test_text_from_objects():
    got = text_from_objects(np.array(["a.csv", None, "a.csv"], dtype=object))
    assert got.dtype == "string"
    assert got.tolist() == ["a.csv", pd.NA, "a.csv"]


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
