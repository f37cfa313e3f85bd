"""hotspots.maps._legend: legends, titles and footers; data text is escaped and inert."""

from __future__ import annotations

import json
import re

from hotspots.maps._legend import (
    esc,
    footer_element,
    legend,
    legend_html,
    title_element,
    to_js,
)

EVIL = "</script><script>alert(1)</script>"


def test_to_js_cannot_close_a_script_block_and_round_trips():
    text = to_js({"label": EVIL, "amp": "a & b", "quote": "it's"})
    assert "<" not in text
    assert ">" not in text
    assert "&" not in text
    assert "'" not in text
    assert json.loads(text) == {"label": EVIL, "amp": "a & b", "quote": "it's"}


def test_esc_escapes_markup_and_quotes():
    assert esc('<b a="1">') == "&lt;b a=&quot;1&quot;&gt;"
    assert esc(None) == ""


def test_legend_html_rows_swatches_and_note():
    html = legend_html("Incidents", [("#ff0000", "1 to 4"), ("hatch:#bdbdbd", "Suppressed")],
                       note="2 names too small", swatch="circle")
    rows = re.findall(r'class="hotspots-legend-item"', html)
    assert len(rows) == 2
    assert 'class="hotspots-legend-swatch hotspots-circle" style="background-color:#ff0000"' \
        in html
    assert 'hotspots-hatch" style="background-color:#bdbdbd"' in html  # hatched row
    assert '<div class="hotspots-legend-note">2 names too small</div>' in html


def test_legend_text_from_data_is_escaped_before_it_reaches_the_page():
    html = legend_html(EVIL, [("#000", EVIL)], note=EVIL)
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") == 3


def _render(element) -> str:
    import folium

    m = folium.Map(tiles=None)
    m.add_child(element)
    return m.get_root().render()


def test_controls_render_as_leaflet_controls_with_json_strings():
    page = _render(legend("Title", [("#123456", EVIL)], position="topleft"))
    assert "L.control({position: \"topleft\"})" in page
    assert "alert(1)</script>" not in page  # only as JSON escapes
    footer = _render(footer_element(["Data: 2019", "", EVIL]))
    assert "hotspots-footer leaflet-control" in footer
    assert "Data: 2019 \u00b7 &lt;/script&gt;" in json.loads(
        re.search(r"innerHTML = (\"[^\n]*\");", footer).group(1))


def test_title_is_plain_text():
    page = _render(title_element("Crimes <b>by</b> ward"))
    html = json.loads(re.search(r"div.innerHTML = (\"[^\n]*\");", page).group(1))
    assert html == "Crimes &lt;b&gt;by&lt;/b&gt; ward"
