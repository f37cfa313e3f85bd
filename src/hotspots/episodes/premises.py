"""Missing children found near premises: a signal for :func:`hotspots.premises_rank`.

Places where missing children are found are "locations of concern" (hotels, takeaways,
houses of multiple occupation). :func:`missing_signal` counts, for every premises, the
episodes whose found location lies within ``radius`` metres in a window, and the distinct
children; passed to ``premises_rank(..., missing=signal)`` it adds
``weight * children`` to the score and a reason ("7 missing children found within 50 m in
12 months"). Counts of children are restricted (analyst) information.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely

from hotspots._params import Positive, validate_params
from hotspots.episodes._common import check_episodes, child_codes, xy_of

__all__ = ["apply_missing_signal", "missing_signal"]


@validate_params({"radius": Positive(), "months": Positive()})
def missing_signal(episodes: pd.DataFrame, premises: Any, *, radius: float = 50.0,
                   months: int = 12, as_of: Any = None, weight: float = 1.0) -> pd.DataFrame:
    """Count missing episodes found near each premises in the last ``months`` months.

    Parameters
    ----------
    episodes : pandas.DataFrame
        The output of :func:`hotspots.read_missing_episodes`.
    premises : geopandas.GeoDataFrame
        Premises (``premises_id`` and geometry, EPSG:27700).
    radius : float, default 50
        Metres from the premises to the found location.
    months : int, default 12
        Window length, ending at ``as_of``.
    as_of : date-like, optional
        End of the window (default: the day after the last episode start).
    weight : float, default 1.0
        Score added per distinct child when the signal is used by ``premises_rank``.

    Returns
    -------
    pandas.DataFrame
        ``premises_id``, ``n_missing_found`` (episodes), ``n_missing_children``
        (distinct), ``missing_reason`` (e.g. "7 missing children found within 50 m in 12
        months"; empty when none). ``attrs["hotspots"]`` holds the parameters.

    Examples
    --------
    >>> from hotspots.io import load_boundaries
    >>> from hotspots.simulate.children import simulate_episodes
    >>> areas = load_boundaries("bradford-2013")
    >>> episodes = simulate_episodes(areas, fy_counts={"2017/18": 300}, n_children=60, seed=1)
    >>> from hotspots.episodes import missing_signal
    >>> x, y = episodes.attrs["hotspots"]["simulation"]["premises_xy"]  # a planted premises
    >>> premises = gpd.GeoDataFrame({"premises_id": ["P1", "P2"]}, crs="EPSG:27700",
    ...                             geometry=gpd.points_from_xy([x, 414000], [y, 433000]))
    >>> signal = missing_signal(episodes, premises, as_of="2018-04-01")
    >>> signal["missing_reason"].tolist()
    ['24 missing children found within 50 m in 12 mo...', '']
    """
    check_episodes(episodes, needed=("child", "start", "found_geometry"))
    radius = float(radius)
    months = int(months)
    start = pd.to_datetime(episodes["start"], errors="coerce")
    end = (pd.Timestamp(as_of) if as_of is not None
           else start.max().normalize() + pd.Timedelta(days=1))
    begin = end - pd.DateOffset(months=months)
    fx, fy = xy_of(episodes["found_geometry"])
    use = (np.isfinite(fx) & np.isfinite(fy) & (start >= begin).to_numpy()
           & (start < end).to_numpy())
    pts = shapely.points(fx[use], fy[use])
    prem = np.asarray(premises.geometry.to_numpy(), dtype=object)
    ok = ~(shapely.is_missing(prem) | shapely.is_empty(prem))
    n_p = len(prem)
    epi = np.zeros(n_p, dtype=np.int64)
    kids = np.zeros(n_p, dtype=np.int64)
    if len(pts) and ok.any():
        tree = shapely.STRtree(pts)
        pi, ei = tree.query(prem[ok], predicate="dwithin", distance=radius)
        pidx = np.flatnonzero(ok)[pi]
        epi = np.bincount(pidx, minlength=n_p).astype(np.int64)
        ch, _ = child_codes(episodes["child"])
        from hotspots.areas.people import distinct_counts

        kids = distinct_counts(pidx, ch[use][ei], n_p)
    span = f"{months} months" if months != 12 else "12 months"
    reason = [f"{c} missing {'child' if c == 1 else 'children'} found within {radius:g} m "
              f"in {span}" if c else "" for c in kids]
    out = pd.DataFrame({"premises_id": premises["premises_id"].astype("string").to_numpy(),
                        "n_missing_found": epi, "n_missing_children": kids,
                        "missing_reason": reason})
    out.attrs["hotspots"] = {"function": "missing_signal", "radius": radius, "months": months,
                             "window_start": str(begin), "window_end": str(end),
                             "weight": float(weight), "mode": "restricted"}
    return out


def apply_missing_signal(out: pd.DataFrame, missing: pd.DataFrame) -> pd.DataFrame:
    """Add a :func:`missing_signal` to a premises_rank working table (score and reasons)."""
    need = {"premises_id", "n_missing_found", "n_missing_children", "missing_reason"}
    if not isinstance(missing, pd.DataFrame) or not need <= set(missing.columns):
        raise ValueError("premises_rank(missing=...) takes the output of "
                         "hotspots.episodes.missing_signal.")
    weight = float(missing.attrs.get("hotspots", {}).get("weight", 1.0))
    sig = missing.set_index(missing["premises_id"].astype(str))
    key = out["premises_id"].astype(str)
    out = out.copy()
    out["n_missing_found"] = key.map(sig["n_missing_found"]).fillna(0).astype(np.int64).to_numpy()
    kids = key.map(sig["n_missing_children"]).fillna(0).astype(np.int64).to_numpy()
    out["n_missing_children"] = kids
    out["score"] = np.round(out["score"].to_numpy(dtype=float) + weight * kids, 9)
    text = key.map(sig["missing_reason"]).fillna("").astype(str).to_numpy()
    reasons = out["reasons"].astype(str).to_numpy()
    out["reasons"] = [
        (t if r == "no linked incidents" else f"{r}; {t}") if t else r
        for r, t in zip(reasons, text, strict=True)]
    return out
