"""Report what surrounds vulnerable places: incidents, hot cells and the nearest premises.

:func:`proximity_report` gives, for each vulnerable location (children's homes, schools,
pupil referral units), the located incidents and the significant Gi* hot cells within a
radius, and the nearest ranked premises of concern at any distance.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import schema
from hotspots._params import Positive, validate_params
from hotspots.premises import _common
from hotspots.premises._common import PREMISES_CLASS, PREMISES_ID

__all__ = ["proximity_report"]

@validate_params({"radius": Positive()})
def proximity_report(
    vulnerable: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    radius: float = 200.0,
    gistar: gpd.GeoDataFrame | None = None,
    ranked: gpd.GeoDataFrame | None = None,
    top: int | None = None,
) -> gpd.GeoDataFrame:
    """Report incidents, hot cells and the nearest ranked premises around vulnerable places.

    Parameters
    ----------
    vulnerable : geopandas.GeoDataFrame
        Vulnerable locations (children's homes, schools, pupil referral units), e.g. from
        ``read_premises(..., kind="vulnerable")``: ``premises_id``, ``name``, geometry.
    incidents : geopandas.GeoDataFrame
        Canonical incident frame, same CRS.
    radius : float
        Search radius in metres.
    gistar : geopandas.GeoDataFrame, optional
        A :func:`hotspots.hotspot.hotspot_gistar` result; cells with ``gi_bin`` > 0 are
        significant hot cells.
    ranked : geopandas.GeoDataFrame, optional
        A :func:`~hotspots.premises.premises_rank` result; the nearest premises with a
        score above zero (and a rank up to ``top`` when given) is reported, at any distance.
    top : int, optional
        Only consider ranked premises with ``rank <= top``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per vulnerable location, in input order (index kept): ``premises_id``,
        ``name``, ``kind``, ``premises_class``, ``n_incidents`` (Int64; located incidents
        within ``radius``; <NA> when the location is unknown), ``top_categories``,
        ``n_hot_cells`` (Int64; significant hot cells within ``radius``), ``max_gi_bin``
        (Int64), ``nearest_premises_id``, ``nearest_premises_name``,
        ``nearest_premises_rank`` (Int64), ``nearest_premises_distance_m`` (float),
        ``location_status``, ``geometry``.

    Raises
    ------
    TypeError, CRSError, ValidationError
        As :func:`~hotspots.premises.link_premises`.

    Examples
    --------
    >>> import shapely
    >>> from hotspots.premises import premises_rank, proximity_report
    >>> home = gpd.GeoDataFrame({"premises_id": ["h1"], "name": ["Oak House"],
    ...                          "kind": ["children's home"]},
    ...                         geometry=[shapely.Point(0, 0)], crs=27700)
    >>> prem = gpd.GeoDataFrame({"premises_id": ["a"], "name": ["The Crown"]},
    ...                         geometry=[shapely.Point(300, 0)], crs=27700)
    >>> inc = gpd.GeoDataFrame({"category": ["violence", "violence", "public order"]},
    ...                        geometry=[shapely.Point(50, 0), shapely.Point(298, 0),
    ...                                  shapely.Point(-120, 30)], crs=27700)
    >>> report = proximity_report(home, inc, radius=200, ranked=premises_rank(inc, prem))
    >>> report[["n_incidents", "top_categories", "nearest_premises_name"]]
       n_incidents              top_categories nearest_premises_name
    0            2  1 public order, 1 violence             The Crown
    >>> float(report.loc[0, "nearest_premises_distance_m"])
    300.0
    """
    vulnerable = _common.check_premises(vulnerable, name="vulnerable")
    incidents = _common.check_frame(incidents, "incidents")
    _common.check_same_crs(vulnerable, incidents, ("vulnerable", "incidents"))
    radius = float(radius)
    v_ok = _common.located_mask(vulnerable)
    i_ok = _common.located_mask(incidents)
    n_inc, tops = _incidents_near(vulnerable, v_ok, incidents, i_ok, radius)
    n_hot, max_bin = _hot_cells_near(vulnerable, v_ok, gistar, radius)
    near = _nearest_ranked(vulnerable, v_ok, ranked, top)
    n = len(vulnerable)

    def _int(values: np.ndarray, missing: np.ndarray) -> pd.arrays.IntegerArray:
        return pd.array(np.where(missing, None, values), dtype="Int64")  # type: ignore[call-overload]  # stubs reject None

    out = pd.DataFrame(
        {
            PREMISES_ID: vulnerable[PREMISES_ID].astype("string").to_numpy(),
            "name": vulnerable["name"].astype("string").to_numpy(),
            "kind": (vulnerable["kind"].astype("string").to_numpy()
                     if "kind" in vulnerable.columns else pd.array([pd.NA] * n, "string")),
            PREMISES_CLASS: (vulnerable[PREMISES_CLASS].astype("string").to_numpy()
                             if PREMISES_CLASS in vulnerable.columns
                             else pd.array([pd.NA] * n, "string")),
            "n_incidents": _int(n_inc, ~v_ok),
            "top_categories": tops,
            "n_hot_cells": _int(n_hot, ~v_ok | (gistar is None)),
            "max_gi_bin": _int(max_bin, ~v_ok | (max_bin == -99)),
            "nearest_premises_id": pd.array(near["id"], dtype="string"),
            "nearest_premises_name": pd.array(near["name"], dtype="string"),
            "nearest_premises_rank": _int(near["rank"], near["rank"] < 0),
            "nearest_premises_distance_m": near["distance"],
            schema.LOCATION_STATUS: pd.Categorical(
                np.where(v_ok, schema.LOCATED, schema.UNKNOWN),
                categories=[schema.LOCATED, schema.UNKNOWN]),
        },
        index=vulnerable.index,
    )
    result = gpd.GeoDataFrame(out, geometry=vulnerable.geometry.to_numpy(), crs=vulnerable.crs)
    result.attrs["hotspots"] = {
        "function": "proximity_report", "radius": radius, "gistar": gistar is not None,
        "ranked": ranked is not None, "top": top, "n_unknown_location": int((~v_ok).sum()),
        "n_incidents_unknown_location": int((~i_ok).sum()),
    }
    return result


def _incidents_near(vulnerable: gpd.GeoDataFrame, v_ok: np.ndarray,
                    incidents: gpd.GeoDataFrame, i_ok: np.ndarray, radius: float
                    ) -> tuple[np.ndarray, list[str]]:
    """Located incidents within ``radius`` of each place, and its top three categories."""
    n = len(vulnerable)
    v_pos, i_pos = np.flatnonzero(v_ok), np.flatnonzero(i_ok)
    n_inc = np.zeros(n, dtype=np.int64)
    tops = [""] * n
    if not (len(i_pos) and len(v_pos)):
        return n_inc, tops
    tree = shapely.STRtree(incidents.geometry.to_numpy()[i_pos])
    vi, ii = tree.query(vulnerable.geometry.to_numpy()[v_pos], predicate="dwithin",
                        distance=radius)
    n_inc[v_pos] = np.bincount(vi, minlength=len(v_pos))
    if schema.CATEGORY in incidents.columns and len(vi):
        cats = incidents[schema.CATEGORY].astype("string").to_numpy(dtype=object)[i_pos[ii]]
        short = [_common.short_category(c) for c in cats]
        pairs = pd.DataFrame({"v": v_pos[vi], "c": short})
        counts = pairs.groupby(["v", "c"]).size().reset_index(name="n")
        counts = counts.sort_values(["v", "n", "c"], ascending=[True, False, True])
        text = (counts.groupby("v").head(3)
                .assign(part=lambda f: f["n"].astype(str) + " " + f["c"])
                .groupby("v")["part"].agg(", ".join))
        for v, t in text.items():
            tops[int(v)] = t
    return n_inc, tops


def _hot_cells_near(vulnerable: gpd.GeoDataFrame, v_ok: np.ndarray,
                    gistar: gpd.GeoDataFrame | None, radius: float
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Significant hot cells within ``radius`` of each place, and the highest ``gi_bin``."""
    n = len(vulnerable)
    n_hot = np.zeros(n, dtype=np.int64)
    max_bin = np.full(n, -99, dtype=np.int64)
    if gistar is None:
        return n_hot, max_bin
    gistar = _common.check_frame(gistar, "gistar")
    _common.check_same_crs(vulnerable, gistar, ("vulnerable", "gistar"))
    v_pos = np.flatnonzero(v_ok)
    bins = pd.to_numeric(gistar["gi_bin"], errors="coerce").fillna(0).astype(
        np.int64).to_numpy()
    hot = np.flatnonzero(bins > 0)
    if len(hot) and len(v_pos):
        vi, ci = shapely.STRtree(gistar.geometry.to_numpy()[hot]).query(
            vulnerable.geometry.to_numpy()[v_pos], predicate="dwithin", distance=radius)
        n_hot[v_pos] = np.bincount(vi, minlength=len(v_pos))
        np.maximum.at(max_bin, v_pos[vi], bins[hot][ci])
    return n_hot, max_bin


def _nearest_ranked(vulnerable: gpd.GeoDataFrame, v_ok: np.ndarray,
                    ranked: gpd.GeoDataFrame | None, top: int | None) -> dict[str, np.ndarray]:
    """Find the nearest ranked premises with a score (ties: the better rank) of each place."""
    n = len(vulnerable)
    near = {"id": np.full(n, None, dtype=object), "name": np.full(n, None, dtype=object),
            "rank": np.full(n, -1, dtype=np.int64), "distance": np.full(n, np.nan)}
    if ranked is None:
        return near
    ranked = _common.check_premises(ranked, name="ranked")
    _common.check_same_crs(vulnerable, ranked, ("vulnerable", "ranked"))
    cand = ranked[(pd.to_numeric(ranked["score"], errors="coerce").fillna(0) > 0)
                  & _common.located_mask(ranked)]
    if top is not None:
        cand = cand[cand["rank"] <= top]
    v_pos = np.flatnonzero(v_ok)
    if not (len(cand) and len(v_pos)):
        return near
    v_geom = vulnerable.geometry.to_numpy()[v_pos]
    c_geom = cand.geometry.to_numpy()
    vi, ci = shapely.STRtree(c_geom).query_nearest(v_geom, return_distance=False,
                                                   all_matches=True)
    d = shapely.distance(v_geom[vi], c_geom[ci])
    c_rank = cand["rank"].to_numpy(dtype=np.int64)
    order = np.lexsort((c_rank[ci], d, vi))
    vi, ci, d = vi[order], ci[order], d[order]
    first = np.r_[True, vi[1:] != vi[:-1]]
    tgt = v_pos[vi[first]]
    near["id"][tgt] = cand[PREMISES_ID].astype(str).to_numpy()[ci[first]]
    near["name"][tgt] = cand["name"].astype(str).to_numpy()[ci[first]]
    near["rank"][tgt] = c_rank[ci[first]]
    near["distance"][tgt] = d[first]
    return near
