"""``explore_clusters``: cluster outlines with their summaries; incident points if restricted."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hotspots.errors import PublicModeError
from hotspots.maps import _base
from hotspots.maps._layer import geo_layer
from hotspots.maps._legend import legend
from hotspots.maps._style import NEUTRAL

__all__ = ["explore_clusters"]

logger = logging.getLogger(__name__)

# Okabe-Ito qualitative palette (colour-blind safe), without black and yellow (hard to read
# on a light map); clusters beyond seven reuse colours in order.
_QUALITATIVE = ["#e69f00", "#56b4e9", "#009e73", "#0072b2", "#d55e00", "#cc79a7", "#999933"]
_NOISE = "#9e9e9e"
#: Clusters listed in the legend (largest first, as cluster_summary sorts them).
_LEGEND_ROWS = 8
_DEFAULT_POPUP = ["cluster_id", "n", "share", "first", "last", "top_categories", "wards",
                  "constituency"]
#: Public maps blur cluster outlines by this many metres: a convex hull's corners are
#: incident locations.
PUBLIC_BLUR_M = 100.0


@_base.map_docstring("summary")
def explore_clusters(
    summary: Any,
    incidents: Any = None,
    *,
    labels: Any = None,
    mode: str = "restricted",
    popup: Sequence[str] | None = None,
    m: Any = None,
    title: str | None = None,
    areas: Any = None,
    tiles: str | None = "auto",
    offline: bool = False,
    period: str | None = None,
    k: int = 5,
) -> Any:
    """Draw incident clusters as outlined areas with their summaries in popups.

    Parameters
    ----------
    summary : geopandas.GeoDataFrame
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
        shows cluster sizes from 1 to ``k - 1`` as ``"<k"`` and blurs the outlines by
        100 m, because a convex hull's corners are incident locations.
    popup : sequence of str, optional
        The allow-list of summary columns shown in a cluster's popup (and its tooltip).
    {map_options}
    k : int
        Public-mode threshold for small cluster sizes.

    Returns
    -------
    folium.Map

    Raises
    ------
    PublicModeError
        If ``mode="public"`` and ``incidents`` are given.
    ValueError
        If ``summary`` has no ``cluster_id`` column or no CRS.
    """
    caller = "explore_clusters"
    _base.check_mode(mode, caller)
    if mode == "public" and incidents is not None:
        raise PublicModeError(
            f"{caller}: a public map cannot show incident points; call it without "
            "incidents= (clusters only), or use mode='restricted' for an analyst's map."
        )
    _base.to_frame_crs(summary)
    _base.require_columns(summary, ["cluster_id"], caller)
    record = _base.hotspots_attrs(summary)
    areas = _base.find_areas(areas, summary, incidents)
    popup = [c for c in (_DEFAULT_POPUP if popup is None else popup) if c in summary.columns]
    frame = _base.select_columns(summary, [*popup, "cluster_id"])
    if "share" in frame.columns:
        frame["share"] = _base.share_text(frame["share"])
    if mode == "public":
        if "n" in frame.columns:
            shown, _ = _base.mask_small_counts(frame["n"].tolist(), k)
            frame["n"] = pd.Series(shown, index=frame.index, dtype=object)
        if "share" in frame.columns and "n" in frame.columns:
            small = frame["n"].map(lambda v: isinstance(v, str) and v.startswith("<"))
            frame.loc[small, "share"] = "[c]"
        frame["geometry"] = frame.geometry.buffer(PUBLIC_BLUR_M).simplify(PUBLIC_BLUR_M / 4)

    ids = frame["cluster_id"].tolist()
    color_of = {cid: _QUALITATIVE[i % len(_QUALITATIVE)] for i, cid in enumerate(ids)}
    styles = [
        {"color": color_of[c], "fillColor": color_of[c], "weight": 2.5, "fillOpacity": 0.25}
        for c in ids
    ]
    layers_frames = [frame]
    points = None
    if incidents is not None:
        _base.to_frame_crs(incidents)
        if labels is None:
            if "cluster" not in incidents.columns:
                raise ValueError(
                    f"{caller}: pass labels= (from cluster_incidents) or give incidents a "
                    "'cluster' column"
                )
            labels = incidents["cluster"]
        lab = pd.Series(labels).reindex(incidents.index)
        geoms = incidents.geometry
        located = ~(geoms.isna() | geoms.is_empty).to_numpy()
        points = incidents.loc[located, ["geometry"]].copy()
        points["cluster"] = lab[located].astype("Int64")
        layers_frames.append(points)

    m = _base.start_map(
        m, title=title, default="Incident clusters", frames=layers_frames, tiles=tiles,
        offline=offline,
    )
    _base.add_layer(
        m,
        _base.labelled_layer(
            frame,
            style_index=np.arange(len(frame)),
            styles=styles,
            tooltip=popup[:3],
            popup=popup,
            simplify=1.0,
        ),
        f"Clusters ({len(frame)})",
    )
    entries = [(color_of[c], f"Cluster {c}") for c in ids[:_LEGEND_ROWS]]
    note = None
    if len(ids) > _LEGEND_ROWS:
        note = f"{len(ids) - _LEGEND_ROWS} more clusters on the map; click one for its summary"
    if points is not None:
        cluster_values = points["cluster"].fillna(-1).astype(int).to_numpy()
        order = {cid: i for i, cid in enumerate(ids)}
        point_styles = [
            {"radius": 3, "weight": 0.5, "color": "#333333", "fillColor": color_of[c],
             "fillOpacity": 0.9}
            for c in ids
        ] + [{"radius": 2, "weight": 0.3, "color": "#666666", "fillColor": _NOISE,
              "fillOpacity": 0.6}]
        idx = np.array([order.get(c, len(ids)) for c in cluster_values], dtype=int)
        _base.add_layer(
            m,
            geo_layer(points, style_index=idx, styles=point_styles),
            "Incidents (restricted)",
        )
        entries.append((_NOISE, "Incident not in a cluster (noise)"))
        logger.info("%s: drawing %d incident points (restricted)", caller, len(points))
    if not entries:
        entries = [(NEUTRAL, "No clusters found")]
    period = period or _base.describe_period(record, _base.hotspots_attrs(incidents))
    if period is None and {"first", "last"} <= set(summary.columns) and len(summary):
        # The span of the clustered incidents' dates, as the summary gives them.
        first, last = pd.to_datetime(summary["first"]).min(), pd.to_datetime(summary["last"]).max()
        if pd.notna(first) and pd.notna(last):
            period = f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
    return _base.complete_map(
        m,
        areas,
        legend("Incident clusters", entries, note=note),
        period=period,
        vintage=record.get("vintage"),
        mode=mode,
    )
