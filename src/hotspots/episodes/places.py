"""Per-place summaries: where children go missing from (placements, children's homes)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from hotspots._params import Positive, Probability, validate_params
from hotspots.episodes._common import NAT, check_episodes, child_codes, start_times, xy_of
from hotspots.episodes.children import _repeat_runs
from hotspots.stats.inference import etest_many

__all__ = ["per_place"]

logger = logging.getLogger(__name__)

_DAY_NS = 86_400 * 10**9


def _place_keys(episodes: pd.DataFrame, place: str | None, snap: float
                ) -> tuple[np.ndarray, pd.Index, np.ndarray, np.ndarray]:
    """Codes per episode (-1 unknown), place labels, and each place's x and y."""
    x, y = xy_of(episodes["from_geometry"]) if "from_geometry" in episodes.columns else (
        np.full(len(episodes), np.nan), np.full(len(episodes), np.nan))
    if place is not None:
        check_episodes(episodes, needed=(place,))
        labels = episodes[place].astype("string").str.strip().replace("", pd.NA)
        codes, uniques = pd.factorize(labels, use_na_sentinel=True)
    else:
        # the same address point gives the same coordinates; snapping to ``snap`` metres
        # joins points a geocoder placed a few metres apart
        gx, gy = np.round(x / snap) * snap, np.round(y / snap) * snap
        known = np.isfinite(gx) & np.isfinite(gy)
        codes = np.full(len(x), -1, dtype=np.int64)
        pairs, inverse = np.unique(np.column_stack([gx[known], gy[known]]), axis=0,
                                   return_inverse=True)
        codes[known] = inverse.ravel()
        uniques = np.array([f"{a:.0f},{b:.0f}" for a, b in pairs], dtype=object)
    n = len(uniques)
    ok = codes >= 0
    has = ok & np.isfinite(x)
    px = np.bincount(codes[has], weights=x[has], minlength=n)
    py = np.bincount(codes[has], weights=y[has], minlength=n)
    nh = np.bincount(codes[has], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        px, py = np.where(nh > 0, px / nh, np.nan), np.where(nh > 0, py / nh, np.nan)
    return codes.astype(np.int64), pd.Index(uniques), px, py


@validate_params({"snap": Positive(), "min_episodes": Positive(), "within_days": Positive(),
                  "alpha": Probability()})
def per_place(episodes: pd.DataFrame, *, place: str | None = None, snap: float = 1.0,
              min_episodes: int = 3, within_days: float = 90.0, as_of: Any = None,
              alpha: float = 0.05) -> pd.DataFrame:
    """Rank the places children go missing from, with children, repeats and a trend.

    Parameters
    ----------
    episodes : pandas.DataFrame
        The output of :func:`hotspots.read_missing_episodes`.
    place : str, optional
        A column naming the placement (home name or reference). Default: the "from"
        location, snapped to ``snap`` metres, is the place.
    snap : float, default 1.0
        Grid (metres) used to join "from" points into places when ``place`` is not given.
    min_episodes, within_days
        The repeat-missing rule of :func:`hotspots.episodes.repeat_flags`.
    as_of : date-like, optional
        End of the trend windows (default: the day after the last start). The trend
        compares the 365 days before ``as_of`` with the 365 days before those.
    alpha : float
        Significance level of the trend's E-test.

    Returns
    -------
    pandas.DataFrame
        One row per place, most episodes first: ``rank``, ``place``, ``x``, ``y`` (mean
        "from" point, EPSG:27700; NaN when unknown), ``episodes``, ``children`` (distinct),
        ``repeat_children`` (children with a repeat run among their episodes from this
        place), ``repeat_share`` (``repeat_children / children``), ``episodes_last_year``,
        ``episodes_previous_year``, ``trend_p`` (E-test) and ``trend`` ("up", "down",
        "no significant change"). Episodes with no known place are left out and counted
        in ``attrs["hotspots"]["n_no_place"]``. The table is for analysts (``mode``
        "restricted"): a place can be a family home.

    Examples
    --------
    >>> from hotspots.io import load_boundaries
    >>> from hotspots.simulate.children import simulate_episodes
    >>> areas = load_boundaries("bradford-2013")
    >>> episodes = simulate_episodes(areas, fy_counts={"2017/18": 300}, n_children=60, seed=1)
    >>> from hotspots.episodes import per_place
    >>> per_place(episodes)[["rank", "place", "episodes", "trend"]].head(2)
       rank          place  episodes trend
    0     1  408884,440431        45    up
    1     2  414748,435517        40    up
    """
    check_episodes(episodes, needed=("child", "start"))
    snap = float(snap)
    codes, labels, px, py = _place_keys(episodes, place, snap)
    n_place = len(labels)
    ok = codes >= 0
    cc = codes[ok]
    ch, _ = child_codes(episodes["child"])
    # repeat runs within a place: the child and the place together
    both = ok & (ch >= 0)
    pair = np.where(both, codes * (int(ch.max()) + 1 if len(ch) else 1) + ch, -1)
    flags = _repeat_runs(pair, start_times(episodes), int(min_episodes),
                         float(within_days)
                         * _DAY_NS)
    n_eps = np.bincount(cc, minlength=n_place)
    pc = pd.DataFrame({"p": codes[both], "c": ch[both], "f": flags[both]})
    per_pair = pc.groupby(["p", "c"], sort=False)["f"].any().reset_index()
    n_children = np.bincount(per_pair["p"].to_numpy(), minlength=n_place)
    n_rep = np.bincount(per_pair["p"].to_numpy(), weights=per_pair["f"].to_numpy(float),
                        minlength=n_place).astype(np.int64)
    t = start_times(episodes)
    dated = t != NAT
    end = (pd.Timestamp(as_of).value if as_of is not None
           else (int(t[dated].max()) + _DAY_NS if dated.any() else 0))
    year = 365 * _DAY_NS
    last = ok & dated & (t >= end - year) & (t < end)
    prev = ok & dated & (t >= end - 2 * year) & (t < end - year)
    n_last = np.bincount(codes[last], minlength=n_place)
    n_prev = np.bincount(codes[prev], minlength=n_place)
    # most places share a few small count pairs: test each distinct pair once
    pairs, inverse = np.unique(np.column_stack([n_prev, n_last]), axis=0, return_inverse=True)
    p = etest_many(pairs[:, 0], pairs[:, 1], 365.0, 365.0)[inverse.ravel()] if len(pairs) \
        else np.full(n_place, np.nan)
    sig = np.nan_to_num(p, nan=1.0) < alpha
    direction = np.where(sig, np.where(n_last > n_prev, "up", "down"), "no significant change")
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n_children > 0, n_rep / np.maximum(n_children, 1), np.nan)
    out = pd.DataFrame({
        "place": pd.array(np.asarray(labels, dtype=object), dtype="string"),
        "x": px, "y": py, "episodes": n_eps.astype(np.int64),
        "children": n_children.astype(np.int64), "repeat_children": n_rep,
        "repeat_share": share, "episodes_last_year": n_last.astype(np.int64),
        "episodes_previous_year": n_prev.astype(np.int64), "trend_p": p, "trend": direction,
    })
    out = out.sort_values(["episodes", "children", "place"], ascending=[False, False, True],
                          kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out.attrs["hotspots"] = {
        "function": "per_place", "mode": "restricted",
        "place": place if place is not None else f"'from' location snapped to {snap:g} m",
        "repeat_rule": f"{int(min_episodes)} or more episodes within {within_days:g} days "
                       "from the same place",
        "trend_windows": f"365 days to {pd.Timestamp(end).date()} against the 365 before",
        "n_episodes": len(episodes), "n_no_place": int((~ok).sum()),
    }
    return out
