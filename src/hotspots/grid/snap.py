"""Detect police.uk-style snap points and the spacing of distinct incident locations.

police.uk publishes every crime at an anonymised "snap point" (a street centre or a
landmark) rather than where it happened: in the City of London, 9,356 crimes of 2019 sit
on 560 points. A grid finer than the spacing of those points is mostly empty (84% of the
automatic 34 m cells) and Gi* then calls "hot" many cells that hold no incident at all (25
of 33), only because they sit next to a busy point. The grid verbs therefore choose their
automatic cell size no finer than the typical spacing of the distinct locations when the
data are snapped, and mark hot cells without an incident of their own.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

__all__ = ["SNAP_MIN_INCIDENTS", "SNAP_RATIO", "SnapInfo", "distinct_locations", "snap_info"]

logger = logging.getLogger(__name__)

#: Data are called snapped when distinct locations number at most this share of incidents
#: (on average at least two incidents per location) ...
SNAP_RATIO = 0.5
#: ... and there are at least this many located incidents (fewer say nothing about it).
SNAP_MIN_INCIDENTS = 30


@dataclass(frozen=True)
class SnapInfo:
    """How many distinct places the located incidents occupy, and how far apart they are.

    Attributes
    ----------
    n_located : int
        Located incidents.
    n_locations : int
        Distinct coordinate pairs among them.
    share_at_shared : float
        Share of incidents at a coordinate pair shared with another incident.
    spacing : float
        Median distance from each distinct location to the nearest other one (metres; NaN
        with fewer than two locations, or when not computed for unsnapped data): the scale
        below which a grid only splits the space between snap points.
    snapped : bool
        True when ``n_locations <= SNAP_RATIO * n_located`` and there are at least
        :data:`SNAP_MIN_INCIDENTS` located incidents.
    """

    n_located: int
    n_locations: int
    share_at_shared: float
    spacing: float
    snapped: bool

    def as_attrs(self) -> dict[str, object]:
        """Plain values for ``attrs["hotspots"]["snap"]``."""
        return {
            "n_located": self.n_located,
            "n_locations": self.n_locations,
            "share_at_shared": round(self.share_at_shared, 4),
            "spacing": None if math.isnan(self.spacing) else round(self.spacing, 3),
            "snapped": self.snapped,
        }


#: odd 64-bit multiplier (golden ratio) mixing x's bits before y's are xor-ed in
_MIX = 0x9E3779B97F4A7C15

def distinct_locations(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``(x, y)`` pairs (sorted by x, then y) and how many points sit at each.

    Parameters
    ----------
    x, y : numpy.ndarray of float
        Finite coordinates.

    Returns
    -------
    tuple of numpy.ndarray
        ``(locations, counts)``: shape ``(m, 2)`` and ``(m,)``, as
        ``np.unique(np.column_stack([x, y]), axis=0, return_counts=True)``.

    Examples
    --------
    >>> loc, n = distinct_locations(np.array([1.0, 0.0, 1.0]), np.array([2.0, 5.0, 2.0]))
    >>> loc.tolist(), n.tolist()
    ([[0.0, 5.0], [1.0, 2.0]], [1, 2])
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size == 0:
        return np.empty((0, 2)), np.empty(0, dtype=np.int64)
    # one complex number per point, hashed: O(n), where sorting the points is O(n log n);
    # the hash treats -0.0 as 0.0, as np.unique's float comparison does
    uniques, counts = _hashed_locations(x, y)
    # only the distinct locations are sorted, to np.unique's order
    order = np.lexsort((uniques.imag, uniques.real))
    return np.column_stack([uniques.real[order], uniques.imag[order]]), counts[order]


def _hashed_locations(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Distinct locations as complex numbers (first-seen order) and their counts.

    With ``weights`` (int), each point counts that many times.

    The two coordinates' bits are mixed into one 64-bit key, which hashes about 1.7x
    faster than the complex pair; the mix could in principle give two locations one key,
    so the grouping is checked against the coordinates and, should that ever fail,
    the pairs themselves are hashed. ``+ 0.0`` turns -0.0 into 0.0, as ``np.unique``'s
    float comparison treats them alike.
    """
    x = x + 0.0
    y = y + 0.0
    key = (x.view(np.uint64) * np.uint64(_MIX)) ^ y.view(np.uint64)
    codes, first = pd.factorize(key.view(np.int64))
    ux = np.empty(first.size)
    uy = np.empty(first.size)
    ux[codes] = x
    uy[codes] = y
    if not (np.array_equal(ux[codes], x) and np.array_equal(uy[codes], y)):
        z = np.empty(x.size, dtype=np.complex128)
        z.real = x
        z.imag = y
        codes, uniques = pd.factorize(z)
    else:
        uniques = np.empty(first.size, dtype=np.complex128)
        uniques.real = ux
        uniques.imag = uy
    counts = np.bincount(codes, weights=weights, minlength=uniques.size)
    return uniques, counts.astype(np.int64, copy=False)


def _grouped_locations(x: np.ndarray, y: np.ndarray, groups: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """As :func:`_hashed_locations`, hashing one point per group (a group shares a location).

    The locations may come out in another order (nothing in :class:`SnapInfo` depends on
    it).
    """
    size = np.bincount(groups)
    gx = np.zeros(size.size)
    gy = np.zeros(size.size)
    gx[groups] = x  # every point of a group has the same coordinates
    gy[groups] = y
    used = size > 0
    return _hashed_locations(gx[used], gy[used], size[used])


def snap_info(x: np.ndarray, y: np.ndarray, *,
              spacing: Literal["always", "if_snapped"] = "always",
              groups: np.ndarray | None = None) -> SnapInfo:
    """Summarise the distinct locations of points (snap-point detection).

    Parameters
    ----------
    x, y : numpy.ndarray of float
        Projected coordinates (metres) of the located incidents.
    spacing : {"always", "if_snapped"}
        ``"if_snapped"`` skips the nearest-neighbour spacing (NaN) unless the points are
        snapped: it is the costly part (0.3 s on 200k distinct points) and only snapped
        data use it.
    groups : numpy.ndarray of int, optional
        Points with the same group are known to share a location (e.g.
        :attr:`hotspots.located.LocatedPoints.groups`: rows holding one Point object), so
        only one point per group is hashed. The result is the same as without it.

    Returns
    -------
    SnapInfo

    Examples
    --------
    >>> xs = np.repeat([0.0, 50.0, 100.0], 20)
    >>> s = snap_info(xs, np.zeros(60))
    >>> s.n_locations, s.spacing, s.snapped, s.share_at_shared
    (3, 50.0, True, 1.0)
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = int(x.size)
    if n == 0:
        return SnapInfo(0, 0, 0.0, math.nan, False)
    # hashed, not np.unique(axis=0): that sorts rows as records, 0.2-0.3 s on 200k points,
    # more than the Gi* kernel and the binning together
    # (unsorted: neither the counts nor the spacing depend on the order, and sorting 200k
    # distinct locations costs more than the hashing)
    if groups is None:
        uniques, counts = _hashed_locations(x, y)
    else:
        uniques, counts = _grouped_locations(x, y, np.asarray(groups, dtype=np.int64))
    m = int(uniques.size)
    shared = float(counts[counts > 1].sum() / n)
    snapped = n >= SNAP_MIN_INCIDENTS and m <= SNAP_RATIO * n
    spacing_m = math.nan
    if m >= 2 and (spacing == "always" or snapped):
        locations = np.column_stack([uniques.real, uniques.imag])
        dist, _ = cKDTree(locations).query(locations, k=2)
        spacing_m = float(np.median(dist[:, 1]))
    return SnapInfo(n, m, shared, spacing_m, bool(snapped))
