"""Missing-person episodes: read them with child ids pseudonymised, and view them as incidents.

A child's identifier never leaves this module in clear: it is replaced on load by a keyed
hash (HMAC-SHA256, first 16 hex characters), and the raw column is dropped before anything
else sees the rows. With the same key (``key=`` or ``$HOTSPOTS_PSEUDONYM_KEY``) the same
child gets the same pseudonym in every run, so repeat episodes can be linked; without a
key a random one is used and pseudonyms only match within one call.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Sequence
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import schema
from hotspots._params import OneOf, validate_params
from hotspots.crs import BNG
from hotspots.errors import CRSError, Problem, ValidationError
from hotspots.io._incident_frame import (
    blank_to_na,
    generated_ids,
    keep_columns,
    kept_names,
    set_dtypes,
)
from hotspots.io._table import Source, TableRows, parse_points, read_table
from hotspots.io.load_report import LoadReport

__all__ = ["PSEUDONYM_KEY_ENV", "episodes_as_incidents", "pseudonymise", "read_missing_episodes"]

logger = logging.getLogger(__name__)

#: environment variable holding the pseudonymisation key
PSEUDONYM_KEY_ENV = "HOTSPOTS_PSEUDONYM_KEY"
#: hex characters kept from the HMAC (64 bits: collisions are negligible for any register)
PSEUDONYM_LENGTH = 16
#: shortest key accepted (bytes): a short key can be found by trying every key of that length
#: against a pseudonym of a known child, which undoes the pseudonymisation for all children
MIN_KEY_BYTES = 16
#: category given to episodes by :func:`episodes_as_incidents`
MISSING_EPISODE = "Missing episode"

_STATUS = [schema.LOCATED, schema.UNKNOWN]


def _id_text(values: pd.Series) -> pd.Series:
    """Return identifiers as stripped text; whole-number floats lose ``.0`` (123.0 -> "123")."""
    if pd.api.types.is_float_dtype(values):
        v = values.to_numpy(dtype=float, na_value=np.nan)
        whole = np.isfinite(v) & (np.mod(v, 1) == 0)
        if whole[~np.isnan(v)].all():
            return pd.Series(pd.array(np.where(np.isnan(v), 0, v).astype(np.int64),
                                      dtype="Int64")).mask(np.isnan(v)).astype("string")
    return blank_to_na(values)


def _key_bytes(key: str | bytes, where: str) -> bytes:
    """Return the key as bytes, refusing one shorter than :data:`MIN_KEY_BYTES`."""
    k = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    if len(k) < MIN_KEY_BYTES:
        raise ValueError(
            f"The pseudonymisation key ({where}) is {len(k)} bytes long; it must be at least "
            f"{MIN_KEY_BYTES} bytes. A short key can be found by trying every key of that "
            "length against one known child's pseudonym, which reveals every child. Use a "
            "random key, e.g. python -c \"import secrets; print(secrets.token_hex(32))\", "
            "and keep it with the other secrets of the service.")
    return k


def pseudonymise(ids: Any, key: str | bytes) -> pd.Series:
    """Replace identifiers by a keyed hash.

    Parameters
    ----------
    ids : array-like
        Raw identifiers (text or numbers; surrounding spaces are ignored, case is kept).
    key : str or bytes
        Secret key of at least 16 bytes; the same key gives the same pseudonym for the
        same id.

    Returns
    -------
    pandas.Series of string
        ``hmac.new(key, id, sha256).hexdigest()[:16]``; ``<NA>`` where the id is blank.

    Notes
    -----
    The hash is computed once per distinct id (a loop over distinct children, not rows).

    Raises
    ------
    ValueError
        When the key is shorter than 16 bytes.

    Examples
    --------
    >>> key = "a-secret-of-32-characters-or-so!"
    >>> pseudonymise(["C001", "C001", None], key=key).tolist()[:2] == [
    ...     pseudonymise(["C001"], key=key)[0]] * 2
    True
    """
    k = _key_bytes(key, "key=")
    text = _id_text(pd.Series(ids).reset_index(drop=True))
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    hashed = np.array([hmac.new(k, str(u).encode("utf-8"), hashlib.sha256).hexdigest()
                       [:PSEUDONYM_LENGTH] for u in uniques], dtype=object)
    out = np.full(len(text), None, dtype=object)
    ok = codes >= 0
    out[ok] = hashed[codes[ok]]
    return pd.Series(out, dtype="string")


def _resolve_key(key: str | bytes | None, rows: TableRows) -> tuple[bytes, str]:
    if key is not None:
        if not key:
            raise ValueError("The 'key' parameter of read_missing_episodes must not be empty.")
        return _key_bytes(key, "key="), "argument"
    env = os.environ.get(PSEUDONYM_KEY_ENV)
    if env:
        return _key_bytes(env, f"${PSEUDONYM_KEY_ENV}"), f"${PSEUDONYM_KEY_ENV}"
    rows._warn(f"{rows.description}: no pseudonymisation key was given (key= or "
               f"${PSEUDONYM_KEY_ENV}), so a random key was used: child pseudonyms will not "
               "match those of any other run. Set the key to link episodes across runs.")
    return secrets.token_bytes(32), "random"


def _check_episode_args(child_id: str, others: Sequence[str | None], found_x: str | None,
                        found_y: str | None, keep: Any) -> None:
    """Refuse arguments that would expose or misuse the child id column."""
    if child_id in others:
        raise ValueError(f"The child id column {child_id!r} cannot also be used as another "
                         "column: it is replaced by the 'child' pseudonym.")
    if (found_x is None) != (found_y is None):
        raise ValueError("Pass both found_x= and found_y=, or neither.")
    if child_id in (kept_names(keep) or ()):
        raise ValueError(f"The child id column {child_id!r} cannot be kept: it is replaced by "
                         "the 'child' pseudonym.")


def _found_points(rows: TableRows, found_x: str | None, found_y: str | None,
                  crs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return the found locations; a bad one is flagged and left unknown (the episode kept)."""
    found_geom = shapely.empty(len(rows), geom_type=shapely.GeometryType.POINT)
    found_located = np.zeros(len(rows), dtype=bool)
    if found_x is not None and found_y is not None:
        try:
            found = parse_points(rows.data[found_x], rows.data[found_y],
                                 crs=rows.crs if rows.crs is not None else crs,
                                 x_name=found_x, y_name=found_y, rows=rows.source_row,
                                 quote_values=False)
        except CRSError as exc:
            raise CRSError(exc.problems, context=f"{rows.description} (found location)"
                           ) from None
        found_geom, found_located = found.geometry, found.located
        for code, (mask, label, message, column) in found.rejected.items():
            rows.flag(mask, f"found_{code}", f"found location: {label}",
                      f"{message} The episode is kept with the found location unknown.",
                      column=column)
        rows.flag(found.zero, "found_zero_coordinates", "found location (0, 0)",
                  "Kept with the found location unknown.", column=f"{found_x}/{found_y}")
        rows.notes.append(f"Found locations: {int(found_located.sum()):,} located, "
                          f"{int((~found_located).sum()):,} unknown.")
    return found_geom, found_located


def _durations(rows: TableRows, start: str,
               end: str | None) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Return start, end and duration in hours (missing, flagged, when end is before start)."""
    start_ts = rows.dates[start]
    end_ts = rows.dates[end] if end is not None else pd.Series(
        pd.NaT, index=range(len(rows)), dtype="datetime64[ns]")
    hours = ((end_ts - start_ts) / pd.Timedelta(hours=1)).to_numpy(dtype=float, copy=True,
                                                                   na_value=np.nan)
    negative = hours < 0
    if end is not None:
        rows.flag(negative, "end_before_start", f"'{end}' before '{start}'",
                  "duration_hours was left missing for these episodes.", column=end)
    hours[negative] = np.nan
    return start_ts, end_ts, hours


def _episode_frame(rows: TableRows, ids: pd.Series, child: pd.Series, start_ts: pd.Series,
                   end_ts: pd.Series, hours: np.ndarray, found_geom: np.ndarray,
                   found_located: np.ndarray, extra: pd.DataFrame) -> gpd.GeoDataFrame:
    """Lay out the episode frame: the episode columns, the kept ones, the two points."""
    out = pd.DataFrame({
        "episode_id": ids.astype("string"),
        "child": child,
        "start": start_ts.astype("datetime64[ns]"),
        "end": end_ts.astype("datetime64[ns]"),
        "duration_hours": hours,
        "from_status": pd.Categorical(np.where(rows.located, schema.LOCATED, schema.UNKNOWN),
                                      categories=_STATUS),
        "found_status": pd.Categorical(np.where(found_located, schema.LOCATED,
                                                schema.UNKNOWN), categories=_STATUS),
    })
    for name in extra.columns:
        target = f"{name}_source" if name in out.columns or name in (
            "from_geometry", "found_geometry", schema.SOURCE_FILE, schema.SOURCE_ROW) else name
        out[target] = extra[name].reset_index(drop=True)
    out[schema.SOURCE_FILE] = pd.Series(rows.source_file, dtype="string")
    out[schema.SOURCE_ROW] = rows.source_row.astype("int64")
    frame = gpd.GeoDataFrame(out, geometry=rows.geoseries())
    frame = frame.rename_geometry("from_geometry")
    frame["found_geometry"] = gpd.GeoSeries(found_geom, crs=BNG)
    head = ["episode_id", "child", "start", "end", "duration_hours", "from_status",
            "found_status", "from_geometry", "found_geometry"]
    frame = frame[[*head, *[c for c in frame.columns if c not in head]]]
    return frame


def read_missing_episodes(
    path_or_frame: Source,
    *,
    child_id: str,
    start: str,
    end: str | None = None,
    from_x: str,
    from_y: str,
    found_x: str | None = None,
    found_y: str | None = None,
    crs: Any = None,
    key: str | bytes | None = None,
    episode_id: str | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    tz: str = "Europe/London",
    keep: Sequence[str] | bool | None = None,
    layer: str | int | None = None,
    today: Any = None,
    progress: bool | None = None,
) -> gpd.GeoDataFrame:
    """Read missing-person episodes, pseudonymising child ids on load.

    Parameters
    ----------
    path_or_frame : path-like, sequence of path-likes or DataFrame
        As for :func:`hotspots.io.read_incidents`.
    child_id : str
        Column of the child's identifier. It is replaced by ``child`` (a keyed hash) and
        never appears in the output, its attrs or its load report.
    start : str
        When the episode started (went missing).
    end : str, optional
        When it ended (found / returned).
    from_x, from_y : str
        Coordinates of where the child went missing from (the rows' location: rows with bad
        values here are rejected, blank ones kept as unknown).
    found_x, found_y : str, optional
        Coordinates of where the child was found. Bad values here do not reject the episode:
        the found location becomes unknown, with a warning.
    crs : str, int or pyproj.CRS, optional
        CRS of both coordinate pairs; detected from the "from" values when omitted.
    key : str or bytes, optional
        Pseudonymisation key of at least 16 bytes; default ``$HOTSPOTS_PSEUDONYM_KEY``;
        otherwise a random key with a ``DataQualityWarning`` (pseudonyms then differ
        between runs).
    episode_id : str, optional
        Episode reference; generated as ``"<file stem>:<row>"`` when omitted or blank.
    date_format, dayfirst, tz, layer, today, progress
        As for :func:`hotspots.io.read_incidents`.
    keep : str, list of str, bool or None
        Other columns to carry over: all unused ones (None, default, or True), a name or a
        list, or none (False); never the child id column.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per kept episode, RangeIndex, active geometry ``from_geometry``:

        ===================  ======================================================
        ``episode_id``       string
        ``child``            string, HMAC-SHA256 pseudonym (16 hex characters), NA if blank
        ``start``            datetime64[ns]
        ``end``              datetime64[ns] (NaT when not given)
        ``duration_hours``   float64 (NaN when either end is missing or end < start)
        ``from_status``      categorical ["located", "unknown"]
        ``found_status``     categorical ["located", "unknown"]
        ``from_geometry``    Point in EPSG:27700 (empty when unknown); active geometry
        ``found_geometry``   Point in EPSG:27700 (empty when unknown)
        (kept columns)
        ``source_file``      string; ``source_row`` int64 (spreadsheet row)
        ===================  ======================================================

        ``attrs["hotspots"]`` holds ``load`` (a :class:`~hotspots.io.LoadReport` about the
        "from" locations), ``crs_in`` and ``pseudonym`` (method and key source, never the
        key).

    Raises
    ------
    ValueError
        A key shorter than 16 bytes (argument or environment).
    hotspots.errors.ValidationError
        Missing columns, or ``keep`` naming the child id column.
    hotspots.errors.EmptyDataError, hotspots.errors.CRSError
        As for :func:`hotspots.io.read_incidents`.

    Warns
    -----
    hotspots.errors.DataQualityWarning
        Random key; blank child ids; end before start; bad found coordinates; and the
        warnings of :func:`hotspots.io.read_incidents`.

    Examples
    --------
    >>> import pandas as pd
    >>> from hotspots.io import read_missing_episodes
    >>> df = pd.DataFrame({"child": ["C1", "C1", "C2"],
    ...                    "went": ["2024-01-05 22:00", "2024-02-01 21:30", "2024-01-09 23:10"],
    ...                    "back": ["2024-01-06 09:00", "2024-02-02 10:00", ""],
    ...                    "x": [416500, 416520, 414200], "y": [432900, 432910, 433800]})
    >>> ep = read_missing_episodes(df, child_id="child", start="went", end="back",
    ...                            from_x="x", from_y="y",
    ...                            key="a-secret-of-32-characters-or-so!")
    >>> ep["duration_hours"].tolist()
    [11.0, 12.5, nan]
    >>> ep["child"].iloc[0] == ep["child"].iloc[1] != "C1"  # pseudonymised, same child
    True
    """
    _check_episode_args(child_id, (episode_id, start, end, from_x, from_y, found_x, found_y),
                        found_x, found_y, keep)
    args = {"child_id": child_id, "start": start, "end": end, "episode_id": episode_id,
            "found_x": found_x, "found_y": found_y}
    required = {k: v for k, v in args.items() if v is not None}
    dates = {c: date_format for c in (start, end) if c is not None}
    if key is not None:
        _key_bytes(key, "key=")  # refuse a short key before reading anything
    # quote_values=False: no message may quote a cell, as any cell could hold a child's id
    rows = read_table(path_or_frame, x=from_x, y=from_y, crs=crs, dates=dates,
                      required=required, dayfirst=dayfirst, tz=tz, today=today, layer=layer,
                      progress=bool(progress), quote_values=False)

    # pseudonymise first, then drop the raw column so nothing below can see it
    key_bytes, key_source = _resolve_key(key, rows)
    child = pseudonymise(rows.data[child_id], key_bytes)
    rows.data = rows.data.drop(columns=[child_id])
    del key_bytes
    rows.flag(child.isna().to_numpy(), "blank_child_id", f"blank '{child_id}'",
              "Episodes without a child id are kept with a missing pseudonym; they cannot be "
              "linked to other episodes.", column=child_id)
    # (the column name is not personal data; the values never reach the report)

    found_geom, found_located = _found_points(rows, found_x, found_y, crs)

    start_ts, end_ts, hours = _durations(rows, start, end)

    ids = blank_to_na(rows.data[episode_id]) if episode_id is not None else pd.Series(
        pd.NA, index=range(len(rows)), dtype="string")
    ids = ids.where(ids.notna(), generated_ids(rows))

    used = {c for c in (from_x, from_y, *args.values()) if c is not None}
    extra = keep_columns(rows, keep, used)
    frame = _episode_frame(rows, ids, child, start_ts, end_ts, hours, found_geom,
                           found_located, extra)
    report = rows.load_report()
    frame.attrs["hotspots"] = {
        "function": "read_missing_episodes",
        "load": report,
        "crs_in": rows.crs,
        "crs_reason": rows.crs_reason,
        "pseudonym": {"method": f"HMAC-SHA256, first {PSEUDONYM_LENGTH} hex characters",
                      "key_source": key_source},
    }
    return frame


@validate_params({"location": OneOf(("from", "found"))})
def episodes_as_incidents(episodes: gpd.GeoDataFrame, *,
                          location: Literal["from", "found"] = "from") -> gpd.GeoDataFrame:
    """View missing episodes as a canonical incident frame.

    Parameters
    ----------
    episodes : geopandas.GeoDataFrame
        The output of :func:`read_missing_episodes`.
    location : {"from", "found"}
        Which point becomes the incident location.

    Returns
    -------
    geopandas.GeoDataFrame
        The canonical incident frame (EPSG:27700): ``incident_id`` = ``episode_id``,
        ``occurred`` = ``start``, ``category`` = "Missing episode", ``recency`` missing,
        ``weight`` 1, ``location_status`` and ``geometry`` from the chosen point; then
        ``child`` (pseudonym), ``end``, ``duration_hours``, the other point's status, any
        other columns, ``source_file`` and ``source_row``. ``attrs["hotspots"]["load"]`` is
        the episodes' report with located/unknown counted for the chosen point (a fresh
        report when the episodes were filtered since reading).

    Raises
    ------
    hotspots.errors.ValidationError
        If ``episodes`` lacks the columns of :func:`read_missing_episodes`.

    Examples
    --------
    >>> import pandas as pd
    >>> from hotspots.io import episodes_as_incidents, read_missing_episodes
    >>> ep = read_missing_episodes(
    ...     pd.DataFrame({"child": ["C1", "C2"], "went": ["2024-01-05", "2024-01-09"],
    ...                   "x": [416500, 414200], "y": [432900, 433800]}),
    ...     child_id="child", start="went", from_x="x", from_y="y",
    ...     key="a-secret-of-32-characters-or-so!")
    >>> inc = episodes_as_incidents(ep)
    >>> inc.columns[:6].tolist()
    ['incident_id', 'occurred', 'category', 'recency', 'weight', 'location_status']
    >>> inc["occurred"].dt.strftime("%Y-%m-%d").tolist()
    ['2024-01-05', '2024-01-09']
    """
    needed = ["episode_id", "start", f"{location}_geometry", f"{location}_status"]
    missing = [c for c in needed if c not in episodes.columns]
    if missing:
        raise ValidationError([Problem(
            "missing_column", f"column {c!r} was not found; pass the output of "
            f"read_missing_episodes. Columns found: {', '.join(map(repr, episodes.columns))}.",
            column=c) for c in missing])
    geom = gpd.GeoSeries(episodes[f"{location}_geometry"].to_numpy(), crs=BNG)
    status = episodes[f"{location}_status"].astype(object).to_numpy()
    n = len(episodes)
    skip = {"episode_id", "start", "from_geometry", "found_geometry", f"{location}_status",
            schema.SOURCE_FILE, schema.SOURCE_ROW}
    eps = pd.DataFrame(episodes).reset_index(drop=True)
    columns: dict[str, Any] = {
        schema.INCIDENT_ID: eps["episode_id"].astype("string"),
        schema.OCCURRED: eps["start"],
        schema.CATEGORY: pd.Series(MISSING_EPISODE, index=range(n), dtype="string"),
        schema.RECENCY: pd.Series(pd.NA, index=range(n), dtype="string"),
        schema.WEIGHT: np.ones(n),
        schema.LOCATION_STATUS: status,
    }
    for c in eps.columns:
        if c not in skip and c not in columns:
            columns[c] = eps[c]
    columns[schema.SOURCE_FILE] = (eps[schema.SOURCE_FILE] if schema.SOURCE_FILE in eps
                                   else pd.Series(pd.NA, index=range(n), dtype="string"))
    columns[schema.SOURCE_ROW] = (eps[schema.SOURCE_ROW] if schema.SOURCE_ROW in eps
                                  else np.arange(n) + 2)
    frame = set_dtypes(pd.DataFrame(columns))
    out = gpd.GeoDataFrame(frame, geometry=geom.reset_index(drop=True))
    canonical = [*schema.INCIDENT_COLUMNS, "geometry"]
    out = out[[*canonical, *[c for c in out.columns if c not in canonical]]]

    n_loc = int((status == schema.LOCATED).sum())
    old = episodes.attrs.get("hotspots", {}).get("load")
    if isinstance(old, LoadReport) and old.kept == n:
        report = LoadReport(
            source=f"{old.source} ({location} locations)", rows_read=old.rows_read,
            located=n_loc, unknown_location=n - n_loc, rejected=dict(old.rejected),
            duplicates_removed=old.duplicates_removed, duplicates_detail=old.duplicates_detail,
            duplicate_rows=old.duplicate_rows, files=list(old.files), flagged=dict(old.flagged),
            notes=[*old.notes, f"Incident locations are the '{location}' points."],
            warnings=list(old.warnings))
    else:
        report = LoadReport(
            source=f"missing episodes frame ({n:,} rows, {location} locations)", rows_read=n,
            located=n_loc, unknown_location=n - n_loc,
            notes=["Built from an episodes frame that was changed after reading, so rows "
                   "rejected when reading are not counted here."] if old is not None else [])
    out.attrs["hotspots"] = {"function": "episodes_as_incidents", "location": location,
                             "load": report}
    return out

