"""Snap-point summary of located incidents, the same as :func:`hotspots.snap.snap_info`, faster.

Every grid verb summarises the distinct locations of its incidents (is the data snapped to
police.uk snap points, and how far apart are they?). ``snap_info`` finds them with
``np.unique(xy, axis=0)``, which sorts the rows as structured records: about 0.2-0.3 s on
200,000 incidents, more than the Gi* kernel and the grid binning together. Hashing each
point as one complex number (``pandas.factorize``) finds the same locations (same float
equality: -0.0 equals 0.0, as in ``np.unique``) in O(n): 0.2 s on 3 million snapped points,
where even a ``np.lexsort`` of the coordinates takes 0.9 s. Only the distinct locations are
then sorted. The result is the same :class:`~hotspots.snap.SnapInfo`; a test checks that
the two agree.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from hotspots.snap import SNAP_MIN_INCIDENTS, SNAP_RATIO, SnapInfo

__all__ = ["distinct_locations", "snap_summary"]


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
    z = np.empty(x.size, dtype=np.complex128)
    z.real = x
    z.imag = y
    codes, uniques = pd.factorize(z)
    counts = np.bincount(codes, minlength=uniques.size)
    # only the (few) distinct locations are sorted, to np.unique's order
    order = np.lexsort((uniques.imag, uniques.real))
    return np.column_stack([uniques.real[order], uniques.imag[order]]), counts[order]


def snap_summary(x: np.ndarray, y: np.ndarray) -> SnapInfo:
    """:func:`hotspots.snap.snap_info`, with the distinct locations found by hashing.

    Parameters
    ----------
    x, y : numpy.ndarray of float
        Projected coordinates (metres) of the located incidents.

    Returns
    -------
    hotspots.snap.SnapInfo

    Examples
    --------
    >>> s = snap_summary(np.repeat([0.0, 50.0, 100.0], 20), np.zeros(60))
    >>> s.n_locations, s.spacing, s.snapped, s.share_at_shared
    (3, 50.0, True, 1.0)
    """
    x = np.asarray(x, dtype=float)
    n = int(x.size)
    if n == 0:
        return SnapInfo(0, 0, 0.0, math.nan, False)
    locations, counts = distinct_locations(x, y)
    m = int(locations.shape[0])
    shared = float(counts[counts > 1].sum() / n)
    spacing = math.nan
    if m >= 2:
        dist, _ = cKDTree(locations).query(locations, k=2)
        spacing = float(np.median(dist[:, 1]))
    snapped = n >= SNAP_MIN_INCIDENTS and m <= SNAP_RATIO * n
    return SnapInfo(n, m, shared, spacing, bool(snapped))
