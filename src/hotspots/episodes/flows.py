"""Flows: from the area a child went missing from to the area where they were found."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from hotspots import schema
from hotspots._params import OneOf, validate_params
from hotspots.episodes._common import check_episodes, child_codes

__all__ = ["episode_flows"]


def _areas_of(episodes: pd.DataFrame, geometry: str, areas: Any, level: str) -> pd.Series:
    import geopandas as gpd

    from hotspots.areas import assign_areas

    pts = gpd.GeoDataFrame({"_row": np.arange(len(episodes))},
                           geometry=gpd.GeoSeries(episodes[geometry].to_numpy(), crs=27700))
    return assign_areas(pts, areas, levels=[level])[schema.area_name_column(level)]


@validate_params({"mode": OneOf(("public", "restricted"))})
def episode_flows(episodes: pd.DataFrame, areas: Any, *, level: str = "constituency",
                  mode: Literal["public", "restricted"] = "public", k: int = 5,
                  include_same: bool = True) -> pd.DataFrame:
    """Count episodes from each gone-missing-from area to each found area.

    Parameters
    ----------
    episodes : pandas.DataFrame
        The output of :func:`hotspots.read_missing_episodes`.
    areas : AreaSet
        Boundaries.
    level : str, default "constituency"
        Area level of both ends.
    mode : {"public", "restricted"}, default "public"
        ``"public"`` protects the table as a :class:`hotspots.privacy.Release` (counts
        below ``k`` hidden, with secondary suppression along each "from" area and each
        "found" area, audited) and drops the ``children`` column; ``"restricted"`` keeps every
        count for analysts.
    k : int, default 5
        Suppression threshold.
    include_same : bool, default True
        Keep flows that start and end in the same area.

    Returns
    -------
    pandas.DataFrame
        One row per pair of areas (every pair, zeros included; "Outside district" and
        "Unknown location" as areas): ``from_area``, ``found_area``, ``n`` (episodes) and,
        restricted, ``children`` (distinct). ``attrs["hotspots"]``: ``mode``, ``level``,
        ``n_episodes`` and, public, the suppression stamp.

    Examples
    --------
    >>> from hotspots.io import load_boundaries
    >>> from hotspots.simulate.children import simulate_episodes
    >>> areas = load_boundaries("bradford-2013")
    >>> episodes = simulate_episodes(areas, fy_counts={"2017/18": 300}, n_children=60, seed=1)
    >>> from hotspots.episodes import episode_flows
    >>> flows = episode_flows(episodes, areas, level="constituency")
    >>> flows[flows["from_area"] == "Keighley"].iloc[3:5]
       from_area found_area     n n_display  suppressed
    24  Keighley   Keighley    53        53       False
    25  Keighley    Shipley  <NA>       [c]        True
    """
    check_episodes(episodes, needed=("child", "from_geometry", "found_geometry"))
    a_from = _areas_of(episodes, "from_geometry", areas, level)
    a_found = _areas_of(episodes, "found_geometry", areas, level)
    names = list(a_from.cat.categories)
    m = len(names)
    i, j = a_from.cat.codes.to_numpy(np.int64), a_found.cat.codes.to_numpy(np.int64)
    n = np.bincount(i * m + j, minlength=m * m)
    ch, _ = child_codes(episodes["child"])
    from hotspots.areas.people import distinct_counts

    kids = distinct_counts(i * m + j, ch, m * m)
    out = pd.DataFrame({
        "from_area": pd.Categorical(np.repeat(names, m), categories=names),
        "found_area": pd.Categorical(np.tile(names, m), categories=names),
        "n": n.astype(np.int64), "children": kids,
    })
    if not include_same:
        out = out[out["from_area"].astype(str) != out["found_area"].astype(str)]
    out = out.reset_index(drop=True)
    info = {"function": "episode_flows", "level": level, "mode": mode, "n_episodes": len(episodes)}
    if mode == "public":
        # protected and audited as a release: each "from" area's row of flows and each
        # "found" area's column are lines whose totals a reader could work out
        from hotspots.privacy import Release

        release = Release(k=k).add(out.drop(columns=["children"]), name="flows",
                                   level=f"{level} flows", period="all", by="from_area",
                                   area_column="found_area", share_columns=[]).protect()
        assert release.audit_result is not None
        release.audit_result.raise_if_failed("episode_flows")
        out = release.tables["flows"]
        out.attrs["hotspots"] = {**info, **out.attrs.get("hotspots", {})}
    else:
        out.attrs["hotspots"] = info
    return out
