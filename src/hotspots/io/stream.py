"""Streaming conversion: many incident files -> one partitioned GeoParquet dataset.

Memory stays bounded by the largest single chunk, whatever the number of files: each chunk
(one file; police.uk publishes one file per force and month, the natural chunk; a CSV file
bigger than ``chunk_bytes`` is cut into pieces at record boundaries, each read with the
header re-attached and its row numbers moved to the whole file's) is read with
every check of :func:`~hotspots.io.read_police_uk` / :func:`~hotspots.io.read_incidents`,
assigned to areas, counted, written as GeoParquet parts (see :mod:`hotspots.io.dataset`) and
dropped before the next is read. The load reports of the chunks are merged into one, which
accounts for every row of every file, and the area counts are summed, so a national history
is counted by ward without ever being held in memory.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import re
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hotspots import schema
from hotspots.areas import AreaSet, assign_areas
from hotspots.errors import EmptyDataError, Problem, ValidationError
from hotspots.io.dataset import column_dtypes, finish, merge_dtypes, write_parts
from hotspots.io.incidents import is_police_uk, read_incidents, read_police_uk
from hotspots.io.load_report import MAX_EXAMPLES, FileRecord, LoadReport, RowIssue

__all__ = ["CHUNK_BYTES", "Conversion", "convert_incidents", "counts_table"]

logger = logging.getLogger(__name__)

_CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2")
#: a file larger than this is read in pieces of about this size, cut at record boundaries
CHUNK_BYTES = 64 * 2**20


@dataclass
class Conversion:
    """What :func:`convert_incidents` wrote.

    Attributes
    ----------
    path : pathlib.Path
        The dataset folder.
    report : LoadReport
        The load report of every chunk, merged: every row of every file accounted for.
    counts : dict of str to pandas.DataFrame
        Per area level: ``area_id, area_name, n, share`` over all chunks (as
        :func:`hotspots.area_counts` without ``by``/``period``), empty without ``areas``.
    chunks : int
        Chunks read (files and frames).
    parts : int
        Parquet files written.
    seconds : float
        Wall time of the conversion.
    """

    path: Path
    report: LoadReport
    counts: dict[str, pd.DataFrame] = field(default_factory=dict)
    chunks: int = 0
    parts: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        """Rows read per second of wall time."""
        return self.report.rows_read / self.seconds if self.seconds > 0 else float("nan")


# --- the chunks --------------------------------------------------------------------------------
def _expand(sources: Any, police_uk: bool) -> tuple[list[Any], list[str]]:
    """Files (in order) and frames to convert, and the files skipped in folders."""
    items = sources if isinstance(sources, (list, tuple)) else [sources]
    out: list[Any] = []
    skipped: list[str] = []
    for item in items:
        if isinstance(item, pd.DataFrame):
            out.append(item)
            continue
        text = str(item)
        if Path(text).is_dir():
            found = sorted(p for p in Path(text).rglob("*")
                           if p.is_file() and p.name.lower().endswith(_CSV_SUFFIXES))
            for p in found:
                if police_uk and not is_police_uk(p):
                    skipped.append(p.name)
                else:
                    out.append(p)
        elif any(ch in text for ch in "*?["):
            out += [Path(p) for p in sorted(glob.glob(text, recursive=True))]
        else:
            out.append(Path(text))
    missing = [p for p in out if isinstance(p, Path) and not p.exists()]
    if missing:
        raise ValidationError([Problem("missing_file", f"{p} does not exist.", file=p.name)
                               for p in missing])
    if not out:
        raise ValidationError(Problem("no_files", "no files to convert were found in "
                                      f"{', '.join(map(str, items))}."))
    return out, skipped


def _read_chunk(source: Any, police_uk: bool, read_kwargs: dict[str, Any]) -> gpd.GeoDataFrame:
    if police_uk:
        return read_police_uk(source, **read_kwargs)
    return read_incidents(source, **read_kwargs)


class _SeenIds:
    """Ids of earlier chunks, as 64-bit hashes (8 bytes per id, whatever the id's length).

    Used where the reader removes repeated ids (police.uk API downloads, ``deduplicate``):
    a whole-file read removes an id repeated in a later file, so the stream must too.
    """

    def __init__(self) -> None:
        self._seen = np.empty(0, dtype=np.uint64)

    def drop_repeats(self, frame: gpd.GeoDataFrame, report: LoadReport
                     ) -> tuple[gpd.GeoDataFrame, LoadReport]:
        ids = frame[schema.INCIDENT_ID].astype("string").fillna("")
        hashes = pd.util.hash_array(ids.to_numpy(dtype=object))
        repeat = np.isin(hashes, self._seen)
        self._seen = np.union1d(self._seen, hashes[~repeat])
        if not repeat.any():
            return frame, report
        gone = frame[repeat]
        unknown = int((gone[schema.LOCATION_STATUS] == schema.UNKNOWN).sum())
        files = [None if pd.isna(f) else str(f) for f in gone[schema.SOURCE_FILE]]
        examples = tuple(zip(files, gone[schema.SOURCE_ROW].astype(int).tolist(),
                             strict=True))
        report = replace(
            report, located=report.located - (len(gone) - unknown),
            unknown_location=report.unknown_location - unknown,
            duplicates_removed=report.duplicates_removed + len(gone),
            duplicate_rows=(report.duplicate_rows + examples)[:MAX_EXAMPLES],
            duplicates_detail=report.duplicates_detail or "same id as a row of an earlier file")
        return frame[~repeat].reset_index(drop=True), report


def _dedupes(police_uk: bool, frame: gpd.GeoDataFrame, read_kwargs: dict[str, Any]) -> bool:
    # police.uk API downloads (their own columns) drop repeated ids; street files keep them
    api = police_uk and "persistent_id" in frame.columns
    return api or bool(read_kwargs.get("deduplicate"))


# --- one large file, in pieces ----------------------------------------------------------------
def _last_boundary(block: bytes, *, first: bool = False) -> int | None:
    """Position just after the block's last (or ``first``) record end, outside quotes.

    The block starts at a record boundary, so a line break ends a record when the quotes
    before it are even in number (a doubled quote inside a quoted value counts two).
    """
    if block.find(b'"') < 0:  # no quotes (police.uk files): bytes.(r)find, no array
        at = block.find(b"\n") if first else block.rfind(b"\n")
        return at + 1 if at >= 0 else None
    data = np.frombuffer(block, dtype=np.uint8)
    breaks = np.flatnonzero(data == 10)
    breaks = breaks[np.searchsorted(np.flatnonzero(data == 34), breaks) % 2 == 0]
    return int(breaks[0 if first else -1]) + 1 if breaks.size else None


def _records(block: bytes) -> int:
    """Count the records ending in ``block`` (which starts at a record boundary)."""
    if block.find(b'"') < 0:
        return block.count(b"\n")
    data = np.frombuffer(block, dtype=np.uint8)
    breaks = np.flatnonzero(data == 10)
    return int((np.searchsorted(np.flatnonzero(data == 34), breaks) % 2 == 0).sum())


@dataclass
class _Cuts:
    """A file cut into pieces: the header bytes, the pieces' byte ranges and row offsets."""

    header: bytes
    ranges: list[tuple[int, int]]
    rows_before: list[int]  # records (header included) before each piece
    sha256: str


def _header_ok(path: Path, header: bytes, police_uk: bool, read_kwargs: dict[str, Any]
               ) -> bool:
    """Tell whether the first record is the header (no title lines above it).

    Pieces get the first record as their header, so a file whose header sits lower (title
    lines, found by the reader) is read whole rather than cut wrongly.
    """
    text = header.decode("utf-8", errors="replace").lower()
    if police_uk:
        return "latitude" in text and "longitude" in text
    names = [str(v) for k, v in read_kwargs.items()
             if k in {"x", "y", "occurred", "category", "incident_id", "weight"} and v]
    return bool(names) and all(n.lower() in text for n in names)


def _cut(path: Path, chunk_bytes: int, police_uk: bool, read_kwargs: dict[str, Any]
         ) -> _Cuts | None:
    """Cut a CSV file bigger than ``chunk_bytes`` at record boundaries (None: read whole).

    Only plain (uncompressed, ASCII-compatible) CSV files whose first record is the
    header are cut; the file is read block by block, never whole.
    """
    name = path.name.lower()
    if not name.endswith((".csv", ".txt")) or path.stat().st_size <= chunk_bytes:
        return None
    size, digest = path.stat().st_size, hashlib.sha256()
    ranges: list[tuple[int, int]] = []
    rows_before: list[int] = []
    with open(path, "rb") as f:
        block = f.read(chunk_bytes)
        end = _first_record_end(block)
        if b"\0" in block[:65536] or end is None or not _header_ok(
                path, block[:end], police_uk, read_kwargs):
            return None  # UTF-16, one giant record, or title lines above the header
        header, pos, records = block[:end], end, 1
        digest.update(header)
        while pos < size:
            f.seek(pos)
            block = f.read(chunk_bytes)
            cut = len(block) if pos + len(block) >= size else _last_boundary(block)
            while cut is None:
                # a record longer than the budget: take more of the file, and cut at the
                # end of that record, so that the piece holds it alone
                more = f.read(chunk_bytes)
                block += more
                cut = len(block) if not more else _last_boundary(block, first=True)
            digest.update(block[:cut])
            ranges.append((pos, pos + cut))
            rows_before.append(records)
            records += _records(block[:cut])
            pos += cut
    return _Cuts(header, ranges, rows_before, digest.hexdigest())


def _first_record_end(block: bytes) -> int | None:
    at = block.find(b"\n")
    while at >= 0 and block.count(b'"', 0, at) % 2:
        at = block.find(b"\n", at + 1)
    return at + 1 if at >= 0 else None


def _shift_rows(issue: RowIssue, name: str, offset: int) -> RowIssue:
    return replace(issue, rows=tuple((f, r + offset if f == name else r) for f, r in issue.rows))


def _shift_text(text: str, name: str, offset: int) -> str:
    """Row numbers after ``"<name> row(s) ..."`` in a message, moved by ``offset``."""
    def shift(match: re.Match[str]) -> str:
        numbers = re.sub(r"\d+", lambda m: str(int(m.group()) + offset), match.group(2))
        return match.group(1) + numbers
    return re.sub(rf"({re.escape(name)} rows? )(\d+(?:, \d+)*)", shift, text)


def _shifted(frame: gpd.GeoDataFrame, report: LoadReport, name: str, offset: int
             ) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Give a piece's frame and report the row numbers of the whole file."""
    if offset and schema.SOURCE_ROW in frame.columns:
        old = frame[schema.SOURCE_ROW].to_numpy(dtype=np.int64)
        new = old + offset
        frame[schema.SOURCE_ROW] = new
        # generated ids "<file stem>:<row>" name the row: renumber them too (in Arrow:
        # a million ids in 0.1 s where numpy's string functions took 1 s)
        stem = re.sub(r"\.[^.]*$", "", name)
        ids = pa.array(frame[schema.INCIDENT_ID].astype("string").to_numpy(
            dtype=object, na_value=None), type=pa.string())

        def named(rows: np.ndarray) -> pa.Array:
            return pc.binary_join_element_wise(f"{stem}:", pc.cast(pa.array(rows), pa.string()),
                                               "")
        generated = pc.fill_null(pc.equal(ids, named(old)), False)
        if pc.any(generated).as_py():
            fixed = pc.if_else(generated, named(new), ids).to_numpy(zero_copy_only=False)
            frame[schema.INCIDENT_ID] = pd.array(fixed, dtype=frame[schema.INCIDENT_ID].dtype)
    report = replace(
        report,
        rejected={c: _shift_rows(i, name, offset) for c, i in report.rejected.items()},
        flagged={c: _shift_rows(i, name, offset) for c, i in report.flagged.items()},
        duplicate_rows=tuple((f, r + offset if f == name else r)
                             for f, r in report.duplicate_rows),
        notes=[_shift_text(t, name, offset) for t in report.notes],
        warnings=[_shift_text(t, name, offset) for t in report.warnings])
    return frame, report


def _read_pieces(path: Path, cuts: _Cuts, police_uk: bool, read_kwargs: dict[str, Any]
                 ) -> Iterator[tuple[gpd.GeoDataFrame, LoadReport, str]]:
    """Read a cut file piece by piece, each with the header re-attached.

    A piece whose every row is rejected is refused by the reader (as a file would be):
    it is read again together with the next piece (or, the last one, the previous).
    """
    with tempfile.TemporaryDirectory(prefix="hotspots-piece-") as tmp:
        piece = Path(tmp) / path.name  # same name: the rows keep naming the right file

        def read(lo: int, hi: int) -> tuple[gpd.GeoDataFrame, LoadReport, str]:
            start, end = cuts.ranges[lo][0], cuts.ranges[hi][1]
            with open(path, "rb") as f:
                f.seek(start)
                piece.write_bytes(cuts.header + f.read(end - start))
            offset = cuts.rows_before[lo] - 1
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                frame = _read_chunk(piece, police_uk, read_kwargs)
            for w in caught:  # the reader's warnings, with the whole file's row numbers
                warnings.warn_explicit(_shift_text(str(w.message), path.name, offset),
                                       w.category, w.filename, w.lineno)
            frame, report = _shifted(frame, frame.attrs["hotspots"]["load"], path.name,
                                     offset)
            return frame, report, f"{path.name} from row {cuts.rows_before[lo] + 1}"

        pending: tuple[int, tuple[gpd.GeoDataFrame, LoadReport, str]] | None = None
        lo, total = 0, 0
        for hi in range(len(cuts.ranges)):
            try:
                done = read(lo, hi)
            except EmptyDataError:
                if hi + 1 < len(cuts.ranges):
                    continue  # every row of the piece rejected: read it with the next one
                if pending is None:
                    raise
                done = read(pending[0], hi)
                pending = None
            if pending is not None:
                total += _rows_in(pending[1][1])
                yield _as_part(pending[1], path, cuts, None)
            pending, lo = (lo, done), hi + 1
        assert pending is not None
        yield _as_part(pending[1], path, cuts, total + _rows_in(pending[1][1]))


def _rows_in(report: LoadReport) -> int:
    return sum(f.rows for f in report.files)


def _as_part(done: tuple[gpd.GeoDataFrame, LoadReport, str], path: Path, cuts: _Cuts,
             total: int | None) -> tuple[gpd.GeoDataFrame, LoadReport, str]:
    """Give the file's record (whole file's rows and sha256) to its last piece only."""
    frame, report, label = done
    files = [] if total is None else [FileRecord(path.name, total, cuts.sha256, str(path))]
    return frame, replace(report, files=files), label


# --- counting ----------------------------------------------------------------------------------
class _Tally:
    """Incidents per area of each level, summed over chunks."""

    def __init__(self, areas: AreaSet | None, levels: list[str]) -> None:
        self.areas, self.levels = areas, levels
        self.n = {lv: np.zeros(len(areas[lv]) + 2, dtype=np.int64) for lv in levels} if (
            areas is not None) else {}

    def add(self, frame: pd.DataFrame) -> None:
        for level in self.levels:
            codes = frame[schema.area_name_column(level)].cat.codes.to_numpy()
            self.n[level] += np.bincount(codes, minlength=len(self.n[level]))

    def tables(self) -> dict[str, pd.DataFrame]:
        assert self.areas is not None or not self.levels
        return {lv: counts_table(self.areas, lv, self.n[lv]) for lv in self.levels
                if self.areas is not None}


def counts_table(areas: AreaSet, level: str, n: np.ndarray) -> pd.DataFrame:
    """Build the ``area_id, area_name, n, share`` table from counts in :func:`assign_areas` order.

    Parameters
    ----------
    areas : AreaSet
    level : str
    n : numpy.ndarray of int
        Counts per area in boundary order, then "Outside district" and "Unknown location".

    Returns
    -------
    pandas.DataFrame
        As :func:`hotspots.area_counts` without ``by``: one row per area in boundary
        order (zeros included), then the two extra rows (``area_id`` ``<NA>``); ``share``
        is ``n`` over the total (NaN when there are no incidents).

    Examples
    --------
    >>> from hotspots.io import load_boundaries
    >>> from hotspots.io.stream import counts_table
    >>> areas = load_boundaries("bradford-2013")
    >>> n = np.zeros(len(areas["ward"]) + 2, dtype=int)
    >>> n[0], n[-1] = 3, 1
    >>> counts_table(areas, "ward", n).iloc[[0, -1]][["n", "share"]].to_numpy().tolist()
    [[3.0, 0.75], [1.0, 0.25]]
    """
    frame = areas[level]
    total = int(n.sum())
    return pd.DataFrame({
        schema.AREA_ID: pd.array([*frame[schema.AREA_ID].astype(object), None, None],
                                 dtype="string"),
        schema.AREA_NAME: [*frame[schema.AREA_NAME].astype(object), schema.OUTSIDE_DISTRICT,
                           schema.UNKNOWN_LOCATION],
        "n": n.astype("int64"),
        "share": n / total if total else np.full(len(n), np.nan),
    })


def _merge_reports(reports: list[LoadReport], labels: list[str], *, source: str
                   ) -> LoadReport:
    """:meth:`LoadReport.combine`, keeping every file's message where they differ.

    A reason's message can hold the chunk's own counts ("2 with 'Latitude' only"); keeping
    only the first file's would misstate the total, so differing messages are listed by file.
    """
    merged = LoadReport.combine(reports, source=source)
    # pieces of one file repeat its notes ("Input coordinates in EPSG:4326"): once is enough
    merged = replace(merged, notes=list(dict.fromkeys(merged.notes)),
                     warnings=list(dict.fromkeys(merged.warnings)))
    for kind in ("rejected", "flagged"):
        issues = getattr(merged, kind)
        for code, issue in issues.items():
            texts = [(label, getattr(r, kind)[code])
                     for r, label in zip(reports, labels, strict=True)
                     if code in getattr(r, kind)]
            if len({t.message for _, t in texts}) > 1:
                shown = "; ".join(f"{name}: {t.message}" for name, t in texts[:MAX_EXAMPLES])
                more = f"; ... and {len(texts) - MAX_EXAMPLES} more files" if (
                    len(texts) > MAX_EXAMPLES) else ""
                issues[code] = replace(issue, message=f"By file: {shown}{more}")
    return merged


# --- the verb ----------------------------------------------------------------------------------
def _prepare_out(out: Any) -> Path:
    folder = Path(out)
    if folder.exists() and any(folder.iterdir()):
        raise ValidationError(Problem(
            "output_not_empty", f"{folder} is not empty: convert writes a new dataset into an "
            "empty (or new) folder, so that parts of two conversions never mix.",
            file=folder.name))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _chunks(items: list[Any], police_uk: bool, read_kwargs: dict[str, Any],
            chunk_bytes: int | None) -> Iterator[tuple[gpd.GeoDataFrame, LoadReport, str]]:
    """Each file (or piece of a large file) read, with its report and its name."""
    seen = _SeenIds()
    for item in items:
        cuts = _cut(item, chunk_bytes, police_uk, read_kwargs) if (
            isinstance(item, Path) and chunk_bytes) else None
        if cuts is None:
            frame = _read_chunk(item, police_uk, read_kwargs)
            label = item.name if isinstance(item, Path) else "frame"
            parts = iter([(frame, frame.attrs["hotspots"]["load"], label)])
        else:
            parts = _read_pieces(item, cuts, police_uk, read_kwargs)
        for frame, report, label in parts:
            if _dedupes(police_uk, frame, read_kwargs):
                frame, report = seen.drop_repeats(frame, report)
            yield frame, report, label


def convert_incidents(
    sources: Any,
    out: Any,
    *,
    areas: AreaSet | None = None,
    levels: str | Sequence[str] | None = None,
    allow_outside: bool = False,
    police_uk: bool | None = None,
    force: str | None = None,
    chunk_bytes: int | None = CHUNK_BYTES,
    **read_kwargs: Any,
) -> Conversion:
    """Convert incident files, chunk by chunk, into a partitioned GeoParquet dataset.

    Parameters
    ----------
    sources : path-like, glob, folder, DataFrame, or a list of them
        The files (a folder is searched recursively for CSV files). Each file is one chunk
        (police.uk publishes a file per force and month), a file bigger than
        ``chunk_bytes`` several.
    out : path-like
        A new or empty folder for the dataset (see :mod:`hotspots.io.dataset`).
    areas : AreaSet, optional
        Assign every incident to these areas (``<level>_id``, ``<level>`` columns, as
        :func:`hotspots.assign_areas`) and count them per area.
    levels : str or list of str, optional
        The levels to assign and count (default: all).
    allow_outside : bool, default False
        Passed to :func:`hotspots.assign_areas` for each chunk: needed when files of other
        forces are converted with one district's areas.
    police_uk : bool, optional
        Read with :func:`~hotspots.io.read_police_uk` (True) or
        :func:`~hotspots.io.read_incidents` (False). Default: police.uk when no column
        arguments are given and every file has a police.uk header; in a folder, CSV files of
        other layouts are then skipped (named in the report notes).
    force : str, optional
        Partition name for files without a ``falls_within`` column (default ``"none"``).
    chunk_bytes : int or None, default :data:`CHUNK_BYTES` (64 MiB)
        A CSV file larger than this is read in pieces of about this size, cut at record
        boundaries (a line break outside quotes), each with the header re-attached; row
        numbers in the report, ``source_row`` and generated ids are those of the whole file.
        ``None`` reads every file whole.
    **read_kwargs
        Passed to the reader (``x=, y=, occurred=, today=`` ...).

    Returns
    -------
    Conversion
        The folder, the merged :class:`LoadReport` (also saved as ``_load_report.json``),
        the area counts and timings.

    Raises
    ------
    hotspots.errors.ValidationError
        A missing file, a non-empty ``out``, or any error of the reader (naming the file).
    hotspots.areas.extent.OutsideAreasError
        When most incidents of a chunk lie outside ``areas`` (unless ``allow_outside``).

    Notes
    -----
    The merged report equals the report of reading all files at once in its accounting
    (rows read, located, unknown, every rejected and flagged reason with counts and the
    first example rows, duplicates, files); notes and warnings are kept per file. Ids
    repeated across files are removed where the reader removes repeats (police.uk API
    downloads, ``deduplicate=True``), as a whole read would, using 64-bit hashes of the
    ids seen (8 bytes per id).

    Examples
    --------
    >>> import tempfile
    >>> from hotspots.io import convert_incidents
    >>> frame = pd.DataFrame({"x": [415000.0, None], "y": [433000.0, None],
    ...                       "when": ["2019-01-05", "2019-02-07"]})
    >>> done = convert_incidents(frame, tempfile.mkdtemp(), x="x", y="y", occurred="when")
    >>> done.report.rows_read, done.report.located, done.report.unknown_location, done.parts
    (2, 1, 1, 2)
    """
    start = time.perf_counter()
    column_args = {"x", "y", "crs", "occurred", "category", "id", "incident_id",
                   "weight"} & set(read_kwargs)
    items, skipped = _expand(sources, police_uk is not False and not column_args)
    if police_uk is None:
        police_uk = not column_args and all(
            isinstance(i, Path) and is_police_uk(i) for i in items)
    chosen = ([levels] if isinstance(levels, str) else list(levels or [])) or (
        areas.level_names if areas is not None else [])
    folder = _prepare_out(out)
    tally = _Tally(areas, chosen)
    reports: list[LoadReport] = []
    labels: list[str] = []
    schemas: list[pa.Schema] = []
    dtypes: dict[str, dict[str, Any]] = {}
    parts = 0
    chunks = _chunks(items, police_uk, read_kwargs, chunk_bytes)
    for number, (frame, report, label) in enumerate(chunks):
        if areas is not None and len(frame):
            frame = assign_areas(frame, areas, levels=chosen, allow_outside=allow_outside)
            tally.add(frame)
        written, kinds = write_parts(frame, folder, number, force=force)
        parts += len(written)
        schemas += kinds[:1]
        merge_dtypes(dtypes, column_dtypes(frame))
        reports.append(report)
        labels.append(label)
        logger.info("chunk %d: %d rows read, %d parts", number, report.rows_read, len(written))
    merged = _merge_reports(reports, labels,
                            source=f"{len(reports)} chunks converted to {folder}")
    if skipped:
        merged.notes.append(f"{len(skipped)} CSV files without a police.uk crime layout were "
                            f"skipped: {', '.join(skipped)}.")
    finish(folder, merged, schemas, dtypes)
    return Conversion(folder, merged, tally.tables(), len(reports), parts,
                      time.perf_counter() - start)
