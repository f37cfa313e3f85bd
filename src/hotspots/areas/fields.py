"""Which columns of a boundary frame hold the area code and name (ONS conventions)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping

import geopandas as gpd

from hotspots import schema
from hotspots.errors import Problem, ValidationError

__all__ = ["field_for", "normalise_area_frame"]


def field_for(fields: str | Mapping[str, str] | None, level: str) -> str | None:
    """Return the field named for ``level`` (one name for all levels, or a dict by level)."""
    if fields is None or isinstance(fields, str):
        return fields
    return fields.get(level)


def _detect_field(columns: Iterable[str], suffix: str, id_field: str | None = None) -> str | None:
    """Find the ONS-style code/name column (``WD13CD``, ``LSOA11NM``) when exactly one fits."""
    cols = [c for c in columns if isinstance(c, str)]
    if id_field is not None and id_field.endswith("CD"):
        partner = id_field[:-2] + suffix
        if partner in cols:
            return partner
    found = [c for c in cols if re.fullmatch(rf"[A-Z]{{2,6}}\d{{2}}{suffix}", c)]
    return found[0] if len(found) == 1 else None


def normalise_area_frame(frame: gpd.GeoDataFrame, *, id_field: str | None = None,
                         name_field: str | None = None, what: str = "boundaries",
                         file: str | None = None) -> gpd.GeoDataFrame:
    """Rename a boundary frame's code and name columns to ``area_id`` and ``area_name``.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Boundaries with a code and a name column.
    id_field, name_field : str, optional
        The columns to use. When not given: ``area_id``/``area_name`` if present, else the
        one ONS code column (``WD13CD``, ``PCON13CD``, ``LSOA11CD``, ...) and its ``NM``
        partner; the id doubles as the name when no name column is found.
    what : str
        How to call the frame in messages.
    file : str, optional
        The file it came from, for messages.

    Returns
    -------
    geopandas.GeoDataFrame
        ``area_id`` (str), ``area_name`` (str), the other columns, ``geometry``; not yet
        reprojected or sorted.

    Raises
    ------
    hotspots.errors.ValidationError
        When a named column is missing or no id column can be told; the message lists the
        columns found.
    """
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(f"{what} must be a GeoDataFrame, got {type(frame).__name__}.")
    cols = [c for c in frame.columns if c != frame.geometry.name]
    found = ", ".join(map(str, cols))
    if id_field is None:
        id_field = schema.AREA_ID if schema.AREA_ID in cols else _detect_field(cols, "CD")
        if id_field is None:
            raise ValidationError(Problem(
                "missing_column",
                f"Cannot tell which column of {what} holds the area codes; pass id_field= "
                f"(or id_fields=). Columns found: {found}.", file=file))
    if name_field is None:
        name_field = (schema.AREA_NAME if schema.AREA_NAME in cols
                      else _detect_field(cols, "NM", id_field) or id_field)
    problems = [
        Problem("missing_column", f"{what} has no column {f!r}. Columns found: {found}.",
                column=f, file=file)
        for f in dict.fromkeys([id_field, name_field]) if f not in cols
    ]
    if problems:
        raise ValidationError(problems)
    out = frame.copy()
    ids = out[id_field]
    names = out[name_field]
    rest = [c for c in cols if c not in (id_field, name_field, schema.AREA_ID, schema.AREA_NAME)]
    data = {schema.AREA_ID: ids.to_numpy(dtype=object), schema.AREA_NAME: names.to_numpy(
        dtype=object)}
    data.update({c: out[c].to_numpy() for c in rest})
    return gpd.GeoDataFrame(data, geometry=out.geometry.to_numpy(), crs=frame.crs)


def normalize_area_frame(frame: gpd.GeoDataFrame, **kwargs: object) -> gpd.GeoDataFrame:
    """Rename the code and name columns: deprecated spelling of :func:`normalise_area_frame`."""
    warnings.warn("normalize_area_frame is renamed normalise_area_frame in 0.2.0; the old "
                  "name will stop working in the next release", FutureWarning, stacklevel=2)
    return normalise_area_frame(frame, **kwargs)  # type: ignore[arg-type]
