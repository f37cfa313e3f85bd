"""Incident readers: any table of points (:func:`read_incidents`) and police.uk files.

Both return the canonical incident frame (``docs/ARCHITECTURE.md``): a GeoDataFrame in
EPSG:27700 with ``incident_id, occurred, category, recency, weight, location_status,
geometry`` first, every input row accounted for in ``frame.attrs["hotspots"]["load"]``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema
from hotspots._params import check_positive
from hotspots.crs import BNG, WGS84
from hotspots.errors import Problem, ValidationError
from hotspots.io._csvfile import shorten
from hotspots.io._police_uk import (
    API_REQUIRED,
    STREET_COLUMNS,
    STREET_REQUIRED,
    is_street_file_name,
    location_comma_repair,
    reject_broken_street_rows,
    sniff_layout,
)
from hotspots.io._table import PathLike, Source, TableRows, _text, expand_paths, read_table
from hotspots.io.load_report import LoadReport

__all__ = ["API_CATEGORIES", "is_police_uk", "read_incidents", "read_police_uk"]

logger = logging.getLogger(__name__)

#: police.uk API category slugs and the crime-type names used in the street-level CSVs
API_CATEGORIES: dict[str, str] = {
    "anti-social-behaviour": "Anti-social behaviour",
    "bicycle-theft": "Bicycle theft",
    "burglary": "Burglary",
    "criminal-damage-arson": "Criminal damage and arson",
    "drugs": "Drugs",
    "other-crime": "Other crime",
    "other-theft": "Other theft",
    "possession-of-weapons": "Possession of weapons",
    "public-order": "Public order",
    "robbery": "Robbery",
    "shoplifting": "Shoplifting",
    "theft-from-the-person": "Theft from the person",
    "vehicle-crime": "Vehicle crime",
    "violent-crime": "Violence and sexual offences",
    # used before May 2013, when police.uk split it into public order and weapons
    "public-disorder-weapons": "Public disorder and weapons",
}

# police.uk street-level CSV columns -> canonical extra columns
_STREET_EXTRA = {
    "Location": "location",
    "LSOA code": "lsoa_code",
    "LSOA name": "lsoa_name",
    "Last outcome category": "outcome",
    "Context": "context",
    "Reported by": "reported_by",
    "Falls within": "falls_within",
}
_STREET_REQUIRED = STREET_REQUIRED
# police.uk API (flattened JSON) columns -> canonical extra columns
_API_EXTRA = {
    "street_name": "location",
    "outcome_category": "outcome",
    "outcome_date": "outcome_date",
    "context": "context",
    "persistent_id": "persistent_id",
    "street_id": "street_id",
    "location_type": "location_type",
    "location_subtype": "location_subtype",
}
_API_REQUIRED = API_REQUIRED
_API_COLUMNS = (*_API_REQUIRED, *_API_EXTRA)

# recency spellings (normalised: lower case, runs of space/-/_ as one space)
_RECENCY_WORDS = {
    "recent": schema.RECENT, "current": schema.RECENT, "r": schema.RECENT,
    "non recent": schema.NON_RECENT, "nonrecent": schema.NON_RECENT,
    "not recent": schema.NON_RECENT, "historic": schema.NON_RECENT,
    "historical": schema.NON_RECENT, "nr": schema.NON_RECENT,
}

#: crime types of the street-level CSVs, with "Violent crime", their name before May 2013
STREET_CRIME_TYPES = frozenset({*API_CATEGORIES.values(), "Violent crime"})
_LOCATION_COMMA = location_comma_repair(STREET_CRIME_TYPES)

_CANONICAL = (*schema.INCIDENT_COLUMNS, "geometry")
_TRAILING = (schema.SOURCE_FILE, schema.SOURCE_ROW)
_RESERVED = set(_CANONICAL) | set(_TRAILING)


# --- assembling the canonical frame ---------------------------------------------------------
def _norm_word(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.lower().str.replace(r"[\s_\-]+", " ", regex=True)


def _generated_ids(rows: TableRows) -> pd.Series:
    """Stable ids for rows without one: ``"<file stem>:<row>"``, or ``"row:<row>"``."""
    stems = pd.Series(rows.source_file, dtype="string").str.replace(r"\.[^.]*$", "",
                                                                    regex=True)
    stems = stems.fillna("row")
    return stems + ":" + pd.Series(rows.source_row).astype("string")


def _blank_to_na(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.strip()
    return s.mask(s == "")


def _set_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """Apply the canonical dtypes (also after concatenating frames with other categories)."""
    frame[schema.INCIDENT_ID] = frame[schema.INCIDENT_ID].astype("string")
    frame[schema.OCCURRED] = pd.to_datetime(frame[schema.OCCURRED]).astype("datetime64[ns]")
    cat = frame[schema.CATEGORY].astype("string")
    frame[schema.CATEGORY] = pd.Categorical(cat, categories=sorted(cat.dropna().unique()))
    frame[schema.RECENCY] = pd.Categorical(frame[schema.RECENCY].astype("string"),
                                           categories=[schema.RECENT, schema.NON_RECENT])
    frame[schema.WEIGHT] = frame[schema.WEIGHT].astype("float64")
    frame[schema.LOCATION_STATUS] = pd.Categorical(
        frame[schema.LOCATION_STATUS].astype(object),
        categories=[schema.LOCATED, schema.UNKNOWN])
    frame[schema.SOURCE_FILE] = frame[schema.SOURCE_FILE].astype("string")
    frame[schema.SOURCE_ROW] = frame[schema.SOURCE_ROW].astype("int64")
    return frame


def _assemble(rows: TableRows, *, incident_id: pd.Series, occurred: pd.Series | None,
              category: pd.Series | None, recency: pd.Series | None,
              weight: np.ndarray | None, extra: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """Build the canonical incident frame from checked rows and mapped columns."""
    n = len(rows)
    na_text = pd.Series(pd.NA, index=range(n), dtype="string")
    columns: dict[str, Any] = {
        schema.INCIDENT_ID: incident_id.reset_index(drop=True),
        schema.OCCURRED: (occurred.reset_index(drop=True) if occurred is not None
                          else pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")),
        schema.CATEGORY: category.reset_index(drop=True) if category is not None else na_text,
        schema.RECENCY: recency.reset_index(drop=True) if recency is not None else na_text,
        schema.WEIGHT: np.ones(n) if weight is None else np.asarray(weight, dtype=float),
        schema.LOCATION_STATUS: np.where(rows.located, schema.LOCATED, schema.UNKNOWN),
    }
    if extra is not None:
        for name in extra.columns:
            target = f"{name}_source" if name in _RESERVED else name
            columns[target] = extra[name].reset_index(drop=True)
    columns[schema.SOURCE_FILE] = pd.Series(rows.source_file, dtype="string")
    columns[schema.SOURCE_ROW] = rows.source_row
    frame = pd.DataFrame(columns)
    frame = _set_dtypes(frame)
    out = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(rows.geometry, crs=BNG))
    order = [*_CANONICAL, *[c for c in out.columns if c not in _CANONICAL]]
    return out[order]


def _attach(frame: gpd.GeoDataFrame, report: LoadReport, **info: Any) -> gpd.GeoDataFrame:
    frame.attrs["hotspots"] = {**info, "load": report}
    return frame


def _keep_columns(rows: TableRows, keep: Any, used: set[str]) -> pd.DataFrame:
    """Select the source columns to carry over (``keep``: None=all unused, a list, False)."""
    if keep is False or keep == ():
        return rows.data.iloc[:, :0]
    if keep is None:
        names = [c for c in rows.data.columns if c not in used]
    else:
        names = [keep] if isinstance(keep, str) else list(keep)
        missing = [c for c in names if c not in rows.data.columns]
        if missing:
            found = ", ".join(repr(c) for c in rows.data.columns)
            raise ValidationError([Problem(
                "missing_column", f"column {c!r} (in keep=) was not found. Columns found: "
                f"{found}.", column=c) for c in missing], context=rows.description)
    return rows.data[names]


# --- recency ----------------------------------------------------------------------------------
def _recency_from_column(rows: TableRows, column: str,
                         values: Mapping[str, str] | None) -> pd.Series:
    words = dict(_RECENCY_WORDS)
    for raw, meaning in (values or {}).items():
        if meaning not in (schema.RECENT, schema.NON_RECENT):
            raise ValueError(f"The 'recency_values' parameter of read_incidents must map to "
                             f"'recent' or 'non-recent'. Got {meaning!r} for {raw!r} instead.")
        words[_norm_word(pd.Series([str(raw)])).iloc[0]] = meaning
    norm = _norm_word(rows.data[column])
    mapped = norm.map(words).astype("string")
    unknown = (norm.notna() & (norm != "") & mapped.isna()).to_numpy()
    if unknown.any():
        seen = pd.unique(rows.data[column][unknown].astype(str))[:5]
        rows.flag(unknown, f"unrecognised_recency:{column}", f"unrecognised values in "
                  f"'{column}'", f"Values {', '.join(shorten(v) for v in seen)} were not "
                  "recognised as recent/non-recent and were set to missing; pass e.g. "
                  "recency_values={'Yes': 'non-recent', 'No': 'recent'}.", column=column)
    return mapped


def _recency_from_dates(rows: TableRows, occurred: pd.Series, reported: pd.Series,
                        months: int, reported_name: str) -> pd.Series:
    threshold = occurred + pd.DateOffset(months=months)
    out = pd.Series(pd.NA, index=range(len(rows)), dtype="string")
    both = occurred.notna() & reported.notna()
    out[both & (reported > threshold)] = schema.NON_RECENT
    out[both & (reported <= threshold)] = schema.RECENT
    before = (both & (reported < occurred)).to_numpy()
    if before.any():
        out[before] = pd.NA
        rows.flag(before, f"reported_before_occurred:{reported_name}",
                  "reported before it occurred",
                  f"'{reported_name}' is earlier than the occurrence date; recency was left "
                  "missing for these rows.", column=reported_name)
    return out


# --- read_incidents ---------------------------------------------------------------------------
def read_incidents(
    path_or_frame: Source,
    *,
    x: str | None = None,
    y: str | None = None,
    crs: Any = None,
    occurred: str | None = None,
    category: str | None = None,
    id: str | None = None,
    recency: str | None = None,
    weight: str | None = None,
    reported: str | None = None,
    recent_years: float = 1.0,
    recency_values: Mapping[str, str] | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    tz: str = "Europe/London",
    deduplicate: bool = False,
    keep: Sequence[str] | bool | None = None,
    layer: str | int | None = None,
    today: Any = None,
    progress: bool | None = None,
) -> gpd.GeoDataFrame:
    """Read incidents from a file or frame into the canonical incident frame.

    Parameters
    ----------
    path_or_frame : path-like, sequence of path-likes, DataFrame or GeoDataFrame
        CSV (UTF-8, UTF-8 with BOM, or Windows-1252 with a warning; CRLF is fine), Excel,
        GeoPackage, GeoJSON, Parquet or GeoParquet, several files (stacked), or a frame.
    x, y : str, optional
        Coordinate columns: longitude and latitude, or easting and northing. Leave out for a
        source with a point geometry (GeoDataFrame, GeoPackage, GeoJSON, GeoParquet).
    crs : str, int or pyproj.CRS, optional
        CRS of ``x``/``y``. When omitted it is the geometry's CRS, or detected from the value
        ranges (WGS84 or British National Grid); a detection that could go either way is a
        :class:`~hotspots.errors.CRSError`.
    occurred : str, optional
        Date (and time) of the incident. Unparseable dates are kept as NaT with a warning.
    category : str, optional
        Offence type or flag (categorical in the output).
    id : str, optional
        Incident reference. Blank ids (and all ids, when omitted) are generated as
        ``"<file stem>:<row>"`` (``"row:<row>"`` for frames), stable across runs.
    recency : str, optional
        Column saying whether the offence is recent or non-recent. Recognised (any case,
        spaces/hyphens/underscores alike): ``recent``, ``current``, ``R`` and ``non-recent``,
        ``non recent``, ``not recent``, ``historic``, ``historical``, ``NR``. Yes/no flags are
        not guessed: map them with ``recency_values``. Other values become missing, with a
        warning.
    weight : str, optional
        Numeric weight (harm score, count at a snap point). Blank weights become 1.0 (with a
        warning); negative or non-numeric weights reject the row.
    reported : str, optional
        Date reported. With ``occurred`` and no ``recency`` column, recency is derived:
        *non-recent* when reported more than ``recent_years`` after it occurred (compared by
        calendar months), *recent* otherwise, missing when either date is.
    recent_years : float
        Threshold for the derived recency, in years (default 1, i.e. 12 months, the usual
        Home Office/ONS convention for non-recent offences).
    recency_values : mapping of str to {"recent", "non-recent"}, optional
        Extra spellings for the recency column, e.g. ``{"Y": "non-recent", "N": "recent"}``.
    date_format : str, optional
        ``strftime`` format for ``occurred`` and ``reported``; by default ISO 8601 is tried,
        then common UK layouts (see :func:`hotspots.io._table.parse_dates`).
    dayfirst : bool, optional
        Read ``01/02/2019`` as 1 February (True, UK) or 2 January (False, US). By default
        the order is decided per column from the values that can only be read one way
        (``13/01/2019`` or ``01/13/2019``; noted in the report); a column holding both kinds
        is refused, and one where every value reads either way is read day first (noted).
    tz : str
        Time zone of times written without one (default Europe/London, the clock of UK
        police and council systems). Times with a zone (``...Z``, ``+01:00``) are converted
        to it; a column mixing the two is flagged in the report.
    deduplicate : bool
        Remove rows whose ``id`` repeats an earlier row (counted in the report).
    keep : list of str, False or None
        Other source columns to carry over: all unused ones (None, default), a list, or none
        (False). A column that clashes with a canonical name gets a ``_source`` suffix.
    layer : str or int, optional
        GeoPackage layer or Excel sheet.
    today : date-like, optional
        Reference day for "dates in the future" (default: today; for tests).
    progress : bool, optional
        Progress bar over files (off by default).

    Returns
    -------
    geopandas.GeoDataFrame
        The canonical incident frame in EPSG:27700 with a RangeIndex:

        ====================  =========================================================
        ``incident_id``       string
        ``occurred``          datetime64[ns], NaT allowed
        ``category``          categorical (sorted), NA allowed
        ``recency``           categorical ["recent", "non-recent"], NA allowed
        ``weight``            float64
        ``location_status``   categorical ["located", "unknown"]
        ``geometry``          Point, or an empty Point when the location is unknown
        (kept columns)        as read
        ``source_file``       string (file name; NA for frames)
        ``source_row``        int64, spreadsheet row number (header = row 1; for frames,
                              position + 2)
        ====================  =========================================================

        ``attrs["hotspots"]`` holds ``load`` (:class:`~hotspots.io.LoadReport`),
        ``function``, ``crs_in``, ``crs_reason`` and ``recency_rule``.

    Raises
    ------
    hotspots.errors.ValidationError
        Missing columns (the message lists the columns found and close matches), malformed
        or unreadable files.
    hotspots.errors.EmptyDataError
        Empty file, header-only file, or every row rejected.
    hotspots.errors.CRSError
        Latitude/longitude swapped, easting/northing given as lon/lat (or the reverse), or a
        CRS that cannot be detected.

    Warns
    -----
    hotspots.errors.DataQualityWarning
        Rows rejected (non-numeric coordinates, one coordinate missing, outside Great
        Britain, bad weight); coordinates ``(0, 0)`` kept as unknown location; dates that did
        not parse (kept as NaT) or lie in the future (kept); unrecognised recency values;
        a file that is not UTF-8.

    Notes
    -----
    Rows with both coordinates blank are kept with ``location_status="unknown"``; so are
    rows at ``(0, 0)``, which police.uk and many exports use for "no location".

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"lon": [-1.75, None], "lat": [53.79, None],
    ...                    "when": ["2019-05-01", "2019-05-02"]})
    >>> inc = read_incidents(df, x="lon", y="lat", occurred="when")
    >>> inc["location_status"].tolist()
    ['located', 'unknown']
    """
    months = round(12 * check_positive("recent_years", recent_years, caller="read_incidents"))
    if reported is not None and occurred is None:
        raise ValueError("The 'reported' parameter of read_incidents needs 'occurred' too, to "
                         "derive recency from the two dates.")
    args = {"occurred": occurred, "category": category, "id": id, "recency": recency,
            "weight": weight, "reported": reported}
    required = {k: v for k, v in args.items() if v is not None}
    dates = {c: date_format for c in (occurred, reported) if c is not None}
    rows = read_table(path_or_frame, x=x, y=y, crs=crs, dates=dates, required=required,
                      dayfirst=dayfirst, tz=tz, today=today, layer=layer,
                      progress=bool(progress))

    if id is not None and deduplicate:
        rows.drop_duplicates(_blank_to_na(rows.data[id]), detail=f"same '{id}'")

    weights = None
    if weight is not None:
        text, present = _text(rows.data[weight])
        w = pd.to_numeric(text.where(present), errors="coerce").to_numpy(
            dtype=float, na_value=np.nan)
        bad = present & ~(np.isfinite(w) & (w >= 0))
        rows.reject(bad, "invalid_weight", "invalid weight",
                    f"Weights in '{weight}' must be numbers >= 0.", column=weight)
        w, present = w[~bad], present[~bad]
        rows.flag(~present, f"blank_weight:{weight}", f"blank '{weight}'",
                  "Blank weights were set to 1.", column=weight)
        weights = np.where(present, w, 1.0)

    rule = "none"
    rec = None
    if recency is not None:
        rec = _recency_from_column(rows, recency, recency_values)
        rule = f"from column '{recency}'"
    elif reported is not None:
        rec = _recency_from_dates(rows, rows.dates[occurred], rows.dates[reported], months,
                                  reported)
        rule = (f"non-recent when '{reported}' is more than {months} months after "
                f"'{occurred}'")
        rows.notes.append(f"Recency derived from dates: {rule}.")

    ids = _blank_to_na(rows.data[id]) if id is not None else pd.Series(
        pd.NA, index=range(len(rows)), dtype="string")
    generated = ids.isna()
    if generated.any():
        ids = ids.where(~generated, _generated_ids(rows))
        if id is not None:
            rows.notes.append(f"{int(generated.sum()):,} rows had a blank '{id}' and were "
                              "given generated ids '<file stem>:<row>'.")
    used = {c for c in (x, y, *args.values()) if c is not None}
    frame = _assemble(
        rows, incident_id=ids,
        occurred=rows.dates[occurred] if occurred is not None else None,
        category=_blank_to_na(rows.data[category]) if category is not None else None,
        recency=rec, weight=weights, extra=_keep_columns(rows, keep, used),
    )
    report = rows.load_report()
    return _attach(frame, report, function="read_incidents", crs_in=rows.crs,
                   crs_reason=rows.crs_reason, recency_rule=rule)


# --- police.uk ------------------------------------------------------------------------------
def _street(rows: TableRows) -> gpd.GeoDataFrame:
    reject_broken_street_rows(rows, STREET_CRIME_TYPES)
    data = rows.data
    ids = _blank_to_na(data["Crime ID"])
    blank = ids.isna()
    if blank.any():
        ids = ids.where(~blank, _generated_ids(rows))
        n_asb = int((blank & (data["Crime type"] == "Anti-social behaviour")).sum())
        rows.notes.append(
            f"{int(blank.sum()):,} rows had a blank Crime ID ({n_asb:,} of them anti-social "
            "behaviour, which police.uk publishes without ids) and were given stable ids "
            "'<file stem>:<row>'.")
    # repeated Crime IDs within one file are real rows (different crimes share a reference
    # or an outcome was split): keep every one, but say how many
    key = pd.DataFrame({"f": rows.source_file, "id": _blank_to_na(data["Crime ID"])})
    rep = key["id"].notna() & key.duplicated(["f", "id"], keep=False)
    if rep.any():
        n_ids = key[rep].drop_duplicates().shape[0]
        rows.notes.append(
            f"{n_ids:,} Crime IDs appear on more than one row of the same file ({int(rep.sum()):,}"
            " rows); all were kept, as police.uk lists them as separate records.")
    extra = data[[c for c in data.columns if c not in {*_STREET_REQUIRED}]]
    extra = extra.rename(columns=_STREET_EXTRA)
    return _assemble(rows, incident_id=ids, occurred=rows.dates["Month"],
                     category=_blank_to_na(data["Crime type"]), recency=None, weight=None,
                     extra=extra)


def _api(rows: TableRows) -> gpd.GeoDataFrame:
    rows.drop_duplicates(_blank_to_na(rows.data["id"]), detail="police.uk API: same 'id'")
    data = rows.data
    slug = _blank_to_na(data["category"]).str.lower()
    category = slug.map(API_CATEGORIES).astype("string")
    unknown = (slug.notna() & category.isna()).to_numpy()
    if unknown.any():
        seen = pd.unique(slug[unknown])[:5]
        rows.flag(unknown, "unknown_api_category", "unknown API category slugs",
                  f"Slugs {', '.join(shorten(s) for s in seen)} are not in the police.uk list "
                  "and were kept as written.", column="category")
        category = category.where(~unknown, slug)
    ids = _blank_to_na(data["id"])
    blank = ids.isna()
    if blank.any():
        ids = ids.where(~blank, _generated_ids(rows))
        rows.notes.append(f"{int(blank.sum()):,} rows had a blank 'id' and were given ids "
                          "'<file stem>:<row>'.")
    rows.notes.append("police.uk API category slugs mapped to street-level crime type names "
                      "(e.g. 'violent-crime' -> 'Violence and sexual offences').")
    extra = data[[c for c in data.columns if c not in {*_API_REQUIRED}]]
    extra = extra.rename(columns=_API_EXTRA)
    return _assemble(rows, incident_id=ids, occurred=rows.dates["month"], category=category,
                     recency=None, weight=None, extra=extra)


def read_police_uk(
    paths: PathLike | Sequence[PathLike],
    *,
    progress: bool | None = None,
    today: Any = None,
) -> gpd.GeoDataFrame:
    """Read police.uk street-level crime CSVs and/or flattened police.uk API downloads.

    Parameters
    ----------
    paths : path-like, glob string, folder, or a sequence of them
        Files named directly must be police.uk files. In a folder (searched recursively) or
        a glob, CSV files with another layout (outcomes, stop and search) are skipped and
        listed in the report notes.
    progress : bool, optional
        Show a progress bar over the files (off by default; the CLI turns it on).
    today : date-like, optional
        Reference day for "dates in the future" (for tests).

    Returns
    -------
    geopandas.GeoDataFrame
        The canonical incident frame (see :func:`read_incidents`) in EPSG:27700, then:

        - street CSVs: ``location`` ("On or near ..."), ``lsoa_code``, ``lsoa_name``,
          ``outcome``, ``context``, ``reported_by``, ``falls_within``;
        - API layout: ``location`` (street_name), ``outcome``, ``outcome_date``, ``context``,
          ``persistent_id``, ``street_id``, ``location_type``, ``location_subtype`` and any
          other column as named in the file (e.g. ``ward_code_queried``);
        - ``source_file``, ``source_row``.

        ``occurred`` is the first day of the month; ``recency`` is missing (police.uk does
        not say); ``weight`` is 1. ``attrs["hotspots"]["load"]`` is the
        :class:`~hotspots.io.LoadReport`.

    Raises
    ------
    hotspots.errors.ValidationError
        A named file that is not in either police.uk layout (the message lists its columns),
        a missing file, or a folder/glob with no police.uk files.
    hotspots.errors.EmptyDataError
        Empty files.

    Notes
    -----
    - Street CSVs: ``Crime ID`` -> ``incident_id`` (blank for anti-social behaviour: a stable
      id ``"<file stem>:<row>"`` is generated); ``Month`` -> ``occurred``; ``Crime type``
      -> ``category``. Rows with empty Longitude/Latitude are kept as unknown location.
      A Crime ID repeated within a file is *not* removed: those rows are separate police.uk
      records (the count is in the report notes).
    - API layout (``id, month, category, latitude, longitude, street_name, ...``): detected
      from the header; category slugs are mapped to the street CSV names
      (:data:`API_CATEGORIES`); rows repeating an earlier ``id`` are removed (queries of
      overlapping areas return the same crime twice) and counted as duplicates.

    Examples
    --------
    >>> crimes = read_police_uk("data/city-of-london/street/")  # doctest: +SKIP
    >>> crimes.attrs["hotspots"]["load"]  # doctest: +SKIP
    """
    files, searched = expand_paths(paths)
    groups: dict[str, list[Path]] = {"street": [], "api": []}
    skipped: list[str] = []
    problems = []
    for f in files:
        try:
            layout, cols = sniff_layout(f)
        except ValidationError as exc:
            # bytes that are not text: skipped in a folder unless police.uk-named
            if searched and not is_street_file_name(f):
                skipped.append(f.name)
                continue
            problems += exc.problems
            continue
        if layout is not None:
            groups[layout].append(f)
        elif searched and cols and not is_street_file_name(f):
            skipped.append(f.name)
        else:
            named = (" although it is named like a police.uk street-level file, so its rows "
                     "would be lost" if searched else "")
            found = ", ".join(shorten(c, 40) for c in cols[:30]) or "(none: empty file)"
            problems.append(Problem(
                "not_police_uk",
                f"{f.name} is not a police.uk street-level crime CSV (needs "
                f"{', '.join(_STREET_REQUIRED)}) nor a police.uk API download (needs "
                f"{', '.join(_API_REQUIRED)}){named}. Columns found: {found}.", file=f.name))
    if problems:
        raise ValidationError(problems)
    if not groups["street"] and not groups["api"]:
        raise ValidationError(Problem(
            "no_files", f"none of the {len(files)} CSV files found is a police.uk crime file "
            f"(skipped: {', '.join(skipped[:10])}{', ...' if len(skipped) > 10 else ''})."))

    frames, reports = [], []
    for layout, names in groups.items():
        if not names:
            continue
        kind = "street-level CSV" if layout == "street" else "API"
        desc = (f"police.uk {kind} file {names[0].name}" if len(names) == 1 else
                f"{len(names)} police.uk {kind} files ({names[0].name} ... {names[-1].name})")
        lon, lat, month = (("Longitude", "Latitude", "Month") if layout == "street"
                           else ("longitude", "latitude", "month"))
        required = _STREET_REQUIRED if layout == "street" else _API_REQUIRED
        rows = read_table(names, x=lon, y=lat, crs=WGS84, dates={month: "%Y-%m"},
                          required=list(required), today=today, progress=bool(progress),
                          description=desc,
                          known_columns=STREET_COLUMNS if layout == "street" else _API_COLUMNS,
                          single_line=True, reject_bad_dates=[month],
                          repair=_LOCATION_COMMA if layout == "street" else None)
        frames.append(_street(rows) if layout == "street" else _api(rows))
        reports.append(rows.load_report())
    if skipped:
        reports[-1].notes.append(f"{len(skipped)} CSV files without a police.uk crime layout "
                                 f"were skipped: {', '.join(skipped)}.")
    if len(frames) == 1:
        frame, report = frames[0], reports[0]
    else:
        frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                                 crs=BNG)
        frame = _set_dtypes(frame)
        report = LoadReport.combine(reports, source=" and ".join(r.source for r in reports))
    return _attach(frame, report, function="read_police_uk", crs_in=WGS84,
                   crs_reason="police.uk publishes WGS84 longitude/latitude")


def is_police_uk(path: PathLike) -> bool:
    """Tell from its header whether a file looks like police.uk data, for :func:`read_police_uk`.

    The command line and :func:`hotspots.cli.premises.run_premises` use this to choose
    between :func:`read_police_uk` and :func:`read_incidents` (which needs the coordinate
    columns) without asking the user.

    Parameters
    ----------
    path : path-like
        A file or a folder.

    Returns
    -------
    bool
        True for a folder (:func:`read_police_uk` searches it and skips other layouts) and
        for a ``.csv`` file (also gzip or bzip2 compressed) whose header holds the
        street-level columns (``Crime ID, Month, Longitude, Latitude, Crime type``) or the
        API columns (``id, month, category, latitude, longitude``), in any case, in UTF-8 or
        UTF-16, below title lines or not; False for any other file.

    Raises
    ------
    OSError
        When a ``.csv`` file cannot be opened.
    hotspots.errors.ValidationError
        When a ``.csv`` file is not text at all (``not_a_text_table``).

    Notes
    -----
    Only the first lines are read, so this is a quick sniff, not a check: a file that passes
    may still be rejected by :func:`read_police_uk`, whose error then lists the columns it
    needs and those it found.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> street = folder / "2019-01-city-of-london-street.csv"
    >>> _ = street.write_text("Crime ID,Month,Longitude,Latitude,Crime type")
    >>> other = folder / "crimes.csv"
    >>> _ = other.write_text("ref,easting,northing")
    >>> is_police_uk(street), is_police_uk(other), is_police_uk(folder)
    (True, False, True)
    """
    p = Path(path)
    if p.is_dir():
        return True
    if not p.name.lower().endswith((".csv", ".csv.gz", ".csv.bz2")):
        return False
    return sniff_layout(p)[0] is not None
