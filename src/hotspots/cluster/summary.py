"""``cluster_summary``: one row and one outline per cluster, for maps, tables and ranking.

Sizes and shares, first and last dates, the most frequent categories, the wards and
constituency holding each cluster, and a hull polygon of its distinct locations (a point or
a line is buffered so that every cluster has an area to draw and test).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import schema
from hotspots._params import OneOf, validate_params
from hotspots.areas import assign_areas
from hotspots.cluster._constraints import Distance, Integer, UnitInterval
from hotspots.cluster.estimator import points_xy
from hotspots.located import check_measurable_crs

__all__ = ["DEGENERATE_BUFFER", "HULLS", "cluster_summary"]

HULLS = ("convex", "concave")
#: Clusters whose hull is a point or a line are buffered by this many metres.
DEGENERATE_BUFFER = 10.0


@validate_params({"hull": OneOf(HULLS), "concave_ratio": UnitInterval(), "top": Integer(1),
                  "buffer": Distance()})
def cluster_summary(
    incidents: gpd.GeoDataFrame,
    labels: pd.Series | Sequence[Any] | np.ndarray,
    *,
    hull: str = "convex",
    concave_ratio: float = 0.3,
    areas: Any = None,
    top: int = 3,
    buffer: float = DEGENERATE_BUFFER,
) -> gpd.GeoDataFrame:
    """One row per cluster: size, share, dates, top categories, areas and an outline.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        The incidents that were clustered (canonical frame, projected CRS).
    labels : pandas.Series or array-like
        The cluster of each incident, as returned by :func:`cluster_incidents`: aligned to
        ``incidents.index`` (a Series) or in row order (an array); ``-1`` noise, ``<NA>``
        no location.
    hull : {"convex", "concave"}, default="convex"
        Outline of a cluster's incident locations: ``shapely.convex_hull`` or
        ``shapely.concave_hull(ratio=concave_ratio)``.
    concave_ratio : float, default=0.3
        ``ratio`` of :func:`shapely.concave_hull` (0 = tightest, 1 = convex).
    areas : hotspots.areas.AreaSet, optional
        Boundaries used to name the wards and constituencies (via
        :func:`hotspots.areas.assign_areas`). Without it, existing ``ward`` and
        ``constituency`` columns of ``incidents`` are used, if any.
    top : int, default=3
        Number of categories listed in ``top_categories``.
    buffer : float, default=10.0
        Metres by which a degenerate outline (a cluster whose locations are one point or lie
        on one line, e.g. two snap points) is buffered so that it is still a polygon.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per cluster (noise excluded), sorted by ``n`` descending then
        ``cluster_id``; RangeIndex; the CRS of ``incidents``. Columns:

        - ``cluster_id`` (int64): the label;
        - ``n`` (int64): incidents in the cluster;
        - ``share`` (float): ``n`` / number of located incidents (those with a label,
          noise included; incidents without a location are not in the denominator);
        - ``first``, ``last`` (datetime64): earliest and latest ``occurred`` (NaT if none);
        - ``top_categories`` (str): the ``top`` most frequent categories with counts,
          e.g. ``"Violence and sexual offences 12, Shoplifting 7, Public order 3"`` (ties
          by name);
        - ``wards`` (str): the wards holding the cluster's incidents, most incidents first,
          comma-separated (``"Outside district"`` when some lie outside); ``<NA>`` when no
          area information is available;
        - ``constituency`` (str): the constituency holding most of the cluster's incidents,
          followed by any others, most incidents first;
        - ``centroid_x``, ``centroid_y`` (float): mean location of the cluster's incidents
          (each incident counts once);
        - ``geometry``: the hull polygon of the cluster's distinct locations.

        ``attrs["hotspots"]`` records ``function``, ``hull``, ``concave_ratio``, ``buffer``,
        ``share_of``, ``n_located``, ``n_unknown``, ``n_noise``, ``n_clusters``, ``areas``
        and, when ``labels`` came from :func:`cluster_incidents`, its record as
        ``clustering``.

    Raises
    ------
    TypeError
        If ``incidents`` is not a GeoDataFrame.
    ValueError
        If ``labels`` does not align with ``incidents``, a labelled row has no point, or a
        parameter is invalid.
    hotspots.errors.CRSError
        If ``incidents`` has no CRS or a geographic one.

    Notes
    -----
    A hull of one or two distinct locations (or of collinear ones) is a point or a line;
    it is buffered by ``buffer`` metres so that every cluster has an area to draw and test.

    Examples
    --------
    >>> from shapely import Point
    >>> from hotspots.cluster import cluster_incidents, cluster_summary
    >>> points = [Point(414000, 433000)] * 6 + [Point(414010, 433000)] * 4
    >>> points += [Point(419000, 438000)]
    >>> incidents = gpd.GeoDataFrame(
    ...     {"category": ["Burglary"] * 7 + ["Shoplifting"] * 4}, geometry=points,
    ...     crs="EPSG:27700")
    >>> labels = cluster_incidents(incidents, eps=50, min_samples=5)
    >>> summary = cluster_summary(incidents, labels)
    >>> summary[["cluster_id", "n", "share", "top_categories"]]
       cluster_id   n     share             top_categories
    0           0  10  0.909091  Burglary 7, Shoplifting 3
    >>> round(summary.geometry.iloc[0].area)  # a 10 m line buffered by 10 m: ~20 x 10 + 100 pi
    512
    """
    if not isinstance(incidents, gpd.GeoDataFrame):
        raise TypeError(f"cluster_summary: 'incidents' should be a GeoDataFrame, got "
                        f"{type(incidents).__name__}.")
    if incidents.crs is not None:  # labels were computed on it: metres are taken as given
        check_measurable_crs(incidents.crs)
    record = labels.attrs.get("hotspots") if isinstance(labels, pd.Series) else None
    lab_np = _aligned_labels(incidents, labels)
    n_located = int((lab_np > -2).sum())
    pos = np.flatnonzero(lab_np >= 0)
    g = lab_np[pos]
    sub = incidents.iloc[pos]
    xy = points_xy(sub.geometry, "incidents") if pos.size else np.empty((0, 2))

    ids, n_per = np.unique(g, return_counts=True)
    group = np.searchsorted(ids, g)
    summary = pd.DataFrame({"cluster_id": ids.astype(np.int64), "n": n_per.astype(np.int64)})
    summary["share"] = summary["n"] / n_located if n_located else np.nan
    summary["first"], summary["last"] = _date_range(sub, g, ids)
    if schema.CATEGORY in sub.columns and pos.size:
        tops = _join_counts(sub[schema.CATEGORY], g, with_counts=True, top=top)
        summary["top_categories"] = [tops.get(int(i), "") for i in ids]
    else:
        summary["top_categories"] = ""
    ward, cons, area_note = _area_columns(sub, areas)
    for col, series in (("wards", ward), ("constituency", cons)):
        if series is None:
            summary[col] = pd.array([pd.NA] * len(summary), dtype="string")
        else:
            joined = _join_counts(series, g, with_counts=False, top=None)
            summary[col] = pd.array([joined.get(int(i), pd.NA) for i in ids], dtype="string")
    for col, axis in (("centroid_x", 0), ("centroid_y", 1)):  # each incident counts once
        summary[col] = np.bincount(group, weights=xy[:, axis]) / n_per if pos.size \
            else np.empty(0)
    summary["geometry"] = _hulls(xy, group, len(ids), hull, concave_ratio, buffer)

    summary = summary.sort_values(["n", "cluster_id"], ascending=[False, True],
                                  kind="stable").reset_index(drop=True)
    out = gpd.GeoDataFrame(summary, geometry="geometry", crs=incidents.crs)
    out.attrs["hotspots"] = {
        "function": "cluster_summary", "hull": hull,
        "concave_ratio": concave_ratio if hull == "concave" else None, "buffer": buffer,
        "share_of": "located incidents (noise included, unknown location excluded)",
        "n_incidents": len(incidents), "n_located": n_located,
        "n_unknown": int(len(incidents) - n_located), "n_noise": int((lab_np == -1).sum()),
        "n_clusters": len(out), "areas": area_note, "clustering": record,
    }
    return out


def _aligned_labels(incidents: gpd.GeoDataFrame,
                    labels: pd.Series | Sequence[Any] | np.ndarray) -> np.ndarray:
    """Labels in the row order of ``incidents`` as int64: ``-1`` noise, ``-2`` no label."""
    if isinstance(labels, pd.Series):
        if not labels.index.equals(incidents.index):
            if len(labels.index) != len(incidents.index) or \
                    not labels.index.sort_values().equals(incidents.index.sort_values()):
                raise ValueError("cluster_summary: labels.index does not match incidents.index.")
            labels = labels.reindex(incidents.index)
        lab = pd.array(labels.to_numpy(), dtype="Int64")
    else:
        lab = pd.array(np.asarray(labels, dtype=object), dtype="Int64")
        if len(lab) != len(incidents):
            raise ValueError(f"cluster_summary: {len(lab)} labels for {len(incidents)} "
                             "incidents.")
    has_label = ~np.asarray(lab.isna())
    geoms = incidents.geometry
    no_geom = (geoms.isna() | geoms.is_empty).to_numpy()
    if (has_label & no_geom).any():
        raise ValueError(f"cluster_summary: {int((has_label & no_geom).sum())} labelled "
                         "incidents have no geometry; pass the labels of cluster_incidents() "
                         "for this frame.")
    return np.where(has_label, lab.to_numpy(dtype=np.int64, na_value=-2), -2)


def _date_range(sub: gpd.GeoDataFrame, g: np.ndarray, ids: np.ndarray
                ) -> tuple[Any, Any]:
    """Earliest and latest ``occurred`` per cluster (NaT when there is no date column)."""
    if schema.OCCURRED in sub.columns and len(sub):
        t = pd.to_datetime(sub[schema.OCCURRED]).to_numpy()
        dates = pd.DataFrame({"g": g, "t": t}).groupby("g")["t"].agg(["min", "max"])
        return dates["min"].reindex(ids).to_numpy(), dates["max"].reindex(ids).to_numpy()
    nat = pd.Series(pd.NaT, index=range(len(ids)), dtype="datetime64[ns]")
    return nat, nat.copy()


def _join_counts(values: pd.Series, groups: np.ndarray, *, with_counts: bool,
                 top: int | None) -> dict[int, str]:
    """Per group: 'name n, name n' (or names only), most frequent first, ties by name."""
    frame = pd.DataFrame({"g": groups, "v": values.astype("string").to_numpy()}).dropna()
    if frame.empty:
        return {}
    counts = frame.groupby(["g", "v"], sort=False).size().reset_index(name="n")
    counts = counts.sort_values(["g", "n", "v"], ascending=[True, False, True])
    out = {}
    for g, sub in counts.groupby("g", sort=False):
        if top is not None:
            sub = sub.head(top)
        parts = [f"{v} {k}" if with_counts else str(v)
                 for v, k in zip(sub["v"], sub["n"], strict=True)]
        out[int(g)] = ", ".join(parts)
    return out


def _area_columns(sub: gpd.GeoDataFrame, areas: Any) -> tuple[pd.Series | None,
                                                              pd.Series | None, Any]:
    """Ward and constituency names of the rows ``sub``, from ``areas`` or existing columns."""
    if areas is not None and len(sub):
        levels = list(areas.level_names)
        lower = "ward" if "ward" in levels else levels[0]
        upper = "constituency" if "constituency" in levels else levels[-1]
        assigned = assign_areas(sub, areas, levels=list(dict.fromkeys([lower, upper])))
        note = {"name": getattr(areas, "name", None), "vintage": getattr(areas, "vintage", None),
                "levels": [lower, upper]}
        return (assigned[schema.area_name_column(lower)],
                assigned[schema.area_name_column(upper)], note)
    ward = sub["ward"] if "ward" in sub.columns else None
    cons = sub["constituency"] if "constituency" in sub.columns else None
    return ward, cons, "columns" if ward is not None or cons is not None else None


def _hulls(xy: np.ndarray, group: np.ndarray, k: int, hull: str, ratio: float,
           buffer: float) -> np.ndarray:
    """Hull polygon per group of the distinct locations; points and lines are buffered."""
    if k == 0:
        return np.empty(0, dtype=object)
    # distinct (group, x, y) only: hulls of thousands of copies of one point are wasteful
    table = np.unique(np.column_stack([group, xy]), axis=0)
    mp = shapely.multipoints(table[:, 1:], indices=table[:, 0].astype(np.intp))
    shapes = shapely.convex_hull(mp) if hull == "convex" else shapely.concave_hull(
        mp, ratio=ratio)
    kinds = shapely.get_type_id(shapes)
    polygonal = np.isin(kinds, (3, 6))  # Polygon, MultiPolygon
    shapes = np.where(polygonal, shapes, shapely.buffer(shapes, buffer))
    return shapes
