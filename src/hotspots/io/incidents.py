"""Incident readers: any table of points (:func:`read_incidents`) and police.uk files.

Both return the canonical incident frame (``docs/ARCHITECTURE.md``): a GeoDataFrame in
EPSG:27700 with ``incident_id, occurred, category, recency, weight, location_status,
geometry`` first, every input row accounted for in ``frame.attrs["hotspots"]["load"]``.
The frame is assembled in :mod:`hotspots.io._incident_frame`, recency in
:mod:`hotspots.io._recency`, police.uk rows in :mod:`hotspots.io._police_uk_frame`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

from hotspots._params import Positive, rename_keyword, validate_params
from hotspots.crs import BNG, WGS84
from hotspots.errors import Problem, ValidationError
from hotspots.io._csvfile import shorten
from hotspots.io._incident_frame import (
    _blank_to_na as _blank_to_na,  # private names other modules import from here: kept
)
from hotspots.io._incident_frame import _generated_ids as _generated_ids
from hotspots.io._incident_frame import _keep_columns as _keep_columns
from hotspots.io._incident_frame import _set_dtypes as _set_dtypes
from hotspots.io._incident_frame import (
    assemble,
    attach,
    blank_to_na,
    generated_ids,
    keep_columns,
    set_dtypes,
)
from hotspots.io._ledger import TableRows
from hotspots.io._police_uk import (
    API_REQUIRED,
    STREET_COLUMNS,
    STREET_REQUIRED,
    is_street_file_name,
    sniff_layout,
)
from hotspots.io._police_uk_frame import (
    API_CATEGORIES,
    API_COLUMNS,
    LOCATION_COMMA,
    STREET_CRIME_TYPES,
    api_frame,
    crime_ids,
    street_frame,
)
from hotspots.io._recency import recency_from_column, recency_from_dates
from hotspots.io._sources import PathLike, Source, expand_paths
from hotspots.io._table import _text, read_table
from hotspots.io.load_report import LoadReport

__all__ = ["API_CATEGORIES", "STREET_CRIME_TYPES", "is_police_uk", "read_incidents",
           "read_police_uk"]

logger = logging.getLogger(__name__)


# --- read_incidents ---------------------------------------------------------------------------
def _weights(rows: TableRows, weight: str) -> np.ndarray:
    """Weights of a column: bad ones reject the row, blank ones become 1 (flagged)."""
    text, present = _text(rows.data[weight])
    w = pd.to_numeric(text.where(present), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan)
    bad = present & ~(np.isfinite(w) & (w >= 0))
    rows.reject(bad, "invalid_weight", "invalid weight",
                f"Weights in '{weight}' must be numbers >= 0.", column=weight)
    w, present = w[~bad], present[~bad]
    rows.flag(~present, f"blank_weight:{weight}", f"blank '{weight}'",
              "Blank weights were set to 1.", column=weight)
    return np.where(present, w, 1.0)


def _incident_ids(rows: TableRows, column: str | None) -> pd.Series:
    """Return the ids of a column, generated where blank (all generated without one)."""
    ids = blank_to_na(rows.data[column]) if column is not None else pd.Series(
        pd.NA, index=range(len(rows)), dtype="string")
    generated = ids.isna()
    if generated.any():
        ids = ids.where(~generated, generated_ids(rows, generated.to_numpy()))
        if column is not None:
            rows.notes.append(f"{int(generated.sum()):,} rows had a blank '{column}' and were "
                              "given generated ids '<file stem>:<row>'.")
    return ids


@rename_keyword("id", "incident_id")
@validate_params({"recent_years": Positive()})
def read_incidents(
    path_or_frame: Source,
    *,
    x: str | None = None,
    y: str | None = None,
    crs: Any = None,
    occurred: str | None = None,
    category: str | None = None,
    incident_id: str | None = None,
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
    incident_id : str, optional
        Column with the incident reference (``id=`` before 0.2.0, still accepted with a
        FutureWarning for one release). Blank ids (and all ids, when omitted) are generated as
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
        Remove rows whose ``incident_id`` repeats an earlier row (counted in the report).
    keep : str, list of str, bool or None
        Other source columns to carry over: all unused ones (None, default, or True), a
        name or a list, or none (False). A column that clashes with a canonical name gets a
        ``_source`` suffix.
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
    >>> from hotspots.io import read_incidents
    >>> inc = read_incidents(df, x="lon", y="lat", occurred="when")
    >>> inc["location_status"].tolist()
    ['located', 'unknown']
    """
    if isinstance(path_or_frame, str | Path) and Path(path_or_frame).is_dir():
        # a converted GeoParquet dataset (hotspots convert) is already validated: read it back;
        # imported here because pyarrow.dataset is only needed for such folders
        from hotspots.io.dataset import is_incident_dataset, read_incident_dataset

        if is_incident_dataset(path_or_frame):
            return read_incident_dataset(path_or_frame)
    months = round(12 * recent_years)
    if reported is not None and occurred is None:
        raise ValueError("The 'reported' parameter of read_incidents needs 'occurred' too, to "
                         "derive recency from the two dates.")
    args = {"occurred": occurred, "category": category, "incident_id": incident_id,
            "recency": recency, "weight": weight, "reported": reported}
    required = {k: v for k, v in args.items() if v is not None}
    dates = {c: date_format for c in (occurred, reported) if c is not None}
    rows = read_table(path_or_frame, x=x, y=y, crs=crs, dates=dates, required=required,
                      dayfirst=dayfirst, tz=tz, today=today, layer=layer,
                      progress=bool(progress))
    if incident_id is not None and deduplicate:
        rows.drop_duplicates(blank_to_na(rows.data[incident_id]), detail=f"same '{incident_id}'")
    weights = _weights(rows, weight) if weight is not None else None
    rule = "none"
    rec = None
    if recency is not None:
        rec = recency_from_column(rows, recency, recency_values)
        rule = f"from column '{recency}'"
    elif reported is not None and occurred is not None:
        rec = recency_from_dates(rows, rows.dates[occurred], rows.dates[reported], months,
                                 reported)
        rule = (f"non-recent when '{reported}' is more than {months} months after "
                f"'{occurred}'")
        rows.notes.append(f"Recency derived from dates: {rule}.")
    ids = _incident_ids(rows, incident_id)
    used = {c for c in (x, y, *args.values()) if c is not None}
    frame = assemble(
        rows, incident_id=ids,
        occurred=rows.dates[occurred] if occurred is not None else None,
        category=blank_to_na(rows.data[category]) if category is not None else None,
        recency=rec, weight=weights, extra=keep_columns(rows, keep, used),
    )
    return attach(frame, rows.load_report(), function="read_incidents", crs_in=rows.crs,
                  crs_reason=rows.crs_reason, recency_rule=rule)


# --- police.uk ------------------------------------------------------------------------------
def _police_uk_files(paths: PathLike | Sequence[PathLike]
                     ) -> tuple[dict[str, list[Path]], list[str]]:
    """Sort the files by layout (street, API); list the skipped ones; refuse the rest."""
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
                f"{', '.join(STREET_REQUIRED)}) nor a police.uk API download (needs "
                f"{', '.join(API_REQUIRED)}){named}. Columns found: {found}.", file=f.name))
    if problems:
        raise ValidationError(problems)
    if not groups["street"] and not groups["api"]:
        raise ValidationError(Problem(
            "no_files", f"none of the {len(files)} CSV files found is a police.uk crime file "
            f"(skipped: {', '.join(skipped[:10])}{', ...' if len(skipped) > 10 else ''})."))
    return groups, skipped


def _read_layout(layout: str, names: list[Path], today: Any,
                 progress: bool) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Read the files of one police.uk layout into incidents and their report."""
    kind = "street-level CSV" if layout == "street" else "API"
    desc = (f"police.uk {kind} file {names[0].name}" if len(names) == 1 else
            f"{len(names)} police.uk {kind} files ({names[0].name} ... {names[-1].name})")
    street = layout == "street"
    lon, lat, month = ("Longitude", "Latitude", "Month") if street else (
        "longitude", "latitude", "month")
    rows = read_table(names, x=lon, y=lat, crs=WGS84, dates={month: "%Y-%m"},
                      required=list(STREET_REQUIRED if street else API_REQUIRED),
                      today=today, progress=progress, description=desc,
                      known_columns=STREET_COLUMNS if street else API_COLUMNS,
                      single_line=True, reject_bad_dates=[month],
                      repair=LOCATION_COMMA if street else None,
                      categorical=[c for c in STREET_COLUMNS if c != "Crime ID"] if street
                      else [], prepare=crime_ids if street else None)
    frame = street_frame(rows) if street else api_frame(rows)
    report = rows.load_report()
    del rows
    # the parsed files' Arrow buffers are free now; mimalloc keeps freed pages for reuse
    # unless asked, and the next steps (areas, grids) allocate with numpy, not Arrow
    pa.default_memory_pool().release_unused()
    return frame, report


def read_police_uk(
    paths: PathLike | Sequence[PathLike],
    *,
    progress: bool | None = None,
    today: Any = None,
) -> gpd.GeoDataFrame:
    r"""Read police.uk street-level crime CSVs and/or flattened police.uk API downloads.

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
        :class:`~hotspots.io.LoadReport`. The street CSVs' text columns other than the id
        (and ``source_file``) are categoricals of the values present, sorted: millions of
        rows hold a few thousand places and a dozen outcomes. Rows at one place share one
        point object (points are immutable).

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
    >>> import pathlib, tempfile
    >>> from hotspots.io import read_police_uk
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "2024-01-west-yorkshire-street.csv").write_text(
    ...     "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    ...     "LSOA name,Crime type,Last outcome category,Context\n"
    ...     "abc1,2024-01,WYP,WYP,-1.75,53.79,On or near High Street,E01010571,"
    ...     "Bradford 001A,Burglary,Under investigation,\n"
    ...     ",2024-01,WYP,WYP,,,No Location,,,Anti-social behaviour,,\n")
    >>> crimes = read_police_uk(folder)
    >>> crimes[["incident_id", "location_status"]].values.tolist()
    [['abc1', 'located'], ['2024-01-west-yorkshire-street:3', 'unknown']]
    >>> report = crimes.attrs["hotspots"]["load"]
    >>> report.rows_read, report.located, report.unknown_location
    (2, 1, 1)
    """
    groups, skipped = _police_uk_files(paths)
    frames, reports = [], []
    for layout, names in groups.items():
        if names:
            frame, report = _read_layout(layout, names, today, bool(progress))
            frames.append(frame)
            reports.append(report)
    if skipped:
        reports[-1].notes.append(f"{len(skipped)} CSV files without a police.uk crime layout "
                                 f"were skipped: {', '.join(skipped)}.")
    if len(frames) == 1:
        frame, report = frames[0], reports[0]
    else:
        frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                                 crs=BNG)
        frame = set_dtypes(frame)
        report = LoadReport.combine(reports, source=" and ".join(r.source for r in reports))
    return attach(frame, report, function="read_police_uk", crs_in=WGS84,
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
    >>> from hotspots.io import is_police_uk
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
