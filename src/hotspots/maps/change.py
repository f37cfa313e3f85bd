"""``explore_change``: before/after and change maps, and emerging hot spot categories."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from hotspots._params import OneOf, rename_keyword, validate_params
from hotspots.maps import _base, _docs, _public, _results, _text, _tiles
from hotspots.maps._choropleth import change_words, class_styles, classify_column
from hotspots.maps._legend import legend
from hotspots.maps._offline import make_offline
from hotspots.maps._style import (
    EHSA_CATEGORIES,
    NEUTRAL,
    SFHOTSPOT_CATEGORIES,
    SUPPRESSED_COLOR,
    diverging_classes,
    normalise_category,
    sequential_classes,
)
from hotspots.maps.areas import pick_level
from hotspots.privacy import check_public, labelled

if TYPE_CHECKING:
    import folium
    from folium.plugins import DualMap

__all__ = ["explore_change"]

logger = logging.getLogger(__name__)

_AREA_STYLE = {"color": "#333333", "weight": 1, "opacity": 0.9, "fillOpacity": 0.75}
_CELL_STYLE = {"weight": 0.5, "opacity": 0.6, "fillOpacity": 0.75}
_COMPARISON_POPUP = ["area_name", "n_before", "n_after", "change", "pct_change", "p_etest",
                     "significant", "direction"]
_CATEGORY_COLUMNS = ("category", "ehsa_category", "pattern", "classification", "hotspot_category",
                     "hotspot_class", "class")
# Palette keys in legend order: ArcGIS's 17 categories, then sfhotspot's others.
_CATEGORY_STYLES = {key: (label, color) for key, label, color in EHSA_CATEGORIES}
for _key, _label, _color in SFHOTSPOT_CATEGORIES:
    _CATEGORY_STYLES.setdefault(_key, (_label, _color))
_LAYOUTS = ("toggle", "dual")


def _category_column(frame: pd.DataFrame) -> str | None:
    """Find the column holding emerging hot spot / classify categories, if any."""
    for column in [*_CATEGORY_COLUMNS, *frame.columns]:
        if column not in frame.columns or column == "geometry":
            continue
        values = frame[column].dropna().astype(str).map(normalise_category)
        if len(values) and values.map(_category_key).notna().all():
            return column
    return None


def _category_key(norm: str) -> str | None:
    """Return the palette key of a normalised category name, or None when it is not one."""
    if norm in ("nopatterndetected", "notsignificant", "none", "nopattern"):
        return "nopattern"
    return norm if norm in _CATEGORY_STYLES else None


def _mask_comparison(frame: pd.DataFrame, k: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Public view of a comparison table: small counts as ``"<k"``, dependants as ``"[c]"``."""
    frame = frame.copy()
    masked = np.zeros(len(frame), dtype=bool)
    for column in ("n_before", "n_after"):
        if column in frame.columns:
            shown, mask = _text.mask_small_counts(frame[column].tolist(), k)
            frame[column] = pd.Series(shown, index=frame.index, dtype=object)
            masked |= mask
    # With one count hidden, the change, shares and tests would give it back.
    for column in ("change", "pct_change", "share_before", "share_after", "share_change",
                   "p_etest", "p_sppt", "q_sppt"):
        if column in frame.columns:
            frame[column] = frame[column].astype(object)
            frame.loc[masked, column] = "[c]"
    return frame, masked


def _diverging_styles(values: np.ndarray, hidden: np.ndarray, *, integer: bool, unit: str,
                      base_style: dict[str, Any]) -> tuple[np.ndarray, list, list]:
    """Return rounded diverging classes of a change (as the static export draws them)."""
    classes = diverging_classes(np.where(hidden, np.nan, values), integer=integer, unit=unit)
    index = classes.index(np.where(hidden, np.nan, values))
    styles = [{**base_style, "fillColor": c} for c in classes.colors]
    entries = list(zip(classes.colors, classes.labels, strict=True))
    if hidden.any():
        index = np.where(hidden, len(styles), index)
        styles.append({**base_style, "fillColor": SUPPRESSED_COLOR, "dashArray": "4 3"})
        entries.append((f"hatch:{SUPPRESSED_COLOR}", "Suppressed ([c])"))
    return index, styles, entries


def _period_label(period: Any, fallback: str) -> str:
    return str(getattr(period, "label", None) or period or fallback)


def _suppression(mode: str, k: int) -> dict[str, int] | None:
    """Footer record of the masking public change maps do (``"<k"`` counts)."""
    return {"k": k} if mode == "public" else None


@rename_keyword("obj", "data")
@validate_params({"mode": OneOf(_results.MODES), "layout": OneOf(_LAYOUTS)})
@_docs.map_docstring("data")
def explore_change(
    data: Any,
    *,
    areas: Any = None,
    level: str | None = None,
    layout: str = "toggle",
    mode: str = "public",
    column: str | None = None,
    tooltip: Sequence[str] | None = None,
    m: folium.Map | DualMap | None = None,
    title: str | None = None,
    tiles: str | None = "auto",
    offline: bool = True,
    period: str | None = None,
    k: int = 5,
) -> folium.Map | DualMap:
    """Draw a change result: area comparison, grid change, or emerging hot spot categories.

    What is drawn depends on ``data``:

    - a ``PeriodComparison`` (:func:`hotspots.change.compare_periods`): the counts before and
      after as two choropleths with one shared legend, and the change (after minus before)
      as a diverging choropleth (falls blue, rises red). ``layout="toggle"`` puts the three
      on one map as layers (change shown, before/after a click away); ``layout="dual"``
      shows before and after side by side in a :class:`folium.plugins.DualMap` that pans
      and zooms together, with the change as a layer of the right-hand map;
    - a grid with a ``change`` column (``hotspot_change``): a diverging grid of the change,
      classed with mapclassify as :func:`explore_areas` classes a signed column (natural
      breaks of the sizes of falls and rises, mirrored about zero);
    - a grid with emerging hot spot categories (``hotspot_classify``): categories in the
      ArcGIS scheme (hot patterns red, cold blue) with a legend of those present.

    Parameters
    ----------
    data : PeriodComparison or geopandas.GeoDataFrame
        The change result. (Was ``obj=``, which still works with a FutureWarning for one
        release.)
    areas : AreaSet, optional
        Boundaries: needed to draw a PeriodComparison (its table has codes, not shapes);
        outlines for grids. Default: one found on the result (``.areas`` or attrs).
    level : str, optional
        Level of a PeriodComparison's areas; default from the comparison or by codes.
    layout : {"toggle", "dual"}
        How before and after are shown for a PeriodComparison.
    mode : {"public", "restricted"}
        Default ``"public"`` (a committee output): counts 1 to ``k - 1`` are shown as
        ``"<k"``, and the change, shares and p-values of those areas as ``"[c]"`` (they
        would reveal the hidden count). ``"restricted"`` shows every value.
    column : str, optional
        Grid column to draw (default ``change``, or the category column).
    tooltip : sequence of str, optional
        The allow-list of columns shown on hover (areas: in the popup).
    m : folium.Map or folium.plugins.DualMap, optional
        Add to this map (a DualMap for ``layout="dual"``).
    {style_options}
    period : str, optional
        Footer text for the data period; default "before vs after".
    k : int
        Public-mode threshold for small counts.

    Returns
    -------
    folium.Map or folium.plugins.DualMap

    Raises
    ------
    PublicModeError
        If ``mode="public"`` and a grid result holds points rather than cells or cells finer
        than 100 m (:data:`hotspots.maps._public.PUBLIC_MIN_CELL_M`), or a comparison shows a
        count under ``k`` (its ``suppressed`` flag is not trusted).
    ValueError
        If ``data`` is none of the above, a needed column is missing, ``layout`` or ``mode``
        is unknown, or a PeriodComparison comes without ``areas``.

    Examples
    --------
    >>> import shapely
    >>> from hotspots.maps import explore_change, layer_names
    >>> grid = gpd.GeoDataFrame(
    ...     {"change": [-6, -1, 0, 2, 9], "n_before": [10, 6, 5, 7, 3],
    ...      "n_after": [4, 5, 5, 9, 12]},
    ...     geometry=[shapely.box(x, 430000, x + 200, 430200)
    ...               for x in range(415000, 416000, 200)], crs="EPSG:27700")
    >>> m = explore_change(grid, mode="restricted")
    >>> type(m).__name__, layer_names(m)
    ('Map', ['Change per cell'])
    """
    obj = data
    caller = "explore_change"
    table = getattr(obj, "table", None)
    if isinstance(table, pd.DataFrame) and {"n_before", "n_after"} <= set(table.columns):
        return _comparison_map(obj, areas=areas, level=level, layout=layout, mode=mode,
                               tooltip=tooltip, m=m, title=title, tiles=tiles,
                               offline=offline, period=period, k=k)
    _results.to_frame_crs(obj)
    _results.refuse_points(obj, mode, caller)
    if mode == "public":
        _public.check_cell_size(obj, _results.hotspots_attrs(obj), caller)
    if column is None:
        column = "change" if "change" in obj.columns else _category_column(obj)
    if column is None:
        raise ValueError(
            f"{caller}: expected a PeriodComparison, a grid with a 'change' column "
            "(hotspot_change) or one with emerging hot spot categories (hotspot_classify); "
            f"columns present: {', '.join(map(str, obj.columns))}"
        )
    _results.require_columns(obj, [column], caller)
    if pd.api.types.is_numeric_dtype(obj[column]):
        return _grid_change_map(obj, column=column, mode=mode, tooltip=tooltip, m=m,
                                title=title, areas=areas, tiles=tiles, offline=offline,
                                period=period, k=k)
    return _category_map(obj, column=column, mode=mode, tooltip=tooltip, m=m, title=title,
                         areas=areas, tiles=tiles, offline=offline, period=period, k=k)


def _public_comparison(comparison: Any, mode: str, k: int) -> tuple[Any, pd.DataFrame, bool]:
    """Return the comparison to draw, its table (checked if public) and whether suppressed."""
    if getattr(comparison, "by", None) is not None and getattr(comparison, "overall", None):
        # One map shows one value per area: the comparison without the split.
        logger.info("explore_change: drawing the overall comparison (not split by %r)",
                    comparison.by)
        comparison = comparison.overall
    already = bool(getattr(comparison, "suppressed", False))
    if mode == "public" and not already and hasattr(comparison, "suppress"):
        # privacy.suppress (through the comparison) hides small counts and everything in the
        # row derived from them: the hidden numbers never reach the page.
        comparison = comparison.suppress(k)
        already = True
    table = comparison.table
    if mode == "public":
        # The 'suppressed' flag is not trusted: the numbers themselves must be safe.
        table = labelled(table)
        check_public(table, k, count_columns=["n_before", "n_after"], share_column=None,
                     caller="explore_change")
    return comparison, table, already


def _comparison_frame(table: pd.DataFrame, boundary: Any, tooltip: Sequence[str] | None,
                      mode: str, already: bool, k: int) -> tuple[Any, np.ndarray]:
    """Join the comparison to the level's polygons, written as the page shows it."""
    boundary = boundary[["area_id", "area_name", "geometry"]]
    keep = [c for c in dict.fromkeys([*(tooltip or _COMPARISON_POPUP), "n_before", "n_after",
                                      "change"]) if c in table.columns and c != "area_name"]
    rows = table.assign(area_id=table["area_id"].astype("string"))[["area_id", *keep]]
    rows = rows[rows["area_id"].isin(boundary["area_id"].astype("string"))]
    frame = boundary.assign(area_id=boundary["area_id"].astype("string")).merge(
        rows, on="area_id", how="left"
    )
    masked = np.zeros(len(frame), dtype=bool)
    if mode == "public" and not already:
        frame, masked = _mask_comparison(frame, k)
    for column in ("share_before", "share_after", "share_change"):
        if column in frame.columns:
            frame[column] = _text.share_text(frame[column].tolist())
    if "pct_change" in frame.columns:
        frame["pct_change"] = [
            v if isinstance(v, str) or pd.isna(v) else f"{float(v):+.0f}%"
            for v in frame["pct_change"]
        ]
    return frame, masked


def _comparison_map(comparison: Any, *, areas: Any, level: str | None, layout: str, mode: str,
                    tooltip: Sequence[str] | None, m: Any, title: str | None,
                    tiles: str | None, offline: bool, period: str | None, k: int) -> Any:
    caller = "explore_change"
    comparison, table, already = _public_comparison(comparison, mode, k)
    areas = areas if areas is not None else getattr(comparison, "areas", None)
    areas = _results.find_areas(areas, table)
    if areas is None:
        raise ValueError(f"{caller}: pass areas= (the AreaSet the comparison was made on)")
    level = level or getattr(comparison, "level", None)
    level = pick_level(table, areas, level, caller)
    before = _period_label(getattr(comparison, "before", None), "Before")
    after = _period_label(getattr(comparison, "after", None), "After")
    period = period or f"{before} vs {after}"
    vintage = getattr(comparison, "vintage", None)

    frame, masked = _comparison_frame(table, areas[level], tooltip, mode, already, k)
    popup = [c for c in (tooltip or _COMPARISON_POPUP) if c in frame.columns]
    popup_labels = {"n_before": f"Before ({before})", "n_after": f"After ({after})"}

    def numbers(column: str) -> tuple[np.ndarray, np.ndarray]:
        raw = frame[column]
        hidden = raw.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
        values = pd.to_numeric(raw.where(~hidden), errors="coerce").to_numpy(dtype=float)
        return values, hidden

    nb, hb = numbers("n_before")
    na, ha = numbers("n_after")
    classes = sequential_classes(np.concatenate([nb, na]), integer=True)
    count_styles = [{**_AREA_STYLE, "fillColor": c} for c in classes.colors]
    count_entries = list(zip(classes.colors, classes.labels, strict=True))
    extra_styles = {"zero": {**_AREA_STYLE, "fillColor": NEUTRAL},
                    "hidden": {**_AREA_STYLE, "fillColor": SUPPRESSED_COLOR, "dashArray": "4 3"}}
    if np.any((nb == 0) | (na == 0)):
        count_entries.insert(0, (NEUTRAL, "0"))
    if hb.any() or ha.any():
        count_entries.append((f"hatch:{SUPPRESSED_COLOR}", f"Suppressed (<{k})"))
    styles_all = [*count_styles, extra_styles["zero"], extra_styles["hidden"]]

    def count_index(values: np.ndarray, hidden: np.ndarray) -> np.ndarray:
        index = classes.index(values)
        index = np.where(values == 0, len(count_styles), index)
        return np.where(hidden, len(count_styles) + 1, index)

    cv, ch = numbers("change")
    change_index, change_styles, change_entries = _diverging_styles(
        cv, ch | masked, integer=True, unit="", base_style=_AREA_STYLE
    )

    def layer(index: np.ndarray, styles: list[dict[str, Any]]) -> Any:
        return _base.labelled_layer(frame, style_index=index, styles=styles, tooltip=popup,
                                    labels=popup_labels, simplify=_base.BOUNDARY_SIMPLIFY_M)

    count_legend_title = "Incidents per area"
    change_legend_title = f"Change, {before} to {after}"
    if layout == "dual":
        from folium.plugins import DualMap  # heavy: imported when a map is built

        if m is None:
            # the level's boundaries: never empty, so bounds_of gives bounds
            bounds = cast(list[list[float]], _base.bounds_of([frame]))
            m = DualMap(location=[(bounds[0][0] + bounds[1][0]) / 2,
                                  (bounds[0][1] + bounds[1][1]) / 2],
                        zoom_start=12, tiles=None, control_scale=True, prefer_canvas=True)
            resolved = _tiles.resolve_tiles(tiles, offline)
            for side in (m.m1, m.m2):
                _tiles.add_tiles(side, resolved)
            m.fit_bounds(bounds)
        elif not isinstance(m, DualMap):
            raise ValueError(f"{caller}: layout='dual' adds to a DualMap, not {type(m).__name__}")
        sides = ((m.m1, f"Before: {before}", count_index(nb, hb)),
                 (m.m2, f"After: {after}", count_index(na, ha)))
        for side, name, index in sides:
            _base.create_map(m=side, title=f"{title} ({name})" if title else name)
            _base.add_layer(side, layer(index, styles_all), name)
            # Half-width panes: legends under the zoom buttons, a collapsed layer control,
            # so nothing covers the footer or the title.
            side.add_child(legend(count_legend_title, count_entries, position="topleft"))
            if side is m.m2:
                _base.add_layer(side, layer(change_index, change_styles), "Change", show=False)
                side.add_child(legend(change_legend_title, change_entries, position="topleft",
                                      note="Switch on the Change layer (top right)"))
            _base.add_boundaries(side, areas)
            _base.finish(side, period=period, areas=areas, vintage=vintage, mode=mode,
                         suppression=_suppression(mode, k), collapsed=True)
        if offline:
            make_offline(m)
        return m

    m = _base.start_map(m, title=title, default=change_legend_title, frames=[frame],
                        tiles=tiles, offline=offline)
    _base.add_layer(m, layer(count_index(nb, hb), styles_all), f"Before: {before}", show=False)
    _base.add_layer(m, layer(count_index(na, ha), styles_all), f"After: {after}", show=False)
    _base.add_layer(m, layer(change_index, change_styles), f"Change: {before} to {after}")
    return _base.complete_map(
        m,
        areas,
        legend(change_legend_title, change_entries,
               note="Before and after counts: switch layers at the top right"),
        legend(f"{count_legend_title} (before/after layers)", count_entries,
               position="bottomleft"),
        period=period, vintage=vintage, mode=mode, suppression=_suppression(mode, k),
    )


def _grid_change_map(result: Any, *, column: str, mode: str, tooltip: Sequence[str] | None,
                     m: Any, title: str | None, areas: Any, tiles: str | None, offline: bool,
                     period: str | None, k: int) -> Any:
    record = _results.hotspots_attrs(result)
    areas = _results.find_areas(areas, result)
    tooltip = [c for c in (tooltip or [column, "n_before", "n_after", "ward"])
               if c in result.columns]
    frame = _results.select_columns(result, [*tooltip, column])
    values = frame[column].to_numpy(dtype=float)
    hidden = np.zeros(len(frame), dtype=bool)
    if mode == "public":
        frame, hidden = _mask_comparison(frame, k)
    unit = " per km²" if "density" in column or record.get("unit") == "per km2" else ""
    # mapclassify classes of the sizes of falls and rises, mirrored about zero, from the
    # values the page shows (hidden cells are "[c]" text and never enter a break).
    classed = classify_column(pd.Series(np.where(hidden, np.nan, values)), column,
                              signed=True, unit=unit)
    index, styles, entries = class_styles(classed, _CELL_STYLE, missing_label=None)
    entries = change_words(entries, classed)
    if hidden.any():
        index = np.where(hidden, len(styles), index)
        styles.append({**_CELL_STYLE, "fillColor": SUPPRESSED_COLOR, "dashArray": "4 3"})
        entries.append((f"hatch:{SUPPRESSED_COLOR}", "Suppressed ([c])"))
    # Unchanged cells are left unshaded to keep the file small.
    index = np.where(values == 0, -1, index)
    for style in styles:
        style["color"] = style["fillColor"]
    return _cell_map(frame, record, index=index, styles=styles, tooltip=tooltip,
                     name="Change per cell",
                     legend_element=legend("Change per cell", entries,
                                           note="Unchanged cells are not shaded"),
                     m=m, title=title, areas=areas, tiles=tiles, offline=offline,
                     period=period, mode=mode, suppression=_suppression(mode, k))


def _category_map(result: Any, *, column: str, mode: str, tooltip: Sequence[str] | None,
                  m: Any, title: str | None, areas: Any, tiles: str | None, offline: bool,
                  period: str | None, k: int) -> Any:
    record = _results.hotspots_attrs(result)
    areas = _results.find_areas(areas, result)
    tooltip = [c for c in (tooltip or [column, "n", "n_sig_hot", "n_sig_cold", "ward"])
               if c in result.columns]
    frame = _results.select_columns(result, [*tooltip, column])
    if mode == "public" and "n" in frame.columns:
        frame["n"] = pd.Series(_text.mask_small_counts(frame["n"].tolist(), k)[0],
                               index=frame.index, dtype=object)
    values = frame[column]
    # Legend order: the producer's category order when it gives one, else ours.
    if isinstance(values.dtype, pd.CategoricalDtype):
        names = [str(c) for c in values.cat.categories]
    else:
        rank: dict[str | None, int] = {key: i for i, key in enumerate(_CATEGORY_STYLES)}
        names = sorted({str(v) for v in values.dropna()},
                       key=lambda v: rank.get(_category_key(normalise_category(v)), len(rank)))
    seen = set(values.dropna().astype(str))
    present = [name for name in names if name in seen
               and _category_key(normalise_category(name)) not in (None, "nopattern")]
    styles, entries = [], []
    for name in present:
        # not None: present keeps only the names with a palette key
        color = _CATEGORY_STYLES[cast(str, _category_key(normalise_category(name)))][1]
        styles.append({**_CELL_STYLE, "fillColor": color, "color": color})
        entries.append((color, name[:1].upper() + name[1:]))
    position = {name: i for i, name in enumerate(present)}
    index = np.array([position.get(str(v), -1) if pd.notna(v) else -1 for v in values])
    return _cell_map(frame, record, index=index, styles=styles, tooltip=tooltip,
                     name="Emerging hot spots",
                     legend_element=legend("Emerging hot spot analysis",
                                           entries or [(NEUTRAL, "No pattern")],
                                           note="Cells with no pattern are not shaded"),
                     m=m, title=title, areas=areas, tiles=tiles, offline=offline,
                     period=period, mode=mode)


def _cell_map(frame: Any, record: dict[str, Any], *, index: np.ndarray,
              styles: list[dict[str, Any]], tooltip: list[str], name: str,
              legend_element: Any, m: Any, title: str | None, areas: Any, tiles: str | None,
              offline: bool, period: str | None, mode: str,
              suppression: dict[str, int] | None = None) -> Any:
    """Draw grid cells as one layer called ``name`` (also the default title), and finish."""
    m = _base.start_map(m, title=title, default=name, frames=[frame], tiles=tiles,
                        offline=offline)
    _base.add_layer(m, _base.labelled_layer(frame, style_index=index, styles=styles,
                                            tooltip=tooltip), name)
    return _base.complete_map(m, areas, legend_element,
                              period=period or _results.describe_period(record),
                              vintage=record.get("vintage"), mode=mode, suppression=suppression)
