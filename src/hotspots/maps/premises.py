"""``explore_premises``: ranked premises as numbered markers coloured by priority."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hotspots.errors import PublicModeError
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
    "rating",
    "rating_date",
    "reasons",
]
#: What a public popup may show: no reasons (free text full of small counts), no address.
_PUBLIC_POPUP = ("rank", "name", "premises_type", "premises_class", "score", "n_linked",
                 "top_categories")
#: "4 other theft" in ``top_categories``: a (possibly weighted) count and a category.
_COUNT_CATEGORY = re.compile(r"^(?P<n>\d+(?:\.\d+)?)\s+(?P<name>\S.*)$")
_POPUP_LABELS = {"name": "Name", "premises_type": "Type", "premises_class": "Class",
                 "n_linked": "Linked incidents", "rating": "Food hygiene rating",
                 "rating_date": "Inspected"}
#: Display bands by rank when the frame has no ``priority`` column: first 10, next 20, rest.
_RANK_BANDS = ((10, "high", "High priority (rank 1-10)"),
               (30, "medium", "Medium priority (rank 11-30)"),
               (None, "low", "Lower priority (rank 31 and below)"))


def _few_linked(frame: pd.DataFrame, k: int, caller: str, notes: list[str],
                keep: np.ndarray) -> np.ndarray:
    """Premises with fewer than ``k`` linked incidents (a public map leaves them out)."""
    if "n_linked" not in frame.columns:
        raise PublicModeError(
            f"{caller}: a public premises map needs the 'n_linked' column (from "
            "premises_rank) to leave out premises with fewer than k linked incidents; use "
            "mode='restricted' for a working map."
        )
    linked = pd.to_numeric(frame["n_linked"], errors="coerce").fillna(0).to_numpy(dtype=float)
    few = (linked > 0) & (linked < k)
    if (few & keep).any():
        notes.append(f"{int((few & keep).sum())} with fewer than {k} linked incidents not "
                     "shown")
    return few


def _public_categories(text: Any, k: int) -> Any:
    """``"43 shoplifting, 4 other theft"`` -> ``"43 shoplifting, other"`` (counts under k)."""
    if not isinstance(text, str):
        return text
    kept, other = [], False
    for part in (p.strip() for p in text.split(", ")):
        match = _COUNT_CATEGORY.match(part)
        if match is not None and float(match["n"]) >= k:
            kept.append(part)
        elif part:
            other = True
    return ", ".join([*kept, *(["other"] if other else [])])


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
    public_types: Iterable[str] | None = None,
    m: Any = None,
    title: str | None = None,
    areas: Any = None,
    tiles: str | None = "auto",
    offline: bool = False,
    period: str | None = None,
    k: int = 5,
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
        Default ``"restricted"`` (a licensing team's working map). ``"public"`` draws only
        premises whose ``premises_type`` is a clearly commercial type
        (:data:`hotspots.premises.public.PUBLIC_PREMISES_TYPES`: restaurants, cafes,
        takeaways, pubs, bars, hotels, shops, licensed entertainment), never a home, care or
        supported housing, a refuge, a hostel, "Caring Premises" or a premises of unknown
        type, and says in the legend how many were left out. It also leaves out premises
        with fewer than ``k`` linked incidents (``n_linked``), lists in ``top_categories``
        only categories with ``k`` or more (the rest as "other"), and shows no ``reasons``
        (free text full of small counts) or address.
    popup : sequence of str, optional
        The allow-list of columns shown in a marker's popup. Default: rank, name, type,
        class, score, linked incidents, top categories and reasons.
    public_types : iterable of str, optional
        Public mode: the premises types that may be drawn, instead of
        :data:`~hotspots.premises.public.PUBLIC_PREMISES_TYPES` (case-insensitive).
    {map_options}
    k : int
        Public mode: smallest count of linked incidents shown.

    Returns
    -------
    folium.Map

    Raises
    ------
    PublicModeError
        In public mode, without an ``n_linked`` column, or when ``popup`` names a column a
        public map does not show.
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
        from hotspots.premises.public import public_premises

        # An allow-list: a premises is drawn only when its type shows it is a business.
        left_out = keep & ~public_premises(frame, public_types)
        n_out = int(left_out.sum())
        if n_out:
            notes.append(f"{n_out} premises not shown: public maps show only commercial "
                         "types (no homes, care, hostels or unknown types)")
            logger.info("%s: left out %d premises not on the public allow-list", caller, n_out)
        keep = keep & ~left_out
        keep = keep & ~_few_linked(frame, k, caller, notes, keep)
    if top is None and "score" in frame.columns:
        zero = pd.to_numeric(frame["score"], errors="coerce").fillna(0).to_numpy() <= 0
        if (zero & keep).any():
            notes.append(f"{int((zero & keep).sum())} with no linked incidents not shown")
        keep = keep & ~zero
    frame = frame.loc[keep].sort_values("rank", kind="stable")
    if top is not None:
        frame = frame.head(int(top))
    if mode == "public":
        if popup is not None and [c for c in popup if c not in _PUBLIC_POPUP]:
            refused = [c for c in popup if c not in _PUBLIC_POPUP]
            raise PublicModeError(
                f"{caller}: a public map cannot show {', '.join(map(repr, refused))} in its "
                f"popups; it may show {', '.join(_PUBLIC_POPUP)}, or use mode='restricted'."
            )
        popup = [c for c in (popup or _DEFAULT_POPUP) if c in _PUBLIC_POPUP]
        if "top_categories" in frame.columns:
            frame = frame.assign(top_categories=[_public_categories(v, k)
                                                 for v in frame["top_categories"]])
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
