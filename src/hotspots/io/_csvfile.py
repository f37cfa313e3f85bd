"""Turn the bytes of a CSV file into a header and records of the right shape.

The point engine (:mod:`hotspots.io._table`) reads CSV files through :func:`open_text` and
:func:`split_records`. Together they make sure that a file is never read wrongly in silence:

- **What the bytes are.** gzip, bzip2 and single-file zip archives are opened; UTF-8 (with
  or without a byte-order mark), UTF-16 (with or without one) and Windows-1252 are told
  apart; bytes that are not text at all (a spreadsheet saved with a ``.csv`` name, an
  image) are refused with a message that says so.
- **Where the header is.** Title lines above the header ("Crime export, run 3 May") are
  skipped when a later line holds the expected columns, and the skip is noted; when line 1
  looks like a title and no header is found, the file is refused with the line number.
- **Rows keep their shape.** A record with fewer or more fields than the header is set
  aside with its reason and row number, never padded or shifted. pandas pads short rows
  silently, so the field count of every record is checked first, vectorised over the bytes
  (:func:`field_counts`); only a file with a misshapen record goes through the record-by-
  record path (:func:`split_records`). One exception is kept from spreadsheet exports:
  when *every* data row carries the same blank fields beyond the header (Excel's ``,,,``
  for formatted empty columns), they are dropped with a note.

Nothing here echoes cell values into messages: a row's reason says how many fields it has,
never what they hold, so a file of children's records can be checked without leaking them.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hotspots.errors import Problem, ValidationError

__all__ = ["CsvText", "Records", "RowRepair", "field_counts", "find_header", "open_text",
           "shorten", "split_records"]

#: a repair hook: given a record with the wrong number of fields, return the fixed record
#: (exactly as many fields as the header) or None when the repair is not certain
Repair = Callable[[list[str]], list[str] | None]



@dataclass(frozen=True)
class RowRepair:
    """A narrowly safe repair of misshapen records, and how it is reported.

    Attributes
    ----------
    make : callable
        Given the header (stripped names), return a :data:`Repair` hook for that layout,
        or None when the layout is not the one the repair knows.
    code, label, message : str
        How repaired rows are listed under "kept with a warning" in the load report.
    """

    make: Callable[[list[str]], Repair | None]
    code: str
    label: str
    message: str


_BOM = b"\xef\xbb\xbf"
#: lines searched for a header below title lines
HEADER_SEARCH_LINES = 20
#: longest echo of a value or header in a message
ECHO_LIMIT = 60
# a record may hold a 30 MB cell (a pasted document): the csv module's default limit of
# 128 KB would stop the read with a bare csv.Error; pandas has no such limit
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def shorten(value: object, limit: int = ECHO_LIMIT) -> str:
    """Return ``repr(str(value))`` cut to about ``limit`` characters, for messages.

    A 30 MB line must not become a 30 MB error message.

    Examples
    --------
    >>> shorten("x" * 100, 10)
    "'xxxxxxxxxx...' (100 characters)"
    """
    text = str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit] + '...'!r} ({len(text):,} characters)"


@dataclass
class CsvText:
    """The bytes of a CSV file, made ready for the parsers.

    Attributes
    ----------
    data : bytes
        The text, decompressed, in ``encoding`` (UTF-16 is re-encoded as UTF-8, so every
        encoding here keeps ``,``, ``"`` and line ends as single ASCII bytes).
    encoding : str
        ``"utf-8"``, ``"utf-8-sig"``, ``"cp1252"`` or ``"latin-1"``.
    file_bytes : bytes
        The file as stored (for its checksum).
    notes : list of str
        What was done (decompressed, UTF-16 converted, byte-order mark).
    encoding_warning : str or None
        Set when the text is not UTF-8 and was read as a legacy code page.
    """

    data: bytes
    encoding: str
    file_bytes: bytes
    notes: list[str] = field(default_factory=list)
    encoding_warning: str | None = None


def _decompress(raw: bytes, name: str) -> tuple[bytes, str | None]:
    """Undo gzip, bzip2 or a one-member zip, told by their magic numbers, not the suffix."""
    try:
        if raw[:2] == b"\x1f\x8b":
            return gzip.decompress(raw), "gzip"
        if raw[:3] == b"BZh":
            return bz2.decompress(raw), "bzip2"
        if raw[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                members = [m for m in zf.infolist() if not m.is_dir()]
                if len(members) != 1:
                    listed = ", ".join(shorten(m.filename, 40) for m in members[:5])
                    raise ValidationError(Problem(
                        "unsupported_archive", f"{name} is a zip archive with {len(members)} "
                        f"files ({listed}); a zip can be read as a table only when it holds "
                        "exactly one CSV file. Unzip it and pass the CSV files.", file=name))
                return zf.read(members[0]), f"zip ({members[0].filename})"
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as exc:
        if isinstance(exc, ValidationError):
            raise
        raise ValidationError(Problem(
            "unreadable_file", f"{name} looks compressed but could not be decompressed "
            f"({shorten(exc, 120)}); it may be truncated.", file=name)) from None
    return raw, None


def _utf16_without_bom(head: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when ASCII-range text has a NUL byte beside each char."""
    sample = head[:4096]
    if len(sample) < 4:
        return None
    odd = sample[1::2].count(0) / max(len(sample[1::2]), 1)
    even = sample[0::2].count(0) / max(len(sample[0::2]), 1)
    if odd > 0.4 and even < 0.05:
        return "utf-16-le"
    if even > 0.4 and odd < 0.05:
        return "utf-16-be"
    return None


def _not_text(name: str, why: str) -> ValidationError:
    return ValidationError(Problem(
        "not_a_text_table", f"{name} is not a text table ({why}). If it is a spreadsheet, "
        "save it as CSV (or pass the .xlsx file itself); if it is compressed in another "
        "format, decompress it first.", file=name))


_NOT_CONTROL = bytes(b for b in range(256) if not (b < 9 or b in (11, 12) or 13 < b < 32))


def _is_control(a: np.ndarray) -> np.ndarray:
    """C0 control bytes other than tab, line feed and carriage return."""
    return (a < 9) | (a == 11) | (a == 12) | ((a > 13) & (a < 32))


def open_text(path: Path, raw: bytes, *, head_only: bool = False) -> CsvText:
    """Decompress and decode the bytes of a CSV file, or refuse them with a clear reason.

    Parameters
    ----------
    path : pathlib.Path
        The file (its name is used in messages).
    raw : bytes
        The file's bytes.
    head_only : bool
        ``raw`` is only the start of the file (to sniff its header): a character cut at
        the end is not an error.

    Returns
    -------
    CsvText

    Raises
    ------
    hotspots.errors.ValidationError
        ``not_a_text_table`` for binary content, ``unreadable_file`` for a broken archive,
        ``unsupported_archive`` for a zip with several files.
    """
    name = path.name
    data, compression = _decompress(raw, name)
    notes = [f"{name}: {compression}-compressed; decompressed in memory."] if compression \
        else []
    warning = None
    if data.startswith(_BOM):
        encoding = "utf-8-sig"
        notes.append(f"{name}: UTF-8 with a byte-order mark.")
    else:
        utf16 = ("utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff"))
                 else _utf16_without_bom(data))
        if utf16 is not None:
            try:
                data = data.decode(utf16, errors="ignore" if head_only else "strict"
                                   ).lstrip("\ufeff").encode("utf-8")
            except UnicodeDecodeError as exc:
                raise _not_text(name, f"looks like UTF-16 but byte {exc.start} is not "
                                "valid UTF-16") from None
            notes.append(f"{name}: UTF-16 text, converted to UTF-8.")
        encoding = "utf-8"
        try:
            if not data.isascii():  # ASCII (most files) is UTF-8: no need to decode it all
                data.decode("utf-8")
        except UnicodeDecodeError as exc:
            try:
                data.decode("cp1252")
                encoding = "cp1252"
                warning = (f"{name} is not UTF-8 (first bad byte at offset {exc.start}); "
                           "read as Windows-1252 (cp1252)")
            except UnicodeDecodeError:
                encoding = "latin-1"
                warning = (f"{name} is not UTF-8 (first bad byte at offset {exc.start}); "
                           "read as Latin-1")
    head = np.frombuffer(data[:65536], dtype=np.uint8)
    first_line = np.frombuffer(data[:65536].split(b"\n", 1)[0], dtype=np.uint8)
    controls = int(_is_control(head).sum())
    if _is_control(first_line).any() or controls > max(8, head.size // 20):
        # control bytes in the header, or in more than 5% of the text, are no CSV in any
        # encoding (rows with a few stray ones are set aside one by one instead)
        raise _not_text(name, f"{controls:,} control bytes in its first {head.size:,} bytes")
    return CsvText(data, encoding, raw, notes, warning)


# --- field counts, vectorised ----------------------------------------------------------------
@dataclass
class Shape:
    """Where the records of CSV bytes start and end, found without parsing (quotes respected).

    Attributes
    ----------
    starts, ends : numpy.ndarray of int64
        Byte offset where each record starts, and of its line feed (or the end of the data).
    controls : numpy.ndarray of bool
        Records holding control bytes (binary garbage).
    empty : numpy.ndarray of bool
        Records with no bytes at all (pandas reads them as all-missing rows).
    quotes_ok : bool
        Every quote opens a field (after a separator or line end), closes one (before a
        separator or line end) or is doubled, and none is left open. When False, where the
        records end is read record by record by the :mod:`csv` module, which refuses
        broken quoting instead of joining rows.
    multiline : numpy.ndarray of bool
        Records with a line break inside a quoted value.
    """

    starts: np.ndarray
    ends: np.ndarray
    controls: np.ndarray
    empty: np.ndarray
    quotes_ok: bool
    multiline: np.ndarray
    _bytes: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, np.uint8))
    _sep: int = 44
    _quotes: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, np.int64))

    def _separators(self) -> np.ndarray:
        seps = np.flatnonzero(self._bytes == self._sep)
        return seps[_outside(self._quotes, seps)] if self._quotes.size else seps

    @property
    def counts(self) -> np.ndarray:
        """Fields in each record (1 + separators outside quotes)."""
        where = np.searchsorted(self.ends, self._separators())  # first record ending after
        return 1 + np.bincount(where, minlength=self.ends.size)[:self.ends.size].astype(
            np.int64)

    def separators_from(self, offset: int) -> int:
        """Separators outside quotes at or after byte ``offset``."""
        if not self._quotes.size:  # one comparison and a count, no positions
            return int(np.count_nonzero(self._bytes[offset:] == self._sep))
        seps = self._separators()
        return int(seps.size - np.searchsorted(seps, offset))


def _outside(quotes: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Mask of positions outside quoted fields: an even number of quotes lies before them."""
    return np.searchsorted(quotes, pos) % 2 == 0


def field_counts(data: bytes, sep: str) -> Shape:
    r"""Find the records of CSV bytes and their separators, vectorised (no loop over rows).

    A separator or line feed counts only outside double quotes: the parity of the quotes
    before it tells inside from outside, and an escaped quote (``""``) flips it twice. Only
    the positions of line feeds, separators and quotes are kept, so a file of 100 MB costs
    a few passes over its bytes, not arrays of its size per step.

    Parameters
    ----------
    data : bytes
        CSV bytes in an encoding where ``,``, ``"`` and ``\n`` are single bytes.
    sep : str
        The one-character separator.

    Returns
    -------
    Shape
    """
    a = np.frombuffer(data, dtype=np.uint8)
    if a.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        none = np.zeros(0, dtype=bool)
        return Shape(empty, empty, none, none, True, none)
    control_at = None
    if data.find(b'"') < 0:
        # no quotes (police.uk files have none): every line feed ends a record, and one
        # pass over the bytes below 32 finds line feeds and control bytes together
        quotes = np.zeros(0, dtype=np.int64)
        low = np.flatnonzero(a < 32)
        kind = a[low]
        newlines = low[kind == 10]
        control_at = low[_is_control(kind)]
    else:
        newlines = np.flatnonzero(a == 10)
        quotes = np.flatnonzero(a == 34)
    quotes_ok = True
    inside_nl = np.zeros(0, dtype=np.int64)
    if quotes.size:
        quotes_ok = _quotes_ok(a, quotes, ord(sep))
        keep = _outside(quotes, newlines)
        inside_nl = newlines[~keep]
        newlines = newlines[keep]
    ends = newlines
    if ends.size == 0 or ends[-1] != a.size - 1:
        ends = np.append(ends, a.size)  # a last record without a line end
    starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
    controls = np.zeros(starts.size, dtype=bool)
    if control_at is not None:
        controls[np.searchsorted(ends, control_at)] = True
    elif data.translate(None, _NOT_CONTROL):  # the rare file with control bytes: find them
        controls[np.searchsorted(ends, np.flatnonzero(_is_control(a)))] = True
    length = ends - starts
    last = a[np.maximum(ends - 1, 0)]
    empty = (length == 0) | ((length == 1) & (last == 13))
    multiline = np.zeros(starts.size, dtype=bool)
    multiline[np.searchsorted(starts, inside_nl, side="right") - 1] = True
    return Shape(starts, ends.astype(np.int64), controls, empty, quotes_ok, multiline, a,
                 ord(sep), quotes)


def _quotes_ok(a: np.ndarray, pos: np.ndarray, sep: int) -> bool:
    """Tell whether the quotes at ``pos`` pair up as CSV quoting: no stray or open quote.

    The 1st, 3rd... quote opens a field, so it follows a separator, a line end, the start
    or a quote (the second half of ``""``); the 2nd, 4th... closes one, so it is followed
    by a separator, a line end, the end or a quote. A quote in the middle of a field (``5"
    Street``) breaks the pairing; so does ``"a"b``, which joins two rows into one value.
    """
    if pos.size % 2:
        return False
    bounds = np.array([sep, 10, 13, 34], dtype=np.uint8)
    opening, closing = pos[0::2], pos[1::2]
    before = a[np.maximum(opening - 1, 0)]
    after = a[np.minimum(closing + 1, a.size - 1)]
    ok_open = (opening == 0) | np.isin(before, bounds)
    ok_close = (closing == a.size - 1) | np.isin(after, bounds)
    return bool(ok_open.all() and ok_close.all())


# --- the header --------------------------------------------------------------------------------
def _norm(name: str) -> str:
    return " ".join(str(name).split()).casefold()


def find_header(lines: Sequence[list[str]], expected: Sequence[str], name: str) -> int:
    """Index of the header record among the first records of a file.

    Parameters
    ----------
    lines : sequence of list of str
        The first records (parsed), up to :data:`HEADER_SEARCH_LINES`.
    expected : sequence of str
        Columns the caller needs; matched ignoring case and repeated spaces.
    name : str
        File name for messages.

    Returns
    -------
    int
        0 when the first record holds the expected columns (or nothing is expected), else
        the first record below title lines that holds them all.

    Raises
    ------
    hotspots.errors.ValidationError
        ``title_above_header`` when line 1 has a single field, the records below it have
        several, and no record holds the expected columns: line 1 is a title and the header
        cannot be found.
    """
    want = {_norm(c) for c in expected}
    if not lines:
        return 0
    if not want:
        return 0
    for i, rec in enumerate(lines):
        if want <= {_norm(c) for c in rec}:
            return i
    widths = [len(r) for r in lines[1:] if r]
    if len(lines[0]) == 1 and widths and max(widths) > 1:
        raise ValidationError(Problem(
            "title_above_header", f"line 1 of {name} looks like a title, not a header (one "
            f"field, {shorten(lines[0][0])}), and none of the first {len(lines)} lines holds "
            f"the columns needed ({', '.join(repr(c) for c in expected)}). Delete the lines "
            "above the header, or check the column names.", rows=(1,), n_rows=1, file=name))
    return 0


# --- records, one by one (only for files with a misshapen record) ------------------------------
@dataclass
class Records:
    """The outcome of :func:`split_records` for one file.

    Attributes
    ----------
    rows : list of list of str
        The kept records, each exactly as wide as the header ("" for an empty field).
    numbers : numpy.ndarray of int64
        Spreadsheet row number of each kept record (line 1 = row 1).
    blank : list of int
        Row numbers of empty lines (ignored).
    short, long : dict of int to int
        Row number -> field count of records with fewer / more fields than the header.
    binary : list of int
        Row numbers of records holding control bytes (binary garbage).
    joined : list of int
        Row numbers of records with a line break inside a value (``single_line`` only).
    repaired : list of int
        Row numbers of records fixed by the repair hook.
    trailing_blank : int
        Blank fields beyond the header dropped from every row (spreadsheet exports).
    """

    rows: list[list[str]]
    numbers: np.ndarray
    blank: list[int] = field(default_factory=list)
    short: dict[int, int] = field(default_factory=dict)
    long: dict[int, int] = field(default_factory=dict)
    binary: list[int] = field(default_factory=list)
    joined: list[int] = field(default_factory=list)
    repaired: list[int] = field(default_factory=list)
    trailing_blank: int = 0


def _strict(reader: Any, name: str) -> Iterator[list[str]]:
    """Yield the records of a strict csv reader; broken quoting is a ValidationError."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num
            raise ValidationError(Problem(
                "malformed_csv", f"{name} is not a well-formed CSV file: the quoting breaks "
                f"near line {line} ({shorten(exc, 80)}): a quote closes a field but text "
                "follows it, or a quote is never closed. Where that row ends, and so which "
                "values belong to which rows, cannot be known. Remove the stray quote, or "
                'double it ("") inside a quoted field.', file=name)) from None


def split_records(text: str, sep: str, header_index: int, width: int,
                  repair: Repair | None = None, name: str = "the file",
                  single_line: bool = False) -> Records:
    """Sort the data records of a CSV text by shape, row by row.

    Parameters
    ----------
    text : str
        The decoded file.
    sep : str
        Separator.
    header_index : int
        Record index of the header (title lines above it are skipped).
    width : int
        Fields in the header.
    repair : callable, optional
        Tried on each record of the wrong width (see :data:`Repair`).
    name : str
        File name, for messages.
    single_line : bool
        The layout never has a line break inside a value (police.uk): a record that has
        one is set aside, as a stray pair of quotes has probably joined rows into a value.

    Raises
    ------
    hotspots.errors.ValidationError
        ``malformed_csv`` when the quoting is broken (text after a closing quote, a quote
        never closed).

    Returns
    -------
    Records
        Kept records are exactly ``width`` wide. Records longer than the header whose extra
        fields are blank are kept (extra fields dropped) only when *every* non-blank data
        record is longer than the header, by the same number of blank fields, in a file of
        two rows or more: that is a spreadsheet's formatted empty columns, while a few long
        rows among good ones are a value split by an unquoted separator.
    """
    # strict: a closing quote followed by text, or a quote never closed, is an error rather
    # than a value that swallows the rows after it
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    out = Records([], np.zeros(0, dtype=np.int64))
    numbers: list[int] = []
    long_blank: list[tuple[int, list[str]]] = []
    n_exact = 0
    for index, rec in enumerate(_strict(reader, name)):
        if index <= header_index:
            continue
        number = index + 1
        if any(_CONTROL.search(f) for f in rec):
            out.binary.append(number)
            continue
        if single_line and any("\n" in f or "\r" in f for f in rec):
            out.joined.append(number)
            continue
        if not any(f.strip() for f in rec):
            out.blank.append(number)
            continue
        if len(rec) == width:
            out.rows.append(rec)
            numbers.append(number)
            n_exact += 1
            continue
        fixed = repair(rec) if repair is not None else None
        if fixed is not None and len(fixed) == width:
            out.rows.append(fixed)
            numbers.append(number)
            out.repaired.append(number)
            n_exact += 1
        elif len(rec) < width:
            out.short[number] = len(rec)
        elif not any(f.strip() for f in rec[width:]):
            long_blank.append((number, rec))
        else:
            out.long[number] = len(rec)
    if len(long_blank) >= 2 and n_exact == 0 and len({len(r) for _, r in long_blank}) == 1:
        out.trailing_blank = max(len(r) for _, r in long_blank) - width
        pairs = sorted([*zip(numbers, out.rows, strict=True),
                        *((k, r[:width]) for k, r in long_blank)], key=lambda t: t[0])
        numbers = [k for k, _ in pairs]
        out.rows = [r for _, r in pairs]
    else:
        out.long.update({k: len(r) for k, r in long_blank})
    out.numbers = np.asarray(numbers, dtype=np.int64)
    return out


def shape_problems(rec: Records, width: int) -> list[tuple[str, str, str, np.ndarray]]:
    """Reasons for the set-aside records: ``(code, label, message, row numbers)``.

    The messages give field counts, never the fields themselves.
    """
    out = []
    if rec.binary:
        out.append(("binary_row", "control bytes in the row",
                    "These rows hold control bytes (binary data, not text); they were set "
                    "aside. Check how the file was exported or joined.",
                    np.asarray(rec.binary, dtype=np.int64)))
    if rec.joined:
        out.append(("line_break_in_value", "a line break inside a value",
                    "These records have a quoted value that runs over a line break, which "
                    "this layout never has: a stray pair of quotes has probably joined rows "
                    "into one value. They were set aside.",
                    np.asarray(rec.joined, dtype=np.int64)))
    for code, label, rows, hint in (
            ("short_row", "fewer fields than the header", rec.short,
             "A row cut short (a truncated file, a line break inside an unquoted field, "
             "garbage bytes) would put its values in the wrong columns if it were padded."),
            ("long_row", "more fields than the header", rec.long,
             "Usually a comma inside a field that is not quoted: reading it would move every "
             "later value into the wrong column. Quote that field in the source.")):
        if rows:
            found = sorted(set(rows.values()))
            shown = ", ".join(str(c) for c in found[:5]) + (", ..." if len(found) > 5 else "")
            out.append((code, label,
                        f"The header has {width} fields; these rows have {shown}. They were "
                        f"set aside, not padded or shifted. {hint}",
                        np.asarray(sorted(rows), dtype=np.int64)))
    return out
