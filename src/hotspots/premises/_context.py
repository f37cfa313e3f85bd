"""Where each ranked premises stands: Gi* hot cell, incident cluster, capacity.

The context columns of :func:`premises_rank` (``gi_bin``, ``in_hot_cell``, ``cluster_id``,
``in_cluster``, ``capacity``, ``n_per_capacity``), read from results the user passes in.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots._params import current_verb
from hotspots.errors import Problem, ValidationError
from hotspots.premises._common import PREMISES_ID, check_frame, check_same_crs, located_mask
from hotspots.premises._tally import LinkTally

__all__ = ["add_context", "capacity_column_of", "cluster_of", "gi_bin_at"]


def _first_hit(pi: np.ndarray, ci: np.ndarray, tiebreak: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Keep, for each point ``pi``, the hit ``ci`` first in ``tiebreak`` order."""
    order = np.lexsort((tiebreak, pi))
    pi, ci = pi[order], ci[order]
    first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.array([], dtype=bool)
    return pi[first], ci[first]


def gi_bin_at(gistar: gpd.GeoDataFrame, geoms: np.ndarray, ok: np.ndarray,
              premises: gpd.GeoDataFrame) -> pd.arrays.IntegerArray:
    """``gi_bin`` of the Gi* cell holding each located premises (<NA> outside the grid)."""
    gistar = check_frame(gistar, "gistar")
    check_same_crs(premises, gistar, ("premises", "gistar"))
    if "gi_bin" not in gistar.columns:
        raise ValidationError(Problem("missing_column", "'gistar' has no 'gi_bin' column; pass "
                                                        "a hotspot_gistar result.",
                                      column="gi_bin"), context=current_verb())
    result = np.full(len(geoms), -99, dtype=np.int64)
    pos = np.flatnonzero(ok)
    bins = pd.to_numeric(gistar["gi_bin"], errors="coerce").fillna(0).astype(np.int64).to_numpy()
    pi, ci = shapely.STRtree(gistar.geometry.to_numpy()).query(geoms[pos], predicate="intersects")
    # a point on a shared edge touches two cells: keep the first cell in grid order
    pi, ci = _first_hit(pi, ci, ci)
    result[pos[pi]] = bins[ci]
    return pd.array(np.where(result == -99, None, result), dtype="Int64")  # type: ignore[call-overload]  # stubs reject None


def _cluster_from_polygons(clusters: gpd.GeoDataFrame, geoms: np.ndarray, ok: np.ndarray,
                           premises: gpd.GeoDataFrame) -> pd.arrays.IntegerArray:
    """The cluster polygon (``cluster_summary``) holding each located premises."""
    check_same_crs(premises, clusters, ("premises", "clusters"))
    ids = (clusters["cluster_id"] if "cluster_id" in clusters.columns
           else pd.Series(clusters.index)).to_numpy()
    result = np.full(len(geoms), -1, dtype=np.int64)
    pos = np.flatnonzero(ok)
    pi, ci = shapely.STRtree(clusters.geometry.to_numpy()).query(
        geoms[pos], predicate="intersects")
    pi, ci = _first_hit(pi, ci, ids[ci].astype(np.int64))
    result[pos[pi]] = ids[ci].astype(np.int64)
    return pd.array(np.where(result < 0, None, result), dtype="Int64")  # type: ignore[call-overload]  # stubs reject None


def cluster_of(clusters: Any, incidents: gpd.GeoDataFrame, pair_pos: np.ndarray,
               pair_pid: np.ndarray, out: pd.DataFrame, geoms: np.ndarray, ok: np.ndarray,
               premises: gpd.GeoDataFrame) -> pd.arrays.IntegerArray:
    """Return the cluster of each premises (from incident labels or cluster polygons)."""
    if isinstance(clusters, gpd.GeoDataFrame):
        return _cluster_from_polygons(clusters, geoms, ok, premises)
    labels = pd.Series(clusters)
    if not labels.index.equals(incidents.index):
        raise ValidationError(Problem("bad_clusters", "'clusters' labels must be aligned to "
                                                      "incidents.index (cluster_incidents "
                                                      "output)."), context=current_verb())
    # the premises' cluster: the most common cluster among its linked incidents
    lab = pd.to_numeric(labels, errors="coerce").to_numpy(dtype=float)[pair_pos]
    use = ~np.isnan(lab) & (lab >= 0)
    frame = pd.DataFrame({"pid": pair_pid[use], "cluster": lab[use].astype(np.int64)})
    if frame.empty:
        return pd.array([pd.NA] * len(out), dtype="Int64")
    counts = frame.groupby(["pid", "cluster"]).size().reset_index(name="n")
    counts = counts.sort_values(["pid", "n", "cluster"], ascending=[True, False, True])
    best = counts.drop_duplicates("pid").set_index("pid")["cluster"]
    mapped = out[PREMISES_ID].map(best)
    return pd.array(mapped.to_numpy(dtype=object), dtype="Int64")


def capacity_column_of(premises: gpd.GeoDataFrame, capacity_column: str | None) -> str | None:
    """The capacity column used: the one given, else ``"capacity"`` when it holds a value."""
    if capacity_column is None and "capacity" in premises.columns \
            and premises["capacity"].notna().any():
        return "capacity"
    if capacity_column is not None and capacity_column not in premises.columns:
        raise ValidationError(Problem("missing_column",
                                      f"'premises' has no column {capacity_column!r}.",
                                      column=capacity_column), context=current_verb())
    return capacity_column


def add_context(tally: LinkTally, incidents: gpd.GeoDataFrame, premises: gpd.GeoDataFrame,
                gistar: gpd.GeoDataFrame | None, clusters: Any, cap_col: str | None) -> None:
    """Add the hot-cell, cluster and capacity columns to ``tally.out`` (in place)."""
    out = tally.out
    geoms = premises.geometry.to_numpy()
    ok = located_mask(premises)
    out["gi_bin"] = pd.array([pd.NA] * len(out), dtype="Int64")
    if gistar is not None:
        out["gi_bin"] = gi_bin_at(gistar, geoms, ok, premises)
    out["in_hot_cell"] = out["gi_bin"].fillna(0).clip(lower=0).astype(np.int64).to_numpy() > 0
    out["cluster_id"] = pd.array([pd.NA] * len(out), dtype="Int64")
    if clusters is not None:
        out["cluster_id"] = cluster_of(clusters, incidents, tally.pair_pos, tally.pair_pid, out,
                                       geoms, ok, premises)
    out["in_cluster"] = out["cluster_id"].notna().to_numpy()
    capacity = (pd.to_numeric(premises[cap_col], errors="coerce").to_numpy(dtype=float)
                if cap_col else np.full(len(out), np.nan))
    out["capacity"] = capacity
    with np.errstate(invalid="ignore", divide="ignore"):
        out["n_per_capacity"] = np.where(capacity > 0, out["n_linked"] / capacity, np.nan)
