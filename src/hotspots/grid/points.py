"""Located points of an incident frame for the grid verbs, counting what is set aside."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import schema
from hotspots._params import current_verb
from hotspots.errors import DataQualityWarning, Problem, ValidationError
from hotspots.grid.crs_policy import check_metric_crs

__all__ = ["LocatedPoints", "incident_points"]


@dataclass
class LocatedPoints:
    """Located points of an incident frame, and what was set aside."""

    x: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None
    positions: np.ndarray  # row positions (in the frame) of the located points
    n_rows: int
    n_unknown: int
    crs: Any


def _row_numbers(frame: pd.DataFrame | None, positions: np.ndarray) -> tuple[int, ...]:
    first = positions[:5]
    if frame is not None and schema.SOURCE_ROW in frame.columns:
        vals = frame[schema.SOURCE_ROW].to_numpy()[first]
        return tuple(int(v) for v in vals if pd.notna(v))
    return tuple(int(p) + 2 for p in first)


def incident_points(data: Any, *, weights: str | None = None,
                    caller: str | None = None) -> LocatedPoints:
    """Extract located points (and weights) from an incident frame, counting the rest.

    Parameters
    ----------
    data : geopandas.GeoDataFrame or GeoSeries
        Incidents in a projected CRS in metres.
    weights : str, optional
        Column of non-negative weights.
    caller : str, optional
        Verb named in messages; default the running verb.

    Returns
    -------
    LocatedPoints

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoSeries([shapely.Point(1, 2), None, shapely.Point(3, 4)], crs=27700)
    >>> p = incident_points(pts)
    >>> p.x.tolist(), p.positions.tolist(), p.n_unknown
    ([1.0, 3.0], [0, 2], 1)
    """
    caller = caller or current_verb()
    if isinstance(data, gpd.GeoDataFrame):
        frame: pd.DataFrame | None = data
        geoms = data.geometry
    elif isinstance(data, gpd.GeoSeries):
        frame = None
        geoms = data
    else:
        raise TypeError(
            f"{caller} expects a GeoDataFrame of incidents (or a GeoSeries of points); "
            f"got {type(data).__name__}."
        )
    check_metric_crs(geoms.crs, "the incidents")
    values = geoms.to_numpy()
    # each shapely pass costs about 0.1-0.2 s on 1M points, as much as the KDE kernel: the type
    # id (-1 for a missing geometry) serves both the missing and the not-a-point checks
    kinds_all = shapely.get_type_id(values)
    missing = (kinds_all < 0) | shapely.is_empty(values)
    unknown = missing | _said_unknown(frame, missing, caller)
    all_located = not unknown.any()
    located = np.arange(values.size) if all_located else np.flatnonzero(~unknown)
    pts = values if all_located else values[located]
    kinds = kinds_all if all_located else kinds_all[located]
    not_point = kinds != 0
    if not_point.any():
        pos = located[not_point]
        raise ValidationError(Problem(
            "not_point",
            f"{pos.size} located rows are not points (e.g. a {pts[not_point][0].geom_type}); "
            f"{caller} needs one point per incident. Use .centroid or explode multipoints "
            "first.",
            n_rows=int(pos.size),
            rows=_row_numbers(frame, pos),
            column="geometry",
        ))
    # get_x + get_y: half the time of get_coordinates on points
    x = shapely.get_x(pts)
    y = shapely.get_y(pts)
    bad = ~np.isfinite(x) | ~np.isfinite(y)
    if bad.any():
        pos = located[bad]
        warnings.warn(
            f"{caller}: {pos.size} points have non-finite coordinates; they are counted as "
            f"unknown location (rows {_row_numbers(frame, pos)}).",
            DataQualityWarning,
            stacklevel=3,
        )
        located = located[~bad]
        x, y = x[~bad], y[~bad]
    w = None if weights is None else _weights(frame, weights, located)
    n_rows = len(values)
    return LocatedPoints(x, y, w, located, n_rows, n_rows - located.size, geoms.crs)


def _said_unknown(frame: pd.DataFrame | None, missing: np.ndarray, caller: str) -> np.ndarray:
    """Rows whose ``location_status`` says unknown; warn on rows said located without a point."""
    if frame is None or schema.LOCATION_STATUS not in frame.columns:
        return np.zeros(missing.size, dtype=bool)
    status = frame[schema.LOCATION_STATUS]
    said_unknown = status.eq(schema.UNKNOWN).to_numpy(dtype=bool, na_value=False)
    inconsistent = ~said_unknown & missing & status.notna().to_numpy(dtype=bool)
    if inconsistent.any():
        pos = np.flatnonzero(inconsistent)
        warnings.warn(
            f"{caller}: {pos.size} rows have location_status 'located' but no geometry; "
            f"they are counted as unknown location (rows {_row_numbers(frame, pos)}).",
            DataQualityWarning,
            stacklevel=4,
        )
    return said_unknown


def _weights(frame: pd.DataFrame | None, weights: str, located: np.ndarray) -> np.ndarray:
    """Return the ``weights`` column at the located rows, refusing any not finite and >= 0."""
    if frame is None or weights not in frame.columns:
        raise ValidationError(Problem(
            "missing_column",
            f"weights={weights!r} names no column of the incidents.",
            column=weights,
        ))
    col = pd.to_numeric(frame[weights], errors="coerce").to_numpy(dtype=float)[located]
    badw = ~np.isfinite(col) | (col < 0)
    if badw.any():
        pos = located[badw]
        raise ValidationError(Problem(
            "bad_weight",
            f"{pos.size} located rows have a missing, non-numeric, infinite or negative "
            f"weight in column '{weights}'. Fix or fill them (e.g. with 1).",
            n_rows=int(pos.size),
            rows=_row_numbers(frame, pos),
            column=weights,
        ))
    return col
