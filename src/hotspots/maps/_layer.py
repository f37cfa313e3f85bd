"""A compact, escaping GeoJSON layer: the one way the builders put features on a map.

Why not ``folium.GeoJson`` with ``GeoJsonTooltip``: folium writes every property into the page
and its tooltips insert property values as HTML without escaping, so a premises called
``<script>...`` would run. This layer

- keeps only the values the caller allow-listed, as plain arrays (small files);
- escapes every value in the browser before it becomes HTML (labels are escaped in Python);
- rounds coordinates to 5 decimal places of a degree (about 1 m) after simplifying in metres;
- styles each feature by a class index into a short style table rather than repeating styles.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely

from hotspots.maps._legend import compiled_template, esc, raw_macro_element, to_js

logger = logging.getLogger(__name__)

#: decimal places kept in EPSG:4326 coordinates: 1e-5 degree is 1.1 m of latitude.
COORD_DECIMALS = 5
#: a layer larger than this logs a warning (the page budget is 10 MB).
SIZE_WARNING_BYTES = 10 * 2**20

_LAYER_TEMPLATE = """
{% macro script(this, kwargs) %}
    var {{ this.get_name() }} = (function () {
        var styles = {{ this.styles_js }};
        var tipLabels = {{ this.tooltip_labels_js }};
        var popLabels = {{ this.popup_labels_js }};
        var esc = function (v) {
            return String(v).replace(/[&<>"']/g, function (c) {
                return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
            });
        };
        var table = function (labels, values) {
            var rows = "";
            for (var i = 0; i < labels.length; i++) {
                if (values[i] === null || values[i] === "") { continue; }
                rows += "<tr><th>" + labels[i] + "</th><td>" + esc(values[i]) + "</td></tr>";
            }
            return '<table class="hotspots-table">' + rows + "</table>";
        };
        return L.geoJson({{ this.data_js }}, {
            interactive: {{ this.interactive_js }},
            style: function (f) { return styles[f.properties.s]; },
            pointToLayer: function (f, latlng) {
                var st = styles[f.properties.s];
                {%- if this.point_kind == "rank" %}
                var icon = L.divIcon({
                    className: "hotspots-rank-icon", iconSize: [26, 26], iconAnchor: [13, 13],
                    html: '<div class="hotspots-rank" style="background:' + st.fillColor
                          + '">' + esc(f.properties.r) + "</div>"
                });
                return L.marker(latlng, {icon: icon, zIndexOffset: 1000 - f.properties.z,
                                         title: String(f.properties.r)});
                {%- elif this.point_kind == "label" %}
                return L.circleMarker(latlng, {radius: 0, opacity: 0, fillOpacity: 0,
                                               interactive: false});
                {%- else %}
                return L.circleMarker(latlng,
                                      L.extend({interactive: {{ this.interactive_js }}}, st));
                {%- endif %}
            },
            onEachFeature: function (f, layer) {
                var p = f.properties;
                if (p.l !== undefined) {
                    layer.bindTooltip(esc(p.l), {permanent: true, direction: "center",
                                                 className: "hotspots-label"});
                } else if (tipLabels.length && p.t) {
                    layer.bindTooltip(table(tipLabels, p.t), {sticky: true});
                }
                if (popLabels.length && p.p) {
                    layer.bindPopup(table(popLabels, p.p), {maxWidth: 360});
                }
            }
        }).addTo({{ this._parent.get_name() }});
    })();
{% endmacro %}
"""


def js_value(value: Any) -> Any:
    """Make one cell JSON-serialisable: numbers rounded for display, NA as None."""
    if value is None:
        return None
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(str(v) for v in value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if not math.isfinite(value):
            return None
        if value == round(value) and abs(value) < 1e15:
            return int(value)
        # Four significant figures are plenty to read in a tooltip and keep files small.
        return float(f"{value:.4g}")
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    return str(value)


def _display_float(v: float) -> Any:
    """:func:`js_value` of a float (the body of its float branch, for whole columns)."""
    if not math.isfinite(v):  # NaN too
        return None
    if v == round(v) and abs(v) < 1e15:
        return int(v)
    return float(f"{v:.4g}")


def js_column(values: Any) -> list[Any]:
    """:func:`js_value` of every cell of a column, with no type test per cell for numbers.

    A map of tens of thousands of cells writes a few values per cell: numeric columns
    (most of them) convert through one Python list instead of a chain of type checks.
    """
    column = pd.Series(values) if not isinstance(values, pd.Series) else values
    if isinstance(column.dtype, np.dtype):
        kind = column.dtype.kind
        if kind == "f":
            return [_display_float(v) for v in column.to_numpy().tolist()]
        if kind in "iu":
            return column.to_numpy().tolist()
        if kind == "b":
            return ["yes" if v else "no" for v in column.to_numpy().tolist()]
    return [js_value(v) for v in column.tolist()]


def prepare_geometry(
    geoms: Any, *, simplify: float = 0.0, decimals: int = COORD_DECIMALS
) -> np.ndarray:
    """Simplify (in metres, when projected), reproject to EPSG:4326 and round coordinates.

    Parameters
    ----------
    geoms : geopandas.GeoSeries
        Geometries with a CRS.
    simplify : float
        Douglas-Peucker tolerance in the units of ``geoms.crs`` (metres in EPSG:27700);
        0 keeps every vertex. Topology is preserved, so polygons stay valid.
    decimals : int
        Decimal places of a degree to keep.

    Returns
    -------
    numpy.ndarray of shapely geometries
        In EPSG:4326 (longitude, latitude).
    """
    series = geoms
    if simplify and series.crs is not None and series.crs.is_projected:
        series = series.simplify(simplify, preserve_topology=True)
    if series.crs is not None and not series.crs.equals("EPSG:4326"):
        series = series.to_crs("EPSG:4326")
    arr = np.asarray(series.values, dtype=object)
    return shapely.transform(arr, lambda c: np.round(c, decimals))


def feature_collection_js(
    geoms: np.ndarray, properties: Sequence[dict[str, Any]]
) -> str:
    """Write a GeoJSON FeatureCollection as script-safe JSON, skipping empty geometries."""
    geo_json = shapely.to_geojson(geoms)
    skip = (shapely.is_missing(geoms) | shapely.is_empty(geoms)).tolist()
    parts = []
    for text, props, empty in zip(geo_json, properties, skip, strict=True):
        if empty:
            continue
        parts.append(
            '{"type":"Feature","properties":' + to_js(props) + ',"geometry":' + text + "}"
        )
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def geo_layer(
    frame: Any,
    *,
    style_index: Sequence[int] | np.ndarray,
    styles: Sequence[dict[str, Any]],
    tooltip: Sequence[str] = (),
    tooltip_labels: Sequence[str] | None = None,
    popup: Sequence[str] = (),
    popup_labels: Sequence[str] | None = None,
    label: str | None = None,
    rank: str | None = None,
    point_kind: str = "circle",
    simplify: float = 0.0,
    interactive: bool = True,
):  # -> branca MacroElement (branca is imported lazily)
    """Build the layer element for ``frame``.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Features to draw, any CRS.
    style_index : array-like of int
        For each row, the index into ``styles``; rows with a negative index are not drawn.
    styles : sequence of dict
        Leaflet path options (``fillColor``, ``color``, ``weight``, ``fillOpacity``, ...).
    tooltip, popup : sequence of str
        Columns whose values are shown (the allow-list); nothing else leaves Python.
    tooltip_labels, popup_labels : sequence of str, optional
        Display names of those columns (default: the column names). Escaped here.
    label : str, optional
        Column shown as a permanent label (e.g. the area name) instead of a tooltip; with a
        label the tooltip columns go to the popup.
    rank : str, optional
        Column with the number written in a numbered marker (``point_kind="rank"``).
    point_kind : {"circle", "rank", "label"}
        How point features are drawn.
    simplify : float
        Simplification tolerance in metres (see :func:`prepare_geometry`).
    interactive : bool
        False for outlines that must not catch the mouse over the layers below them.

    Returns
    -------
    branca.element.MacroElement
        Add it to a ``folium.FeatureGroup`` (or a map).
    """
    idx = np.asarray(style_index, dtype=int)
    keep = idx >= 0
    sub = frame.loc[keep]
    idx = idx[keep]
    tip_names = dict(zip(tooltip, tooltip_labels if tooltip_labels is not None else tooltip,
                         strict=True))
    pop_names = dict(zip(popup, popup_labels if popup_labels is not None else popup, strict=True))
    tooltip = [c for c in tooltip if c in sub.columns]
    popup = [c for c in popup if c in sub.columns]
    if label is not None and tooltip:
        # A permanent label takes the tooltip slot: the details move to the popup.
        pop_names = {**tip_names, **pop_names}
        popup = [*tooltip, *[c for c in popup if c not in tooltip]]
        tooltip = []
    tip_cols = [js_column(sub[c]) for c in tooltip]
    pop_cols = [js_column(sub[c]) for c in popup]
    labels = js_column(sub[label]) if label is not None else None
    ranks = js_column(sub[rank]) if rank is not None else None
    props: list[dict[str, Any]] = []
    for i, s in enumerate(idx.tolist()):
        p: dict[str, Any] = {"s": s}
        if tip_cols:
            p["t"] = [col[i] for col in tip_cols]
        if pop_cols:
            p["p"] = [col[i] for col in pop_cols]
        if labels is not None:
            p["l"] = labels[i] or ""
        if ranks is not None:
            p["r"] = ranks[i]
            p["z"] = i
        props.append(p)
    geoms = prepare_geometry(sub.geometry, simplify=simplify)

    element: Any = raw_macro_element()  # carries the template's values as attributes
    element._name = "HotspotsGeoJson"
    element._template = compiled_template(_LAYER_TEMPLATE)
    element.styles_js = to_js(list(styles))
    element.tooltip_labels_js = to_js([esc(tip_names[c]) for c in tooltip])
    element.popup_labels_js = to_js([esc(pop_names[c]) for c in popup])
    element.point_kind = point_kind
    element.interactive_js = "true" if interactive else "false"
    element.data_js = feature_collection_js(geoms, props)
    if len(element.data_js) > SIZE_WARNING_BYTES:
        logger.warning(
            "map layer of %d features is %.1f MB; pages over 10 MB are slow to open: use "
            "larger cells or draw areas instead",
            len(sub), len(element.data_js) / 2**20,
        )
    element.n_features = len(sub)
    return element
