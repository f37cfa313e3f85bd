"""``explore_clusters``: cluster outlines with their summaries; incident points if restricted."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hotspots._params import OneOf, current_verb, rename_keyword, validate_params
from hotspots.errors import PublicModeError
from hotspots.maps import _base, _docs, _results, _text
from hotspots.maps._layer import geo_layer
from hotspots.maps._legend import legend
from hotspots.maps._style import NEUTRAL

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = ["cluster_colours", "cluster_period", "explore_clusters", "public_clusters"]

logger = logging.getLogger(__name__)

# Okabe-Ito qualitative palette (colour-blind safe), without black and yellow (hard to read
# on a light map); clusters beyond seven reuse colours in order.
_QUALITATIVE = ["#e69f00", "#56b4e9", "#009e73", "#0072b2", "#d55e00", "#cc79a7", "#999933"]
_NOISE = "#9e9e9e"
#: Clusters listed in the legend (largest first, as cluster_summary sorts them).
_LEGEND_ROWS = 8
_DEFAULT_POPUP = ["cluster_id", "n", "share", "first", "last", "top_categories", "wards",
                  "constituency"]
#: What a public cluster popup may show (no centroid: it is a mean of incident locations).
_PUBLIC_POPUP = frozenset(_DEFAULT_POPUP)
#: "Other theft 12" in ``top_categories``: a category and its count.
_CATEGORY_COUNT = re.compile(r"^(?P<name>.*\S)\s+(?P<n>\d+)$")
#: Public maps blur cluster outlines by this many metres: a convex hull's corners are
#: incident locations.
PUBLIC_BLUR_M = 100.0


@rename_keyword("summary", "data")
@validate_params({"mode": OneOf(_results.MODES)})
@_docs.map_docstring("data")
def explore_clusters(
    data: gpd.GeoDataFrame,
    incidents: Any = None,
    *,
    labels: Any = None,
    mode: str = "restricted",
    popup: Sequence[str] | None = None,
    m: folium.Map | None = None,
    title: str | None = None,
    areas: Any = None,
    tiles: str | None = "auto",
    offline: bool = True,
    period: str | None = None,
    k: int = 5,
) -> folium.Map:
    """Draw incident clusters as outlined areas with their summaries in popups.

    Parameters
    ----------
    data : geopandas.GeoDataFrame
        (Was ``summary=``, which still works with a FutureWarning for one release.)
        From :func:`hotspots.cluster.cluster_summary`: one row per cluster with
        ``cluster_id``, ``n``, ``share``, ``first``, ``last``, ``top_categories``, ``wards``,
        ``constituency`` and a polygon ``geometry``.
    incidents : geopandas.GeoDataFrame, optional
        The clustered incidents, drawn as small points coloured by cluster (noise grey).
        Restricted mode only.
    labels : pandas.Series, optional
        Cluster label per incident (from ``cluster_incidents``; -1 is noise), aligned to
        ``incidents.index``. Default: the ``cluster`` column of ``incidents`` if any.
    mode : {"restricted", "public"}
        Default ``"restricted"`` (an analyst's map). ``"public"`` refuses incident points,
        shows cluster sizes from 1 to ``k - 1`` as ``"<k"`` (their share as ``"[c]"``),
        lists in ``top_categories`` only categories with ``k`` or more incidents (the others
        become "other", without a count), gives first and last dates as months only, and
        blurs the outlines by 100 m, because a convex hull's corners are incident locations.
    popup : sequence of str, optional
        The allow-list of summary columns shown in a cluster's popup (and its tooltip). A
        public map accepts only the default columns (no centroid).
    {map_options}
    k : int
        Public-mode threshold for small cluster sizes.

    Returns
    -------
    folium.Map

    Raises
    ------
    PublicModeError
        If ``mode="public"`` and ``incidents`` are given, or ``popup`` names a column a
        public map does not show.
    ValueError
        If ``data`` has no ``cluster_id`` column or no CRS.

    Examples
    --------
    >>> import shapely
    >>> from hotspots.maps import explore_clusters, layer_names
    >>> summary = gpd.GeoDataFrame(
    ...     {"cluster_id": [0, 1], "n": [40, 3], "share": [0.4, 0.03],
    ...      "first": ["2019-01-03", "2019-02-11"], "last": ["2019-12-30", "2019-03-02"]},
    ...     geometry=[shapely.Point(416000, 433000).buffer(120),
    ...               shapely.Point(417000, 433500).buffer(80)], crs="EPSG:27700")
    >>> m = explore_clusters(summary, mode="public")
    >>> type(m).__name__, layer_names(m)
    ('Map', ['Clusters (2)'])
    >>> "2019-01-03" in m.get_root().render()  # a public map gives months, not days
    False
    """
    if mode == "public" and incidents is not None:
        raise PublicModeError(
            "explore_clusters: a public map cannot show incident points; call it without "
            "incidents= (clusters only), or use mode='restricted' for an analyst's map."
        )
    _results.to_frame_crs(data)
    _results.require_columns(data, ["cluster_id"])
    record = _results.hotspots_attrs(data)
    areas = _results.find_areas(areas, data, incidents)
    popup = _popup(popup, mode, data)
    frame = _results.select_columns(data, [*popup, "cluster_id"])
    if "share" in frame.columns:
        frame["share"] = _text.share_text(frame["share"])
    if mode == "public":
        frame = public_clusters(frame, k)
    ids = frame["cluster_id"].tolist()
    color_of = cluster_colours(ids)
    styles = [
        {"color": color_of[c], "fillColor": color_of[c], "weight": 2.5, "fillOpacity": 0.25}
        for c in ids
    ]
    points = None if incidents is None else _cluster_points(incidents, labels)

    m = _base.start_map(
        m, title=title, default="Incident clusters",
        frames=[frame, *([] if points is None else [points])], tiles=tiles, offline=offline,
    )
    _base.add_layer(
        m,
        _base.labelled_layer(frame, style_index=np.arange(len(frame)), styles=styles,
                             tooltip=popup[:3], popup=popup, simplify=1.0),
        f"Clusters ({len(frame)})",
    )
    entries = [(color_of[c], f"Cluster {c}") for c in ids[:_LEGEND_ROWS]]
    note = None
    if len(ids) > _LEGEND_ROWS:
        note = f"{len(ids) - _LEGEND_ROWS} more clusters on the map; click one for its summary"
    if points is not None:
        _add_points(m, points, ids, color_of)
        entries.append((_NOISE, "Incident not in a cluster (noise)"))
    return _base.complete_map(
        m,
        areas,
        legend("Incident clusters", entries or [(NEUTRAL, "No clusters found")], note=note),
        period=period or cluster_period(data, mode, record, incidents),
        vintage=record.get("vintage"),
        mode=mode,
    )


def public_clusters(frame: Any, k: int) -> Any:
    """Return what a public cluster map may show of a cluster summary (one rule, two maps).

    Used by :func:`explore_clusters` and by the static export: sizes from 1 to ``k - 1``
    as ``"<k"`` (their share as ``"[c]"``), only categories with ``k`` or more incidents
    named in ``top_categories``, first and last dates as months, and outlines blurred by
    :data:`PUBLIC_BLUR_M` metres (a convex hull's corners are incident locations). Columns
    absent from ``frame`` are skipped.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Summary columns (``n``, ``share``, ``top_categories``, ``first``, ``last``) and
        polygons in metres.
    k : int
        Smallest count a public output may show.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy.

    Examples
    --------
    >>> import shapely
    >>> summary = gpd.GeoDataFrame({"n": [40, 3], "first": ["2019-01-03", "2019-02-11"]},
    ...     geometry=[shapely.Point(0, 0).buffer(50)] * 2, crs="EPSG:27700")
    >>> shown = public_clusters(summary, 5)
    >>> shown["n"].tolist(), shown["first"].tolist()
    ([40, '<5'], ['2019-01', '2019-02'])
    """
    frame = frame.copy()
    small = np.zeros(len(frame), dtype=bool)
    if "n" in frame.columns:
        shown, small = _text.mask_small_counts(frame["n"].tolist(), k)
        frame["n"] = pd.Series(shown, index=frame.index, dtype=object)
    if "share" in frame.columns:
        frame["share"] = frame["share"].astype(object)
        frame.loc[small, "share"] = "[c]"
    if "top_categories" in frame.columns:
        frame["top_categories"] = [public_categories(v, k) for v in frame["top_categories"]]
    for column in ("first", "last"):
        if column in frame.columns:
            # Exact dates of a small cluster's first and last incidents are incident
            # dates; months are what police.uk publishes.
            frame[column] = _months(frame[column])
    frame["geometry"] = frame.geometry.buffer(PUBLIC_BLUR_M).simplify(PUBLIC_BLUR_M / 4)
    return frame


def cluster_colours(ids: Sequence[Any]) -> dict[Any, str]:
    """Colour of each cluster id, in order (Okabe-Ito, reused after seven).

    Examples
    --------
    >>> cluster_colours([5, 9])
    {5: '#e69f00', 9: '#56b4e9'}
    """
    return {cid: _QUALITATIVE[i % len(_QUALITATIVE)] for i, cid in enumerate(ids)}


def cluster_period(summary: Any, mode: str, record: dict[str, Any],
                   incidents: Any = None) -> str | None:
    """Return the data period: recorded, else the span of the clusters' dates (months if public).

    Examples
    --------
    >>> s = pd.DataFrame({"first": ["2019-01-03"], "last": ["2019-06-30"]})
    >>> cluster_period(s, "public", {}), cluster_period(s, "restricted", {})
    ('2019-01 to 2019-06', '2019-01-03 to 2019-06-30')
    """
    period = _results.describe_period(record, _results.hotspots_attrs(incidents))
    if period is None and {"first", "last"} <= set(summary.columns) and len(summary):
        first = pd.to_datetime(summary["first"]).min()
        last = pd.to_datetime(summary["last"]).max()
        if pd.notna(first) and pd.notna(last):
            fmt = "%Y-%m" if mode == "public" else "%Y-%m-%d"
            period = f"{first.strftime(fmt)} to {last.strftime(fmt)}"
    return period


def _popup(popup: Sequence[str] | None, mode: str, summary: Any) -> list[str]:
    """Return the popup's allow-list: a public map refuses columns it does not show."""
    if mode == "public" and popup is not None:
        refused = [c for c in popup if c not in _PUBLIC_POPUP]
        if refused:
            raise PublicModeError(
                f"{current_verb()}: a public map cannot show {', '.join(map(repr, refused))} "
                f"in its popups; it may show {', '.join(_DEFAULT_POPUP)}, or use "
                "mode='restricted'."
            )
    return [c for c in (_DEFAULT_POPUP if popup is None else popup) if c in summary.columns]


def _cluster_points(incidents: Any, labels: Any) -> Any:
    """Return the located incidents with their cluster label (restricted maps only)."""
    _results.to_frame_crs(incidents)
    if labels is None:
        if "cluster" not in incidents.columns:
            raise ValueError(
                f"{current_verb()}: pass labels= (from cluster_incidents) or give incidents "
                "a 'cluster' column"
            )
        labels = incidents["cluster"]
    lab = pd.Series(labels).reindex(incidents.index)
    geoms = incidents.geometry
    located = ~(geoms.isna() | geoms.is_empty).to_numpy()
    points = incidents.loc[located, ["geometry"]].copy()
    points["cluster"] = lab[located].astype("Int64")
    return points


def _add_points(m: Any, points: Any, ids: list[Any], color_of: dict[Any, str]) -> None:
    """Draw incident points coloured by cluster, noise grey, as one restricted layer."""
    cluster_values = points["cluster"].fillna(-1).astype(int).to_numpy()
    order = {cid: i for i, cid in enumerate(ids)}
    point_styles = [
        {"radius": 3, "weight": 0.5, "color": "#333333", "fillColor": color_of[c],
         "fillOpacity": 0.9}
        for c in ids
    ] + [{"radius": 2, "weight": 0.3, "color": "#666666", "fillColor": _NOISE,
          "fillOpacity": 0.6}]
    idx = np.array([order.get(c, len(ids)) for c in cluster_values], dtype=int)
    _base.add_layer(m, geo_layer(points, style_index=idx, styles=point_styles),
                    "Incidents (restricted)")
    logger.info("%s: drawing %d incident points (restricted)", current_verb(), len(points))


def public_categories(text: Any, k: int) -> Any:
    """Write a ``top_categories`` text for a public map: categories under ``k`` are "other".

    Parameters
    ----------
    text : str or NA
        ``"Other theft 12, Shoplifting 7, Drugs 3"`` (categories with counts, as
        :func:`hotspots.cluster.cluster_summary` writes them).
    k : int
        Smallest count a public output may show.

    Returns
    -------
    str or NA
        The categories with ``k`` or more incidents, with their counts, then ``"other"``
        when any listed category had fewer (or no count to tell): ``"Other theft 12,
        Shoplifting 7, other"``.

    Examples
    --------
    >>> public_categories("Other theft 12, Shoplifting 7, Drugs 3", 5)
    'Other theft 12, Shoplifting 7, other'
    >>> public_categories("Drugs 3, Robbery 1", 5)
    'other'
    """
    if not isinstance(text, str):
        return text
    kept, other = [], False
    for part in (p.strip() for p in text.split(", ")):
        if not part:
            continue
        match = _CATEGORY_COUNT.match(part)
        if match is not None and int(match["n"]) >= k:
            kept.append(part)
        else:
            # Below k, or a name without a count (which may be below k): never named.
            other = True
    return ", ".join([*kept, *(["other"] if other else [])])


def _months(values: pd.Series) -> list[Any]:
    """Write dates as ``"2019-03"`` (NA stays NA)."""
    dates = pd.to_datetime(values, errors="coerce")
    return [None if pd.isna(d) else d.strftime("%Y-%m") for d in dates]
