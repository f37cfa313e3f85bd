"""Fisher-Jenks natural breaks, vectorised: mapclassify's algorithm at numpy speed.

mapclassify's ``FisherJenks`` runs its dynamic programme as a numba kernel and, without
numba (not a dependency here: it adds about 50 MB and seconds of compilation to the first map),
as pure Python loops: about 0.3 s for the 300 values a map classes, on every map built. This
is the same programme with the inner loops as numpy operations: the same float32
accumulation order and the same tie rule (the last split reaching the minimum wins), so the
breaks are identical to mapclassify's (``tests/maps/test_jenks.py`` checks that).
"""

from __future__ import annotations

import numpy as np

__all__ = ["fisher_jenks_bins"]


def fisher_jenks_bins(values: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of the ``k`` natural-breaks classes of ``values`` (as ``FisherJenks.bins``).

    Parameters
    ----------
    values : numpy.ndarray
        Finite numbers; at least ``k`` of them.
    k : int
        Number of classes.

    Returns
    -------
    numpy.ndarray
        ``k`` class upper bounds, the last being the maximum.
    """
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = x.size
    x32 = x.astype(np.float32)
    lower = np.zeros((n + 1, k + 1), dtype=np.int64)  # first value (1-based) of the last class
    cost = np.zeros((n + 1, k + 1), dtype=np.float32)
    lower[1, 1:] = 1
    cost[2:, 1:] = np.inf
    for last in range(2, n + 1):
        # the candidate last classes are values i3..last (1-based), i3 = last, last-1, ..., 1;
        # sums accumulate from the top value down in float32, as the reference kernel does
        down = x32[:last][::-1]
        s1 = np.cumsum(down, dtype=np.float32)
        s2 = np.cumsum(down * down, dtype=np.float32)
        w = np.arange(1, last + 1, dtype=np.float32)
        ssd = s2 - (s1 * s1) / w  # index m-1 <-> the class i3 = last - m + 1 .. last
        i3 = last - np.arange(1, last + 1) + 1
        usable = i3 >= 2  # a class below must exist
        if usable.any():
            i4 = i3[usable] - 1
            candidates = ssd[usable][:, None] + cost[i4, 1:k]  # (m, j-1) for j = 2..k
            best = candidates.min(axis=0)
            # ties: the kernel keeps updating on >=, so the last m reaching the minimum wins
            hit = candidates == best[None, :]
            last_m = hit.shape[0] - 1 - np.argmax(hit[::-1], axis=0)
            update = best <= cost[last, 2:k + 1]
            cols = np.arange(2, k + 1)[update]
            cost[last, cols] = best[update]
            lower[last, cols] = i3[usable][last_m[update]]
        lower[last, 1] = 1
        cost[last, 1] = ssd[-1]
    bins = np.zeros(k + 1, dtype=np.float64)
    bins[k] = x[n - 1]
    bins[0] = x[0]
    row = n
    for count in range(k, 1, -1):
        pivot = lower[row, count]
        bins[count - 1] = x[int(pivot) - 2]
        row = int(pivot) - 1
    return bins[1:]
