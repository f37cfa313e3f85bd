"""Small helpers shared by the hotspot verbs: result attrs, labels and the inference choice.

Kept apart from :mod:`hotspots.hotspot` so that the grid verbs, the area verbs
(:mod:`hotspots.hotspot.areas`) and Local Moran (:mod:`hotspots.hotspot_moran`) use one
definition without importing each other.
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots._params import current_verb
from hotspots._version import __version__

__all__ = [
    "AUTO_PERMUTATIONS",
    "DEFAULT_SEED",
    "HOTSPOT_LABELS",
    "SKEW_LIMIT",
    "SPARSE_LIMIT",
    "choose_permutations",
    "finish",
    "hot_cold_labels",
]

logger = logging.getLogger(__name__)

#: Categories of the ``hotspot`` column, in order.
HOTSPOT_LABELS = ("hot", "cold", "not significant")
#: Permutations used when ``permutations="auto"`` decides the normal approximation is unsafe.
#: The smallest two-sided p-value is 2 / (R + 1) and Benjamini-Hochberg's first cut-off is
#: alpha / n, so with 9,999 draws no cell of a grid of more than 500 cells could ever be
#: significant on its own; 99,999 (the most esda and ArcGIS allow) costs about 1 s per
#: 100,000 cells with the grouped null of :mod:`hotspots.stats.permutation`.
AUTO_PERMUTATIONS = 99_999
#: Seed used when permutations run without ``random_state``, so that the same data give the
#: same map on every run (an analyst re-running a report must not see cells flip).
DEFAULT_SEED = 20_191_231
#: ``permutations="auto"`` permutes, for incidents on snap points, when at least this share
#: of the observations is 0 ...
SPARSE_LIMIT = 0.5
#: ... or when the sample skewness of the values is at least this. Piles of incidents on
#: single snap points make a neighbourhood sum far from normal in the upper tail, where hot
#: spots are called (City of London 2019 at 100 m: skewness 5.7, 7 cells significant under
#: 99,999 permutations against 14 under the normal approximation). Data that are not
#: snapped keep the normal approximation: conditional randomisation holds each cell's own
#: count fixed, so a genuine cluster whose own cells are busy is lost (hotspots.simulate on
#: Bradford at 500 m, 56% empty cells: a planted centre cell with 70 incidents against a
#: mean of 1.2, z = 11.5, is not significant after FDR with 9,999 permutations, p_adj 0.09).
#: On snapped data a cell's own count is mostly a pile on one anonymous point, which is
#: exactly what should not count as a spatial cluster.
SKEW_LIMIT = 2.0


def finish(frame: gpd.GeoDataFrame, function: str, info: dict[str, Any]) -> gpd.GeoDataFrame:
    """Set ``frame.attrs["hotspots"]`` to ``{"function": function, **info, "version": ...}``."""
    frame.attrs = {}
    frame.attrs["hotspots"] = {"function": function, **info, "version": __version__}
    return frame


def hot_cold_labels(z: np.ndarray, p_adj: np.ndarray, alpha: float) -> pd.Categorical:
    """``hot`` / ``cold`` / ``not significant`` from the sign of z and ``p_adj <= alpha``."""
    # a NaN p-value counts as 1 (not significant unless alpha >= 1); a NaN z compares
    # False, so it is neither hot nor cold
    p_adj = np.asarray(p_adj)
    sig = p_adj <= alpha
    if alpha >= 1.0:
        sig |= np.isnan(p_adj)
    z = np.asarray(z)
    # codes into HOTSPOT_LABELS: building the categorical from strings is 10x slower
    codes = np.full(sig.shape, 2, dtype=np.int8)
    codes[sig & (z > 0)] = 0
    codes[sig & (z < 0)] = 1
    dtype = pd.CategoricalDtype(list(HOTSPOT_LABELS))
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def _skewness(v: np.ndarray) -> float:
    """Sample skewness, ``scipy.stats.skew(v)`` (biased: m3 / m2 ** 1.5).

    Written out so that the grid verbs do not import scipy.stats (half a second) for it.
    """
    d = v - v.mean()
    m2 = float(np.mean(d * d))
    return float(np.mean(d * d * d)) / m2 ** 1.5

def choose_permutations(
    permutations: int | str,
    values: np.ndarray,
    random_state: int | np.random.Generator | None,
    *,
    caller: str | None = None,
    compat: str | None = None,
    snapped: bool = False,
) -> tuple[int, int | np.random.Generator, str]:
    """Resolve ``permutations="auto"`` and the seed; return (R, seed, reason).

    Parameters
    ----------
    permutations : int or "auto"
        An explicit count (0, or 99 to 99,999) is kept. ``"auto"`` gives
        :data:`AUTO_PERMUTATIONS` when the incidents sit on snap points and the tested
        values are sparse (at least :data:`SPARSE_LIMIT` of them 0) or skewed (skewness at
        least :data:`SKEW_LIMIT`), else 0; always 0 with a ``compat`` mode.
    values : numpy.ndarray
        The values tested (one per observation).
    random_state : int, numpy.random.Generator or None
        None becomes :data:`DEFAULT_SEED` when permutations run.
    caller : str, optional
        Name of the calling verb, for messages and the log; default the running verb.
    compat : str or None
        Peer-compatibility mode of the caller.
    snapped : bool
        Whether the incidents sit on snap points (:func:`hotspots.grid.snap.snap_info`).

    Returns
    -------
    tuple
        Number of permutations, the seed or generator to use, and the reason recorded in
        ``attrs["hotspots"]["inference_reason"]``.

    Examples
    --------
    >>> sparse = np.r_[np.zeros(8), 5, 9]
    >>> r, seed, why = choose_permutations("auto", sparse, None, caller="x", snapped=True)
    >>> r, seed == DEFAULT_SEED, why.split(":")[0]
    (99999, True, 'automatic')
    >>> choose_permutations("auto", sparse, None, caller="x")[0]  # not snapped
    0
    """
    caller = caller or current_verb()
    if isinstance(permutations, str):
        if permutations != "auto":
            raise ValueError(
                f"The 'permutations' parameter of {caller} must be 'auto' or 0 or an int in "
                f"[99, 99999]. Got {permutations!r} instead."
            )
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        zero_share = float((v == 0).mean()) if v.size else 0.0
        skew = _skewness(v) if v.size > 2 and v.std() > 0 else 0.0
        if compat is not None:
            chosen, reason = 0, f"automatic: normal approximation ({compat} compatibility)"
        elif snapped and (zero_share >= SPARSE_LIMIT or skew >= SKEW_LIMIT):
            chosen = AUTO_PERMUTATIONS
            parts = []
            if zero_share >= SPARSE_LIMIT:
                parts.append(f"{zero_share:.0%} of the values are 0 (sparse)")
            if skew >= SKEW_LIMIT:
                parts.append(f"skewness {skew:.1f} >= {SKEW_LIMIT:g}")
            reason = (
                f"automatic: snap points and {' and '.join(parts)}, so the normal "
                f"approximation is unreliable; {chosen} conditional permutations"
            )
        else:
            chosen = 0
            reason = (
                f"automatic: normal approximation ({zero_share:.0%} zeros, skewness "
                f"{skew:.1f}" + ("" if snapped else "; not snap points") + ")"
            )
        logger.info("%s: %s", caller, reason)
    else:
        chosen = permutations
        reason = "given"
    seed: int | np.random.Generator = DEFAULT_SEED if random_state is None else random_state
    return chosen, seed, reason
