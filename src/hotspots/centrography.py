"""Centrography of two periods: where the incidents are centred and how the centre moved.

- :func:`centre_shift`: mean centre, standard distance and standard deviational ellipse of
  the located incidents in two periods (pointpats' formulas), and how far and in which
  compass direction the mean centre moved. Returns a :class:`CentreShift`.
- :data:`COMPASS_POINTS`: the eight names of the shift's ``direction``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hotspots import schema
from hotspots._change_common import check_columns, resolve_periods, split_groups
from hotspots._params import check_positive
from hotspots.periods import Period, PeriodLike

if TYPE_CHECKING:
    import geopandas as gpd

    from hotspots.areas import AreaSet

__all__ = ["COMPASS_POINTS", "CentreShift", "centre_shift"]

logger = logging.getLogger(__name__)

#: Eight compass points, clockwise from north, for :func:`centre_shift`'s ``direction``.
COMPASS_POINTS = ("north", "north-east", "east", "south-east", "south", "south-west", "west",
                  "north-west")


def _centrography(xy: np.ndarray, n_std: float) -> dict[str, float]:
    """Mean centre, standard distance and standard deviational ellipse of points.

    Same formulas as ``pointpats.centrography``: ``std_distance`` (population) and
    ``ellipse(method="crimestat")``, whose semi-axes are the standard deviations along the
    principal axes times sqrt(2) * sqrt(n / (n - 2)); here also times ``n_std``.
    ``sde_rotation`` is the angle of the major axis, counter-clockwise from east (radians,
    pointpats' value); ``sde_azimuth`` the same axis in degrees clockwise from north
    (0..180, ArcGIS's "Rotation").
    """
    n = len(xy)
    out = dict.fromkeys(("mean_x", "mean_y", "std_distance", "sde_major", "sde_minor",
                         "sde_rotation", "sde_azimuth"), float("nan"))
    if n == 0:
        return out
    mean = xy.mean(axis=0)
    out["mean_x"], out["mean_y"] = float(mean[0]), float(mean[1])
    d = xy - mean
    out["std_distance"] = float(np.sqrt((d**2).sum(axis=1).mean()))
    if n < 3:  # the crimestat correction n / (n - 2) needs three points
        return out
    xm, ym = d[:, 0], d[:, 1]
    xy_s, x2, y2 = float(np.sum(xm * ym)), float(np.sum(xm**2)), float(np.sum(ym**2))
    den = 2 * xy_s
    left = x2 - y2
    right = math.sqrt(left**2 + 4 * xy_s**2)
    if den == 0:
        theta1, theta2 = 0.0, math.pi / 2
    else:
        theta1 = math.atan(-(left + right) / den)
        theta2 = math.atan(-(left - right) / den)
    sx = math.sqrt(np.sum((ym * math.cos(theta1) - xm * math.sin(theta1)) ** 2) / n)
    sy = math.sqrt(np.sum((ym * math.cos(theta2) - xm * math.sin(theta2)) ** 2) / n)
    corr = math.sqrt(2) * math.sqrt(n) / math.sqrt(n - 2) * n_std
    sx, sy = sx * corr, sy * corr
    major, minor, angle = (sy, sx, theta1) if sy > sx else (sx, sy, theta2)
    out.update(sde_major=major, sde_minor=minor, sde_rotation=angle,
               sde_azimuth=float((90.0 - math.degrees(angle)) % 180.0))
    return out


def _ellipse_polygon(stats_: dict[str, float]) -> Any:
    """Ellipse polygon as pointpats builds it: a unit circle scaled, rotated, moved."""
    import shapely
    from shapely import affinity

    if not np.isfinite(stats_["sde_major"]):
        return shapely.Polygon()
    circle = shapely.Point(0.0, 0.0).buffer(1.0)
    shape = affinity.scale(circle, stats_["sde_major"], stats_["sde_minor"], origin=(0, 0))
    shape = affinity.rotate(shape, stats_["sde_rotation"], origin=(0, 0), use_radians=True)
    return affinity.translate(shape, stats_["mean_x"], stats_["mean_y"])


def _bearing(dx: float, dy: float) -> tuple[float, str]:
    """Compass bearing (degrees clockwise from north) and its eight-point name."""
    if not (np.isfinite(dx) and np.isfinite(dy)) or (dx == 0 and dy == 0):
        return float("nan"), "none"
    bearing = math.degrees(math.atan2(dx, dy)) % 360.0
    return bearing, COMPASS_POINTS[int(((bearing + 22.5) % 360.0) // 45.0)]


@dataclass(frozen=True, eq=False)
class CentreShift:
    """Centres and spread of incidents in two periods, and how the centre moved.

    Made by :func:`centre_shift`.

    Attributes
    ----------
    centres : geopandas.GeoDataFrame
        One row per (``by`` group and) period; point geometry = the mean centre. See
        :func:`centre_shift` for the columns.
    ellipses : geopandas.GeoDataFrame
        The same rows with the standard deviational ellipse as geometry (empty polygon
        when there are fewer than 3 points).
    shift : pandas.DataFrame
        One row per ``by`` group (one row without ``by``): how far and in which direction
        the mean centre moved.
    before, after : Period
    by : str or None
    """

    centres: gpd.GeoDataFrame
    ellipses: gpd.GeoDataFrame
    shift: pd.DataFrame
    before: Period
    after: Period
    by: str | None = None

    @property
    def distance(self) -> float:
        """Shift of the mean centre in metres (first group when split ``by``)."""
        return float(self.shift["distance"].iloc[0])

    @property
    def bearing(self) -> float:
        """Compass bearing of the shift, degrees clockwise from north (first group)."""
        return float(self.shift["bearing"].iloc[0])

    @property
    def direction(self) -> str:
        """Eight-point compass name of the shift ("north-east"; first group)."""
        return str(self.shift["direction"].iloc[0])


def centre_shift(
    incidents: gpd.GeoDataFrame,
    *,
    before: PeriodLike,
    after: PeriodLike,
    by: str | None = None,
    areas: AreaSet | None = None,
    n_std: float = 1.0,
    time: str = schema.OCCURRED,
) -> CentreShift:
    """Mean centre, standard distance and ellipse in two periods, and the shift between them.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Canonical incident frame in a projected CRS (metres; EPSG:27700). Only located
        incidents count; the others are counted in ``n_unlocated``.
    before, after : period
        As in :func:`hotspots.change.compare_periods` (must not overlap).
    by : str, optional
        One result per group of this column.
    areas : AreaSet, optional
        When given, each mean centre is placed in its area at every level of ``areas``
        (via :func:`hotspots.areas.assign_areas`).
    n_std : float
        Size of the ellipse in standard deviations (1, 2 or 3 as in ArcGIS's Directional
        Distribution; about 68%, 95%, 99% of points under spatial normality).
    time : str
        Column of incident dates.

    Returns
    -------
    CentreShift
        ``.centres`` (GeoDataFrame, point geometry = mean centre), rows per ``[by]`` group
        then period ("before", "after"):

        =================  =========  ====================================================
        ``[by]``           as input   the group
        ``period``         str        "before" or "after"
        ``period_label``   str        the period as written ("2018/19")
        ``n``              int64      located incidents used
        ``n_unlocated``    int64      incidents in the period without a location
        ``mean_x/mean_y``  float64    mean centre (metres)
        ``std_distance``   float64    standard distance, sqrt(mean squared distance to
                                      the centre) (pointpats ``std_distance``)
        ``sde_major``,     float64    semi-axes of the standard deviational ellipse
        ``sde_minor``                 (pointpats ``ellipse``, "crimestat"), times ``n_std``;
                                      NaN with fewer than 3 points
        ``sde_rotation``   float64    angle of the major axis, radians counter-clockwise
                                      from east (pointpats' third value)
        ``sde_azimuth``    float64    the same axis in degrees clockwise from north, 0-180
                                      (ArcGIS "Rotation")
        ``<level>_id``,    string,    area of the mean centre at each level, when
        ``<level>``        category   ``areas`` is given
        =================  =========  ====================================================

        ``.ellipses`` has ``[by], period, period_label`` and the ellipse polygon.
        ``.shift`` has one row per group: ``[by], from_x, from_y, to_x, to_y, distance``
        (metres), ``bearing`` (degrees clockwise from north, NaN when the centre did not
        move), ``direction`` (eight-point name: "north", "north-east", ..., or "none"),
        and with ``areas`` ``from_<level>``, ``to_<level>`` for every level.

    Raises
    ------
    ValueError
        When a period cannot be parsed, the periods overlap, ``n_std`` is not > 0 or a
        column is missing.
    hotspots.errors.CRSError
        When the incidents are not in a projected CRS.

    Notes
    -----
    Unweighted (each incident counts once), like pointpats' defaults. The ellipse polygon
    is built exactly as ``pointpats.centrography.ellipse(GeoSeries)``: a unit circle
    scaled by the semi-axes, rotated by ``sde_rotation`` and moved to the centre.

    Examples
    --------
    >>> shift = centre_shift(incidents, before="2017/18", after="2018/19",
    ...                      areas=areas)  # doctest: +SKIP
    >>> round(shift.distance), shift.direction  # doctest: +SKIP
    (1840, 'south-west')
    """
    import geopandas as gpd
    import shapely

    from hotspots.errors import CRSError, Problem

    caller = "centre_shift"
    n_std = float(check_positive("n_std", n_std, caller=caller))
    pb, pa = resolve_periods(before, after, caller)
    check_columns(incidents, caller, time=time, by=by)
    crs = incidents.crs
    if crs is None or not crs.is_projected:
        raise CRSError(Problem("not_projected", f"{caller} needs incidents in a projected CRS "
                               "in metres (EPSG:27700); reproject them with to_crs(27700)."))
    xy, located = _located_xy(incidents)
    times = pd.to_datetime(incidents[time], errors="coerce")
    masks = {"before": pb.contains(times), "after": pa.contains(times)}
    labels = {"before": pb.label, "after": pa.label}
    groups, codes = split_groups(incidents, by)

    rows: list[dict[str, Any]] = []
    for gi, g in enumerate(groups):
        for which in ("before", "after"):
            sel = (codes == gi) & masks[which]
            st = _centrography(xy[sel & located], n_std)
            row = {"period": which, "period_label": labels[which],
                   "n": int((sel & located).sum()), "n_unlocated": int((sel & ~located).sum()),
                   **st}
            if by is not None:
                row = {by: g, **row}
            rows.append(row)
    table = pd.DataFrame(rows)
    for col in ("n", "n_unlocated"):
        table[col] = table[col].astype(np.int64)
    if by is not None:
        table[by] = pd.Categorical(table[by], categories=groups)
    polygons = [_ellipse_polygon(r) for r in rows]
    centre_geoms = [shapely.Point(r["mean_x"], r["mean_y"]) if np.isfinite(r["mean_x"])
                    else shapely.Point() for r in rows]
    centres = gpd.GeoDataFrame(table, geometry=centre_geoms, crs=crs)
    level_cols: list[str] = []
    if areas is not None:
        from hotspots.areas import assign_areas

        assigned = assign_areas(centres[["geometry"]], areas)
        for level in areas.level_names:
            for col in (schema.area_id_column(level), schema.area_name_column(level)):
                centres.insert(len(centres.columns) - 1, col, assigned[col].to_numpy())
                if col == schema.area_name_column(level):
                    centres[col] = pd.Categorical(centres[col],
                                                  categories=assigned[col].cat.categories)
            level_cols.append(level)
    key_cols = [by] if by is not None else []
    ellipses = gpd.GeoDataFrame(table[[*key_cols, "period", "period_label"]].copy(),
                                geometry=polygons, crs=crs)

    shifts = []
    for gi, g in enumerate(groups):
        b, a = rows[2 * gi], rows[2 * gi + 1]
        dx, dy = a["mean_x"] - b["mean_x"], a["mean_y"] - b["mean_y"]
        bearing, direction = _bearing(dx, dy)
        srow: dict[str, Any] = {"from_x": b["mean_x"], "from_y": b["mean_y"],
                                "to_x": a["mean_x"], "to_y": a["mean_y"],
                                "distance": float(math.hypot(dx, dy)), "bearing": bearing,
                                "direction": direction}
        for level in level_cols:
            name_col = schema.area_name_column(level)
            srow[f"from_{level}"] = str(centres[name_col].iloc[2 * gi])
            srow[f"to_{level}"] = str(centres[name_col].iloc[2 * gi + 1])
        if by is not None:
            srow = {by: g, **srow}
        shifts.append(srow)
    shift = pd.DataFrame(shifts)
    info = {"function": caller, "before": pb.label, "after": pa.label, "n_std": n_std,
            "ellipse": "pointpats crimestat: sqrt(2) * sqrt(n / (n - 2)) correction",
            "vintage": getattr(areas, "vintage", None)}
    for frame in (centres, ellipses, shift):
        frame.attrs["hotspots"] = dict(info)
    logger.info("%s: mean centre moved %.0f m (%s).", caller, shifts[0]["distance"],
                shifts[0]["direction"])
    return CentreShift(centres=centres, ellipses=ellipses, shift=shift, before=pb, after=pa,
                       by=by)


def _located_xy(incidents: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return coordinates (NaN where unknown) and the located mask of an incident frame."""
    import shapely

    geoms = np.asarray(incidents.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if schema.LOCATION_STATUS in incidents.columns:
        ok &= (incidents[schema.LOCATION_STATUS] != schema.UNKNOWN).fillna(True).to_numpy(bool)
    xy = np.full((len(geoms), 2), np.nan)
    if ok.any():
        xy[ok] = shapely.get_coordinates(geoms[ok])[:, :2]
    return xy, ok
