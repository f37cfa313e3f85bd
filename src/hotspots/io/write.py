"""Write result tables and visit plans (CSV, XLSX, GeoPackage, Parquet) with a run manifest.

A *run manifest* records what produced an output, so that a table handed to a licensing
sub-committee can be traced back to its data: the data period, the input files with their
SHA-256 hashes, the parameters (and automatic choices), the library version and the run
time. :func:`build_manifest` makes one; the writers store it next to the data (an Excel
sheet, a GeoPackage table, or a ``<name>.manifest.json`` file beside a CSV or Parquet file).

Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return, and not a plain number) are written with a leading
apostrophe in CSV files and as plain text in XLSX files, so a premises called
``=HYPERLINK(...)`` is shown, not run; column headers are treated the same way.

Every file is written to a temporary file in its folder and renamed over the final path when
complete (:mod:`hotspots.io.atomic`).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import platform
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots._version import __version__
from hotspots.io.atomic import atomic_path

__all__ = ["build_manifest", "file_sha256", "manifest_path", "write_table", "write_visit_plan"]

logger = logging.getLogger(__name__)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?$")
_SUFFIXES = (".csv", ".xlsx", ".gpkg", ".parquet")


# --------------------------------------------------------------------------------------------
# manifests
# --------------------------------------------------------------------------------------------
def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes (read in 1 MiB blocks).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    str
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _jsonable(value: Any) -> Any:
    """Turn numpy/pandas scalars, paths, timestamps and sets into JSON-friendly values."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [_jsonable(v) for v in items]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "to_dict") and callable(value.to_dict):
        try:
            return _jsonable(value.to_dict())
        except TypeError:
            pass
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def build_manifest(
    *,
    inputs: Iterable[str | Path] | None = None,
    loads: Iterable[Any] | None = None,
    parameters: Mapping[str, Any] | None = None,
    period: Any = None,
    description: str | None = None,
    run_time: _dt.datetime | None = None,
) -> dict[str, Any]:
    """Build a run manifest: inputs and hashes, parameters, data period, versions, run time.

    Parameters
    ----------
    inputs : iterable of path-like, optional
        Input files; each is hashed (SHA-256) here.
    loads : iterable of LoadReport, optional
        Load reports of the frames used (their files and hashes are taken from the reports,
        with the row accounting).
    parameters : mapping, optional
        Parameters and automatic choices (e.g. a result's ``attrs["hotspots"]``).
    period : object, optional
        The data period (a :class:`~hotspots.periods.Period`, a label, or a (start, end)).
    description : str, optional
        One line saying what the output is.
    run_time : datetime, optional
        Default: now (UTC).

    Returns
    -------
    dict
        JSON-serialisable: ``description``, ``run_time`` (ISO 8601, UTC),
        ``hotspots_version``, ``python``, ``versions`` (numpy, pandas, geopandas, shapely,
        pyproj), ``data_period``, ``inputs`` (list of ``{name, path, sha256, rows}``),
        ``loads`` (load report summaries), ``parameters``.
    """
    def _version(pkg: str) -> str | None:
        try:
            return version(pkg)
        except PackageNotFoundError:
            return None

    files: list[dict[str, Any]] = []
    seen: set[str] = set()
    load_summaries = []
    for rep in loads or ():
        if rep is None:
            continue
        for f in getattr(rep, "files", []):
            key = f.path or f.name
            if key not in seen:
                seen.add(key)
                files.append({"name": f.name, "path": f.path, "sha256": f.sha256,
                              "rows": f.rows})
        load_summaries.append({
            "source": rep.source, "rows_read": rep.rows_read, "located": rep.located,
            "unknown_location": rep.unknown_location, "rejected": rep.rejected_total,
            "duplicates_removed": rep.duplicates_removed,
        })
    for p in inputs or ():
        path = Path(p)
        if str(path) in seen or not path.is_file():
            continue
        seen.add(str(path))
        files.append({"name": path.name, "path": str(path), "sha256": file_sha256(path),
                      "rows": None})
    if period is not None and hasattr(period, "start") and hasattr(period, "end"):
        period_value: Any = {"label": getattr(period, "label", None),
                             "start": str(period.start), "end": str(period.end)}
    else:
        period_value = period
    when = run_time or _dt.datetime.now(_dt.UTC)
    return _jsonable({
        "description": description,
        "run_time": when.isoformat(timespec="seconds"),
        "hotspots_version": __version__,
        "python": platform.python_version(),
        "versions": {pkg: _version(pkg) for pkg in ("numpy", "pandas", "geopandas", "shapely",
                                                     "pyproj", "scikit-learn")},
        "data_period": period_value,
        "inputs": files,
        "loads": load_summaries,
        "parameters": dict(parameters or {}),
    })


def _manifest_rows(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Flatten a manifest to (key, value) rows for a sheet or table."""
    rows: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping) and value:
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            for i, v in enumerate(value, start=1):
                walk(f"{prefix}[{i}]", v)
        elif isinstance(value, (list, tuple)):
            rows.append((prefix, ", ".join(str(v) for v in value)))
        else:
            rows.append((prefix, "" if value is None else str(value)))

    walk("", _jsonable(dict(manifest)))
    return rows


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------
def _is_geo(frame: Any) -> bool:
    return isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """Flatten to a plain table: points as easting/northing + longitude/latitude, else WKT."""
    if not _is_geo(frame):
        out = pd.DataFrame(frame).copy()
        out.attrs = {}
        return out
    gcol = frame._geometry_column_name
    geoms = frame.geometry.to_numpy()
    out = pd.DataFrame(frame.drop(columns=gcol)).copy()
    out.attrs = {}
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    is_point = (shapely.get_type_id(geoms) == 0) | missing
    if is_point.all():
        x = np.full(len(geoms), np.nan)
        y = np.full(len(geoms), np.nan)
        ok = ~missing
        x[ok] = shapely.get_x(geoms[ok])
        y[ok] = shapely.get_y(geoms[ok])
        out["easting"] = np.round(x, 1)
        out["northing"] = np.round(y, 1)
        if frame.crs is not None and ok.any():
            lonlat = frame.geometry[ok].to_crs(4326)
            lon = np.full(len(geoms), np.nan)
            lat = np.full(len(geoms), np.nan)
            lon[ok] = lonlat.x.to_numpy()
            lat[ok] = lonlat.y.to_numpy()
            out["longitude"] = np.round(lon, 6)
            out["latitude"] = np.round(lat, 6)
    else:
        out["geometry_wkt"] = [None if m else shapely.to_wkt(g, rounding_precision=1)
                               for g, m in zip(geoms, missing, strict=True)]
    return out


def _neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.match(
            value.strip()):
        return "'" + value
    return value


def _safe_text(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    # Headers come from the data too (a column named '=HYPERLINK(...)' in an input file)
    out.columns = [_neutralise(str(c)) for c in out.columns]
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s) or isinstance(
                s.dtype, pd.CategoricalDtype):
            out[col] = s.astype(object).map(_neutralise, na_action="ignore")
    return out


def _check_path(path: str | Path, allowed: Sequence[str] = _SUFFIXES) -> Path:
    p = Path(path)
    if p.suffix.lower() not in allowed:
        raise ValueError(f"Cannot tell the format of {p.name!r} from its suffix: use one of "
                         f"{', '.join(allowed)}.")
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


def _write_json(manifest: Mapping[str, Any], path: Path) -> Path:
    text = json.dumps(_jsonable(dict(manifest)), indent=2, ensure_ascii=False) + "\n"
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def _write_csv(table: pd.DataFrame, path: Path) -> Path:
    with atomic_path(path) as tmp:
        _safe_text(table).to_csv(tmp, index=False, encoding="utf-8-sig")
    return path


def manifest_path(path: str | Path) -> Path:
    """Return the sidecar manifest path of a CSV or Parquet file: ``<name>.manifest.json``."""
    p = Path(path)
    return p.with_name(p.name + ".manifest.json")


def write_table(frame: pd.DataFrame, path: str | Path, *,
                manifest: Mapping[str, Any] | None = None, sheet: str = "data") -> Path:
    """Write a result table to CSV, XLSX, GeoPackage or Parquet (format from the suffix).

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        The table. In CSV and XLSX a point geometry becomes ``easting``, ``northing`` (the
        frame's CRS, metres) and ``longitude``, ``latitude`` (WGS84) columns; other
        geometries become a ``geometry_wkt`` column. GeoPackage and Parquet keep it.
    path : str or Path
        ``.csv``, ``.xlsx``, ``.gpkg`` or ``.parquet``; folders are created.
    manifest : mapping, optional
        A run manifest (:func:`build_manifest`). XLSX: a "manifest" sheet; GeoPackage: a
        "manifest" table; CSV and Parquet: ``<name>.manifest.json`` beside the file.
    sheet : str
        Name of the data sheet (XLSX) or layer (GeoPackage).

    Returns
    -------
    pathlib.Path
        The file written (the sidecar manifest, if any, is beside it).

    Raises
    ------
    ValueError
        When the suffix is not one of the four formats.

    Notes
    -----
    CSV is UTF-8 with a byte-order mark so that Excel opens accented names correctly.
    Text that a spreadsheet would run as a formula is neutralised (module documentation),
    in the header as in the values. Every file is written to a temporary file beside it and
    renamed when complete (:mod:`hotspots.io.atomic`): an interrupted write leaves the
    previous file, or none, never a partial one.

    Examples
    --------
    >>> import pandas as pd
    >>> from hotspots.io.write import write_table
    >>> path = write_table(pd.DataFrame({"ward": ["City", "Tong"], "n": [12, 3]}), "counts.csv")
    >>> print(path.read_text(encoding="utf-8-sig").strip())  # with a BOM, for Excel
    ward,n
    City,12
    Tong,3
    """
    p = _check_path(path)
    manifest = _with_release_audit(frame, manifest, p)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        _write_csv(_flat(frame), p)
        if manifest is not None:
            _write_json(manifest, manifest_path(p))
    elif suffix == ".xlsx":
        _write_xlsx(p, [(sheet, _flat(frame))], manifest)
    elif suffix == ".gpkg":
        _write_gpkg(frame, p, sheet, manifest)
    else:
        out = frame.copy()
        out.attrs = {}
        with atomic_path(p) as tmp:
            if _is_geo(out):
                out.to_parquet(tmp)
            else:
                pd.DataFrame(out).to_parquet(tmp)
        if manifest is not None:
            _write_json(manifest, manifest_path(p))
    logger.info("wrote %s (%d rows)", p, len(frame))
    return p


def _with_release_audit(frame: Any, manifest: Mapping[str, Any] | None,
                        path: Path) -> Mapping[str, Any] | None:
    """Refuse a table whose release failed its disclosure audit; record a passing audit.

    A protected table (:class:`hotspots.privacy.Release`) carries its release's audit; a
    failing one raises PublicModeError, a passing one goes into the manifest, so a
    published table says how it was checked.
    """
    # privacy sits above io (it reads load reports): imported here to keep io at the bottom
    from hotspots.privacy.publish import guard_public_write

    audit = guard_public_write(frame, what=f"The table for {path.name}")
    if audit is None:
        return manifest
    return {**dict(manifest or {}), "disclosure_audit": audit}


def _write_gpkg(frame: pd.DataFrame, final: Path, layer: str,
                manifest: Mapping[str, Any] | None) -> None:
    # A GeoPackage is a database: it is built afresh in a temporary file (never appending
    # layers to an old one) and renamed over the final path when complete.
    with atomic_path(final) as tmp:
        _write_gpkg_to(frame, tmp, layer, manifest)


def _write_gpkg_to(frame: pd.DataFrame, p: Path, layer: str,
                   manifest: Mapping[str, Any] | None) -> None:
    import pyogrio  # only GeoPackage writes need it; most runs write CSV/XLSX

    out = frame.copy()
    out.attrs = {}
    if _is_geo(out):
        # categorical and string columns are written as plain text
        for col in out.columns:
            if col != out._geometry_column_name and not pd.api.types.is_numeric_dtype(out[col]) \
                    and not pd.api.types.is_datetime64_any_dtype(out[col]) \
                    and not pd.api.types.is_bool_dtype(out[col]):
                out[col] = out[col].astype(object).where(out[col].notna(), None)
        out.to_file(p, layer=layer, driver="GPKG", engine="pyogrio")
    else:
        pyogrio.write_dataframe(pd.DataFrame(out).astype(object).where(out.notna(), None), p,
                                layer=layer, driver="GPKG")
    if manifest is not None:
        table = pd.DataFrame(_manifest_rows(manifest), columns=["key", "value"])
        pyogrio.write_dataframe(table, p, layer="manifest", driver="GPKG", append=False)


def _cell(value: Any) -> Any:
    """Convert to a value openpyxl can store (NA -> empty, numpy -> Python)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and np.isnan(value):
            return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (list, tuple, dict, set)):
        return str(value)
    return value


def _write_xlsx(p: Path, sheets: Sequence[tuple[str, pd.DataFrame]],
                manifest: Mapping[str, Any] | None) -> None:
    # openpyxl is slow to import and only XLSX writes need it
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    tables = list(sheets)
    if manifest is not None:
        tables.append(("manifest", pd.DataFrame(_manifest_rows(manifest),
                                                columns=["key", "value"])))
    for name, frame in tables:
        ws = wb.create_sheet(title=name[:31])
        ws.append([str(c) for c in frame.columns])
        for cell in ws[1]:
            cell.font = bold
        widths = [len(str(c)) for c in frame.columns]
        for row in frame.itertuples(index=False, name=None):
            ws.append([_cell(v) for v in row])
            for k, v in enumerate(row):
                if isinstance(v, str):
                    widths[k] = max(widths[k], min(len(v), 60))
        # openpyxl stores text that starts with "=" as a formula: force plain text (the
        # header row too: column names come from the input files)
        for col in ws.iter_cols(min_row=1):
            for cell in col:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = TYPE_STRING
        for k, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(k)].width = max(8, min(w + 2, 62))
        ws.freeze_panes = "A2"
    with atomic_path(p) as tmp:
        wb.save(tmp)


# --------------------------------------------------------------------------------------------
# visit plans
# --------------------------------------------------------------------------------------------
def write_visit_plan(plan: Any, path: str | Path, *, manifest: Mapping[str, Any] | None = None,
                     csv: bool = True) -> list[Path]:
    """Write a visit plan: one XLSX workbook (visits, operations, manifest) and CSV copies.

    Parameters
    ----------
    plan : hotspots.premises.VisitPlan
        The plan (``.visits`` and ``.operations``).
    path : str or Path
        The workbook, ``.xlsx``. The CSV copies go beside it as ``<stem>-visits.csv`` and
        ``<stem>-operations.csv`` with ``<stem>-manifest.json``.
    manifest : mapping, optional
        Run manifest (:func:`build_manifest`); the plan's parameters are added under
        ``visit_plan``.
    csv : bool
        Also write the CSV copies.

    Returns
    -------
    list of pathlib.Path
        The files written, workbook first.

    Raises
    ------
    ValueError
        When ``path`` does not end in ``.xlsx``.

    Examples
    --------
    Any object with ``visits`` and ``operations`` frames will do; a real plan comes from
    :func:`hotspots.premises.visit_plan`.

    >>> from types import SimpleNamespace
    >>> import pandas as pd
    >>> from hotspots.io.write import write_visit_plan
    >>> plan = SimpleNamespace(
    ...     visits=pd.DataFrame({"premises_id": ["A1"], "name": ["The Crown"], "week": [1]}),
    ...     operations=pd.DataFrame({"operation": [1], "premises": [1]}), params={"weeks": 4})
    >>> [p.name for p in write_visit_plan(plan, "plan.xlsx")]
    ['plan.xlsx', 'plan-visits.csv', 'plan-operations.csv', 'plan-manifest.json']
    """
    p = _check_path(path, (".xlsx",))
    full = dict(manifest or {})
    full["visit_plan"] = dict(getattr(plan, "params", {}) or {})
    visits = _flat(plan.visits)
    operations = _flat(plan.operations)
    # laid out for printing and filling in: formats, filter, print setup, outcome columns
    from hotspots.io.visit_xlsx import manifest_title, write_plan_workbook  # needs openpyxl

    write_plan_workbook(p, visits, operations, _manifest_rows(full), manifest_title(full))
    written = [p]
    if csv:
        for name, table in (("visits", visits), ("operations", operations)):
            target = p.with_name(f"{p.stem}-{name}.csv")
            written.append(_write_csv(table, target))
        written.append(_write_json(full, p.with_name(f"{p.stem}-manifest.json")))
    logger.info("wrote visit plan %s (%d visits, %d operations)", p, len(plan.visits),
                len(plan.operations))
    return written
