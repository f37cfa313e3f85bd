"""``explore_hotspots``: grid results (counts, KDE, Gi*) as coloured cells with a legend."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hotspots._params import OneOf, current_verb, rename_keyword, validate_params
from hotspots.errors import PublicModeError
from hotspots.maps import _base, _public, _results, _text
from hotspots.maps._choropleth import class_styles, classify_column
from hotspots.maps._legend import legend
from hotspots.maps._style import GI_BIN_COLORS, GI_BIN_LABELS, SUPPRESSED_COLOR

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = ["explore_hotspots"]

logger = logging.getLogger(__name__)

_DEFAULT_TOOLTIPS: dict[str, list[str]] = {
    "gi_bin": ["n", "gistar", "p_adj", "ward"],
    "kde_density": ["n", "kde_density", "ward"],
    "kde": ["n", "kde", "ward"],
    "n": ["n", "ward"],
    "n_weighted": ["n", "n_weighted", "ward"],
}
_COUNT_COLUMNS = ("n", "n_weighted")
#: Columns a public grid map may put in its tooltips besides the drawn one: area names, and
#: the class of the cell (written by the builder, never a number).
_PUBLIC_TOOLTIP = ("hotspot", "band", "ward", "constituency")
#: Columns a public grid map may be coloured by.
_PUBLIC_COLUMNS = ("gi_bin", "kde_density", "kde", "n", "n_weighted")
_CELL_STYLE = {"weight": 0.5, "opacity": 0.6, "fillOpacity": 0.7}


def _pick_column(result: Any) -> str:
    for column in ("gi_bin", "kde_density", "kde", "n"):
        if column in result.columns:
            return column
    raise ValueError(
        "explore_hotspots: the result has none of the columns 'gi_bin', 'kde_density', 'kde' "
        "or 'n'; pass column= to choose the one to draw (columns present: "
        f"{', '.join(map(str, result.columns))})"
    )


def _cell_size_text(record: dict[str, Any]) -> str | None:
    size = record.get("cell_size")
    if size is None:
        return None
    kind = record.get("grid_type", "square")
    size = float(size)
    text = f"{size:,.0f}" if size >= 10 else f"{size:.3g}"
    return f"{text} m {'hexagonal' if kind == 'hex' else 'square'} cells"


@rename_keyword("result", "data")
@validate_params({"mode": OneOf(_results.MODES)})
def explore_hotspots(
    data: gpd.GeoDataFrame,
    *,
    column: str | None = None,
    tooltip: Sequence[str] | None = None,
    mode: str = "restricted",
    m: folium.Map | None = None,
    title: str | None = None,
    areas: Any = None,
    tiles: str | None = "auto",
    offline: bool = True,
    period: str | None = None,
    k: int = 5,
    scheme: str = "natural_breaks",
    bins: Sequence[float] | None = None,
    n_classes: int = 5,
) -> folium.Map:
    """Draw a grid result (counts, KDE or Gi*) as coloured cells with a legend.

    The map draws the values the result already holds; it computes no statistic.

    - ``gi_bin`` (from ``hotspot_gistar``): cells coloured by the ArcGIS-style bins -3..3
      (hot spots red, cold spots blue, ColorBrewer RdBu, colour-blind safe); not significant
      cells are left unshaded.
    - ``kde_density`` (per km²) or ``kde`` (from ``hotspot_kde``): a coloured grid in classes
      made with mapclassify (natural breaks by default, as :func:`explore_areas`), with a
      legend in real units, the same at every zoom (unlike Leaflet.heat).
    - ``n`` (from ``hotspot_count``) or any other numeric column: the same classes; a signed
      column (``gistar`` z-scores) gets classes symmetric about zero (blues below, reds above).

    Cells with no value or zero are not drawn, which keeps files small.

    Parameters
    ----------
    data : geopandas.GeoDataFrame
        A grid from ``hotspot_count``, ``hotspot_kde`` or ``hotspot_gistar`` (or any frame
        of polygons with the column to draw). (Was ``result=``, which still works with a
        FutureWarning for one release.)
    column : str, optional
        Column to colour by; default the first of ``gi_bin``, ``kde_density``, ``kde``, ``n``.
    tooltip : sequence of str, optional
        The allow-list of columns shown when hovering over a cell. Default: a few columns for
        the drawn column (e.g. ``n, gistar, p_adj, ward`` for Gi*). No other column is written
        into the page.
    mode : {"restricted", "public"}
        Default ``"restricted"`` (an analyst's map). ``"public"`` (see
        :mod:`hotspots.maps._public`) refuses cells finer than
        :data:`~hotspots.maps._public.PUBLIC_MIN_CELL_M` (100 m); a Gi* map then shows each
        cell's class only (hot or cold spot and its confidence) and a KDE map each cell's
        density band, with no count, z-score, p-value or density value anywhere in the page;
        a count map shows counts from 1 to ``k - 1`` as ``"<k"`` in one legend class.
    m : folium.Map, optional
        Add the layers to this map instead of a new one.
    title : str, optional
        Map title (plain text); default: what the map shows; "" for none.
    areas : AreaSet, optional
        Boundaries to outline (wards and constituencies as toggleable layers). Default: an
        AreaSet found in ``result.attrs["hotspots"]``.
    tiles : str or None
        Web tiles are opt-in: ``"auto"`` (none when offline, the default; light tiles
        online), a folium tiles name or URL (a note shows on the map when they cannot
        load), or ``None`` for a boundaries-only base map that makes no tile requests.
    offline : bool
        Write JavaScript and CSS into the page (default) so it opens with no network;
        ``False`` links them from CDNs.
    period : str, optional
        Data period for the footer; default from ``data.attrs["hotspots"]``.
    k : int
        Public-mode threshold for small counts.
    scheme : {"natural_breaks", "quantiles", "equal_interval", "user_defined"}
        How numbers (not ``gi_bin``) are split into colour classes, with mapclassify, as for
        :func:`explore_areas`.
    bins : sequence of float, optional
        Upper bounds of the classes (implies ``scheme="user_defined"``).
    n_classes : int
        Number of colour classes (at most 6; at most 3 each side of zero when signed).

    Returns
    -------
    folium.Map
        Shows itself in Jupyter; ``.save("map.html")`` writes the page.

    Raises
    ------
    PublicModeError
        If ``mode="public"`` and the frame holds points (incident locations), the cells are
        finer than 100 m, ``column`` is a statistic other than ``gi_bin``, a KDE or a count
        (z-scores, p-values), or ``tooltip`` asks for a number public maps do not show.
    ValueError
        If ``mode`` is unknown, the column is missing or not numeric, or the frame has no CRS.

    Examples
    --------
    >>> import shapely
    >>> from hotspots.maps import explore_hotspots, layer_names
    >>> cells = gpd.GeoDataFrame(
    ...     {"n": [0, 3, 8, 20]},
    ...     geometry=[shapely.box(x, 430000, x + 200, 430200)
    ...               for x in range(415000, 415800, 200)], crs="EPSG:27700")
    >>> m = explore_hotspots(cells, column="n", title="Incidents per cell")
    >>> type(m).__name__, layer_names(m)
    ('Map', ['Incidents per cell'])
    >>> "Leaflet 1.9.4" in m.get_root().render()  # offline by default: Leaflet inlined
    True
    """
    _results.to_frame_crs(data)
    _results.refuse_points(data, mode)
    column = column or _pick_column(data)
    _results.require_columns(data, [column])
    record = _results.hotspots_attrs(data)
    areas = _results.find_areas(areas, data)
    class_only = mode == "public" and column not in _COUNT_COLUMNS
    tooltip = _tooltip(data, column, tooltip, mode, record, class_only)
    frame = _results.select_columns(data, [*(c for c in tooltip if c in data.columns), column])

    note_parts = [_cell_size_text(record)]
    if column == "gi_bin":
        style_index, styles, entries = _gi_bin_styles(frame, column, class_only)
        legend_title = "Getis-Ord Gi* hot spots"
        if record.get("p_adjust"):
            note_parts.append(f"p-values adjusted: {record['p_adjust']}")
        note_parts.append("Not significant cells are not shaded")
    else:
        style_index, styles, entries = _value_styles(
            frame, column, public=mode == "public", k=k, class_only=class_only,
            scheme=scheme, bins=bins, n_classes=n_classes)
        legend_title = _LEGEND_TITLES.get(column, _text.column_label(column))
        note_parts.append("Cells with no incidents are not shaded" if column in _COUNT_COLUMNS
                          else "Zero and empty cells are not shaded")
    if class_only:
        frame = frame[[c for c in tooltip if c in frame.columns] + ["geometry"]]

    m = _base.start_map(
        m, title=title, default=legend_title, frames=[frame], tiles=tiles, offline=offline
    )
    layer = _base.labelled_layer(frame, style_index=style_index, styles=styles, tooltip=tooltip,
                                 labels={"hotspot": "Gi* result", "band": legend_title})
    logger.info("explore_hotspots: drawing %d of %d cells by %r", layer.n_features,
                len(frame), column)
    _base.add_layer(m, layer, legend_title)
    return _base.complete_map(
        m,
        areas,
        legend(legend_title, entries, note=". ".join(p for p in note_parts if p)),
        period=period or _results.describe_period(record),
        vintage=record.get("vintage"),
        mode=mode,
    )


_LEGEND_TITLES = {
    "kde_density": "Incident density (KDE)",
    "kde": "KDE (sfhotspot units)",
    "n": "Incidents per cell",
    "n_weighted": "Weighted incidents per cell",
}


def _tooltip(data: Any, column: str, tooltip: Sequence[str] | None, mode: str,
             record: dict[str, Any], class_only: bool) -> list[str]:
    """Check what a public grid map may show, and return the tooltip's allow-list."""
    caller = current_verb()
    public = mode == "public"
    if public:
        if column not in _PUBLIC_COLUMNS:
            # z-scores, p-values and other statistics are not shown on public maps, not
            # even as bands: the Gi* bin carries what a reader needs.
            raise PublicModeError(
                f"{caller}: a public map cannot be coloured by {column!r}; use one of "
                f"{', '.join(map(repr, _PUBLIC_COLUMNS))}, or mode='restricted'."
            )
        _public.check_cell_size(data, record)
    if tooltip is None:
        tooltip = _DEFAULT_TOOLTIPS.get(column, [column, "ward"])
        if class_only:
            tooltip = ["hotspot" if column == "gi_bin" else "band", "ward"]
    elif public:
        allowed = {*_PUBLIC_TOOLTIP, *([] if class_only else _COUNT_COLUMNS)}
        refused = [c for c in tooltip if c not in allowed]
        if refused:
            raise PublicModeError(
                f"{caller}: a public map of {column!r} cannot show "
                f"{', '.join(map(repr, refused))} in its tooltips; it may show "
                f"{', '.join(map(repr, sorted(allowed)))}, or use mode='restricted' for an "
                "analyst's map."
            )
    return [c for c in tooltip
            if c in data.columns or (class_only and c in ("hotspot", "band"))]


def _gi_bin_styles(frame: Any, column: str, class_only: bool
                   ) -> tuple[np.ndarray, list[dict[str, Any]], list[tuple[str, str]]]:
    """Styles of the ArcGIS-style bins -3..3; bin 0 (not significant) is left unshaded."""
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bins = [-3, -2, -1, 0, 1, 2, 3]
    valid = np.isin(values, bins)
    style_index = np.where(valid & (values != 0), np.searchsorted(bins, values), -1)
    styles = [{**_CELL_STYLE, "fillColor": GI_BIN_COLORS[b], "color": GI_BIN_COLORS[b]}
              for b in bins]
    entries = [(GI_BIN_COLORS[b], GI_BIN_LABELS[b]) for b in sorted(bins, reverse=True)]
    if class_only:
        # The class is all a public map shows: the bin becomes its label.
        frame["hotspot"] = [GI_BIN_LABELS.get(int(v)) if ok else None
                            for v, ok in zip(values, valid, strict=True)]
    return style_index, styles, entries


def _value_styles(frame: Any, column: str, *, public: bool, k: int, class_only: bool,
                  scheme: str, bins: Sequence[float] | None, n_classes: int
                  ) -> tuple[np.ndarray, list[dict[str, Any]], list[tuple[str, str]]]:
    """Classes of a numeric column (mapclassify); public counts under ``k`` masked as ``<k``."""
    if not pd.api.types.is_numeric_dtype(frame[column]):
        raise ValueError(f"{current_verb()}: column {column!r} is not numeric")
    values = frame[column].to_numpy(dtype=float)
    masked = np.zeros(len(frame), dtype=bool)
    if public:
        for count_column in _COUNT_COLUMNS:
            if count_column in frame.columns:
                shown, mask = _text.mask_small_counts(frame[count_column].tolist(), k)
                frame[count_column] = pd.Series(shown, index=frame.index, dtype=object)
                if count_column == column:
                    masked = mask
    # Masked counts are not classed: no class break can reveal a hidden count.
    classed = classify_column(pd.Series(np.where(masked, np.nan, values)), column,
                              scheme=scheme, bins=bins, n_classes=n_classes,
                              unit=" per km²" if column == "kde_density" else "")
    style_index, styles, entries = class_styles(
        classed, _CELL_STYLE, zero=classed.signed, missing_label=None)
    for style in styles:
        style["color"] = style["fillColor"]
    if masked.any():
        style_index = np.where(masked, len(styles), style_index)
        styles.append({**_CELL_STYLE, "fillColor": SUPPRESSED_COLOR, "color": "#888888"})
        entries.insert(0, (f"hatch:{SUPPRESSED_COLOR}", f"1 to {k - 1} (shown as <{k})"))
    if class_only:
        # The band of the legend, not the value, is written for each cell.
        labels = classed.classes.labels
        frame["band"] = [labels[i] if 0 <= i < len(labels) else None
                         for i in np.asarray(style_index, dtype=int)]
    return style_index, styles, entries
