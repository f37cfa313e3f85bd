"""Flow map of missing episodes: lines from missing-from to found cells, weighted by count.

Restricted mode only: lines run from where children went missing to where they were found,
aggregated to grid cells.

No point is ever drawn: both ends are snapped to the centres of grid cells at least 100 m
wide (a placement is often a family home), and a public map is refused, since a line
between two cells still reveals a journey. For publication use the suppressed area-to-area
table of :func:`hotspots.episodes.episode_flows`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots._params import OneOf, rename_keyword, validate_params
from hotspots.episodes._common import check_episodes, child_codes, xy_of
from hotspots.errors import PublicModeError
from hotspots.maps._base import complete_map, start_map
from hotspots.maps._results import MODES

if TYPE_CHECKING:
    import folium

__all__ = ["MIN_CELL", "explore_flows", "flow_lines"]

#: Smallest cell (metres) the ends of a flow are snapped to.
MIN_CELL = 100.0


def flow_lines(episodes: pd.DataFrame, *, cell_size: float = 250.0,
               min_count: int = 1) -> gpd.GeoDataFrame:
    """Aggregate episodes to cell-to-cell flow lines (EPSG:27700).

    Parameters
    ----------
    episodes : pandas.DataFrame
        The output of :func:`hotspots.read_missing_episodes`.
    cell_size : float, default 250
        Grid cell (metres, at least :data:`MIN_CELL`) both ends are snapped to.
    min_count : int, default 1
        Keep flows with at least this many episodes.

    Returns
    -------
    geopandas.GeoDataFrame
        ``n`` (episodes), ``children`` (distinct), ``same_cell`` (found in the cell they
        went missing from), LineString geometry between the two cell centres (a flow within
        one cell is a zero-length line and is left out of maps). Sorted by ``n``.

    Examples
    --------
    >>> lines = flow_lines(episodes, cell_size=500)  # doctest: +SKIP
    """
    check_episodes(episodes, "flow_lines", ("child", "from_geometry", "found_geometry"))
    cell_size = float(cell_size)
    if not np.isfinite(cell_size) or cell_size < MIN_CELL:
        raise ValueError(f"flow_lines: cell_size must be at least {MIN_CELL:g} m, so that no "
                         f"home or placement can be read off the map; got {cell_size!r}.")
    ox, oy = xy_of(episodes["from_geometry"])
    fx, fy = xy_of(episodes["found_geometry"])
    ok = np.isfinite(ox) & np.isfinite(oy) & np.isfinite(fx) & np.isfinite(fy)

    def centre(v: np.ndarray) -> np.ndarray:
        return (np.floor(v / cell_size) + 0.5) * cell_size

    ends = pd.DataFrame({"ox": centre(ox[ok]), "oy": centre(oy[ok]), "fx": centre(fx[ok]),
                         "fy": centre(fy[ok])})
    ch, _ = child_codes(episodes["child"])
    ends["child"] = np.where(ch[ok] >= 0, ch[ok], np.nan)
    g = ends.groupby(["ox", "oy", "fx", "fy"], sort=False)
    agg = g.size().rename("n").to_frame().join(g["child"].nunique().rename("children"))
    agg = agg.reset_index()
    agg = agg[agg["n"] >= int(min_count)].sort_values("n", ascending=False, kind="stable")
    lines = shapely.linestrings(np.stack([agg[["ox", "oy"]].to_numpy(),
                                          agg[["fx", "fy"]].to_numpy()], axis=1)) \
        if len(agg) else np.array([], dtype=object)
    out = gpd.GeoDataFrame({"n": agg["n"].to_numpy(np.int64),
                            "children": agg["children"].to_numpy(np.int64),
                            "same_cell": ((agg["ox"] == agg["fx"]) & (agg["oy"] == agg["fy"])
                                          ).to_numpy()},
                           geometry=gpd.GeoSeries(lines, crs=27700))
    out.attrs["hotspots"] = {"function": "flow_lines", "cell_size": cell_size,
                             "mode": "restricted", "n_episodes": len(episodes),
                             "n_without_both_ends": int((~ok).sum())}
    return out


@rename_keyword("episodes", "data")
@validate_params({"mode": OneOf(MODES)})
def explore_flows(data: pd.DataFrame, *, areas: Any = None, cell_size: float = 250.0,
                  min_count: int = 2, mode: str = "restricted", m: folium.Map | None = None,
                  title: str | None = None, tiles: str | None = "auto",
                  offline: bool = True) -> folium.Map:
    """Map missing-from to found flows as lines weighted by count (restricted only).

    Parameters
    ----------
    data : pandas.DataFrame
        The output of :func:`hotspots.read_missing_episodes`. (Was ``episodes=``, which
        still works with a FutureWarning for one release.)
    areas : AreaSet, optional
        Boundaries to outline.
    cell_size : float, default 250
        Cell (metres, at least 100) both ends are snapped to (see :func:`flow_lines`).
    min_count : int, default 2
        Draw flows with at least this many episodes.
    mode : {"restricted"}
        ``"public"`` raises :class:`~hotspots.errors.PublicModeError`.
    m, title, tiles, offline
        As for the other map builders (offline by default: Leaflet is inlined).

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> explore_flows(episodes, areas=areas).save("flows.html")  # doctest: +SKIP
    """
    import folium  # heavy: imported when a map is built

    if mode == "public":
        raise PublicModeError("explore_flows: a public map cannot show journeys of children; "
                              "publish the suppressed table of episode_flows instead, or use "
                              "mode='restricted' for an analyst's map.")
    lines = flow_lines(data, cell_size=cell_size, min_count=min_count)
    lines = lines[~lines["same_cell"]].to_crs(4326)
    m = start_map(m, title=title, default="Missing episodes: where children were found",
                  frames=[lines], tiles=tiles, offline=offline)
    top = float(lines["n"].max()) if len(lines) else 1.0
    layer = folium.FeatureGroup(name=f"Flows ({len(lines):,} cell pairs)")
    for n, kids, geom in zip(lines["n"], lines["children"], lines.geometry, strict=True):
        coords = [(lat, lon) for lon, lat in geom.coords]
        folium.PolyLine(coords, weight=1 + 7 * np.sqrt(n / top), color="#b2182b",
                        opacity=0.6, tooltip=f"{int(n)} episodes, {int(kids)} children"
                        ).add_to(layer)
    layer.add_to(m)
    return complete_map(m, areas, period=None, vintage=getattr(areas, "vintage", None),
                        mode="restricted")
