"""``explore_premises``: ranked premises as numbered markers coloured by priority."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hotspots.maps import _base
from hotspots.maps._legend import legend
from hotspots.maps._style import PRIORITY_COLORS

__all__ = ["explore_premises"]

logger = logging.getLogger(__name__)

_DEFAULT_POPUP = [
    "rank",
    "name",
    "premises_type",
    "premises_class",
    "score",
    "n_linked",
    "top_categories",
    "reasons",
]
_POPUP_LABELS = {"name": "Name", "premises_type": "Type", "premises_class": "Class",
                 "n_linked": "Linked incidents"}
#: Types treated as homes when there is no ``premises_class`` column (public maps omit them).
_RESIDENTIAL_TYPE = re.compile(
    r"residential|dwelling|private (?:house|address|residence)|children.?s home|care home|"
    r"house in multiple occupation|\bhmo\b|supported (?:living|housing)|foster",
    re.IGNORECASE,
)
#: Display bands by rank when the frame has no ``priority`` column: first 10, next 20, rest.
_RANK_BANDS = ((10, "high", "High priority (rank 1-10)"),
               (30, "medium", "Medium priority (rank 11-30)"),
               (None, "low", "Lower priority (rank 31 and below)"))


def _residential(frame: pd.DataFrame) -> np.ndarray:
    mask = np.zeros(len(frame), dtype=bool)
    if "premises_class" in frame.columns:
        mask |= frame["premises_class"].astype("string").str.lower().eq("residential").fillna(
            False
        ).to_numpy(dtype=bool)
    if "premises_type" in frame.columns:
        mask |= frame["premises_type"].astype("string").str.contains(
            _RESIDENTIAL_TYPE, na=False
        ).to_numpy(dtype=bool)
    return mask


def _bands(frame: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Band index per row and the legend entries, from ``priority`` or else from ``rank``."""
    if "priority" in frame.columns:
        text = frame["priority"].astype("string").str.lower().fillna("")
        names = [b for b in ("high", "medium", "low") if (text == b).any()]
        others = sorted(set(text) - {"high", "medium", "low", ""})
        names += others
        colors = [PRIORITY_COLORS.get(n, "#7f7f7f") for n in names]
        index = np.array([names.index(t) if t in names else -1 for t in text])
        entries = [(c, f"{n.capitalize()} priority") for c, n in zip(colors, names, strict=True)]
        return index, entries
    ranks = pd.to_numeric(frame["rank"], errors="coerce").to_numpy(dtype=float)
    index = np.full(len(frame), -1)
    entries = []
    lower = -np.inf
    for i, (upper, key, label) in enumerate(_RANK_BANDS):
        top = np.inf if upper is None else upper
        hit = (ranks > lower) & (ranks <= top)
        if hit.any():
            entries.append((PRIORITY_COLORS[key], label))
        index[hit] = i
        lower = top
    # Legend rows follow the band order; map band index to its legend row.
    used = sorted(set(index[index >= 0].tolist()))
    remap = {b: j for j, b in enumerate(used)}
    index = np.array([remap.get(b, -1) for b in index])
    return index, entries


@_base.map_docstring("ranked")
def explore_premises(
    ranked: Any,
    *,
    top: int | None = None,
    mode: str = "restricted",
    popup: Sequence[str] | None = None,
    m: Any = None,
    title: str | None = None,
    areas: Any = None,
    tiles: str | None = "auto",
    offline: bool = False,
    period: str | None = None,
) -> Any:
    """Draw ranked premises as numbered markers, coloured by priority, with popups.

    Parameters
    ----------
    ranked : geopandas.GeoDataFrame
        Points with a ``rank`` column, e.g. from :func:`hotspots.premises.premises_rank`
        (``name``, ``premises_type``, ``score``, ``reasons``... are shown when present).
        A ``priority`` column (``"high"``/``"medium"``/``"low"``) sets the colours; without
        it the display bands are ranks 1-10, 11-30 and the rest.
    top : int, optional
        Draw only the ``top`` best ranked (after any public-mode exclusion). Default: all
        rows, except that rows with a ``score`` of 0 (no linked incidents) are left out.
    mode : {"restricted", "public"}
        Default ``"restricted"`` (a licensing team's working map). ``"public"`` leaves out
        residential premises (``premises_class == "residential"``, or a ``premises_type``
        such as "children's home" or "dwelling") and says how many in the legend.
    popup : sequence of str, optional
        The allow-list of columns shown in a marker's popup. Default: rank, name, type,
        class, score, linked incidents, top categories and reasons.
    {map_options}

    Returns
    -------
    folium.Map

    Raises
    ------
    ValueError
        If there is no ``rank`` column, ``top`` is not a positive integer or the frame has
        no CRS.

    Notes
    -----
    Names, types and reasons come from data and are HTML-escaped: a premises called
    ``<script>alert(1)</script>`` shows that text and runs nothing.
    """
    caller = "explore_premises"
    _base.check_mode(mode, caller)
    _base.to_frame_crs(ranked)
    _base.require_columns(ranked, ["rank"], caller)
    if top is not None and (not isinstance(top, (int, np.integer)) or top < 1):
        raise ValueError(
            f"The 'top' parameter of {caller} must be a positive integer. Got {top!r} instead."
        )
    record = _base.hotspots_attrs(ranked)
    areas = _base.find_areas(areas, ranked)
    frame = ranked.copy()
    geoms = frame.geometry
    located = ~(geoms.isna() | geoms.is_empty).to_numpy()
    notes = []
    if (~located).any():
        notes.append(f"{int((~located).sum())} without a location not shown")
    keep = located
    if mode == "public":
        residential = _residential(frame)
        n_res = int((residential & keep).sum())
        if n_res:
            notes.append(f"{n_res} residential premises not shown (public map)")
            logger.info("%s: left out %d residential premises (public mode)", caller, n_res)
        keep = keep & ~residential
    if top is None and "score" in frame.columns:
        zero = pd.to_numeric(frame["score"], errors="coerce").fillna(0).to_numpy() <= 0
        if (zero & keep).any():
            notes.append(f"{int((zero & keep).sum())} with no linked incidents not shown")
        keep = keep & ~zero
    frame = frame.loc[keep].sort_values("rank", kind="stable")
    if top is not None:
        frame = frame.head(int(top))
    popup = list(_DEFAULT_POPUP if popup is None else popup)
    popup = [c for c in popup if c in frame.columns]
    band_index, entries = _bands(frame)
    styles = [{"fillColor": color, "color": color} for color, _ in entries]

    m = _base.start_map(
        m, title=title, default="Premises, by priority", frames=[frame], tiles=tiles,
        offline=offline,
    )
    layer = _base.labelled_layer(
        frame,
        style_index=band_index if styles else np.full(len(frame), -1),
        styles=styles,
        popup=popup,
        labels=_POPUP_LABELS,
        rank="rank",
        point_kind="rank",
    )
    name = f"Premises (top {top})" if top else "Ranked premises"
    _base.add_layer(m, layer, name)
    logger.info("%s: drawing %d premises", caller, layer.n_features)
    return _base.complete_map(
        m,
        areas,
        legend(
            "Premises, by priority",
            entries,
            swatch="circle",
            note="; ".join(["Number = rank; click a marker for its reasons", *notes]),
        ),
        period=period or _base.describe_period(record),
        vintage=record.get("vintage"),
        mode=mode,
    )
