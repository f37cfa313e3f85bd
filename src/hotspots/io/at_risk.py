"""At-risk registers: children assessed at risk (e.g. of sexual exploitation), pseudonymised.

One row per assessment: the child, when they were assessed, the risk level, when the
assessment is next reviewed or was closed, and the child's home location. The child's
identifier is replaced on load by the same keyed hash as
:func:`hotspots.read_missing_episodes` (same key, same pseudonym: a child can be linked
between the register and their missing episodes), and the raw column is dropped at once.
Every input row is accounted for in the load report (the shared ledger of
:mod:`hotspots.io._table`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.io._incident_frame import blank_to_na, keep_columns, kept_names
from hotspots.io._table import Source, read_table
from hotspots.io.episodes import PSEUDONYM_LENGTH, _resolve_key, pseudonymise

__all__ = ["read_at_risk"]

_STATUS = [schema.LOCATED, schema.UNKNOWN]


def read_at_risk(
    path_or_frame: Source,
    *,
    child_id: str,
    assessed: str,
    home_x: str,
    home_y: str,
    closed: str | None = None,
    review: str | None = None,
    risk_level: str | None = None,
    category: str | None = None,
    crs: Any = None,
    key: str | bytes | None = None,
    date_format: str | None = None,
    dayfirst: bool = True,
    keep: str | Sequence[str] | bool | None = None,
    layer: str | int | None = None,
    today: Any = None,
) -> gpd.GeoDataFrame:
    """Read an at-risk register, pseudonymising child ids on load.

    Parameters
    ----------
    path_or_frame : path-like, sequence of path-likes or DataFrame
        As for :func:`hotspots.io.read_incidents`.
    child_id : str
        Column of the child's identifier; replaced by ``child`` (keyed hash) and never
        present in the output, its attrs or its load report.
    assessed : str
        Date the child was assessed at risk (start of the at-risk spell).
    home_x, home_y : str
        Coordinates of the child's home (the row's location; blank: unknown, kept).
    closed : str, optional
        Date the spell was closed (blank: still open).
    review : str, optional
        Date of the next review.
    risk_level : str, optional
        Risk level ("High", "Medium", "Low", ...), kept as text.
    category : str, optional
        Flag or category (e.g. "CSE", "CCE"), kept as text.
    crs, key, date_format, dayfirst, keep, layer, today
        As for :func:`hotspots.read_missing_episodes`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per kept assessment, RangeIndex, active geometry ``home_geometry``
        (EPSG:27700; empty when unknown): ``child`` (pseudonym; NA when blank), ``assessed``,
        ``review``, ``closed`` (datetime64[ns], NaT when not given), ``risk_level``,
        ``category`` (string), ``location_status`` ("located"/"unknown"), kept columns,
        ``source_file``, ``source_row``. ``attrs["hotspots"]``: ``load`` (LoadReport),
        ``crs_in``, ``pseudonym`` (method and key source, never the key).

    Raises
    ------
    hotspots.errors.ValidationError
        Missing columns.
    hotspots.errors.EmptyDataError, hotspots.errors.CRSError
        As for :func:`hotspots.io.read_incidents`.

    Warns
    -----
    hotspots.errors.DataQualityWarning
        Random key; blank child ids; closed before assessed (kept, the spell counts as
        open for no day); and the warnings of :func:`hotspots.io.read_incidents`.

    Examples
    --------
    >>> reg = read_at_risk("cse_register.csv", child_id="Child ID",
    ...                    assessed="Assessment date", closed="Closure date",
    ...                    home_x="Easting", home_y="Northing")  # doctest: +SKIP
    """
    roles = {"assessed": assessed, "closed": closed, "review": review,
             "risk_level": risk_level, "category": category}
    if child_id in (*roles.values(), home_x, home_y):
        raise ValueError(f"The child id column {child_id!r} cannot also be used as another "
                         "column: it is replaced by the 'child' pseudonym.")
    if child_id in (kept_names(keep) or ()):
        raise ValueError(f"The child id column {child_id!r} cannot be kept: it is replaced by "
                         "the 'child' pseudonym.")
    required = {"child_id": child_id, **{k: v for k, v in roles.items() if v is not None}}
    dates = {c: date_format for c in (assessed, closed, review) if c is not None}
    # quote_values=False: no message may quote a cell, as any cell could hold a child's id
    rows = read_table(path_or_frame, x=home_x, y=home_y, crs=crs, dates=dates,
                      required=required, dayfirst=dayfirst, today=today, layer=layer,
                      quote_values=False)

    key_bytes, key_source = _resolve_key(key, rows)
    child = pseudonymise(rows.data[child_id], key_bytes)
    rows.data = rows.data.drop(columns=[child_id])
    del key_bytes
    rows.flag(child.isna().to_numpy(), "blank_child_id", f"blank '{child_id}'",
              "Rows without a child id are kept with a missing pseudonym; they cannot be "
              "counted as children.", column=child_id)
    nat = pd.Series(pd.NaT, index=range(len(rows)), dtype="datetime64[ns]")
    start = rows.dates[assessed].astype("datetime64[ns]")
    end = rows.dates[closed].astype("datetime64[ns]") if closed is not None else nat
    rows.flag(start.isna().to_numpy(), "no_assessed_date", f"no '{assessed}' date",
              "Kept, but a spell without a start date is in no snapshot.", column=assessed)
    backwards = (end < start).fillna(False).to_numpy()
    if closed is not None:
        rows.flag(backwards, "closed_before_assessed", f"'{closed}' before '{assessed}'",
                  "Kept; the spell is in no snapshot.", column=closed)

    def text(col: str | None) -> pd.Series:
        if col is None:
            return pd.Series(pd.NA, index=range(len(rows)), dtype="string")
        return blank_to_na(rows.data[col]).astype("string").reset_index(drop=True)

    used = {c for c in (home_x, home_y, *roles.values()) if c is not None}
    extra = keep_columns(rows, keep, used)
    out = pd.DataFrame({
        "child": child,
        "assessed": start,
        "review": rows.dates[review].astype("datetime64[ns]") if review is not None else nat,
        "closed": end,
        "risk_level": text(risk_level),
        "category": text(category),
        schema.LOCATION_STATUS: pd.Categorical(
            np.where(rows.located, schema.LOCATED, schema.UNKNOWN), categories=_STATUS),
    })
    for name in extra.columns:
        target = f"{name}_source" if name in out.columns or name in (
            "home_geometry", schema.SOURCE_FILE, schema.SOURCE_ROW) else name
        out[target] = extra[name].reset_index(drop=True)
    out[schema.SOURCE_FILE] = pd.Series(rows.source_file, dtype="string")
    out[schema.SOURCE_ROW] = rows.source_row.astype("int64")
    frame = gpd.GeoDataFrame(out, geometry=rows.geoseries())
    frame = frame.rename_geometry("home_geometry")
    frame.attrs["hotspots"] = {
        "function": "read_at_risk",
        "load": rows.load_report(),
        "crs_in": rows.crs,
        "crs_reason": rows.crs_reason,
        "pseudonym": {"method": f"HMAC-SHA256, first {PSEUDONYM_LENGTH} hex characters",
                      "key_source": key_source},
    }
    return frame
