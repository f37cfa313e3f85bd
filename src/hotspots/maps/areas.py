"""``explore_areas``: a ward or constituency choropleth of an area table, suppression-aware."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hotspots._params import OneOf, current_verb, rename_keyword, validate_params
from hotspots.maps import _base, _docs, _public, _results, _text
from hotspots.maps._choropleth import SHARE_COLUMNS, Classed, class_styles, classify_column
from hotspots.maps._layer import geo_layer
from hotspots.maps._legend import legend
from hotspots.maps._style import format_number

if TYPE_CHECKING:
    import folium

__all__ = ["explore_areas", "labels_that_fit", "pick_level"]

logger = logging.getLogger(__name__)

_AREA_STYLE = {"color": "#333333", "weight": 1, "opacity": 0.9, "fillOpacity": 0.75}
# Permanent labels: the map is about this wide when it first fits the areas, and a 10 px label
# takes about this many pixels per letter (the .hotspots-label CSS).
_MAP_WIDTH_PX = 900
_LABEL_PX_PER_CHAR = 6.0
_LABEL_HEIGHT_PX = 12.0


def labels_that_fit(frame: Any, width_px: float = _MAP_WIDTH_PX) -> np.ndarray:
    """Which areas' names fit inside the area at the zoom that first shows all of them.

    The map opens fitted to the areas' extent, about ``width_px`` wide. A name is written on
    the map only when its box (about 6 px a letter, 12 px high) fits inside the area's bounding
    box at that scale; smaller areas would put names on top of each other (310 LSOA names
    blur into one grey smear), so their names are shown on hover instead. Of names that fit,
    one that would overlap a bigger area's name is dropped too.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The areas, with ``area_name`` and ``geometry``.
    width_px : float
        Width of the map in pixels.

    Returns
    -------
    numpy.ndarray of bool
        True where a permanent label fits.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> f = gpd.GeoDataFrame({"area_name": ["Big", "Tiny"]},
    ...                      geometry=[box(0, 0, 9000, 9000), box(9000, 0, 9010, 10)],
    ...                      crs=27700)
    >>> labels_that_fit(f).tolist()
    [True, False]
    """
    if len(frame) == 0:
        return np.zeros(0, dtype=bool)
    geo = frame.geometry
    if geo.crs is not None and geo.crs.is_geographic:
        geo = geo.to_crs(3857)  # metres-like units, so width and height compare
    b = geo.bounds.to_numpy(dtype=float)
    x0, y0 = np.nanmin(b[:, 0]), np.nanmin(b[:, 1])
    x1, y1 = np.nanmax(b[:, 2]), np.nanmax(b[:, 3])
    # Fit-bounds: the extent fills the map's width (the map is wider than tall).
    scale = width_px / max(x1 - x0, (y1 - y0) * 1.5, 1e-9)
    chars = frame["area_name"].fillna("").astype(str).str.len().to_numpy()
    half_w = (chars * _LABEL_PX_PER_CHAR + 4) / 2
    half_h = _LABEL_HEIGHT_PX / 2
    fits = ((b[:, 2] - b[:, 0]) * scale >= 2 * half_w) & ((b[:, 3] - b[:, 1]) * scale
                                                           >= 2 * half_h)
    # Labels sit on representative points (as drawn); a name that fits its area can still
    # run over a neighbour's, so keep the biggest areas' names first and drop any that
    # would overlap a name already kept.
    points = geo.representative_point()
    px, py = points.x.to_numpy() * scale, points.y.to_numpy() * scale
    keep = np.zeros(len(frame), dtype=bool)
    for i in np.argsort(-geo.area.to_numpy(), kind="stable"):
        if not fits[i]:
            continue
        kept = np.flatnonzero(keep)
        clash = (np.abs(px[kept] - px[i]) < half_w[kept] + half_w[i]) & (
            np.abs(py[kept] - py[i]) < 2 * half_h)
        keep[i] = not clash.any()
    return keep


def pick_level(table: pd.DataFrame, areas: Any, level: str | None,
               caller: str | None = None) -> str:
    """Find the level of ``table``: given, recorded in its attrs, or matched by area_id.

    Parameters
    ----------
    table : pandas.DataFrame
        An area table with ``area_id``.
    areas : AreaSet
        The boundaries.
    level : str or None
        The level asked for, if any.
    caller : str, optional
        The builder's name, for messages; default the verb running.

    Returns
    -------
    str
        A level name of ``areas``.

    Raises
    ------
    ValueError
        If no level can be told or ``level`` is not one of the AreaSet's.
    """
    caller = caller or current_verb()
    names = list(areas.level_names)
    if level is None:
        level = _results.hotspots_attrs(table).get("level")
    if level is None and "area_id" in table.columns:
        ids = set(table["area_id"].dropna().astype(str))
        overlap = {name: len(ids & set(areas[name]["area_id"].astype(str))) for name in names}
        best = max(overlap, key=overlap.get)  # type: ignore[arg-type]  # typeshed: dict.get
        if overlap[best]:
            level = best
    if level is None:
        raise ValueError(f"{caller}: cannot tell the boundary level; pass level= ({names})")
    if level not in names:
        raise ValueError(
            f"The 'level' parameter of {caller} must be one of {names}. Got {level!r} instead."
        )
    return level


@rename_keyword("table", "data")
@validate_params({"mode": OneOf(_results.MODES), "labels": OneOf((True, False, "auto"))})
@_docs.map_docstring("data", areas=False)
def explore_areas(
    data: pd.DataFrame,
    areas: Any,
    *,
    level: str | None = None,
    column: str = "n",
    tooltip: Sequence[str] | None = None,
    mode: str = "public",
    m: folium.Map | None = None,
    title: str | None = None,
    tiles: str | None = "auto",
    offline: bool = True,
    period: str | None = None,
    labels: bool | str = "auto",
    k: int = 5,
    scheme: str = "natural_breaks",
    bins: Sequence[float] | None = None,
    n_classes: int = 5,
    signed: bool | None = None,
) -> folium.Map:
    """Draw an area table (counts, shares or rates per ward or constituency) as a choropleth.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per area, joined to the boundaries on ``area_id``: e.g. from
        :func:`hotspots.areas.area_counts` (``area_id, area_name, n, share``...), suppressed
        or not. Rows that match no area ("Outside district", "Unknown location") are listed
        in the legend note, not drawn. (Was ``table=``, which still works with a
        FutureWarning for one release.)
    areas : AreaSet
        The boundaries the table was counted on.
    level : str, optional
        Level of ``areas`` (``"ward"``, ``"constituency"``); default from
        ``data.attrs["hotspots"]["level"]``, else the level whose codes match.
    column : str
        Column to colour by (``"n"``, ``"share"``, ``"rate_per_1000"``...).
    tooltip : sequence of str, optional
        The allow-list of columns shown in an area's popup (default ``area_name``, the drawn
        column, ``share``, and ``population`` for rates). No other column reaches the page.
    mode : {"public", "restricted"}
        Default ``"public"`` (a committee output). Protection is worked out from the numbers
        in the table, never from a ``suppressed`` column or stamp: a table that shows every
        count is first suppressed with :func:`hotspots.privacy.suppress` (``k``), so counts
        under ``k`` show as ``"<5"`` and the hidden numbers are not in the page; a table
        with hidden cells is refused if it still shows a count under ``k``, and every value
        of a row with a hidden count (share, rate...) is shown as ``"[c]"``.
        ``"restricted"`` draws the table as given.
    {map_options}
    labels : bool or "auto"
        Write area names on the map (permanent labels). ``"auto"`` (default) writes a name
        only where it fits inside its area when the map opens (see :func:`labels_that_fit`),
        so 30 wards are all named but most of 310 LSOAs are named on hover only; ``True``
        names every area, ``False`` none. Names are always in the hover tooltip.
    k : int
        Suppression threshold for public maps of unsuppressed tables.
    scheme : {"natural_breaks", "quantiles", "equal_interval", "user_defined"}
        How the numbers are split into colour classes, with mapclassify (FisherJenks,
        Quantiles, EqualInterval, UserDefined). Default natural breaks.
    bins : sequence of float, optional
        Upper bounds of the classes (implies ``scheme="user_defined"``), in the units shown
        (percent for shares). For a signed column they are sizes, mirrored about zero.
    n_classes : int
        Number of colour classes (at most 6; at most 3 each side of zero when signed).
    signed : bool, optional
        Class about zero with a diverging palette (blues below, reds above). Default: for
        z-score and change columns (``gistar``, ``share_change``...) or any negative value.

    Returns
    -------
    folium.Map

    Raises
    ------
    PublicModeError
        In public mode, for a table with hidden cells that shows a count under ``k``, or
        one without its ``n`` column.
    ValueError
        If ``column`` or ``area_id`` is missing, an area appears twice (a table with a
        ``by`` column: select one group first), or the level cannot be told.

    Notes
    -----
    Suppressed cells (``"<5"``, ``"[c]"``) are drawn grey and hatched in the legend; their
    text is shown as it is. Colour classes use only the numbers left in the table.

    Examples
    --------
    >>> import hotspots
    >>> from hotspots.maps import explore_areas, layer_names
    >>> areas = hotspots.load_boundaries("bradford-2013")
    >>> wards = areas["ward"]
    >>> table = pd.DataFrame({"area_id": wards["area_id"], "area_name": wards["area_name"],
    ...                       "n": range(10, 10 + len(wards))})
    >>> m = explore_areas(table, areas, title="Incidents by ward")
    >>> type(m).__name__
    'Map'
    >>> layer_names(m)
    ['Wards: Incidents', 'Wards: names', 'Wards (2013)', 'Constituencies (2013)']
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"explore_areas: data must be a DataFrame, got {type(data).__name__}")
    _results.require_columns(data, ["area_id", column])
    if areas is None or not hasattr(areas, "level_names"):
        raise TypeError("explore_areas: areas must be an AreaSet (hotspots.areas)")
    level = pick_level(data, areas, level)
    record = _results.hotspots_attrs(data)
    suppression = record.get("suppression")
    if mode == "public":
        # Never trust a 'suppressed' column or stamp: protect from the numbers themselves.
        data = _public.protect_table(data, k)
        suppression = _results.hotspots_attrs(data).get("suppression", {"k": k})
    if tooltip is None:
        tooltip = ["area_name", column, "share"]
        if column == "rate_per_1000":
            tooltip += ["n", "population"]
    tooltip = list(dict.fromkeys(tooltip))
    frame, unmapped = _join_boundaries(data, areas[level], [*tooltip, column])
    # Classes come from the numbers the page shows only: suppressed cells are text here.
    classed = classify_column(frame[column], column, scheme=scheme, bins=bins,
                              n_classes=n_classes, signed=signed)
    style_index, styles, entries = class_styles(classed, _AREA_STYLE)
    for share_column in SHARE_COLUMNS:
        if share_column in frame.columns:
            frame[share_column] = _text.share_text(frame[share_column].tolist())
    notes = _unmapped_notes(unmapped, column, classed)

    plural = {"ward": "Wards", "constituency": "Constituencies"}.get(level, level.capitalize())
    legend_title = f"{_text.column_label(column)} by {level}"
    m = _base.start_map(
        m, title=title, default=legend_title, frames=[frame], tiles=tiles, offline=offline
    )
    layer = _base.labelled_layer(
        frame,
        style_index=style_index,
        styles=styles,
        tooltip=[c for c in tooltip if c in frame.columns],
        simplify=_base.BOUNDARY_SIMPLIFY_M,
    )
    _base.add_layer(m, layer, f"{plural}: {_text.column_label(column)}")
    named = _add_names(m, frame, labels, plural)
    if labels == "auto" and not named.all() and "area_name" in tooltip:
        notes.append(f"{(~named).sum()} of {len(named)} names too small to write: hover an area")
    return _base.complete_map(
        m,
        areas,
        legend(legend_title, entries, note="; ".join(notes) or None),
        period=period or _results.describe_period(record),
        vintage=record.get("vintage"),
        mode=mode,
        suppression=suppression,
    )


def _join_boundaries(table: pd.DataFrame, boundary: Any,
                     columns: Sequence[str]) -> tuple[Any, pd.DataFrame]:
    """Join the table's ``columns`` onto the level's polygons; return it and unmatched rows."""
    boundary = boundary[["area_id", "area_name", "geometry"]]
    keyed = table.assign(area_id=table["area_id"].astype("string"))
    mapped = keyed[keyed["area_id"].isin(boundary["area_id"].astype("string"))]
    if mapped["area_id"].duplicated().any():
        raise ValueError(
            f"{current_verb()}: some areas appear more than once in the table (a 'by' "
            "column?); select one group, e.g. table[table[by] == value]"
        )
    unmapped = keyed.loc[~keyed.index.isin(mapped.index)]
    wanted = [c for c in dict.fromkeys(columns) if c in mapped.columns
              and c not in ("area_id", "area_name")]
    frame = boundary.assign(area_id=boundary["area_id"].astype("string")).merge(
        mapped[["area_id", *wanted]], on="area_id", how="left"
    )
    return frame, unmapped


def _unmapped_notes(unmapped: pd.DataFrame, column: str, classed: Classed) -> list[str]:
    """Legend notes for rows drawn nowhere ("Outside district: 12", "Unknown location: <5")."""
    notes = []
    for _, row in unmapped.iterrows():
        label = row.get("area_name", row["area_id"])
        if pd.isna(label):
            continue
        value = row[column]
        text = value if isinstance(value, str) else format_number(float(value),
                                                                   classed.integer)
        if classed.is_share and not isinstance(value, str):
            text = f"{100 * float(value):.1f}%"
        notes.append(f"{label}: {text}")
    return notes


def _add_names(m: Any, frame: Any, labels: bool | str, plural: str) -> np.ndarray:
    """Add the permanent area names that fit (or all, or none); return which were named."""
    named = (labels_that_fit(frame) if labels == "auto"
             else np.full(len(frame), bool(labels)))
    if named.any():
        points = frame.loc[named, ["area_name", "geometry"]].copy()
        points["geometry"] = points.geometry.representative_point()
        _base.add_layer(
            m,
            geo_layer(
                points,
                style_index=np.zeros(len(points), dtype=int),
                styles=[{}],
                label="area_name",
                point_kind="label",
            ),
            f"{plural}: names",
        )
    return named
