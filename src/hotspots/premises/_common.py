"""Checks and small helpers shared by the premises verbs (linking, ranking, plans, proximity).

A private module (its names carry no underscore; the module name says it all): the verbs of
:mod:`hotspots.premises` validate their frames with these functions, so that every verb
words its errors the same way and reads locations and dates by the same rules.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import schema
from hotspots._params import current_verb
from hotspots.errors import CRSError, Problem, ValidationError

__all__ = [
    "PREMISES_CLASS",
    "PREMISES_ID",
    "check_frame",
    "check_premises",
    "check_same_crs",
    "located_mask",
    "short_category",
    "time_precision",
]

PREMISES_ID = "premises_id"
PREMISES_CLASS = "premises_class"

# Short labels for the police.uk categories in reasons ("3 violence, 2 ASB").
_SHORT_CATEGORY = {
    "violence and sexual offences": "violence",
    "anti-social behaviour": "ASB",
    "criminal damage and arson": "criminal damage",
    "theft from the person": "theft from the person",
    "other theft": "other theft",
    "possession of weapons": "weapons",
    "public order": "public order",
    "vehicle crime": "vehicle crime",
    "bicycle theft": "bicycle theft",
    "other crime": "other crime",
    "violent-crime": "violence",
    "anti-social-behaviour": "ASB",
}


def check_frame(frame: Any, name: str, caller: str | None = None) -> gpd.GeoDataFrame:
    """Return ``frame`` if it is a GeoDataFrame in a projected CRS (metres), else raise.

    Messages name ``caller``, by default the public verb running (:func:`current_verb`).
    """
    caller = caller or current_verb()
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(
            f"The '{name}' parameter of {caller} must be a GeoDataFrame. "
            f"Got {type(frame).__name__} instead."
        )
    if frame.crs is None:
        raise CRSError(
            Problem("missing_crs", f"'{name}' has no CRS; read it with hotspots.io, or set "
                                   "one with .set_crs(...)."),
            context=caller,
        )
    if frame.crs.is_geographic:
        raise CRSError(
            Problem("geographic_crs", f"'{name}' is in {frame.crs.to_string()} (degrees); "
                                      "distances need metres. Use .to_crs('EPSG:27700')."),
            context=caller,
        )
    return frame


def check_same_crs(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, names: tuple[str, str],
                   caller: str | None = None) -> None:
    """Raise :class:`~hotspots.errors.CRSError` unless ``a`` and ``b`` share a CRS."""
    caller = caller or current_verb()
    if not a.crs.equals(b.crs):
        raise CRSError(
            Problem("crs_mismatch", f"'{names[0]}' is in {a.crs.to_string()} but '{names[1]}' "
                                    f"is in {b.crs.to_string()}; reproject one with "
                                    ".to_crs(...)."),
            context=caller,
        )


def check_premises(premises: Any, caller: str | None = None,
                   name: str = "premises") -> gpd.GeoDataFrame:
    """Check a premises frame: projected, with ``premises_id`` (present, unique) and ``name``."""
    caller = caller or current_verb()
    premises = check_frame(premises, name, caller)
    missing = [c for c in (PREMISES_ID, "name") if c not in premises.columns]
    if missing:
        raise ValidationError(
            Problem("missing_column", f"'{name}' has no column {', '.join(map(repr, missing))}; "
                                      "read it with hotspots.io.read_premises or read_fhrs.",
                    column=missing[0]),
            context=caller,
        )
    ids = premises[PREMISES_ID].astype("string")
    if ids.isna().any():
        rows = tuple(int(i) for i in np.flatnonzero(ids.isna().to_numpy())[:5])
        raise ValidationError(
            Problem("missing_id", f"'{name}' has premises without a premises_id (positions "
                                  f"{rows}).", n_rows=int(ids.isna().sum()), column=PREMISES_ID),
            context=caller,
        )
    dup = ids.duplicated(keep=False)
    if dup.any():
        shown = ", ".join(sorted(set(ids[dup].head(5))))
        raise ValidationError(
            Problem("duplicate_id", f"'{name}' has {int(dup.sum())} rows sharing a premises_id "
                                    f"(e.g. {shown}); ids must be unique.",
                    n_rows=int(dup.sum()), column=PREMISES_ID),
            context=caller,
        )
    return premises


def located_mask(frame: gpd.GeoDataFrame) -> np.ndarray:
    """Rows with a usable point: status "located" (when given) and a non-empty geometry."""
    geom = frame.geometry.to_numpy()
    ok = ~(shapely.is_missing(geom) | shapely.is_empty(geom))
    if schema.LOCATION_STATUS in frame.columns:
        status = frame[schema.LOCATION_STATUS].astype("string")
        ok &= (status == schema.LOCATED).fillna(False).to_numpy(dtype=bool)
    return ok


def time_precision(times: pd.Series) -> str:
    """"month" (all on the 1st at midnight: police.uk), "day" (all at midnight) or "time"."""
    t = pd.to_datetime(times, errors="coerce").dropna()
    if t.empty:
        return "unknown"
    midnight = (t == t.dt.normalize()).all()
    if midnight and (t.dt.day == 1).all():
        return "month"
    return "day" if midnight else "time"


def short_category(category: str) -> str:
    """Short label of a category for reasons ("violence", "ASB"); others in lower case."""
    text = str(category)
    return _SHORT_CATEGORY.get(text.strip().lower(), text.strip().lower())
