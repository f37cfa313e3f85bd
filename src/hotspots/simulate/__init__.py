"""Synthetic incidents with planted hotspots and a planted shift, for demos, tests and benchmarks.

Everything here is seeded and deterministic: the same arguments give the same frame, row for
row, on every machine. What was planted (cluster centres, the shifted areas, the periods) is
recorded in ``frame.attrs["hotspots"]["simulation"]`` so tests can check that the analysis
finds it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.random import Generator

from hotspots import schema
from hotspots.crs import BNG
from hotspots.periods import PeriodLike, parse_period

if TYPE_CHECKING:
    from hotspots.areas import AreaSet

__all__ = ["EXPLOITATION_CATEGORIES", "random_points_in", "simulate_incidents"]

logger = logging.getLogger(__name__)

#: Offence flags used by the safeguarding partnership's exploitation dashboards.
EXPLOITATION_CATEGORIES = ("Child sexual exploitation", "Child criminal exploitation")


def random_points_in(
    geometry: shapely.Geometry, n: int, rng: Generator, *, batch: int = 1_000_000
) -> np.ndarray:
    """Draw ``n`` points uniformly inside a polygon by vectorised rejection sampling.

    Parameters
    ----------
    geometry : shapely.Polygon or shapely.MultiPolygon
        The area to fill, in a projected CRS.
    n : int
        Number of points.
    rng : numpy.random.Generator
        Source of randomness.
    batch : int
        Largest number of candidate points drawn at once (bounds memory).

    Returns
    -------
    numpy.ndarray
        Array of shape ``(n, 2)`` with x and y.

    Examples
    --------
    >>> import shapely
    >>> from hotspots.simulate import random_points_in
    >>> pts = random_points_in(shapely.box(0, 0, 100, 50), 3, np.random.default_rng(0))
    >>> pts.round(1).tolist()
    [[63.7, 21.1], [27.0, 1.4], [4.1, 6.2]]
    """
    if n <= 0:
        return np.empty((0, 2))
    minx, miny, maxx, maxy = geometry.bounds
    fill = max(geometry.area / ((maxx - minx) * (maxy - miny)), 1e-3)
    shapely.prepare(geometry)
    out = np.empty((n, 2))
    got = 0
    while got < n:
        want = min(int((n - got) / fill * 1.2) + 16, batch)
        xs = rng.uniform(minx, maxx, want)
        ys = rng.uniform(miny, maxy, want)
        keep = shapely.contains_xy(geometry, xs, ys)
        k = min(int(keep.sum()), n - got)
        out[got : got + k, 0] = xs[keep][:k]
        out[got : got + k, 1] = ys[keep][:k]
        got += k
    return out


def _clustered_points(
    centres: np.ndarray, sd: float, n: int, geometry: shapely.Geometry, rng: Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian points around ``centres``, redrawn until they fall inside ``geometry``."""
    which = rng.integers(0, len(centres), n)
    xy = centres[which] + rng.normal(0.0, sd, (n, 2))
    inside = shapely.contains_xy(geometry, xy[:, 0], xy[:, 1])
    while not inside.all():
        bad = np.flatnonzero(~inside)
        xy[bad] = centres[which[bad]] + rng.normal(0.0, sd, (len(bad), 2))
        inside[bad] = shapely.contains_xy(geometry, xy[bad, 0], xy[bad, 1])
    return xy, which


def _background_points(areas: AreaSet, n: int, rng: Generator) -> np.ndarray:
    """Points spread evenly over the areas of the lowest level, uniform inside each."""
    lowest = areas[areas.level_names[0]]
    per_area = np.bincount(rng.integers(0, len(lowest), n), minlength=len(lowest))
    parts = [random_points_in(geom, int(k), rng)
             for geom, k in zip(lowest.geometry, per_area, strict=True)]
    xy = np.vstack(parts) if parts else np.empty((0, 2))
    return xy[rng.permutation(len(xy))]


def _random_dates(period: Any, n: int, rng: Generator) -> pd.DatetimeIndex:
    days = int(period.days)
    offsets = rng.integers(0, days, n)
    dates = period.start + pd.to_timedelta(np.sort(offsets), unit="D")
    return pd.DatetimeIndex(dates).astype("datetime64[ns]")


def _check_share(name: str, value: float) -> None:
    """Refuse a share outside [0, 1], naming the verb."""
    if not 0 <= value <= 1:
        raise ValueError(f"The '{name}' parameter of simulate_incidents must be in [0, 1]. "
                         f"Got {value!r} instead.")


def _default_shift(top: gpd.GeoDataFrame, base: np.ndarray, shift_from: str | None,
                   shift_to: str | None) -> tuple[str, str]:
    """The areas the shift leaves and joins, when not given.

    By default the shift leaves the area with the most offences (before the shift is added)
    for the runner-up (ties by name), so the top area really changes hands.
    """
    names = sorted(top.index)
    counts = {name: int(shapely.contains_xy(top.loc[name, "geometry"],
                                            base[:, 0], base[:, 1]).sum()) for name in names}
    ranked = sorted(names, key=lambda name: (-counts[name], name))
    shift_from = shift_from or ranked[0]
    shift_to = shift_to or next(name for name in ranked if name != shift_from)
    return shift_from, shift_to


def _period_rows(xy: np.ndarray, n_unknown: int, period: Any, categories: Sequence[str],
                 recent_share: float, rng: Generator) -> pd.DataFrame:
    """One period's rows: located points then ``n_unknown`` empty ones, shuffled, dated."""
    n_located = len(xy)
    n_rows = n_located + n_unknown
    geometry = np.concatenate(
        [shapely.points(xy), shapely.empty(n_unknown, geom_type=shapely.GeometryType.POINT)]
    )
    status = np.array([schema.LOCATED] * n_located + [schema.UNKNOWN] * n_unknown)
    order = rng.permutation(n_rows)
    return pd.DataFrame(
        {
            schema.OCCURRED: _random_dates(period, n_rows, rng),
            schema.CATEGORY: rng.choice(list(categories), n_rows),
            schema.RECENCY: np.where(
                rng.random(n_rows) < recent_share, schema.RECENT, schema.NON_RECENT
            ),
            schema.LOCATION_STATUS: status[order],
            "geometry": geometry[order],
        }
    )


def _incident_frame(parts: list[pd.DataFrame], categories: Sequence[str]) -> gpd.GeoDataFrame:
    """The periods' rows as one canonical incident frame, sorted by date, with ids."""
    frame = pd.concat(parts, ignore_index=True).sort_values(schema.OCCURRED, kind="stable")
    frame = frame.reset_index(drop=True)
    frame.insert(0, schema.INCIDENT_ID, pd.array(
        [f"SIM-{i + 1:06d}" for i in range(len(frame))], dtype="string"))
    frame.insert(4, schema.WEIGHT, 1.0)
    frame[schema.CATEGORY] = pd.Categorical(frame[schema.CATEGORY], categories=list(categories))
    frame[schema.RECENCY] = pd.Categorical(
        frame[schema.RECENCY], categories=[schema.RECENT, schema.NON_RECENT]
    )
    frame[schema.LOCATION_STATUS] = pd.Categorical(
        frame[schema.LOCATION_STATUS], categories=[schema.LOCATED, schema.UNKNOWN]
    )
    out = gpd.GeoDataFrame(frame, geometry="geometry", crs=BNG)
    out = out[[*schema.INCIDENT_COLUMNS, "geometry"]]
    return out


def simulate_incidents(
    areas: AreaSet,
    *,
    n_before: int = 1200,
    n_after: int = 1000,
    before: PeriodLike = "2017/18",
    after: PeriodLike = "2018/19",
    clusters: int = 4,
    cluster_share: float = 0.35,
    cluster_sd: float = 200.0,
    shift_share: float = 0.12,
    shift_from: str | None = None,
    shift_to: str | None = None,
    unknown_share: float = 0.17,
    recent_share: float = 0.7,
    categories: Sequence[str] = EXPLOITATION_CATEGORIES,
    seed: int = 0,
) -> gpd.GeoDataFrame:
    """Simulate offences over two periods with planted clusters and a planted shift.

    Located incidents are a mixture of three parts, drawn inside the district outline:
    a background spread evenly over the areas of the lowest level (each ward gets the
    same expected number, uniform inside it: wards have similar populations, so dense
    urban wards get dense background, as real offences do), ``clusters`` Gaussian
    clusters (standard deviation ``cluster_sd`` metres) and a "shift" part placed
    uniformly inside one area of the highest level: ``shift_from`` in the first period and
    ``shift_to`` in the second (by default the largest area by count and the runner-up).
    A share ``unknown_share`` of each period's rows has no location.

    Parameters
    ----------
    areas : AreaSet
        Boundaries to simulate over; the district outline bounds the points and the highest
        level (e.g. constituency) carries the planted shift.
    n_before, n_after : int
        Rows in the first and second period (located and unknown together).
    before, after : period-like
        The two periods (see :func:`hotspots.parse_period`); dates are uniform inside each.
    clusters : int
        Number of planted clusters, shared by both periods.
    cluster_share : float
        Share of located rows that belong to the clusters.
    cluster_sd : float
        Standard deviation of each cluster, in metres.
    shift_share : float
        Share of located rows placed inside the shifted area.
    shift_from, shift_to : str, optional
        Names of the areas (highest level) that carry the shift part in the first and the
        second period. Defaults: the area with the most located offences of the first
        period before the shift part is added (the largest area by count), and the
        runner-up (ties broken by name), so that with a large enough ``shift_share`` the top
        area changes hands. The chosen names are in ``attrs["hotspots"]["simulation"]``.
    unknown_share : float
        Share of rows with an unknown location.
    recent_share : float
        Share of rows flagged ``recent`` (the rest are ``non-recent``).
    categories : sequence of str
        Offence categories, drawn with equal probability.
    seed : int
        Seed of the random generator.

    Returns
    -------
    geopandas.GeoDataFrame
        A canonical incident frame (EPSG:27700) sorted by ``occurred``. What was planted is
        in ``attrs["hotspots"]["simulation"]``: ``clusters`` (list of dicts with ``x``,
        ``y``, ``sd``), ``shift_from``, ``shift_to``, ``before``, ``after``, ``seed``.

    Examples
    --------
    >>> from hotspots.io import load_boundaries
    >>> from hotspots.simulate import simulate_incidents
    >>> inc = simulate_incidents(load_boundaries("bradford-2013"), n_before=120, n_after=100,
    ...                          seed=1)
    >>> len(inc), inc["location_status"].value_counts().to_dict()
    (220, {'located': 183, 'unknown': 37})
    >>> planted = inc.attrs["hotspots"]["simulation"]
    >>> len(planted["clusters"]), planted["shift_from"], planted["shift_to"]
    (4, 'Keighley', 'Shipley')
    """
    for name, value in (("cluster_share", cluster_share), ("shift_share", shift_share),
                        ("unknown_share", unknown_share), ("recent_share", recent_share)):
        _check_share(name, value)
    if cluster_share + shift_share > 1:
        raise ValueError("cluster_share + shift_share must not exceed 1.")
    rng = np.random.default_rng(seed)
    outline = areas.outline
    top_level = areas.level_names[-1]
    top = areas[top_level].set_index(schema.AREA_NAME)
    names = sorted(top.index)
    for label, chosen in (("shift_from", shift_from), ("shift_to", shift_to)):
        if chosen is not None and chosen not in top.index:
            raise ValueError(f"{label}={chosen!r} is not a {top_level}; choose from {names}.")

    centres = random_points_in(outline, clusters, rng) if clusters else np.empty((0, 2))
    parts = []
    for i, (period_value, n_rows) in enumerate(((before, n_before), (after, n_after))):
        n_unknown = round(n_rows * unknown_share)
        n_located = n_rows - n_unknown
        n_cluster = round(n_located * cluster_share) if clusters else 0
        n_shift = round(n_located * shift_share)
        background = _background_points(areas, n_located - n_cluster - n_shift, rng)
        clustered, _ = _clustered_points(centres, cluster_sd, n_cluster, outline, rng) \
            if n_cluster else (np.empty((0, 2)), None)
        if i == 0 and (shift_from is None or shift_to is None):
            shift_from, shift_to = _default_shift(top, np.vstack([background, clustered]),
                                                  shift_from, shift_to)
        shifted = shift_from if i == 0 else shift_to
        shift = random_points_in(top.loc[shifted, "geometry"], n_shift, rng)
        parts.append(_period_rows(np.vstack([background, clustered, shift]), n_unknown,
                                  parse_period(period_value), categories, recent_share, rng))
    out = _incident_frame(parts, categories)
    out.attrs["hotspots"] = {
        "simulation": {
            "seed": seed,
            "clusters": [{"x": float(x), "y": float(y), "sd": cluster_sd} for x, y in centres],
            "shift_level": top_level,
            "shift_from": shift_from,
            "shift_to": shift_to,
            "before": parse_period(before).label,
            "after": parse_period(after).label,
            "vintage": getattr(areas, "vintage", None),
        }
    }
    logger.info(
        "simulated %d incidents (%d clusters, shift %s -> %s, seed %d)",
        len(out), clusters, shift_from, shift_to, seed,
    )
    return out
