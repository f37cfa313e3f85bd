"""Where children and offences meet: colocation, and found locations in offence hot cells."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely

from hotspots._params import validate_params
from hotspots.episodes._common import check_episodes, xy_of
from hotspots.stats.colocation import ColocationResult, colocation_quotient

__all__ = ["found_colocation", "found_in_hot_cells"]


@validate_params({})
def found_colocation(episodes: pd.DataFrame, incidents: Any, *, k: int = 8,
                     kernel: str = "box", permutations: int = 199,
                     seed: int | None = 0) -> ColocationResult:
    """Colocation quotient of missing children's found locations with offences.

    Parameters
    ----------
    episodes : pandas.DataFrame
        The output of :func:`hotspots.read_missing_episodes`; episodes with a known found
        location are used.
    incidents : geopandas.GeoDataFrame
        Offences (or premises) in EPSG:27700; located rows are used.
    k, kernel, permutations, seed
        As for :func:`hotspots.stats.colocation.colocation_quotient`.

    Returns
    -------
    ColocationResult
        ``CLQ(found -> offence)``: above 1, offences are over-represented among the
        nearest neighbours of the places missing children are found.

    Examples
    --------
    >>> from hotspots.io import load_boundaries
    >>> from hotspots.simulate.children import simulate_episodes
    >>> areas = load_boundaries("bradford-2013")
    >>> episodes = simulate_episodes(areas, fy_counts={"2017/18": 300}, n_children=60, seed=1)
    >>> from hotspots.episodes import found_colocation
    >>> from hotspots.simulate import simulate_incidents
    >>> offences = simulate_incidents(areas, n_before=300, n_after=300, seed=1)
    >>> result = found_colocation(episodes, offences, permutations=49)
    >>> round(result.clq, 3), result.n_a, result.n_b, result.p_isolation
    (0.509, 277, 498, 0.02)
    """
    check_episodes(episodes, needed=("found_geometry",))
    fx, fy = xy_of(episodes["found_geometry"])
    ix, iy = xy_of(incidents.geometry)
    f_ok, i_ok = np.isfinite(fx) & np.isfinite(fy), np.isfinite(ix) & np.isfinite(iy)
    xy = np.vstack([np.column_stack([fx[f_ok], fy[f_ok]]),
                    np.column_stack([ix[i_ok], iy[i_ok]])])
    cats = np.array(["found"] * int(f_ok.sum()) + ["offence"] * int(i_ok.sum()), dtype=object)
    return colocation_quotient(xy, cats, "found", "offence", k=k, kernel=kernel,  # type: ignore[arg-type]
                               permutations=permutations, seed=seed)


@validate_params({})
def found_in_hot_cells(episodes: pd.DataFrame, gistar: Any, *, min_bin: int = 1
                       ) -> pd.DataFrame:
    """Share of found locations inside offence hot cells, against the cells' share of area.

    Parameters
    ----------
    episodes : pandas.DataFrame
        The output of :func:`hotspots.read_missing_episodes`.
    gistar : geopandas.GeoDataFrame
        A :func:`hotspots.hotspot_gistar` result for offences (cells with ``gi_bin``).
    min_bin : int, default 1
        Cells with ``gi_bin >= min_bin`` are hot (1: 90% confidence or more; 3: 99%).

    Returns
    -------
    pandas.DataFrame
        One row: ``n_found`` (episodes with a found location inside the grid),
        ``n_in_hot`` (of those, in hot cells), ``found_share``, ``area_share`` (hot cells'
        share of the grid's area) and ``ratio`` (``found_share / area_share``: a PAI-like
        index, above 1 when children are found in offence hot spots more than their area
        would suggest).

    Examples
    --------
    >>> from hotspots.io import load_boundaries
    >>> from hotspots.simulate.children import simulate_episodes
    >>> areas = load_boundaries("bradford-2013")
    >>> episodes = simulate_episodes(areas, fy_counts={"2017/18": 300}, n_children=60, seed=1)
    >>> from hotspots.episodes import found_in_hot_cells
    >>> from hotspots.hotspot import hotspot_gistar
    >>> from hotspots.simulate import simulate_incidents
    >>> offences = simulate_incidents(areas, n_before=300, n_after=300, seed=1)
    >>> found_in_hot_cells(episodes, hotspot_gistar(offences, cell_size=500)).round(3)
       n_found  n_in_hot  found_share  area_share  ratio
    0      271         4        0.015       0.029  0.506
    """
    check_episodes(episodes, needed=("found_geometry",))
    if "gi_bin" not in getattr(gistar, "columns", []):
        raise ValueError("found_in_hot_cells: pass a hotspot_gistar result (cells with a "
                         "'gi_bin' column).")
    cells = np.asarray(gistar.geometry.to_numpy(), dtype=object)
    hot = (pd.to_numeric(gistar["gi_bin"], errors="coerce").fillna(0) >= min_bin).to_numpy()
    fx, fy = xy_of(episodes["found_geometry"])
    ok = np.isfinite(fx) & np.isfinite(fy)
    pts = shapely.points(fx[ok], fy[ok])
    tree = shapely.STRtree(cells)
    pi, ci = tree.query(pts, predicate="intersects")
    # a point on a shared edge belongs to the first cell that holds it
    first = pd.Series(ci).groupby(pi).first()
    in_grid = len(first)
    in_hot = int(hot[first.to_numpy()].sum()) if in_grid else 0
    areas = shapely.area(cells)
    area_share = float(areas[hot].sum() / areas.sum()) if areas.sum() > 0 else float("nan")
    found_share = in_hot / in_grid if in_grid else float("nan")
    return pd.DataFrame({
        "n_found": [in_grid], "n_in_hot": [in_hot], "found_share": [found_share],
        "area_share": [area_share],
        "ratio": [found_share / area_share if area_share > 0 else float("nan")],
    })
