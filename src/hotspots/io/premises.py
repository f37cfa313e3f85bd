"""Read premises lists (licence registers, council lists, FSA food hygiene data).

:func:`read_premises` reads any table of premises through the shared point engine
(:func:`hotspots.io._table.read_table`), so premises get the same accounting, CRS detection
and bad-input handling as incidents: every row is located, kept with an unknown location, or
rejected with a reason, and the :class:`~hotspots.io.LoadReport` balances.
:func:`read_fhrs` reads the Food Standards Agency's food hygiene rating data in its API JSON,
its open-data XML or a flat CSV.

Each premises gets a ``premises_class`` (:func:`classify_premises`; the type table and the
keyword rules are in :mod:`hotspots.io._premises_classes`, their one home).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema
from hotspots._params import rename_keyword
from hotspots.crs import WGS84
from hotspots.errors import EmptyDataError, Problem, ValidationError
from hotspots.io._ledger import TableRows
from hotspots.io._points import NULL_TOKENS
from hotspots.io._premises_classes import (
    CLASS_KEYWORDS,
    PREMISES_CLASS_NAMES,
    PREMISES_TYPE_CLASSES,
    PUBLIC_PREMISES_TYPES,
    classify_premises,
)
from hotspots.io._table import read_table
from hotspots.io.fhrs_sniff import looks_like_fhrs
from hotspots.io.load_report import FileRecord

__all__ = [
    "CLASS_KEYWORDS",
    "PREMISES_CLASS_NAMES",
    "PREMISES_COLUMNS",
    "PREMISES_TYPE_CLASSES",
    "PUBLIC_PREMISES_TYPES",
    "classify_premises",
    "looks_like_fhrs",
    "read_fhrs",
    "read_premises",
]

logger = logging.getLogger(__name__)

#: Columns every premises frame starts with, in order (others may follow).
PREMISES_COLUMNS = (
    "premises_id", "name", "premises_type", "premises_class", "address", "postcode",
    "capacity", "kind", schema.LOCATION_STATUS, "geometry",
)

# FHRS writes 1901-01-01 for "no rating date"
_FHRS_NO_DATE = pd.Timestamp("1901-01-01")


# --------------------------------------------------------------------------------------------
# read_premises
# --------------------------------------------------------------------------------------------
@rename_keyword("id", "premises_id")
@rename_keyword("type", "premises_type")
def read_premises(
    path_or_frame: Any,
    *,
    premises_id: str | None = None,
    name: str | None = None,
    premises_type: str | None = None,
    x: str | None = None,
    y: str | None = None,
    crs: Any = None,
    address: str | Sequence[str] | None = None,
    postcode: str | None = None,
    capacity: str | None = None,
    kind: str | None = None,
    type_map: Mapping[str, str] | None = None,
    layer: Any = None,
) -> gpd.GeoDataFrame:
    """Read a list of premises (licence register, council list, vulnerable locations).

    Parameters
    ----------
    path_or_frame : path-like, sequence of path-likes, or (Geo)DataFrame
        CSV, Excel, GeoPackage, GeoJSON, Parquet... (anything :mod:`hotspots.io` reads).
        A file that is FSA food hygiene (FHRS) data by its content
        (:func:`looks_like_fhrs`) is read with :func:`read_fhrs` when it is JSON or XML, or
        when ``premises_id`` and ``name`` are not given; the report notes it.
    premises_id : str
        Column with the premises' identifier (licence number, UPRN, FHRSID...). Blank ids
        get a stable generated one (``"<file>:<row>"``), with a warning; rows repeating an
        earlier id are removed and counted as duplicates. Required unless FHRS. Named
        ``id=`` before 0.2.0 (still accepted for one release, with a FutureWarning).
    name : str
        Column with the premises' name (required unless FHRS). Blank names become
        ``"(no name)"``, with a warning.
    premises_type : str, optional
        Column with the source's type text (e.g. "Pub/bar/nightclub"; ``type=`` before
        0.2.0, still accepted for one release), mapped to
        ``premises_class`` (see :func:`classify_premises`).
    x, y : str, optional
        Coordinate columns (longitude/latitude or easting/northing). Omit both to use the
        geometry of a GeoPackage/GeoJSON/GeoDataFrame.
    crs : str, int or pyproj.CRS, optional
        CRS of ``x``/``y``; detected from the values when omitted.
    address : str or sequence of str, optional
        Address column, or several (joined with ", ", blanks skipped).
    postcode, capacity : str, optional
        Postcode column; rooms/seats column (numbers; other values become NaN, flagged).
    kind : str, optional
        A column holding the kind of place (e.g. "premises", "children's home"), or, when no
        column has that name, one value for every row, e.g. ``kind="vulnerable"``.
    type_map : mapping of str to str, optional
        Your own type text -> class table, consulted first.
    layer : str or int, optional
        GeoPackage layer or Excel sheet.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:27700, RangeIndex, one row per kept premises, columns in this order:
        ``premises_id`` (string), ``name`` (string), ``premises_type`` (string, the source
        text, <NA> without ``premises_type``), ``premises_class`` (string, see
        :data:`PREMISES_CLASS_NAMES`), ``address``, ``postcode`` (string), ``capacity``
        (float), ``kind`` (string), ``location_status`` (categorical "located"/"unknown"),
        ``geometry`` (Point; empty when unknown), then ``source_file``, ``source_row``.
        ``attrs["hotspots"]["load"]`` is the :class:`~hotspots.io.LoadReport`;
        ``attrs["hotspots"]["classes"]`` counts premises per class.

    Raises
    ------
    hotspots.errors.ValidationError
        Missing columns (with close matches), unreadable files.
    hotspots.errors.EmptyDataError
        An empty file, or every row rejected.
    hotspots.errors.CRSError
        Swapped or mislabelled coordinates, or a CRS that cannot be detected.

    Warns
    -----
    hotspots.errors.DataQualityWarning
        Rows rejected (bad coordinates, outside Great Britain), coordinates (0, 0), blank
        ids or names, capacities that are not numbers.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"licence": ["L1", "L2"], "premises": ["The Crown", "Star Cars"],
    ...                       "kind": ["Public house", ""],
    ...                       "easting": [532000, 532100], "northing": [181000, 181050]})
    >>> from hotspots.io import read_premises
    >>> p = read_premises(frame, premises_id="licence", name="premises",
    ...                   premises_type="kind", x="easting", y="northing")
    >>> p[["premises_id", "premises_class"]].to_dict("list")
    {'premises_id': ['L1', 'L2'], 'premises_class': ['pub/bar/nightclub', 'taxi/private hire']}
    """
    if isinstance(path_or_frame, str | os.PathLike) and looks_like_fhrs(path_or_frame) and (
            Path(path_or_frame).suffix.lower() in (".json", ".xml") or premises_id is None
            or name is None):
        out = read_fhrs(Path(path_or_frame), type_map=type_map, kind=kind)
        out.attrs["hotspots"]["load"].notes.append(
            f"{Path(path_or_frame).name} was recognised as FSA food hygiene (FHRS) data by "
            "its content and read with read_fhrs.")
        return out
    if premises_id is None or name is None:
        raise ValueError("read_premises needs premises_id= and name=, the columns holding each "
                         "premises' identifier and name (the file is not FHRS data, whose "
                         "fields are known).")
    address_cols = [address] if isinstance(address, str) else list(address or [])
    required: dict[str, str] = {"premises_id": premises_id, "name": name}
    for arg, col in (("premises_type", premises_type), ("postcode", postcode),
                     ("capacity", capacity)):
        if col is not None:
            required[arg] = col
    for k, col in enumerate(address_cols):
        required[f"address[{k}]" if len(address_cols) > 1 else "address"] = col
    rows = read_table(path_or_frame, x=x, y=y, crs=crs, required=required, layer=layer)
    return _assemble(rows, id_column=premises_id, name=name, type_column=premises_type,
                     address=address_cols,
                     postcode=postcode, capacity=capacity, kind=kind, type_map=type_map,
                     function="read_premises")


def _column(rows: TableRows, col: str | None) -> pd.Series:
    """Return the stripped text of a column (<NA> for blanks and null tokens, or no column)."""
    if col is None:
        return pd.Series(pd.NA, index=rows.data.index, dtype="string")
    s = rows.data[col].astype("string").str.strip()
    return s.mask(s.str.lower().isin(NULL_TOKENS) | s.isna())


def _assemble(rows: TableRows, *, id_column: str, name: str, type_column: str | None,
              address: Sequence[str], postcode: str | None, capacity: str | None,
              kind: str | None, type_map: Mapping[str, str] | None, function: str,
              extra: Mapping[str, str] | None = None,
              extra_dates: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    """Map the engine's rows onto the premises schema (flags, duplicates, classes)."""
    # ids: generate stable ones for blanks, then drop repeats of an earlier id
    ids = _column(rows, id_column)
    blank_id = ids.isna().to_numpy()
    if blank_id.any():
        stems = [Path(f).stem if f else "row" for f in rows.source_file]
        generated = [f"{s}:{r}" for s, r in zip(stems, rows.source_row, strict=True)]
        ids = ids.where(~blank_id, pd.Series(generated, index=ids.index, dtype="string"))
        rows.flag(blank_id, f"blank_id:{id_column}", f"blank ids in '{id_column}'",
                  "Premises without an id were given one made of the file name and row "
                  "number.", column=id_column)
    rows.data["__premises_id"] = ids
    rows.drop_duplicates(rows.data["__premises_id"], detail=f"same {id_column!r}")
    ids = rows.data.pop("__premises_id").astype("string")

    names = _column(rows, name)
    blank_name = names.isna().to_numpy()
    if blank_name.any():
        rows.flag(blank_name, f"blank_name:{name}", f"blank names in '{name}'",
                  "Premises without a name are shown as '(no name)'.", column=name)
        names = names.fillna("(no name)")

    types = _column(rows, type_column)
    classes = classify_premises(types.to_numpy(dtype=object), names.to_numpy(dtype=object),
                                type_map=type_map)

    if address:
        parts = pd.concat([_column(rows, c) for c in address], axis=1)
        addr = parts.apply(lambda r: ", ".join(str(v) for v in r if pd.notna(v)), axis=1)
        addr = addr.astype("string").replace("", pd.NA)
    else:
        addr = pd.Series(pd.NA, index=rows.data.index, dtype="string")

    cap = pd.Series(np.nan, index=rows.data.index)
    if capacity is not None:
        text = _column(rows, capacity)
        cap = pd.to_numeric(text, errors="coerce").astype(float)
        bad = (text.notna() & (cap.isna() | (cap < 0))).to_numpy()
        if bad.any():
            rows.flag(bad, f"bad_capacity:{capacity}", f"capacities that are not numbers >= 0 "
                      f"in '{capacity}'", "They were set to NaN (no rate per room/seat).",
                      column=capacity)
            cap = cap.where(~bad)

    if kind is not None and kind in rows.data.columns:
        kinds = _column(rows, kind)
        kind_note = f"kind from column {kind!r}"
    else:
        kinds = pd.Series(kind if kind is not None else "premises", index=rows.data.index,
                          dtype="string")
        kind_note = f"kind {kinds.iloc[0] if len(kinds) else kind!r} for every row"
        if kind is not None:
            logger.info("%s: no column named %r, so every row gets kind %r", rows.description,
                        kind, kind)

    located = rows.located
    frame = pd.DataFrame({
        "premises_id": ids.to_numpy(),
        "name": names.astype("string").to_numpy(),
        "premises_type": types.to_numpy(),
        "premises_class": classes.to_numpy(),
        "address": addr.to_numpy(),
        "postcode": _column(rows, postcode).to_numpy(),
        "capacity": cap.to_numpy(dtype=float),
        "kind": kinds.to_numpy(),
        schema.LOCATION_STATUS: pd.Categorical(
            np.where(located, schema.LOCATED, schema.UNKNOWN),
            categories=[schema.LOCATED, schema.UNKNOWN]),
    })
    for col in ("premises_id", "name", "premises_type", "premises_class", "address",
                "postcode", "kind"):
        frame[col] = frame[col].astype("string")
    for out_col, src in (extra or {}).items():
        frame[out_col] = _column(rows, src).to_numpy()
        frame[out_col] = frame[out_col].astype("string")
    for out_col, src in (extra_dates or {}).items():
        frame[out_col] = rows.dates[src].to_numpy()
    result = gpd.GeoDataFrame(frame, geometry=rows.geoseries())
    result[schema.SOURCE_FILE] = pd.array(rows.source_file, dtype="string")
    result[schema.SOURCE_ROW] = rows.source_row.astype(np.int64)

    counts = result["premises_class"].value_counts()
    class_counts = {c: int(counts.get(c, 0)) for c in PREMISES_CLASS_NAMES}
    class_counts.update({str(c): int(v) for c, v in counts.items() if c not in class_counts})
    rows.notes.append("Premises classes: " + ", ".join(
        f"{c} {v}" for c, v in class_counts.items() if v) + f"; {kind_note}.")
    report = rows.load_report()
    result.attrs["hotspots"] = {
        "function": function,
        "load": report,
        "classes": class_counts,
        "type_map": dict(type_map or {}),
    }
    logger.info("%s: %d premises (%d located, %d location unknown); classes: %s",
                rows.description, len(result), report.located, report.unknown_location,
                ", ".join(f"{c} {v}" for c, v in class_counts.items() if v))
    return result


# --------------------------------------------------------------------------------------------
# read_fhrs
# --------------------------------------------------------------------------------------------
#: FHRS field -> flat column, for the API JSON (``geocode`` nested) and the XML.
_FHRS_FIELDS = (
    "FHRSID", "LocalAuthorityBusinessID", "BusinessName", "BusinessType", "BusinessTypeID",
    "AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4", "PostCode", "RatingValue",
    "RatingDate", "LocalAuthorityCode", "LocalAuthorityName",
)


def read_fhrs(
    path: str | Path,
    *,
    type_map: Mapping[str, str] | None = None,
    kind: str | None = None,
) -> gpd.GeoDataFrame:
    """Read Food Standards Agency food hygiene rating (FHRS) data as premises.

    Parameters
    ----------
    path : str or Path
        One of:

        - the ratings API JSON (``{"establishments": [{"FHRSID": ..., "BusinessName": ...,
          "BusinessType": ..., "AddressLine1".."AddressLine4", "PostCode", "RatingValue",
          "RatingDate", "geocode": {"longitude": ..., "latitude": ...}}, ...]}``, or the
          bare list);
        - the FSA open-data XML (``FHRSEstablishment/EstablishmentCollection/
          EstablishmentDetail`` with ``Geocode/Longitude`` and ``Geocode/Latitude``);
        - a flat CSV with the same field names and ``Longitude``, ``Latitude`` columns.

        The format is chosen by the suffix (``.json``, ``.xml``, ``.csv``), else sniffed.
    type_map : mapping of str to str, optional
        Your own BusinessType -> class table, consulted before :data:`PREMISES_TYPE_CLASSES`.
    kind : str, optional
        Kind of every row (default ``"premises"``).

    Returns
    -------
    geopandas.GeoDataFrame
        The :func:`read_premises` schema (``premises_id`` = FHRSID, ``name`` =
        BusinessName, ``premises_type`` = BusinessType, ``address`` = AddressLine1..4,
        ``postcode`` = PostCode), followed by ``rating`` (string: "0".."5", "Exempt",
        "AwaitingInspection", ...), ``rating_date`` (datetime64; NaT when blank or the
        FSA's 1901-01-01 placeholder), ``local_authority``, ``source_file``, ``source_row``.
        Establishments without coordinates are kept with an unknown location and counted
        in ``attrs["hotspots"]["load"]``.

    Raises
    ------
    hotspots.errors.ValidationError
        When the file is not FHRS data in one of these layouts (naming the file), or lacks
        the FHRS fields.
    hotspots.errors.EmptyDataError
        When it holds no establishments.

    Notes
    -----
    Row numbers in the load report are spreadsheet rows of the flat CSV layout: the n-th
    establishment of a JSON or XML file is row n + 1.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> from hotspots.io import read_fhrs
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "fhrs.json"
    >>> _ = path.write_text(json.dumps({"establishments": [
    ...     {"FHRSID": 1, "BusinessName": "The Crown", "BusinessType": "Pub/bar/nightclub",
    ...      "geocode": {"longitude": "-1.75", "latitude": "53.79"}},
    ...     {"FHRSID": 2, "BusinessName": "Star Cars", "BusinessType": "Other catering premises",
    ...      "geocode": {"longitude": "", "latitude": ""}}]}))
    >>> p = read_fhrs(path)
    >>> p[["name", "premises_class", "location_status"]].values.tolist()
    [['The Crown', 'pub/bar/nightclub', 'located'], ['Star Cars', 'taxi/private hire', 'unknown']]
    """
    path = Path(path)
    if not path.is_file():
        raise ValidationError(Problem("file_not_found", f"file {path} does not exist.",
                                      file=path.name))
    raw = path.read_bytes()
    fmt = _fhrs_format(path, raw)
    if fmt == "csv":
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig", encoding_errors="replace")
        rows = read_table(path, x="Longitude", y="Latitude", crs=WGS84,
                          dates=[c for c in ("RatingDate",) if c in header.columns],
                          required={"id": "FHRSID", "name": "BusinessName",
                                    "type": "BusinessType"})
    else:
        frame = _fhrs_json(raw, path.name) if fmt == "json" else _fhrs_xml(raw, path.name)
        rows = read_table(frame, x="Longitude", y="Latitude", crs=WGS84,
                          dates={"RatingDate": None}, description=path.name)
        # the engine saw a frame: give the rows their file back
        rows.files = [FileRecord(path.name, len(frame), hashlib.sha256(raw).hexdigest(),
                                 str(path))]
        rows.source_file = np.full(len(rows.data), path.name, dtype=object)
        rows.notes.append(f"{path.name}: FSA FHRS {fmt.upper()} with {len(frame):,} "
                          "establishments.")
    dates = rows.dates.get("RatingDate")
    if dates is None:
        dates = pd.Series(pd.NaT, index=rows.data.index, dtype="datetime64[ns]")
        rows.dates["RatingDate"] = dates
    placeholder = (dates == _FHRS_NO_DATE).to_numpy()
    if placeholder.any():
        rows.dates["RatingDate"] = dates.mask(placeholder)
        rows.notes.append(f"{int(placeholder.sum())} rating dates of 1901-01-01 (the FSA's "
                          "'no date') set to NaT.")
    address_cols = [c for c in ("AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4")
                    if c in rows.data.columns]
    extra = {"rating": "RatingValue"} if "RatingValue" in rows.data.columns else {}
    if "LocalAuthorityName" in rows.data.columns:
        extra["local_authority"] = "LocalAuthorityName"
    result = _assemble(
        rows, id_column="FHRSID", name="BusinessName", type_column="BusinessType",
        address=address_cols,
        postcode="PostCode" if "PostCode" in rows.data.columns else None, capacity=None,
        kind=kind or "premises", type_map=type_map, function="read_fhrs", extra=extra,
        extra_dates={"rating_date": "RatingDate"},
    )
    if "rating" not in result.columns:
        result["rating"] = pd.array([pd.NA] * len(result), dtype="string")
    order = [*PREMISES_COLUMNS, "rating", "rating_date"]
    if "local_authority" in result.columns:
        order.append("local_authority")
    order += [schema.SOURCE_FILE, schema.SOURCE_ROW]
    out = result[order]
    out.attrs = result.attrs
    return out


def _fhrs_format(path: Path, raw: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".json", ".xml", ".csv"):
        return suffix[1:]
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"{", b"["):
        return "json"
    if head == b"<":
        return "xml"
    return "csv"


def _fhrs_frame(records: list[dict[str, Any]], name: str) -> pd.DataFrame:
    if not records:
        raise EmptyDataError(Problem("no_establishments", f"{name} holds no establishments.",
                                     file=name))
    frame = pd.DataFrame.from_records(records)
    missing = [c for c in ("FHRSID", "BusinessName", "BusinessType") if c not in frame.columns]
    if missing:
        raise ValidationError(Problem(
            "missing_column", f"{name} is not FHRS data: establishments have no "
            f"{', '.join(missing)} (fields found: {', '.join(map(str, frame.columns[:12]))}).",
            column=missing[0], file=name))
    for col in ("Longitude", "Latitude", "RatingDate"):
        if col not in frame.columns:
            frame[col] = None
    return frame.astype(object).where(frame.notna(), None)


def _fhrs_json(raw: bytes, name: str) -> pd.DataFrame:
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(Problem("malformed_json", f"{name} is not valid JSON: {exc}.",
                                      file=name)) from None
    items = doc.get("establishments") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ValidationError(Problem(
            "not_fhrs", f"{name} is not FHRS API JSON: expected an 'establishments' list "
            f"(keys found: {', '.join(map(str, doc)) if isinstance(doc, dict) else '(none)'}).",
            file=name))
    records = []
    for item in items:
        if not isinstance(item, dict):
            item = {}
        rec = {k: item.get(k) for k in _FHRS_FIELDS if k in item}
        geo = item.get("geocode") or item.get("Geocode") or {}
        if isinstance(geo, dict):
            rec["Longitude"] = geo.get("longitude", geo.get("Longitude"))
            rec["Latitude"] = geo.get("latitude", geo.get("Latitude"))
        records.append(rec)
    return _fhrs_frame(records, name)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _fhrs_xml(raw: bytes, name: str) -> pd.DataFrame:
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise ValidationError(Problem("malformed_xml", f"{name} is not well-formed XML: {exc}.",
                                      file=name)) from None
    details = [el for el in root.iter() if _local(el.tag) == "EstablishmentDetail"]
    if not details and _local(root.tag) != "FHRSEstablishment":
        raise ValidationError(Problem(
            "not_fhrs", f"{name} is not FSA FHRS XML: no FHRSEstablishment/"
            f"EstablishmentCollection/EstablishmentDetail elements (root is "
            f"<{_local(root.tag)}>).", file=name))
    wanted = set(_FHRS_FIELDS)
    records = []
    for det in details:
        rec: dict[str, Any] = {}
        for child in det:
            tag = _local(child.tag)
            if tag in wanted:
                rec[tag] = (child.text or "").strip() or None
            elif tag == "Geocode":
                for g in child:
                    gt = _local(g.tag)
                    if gt in ("Longitude", "Latitude"):
                        rec[gt] = (g.text or "").strip() or None
        records.append(rec)
    return _fhrs_frame(records, name)
