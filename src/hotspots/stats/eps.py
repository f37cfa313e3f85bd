"""Default DBSCAN search distance from the knee of the k-distance curve.

ArcGIS's default (the largest core distance after dropping the top 1%) keeps 99% of
incidents within reach of a core point, so on a dense district it chains nearly everything
into one cluster: on City of London 2019 police.uk data it gives 177 m and one cluster of
9,123 of the 9,356 located incidents. The classic DBSCAN heuristic (Ester et al. 1996) reads
eps off the sorted k-distance curve instead, where it bends upward from the dense
background into the sparse tail; the bend is found here as in Kneedle (Satopaa et al. 2011):
the point of the normalised curve farthest below the chord joining its ends.

The curve is built for police data:

- the k-distance of a location is its *core distance* (distance at which the incidents
  within reach, its own included, first reach ``min_samples``), so k = min_samples counts
  weights, not distinct points;
- locations that hold ``min_samples`` incidents on their own (core distance 0: core at any
  eps) say nothing about the scale and are left out;
- each remaining location counts once per incident it holds (the curve is over incidents);
- distances above Tukey's upper fence (Q3 + 1.5 IQR) are left out before the knee is found:
  police.uk files carry stray points tens of kilometres away (213 km in City 2019), which
  would otherwise stretch the curve so that its bend sits at kilometres.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["TUKEY_FENCE", "eps_knee", "knee_of_sorted"]

#: Multiple of the interquartile range above Q3 beyond which k-distances are strays.
TUKEY_FENCE = 1.5


def knee_of_sorted(y: np.ndarray) -> int:
    """Index of the knee of an increasing curve (the point farthest below its chord).

    Parameters
    ----------
    y : numpy.ndarray of float
        Values sorted in increasing order (at least one).

    Returns
    -------
    int
        Index into ``y``; 0 when the curve is flat.

    Examples
    --------
    >>> knee_of_sorted(np.array([1.0, 1.0, 1.1, 1.2, 1.3, 5.0, 9.0]))
    4
    """
    n = y.size
    if n < 3 or y[-1] == y[0]:
        return 0
    x = np.linspace(0.0, 1.0, n)
    yn = (y - y[0]) / (y[-1] - y[0])
    return int(np.argmax(x - yn))


def eps_knee(core: np.ndarray, counts: np.ndarray, min_samples: int) -> tuple[float, str]:
    """DBSCAN eps at the knee of the incident-weighted k-distance curve, with the reason.

    Parameters
    ----------
    core : numpy.ndarray of float
        Core distance of each distinct location (``inf`` when unreachable).
    counts : numpy.ndarray of int
        Incidents at each location.
    min_samples : int
        DBSCAN's ``min_samples`` (the k of the k-distance).

    Returns
    -------
    tuple
        ``(eps, reason)``; eps is NaN when no location can reach ``min_samples``.

    Raises
    ------
    ValueError
        When every location holds ``min_samples`` incidents on its own (every core distance
        is 0, so the curve has no scale).

    Examples
    --------
    A busy place (core distance 0), a dense street (8-14 m), a sparser edge (20-45 m) and a
    stray point 900 m away:

    >>> core = np.array([0.0, 8, 9, 10, 11, 12, 13, 14, 20, 30, 45, 900])
    >>> eps, reason = eps_knee(core, np.array([40] + [2] * 10 + [1]), 5)
    >>> eps
    14.0
    """
    core = np.asarray(core, dtype=float)
    counts = np.asarray(counts)
    finite = np.isfinite(core)
    if not finite.any():
        return math.nan, (
            f"no location reaches min_samples={min_samples} incidents at any distance "
            "(fewer incidents than min_samples), so every incident is noise"
        )
    positive = finite & (core > 0)
    if not positive.any():
        raise ValueError(
            f"Cannot choose eps automatically: every location holds at least "
            f"min_samples={min_samples} incidents, so every core distance is 0. "
            "Pass eps= (metres)."
        )
    y = np.sort(np.repeat(core[positive], counts[positive]))
    q1, q3 = np.quantile(y, [0.25, 0.75])
    fence = q3 + TUKEY_FENCE * (q3 - q1)
    kept = y[y <= fence]
    eps = float(kept[knee_of_sorted(kept)])
    reason = (
        f"knee of the k-distance curve (k = min_samples={min_samples}, weighted by incidents; "
        f"{kept.size:,} incidents at locations that need neighbours to reach min_samples, "
        f"{y.size - kept.size:,} beyond the upper fence of {fence:,.0f} m left out)"
    )
    return eps, reason
