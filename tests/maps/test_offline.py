"""hotspots.maps._offline: CDN scripts and stylesheets inlined from the packaged copies."""

from __future__ import annotations

import re
import warnings

import pytest

from hotspots.maps._offline import inline_assets, make_offline

LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"
LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.css"


def page(*tags: str) -> str:
    return "<html><head>" + "".join(tags) + "</head><body></body></html>"


def test_leaflet_script_and_stylesheet_are_inlined_with_their_images():
    html = inline_assets(page(f'<script src="{LEAFLET_JS}"></script>',
                              f'<link rel="stylesheet" href="{LEAFLET_CSS}"/>'))
    assert LEAFLET_JS not in html
    assert LEAFLET_CSS not in html
    assert "Leaflet 1.9.4" in html  # the vendored file's banner
    assert "<style>" in html
    assert "data:image/png;base64," in html
    assert "sourceMappingURL" not in html  # no dangling source map to fetch
    assert not re.search(r"url\(\s*+[\"']?+(?!data:|#)", html)


def test_unused_folium_defaults_are_dropped_and_unknown_links_warn():
    bootstrap = "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        html = inline_assets(page(f'<script src="{bootstrap}"></script>'))
    assert "bootstrap" not in html
    other = "https://example.org/plugin.js"
    with pytest.warns(UserWarning, match="no packaged copy of https://example.org/plugin.js"):
        html = inline_assets(page(f'<script src="{other}"></script>'))
    assert other in html  # left as a link, and said so


def test_a_page_that_uses_a_dropped_library_warns():
    jquery = "https://code.jquery.com/jquery-3.7.1.min.js"
    with pytest.warns(UserWarning, match="jquery"):
        inline_assets(page(f'<script src="{jquery}"></script>', "<script>jQuery(1)</script>"))


def test_local_links_and_a_closing_script_tag_inside_the_library_stay_safe():
    html = inline_assets(page('<script src="local.js"></script>',
                              f'<script src="{LEAFLET_JS}"></script>'))
    assert '<script src="local.js"></script>' in html
    body = html.split('<script src="local.js"></script>', 1)[1]
    # Inlined code cannot end its own <script> block early.
    assert body.count("</script>") == 1


def test_make_offline_renders_the_figure_inlined_and_keeps_its_children():
    import folium

    m = folium.Map(tiles=None)
    marker = folium.CircleMarker([53.8, -1.75], radius=3).add_to(m)
    make_offline(m)
    make_offline(m)  # twice is harmless
    html = m.get_root().render()
    assert "Leaflet 1.9.4" in html
    assert not re.search(r"<script[^>]+src=[\"']https?://", html)
    assert marker.get_name() in html
