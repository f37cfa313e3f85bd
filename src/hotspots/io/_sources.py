"""Where the rows of a point reader come from: files found, opened and read into raw tables.

:func:`expand_paths` turns a path, folder, glob or list into files; :func:`load_one` reads
one file by its suffix (CSV through :mod:`hotspots.io._csvread`, Excel, vector formats and
(Geo)Parquet through pandas/pyogrio/pyarrow); :func:`from_frame` takes a (Geo)DataFrame.
Each gives a :class:`~hotspots.io._csvread._Raw`: the cells, the geometry if any, the row
numbers and the records set aside for their shape.
"""

from __future__ import annotations

import glob
import hashlib
import os
import zipfile
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.errors import Problem, ValidationError
from hotspots.io._csvfile import RowRepair, shorten
from hotspots.io._csvread import _Raw, read_csv_file
from hotspots.io.load_report import FileRecord

__all__ = ["CSV_SUFFIXES", "EXCEL_SUFFIXES", "PARQUET_SUFFIXES", "VECTOR_SUFFIXES",
           "PathLike", "Source", "describe", "expand_paths", "from_frame", "load_one"]

PathLike = str | os.PathLike
#: a single file, a frame, or several files
Source = PathLike | pd.DataFrame | Sequence[PathLike]

CSV_SUFFIXES = {".csv", ".txt", ".tsv", ".tab"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
PARQUET_SUFFIXES = {".parquet", ".geoparquet", ".pq"}
VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb", ".gml", ".kml", ".zip"}
COMPRESSED_SUFFIXES = {".gz", ".gzip", ".bz2"}


# --- file discovery -------------------------------------------------------------------------
def expand_paths(paths: PathLike | Sequence[PathLike], *,
                 pattern: str = "*.csv") -> tuple[list[Path], bool]:
    """Turn a path, folder, glob or list of them into a sorted list of files.

    Parameters
    ----------
    paths : str, path-like or sequence of them
        A file, a folder (searched recursively for ``pattern``), or a glob string such as
        ``"data/2019-*/*-street.csv"`` (``**`` allowed).
    pattern : str
        File pattern used inside folders.

    Returns
    -------
    files : list of pathlib.Path
    searched : bool
        True when any file was found by searching (folder or glob) rather than named.

    Raises
    ------
    hotspots.errors.ValidationError
        When a named file does not exist or a folder/glob matches nothing.
    """
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    files: list[Path] = []
    searched = False
    problems = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(q for q in p.rglob(pattern) if q.is_file())
            searched = True
            if not found:
                problems.append(Problem("no_files", f"folder {p} holds no {pattern} files."))
            files += found
        elif p.is_file():
            files.append(p)
        elif any(ch in str(item) for ch in "*?["):
            found = sorted(Path(f) for f in glob.glob(str(item), recursive=True)
                           if Path(f).is_file())
            searched = True
            if not found:
                problems.append(Problem("no_files", f"no file matches {str(item)!r}."))
            files += found
        else:
            problems.append(Problem("file_not_found", f"file {p} does not exist.",
                                    file=p.name))
    if problems:
        raise ValidationError(problems)
    if not files:
        raise ValidationError(Problem("no_files", "no files were given."))
    return files, searched


# --- reading --------------------------------------------------------------------------------
def _read_vector(path: Path, layer: Any) -> _Raw:
    raw = path.read_bytes() if path.is_file() else b""
    suffix = path.suffix.lower()
    try:
        if suffix in PARQUET_SUFFIXES:
            import pyarrow.parquet as pq  # only for Parquet input: CSV reads need none of it

            meta = pq.read_schema(path).metadata or {}
            frame = gpd.read_parquet(path) if b"geo" in meta else pd.read_parquet(path)
        elif suffix in EXCEL_SUFFIXES:
            frame = pd.read_excel(path, dtype=str, sheet_name=layer or 0)
        else:
            frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio/pyarrow raise many types; name the file in one error
        raise ValidationError(Problem(
            "unreadable_file", f"could not read {path.name}: {shorten(exc, 300)}",
            file=path.name)) from None
    return from_frame(frame, name=path.name, path=str(path),
                       sha256=hashlib.sha256(raw).hexdigest() if raw else None)


def from_frame(frame: pd.DataFrame, *, name: str | None, path: str | None = None,
                sha256: str | None = None) -> _Raw:
    geometry = None
    data = frame
    if isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns:
        geometry = frame.geometry.reset_index(drop=True)
        data = pd.DataFrame(frame.drop(columns=frame._geometry_column_name))
    data = data.reset_index(drop=True).copy()
    data.attrs = {}
    data.columns = [str(c) for c in data.columns]
    record = FileRecord(name or "<DataFrame>", len(data), sha256, path)
    return _Raw(data, geometry, record, np.arange(len(data), dtype=np.int64) + 2, [])


def _is_csv_archive(path: Path) -> bool:
    """Tell whether a ``.zip`` holds exactly one CSV/text file (so no shapefile)."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m.filename for m in zf.infolist() if not m.is_dir()]
    except (OSError, zipfile.BadZipFile):
        return False
    return len(members) == 1 and Path(members[0]).suffix.lower() in CSV_SUFFIXES


def load_one(path: Path, layer: Any, expected: Sequence[str] = (),
             repair: RowRepair | None = None, single_line: bool = False,
             categorical: Collection[str] = (), threads: bool = True) -> _Raw:
    suffix = path.suffix.lower()
    if suffix in COMPRESSED_SUFFIXES:  # "crimes.csv.gz": decided by the inner suffix
        suffix = Path(path.stem).suffix.lower() or ".csv"
    if suffix == ".zip" and _is_csv_archive(path):
        suffix = ".csv"
    if suffix in CSV_SUFFIXES or suffix not in (PARQUET_SUFFIXES | EXCEL_SUFFIXES
                                                | VECTOR_SUFFIXES):
        return read_csv_file(path, path.read_bytes(), expected, repair, single_line,
                             categorical, threads)
    return _read_vector(path, layer)



def describe(paths: list[Path] | None, frame: Any) -> str:
    if paths is None:
        kind = type(frame).__name__
        return f"{kind} ({len(frame):,} rows)"
    if len(paths) == 1:
        return paths[0].name
    return f"{len(paths)} files ({paths[0].name} ... {paths[-1].name})"


