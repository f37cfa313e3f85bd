"""Read one CSV file into rows of the right shape, for the point engine.

:func:`read_csv_file` is the CSV branch of :func:`hotspots.io._table.read_table`: it opens
the bytes (:func:`hotspots.io._csvfile.open_text`), finds the header, counts the fields of
every record without parsing (:func:`hotspots.io._csvfile.field_counts`; for plain bytes
without quotes, control bytes or empty lines, one count of the line feeds stands in for it,
:func:`_plain_records`) and lets Arrow, or pandas' C parser, read the file only when every
record has the header's width and the quoting is sound; otherwise the records are sorted
one by one (:func:`hotspots.io._csvfile.split_records`) and the misshapen ones set aside
with their reasons, never padded or shifted.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hotspots.errors import EmptyDataError, Problem, ValidationError
from hotspots.io._arrow_csv import read_arrow_csv
from hotspots.io._csvfile import (
    HEADER_SEARCH_LINES,
    RowRepair,
    field_counts,
    find_header,
    open_text,
    shape_problems,
    shorten,
    split_records,
)
from hotspots.io.load_report import MAX_EXAMPLES, FileRecord

__all__ = ["read_csv_file"]

# only a byte-order mark and white space (matched without copying the file, unlike strip)
_BLANK = re.compile(rb"(?:\xef\xbb\xbf)?\s*")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


@dataclass
class _Raw:
    data: pd.DataFrame
    geometry: Any  # GeoSeries or None
    record: FileRecord
    rows: np.ndarray  # spreadsheet row number of each data row
    notes: list[str]
    encoding_warning: str | None = None
    #: records set aside before parsing: (code, label, message, row numbers)
    rejected: list[tuple[str, str, str, np.ndarray]] = field(default_factory=list)
    #: row numbers of records fixed by a repair hook
    repaired: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _sha256_meanwhile(data: bytes) -> Callable[[], str]:
    """Start hashing ``data`` on its own thread; the returned function waits for the digest.

    A thread per file rather than a shared pool: a pool's threads do not survive a fork
    (a worker process started by ``multiprocessing``), and a task sent to it would wait
    forever.
    """
    digest: list[str] = []
    thread = threading.Thread(target=lambda: digest.append(hashlib.sha256(data).hexdigest()),
                              name="hotspots-sha256", daemon=True)
    thread.start()

    def result() -> str:
        thread.join()
        return digest[0]

    return result


def _separator(data: bytes, encoding: str, path: Path) -> str:
    """Pick the delimiter from the header line: comma, else tab or semicolon if only they occur.

    Excel writes "Unicode text" as tab-separated UTF-16 and, in many European locales, CSV
    with semicolons. Title lines above the header are passed over: the first line with a
    separator decides.
    """
    if path.suffix.lower() in {".tsv", ".tab"}:
        return "\t"
    lines = data[:65536].decode(encoding, errors="ignore").lstrip("\ufeff").splitlines()
    for line in lines[:HEADER_SEARCH_LINES]:
        if "," in line:
            return ","
        for sep in ("\t", ";", "|"):
            if sep in line:
                return sep
    return ","


#: bytes per step of :func:`_plain_records` (its masks stay in the CPU cache)
_SCAN_BYTES = 1 << 18


def _plain_records(data: bytes) -> tuple[int, np.ndarray] | None:
    """Count the records of plain CSV bytes in one cheap pass, or None when not plain.

    Plain (police.uk's files): no quote, no byte below 32 but line ends (LF or CRLF: no
    control byte, tab or lone carriage return) and no empty record. Every line feed then
    ends a record, so such bytes need none of :func:`~hotspots.io._csvfile.field_counts`'s
    arrays: its controls, empty records and line breaks in values are all none, and its
    record count is the count of line feeds. Counting them takes half the time of finding
    them all; any other bytes get the full :class:`~hotspots.io._csvfile.Shape`.

    Returns
    -------
    (int, numpy.ndarray) or None
        The number of records and where the first ``HEADER_SEARCH_LINES + 1`` start (the
        header search and the first data record need no more).
    """
    if not data or data.find(b'"') >= 0:
        return None
    a = np.frombuffer(data, dtype=np.uint8)
    low = np.empty(min(_SCAN_BYTES, a.size), dtype=bool)
    feed, ret = np.empty_like(low), np.empty_like(low)
    n_feed = 0
    for i in range(0, a.size, _SCAN_BYTES):
        part = a[i:i + _SCAN_BYTES]
        k = part.size
        n_low = int(np.count_nonzero(np.less(part, 32, out=low[:k])))
        feeds = np.equal(part, 10, out=feed[:k])
        n_part = int(np.count_nonzero(feeds))
        n_feed += n_part
        breaks = feeds  # the first byte of each line end
        if n_low != n_part:
            # carriage returns: plain only right before a line feed (CRLF line ends)
            cr = np.equal(part, 13, out=ret[:k])
            if n_low != n_part + int(np.count_nonzero(cr)) or np.greater(
                    cr[:-1], feeds[1:], out=low[:k - 1]).any() or (
                    cr[-1] and (i + k == a.size or a[i + k] != 10)):
                return None  # a control byte, a tab or a lone carriage return
            breaks = np.logical_or(feeds, cr, out=ret[:k])
        # an empty record: a line end first, or right after a line feed (across steps too)
        if (breaks[0] and (i == 0 or a[i - 1] == 10)) or np.logical_and(
                feeds[:-1], breaks[1:], out=low[:k - 1]).any():
            return None
    n_records = n_feed + int(a[-1] != 10)
    heads = [0]
    while len(heads) < min(n_records, HEADER_SEARCH_LINES + 1):
        heads.append(data.index(b"\n", heads[-1]) + 1)
    return n_records, np.asarray(heads, dtype=np.int64)


def _blank_note(name: str, rows: np.ndarray) -> str:
    n = len(rows)
    return (f"{name}: {_plural(n, 'empty line')} ignored ({'row' if n == 1 else 'rows'} "
            f"{', '.join(str(r) for r in rows[:MAX_EXAMPLES])}"
            f"{', ...' if n > MAX_EXAMPLES else ''}).")


def _column_names(header: list[str]) -> list[str]:
    """Name columns like pandas does: a blank header cell becomes ``"Unnamed: <i>"``."""
    return [h if h else f"Unnamed: {i}" for i, h in enumerate(header)]


def read_csv_file(path: Path, raw: bytes, expected: Sequence[str] = (),
                  repair: RowRepair | None = None, single_line: bool = False,
                  categorical: Collection[str] = (), threads: bool = True) -> _Raw:
    """Read one CSV file: every record either kept with its row number or set aside.

    ``expected`` names the columns the caller needs (to find the header below title lines);
    ``repair`` builds, from the header, a hook that may fix a record of the wrong width;
    ``categorical`` names columns with few distinct values, which the Arrow path reads as
    categoricals (the other paths give text; :func:`hotspots.io._table.read_table` unifies);
    ``threads`` lets Arrow parse on its own threads (off when files are read two at a time).
    """
    name = path.name
    if _BLANK.fullmatch(raw):
        raise EmptyDataError(Problem(
            "empty_file", f"the file {name} is empty ({len(raw)} bytes): there is no header "
            "and no rows.", file=name))
    # the file's fingerprint for the load report, computed while the bytes are parsed:
    # hashlib lets go of the GIL, so it takes the core the single-threaded checks leave
    digest = _sha256_meanwhile(raw)
    text = open_text(path, raw)
    data_bytes, encoding = text.data, text.encoding
    if _BLANK.fullmatch(data_bytes):
        raise EmptyDataError(Problem(
            "empty_file", f"the file {name} holds no text once decompressed.", file=name))
    sep = _separator(data_bytes, encoding, path)
    # where the records start: counted in one pass for plain bytes (police.uk's), found
    # one by one (quotes respected) otherwise; only the first few starts are used below
    plain = _plain_records(data_bytes) if encoding in ("utf-8", "utf-8-sig") else None
    shape = None
    if plain is None:
        shape = field_counts(data_bytes, sep)
        plain = shape.starts.size, shape.starts
    n_records, starts = plain
    n_head = min(HEADER_SEARCH_LINES, n_records)
    head_end = int(starts[n_head]) if n_head < n_records else len(data_bytes)
    head_lines = list(csv.reader(io.StringIO(data_bytes[:head_end].decode(encoding),
                                             newline=""), delimiter=sep))
    at = find_header(head_lines, expected, name)
    header = [h.strip() for h in head_lines[at]] if at < len(head_lines) else []
    dup = sorted({h for h in header if h and header.count(h) > 1})
    if dup:
        raise ValidationError(Problem(
            "duplicate_column", f"{name} has "
            f"{'a column name' if len(dup) == 1 else 'column names'} used twice in its header: "
            f"{', '.join(shorten(h) for h in dup[:10])}. Which one "
            "holds the data cannot be known: rename or delete the repeated columns.",
            file=name))
    notes = list(text.notes)
    if at:
        notes.append(f"{name}: {_plural(at, 'line')} above the header skipped (title lines); "
                     f"the header is row {at + 1}.")
    width = len(header)
    n_data = n_records - at - 1
    first = int(starts[at + 1]) if n_data > 0 else len(data_bytes)
    # Stray quotes, control bytes or (for layouts without them) line breaks in values send
    # the file to the record-by-record path. Otherwise Arrow parses it: it refuses any
    # record whose width is not the header's, and such a file goes record by record too.
    # (Plain bytes have none of them, nor empty records.)
    multiline = shape is not None and bool(shape.multiline[at + 1:].any())
    clean = shape is None or (shape.quotes_ok and not shape.controls[at + 1:].any()
                              and not (single_line and multiline))
    data = None
    rejected: list[tuple[str, str, str, np.ndarray]] = []
    repaired = np.zeros(0, dtype=np.int64)
    arrow_tried = False
    if clean and encoding in ("utf-8", "utf-8-sig") and n_data > 0 \
            and (shape is None or not shape.empty[at + 1:].any()):
        # well-quoted UTF-8 without blank lines: Arrow parses it straight into Arrow
        # string columns (no Python object per cell); None when Arrow refuses it
        arrow_tried = True
        data = read_arrow_csv(memoryview(data_bytes)[first:], _column_names(head_lines[at]),
                              sep, multiline=multiline,
                              categorical=categorical, threads=threads,
                              # open_text checked plain UTF-8 (not after a BOM) already
                              checked_utf8=encoding == "utf-8")
        if data is not None and len(data) != n_data:
            data = None  # the record count and Arrow disagree: let the records say
        rows = np.arange(n_data, dtype=np.int64) + at + 2
    # pandas' C parser pads a short record instead of refusing it, so it reads only files
    # whose separators below the header add up to (width - 1) per non-empty record (one sum
    # instead of a count per record)
    quick = False
    if clean and not arrow_tried:
        if shape is None:  # plain bytes that Arrow did not read (a file without rows)
            shape = field_counts(data_bytes, sep)
        quick = shape.separators_from(first) == (width - 1) * int(
            (~shape.empty[at + 1:]).sum())
    if quick and data is None:
        try:
            # dtype=str keeps ids ("0123") and coordinates exactly as written; the C engine
            # handles CRLF; blank lines are kept so that row numbers match a spreadsheet.
            data = pd.read_csv(io.BytesIO(data_bytes[int(starts[at]):]), dtype=str,
                               encoding=encoding, sep=sep, keep_default_na=False,
                               na_values=[""], skip_blank_lines=False, engine="c")
        except pd.errors.EmptyDataError:
            raise EmptyDataError(Problem(
                "empty_file", f"the file {name} has no header and no rows.",
                file=name)) from None
        except pd.errors.ParserError as exc:
            if "Expected" not in str(exc):  # not a row-length problem (e.g. an open quote)
                raise ValidationError(Problem(
                    "malformed_csv", f"{name} is not a well-formed CSV file: "
                    f"{shorten(str(exc).strip(), 200)}. Check for a stray quote on that line.",
                    file=name)) from None
            data = None
        if data is not None and (len(data) != n_data
                                 or not isinstance(data.index, pd.RangeIndex)):
            data = None  # the quick count and pandas disagree: settle it record by record
        rows = np.arange(n_data, dtype=np.int64) + at + 2
    if data is None:
        records = split_records(data_bytes.decode(encoding), sep, at, width,
                                repair.make(header) if repair is not None else None, name,
                                single_line)
        data = pd.DataFrame(records.rows, columns=_column_names(header), dtype=object)
        data = data.mask(data == "")
        rows = records.numbers
        if records.blank:
            notes.append(_blank_note(name, np.asarray(records.blank)))
        rejected = shape_problems(records, width)
        repaired = np.asarray(records.repaired, dtype=np.int64)
        if records.trailing_blank:
            notes.append(f"{name}: every row has up to {records.trailing_blank} blank fields "
                         "beyond the header (a spreadsheet's formatted empty columns); they "
                         "were dropped.")
    data.columns = [str(c).strip() for c in data.columns]
    # Excel exports often carry trailing columns with no header and no values (",,,")
    unnamed = [c for c in data.columns
               if (c == "" or c.startswith("Unnamed: ")) and data[c].isna().all()]
    if unnamed:
        data = data.drop(columns=unnamed)
        notes.append(f"{name}: {_plural(len(unnamed), 'empty column')} without a header "
                     "ignored.")
    blank = data.isna().all(axis=1).to_numpy()
    if blank.any():
        notes.append(_blank_note(name, rows[blank]))
        data = data.loc[~blank]
    data = data.reset_index(drop=True)
    n_rejected = sum(len(r[3]) for r in rejected)
    record = FileRecord(name, len(data) + n_rejected, digest(),
                        str(path))
    return _Raw(data, None, record, rows[~blank], notes, text.encoding_warning, rejected,
                repaired)
