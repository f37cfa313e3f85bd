"""``explore_premises``: ranked premises as numbered markers coloured by priority."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hotspots._params import OneOf, current_verb, rename_keyword, validate_params
from hotspots.errors import PublicModeError
from hotspots.maps import _base, _docs, _results
from hotspots.maps._legend import legend
from hotspots.maps._style import PRIORITY_COLORS
from hotspots.premises.public import public_premises

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = ["explore_premises", "premises_view", "rank_bands"]

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


def _few_linked(frame: pd.DataFrame, k: int, notes: list[str],
                keep: np.ndarray) -> np.ndarray:
    """Premises with fewer than ``k`` linked incidents (a public map leaves them out)."""
    if "n_linked" not in frame.columns:
        raise PublicModeError(
            f"{current_verb()}: a public premises map needs the 'n_linked' column (from "
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


def rank_bands(frame: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Band index per row and the legend entries, from ``priority`` or else from ``rank``.

    Examples
    --------
    >>> index, entries = rank_bands(pd.DataFrame({"rank": [1, 12, 40]}))
    >>> index.tolist(), [label for _, label in entries][0]
    ([0, 1, 2], 'High priority (rank 1-10)')
    """
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


@rename_keyword("ranked", "data")
@validate_params({"mode": OneOf(_results.MODES)})
@_docs.map_docstring("data")
def explore_premises(
    data: gpd.GeoDataFrame,
    *,
    top: int | None = None,
    mode: str = "restricted",
    popup: Sequence[str] | None = None,
    public_types: Iterable[str] | None = None,
    m: folium.Map | None = None,
    title: str | None = None,
    areas: Any = None,
    tiles: str | None = "auto",
    offline: bool = True,
    period: str | None = None,
    k: int = 5,
) -> folium.Map:
    """Draw ranked premises as numbered markers, coloured by priority, with popups.

    Parameters
    ----------
    data : geopandas.GeoDataFrame
        (Was ``ranked=``, which still works with a FutureWarning for one release.)
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
        (free text full of small counts) or address. The premises shown are numbered
        1, 2, 3... in rank order: their ranks among all premises would have gaps, and a gap
        tells a reader that a hidden premises (a home, a refuge) ranks between them.
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

    Examples
    --------
    >>> import shapely
    >>> from hotspots.maps import explore_premises, layer_names
    >>> ranked = gpd.GeoDataFrame(
    ...     {"rank": [1, 2, 3], "name": ["Kebab House", "Flat 2", "Red Lion"],
    ...      "premises_type": ["Takeaway/sandwich shop", "Private home", "Pub/bar/nightclub"],
    ...      "score": [9.0, 7.5, 6.0], "n_linked": [12, 9, 7]},
    ...     geometry=[shapely.Point(416000 + 150 * i, 433000) for i in range(3)],
    ...     crs="EPSG:27700")
    >>> m = explore_premises(ranked, mode="public")
    >>> type(m).__name__, layer_names(m)
    ('Map', ['Ranked premises'])
    >>> '"r":3' in m.get_root().render()  # two shown, numbered 1 and 2: no gap, no rank 3
    False
    """
    record = _results.hotspots_attrs(data)
    areas = _results.find_areas(areas, data)
    frame, notes = premises_view(data, mode, k, top=top, public_types=public_types)
    popup = _popup(popup, mode, frame)
    if mode == "public" and "top_categories" in frame.columns:
        frame = frame.assign(top_categories=[_public_categories(v, k)
                                             for v in frame["top_categories"]])
    band_index, entries = rank_bands(frame)
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
    logger.info("explore_premises: drawing %d premises", layer.n_features)
    how = ("Number = order among the premises shown" if mode == "public"
           else "Number = rank")
    return _base.complete_map(
        m,
        areas,
        legend(
            "Premises, by priority",
            entries,
            swatch="circle",
            note="; ".join([f"{how}; click a marker for its reasons", *notes]),
        ),
        period=period or _results.describe_period(record),
        vintage=record.get("vintage"),
        mode=mode,
    )


def premises_view(ranked: Any, mode: str, k: int, *, top: int | None = None,
                  public_types: Iterable[str] | None = None) -> tuple[Any, list[str]]:
    """Return the premises a map may draw, in rank order, and notes on what was left out.

    The one rule for the interactive (:func:`explore_premises`) and the static
    (:func:`hotspots.maps.static_export.static_figure`) premises maps: located premises;
    in public mode only allow-listed types (:func:`hotspots.premises.public.public_premises`)
    with ``k`` or more linked incidents; without ``top``, no premises with a score of 0.
    A public view is numbered 1, 2, 3... in rank order (dense ranks of what is shown):
    ranks among all premises would have gaps that tell of hidden premises between them.

    Parameters
    ----------
    ranked : geopandas.GeoDataFrame
        Points with ``rank`` (e.g. from :func:`hotspots.premises.premises_rank`).
    mode : {"public", "restricted"}
    k : int
        Public: smallest count of linked incidents shown.
    top : int, optional
        Keep only the ``top`` best ranked (after the exclusions).
    public_types : iterable of str, optional
        Public: the premises types that may be drawn.

    Returns
    -------
    frame : geopandas.GeoDataFrame
        The premises to draw, sorted by rank.
    notes : list of str
        What was left out, for the legend.

    Examples
    --------
    >>> import shapely
    >>> ranked = gpd.GeoDataFrame(
    ...     {"rank": [1, 2, 3], "premises_type": ["Pub/bar/nightclub", "Private home",
    ...      "Takeaway/sandwich shop"], "score": [3.0, 2.0, 1.0], "n_linked": [9, 8, 7]},
    ...     geometry=[shapely.Point(416000, 433000)] * 3, crs="EPSG:27700")
    >>> frame, notes = premises_view(ranked, "public", 5)
    >>> frame["rank"].tolist(), len(notes)
    ([1, 2], 1)
    """
    _results.to_frame_crs(ranked)
    _results.require_columns(ranked, ["rank"])
    if top is not None and (not isinstance(top, (int, np.integer)) or top < 1):
        raise ValueError(f"The 'top' parameter of {current_verb()} must be a positive "
                         f"integer. Got {top!r} instead.")
    geoms = ranked.geometry
    keep = ~(geoms.isna() | geoms.is_empty).to_numpy()
    notes = []
    if (~keep).any():
        notes.append(f"{int((~keep).sum())} without a location not shown")
    if mode == "public":
        # An allow-list: a premises is drawn only when its type shows it is a business.
        left_out = keep & ~public_premises(ranked, public_types)
        if left_out.any():
            notes.append(f"{int(left_out.sum())} premises not shown: public maps show only "
                         "commercial types (no homes, care, hostels or unknown types)")
            logger.info("%s: left out %d premises not on the public allow-list",
                        current_verb(), int(left_out.sum()))
        keep = keep & ~left_out
        keep = keep & ~_few_linked(ranked, k, notes, keep)
    if top is None and "score" in ranked.columns:
        zero = pd.to_numeric(ranked["score"], errors="coerce").fillna(0).to_numpy() <= 0
        if (zero & keep).any():
            notes.append(f"{int((zero & keep).sum())} with no linked incidents not shown")
        keep = keep & ~zero
    frame = ranked.loc[keep].sort_values("rank", kind="stable")
    if top is not None:
        frame = frame.head(int(top))
    if mode == "public":
        frame = frame.assign(rank=np.arange(1, len(frame) + 1))
    return frame, notes


def _popup(popup: Sequence[str] | None, mode: str, frame: Any) -> list[str]:
    """Return the popup's allow-list: a public map refuses columns it does not show."""
    if mode == "public":
        refused = [c for c in (popup or ()) if c not in _PUBLIC_POPUP]
        if refused:
            raise PublicModeError(
                f"{current_verb()}: a public map cannot show {', '.join(map(repr, refused))} "
                f"in its popups; it may show {', '.join(_PUBLIC_POPUP)}, or use "
                "mode='restricted'."
            )
        popup = [c for c in (popup or _DEFAULT_POPUP) if c in _PUBLIC_POPUP]
    return [c for c in (_DEFAULT_POPUP if popup is None else popup) if c in frame.columns]
