"""Per-child summaries of missing episodes: how often, how long, how far, repeat flags."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from hotspots._params import Positive, validate_params
from hotspots.episodes._common import NAT, check_episodes, child_codes, start_times, xy_of

__all__ = ["per_child", "repeat_flags"]

logger = logging.getLogger(__name__)

_DAY_NS = 86_400 * 10**9


@validate_params({"min_episodes": Positive(), "within_days": Positive()})
def repeat_flags(episodes: pd.DataFrame, *, min_episodes: int = 3,
                 within_days: float = 90.0) -> np.ndarray:
    """Flag each episode that belongs to a run of ``min_episodes`` within ``within_days``.

    Parameters
    ----------
    episodes : pandas.DataFrame
        Columns ``child`` (pseudonym) and ``start``.
    min_episodes : int, default 3
        Episodes that make a repeat run.
    within_days : float, default 90
        Length of the window: the first and last starts of the run are at most this many
        days apart.

    Returns
    -------
    numpy.ndarray of bool
        Aligned with ``episodes``: True when the episode is in at least one such run of its
        child. Episodes without a child or a start are never flagged.

    Examples
    --------
    >>> from hotspots.episodes import repeat_flags
    >>> df = pd.DataFrame({"child": ["a", "a", "a", "b"], "start": pd.to_datetime(
    ...     ["2019-01-01", "2019-02-01", "2019-03-01", "2019-01-01"])})
    >>> repeat_flags(df).tolist()
    [True, True, True, False]
    """
    check_episodes(episodes)
    n = int(min_episodes)
    window = float(within_days) * _DAY_NS
    codes, _ = child_codes(episodes["child"])
    return _repeat_runs(codes, start_times(episodes), n, window)


def _repeat_runs(codes: np.ndarray, t: np.ndarray, n: int, window: float) -> np.ndarray:
    """:func:`repeat_flags` on integer keys (-1: none) and int64 times (NaT: min int64)."""
    ok = (codes >= 0) & (t != NAT)
    order = np.flatnonzero(ok)[np.lexsort((t[ok], codes[ok]))]
    c, ts = codes[order], t[order]
    flag_sorted = np.zeros(len(order), dtype=bool)
    if n == 1:
        flag_sorted[:] = True
    elif len(order) >= n:
        # run i .. i+n-1 of the same key within the window: flag every episode in it
        head = (c[: len(c) - n + 1] == c[n - 1:]) & (ts[n - 1:] - ts[: len(ts) - n + 1]
                                                     <= window)
        # an episode j is in a run starting at i for some i in [j-n+1, j]
        starts = np.concatenate([head.astype(np.int64), np.zeros(n - 1, dtype=np.int64)])
        csum = np.concatenate([[0], np.cumsum(starts)])
        j = np.arange(len(order))
        lo = np.maximum(j - n + 1, 0)
        flag_sorted = (csum[j + 1] - csum[lo]) > 0
    out = np.zeros(len(codes), dtype=bool)
    out[order] = flag_sorted
    return out


@validate_params({"min_episodes": Positive(), "within_days": Positive()})
def per_child(episodes: pd.DataFrame, *, min_episodes: int = 3, within_days: float = 90.0,
              origin: str = "from_geometry", found: str = "found_geometry") -> pd.DataFrame:
    """Summarise each child's missing episodes.

    Parameters
    ----------
    episodes : pandas.DataFrame
        The output of :func:`hotspots.read_missing_episodes` (or
        :func:`hotspots.simulate_episodes`): ``child`` (pseudonym), ``start``, ``end``,
        ``duration_hours`` and the two geometry columns.
    min_episodes, within_days
        The repeat-missing rule (default 3 or more episodes within 90 days), see
        :func:`repeat_flags`.
    origin : str, default "from_geometry"
        Where the distance is measured from: the placement the child went missing from, or
        a home-location point column.
    found : str, default "found_geometry"
        Where the child was found.

    Returns
    -------
    pandas.DataFrame
        One row per child (pseudonym; raw ids never reach this frame), most episodes first:
        ``child``, ``episodes``, ``first_start``, ``last_start``, ``repeat`` (bool: any run of
        the rule), ``episodes_in_repeat_runs``, ``total_hours``, ``longest_hours`` (NaN
        when no duration is known), ``n_found_located``, ``mean_distance_m`` and
        ``max_distance_m`` (origin to found, over episodes with both points known).
        ``attrs["hotspots"]``: the rule, ``n_episodes``, ``n_no_child`` (episodes without a
        child id, left out), ``mode`` ("restricted": per-child rows are not for
        publication).

    Examples
    --------
    >>> from hotspots.io import load_boundaries
    >>> from hotspots.simulate.children import simulate_episodes
    >>> areas = load_boundaries("bradford-2013")
    >>> episodes = simulate_episodes(areas, fy_counts={"2017/18": 300}, n_children=60, seed=1)
    >>> from hotspots.episodes import per_child
    >>> children = per_child(episodes)
    >>> children[["episodes", "repeat"]].head(3)
       episodes  repeat
    0        40    True
    1        25    True
    2        25    True
    """
    check_episodes(episodes, needed=("child", "start"))
    codes, uniques = child_codes(episodes["child"])
    n_child = len(uniques)
    ok = codes >= 0
    cc = codes[ok]
    flags = repeat_flags(episodes, min_episodes=min_episodes, within_days=within_days)
    t = start_times(episodes)[ok].astype(float)
    t[t == float(NAT)] = np.nan
    n_eps = np.bincount(cc, minlength=n_child)
    first = np.full(n_child, np.inf)
    last = np.full(n_child, -np.inf)
    np.fmin.at(first, cc, t)
    np.fmax.at(last, cc, t)
    hours = (episodes["duration_hours"].to_numpy(dtype=float, na_value=np.nan)[ok]
             if "duration_hours" in episodes.columns else np.full(len(cc), np.nan))
    has_h = ~np.isnan(hours)
    total = np.bincount(cc[has_h], weights=hours[has_h], minlength=n_child)
    longest = np.full(n_child, -np.inf)
    np.maximum.at(longest, cc[has_h], hours[has_h])
    n_h = np.bincount(cc[has_h], minlength=n_child)
    dist = np.full(len(cc), np.nan)
    if origin in episodes.columns and found in episodes.columns:
        ox, oy = xy_of(episodes[origin])
        fx, fy = xy_of(episodes[found])
        dist = np.hypot(fx - ox, fy - oy)[ok]
    elif found in episodes.columns or origin != "from_geometry":
        missing = origin if origin not in episodes.columns else found
        check_episodes(episodes, needed=(missing,))
    has_d = ~np.isnan(dist)
    n_d = np.bincount(cc[has_d], minlength=n_child)
    sum_d = np.bincount(cc[has_d], weights=dist[has_d], minlength=n_child)
    max_d = np.full(n_child, -np.inf)
    np.maximum.at(max_d, cc[has_d], dist[has_d])
    in_runs = np.bincount(cc, weights=flags[ok].astype(float), minlength=n_child)

    def _ts(v: np.ndarray) -> pd.Series:
        v = np.where(np.isfinite(v), v, np.nan)
        return pd.to_datetime(pd.Series(v).astype("Int64"), unit="ns")

    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({
            "child": pd.array(uniques, dtype="string"),
            "episodes": n_eps.astype(np.int64),
            "first_start": _ts(first),
            "last_start": _ts(last),
            "repeat": in_runs > 0,
            "episodes_in_repeat_runs": in_runs.astype(np.int64),
            "total_hours": np.where(n_h > 0, total, np.nan),
            "longest_hours": np.where(n_h > 0, longest, np.nan),
            "n_found_located": n_d.astype(np.int64),
            "mean_distance_m": np.where(n_d > 0, sum_d / np.maximum(n_d, 1), np.nan),
            "max_distance_m": np.where(n_d > 0, max_d, np.nan),
        })
    out = out.sort_values(["episodes", "child"], ascending=[False, True],
                          kind="stable").reset_index(drop=True)
    n_no_child = int((~ok).sum())
    if n_no_child:
        logger.info("per_child: %d episodes without a child id are left out.", n_no_child)
    out.attrs["hotspots"] = {
        "function": "per_child", "mode": "restricted",
        "repeat_rule": f"{int(min_episodes)} or more episodes within {within_days:g} days",
        "n_episodes": len(episodes), "n_no_child": n_no_child, "n_children": n_child,
        "n_repeat_children": int(out["repeat"].sum()),
        "distance": f"straight line from {origin!r} to {found!r}, metres",
    }
    return out
