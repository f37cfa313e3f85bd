r"""Legends, titles and footers as Leaflet controls (branca MacroElements).

folium has no categorical legend (folium #528) and its colormap legends are SVG drawn by d3
from a CDN. These elements are plain HTML inside a Leaflet control, so they work offline, in a
DualMap pane and in a map passed with ``m=``.

All text is HTML-escaped in Python before it reaches the template, and the HTML is handed to
the browser as a JSON string (``<``, ``>`` and ``&`` as ``\\u003c``...), so text from data can
neither close the ``<script>`` block nor run.
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Sequence
from typing import Any

# One stylesheet for every hotspots element, added once per figure.
CSS = """
<style>
.hotspots-legend, .hotspots-footer, .hotspots-title {
  background: rgba(255, 255, 255, 0.92); border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0, 0, 0, 0.35); color: #222;
  font: 12px/1.35 "Helvetica Neue", Arial, Helvetica, sans-serif;
}
.hotspots-legend { padding: 6px 8px; max-width: 260px; }
.hotspots-legend-title { font-weight: bold; margin-bottom: 4px; }
.hotspots-legend-item { display: flex; align-items: center; margin: 2px 0; }
.hotspots-legend-swatch { flex: 0 0 auto; width: 16px; height: 12px; margin-right: 6px;
  border: 1px solid #777; box-sizing: border-box; }
.hotspots-legend-swatch.hotspots-hatch { background-image: repeating-linear-gradient(
  45deg, rgba(0, 0, 0, 0.35) 0 1px, transparent 1px 4px); }
.hotspots-legend-swatch.hotspots-circle { border-radius: 50%; width: 12px; }
.hotspots-legend-swatch.hotspots-line { height: 0; border-width: 2px 0 0 0; }
.hotspots-legend-note { color: #555; margin-top: 4px; font-size: 11px; }
.hotspots-title { position: absolute; top: 10px; left: 50%; transform: translateX(-50%);
  z-index: 1000; padding: 4px 12px; font-size: 16px; font-weight: bold; max-width: 60%;
  text-align: center; pointer-events: none; }
.hotspots-footer { padding: 3px 6px; font-size: 11px; max-width: 480px; }
.hotspots-tile-note { background: #fff8e1; border: 1px solid #c9a227; border-radius: 4px;
  padding: 4px 8px; max-width: 260px; font: 12px/1.35 Arial, Helvetica, sans-serif; }
.leaflet-tooltip.hotspots-label { background: rgba(255, 255, 255, 0.7); border: 0;
  box-shadow: none; padding: 0 2px; font-size: 10px; line-height: 1.2; color: #222; }
.leaflet-tooltip.hotspots-label::before { display: none; }
.hotspots-rank { border-radius: 50%; color: #fff; font: bold 12px/22px Arial, sans-serif;
  text-align: center; width: 22px; height: 22px; border: 2px solid #fff;
  box-shadow: 0 0 3px rgba(0, 0, 0, 0.6); box-sizing: content-box; }
.hotspots-rank-icon { background: transparent; border: 0; }
.hotspots-table th { text-align: left; padding-right: 8px; font-weight: 600; }
.hotspots-table td { text-align: left; }
</style>
"""


def to_js(value: Any) -> str:
    """Serialise ``value`` as compact JSON that is safe inside an HTML ``<script>`` block.

    ``<``, ``>``, ``&`` and ``'`` are written as JSON escapes, so a string holding
    ``</script>`` cannot end the script, and the result can sit in an attribute too.
    """
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def esc(value: object) -> str:
    """HTML-escape any value's text (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


@functools.lru_cache(maxsize=64)
def compiled_template(text: str) -> Any:
    """The jinja2 ``Template`` of ``text``, compiled once per process.

    Compiling costs a few milliseconds per element (a fifth of a small map's time); a
    template holds no state between renders, so one compiled template serves every element.
    """
    from jinja2 import Template  # lazy: heavy, only when a map is drawn

    return Template(text)


@functools.cache
def _raw_classes() -> tuple[Any, Any]:
    """The element classes of :func:`raw_macro_element` (made once branca is loaded)."""
    from branca.element import Element, Figure, MacroElement  # lazy: heavy

    class RawText(Element):
        """Text put into the page as it is, never read as a template."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self._name = "RawText"
            self.text = text

        def render(self, **kwargs: Any) -> str:
            return self.text

    class RawMacroElement(MacroElement):
        """A MacroElement whose rendered macros go into the page as they are.

        branca's own MacroElement compiles what each macro rendered as a new jinja2
        template: a cell of the data holding ``{{ ... }}`` would then be evaluated (code
        run from a CSV cell) and one holding ``{%`` would break the map, and compiling
        megabytes of GeoJSON costs more than writing them.
        """

        def render(self, **kwargs: Any) -> None:  # type: ignore[override]
            # (branca's MacroElement.render returns None too, typed as its parent's str)
            figure = self.get_root()
            if not isinstance(figure, Figure):
                raise TypeError("the element can only be rendered inside a branca Figure")
            macros = self._template.module.__dict__
            for part in ("header", "html", "script"):
                macro = macros.get(part)
                if macro is not None:
                    getattr(figure, part).add_child(RawText(macro(self, kwargs)),
                                                    name=self.get_name())
            for child in self._children.values():
                child.render(**kwargs)

    return RawText, RawMacroElement


def raw_text(text: str) -> Any:
    """A branca element that writes ``text`` into the page as it is (not a template)."""
    return _raw_classes()[0](text)


def raw_macro_element() -> Any:
    """A branca MacroElement whose rendered output is never compiled as a template."""
    return _raw_classes()[1]()


def _macro_element(template: str, **attrs: Any):
    """Make a MacroElement (:func:`raw_macro_element`) with ``template`` and ``attrs``."""
    element = raw_macro_element()
    element._name = attrs.pop("_name", "HotspotsElement")
    element._template = compiled_template(template)
    for key, val in attrs.items():
        setattr(element, key, val)
    return element


# A Leaflet control whose content is an HTML string computed (and escaped) in Python.
_CONTROL_TEMPLATE = """
{% macro script(this, kwargs) %}
    var {{ this.get_name() }} = L.control({position: {{ this.position_js }}});
    {{ this.get_name() }}.onAdd = function (map) {
        var div = L.DomUtil.create("div", {{ this.css_class_js }});
        div.innerHTML = {{ this.html_js }};
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
    };
    {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}
"""

# The title is centred over the map, which no Leaflet control position allows.
_TITLE_TEMPLATE = """
{% macro script(this, kwargs) %}
    (function () {
        var div = L.DomUtil.create("div", "hotspots-title",
                                   {{ this._parent.get_name() }}.getContainer());
        div.id = {{ this.id_js }};
        div.innerHTML = {{ this.html_js }};
    })();
{% endmacro %}
"""


def control(html_text: str, *, css_class: str, position: str = "bottomright"):
    """Make a Leaflet control holding ``html_text`` (already escaped)."""
    return _macro_element(
        _CONTROL_TEMPLATE,
        _name="HotspotsControl",
        position_js=to_js(position),
        css_class_js=to_js(css_class),
        html_js=to_js(html_text),
    )


def title_element(title: str):
    """Make the map title (plain text; escaped here)."""
    element = _macro_element(_TITLE_TEMPLATE, _name="HotspotsTitle", html_js=to_js(esc(title)))
    element.id_js = to_js(f"title_{element.get_name()}")
    return element


def footer_element(parts: Sequence[str]):
    """Make the footer: data period, boundary vintage, suppression mode, library version."""
    text = " · ".join(esc(p) for p in parts if p)
    return control(text, css_class="hotspots-footer leaflet-control", position="bottomleft")


def legend_html(
    title: str,
    entries: Sequence[tuple[str, str]],
    *,
    note: str | None = None,
    swatch: str = "box",
) -> str:
    """HTML of a legend: a title, one row per ``(colour, label)`` and an optional note.

    ``swatch`` is ``"box"`` (filled square), ``"circle"`` (points), ``"line"`` (outlines) or
    ``"hatch"`` (suppressed values). A colour of ``"hatch:#rrggbb"`` draws that one row hatched.
    """
    rows = [f'<div class="hotspots-legend-title">{esc(title)}</div>']
    for color, label in entries:
        kind = swatch
        if color.startswith("hatch:"):
            kind, color = "hatch", color.split(":", 1)[1]
        classes = "hotspots-legend-swatch"
        if kind in ("circle", "line", "hatch"):
            classes += f" hotspots-{kind}"
        prop = "border-color" if kind == "line" else "background-color"
        style = f"{prop}:{esc(color)}"
        rows.append(
            f'<div class="hotspots-legend-item"><span class="{classes}" style="{style}">'
            f"</span><span>{esc(label)}</span></div>"
        )
    if note:
        rows.append(f'<div class="hotspots-legend-note">{esc(note)}</div>')
    return "".join(rows)


def legend(
    title: str,
    entries: Sequence[tuple[str, str]],
    *,
    note: str | None = None,
    swatch: str = "box",
    position: str = "bottomright",
):
    """Make a legend control: see :func:`legend_html` for the arguments."""
    return control(
        legend_html(title, entries, note=note, swatch=swatch),
        css_class="hotspots-legend leaflet-control",
        position=position,
    )
