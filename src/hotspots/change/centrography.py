"""Centrography of two periods: where the incidents are centred and how the centre moved.

- :func:`centre_shift`: mean (or median) centre, standard distance and standard deviational
  ellipse of the located incidents in two periods (pointpats' formulas), and how far and in
  which compass direction the centre moved. By default only incidents inside the district
  count: a few far points (police.uk snaps and miscoded locations) move a mean centre and
  inflate the spread. Returns a :class:`CentreShift`.
- :data:`COMPASS_POINTS`: the eight names of the shift's ``direction``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import shapely
from shapely import affinity

from hotspots import schema
from hotspots._params import OneOf, Positive, validate_params
from hotspots.change._common import check_columns, resolve_periods, split_groups
from hotspots.errors import CRSError, Problem
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


def _median_centre(xy: np.ndarray, *, tol: float = 1e-6, max_iter: int = 10_000
                   ) -> tuple[float, float]:
    """Geometric (Euclidean) median: the point with the least total distance to the points.

    Weiszfeld's iteration with the Vardi & Zhang (2000) step, which also converges when
    the median is one of the points (common with snap points: many incidents at one
    place). Works on the distinct locations weighted by their counts; stops when a step
    is shorter than ``tol`` metres.
    """
    if len(xy) == 0:
        return float("nan"), float("nan")
    pts, w = np.unique(xy, axis=0, return_counts=True)
    w = w.astype(float)
    if len(pts) == 1:
        return float(pts[0, 0]), float(pts[0, 1])
    y = (pts * w[:, None]).sum(axis=0) / w.sum()
    for _ in range(max_iter):
        diff = pts - y
        d = np.hypot(diff[:, 0], diff[:, 1])
        here = d <= 1e-12
        eta = float(w[here].sum())
        inv = np.where(here, 0.0, w / np.where(here, 1.0, d))
        t = (pts * inv[:, None]).sum(axis=0) / inv.sum()
        if eta > 0:
            r = float(np.hypot(*(diff * inv[:, None]).sum(axis=0)))
            frac = min(1.0, eta / r) if r > 0 else 1.0
            new = (1.0 - frac) * t + frac * y
        else:
            new = t
        step = float(np.hypot(*(new - y)))
        y = new
        if step < tol:
            break
    return float(y[0]), float(y[1])


def _ellipse_polygon(stats_: dict[str, float]) -> Any:
    """Ellipse polygon as pointpats builds it: a unit circle scaled, rotated, moved."""
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

    Examples
    --------
    >>> from hotspots import centre_shift, load_boundaries, simulate_incidents
    >>> areas = load_boundaries("bradford-2013")
    >>> incidents = simulate_incidents(areas, n_before=300, n_after=200, seed=1)
    >>> shift = centre_shift(incidents, before="2017/18", after="2018/19", areas=areas)
    >>> type(shift).__name__, round(shift.distance), round(shift.bearing), shift.direction
    ('CentreShift', 933, 136, 'south-east')
    >>> shift.ellipses["period"].tolist(), shift.before.label
    (['before', 'after'], '2017/18')
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


@validate_params({"n_std": Positive(), "centre": OneOf(("mean", "median")),
                  "outside_tolerance": Positive(allow_none=True, allow_zero=True)})
def centre_shift(
    incidents: gpd.GeoDataFrame,
    *,
    before: PeriodLike,
    after: PeriodLike,
    by: str | None = None,
    areas: AreaSet | None = None,
    n_std: float = 1.0,
    boundary: Any = None,
    outside_tolerance: float | None = 0.0,
    centre: Literal["mean", "median"] = "mean",
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
        When given, each centre is placed in its area at every level of ``areas`` (via
        :func:`hotspots.areas.assign_areas`), and the outline of ``areas`` is the district
        unless ``boundary`` is given.
    n_std : float
        Size of the ellipse in standard deviations (1, 2 or 3 as in ArcGIS's Directional
        Distribution). With this formula (the sqrt(2) "crimestat" correction) the 1, 2
        and 3 standard deviation ellipses hold about 63%, 98% and 99.99% of the points
        of a bivariate normal spread (``1 - exp(-n_std**2)``), not the 68/95/99.7% of one
        dimension.
    boundary : AreaSet, GeoDataFrame, GeoSeries or shapely geometry, optional
        The district. Default: the outline of ``areas`` when given, else none (every
        located incident counts, and ``attrs["hotspots"]["district"]`` says so).
    outside_tolerance : float or None
        With a district, located incidents farther than this many metres outside it are
        left out (counted in ``n_outside``). Default 0: only incidents inside (or on
        the edge). police.uk snaps some incidents to points just across a boundary road;
        ``outside_tolerance=1000`` keeps those and drops only far ones. ``None`` keeps
        every located incident.
    centre : {"mean", "median"}
        The centre whose shift is reported and whose point is the geometry of
        ``centres``: the mean centre, or the median centre (geometric median: least total
        distance to the incidents, as ArcGIS's Median Center and pointpats'
        ``euclidean_median``), which far points move much less. The standard distance and
        the ellipse are about the mean centre either way.
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
        ``n_outside``      int64      located incidents left out: farther than
                                      ``outside_tolerance`` outside the district
        ``mean_x/mean_y``  float64    mean centre (metres)
        ``median_x``,      float64    median centre (geometric median; metres)
        ``median_y``
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
        and with ``areas`` ``from_<level>``, ``to_<level>`` for every level; all of the
        ``centre`` chosen. ``attrs["hotspots"]`` records ``centre``, ``district``,
        ``outside_tolerance`` and ``n_outside``.

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

    **Far points.** A mean centre and a standard distance are driven by the farthest
    points. In City of London 2019 police.uk data, 48 located crimes lie over 1 km
    outside the City (one in Derbyshire): with them the standard distance is 2,457 m and
    the centre moves 21.8 m north-west from 2018; without them (``outside_tolerance=
    1000``) 758 m and 7.4 m south. Hence the district filter by default, and the median
    centre as an option.

    Examples
    --------
    >>> from hotspots import centre_shift, load_boundaries, simulate_incidents
    >>> areas = load_boundaries("bradford-2013")
    >>> incidents = simulate_incidents(areas, n_before=300, n_after=200, seed=1)
    >>> shift = centre_shift(incidents, before="2017/18", after="2018/19", areas=areas)
    >>> round(shift.distance), shift.direction
    (933, 'south-east')
    >>> shift.centres[["period", "n", "n_unlocated", "n_outside"]]
       period    n  n_unlocated  n_outside
    0  before  249           51          0
    1   after  166           34          0
    >>> shift.shift[["from_constituency", "to_constituency"]].iloc[0].tolist()
    ['Shipley', 'Shipley']
    """
    n_std = float(n_std)
    outside_tolerance = None if outside_tolerance is None else float(outside_tolerance)
    pb, pa = resolve_periods(before, after)
    check_columns(incidents, time=time, by=by)
    crs = incidents.crs
    if crs is None or not crs.is_projected:
        raise CRSError(Problem("not_projected", "centre_shift needs incidents in a projected "
                               "CRS in metres (EPSG:27700); reproject them with to_crs(27700)."))
    xy, located = _located_xy(incidents)
    district = boundary if boundary is not None else areas
    outside = _outside(xy, located, district, outside_tolerance)
    times = pd.to_datetime(incidents[time], errors="coerce")
    masks = {"before": pb.contains(times), "after": pa.contains(times)}
    labels = {"before": pb.label, "after": pa.label}
    groups, codes = split_groups(incidents, by)
    rows: list[dict[str, Any]] = []
    for gi, g in enumerate(groups):
        for which in ("before", "after"):
            sel = (codes == gi) & masks[which]
            row = _centre_row(xy, sel, located, outside, n_std)
            row = {"period": which, "period_label": labels[which], **row}
            rows.append({by: g, **row} if by is not None else row)
    cx, cy = ("mean_x", "mean_y") if centre == "mean" else ("median_x", "median_y")
    centres, ellipses = _frames(rows, groups, by, areas, crs, (cx, cy))
    shift = _shift_table(rows, groups, by, centres, areas, (cx, cy))
    info = {"function": "centre_shift", "before": pb.label, "after": pa.label, "n_std": n_std,
            "ellipse": "pointpats crimestat: sqrt(2) * sqrt(n / (n - 2)) correction",
            "ellipse_coverage": float(1.0 - math.exp(-n_std**2)),
            "vintage": getattr(areas, "vintage", None), "centre": centre,
            "district": ("boundary" if boundary is not None else
                         "outline of areas" if areas is not None else None),
            "outside_tolerance": outside_tolerance if district is not None else None,
            "n_outside": int(outside.sum())}
    if district is None:
        info["note"] = ("no district given (areas or boundary): every located incident "
                        "counts, however far away")
    elif outside.any():
        logger.info("centre_shift: %d located incidents more than %g m outside the district "
                    "are left out.", int(outside.sum()), outside_tolerance)
    for frame in (centres, ellipses, shift):
        frame.attrs["hotspots"] = dict(info)
    logger.info("centre_shift: %s centre moved %.0f m (%s).", centre,
                shift["distance"].iloc[0], shift["direction"].iloc[0])
    return CentreShift(centres=centres, ellipses=ellipses, shift=shift, before=pb, after=pa,
                       by=by)


def _outside(xy: np.ndarray, located: np.ndarray, district: Any,
             outside_tolerance: float | None) -> np.ndarray:
    """Located incidents farther than ``outside_tolerance`` metres outside the district."""
    outside = np.zeros(len(xy), dtype=bool)
    if district is None or outside_tolerance is None:
        return outside
    # deferred: hotspots.grid loads geopandas, which trend (same package) does not need
    from hotspots.grid import _outline_of

    outline = _outline_of(district)[0]
    pos = np.flatnonzero(located)
    far = shapely.distance(shapely.points(xy[pos]), outline) > outside_tolerance
    outside[pos[far]] = True
    return outside


def _centre_row(xy: np.ndarray, sel: np.ndarray, located: np.ndarray, outside: np.ndarray,
                n_std: float) -> dict[str, Any]:
    """Return counts, centres and spread of the selected incidents (one group, period)."""
    used = sel & located & ~outside
    med_x, med_y = _median_centre(xy[used])
    return {"n": int(used.sum()), "n_unlocated": int((sel & ~located).sum()),
            "n_outside": int((sel & outside).sum()),
            **_centrography(xy[used], n_std), "median_x": med_x, "median_y": med_y}


def _frames(rows: list[dict[str, Any]], groups: list[Any], by: str | None,
            areas: AreaSet | None, crs: Any, centre_cols: tuple[str, str]
            ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the ``centres`` frame (centre points and their areas) and the ``ellipses``."""
    # deferred: geopandas loads slowly, and trend (same package) does not need it
    import geopandas as gpd

    table = pd.DataFrame(rows)
    for col in ("n", "n_unlocated", "n_outside"):
        table[col] = table[col].astype(np.int64)
    if by is not None:
        table[by] = pd.Categorical(table[by], categories=groups)
    cx, cy = centre_cols
    points = [shapely.Point(r[cx], r[cy]) if np.isfinite(r[cx]) else shapely.Point()
              for r in rows]
    centres = gpd.GeoDataFrame(table, geometry=points, crs=crs)
    if areas is not None:
        from hotspots.areas import assign_areas  # deferred: as geopandas above

        assigned = assign_areas(centres[["geometry"]], areas)
        for level in areas.level_names:
            for col in (schema.area_id_column(level), schema.area_name_column(level)):
                centres.insert(len(centres.columns) - 1, col, assigned[col].to_numpy())
                if col == schema.area_name_column(level):
                    centres[col] = pd.Categorical(centres[col],
                                                  categories=assigned[col].cat.categories)
    key_cols = [by] if by is not None else []
    ellipses = gpd.GeoDataFrame(table[[*key_cols, "period", "period_label"]].copy(),
                                geometry=[_ellipse_polygon(r) for r in rows], crs=crs)
    return centres, ellipses


def _shift_table(rows: list[dict[str, Any]], groups: list[Any], by: str | None,
                 centres: gpd.GeoDataFrame, areas: AreaSet | None,
                 centre_cols: tuple[str, str]) -> pd.DataFrame:
    """One row per group: from where to where the chosen centre moved, how far, which way."""
    cx, cy = centre_cols
    levels = list(areas.level_names) if areas is not None else []
    shifts = []
    for gi, g in enumerate(groups):
        b, a = rows[2 * gi], rows[2 * gi + 1]
        dx, dy = a[cx] - b[cx], a[cy] - b[cy]
        bearing, direction = _bearing(dx, dy)
        srow: dict[str, Any] = {"from_x": b[cx], "from_y": b[cy],
                                "to_x": a[cx], "to_y": a[cy],
                                "distance": float(math.hypot(dx, dy)), "bearing": bearing,
                                "direction": direction}
        for level in levels:
            name_col = schema.area_name_column(level)
            srow[f"from_{level}"] = str(centres[name_col].iloc[2 * gi])
            srow[f"to_{level}"] = str(centres[name_col].iloc[2 * gi + 1])
        shifts.append({by: g, **srow} if by is not None else srow)
    return pd.DataFrame(shifts)


def _located_xy(incidents: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return coordinates (NaN where unknown) and the located mask of an incident frame."""
    geoms = np.asarray(incidents.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if schema.LOCATION_STATUS in incidents.columns:
        ok &= (incidents[schema.LOCATION_STATUS] != schema.UNKNOWN).fillna(True).to_numpy(bool)
    xy = np.full((len(geoms), 2), np.nan)
    if ok.any():
        xy[ok] = shapely.get_coordinates(geoms[ok])[:, :2]
    return xy, ok
