"""Background map tiles: opt-in, and a visible note when they cannot load (issue 15).

Police and council networks often block tile servers, and a map whose meaning depends on
the background would then be blank. So a map has no web tiles unless the user asks for
them (``tiles="OpenStreetMap"``, or ``offline=False`` with ``tiles="auto"``); without tiles
the page gets a plain pale background, and boundaries and data carry the map. When tiles
are asked for and fail to load (Leaflet's ``tileerror`` event), a small control says so
once, so a reader knows the missing streets are the network's doing, not the data's.
"""

from __future__ import annotations

from typing import Any

from hotspots.maps._legend import compiled_template, esc, raw_macro_element, raw_text, to_js

#: tiles used when ``tiles="auto"`` and the map is not offline (folium's own default, no key).
DEFAULT_TILES = "OpenStreetMap"
#: The note shown when a tile fails to load.
TILE_ERROR_NOTE = ("Background map tiles could not load (no network?): boundaries and "
                   "data are shown without them.")

# Added to a TileLayer: on its first tile error, a control with the note is put on the map.
_TILE_ERROR_TEMPLATE = """
{% macro script(this, kwargs) %}
    (function () {
        var layer = {{ this._parent.get_name() }};
        var shown = false;
        layer.on("tileerror", function () {
            if (shown || !layer._map) { return; }
            shown = true;
            var note = L.control({position: "topleft"});
            note.onAdd = function () {
                var div = L.DomUtil.create("div", "hotspots-tile-note leaflet-control");
                div.innerHTML = {{ this.html_js }};
                return div;
            };
            note.addTo(layer._map);
        });
    })();
{% endmacro %}
"""


def resolve_tiles(tiles: str | None, offline: bool) -> str | None:
    """``"auto"`` means no tiles offline, the default light tiles online.

    Examples
    --------
    >>> resolve_tiles("auto", offline=True) is None
    True
    >>> resolve_tiles("auto", offline=False), resolve_tiles("CartoDB positron", True)
    ('OpenStreetMap', 'CartoDB positron')
    """
    if tiles == "auto":
        return None if offline else DEFAULT_TILES
    return tiles


def blank_background(m: Any) -> None:
    """Give a map without tiles a plain pale background instead of Leaflet's grey."""
    m.get_root().header.add_child(
        raw_text("<style>div.leaflet-container{background:#fbfbf8;}</style>"),
        name="hotspots_blank_background",
    )


def tile_error_note() -> Any:
    """Make the element that shows :data:`TILE_ERROR_NOTE` when its tile layer fails.

    Add it as a child of a ``folium.TileLayer``.
    """
    element = raw_macro_element()
    element._name = "HotspotsTileNote"
    element._template = compiled_template(_TILE_ERROR_TEMPLATE)
    element.html_js = to_js(esc(TILE_ERROR_NOTE))
    return element


def add_tiles(m: Any, tiles: str | None) -> Any:
    """Put the background on a new map: ``tiles`` with an error note, or a blank background.

    Parameters
    ----------
    m : folium.Map
        A map made without tiles.
    tiles : str or None
        A folium tiles name or URL (already resolved, see :func:`resolve_tiles`), or None.

    Returns
    -------
    folium.TileLayer or None
        The tile layer added, if any.
    """
    import folium  # lazy: heavy, only when a map is drawn

    if tiles is None:
        blank_background(m)
        return None
    layer = folium.TileLayer(tiles, name="Base map", control=False)
    layer.add_child(tile_error_note())
    # The page's own background shows wherever tiles are missing.
    blank_background(m)
    layer.add_to(m)
    return layer
