"""Know where the data are: refuse a boundary set that most incidents fall outside.

The wrong boundary set gives a table of zeros and a large "Outside district" row, which is a
silent wrong answer. :func:`check_outside` (called by :func:`hotspots.areas.assign_areas`)
stops with an error when most located incidents fall outside every area, and names the
registered boundary sets whose extent holds them. :func:`sets_holding` is what the command
line uses to pick the set that holds the data.

The extent of a registered set is its bounding box in British National Grid, stored in the
registry (``bbox_27700`` in ``boundaries/manifest.json``) so that it is known without reading
any boundary file; for a set without one, it is computed from its files when they are on this
machine.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Sequence

import numpy as np

from hotspots.areas.registry import boundary_manifest
from hotspots.errors import Problem, ValidationError
from hotspots.located import located_points

__all__ = ["MIN_LOCATED", "OUTSIDE_LIMIT", "OutsideAreasError", "check_outside",
           "describe_candidates", "located_xy", "registered_extents", "sets_holding"]

logger = logging.getLogger(__name__)

#: More than this share of located incidents outside every area is refused.
OUTSIDE_LIMIT = 0.5
#: Below this many located incidents a share says little (3 of 5 outside is chance as often
#: as a wrong set): they are refused only when all are outside and a registered set holds them.
MIN_LOCATED = 10
# A set is listed as holding the data when its extent holds at least this share of them.
_HOLDS = 0.5
# Sets holding nearly all the points are listed first, the tightest first.
_NEARLY_ALL = 0.95

BBox = tuple[float, float, float, float]


class OutsideAreasError(ValidationError):
    """Most located incidents fall outside every area of the boundary set.

    Attributes
    ----------
    candidates : list of (str, float)
        Registered sets whose extent holds the incidents, with the share they hold, best
        first (empty when none does).
    """

    def __init__(self, problem: Problem, candidates: Sequence[tuple[str, float]]) -> None:
        self.candidates = list(candidates)
        super().__init__(problem)


@functools.lru_cache(maxsize=1)
def _extents() -> tuple[tuple[str, BBox], ...]:
    out: list[tuple[str, BBox]] = []
    for name, entry in boundary_manifest()["sets"].items():
        bbox = entry.get("bbox_27700")
        if bbox is None:
            # the registry stores every set's extent (tests/io check it against the files
            # with hotspots.io.boundaries.boundary_extent); a set without one is skipped
            logger.info("the registry gives no extent (bbox_27700) for %s; skipped", name)
            continue
        xmin, ymin, xmax, ymax = (float(v) for v in bbox)
        out.append((name, (xmin, ymin, xmax, ymax)))
    return tuple(out)


def registered_extents() -> dict[str, BBox]:
    """Return the extent of every registered boundary set whose extent is known.

    Returns
    -------
    dict of str to tuple
        Set name to ``(min_easting, min_northing, max_easting, max_northing)`` in metres
        (EPSG:27700), in registry order.

    Examples
    --------
    >>> from hotspots.areas.extent import registered_extents
    >>> registered_extents()["bradford-2013"]
    (396065.0, 425348.0, 423800.0, 451900.0)
    """
    return dict(_extents())


def sets_holding(x: np.ndarray, y: np.ndarray, *,
                 min_share: float = _HOLDS) -> list[tuple[str, float]]:
    """List the registered sets whose extent holds at least ``min_share`` of the points.

    Parameters
    ----------
    x, y : numpy.ndarray
        Eastings and northings (EPSG:27700) of located incidents.
    min_share : float, default 0.5
        The share of the points a set's extent must hold to be listed.

    Returns
    -------
    list of (str, float)
        ``(name, share)``, best first: sets holding at least 95 % of the points first, the
        one with the smallest extent first (the tightest fit), then the others by share.

    Examples
    --------
    >>> from hotspots.areas.extent import sets_holding
    >>> import numpy as np
    >>> sets_holding(np.array([416000.0]), np.array([433000.0]))
    [('bradford-2013', 1.0)]
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if len(x) == 0:
        return []
    found = []
    for name, (x0, y0, x1, y1) in _extents():
        share = float(np.mean((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)))
        if share >= min_share:
            found.append((name, share, (x1 - x0) * (y1 - y0)))
    found.sort(key=lambda t: (t[1] < _NEARLY_ALL, t[2] if t[1] >= _NEARLY_ALL else -t[1]))
    return [(name, share) for name, share, _ in found]


def _percent(share: float) -> str:
    # never round 99.96 % up to "100 %" or 0.04 % down to "0 %": floor/ceil to one decimal
    value = 100 * share
    shown = math.floor(value * 10) / 10 if value > 50 else math.ceil(value * 10) / 10
    return f"{shown:.1f}%"


def describe_candidates(candidates: Sequence[tuple[str, float]]) -> str:
    """``"city-of-london-2013 (99.4% of them), london-central-2013 (99.9%)"``."""
    parts = [f"{name} ({_percent(share)}{' of them' if k == 0 else ''})"
             for k, (name, share) in enumerate(candidates)]
    return ", ".join(parts)


def check_outside(x: np.ndarray, y: np.ndarray, outside: np.ndarray, *, areas_name: str,
                  level: str, allow_outside: bool) -> None:
    """Refuse when most located incidents fall outside every area of a level.

    Parameters
    ----------
    x, y : numpy.ndarray
        Eastings and northings (EPSG:27700) of the located incidents.
    outside : numpy.ndarray of bool
        Whether each located incident falls outside every area of ``level``.
    areas_name : str
        The boundary set's name, for the message.
    level : str
        The level checked.
    allow_outside : bool
        When True, nothing is refused (the incidents are meant to lie mostly outside, e.g. a
        force-wide download counted by the wards of one district).

    Raises
    ------
    OutsideAreasError
        When more than half of the located incidents are outside: the message gives the
        numbers and the registered sets whose extent holds the incidents. With fewer than
        ``MIN_LOCATED`` (10) located incidents, only when every one is outside and a
        registered set holds them.

    Examples
    --------
    >>> from hotspots.areas.extent import check_outside
    >>> import numpy as np
    >>> check_outside(np.array([1.0]), np.array([1.0]), np.array([False]),
    ...               areas_name="toy", level="ward", allow_outside=False)
    """
    outside = np.asarray(outside, dtype=bool)
    n_located = len(outside)
    n_out = int(outside.sum())
    if allow_outside or n_located == 0 or n_out <= OUTSIDE_LIMIT * n_located:
        return
    if n_located < MIN_LOCATED and n_out < n_located:
        return
    candidates = [c for c in sets_holding(x[outside], y[outside]) if c[0] != areas_name]
    if n_located < MIN_LOCATED and not candidates:
        return
    head = (f"{n_out:,} of {n_located:,} located incidents ({_percent(n_out / n_located)}) "
            f"fall outside every {level} of the boundary set {areas_name!r}, so a table by "
            f"{level} would be mostly 'Outside district'.")
    if candidates:
        best = candidates[0][0]
        where = (f"The registered boundary set(s) whose extent holds them: "
                 f"{describe_candidates(candidates)}. Use load_boundaries({best!r}) "
                 f"(command line: --boundaries {best}).")
    else:
        where = ("No registered boundary set holds them: give boundaries that cover the data "
                 "(hotspots.read_boundaries, or --wards/--constituencies on the command line).")
    tail = ("If the data cover a larger area on purpose (e.g. a force-wide download counted "
            "by the wards of one district), pass allow_outside=True (--allow-outside).")
    raise OutsideAreasError(Problem("outside_areas", f"{head} {where} {tail}",
                                    n_rows=n_out), candidates)


def located_xy(incidents: object) -> tuple[np.ndarray, np.ndarray]:
    """Return the eastings and northings (EPSG:27700) of the located incidents.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        A canonical incident frame (points, empty points for unknown locations).

    Returns
    -------
    tuple of numpy.ndarray
        ``x, y`` of the rows with a point whose ``location_status`` (when present) is not
        ``"unknown"``.

    Examples
    --------
    >>> from hotspots.areas.extent import located_xy
    >>> import geopandas as gpd
    >>> import shapely
    >>> frame = gpd.GeoDataFrame(geometry=[shapely.Point(1, 2), shapely.Point()],
    ...                          crs="EPSG:27700")
    >>> located_xy(frame)
    (array([1.]), array([2.]))
    """
    pts = located_points(incidents, reproject=True)
    return pts.x, pts.y
