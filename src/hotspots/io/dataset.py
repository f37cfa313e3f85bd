"""Partitioned GeoParquet incident datasets: the layout, writing parts and reading them back.

:func:`hotspots.io.stream.convert_incidents` writes a folder laid out as::

    DIR/force=<force>/year=<yyyy>/month=<mm>/part-<chunk>.parquet
    DIR/_load_report.json     the load report of every file converted (written last)
    DIR/_common_metadata      the Arrow schema shared by every part

Each part is GeoParquet (the canonical incident frame, EPSG:27700). Categorical columns are
stored as strings and made categorical again on reading, so that parts written from
different chunks (with different category lists) read back as one frame.
:func:`read_incident_dataset` reads the folder back, pushing the period and area filters down
to Parquet: whole partitions (force/year/month) are skipped, then row groups by their
statistics. The dataset is complete only once ``_load_report.json`` exists; a folder without
it (a conversion that stopped half way) is refused.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import shapely

from hotspots import schema
from hotspots.crs import BNG
from hotspots.errors import Problem, ValidationError
from hotspots.io.load_report import FileRecord, LoadReport, RowIssue
from hotspots.periods import PeriodLike, parse_period

__all__ = ["PARTITION_COLUMNS", "is_incident_dataset", "read_incident_dataset",
           "report_from_dict"]

#: the hive partition keys, in folder order
PARTITION_COLUMNS = ("force", "year", "month")
#: partition value for rows without a force (no ``falls_within``) or without a date
NO_VALUE = "none"
REPORT_FILE = "_load_report.json"
SCHEMA_FILE = "_common_metadata"
COLUMNS_FILE = "_columns.json"
_PARTITION_SCHEMA = pa.schema([(name, pa.string()) for name in PARTITION_COLUMNS])
PARTITIONING = pads.partitioning(_PARTITION_SCHEMA, flavor="hive")
# bookkeeping columns of every part: chunk number and position in the chunk
_ORDER = ("_chunk", "_pos")


# --- column dtypes, recorded on writing and restored on reading --------------------------------
def column_dtypes(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Each column's pandas dtype as JSON: ``{"dtype": "string"}`` or a category list."""
    out: dict[str, dict[str, Any]] = {}
    for name in frame.columns:
        dtype = frame[name].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            out[str(name)] = {"dtype": "category", "categories": list(map(str, dtype.categories))}
        elif isinstance(dtype, pd.StringDtype):
            out[str(name)] = {"dtype": "string" if dtype.na_value is pd.NA else "str"}
        else:
            out[str(name)] = {"dtype": str(dtype)}
    return out


def merge_dtypes(seen: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> None:
    """Fold one chunk's dtypes into ``seen`` (in place; columns in first-seen order).

    A categorical whose categories differ between chunks (``category``: the offence types
    present) is rebuilt on reading from the values read, sorted, as the readers do.
    """
    for name, info in new.items():
        if name not in seen:
            seen[name] = dict(info)
        elif info.get("categories") != seen[name].get("categories"):
            seen[name]["categories"] = None


def _apply_dtypes(frame: pd.DataFrame, dtypes: dict[str, dict[str, Any]]) -> pd.DataFrame:
    for name, info in dtypes.items():
        if name not in frame.columns or name == "geometry":
            continue
        kind = info["dtype"]
        if kind == "category":
            values = frame[name].astype("string")
            cats = info.get("categories")
            if cats is None:
                cats = sorted(values.dropna().unique())
            frame[name] = pd.Categorical(values.astype(object), categories=cats)
        elif kind == "string":
            frame[name] = frame[name].astype(pd.StringDtype())
        elif kind == "str":
            frame[name] = frame[name].astype(pd.StringDtype(na_value=np.nan))
        else:
            frame[name] = frame[name].astype(kind)
    order = [c for c in dtypes if c in frame.columns]
    return frame[[*order, *[c for c in frame.columns if c not in order]]]


# --- writing ---------------------------------------------------------------------------------
#: every categorical column is stored as this Arrow type, whatever its categories, so parts
#: written from different chunks (different category lists) share one schema
_DICTIONARY = pa.dictionary(pa.int32(), pa.large_string())
_WKB_POINT = np.dtype([("order", "u1"), ("kind", "<u4"), ("x", "<f8"), ("y", "<f8")])


def partition_keys(frame: pd.DataFrame, force: str | None) -> pd.DataFrame:
    """Return the (force, year, month) partition of every row, as strings.

    ``force`` is the ``falls_within`` column of police.uk files, else the value given (else
    ``"none"``); year and month come from ``occurred`` (``"none"`` when it is missing).
    """
    forces, months, codes = _partition_codes(frame, force)
    return pd.DataFrame({"force": forces[codes // len(months)],
                         "year": [m[0] for m in months[codes % len(months)]],
                         "month": [m[1] for m in months[codes % len(months)]]},
                        index=frame.index)


def _partition_codes(frame: pd.DataFrame, force: str | None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the forces, (year, month) pairs and each row's code (force * months + month).

    Integer codes rather than strings per row: a chunk of a million rows has a few
    partitions, and building three string columns for it cost a second per chunk.
    """
    if "falls_within" in frame.columns and force is None:
        column = frame["falls_within"]
        if isinstance(column.dtype, pd.CategoricalDtype):  # the readers' usual dtype
            codes, uniques = column.cat.codes.to_numpy(), column.cat.categories
        else:
            codes, uniques = pd.factorize(column)
        forces = np.array([*map(str, uniques), NO_VALUE], dtype=object)
        force_code = np.where(codes < 0, len(forces) - 1, codes)
    else:
        forces = np.array([force or NO_VALUE], dtype=object)
        force_code = np.zeros(len(frame), dtype=np.int64)
    stamp = pd.to_datetime(frame[schema.OCCURRED]).to_numpy(dtype="datetime64[ns]")
    missing = np.isnat(stamp)
    month_number = np.where(missing, 0, stamp.astype("datetime64[M]").astype(np.int64))
    found, month_code = np.unique(month_number, return_inverse=True)
    months = np.empty(len(found) + 1, dtype=object)
    for i, m in enumerate(found.tolist()):  # one by one: numpy would unpack the tuples
        months[i] = (f"{1970 + m // 12:04d}", f"{m % 12 + 1:02d}")
    months[-1] = (NO_VALUE, NO_VALUE)
    month_code = np.where(missing, len(months) - 1, month_code)
    return forces, months, force_code.astype(np.int64) * len(months) + month_code


def _wkb(geoms: np.ndarray) -> pa.Array:
    """WKB of the geometries; points (located or empty) are packed with numpy.

    shapely.to_wkb costs about 2 us a point, a third of the writing time; a point's WKB is
    21 fixed bytes (byte order, type 1, x, y; an empty point has NaN coordinates, as GEOS
    writes it), so the whole column is one structured array.
    """
    n = len(geoms)
    if n == 0 or shapely.is_missing(geoms).any() or (shapely.get_type_id(geoms) != 0).any():
        return pa.array(shapely.to_wkb(geoms), type=pa.binary())
    packed = np.empty(n, dtype=_WKB_POINT)
    packed["order"], packed["kind"] = 1, 1
    empty = shapely.is_empty(geoms)
    packed["x"], packed["y"] = np.nan, np.nan  # GEOS refuses the coordinates of empty points
    xy = shapely.get_coordinates(geoms)  # located points only, in order
    packed["x"][~empty], packed["y"][~empty] = xy[:, 0], xy[:, 1]
    offsets = np.arange(0, (n + 1) * _WKB_POINT.itemsize, _WKB_POINT.itemsize, dtype=np.int32)
    return pa.Array.from_buffers(pa.binary(), n, [None, pa.py_buffer(offsets),
                                                  pa.py_buffer(packed.view(np.uint8))])


def _geo_metadata() -> bytes:
    """Return the GeoParquet 1.0 ``geo`` metadata of a WKB point column in EPSG:27700."""
    from pyproj import CRS

    column = {"encoding": "WKB", "geometry_types": [],
              "crs": CRS.from_user_input(BNG).to_json_dict()}
    return json.dumps({"version": "1.0.0", "primary_column": "geometry",
                       "columns": {"geometry": column}}).encode()


def _arrow_chunk(frame: gpd.GeoDataFrame, chunk: int) -> pa.Table:
    """Make the chunk one Arrow table: categoricals dictionary-encoded, geometry WKB."""
    plain = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    plain.attrs = {}  # the load report goes to _load_report.json, not into every part
    for name in plain.columns:
        dtype = plain[name].dtype
        if isinstance(dtype, pd.CategoricalDtype) and dtype.categories.dtype.kind not in "OSUT":
            plain[name] = plain[name].astype("string")  # non-text categories: as text
    table = pa.Table.from_pandas(plain, preserve_index=False)
    for i, fld in enumerate(table.schema):
        if pa.types.is_dictionary(fld.type) and fld.type != _DICTIONARY:
            table = table.set_column(i, fld.name, table.column(i).cast(_DICTIONARY))
    # chunk and position within it: reading puts the rows back in the order they were read
    table = table.append_column("geometry", _wkb(frame.geometry.to_numpy()))
    table = table.append_column(_ORDER[0], pa.array(np.full(len(frame), chunk, np.int64)))
    table = table.append_column(_ORDER[1], pa.array(np.arange(len(frame), dtype=np.int64)))
    meta = dict(table.schema.metadata or {})
    meta[b"geo"] = _geo_metadata()
    return table.replace_schema_metadata(meta)


def write_parts(frame: gpd.GeoDataFrame, out: Path, chunk: int, *,
                force: str | None = None) -> tuple[list[Path], list[pa.Schema]]:
    """Write one chunk as GeoParquet parts, one per (force, year, month) partition.

    Returns the files written and their Arrow schemas (for the dataset's common schema).

    Raises
    ------
    hotspots.errors.ValidationError
        When the frame has a column named like a partition key (``force``, ``year``,
        ``month``): it would clash with the folder names on reading.
    """
    clash = [c for c in PARTITION_COLUMNS if c in frame.columns]
    if clash:
        raise ValidationError(Problem(
            "partition_column_clash", f"columns {', '.join(map(repr, clash))} clash with the "
            "dataset's partition folders (force/year/month); rename them or leave them out "
            "with keep=.", column=clash[0]))
    forces, months, codes = _partition_codes(frame, force)
    table = _arrow_chunk(frame, chunk)
    order = np.argsort(codes, kind="stable")
    found, starts = np.unique(codes[order], return_index=True)
    bounds = [*starts.tolist(), len(order)]
    written = []
    groups = {(forces[c // len(months)], *months[c % len(months)]): (bounds[i], bounds[i + 1])
              for i, c in enumerate(found.tolist())}
    for (f, y, m), (lo, hi) in sorted(groups.items()):
        folder = out / f"force={_quote(f)}" / f"year={y}" / f"month={m}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"part-{chunk:06d}.parquet"
        # one partition (a force's month, the usual chunk): the table as it is, no copy
        pq.write_table(table if len(groups) == 1 else table.take(pa.array(order[lo:hi])), path)
        written.append(path)
    return written, [table.schema] * len(written)


def _quote(value: str) -> str:
    # pyarrow's hive partitioning decodes URI-encoded segments ("West%20Yorkshire%20Police")
    return urllib.parse.quote(value, safe="")


def finish(out: Path, report: LoadReport, schemas: Sequence[pa.Schema],
           dtypes: dict[str, dict[str, Any]]) -> None:
    """Write the common schema and dtypes, then the load report (marks the dataset complete)."""
    if schemas:
        common = pa.unify_schemas(list(schemas), promote_options="permissive")
        pq.write_metadata(common, out / SCHEMA_FILE)
    (out / COLUMNS_FILE).write_text(json.dumps(dtypes, indent=1), encoding="utf-8")
    (out / REPORT_FILE).write_text(json.dumps(report.to_dict(), indent=1), encoding="utf-8")


# --- reading ---------------------------------------------------------------------------------
def report_from_dict(data: dict[str, Any]) -> LoadReport:
    """Rebuild a :class:`LoadReport` from :meth:`LoadReport.to_dict`.

    Parameters
    ----------
    data : dict
        As returned by :meth:`LoadReport.to_dict` (e.g. read from ``_load_report.json``).

    Returns
    -------
    LoadReport

    Examples
    --------
    >>> from hotspots.io import LoadReport
    >>> from hotspots.io.dataset import report_from_dict
    >>> rep = LoadReport("a.csv", rows_read=3, located=2, unknown_location=1)
    >>> report_from_dict(rep.to_dict()) == rep
    True
    """
    def issues(d: dict[str, Any]) -> dict[str, RowIssue]:
        return {code: RowIssue(i["label"], int(i["count"]),
                               tuple((f, int(r)) for f, r in i["rows"]), i["message"],
                               i["column"]) for code, i in d.items()}
    return LoadReport(
        source=data["source"], rows_read=int(data["rows_read"]), located=int(data["located"]),
        unknown_location=int(data["unknown_location"]), rejected=issues(data["rejected"]),
        duplicates_removed=int(data["duplicates_removed"]),
        duplicates_detail=data["duplicates_detail"],
        duplicate_rows=tuple((f, int(r)) for f, r in data["duplicate_rows"]),
        files=[FileRecord(f["name"], int(f["rows"]), f["sha256"], f["path"])
               for f in data["files"]],
        flagged=issues(data["flagged"]), notes=list(data["notes"]),
        warnings=list(data["warnings"]))


def is_incident_dataset(path: Any) -> bool:
    """Tell whether ``path`` is a folder written by :func:`~hotspots.io.stream.convert_incidents`.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    bool
        True for a folder holding ``_load_report.json`` and ``force=...`` partitions.

    Examples
    --------
    >>> import tempfile
    >>> from hotspots.io.dataset import is_incident_dataset
    >>> is_incident_dataset(tempfile.mkdtemp())
    False
    """
    p = Path(path)
    return p.is_dir() and (p / REPORT_FILE).is_file()


def check_complete(path: Path) -> None:
    if not path.is_dir():
        raise ValidationError(Problem("missing_file", f"{path} is not a folder (an incident "
                                      "dataset is a folder written by hotspots convert).",
                                      file=path.name))
    if not (path / REPORT_FILE).is_file():
        raise ValidationError(Problem(
            "incomplete_dataset", f"{path} has no {REPORT_FILE}: it is not an incident dataset, "
            "or its conversion stopped before the end. Convert the files again into an empty "
            "folder.", file=path.name))


def dataset_filter(period: PeriodLike | None, level: str | None,
                   area_ids: str | Sequence[str] | None,
                   time: str = schema.OCCURRED) -> pads.Expression | None:
    """Return the Arrow filter for a period (partitions and ``time``) and area codes."""
    parts: list[pads.Expression] = []
    if period is not None:
        p = parse_period(period)
        last = p.end - pd.Timedelta(days=1)
        # partition pruning: the year and month folders the period touches (the exact test
        # on `time` below decides for the rows of the folders read)
        months = pd.period_range(p.start, last, freq="M")
        parts.append(pads.field("year").isin(sorted({f"{m.year:04d}" for m in months}))
                     & pads.field("month").isin(sorted({f"{m.month:02d}" for m in months})))
        start, end = (pa.scalar(pd.Timestamp(t).as_unit("ns").value, pa.timestamp("ns"))
                      for t in (p.start, p.end))
        parts.append((pads.field(time) >= start) & (pads.field(time) < end))
    if area_ids is not None:
        if level is None:
            raise ValueError("The 'level' parameter of read_incident_dataset is needed with "
                             "'area_ids' (e.g. level='ward').")
        ids = [area_ids] if isinstance(area_ids, str) else list(area_ids)
        parts.append(pads.field(schema.area_id_column(level)).isin(ids))
    if not parts:
        return None
    expr = parts[0]
    for extra in parts[1:]:
        expr = expr & extra
    return expr


def part_files(path: Path) -> list[str]:
    """Return the dataset's Parquet parts, sorted."""
    return sorted(str(p) for p in path.rglob("part-*.parquet"))


def arrow_dataset(path: Path) -> pads.Dataset:
    common = None
    if (path / SCHEMA_FILE).is_file():
        common = pq.read_schema(path / SCHEMA_FILE)
        for fld in _PARTITION_SCHEMA:
            common = common.append(fld)
    return pads.dataset(part_files(path), schema=common, format="parquet",
                        partitioning=PARTITIONING, partition_base_dir=str(path))


def read_dtypes(path: Path) -> dict[str, dict[str, Any]]:
    """Return the column dtypes recorded when the dataset was written."""
    file = path / COLUMNS_FILE
    return json.loads(file.read_text(encoding="utf-8")) if file.is_file() else {}


def restore_dtypes(frame: pd.DataFrame, dtypes: dict[str, dict[str, Any]]) -> gpd.GeoDataFrame:
    """Make a frame read from parts canonical again (dtypes, column order, CRS, index)."""
    frame = frame.drop(columns=[c for c in (*PARTITION_COLUMNS, *_ORDER)
                                if c in frame.columns])
    frame = _apply_dtypes(frame.reset_index(drop=True), dtypes)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=BNG)


def read_incident_dataset(path: Any, *, period: PeriodLike | None = None,
                          level: str | None = None,
                          area_ids: str | Sequence[str] | None = None,
                          columns: Sequence[str] | None = None) -> gpd.GeoDataFrame:
    """Read an incident dataset (from ``hotspots convert``) back, filtered at the source.

    Parameters
    ----------
    path : path-like
        The dataset folder.
    period : str, int or tuple, optional
        Only incidents that occurred in this half-open period
        (:func:`hotspots.periods.parse_period`). Year folders outside it are not opened.
    level : str, optional
        The area level of ``area_ids`` (e.g. ``"ward"``); the dataset must have been
        converted with those areas (``<level>_id`` column).
    area_ids : str or list of str, optional
        Only incidents assigned to these area codes.
    columns : list of str, optional
        Only these columns (``geometry`` is always read).

    Returns
    -------
    geopandas.GeoDataFrame
        The canonical incident frame as :func:`~hotspots.io.read_incidents` returns it
        (same columns, dtypes and row order: files in the order converted, rows in file
        order), with ``attrs["hotspots"]["load"]`` the load report of the whole conversion
        and ``attrs["hotspots"]["dataset"]`` the filters applied.

    Raises
    ------
    hotspots.errors.ValidationError
        When ``path`` is not a complete dataset (no ``_load_report.json``).
    ValueError
        When ``area_ids`` is given without ``level``, or the period cannot be read.

    Examples
    --------
    >>> import tempfile
    >>> from hotspots.io import convert_incidents, read_incident_dataset
    >>> frame = pd.DataFrame({"x": [415000.0, 416000.0], "y": [433000.0, 434000.0],
    ...                       "when": ["2019-01-05", "2019-02-07"]})
    >>> out = tempfile.mkdtemp()
    >>> result = convert_incidents([frame], out, x="x", y="y", occurred="when")
    >>> read_incident_dataset(out, period="2019-02")["occurred"].tolist()
    [Timestamp('2019-02-07 00:00:00')]
    """
    folder = Path(path)
    check_complete(folder)
    report = report_from_dict(json.loads((folder / REPORT_FILE).read_text(encoding="utf-8")))
    data = arrow_dataset(folder)
    expr = dataset_filter(period, level, area_ids)
    cols = None if columns is None else list(dict.fromkeys([*columns, "geometry", *_ORDER]))
    table = data.to_table(filter=expr, columns=cols)
    frame = to_geopandas(table)
    # rows come back partition by partition: put them in the order they were read
    order = np.lexsort((frame["_pos"].to_numpy(), frame["_chunk"].to_numpy()))
    out = restore_dtypes(frame.iloc[order], read_dtypes(folder))
    out.attrs["hotspots"] = {"function": "read_incident_dataset", "load": report,
                             "dataset": {"path": str(folder), "period": period,
                                         "level": level, "area_ids": area_ids}}
    return out


def to_geopandas(table: pa.Table) -> gpd.GeoDataFrame:
    """Arrow table with a WKB ``geometry`` column -> GeoDataFrame."""
    frame = table.drop_columns(["geometry"]).to_pandas(types_mapper=_types_mapper)
    geoms = gpd.GeoSeries.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False),
                                   crs=BNG)
    return gpd.GeoDataFrame(frame, geometry=geoms.to_numpy(), crs=BNG)


def _types_mapper(dtype: pa.DataType) -> Any:
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return pd.StringDtype()
    return None
