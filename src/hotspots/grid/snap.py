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
        with fewer than two locations, or when not computed: for unsnapped data, or when
        the caller does not use it, see :func:`snap_info`): the scale
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
    # one 64-bit key per point, sorted (not the points as records, which is 10x slower);
    # -0.0 is taken as 0.0, as np.unique's float comparison does
    ux, uy, counts = _hashed_locations(x, y)
    # only the distinct locations are sorted, to np.unique's order
    order = np.lexsort((uy, ux))
    return np.column_stack([ux[order], uy[order]]), counts[order]


def _hashed_locations(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct locations' x and y (in no particular order) and their counts.

    With ``weights`` (int), each point counts that many times.

    The two coordinates' bits are mixed into one 64-bit key and the keys are sorted (numpy's
    SIMD sort: 200k keys in 2-3 ms, an argsort in 6-7 ms, where ``pd.factorize`` hashes
    them in 25-35 ms). All keys distinct means all locations distinct, which needs no
    check. Otherwise equal keys are grouped by an argsort; the mix could in principle give
    two locations one key, so each run of equal keys is checked against the coordinates
    and, should that ever fail, the pairs themselves are hashed. ``+ 0.0`` turns -0.0 into
    0.0, as ``np.unique``'s float comparison treats them alike.
    """
    x = x + 0.0
    y = y + 0.0
    key = ((x.view(np.uint64) * np.uint64(_MIX)) ^ y.view(np.uint64)).view(np.int64)
    ones = np.ones(x.size, dtype=np.int64) if weights is None else weights
    if x.size < 2:
        return x, y, ones.astype(np.int64, copy=False)
    ordered = np.sort(key)
    if (ordered[1:] != ordered[:-1]).all():
        return x, y, ones.astype(np.int64, copy=False)
    order = np.argsort(key)
    ordered = key[order]
    xs, ys = x[order], y[order]
    same = ordered[1:] == ordered[:-1]
    if np.any(same & ((xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1]))):
        z = np.empty(x.size, dtype=np.complex128)  # x + iy, without a multiply's rounding
        z.real = x
        z.imag = y
        codes, uniques = pd.factorize(z)
        counts = np.bincount(codes, weights=weights, minlength=uniques.size)
        return uniques.real.copy(), uniques.imag.copy(), counts.astype(np.int64, copy=False)
    start = np.flatnonzero(np.concatenate(([True], ~same)))
    counts = np.add.reduceat(ones[order], start)
    return xs[start], ys[start], counts.astype(np.int64, copy=False)


def _grouped_locations(x: np.ndarray, y: np.ndarray, groups: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """As :func:`_hashed_locations`, keying one point per group (a group shares a location).

    Each group's coordinates are scattered back from its points. The locations may come
    out in another order (nothing in :class:`SnapInfo` depends on it).
    """
    size = np.bincount(groups)
    gx = np.zeros(size.size)
    gy = np.zeros(size.size)
    gx[groups] = x  # every point of a group has the same coordinates
    gy[groups] = y
    used = size > 0
    return _hashed_locations(gx[used], gy[used], size[used])


def snap_info(x: np.ndarray, y: np.ndarray, *,
              spacing: Literal["always", "if_snapped", "never"] = "always",
              groups: np.ndarray | None = None,
              per_object: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
              ) -> SnapInfo:
    """Summarise the distinct locations of points (snap-point detection).

    Parameters
    ----------
    x, y : numpy.ndarray of float
        Projected coordinates (metres) of the located incidents.
    spacing : {"always", "if_snapped", "never"}
        ``"if_snapped"`` skips the nearest-neighbour spacing (NaN) unless the points are
        snapped: it is the costly part (0.3 s on 200k distinct points, plus 0.1 s to import
        ``scipy.spatial`` the first time) and only snapped data use it. ``"never"`` skips it
        always, for callers that do not use it (a cell size given by the user).
    groups : numpy.ndarray of int, optional
        Points with the same group are known to share a location (e.g.
        :attr:`hotspots.located.LocatedPoints.groups`: rows holding one Point object), so
        only one point per group is hashed. The result is the same as without it.
    per_object : tuple of numpy.ndarray, optional
        ``x``, ``y`` and number of points of each object the points share (as
        :attr:`hotspots.located.LocatedPoints.per_object`, which a grid verb has already
        worked out): only those are hashed, each weighed by its points. The result is the
        same as from the points.

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
    # keyed, not np.unique(axis=0): that sorts rows as records, 0.2-0.3 s on 200k points,
    # more than the Gi* kernel and the binning together
    # (in key order: neither the counts nor the spacing depend on the order)
    if per_object is not None:
        gx, gy, rows = per_object
        ux, uy, counts = _hashed_locations(np.asarray(gx, dtype=float),
                                           np.asarray(gy, dtype=float), rows)
    elif groups is not None:
        ux, uy, counts = _grouped_locations(x, y, np.asarray(groups, dtype=np.int64))
    else:
        ux, uy, counts = _hashed_locations(x, y)
    m = int(ux.size)
    shared = float(counts[counts > 1].sum() / n)
    snapped = n >= SNAP_MIN_INCIDENTS and m <= SNAP_RATIO * n
    spacing_m = math.nan
    if m >= 2 and (spacing == "always" or (spacing == "if_snapped" and snapped)):
        # imported here: scipy.spatial costs ~0.1 s to import and most calls never get here
        from scipy.spatial import cKDTree

        locations = np.column_stack([ux, uy])
        dist, _ = cKDTree(locations).query(locations, k=2)
        spacing_m = float(np.median(dist[:, 1]))
    return SnapInfo(n, m, shared, spacing_m, bool(snapped))
