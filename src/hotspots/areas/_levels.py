"""Checking and preparing the frame of one level of an AreaSet (and a given lookup)."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from hotspots import schema
from hotspots.crs import BNG, ensure_bng
from hotspots.errors import CRSError, DataQualityWarning, Problem, ValidationError

logger = logging.getLogger(__name__)

_RESERVED_LEVEL_NAMES = frozenset(
    {*schema.INCIDENT_COLUMNS, "geometry", schema.AREA_ID, schema.AREA_NAME, "n", "share",
     "population", "rate_per_1000", "suppressed", schema.SOURCE_FILE, schema.SOURCE_ROW}
)



def check_level_name(level: Any) -> None:
    if not isinstance(level, str) or not level.isidentifier():
        raise ValueError(f"Level names must be identifiers such as 'ward'; got {level!r}.")
    if level in _RESERVED_LEVEL_NAMES:
        raise ValueError(
            f"{level!r} cannot be a level name: it would clash with the column of that name in "
            "incident frames and area tables. Use e.g. 'ward', 'constituency' or 'lsoa'."
        )



def prepare_level(frame: Any, level: str) -> gpd.GeoDataFrame:
    """Validate, repair, reproject and sort one level frame."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(f"Level {level!r} must be a GeoDataFrame, got {type(frame).__name__}.")
    what = f"level '{level}'"
    missing = [c for c in (schema.AREA_ID, schema.AREA_NAME) if c not in frame.columns]
    if missing:
        raise ValidationError(Problem(
            "missing_column",
            f"{what} needs the columns 'area_id' and 'area_name' (use AreaSet.from_frames to "
            f"map other column names). Columns found: {', '.join(map(str, frame.columns))}.",
            column=missing[0]))
    if frame.crs is None:
        raise CRSError(Problem("missing_crs", f"{what} has no coordinate reference system; "
                               "set it, e.g. frame.set_crs('EPSG:4326').", column="geometry"))
    if len(frame) == 0:
        raise ValidationError(Problem("empty", f"{what} has no areas."))
    out = ensure_bng(frame, name=what).copy()
    problems = []
    ids = out[schema.AREA_ID]
    if ids.isna().any():
        problems.append(Problem("missing_id", f"{what}: {int(ids.isna().sum())} areas have no "
                                "area_id.", n_rows=int(ids.isna().sum()), column="area_id"))
    out[schema.AREA_ID] = ids.astype(str)
    dup = out[schema.AREA_ID][out[schema.AREA_ID].duplicated()].unique().tolist()
    if dup:
        problems.append(Problem(
            "duplicate_id", f"{what}: {len(dup)} area ids occur more than once "
            f"({', '.join(dup[:5])}); dissolve them first (e.g. frame.dissolve('area_id')).",
            n_rows=len(dup), column="area_id"))
    geoms = np.asarray(out.geometry.values, dtype=object)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        bad = out.loc[empty, schema.AREA_ID].tolist()
        problems.append(Problem("empty_geometry", f"{what}: {len(bad)} areas have no geometry "
                                f"({', '.join(bad[:5])}).", n_rows=len(bad), column="geometry"))
    if problems:
        raise ValidationError(problems)
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        bad = out.loc[invalid, schema.AREA_ID].tolist()
        reasons = [shapely.is_valid_reason(g) for g in geoms[invalid][:3]]
        warnings.warn(
            f"{what}: repaired {len(bad)} invalid polygon(s) with shapely.make_valid "
            f"({', '.join(bad[:5])}; {'; '.join(reasons)}).",
            DataQualityWarning, stacklevel=3,
        )
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    geoms = _polygonal(geoms, out[schema.AREA_ID].tolist(), what)
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=BNG))
    names = out[schema.AREA_NAME].astype(str).where(out[schema.AREA_NAME].notna(),
                                                    out[schema.AREA_ID])
    twice = names.duplicated(keep=False)
    if twice.any():
        logger.info("%s: %d areas share a name with another; their ids were appended",
                    what, int(twice.sum()))
        names = names.where(~twice, names + " (" + out[schema.AREA_ID] + ")")
    out[schema.AREA_NAME] = names
    out = out.sort_values([schema.AREA_NAME, schema.AREA_ID], kind="stable",
                          ignore_index=True)
    cols = [schema.AREA_ID, schema.AREA_NAME,
            *[c for c in out.columns if c not in (schema.AREA_ID, schema.AREA_NAME,
                                                  out.geometry.name)], out.geometry.name]
    out = out[cols]
    if out.geometry.name != "geometry":
        out = out.rename_geometry("geometry")
    return out


def _polygonal(geoms: np.ndarray, ids: list[str], what: str) -> np.ndarray:
    """Keep the polygonal part of every geometry; fail when an area has none."""
    types = shapely.get_type_id(geoms)
    polygonal = np.isin(types, (3, 6))  # Polygon, MultiPolygon
    if polygonal.all():
        return geoms
    out = geoms.copy()
    for i in np.flatnonzero(~polygonal):
        parts = shapely.get_parts(geoms[i])
        polys = [p for p in parts if shapely.get_type_id(p) in (3, 6)]
        if not polys:
            raise ValidationError(Problem(
                "not_polygon", f"{what}: area {ids[i]} is a {shapely.get_type_id(geoms[i])!r} "
                "type geometry, not a polygon.", column="geometry"))
        out[i] = shapely.union_all(polys)
    return out
