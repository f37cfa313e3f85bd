"""Arrow's parse options and the stacking of files (issue 16) leave the values unchanged.

Files read two at a time parse on one thread each, valid UTF-8 is not checked twice, codes of
stacked dictionaries come from Arrow's take, and the columns that stay text are stacked from
frames built on their arrays: each is compared here with the way it was done before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.api.types import union_categoricals

from hotspots.io import _arrow_csv
from hotspots.io._arrow_csv import STR_DTYPE, categoricals, is_coded, read_arrow_csv
from hotspots.io._table import _concat

NAMES = ["id", "kind", "note"]


def _body(n: int) -> bytes:
    kinds = ["b\u00e9", "a", "", "c c", "a"]
    return "".join(f"{i:05d},{kinds[i % 5]},{'' if i % 7 else 'n' + str(i)}\n"
                   for i in range(n)).encode()


@pytest.mark.parametrize("threads", [True, False])
@pytest.mark.parametrize("checked", [True, False])
def test_threads_and_utf8_check_give_the_same_frame(monkeypatch, threads, checked):
    monkeypatch.setattr(_arrow_csv, "_BLOCK_BYTES", 1 << 10)  # several blocks
    data = _body(3000)
    want = read_arrow_csv(data, NAMES, ",", multiline=False, categorical=["kind"])
    got = read_arrow_csv(data, NAMES, ",", multiline=False, categorical=["kind"],
                         threads=threads, checked_utf8=checked)
    assert got is not None
    assert want is not None
    pd.testing.assert_frame_equal(got, want)
    assert got["kind"].iloc[:5].isna().tolist() == [False, False, True, False, False]
    assert got["kind"].iloc[[0, 1, 3]].astype(str).tolist() == ["b\u00e9", "a", "c c"]
    assert got["id"].iloc[-1] == "02999"


def test_unchecked_utf8_is_only_for_checked_text():
    # the check stays on by default: bytes that are not UTF-8 are refused, not read
    assert read_arrow_csv(b"1,\xff,x\n", NAMES, ",", multiline=False) is None


def _old_categoricals(columns: list[pd.Series]) -> pd.Series:
    """The stacking before Arrow's take (numpy indexing), as the reference."""
    chunks: list[pa.Array] = []
    for column in columns:
        arr = pa.array(column.array)
        chunks += arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    stacked = pa.chunked_array(chunks).unify_dictionaries()
    dictionary = stacked.chunk(0).dictionary
    import pyarrow.compute as pc

    indices = [pc.fill_null(c.indices, len(dictionary)).to_numpy() for c in stacked.chunks]
    order = pc.array_sort_indices(dictionary).to_numpy()
    rank = np.empty(len(dictionary) + 1, dtype=np.int32)
    rank[order] = np.arange(len(dictionary), dtype=np.int32)
    rank[-1] = -1
    codes = rank[np.concatenate(indices)]
    names = pd.Index(dictionary.take(pa.array(order)).to_pandas(
        types_mapper=_arrow_csv._pandas_type))
    return pd.Series(pd.Categorical.from_codes(codes, categories=names, validate=False))


def _coded(values: list[str | None], block: int) -> pd.Series:
    body = "".join(f"{'' if v is None else v}\n" for v in values).encode()
    old = _arrow_csv._BLOCK_BYTES
    _arrow_csv._BLOCK_BYTES = block  # several chunks per file
    try:
        frame = read_arrow_csv(body, ["c"], ",", multiline=False, categorical=["c"])
    finally:
        _arrow_csv._BLOCK_BYTES = old
    assert frame is not None
    assert is_coded(frame["c"].dtype)
    return frame["c"]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["m2", "m1", "z", "a b", "\u00c7", None]),
                         min_size=1, max_size=40), min_size=1, max_size=4),
       st.sampled_from([8, 32, 1 << 20]))
def test_stacked_codes_equal_the_numpy_mapping(files, block):
    parts = [_coded(rows, block) for rows in files]
    got = categoricals(parts)
    want = _old_categoricals(parts)
    pd.testing.assert_series_equal(got, want)
    assert got.cat.codes.dtype == want.cat.codes.dtype
    texts = [v for rows in files for v in rows]
    assert [None if pd.isna(v) else v for v in got.tolist()] == texts


def _old_concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """``_concat`` as it was (assign and drop), the reference for the new one."""
    def coded(dtype: object) -> bool:
        return is_coded(dtype) or isinstance(dtype, pd.CategoricalDtype)

    columns = list(dict.fromkeys(c for f in frames for c in f.columns))
    kept = {c for c in columns if all(c in f.columns and coded(f[c].dtype) for f in frames)}
    plain = [f.assign(**{c: f[c].astype(STR_DTYPE) for c in f.columns
                         if c not in kept and coded(f[c].dtype)}) for f in frames]
    rest = [f.drop(columns=[c for c in kept if c in f.columns]) for f in plain]
    data = pd.concat(rest, ignore_index=True) if len(rest) > 1 else rest[0]
    for c in sorted(kept, key=columns.index):
        parts = [f[c] for f in frames]
        if all(is_coded(p.dtype) for p in parts):
            column = categoricals(parts)
        else:
            column = pd.Series(union_categoricals(
                [categoricals([p]) if is_coded(p.dtype) else p for p in parts]))
        data[c] = column.set_axis(data.index)
    return data[columns]


def _frame(n: int, seed: int, coded_kind: bool, extra: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    body = "".join(f"{rng.integers(100)},{'abc'[rng.integers(3)]},"
                   f"{'' if rng.random() < 0.3 else 'x'}\n" for _ in range(max(n, 1))).encode()
    frame = read_arrow_csv(body, NAMES, ",", multiline=False,
                           categorical=["kind", "note"] if coded_kind else ["note"])
    assert frame is not None
    frame = frame.iloc[:n].reset_index(drop=True)  # n = 0: a file with a header only
    if extra:
        frame["more"] = pd.Series(np.arange(n).astype(str), dtype=object)
    return frame


@pytest.mark.parametrize("layout", [
    [(5, True, False), (7, True, False), (3, True, False)],   # every column coded alike
    [(5, True, False), (7, False, False)],                    # kind coded in one file only
    [(5, True, True), (4, True, False)],                      # a column in one file only
    [(6, False, False)],                                      # a single file
    [(0, True, False), (4, True, False)],                     # a file without rows
])
def test_concat_equals_the_assign_and_drop_stack(layout):
    frames = [_frame(n, i, coded_kind, extra) for i, (n, coded_kind, extra) in
              enumerate(layout)]
    frames_copy = [f.copy() for f in frames]
    got = _concat(frames)
    want = _old_concat(frames_copy)
    pd.testing.assert_frame_equal(got, want)
    assert list(got.dtypes) == list(want.dtypes)
    for f, g in zip(frames, frames_copy, strict=True):  # the inputs are left as they were
        pd.testing.assert_frame_equal(f, g)
