"""Static pictures of clusters, premises and missing-episode flows (for :mod:`static_export`).

Each ``*_layer`` function takes what the matching ``explore_*`` builder takes and returns the
layer description :func:`hotspots.maps.static_export.static_figure` draws: a ``draw``
callable (these maps are points, outlines and lines, not a choropleth), legend handles, the
legend title, the footer's record and notes, and a text alternative. The public-mode rules
are those of the interactive builders, reused from their modules rather than restated:

- clusters (:mod:`hotspots.maps.clusters`): no incident points, sizes from 1 to ``k - 1``
  shown as ``"<k"``, outlines blurred by :data:`~hotspots.maps.clusters.PUBLIC_BLUR_M`,
  months rather than days in the period;
- premises (:mod:`hotspots.maps.premises`): only premises on the allow-list of
  :func:`hotspots.premises.public.public_premises` with ``k`` or more linked incidents; no
  rank numbers (a gap in the ranks would tell how many premises were left out);
- flows (:mod:`hotspots.maps.flows`): restricted only, both ends on cells of at least
  :data:`~hotspots.maps.flows.MIN_CELL` metres, zero-length flows left out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hotspots.errors import PublicModeError
from hotspots.maps import _results
from hotspots.maps.clusters import PUBLIC_BLUR_M, cluster_colours, cluster_period, public_clusters
from hotspots.maps.flows import MIN_CELL, flow_lines
from hotspots.maps.premises import premises_view, rank_bands

__all__ = ["cluster_layer", "flow_layer", "premises_layer"]

_CALLER = "static_figure"
#: Clusters named in the legend (largest first, as ``cluster_summary`` sorts them).
_LEGEND_ROWS = 8
_FLOW_COLOR = "#b2182b"


def _projected(frame: Any) -> Any:
    """Frames in metres: the scale bar and the 100 m rules need a projected CRS."""
    _results.to_frame_crs(frame)
    return frame if frame.crs.is_projected else frame.to_crs(27700)


def _patch(color: str, label: str, **kw: Any) -> Any:
    from matplotlib.patches import Patch  # lazy: heavy, only when a map is drawn

    return Patch(facecolor=color, edgecolor=kw.pop("edgecolor", "#555555"), label=label, **kw)


def _dot(color: str, label: str, size: float = 6.0) -> Any:
    from matplotlib.lines import Line2D  # lazy: heavy, only when a map is drawn

    return Line2D([], [], marker="o", linestyle="", markersize=size, markerfacecolor=color,
                  markeredgecolor="#333333", markeredgewidth=0.5, label=label)


# --- clusters ---------------------------------------------------------------------------------
def cluster_layer(summary: Any, mode: str, k: int, *, incidents: Any = None,
                  labels: Any = None) -> dict[str, Any]:
    """Cluster outlines (and, restricted, incident points) as :func:`explore_clusters` draws.

    Parameters
    ----------
    summary : geopandas.GeoDataFrame
        From :func:`hotspots.cluster.cluster_summary` (``cluster_id``, ``n``, polygons).
    mode : {"public", "restricted"}
    k : int
        Public threshold for small cluster sizes.
    incidents : geopandas.GeoDataFrame, optional
        Restricted only: the clustered incidents, drawn as points coloured by cluster.
    labels : pandas.Series, optional
        Cluster label per incident (default the ``cluster`` column of ``incidents``).

    Returns
    -------
    dict
        The layer description :func:`~hotspots.maps.static_export.static_figure` draws.

    Examples
    --------
    >>> layer = cluster_layer(summary, "public", 5)  # doctest: +SKIP
    """
    _results.check_mode(mode, _CALLER)
    if mode == "public" and incidents is not None:
        raise PublicModeError(
            f"{_CALLER}: a public map cannot show incident points; call it without "
            "incidents= (clusters only), or use mode='restricted' for an analyst's map.")
    summary = _projected(summary)
    _results.require_columns(summary, ["cluster_id"], _CALLER)
    record = _results.hotspots_attrs(summary)
    frame = summary[[c for c in ("cluster_id", "n", "geometry") if c in summary.columns]]
    if mode == "public":
        # the one public rule of the interactive map: sizes under k masked, outlines blurred
        frame = public_clusters(frame, k)
    n = frame["n"].tolist() if "n" in frame.columns else [None] * len(frame)
    ids = frame["cluster_id"].tolist()
    color_of = cluster_colours(ids)
    colors = [color_of[c] for c in ids]

    def size_text(v: Any) -> str:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return ""
        return f": {v if isinstance(v, str) else f'{int(v):,}'} incidents"

    handles = [_patch(color_of[c], f"Cluster {c}{size_text(v)}", alpha=0.6)
               for c, v in list(zip(ids, n, strict=True))[:_LEGEND_ROWS]]
    notes = []
    if len(ids) > _LEGEND_ROWS:
        notes.append(f"{len(ids) - _LEGEND_ROWS} smaller clusters on the map are not listed.")
    if mode == "public":
        notes.append(f"Cluster outlines blurred by {PUBLIC_BLUR_M:.0f} m.")
    points = None
    if incidents is not None:
        incidents = _projected(incidents)
        if labels is None:
            if "cluster" not in incidents.columns:
                raise ValueError(f"{_CALLER}: pass labels= (from cluster_incidents) or give "
                                 "incidents a 'cluster' column")
            labels = incidents["cluster"]
        lab = pd.Series(labels).reindex(incidents.index).fillna(-1).astype(int).to_numpy()
        geoms = incidents.geometry
        located = ~(geoms.isna() | geoms.is_empty).to_numpy()
        points = (geoms[located].x.to_numpy(), geoms[located].y.to_numpy(), lab[located])
        handles.append(_dot("#9e9e9e", "Incident not in a cluster (noise)", 4))
    if not handles:
        handles = [_patch("#ffffff", "No clusters found")]
    # a paper's footer gives months, as the public web map does
    period = cluster_period(summary, "public", record, incidents)

    def draw(ax: Any) -> None:
        if len(frame):
            frame.plot(ax=ax, color=colors, alpha=0.3, edgecolor=colors, linewidth=1.5)
        if points is not None:
            x, y, lab_ = points
            noise = ~np.isin(lab_, ids)
            ax.scatter(x[noise], y[noise], s=2, c="#9e9e9e", linewidths=0)
            pc = np.array([color_of.get(c, "#9e9e9e") for c in lab_[~noise]], dtype=object)
            ax.scatter(x[~noise], y[~noise], s=4, c=list(pc), edgecolors="#333333",
                       linewidths=0.2)

    shown = sum(1 for v in n if not isinstance(v, str))
    alt = (f"Map of {len(ids)} incident clusters"
           + (f" ({len(ids) - shown} of fewer than {k} incidents)" if mode == "public"
              and shown < len(ids) else "")
           + ("; incident points shown" if points is not None else "") + ".")
    return {"draw": draw, "handles": handles, "legend_title": "Incident clusters",
            "record": record, "notes": notes, "alt": alt, "period": period,
            "suppression": {"k": k} if mode == "public" else None,
            "extent": frame}


# --- premises ---------------------------------------------------------------------------------
def premises_layer(ranked: Any, mode: str, k: int, *, top: int | None = None,
                   public_types: Any = None) -> dict[str, Any]:
    """Ranked premises as dots coloured by priority, as :func:`explore_premises` selects them.

    Parameters
    ----------
    ranked : geopandas.GeoDataFrame
        Points with ``rank`` (e.g. from :func:`hotspots.premises.premises_rank`).
    mode : {"public", "restricted"}
        Public: only allow-listed premises with ``k`` or more linked incidents, no rank
        numbers. Restricted: every ranked premises with a score, numbered by rank.
    k : int
        Public: smallest count of linked incidents shown.
    top : int, optional
        Draw only the ``top`` best ranked (after the public exclusions).
    public_types : iterable of str, optional
        Public: the premises types that may be drawn (default the module's allow-list).

    Returns
    -------
    dict
        The layer description :func:`~hotspots.maps.static_export.static_figure` draws.

    Examples
    --------
    >>> layer = premises_layer(ranked, "public", 5, top=20)  # doctest: +SKIP
    """
    _results.check_mode(mode, _CALLER)
    ranked = _projected(ranked)
    record = _results.hotspots_attrs(ranked)
    # the one rule of the interactive map: what is shown, in rank order, dense ranks if public
    frame, notes = premises_view(ranked, mode, k, top=top, public_types=public_types)
    band, entries = rank_bands(frame)
    colors = np.array([entries[b][0] if b >= 0 else "#7f7f7f" for b in band], dtype=object)
    handles = [_dot(c, lab) for c, lab in entries] or [_patch("#ffffff", "No premises shown")]
    x, y = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
    ranks = pd.to_numeric(frame["rank"], errors="coerce").to_numpy()

    def draw(ax: Any) -> None:
        import matplotlib.patheffects as pe  # lazy: heavy, only when a map is drawn

        # best ranked drawn last, so on top where markers overlap
        order = np.arange(len(frame))[::-1]
        # restricted markers hold their rank number, so they are larger
        ax.scatter(x[order], y[order], s=70 if mode == "restricted" else 28,
                   c=list(colors[order]), edgecolors="#222222", linewidths=0.5, zorder=3)
        if mode == "restricted":
            for xi, yi, r in zip(x, y, ranks, strict=True):
                if np.isfinite(r):
                    ax.text(xi, yi, f"{int(r)}", fontsize=5, ha="center", va="center",
                            zorder=4, clip_on=True, in_layout=False,
                            path_effects=[pe.withStroke(linewidth=1.5, foreground="white")])

    if mode == "restricted":
        notes.insert(0, "Number = rank")
    title = f"Premises, by priority (top {top})" if top else "Premises, by priority"
    alt = f"Map of {len(frame)} ranked premises coloured by priority."
    return {"draw": draw, "handles": handles, "legend_title": title, "record": record,
            "notes": ["; ".join(notes) + "."] if notes else [], "alt": alt,
            "suppression": {"k": k} if mode == "public" else None, "extent": frame}


# --- flows ------------------------------------------------------------------------------------
def flow_layer(data: Any, mode: str, *, cell_size: float = 250.0,
               min_count: int = 2) -> dict[str, Any]:
    """Missing-from to found flows as lines weighted by count, as :func:`explore_flows`.

    Parameters
    ----------
    data : pandas.DataFrame or geopandas.GeoDataFrame
        Episodes (:func:`hotspots.read_missing_episodes`), or lines from
        :func:`hotspots.maps.flows.flow_lines` (their ``cell_size`` must be recorded and at
        least :data:`~hotspots.maps.flows.MIN_CELL`).
    mode : {"restricted"}
        ``"public"`` raises :class:`~hotspots.errors.PublicModeError`.
    cell_size : float, default 250
        Cell (metres, at least 100) both ends are snapped to.
    min_count : int, default 2
        Draw flows with at least this many episodes.

    Returns
    -------
    dict
        The layer description :func:`~hotspots.maps.static_export.static_figure` draws.

    Examples
    --------
    >>> layer = flow_layer(episodes, "restricted", cell_size=500)  # doctest: +SKIP
    """
    _results.check_mode(mode, _CALLER)
    if mode == "public":
        raise PublicModeError(f"{_CALLER}: a public map cannot show journeys of children; "
                              "publish the suppressed table of episode_flows instead, or use "
                              "mode='restricted' for an analyst's map.")
    if _is_flow_lines(data):
        size = _results.hotspots_attrs(data).get("cell_size")
        if size is None or not float(size) >= MIN_CELL:
            raise ValueError(f"{_CALLER}: these flow lines do not record a cell size of at "
                             f"least {MIN_CELL:g} m (got {size!r}); build them with "
                             "flow_lines(episodes, cell_size=250) or pass the episodes.")
        lines = data[data["n"] >= int(min_count)]
        episodes_record: dict[str, Any] = {}
    else:
        lines = flow_lines(data, cell_size=cell_size, min_count=min_count)
        episodes_record = _results.hotspots_attrs(data)
    record = _results.hotspots_attrs(lines)
    lines = _projected(lines[~lines["same_cell"].astype(bool)])
    n = lines["n"].to_numpy(dtype=float)
    top = float(n.max()) if len(n) else 1.0

    def width(v: float) -> float:
        # as the web map: area of ink grows with the count, so the width with its square root
        return 0.4 + 3.6 * float(np.sqrt(v / top))

    from matplotlib.lines import Line2D  # lazy: heavy, only when a map is drawn

    shown = sorted({int(v) for v in np.unique(np.quantile(n, [0, 0.5, 1.0]).round())}
                   ) if len(n) else []
    handles = [Line2D([], [], color=_FLOW_COLOR, alpha=0.7, linewidth=width(v),
                      label=f"{v:,} episode{'s' if v != 1 else ''}") for v in shown] \
        or [_patch("#ffffff", "No flows to draw")]

    def draw(ax: Any) -> None:
        from matplotlib.collections import LineCollection  # lazy: heavy, only when a map is drawn

        if not len(lines):
            return
        segs = [np.asarray(g.coords) for g in lines.geometry]
        ax.add_collection(LineCollection(segs, linewidths=[width(v) for v in n],
                                         colors=_FLOW_COLOR, alpha=0.6, capstyle="round"))
        ax.autoscale_view()

    period = _results.describe_period(episodes_record, record)
    if period is None and "start" in getattr(data, "columns", []):
        # the months the episodes began (no "period not recorded" footer on a paper's map)
        start = pd.to_datetime(data["start"], errors="coerce").dropna()
        if len(start):
            period = f"{start.min():%Y-%m} to {start.max():%Y-%m} (episode starts)"
    size = float(record.get("cell_size", cell_size))
    notes = [f"Both ends snapped to the centres of {size:,.0f} m cells; flows of fewer than "
             f"{int(min_count)} episodes and flows within one cell not drawn."]
    alt = (f"Map of {len(lines):,} flows between {size:,.0f} m cells, from where children went "
           f"missing to where they were found; the widest line is {int(top):,} episodes.")
    return {"draw": draw, "handles": handles,
            "legend_title": "Missing episodes: where children were found", "record": record,
            "period": period, "notes": notes,
            "alt": alt, "suppression": None, "extent": lines}


def _is_flow_lines(data: Any) -> bool:
    return hasattr(data, "geometry") and {"n", "same_cell"} <= set(data.columns)
