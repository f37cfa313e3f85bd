"""``explore_clusters``: cluster outlines with their summaries; incident points if restricted."""

from __future__ import annotations

import logging
import re
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
#: What a public cluster popup may show (no centroid: it is a mean of incident locations).
_PUBLIC_POPUP = frozenset(_DEFAULT_POPUP)
#: "Other theft 12" in ``top_categories``: a category and its count.
_CATEGORY_COUNT = re.compile(r"^(?P<name>.*\S)\s+(?P<n>\d+)$")
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
    if mode == "public" and popup is not None:
        refused = [c for c in popup if c not in _PUBLIC_POPUP]
        if refused:
            raise PublicModeError(
                f"{caller}: a public map cannot show {', '.join(map(repr, refused))} in its "
                f"popups; it may show {', '.join(_DEFAULT_POPUP)}, or use mode='restricted'."
            )
    popup = [c for c in (_DEFAULT_POPUP if popup is None else popup) if c in summary.columns]
    frame = _base.select_columns(summary, [*popup, "cluster_id"])
    if "share" in frame.columns:
        frame["share"] = _base.share_text(frame["share"])
    if mode == "public":
        small = np.zeros(len(frame), dtype=bool)
        if "n" in frame.columns:
            shown, small = _base.mask_small_counts(frame["n"].tolist(), k)
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
            fmt = "%Y-%m" if mode == "public" else "%Y-%m-%d"
            period = f"{first.strftime(fmt)} to {last.strftime(fmt)}"
    return _base.complete_map(
        m,
        areas,
        legend("Incident clusters", entries, note=note),
        period=period,
        vintage=record.get("vintage"),
        mode=mode,
    )


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
