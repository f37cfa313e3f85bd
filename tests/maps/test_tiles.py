"""hotspots.maps._tiles and the offline default (issue 15): web tiles are opt-in."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
import shapely

from hotspots.maps import explore_hotspots
from hotspots.maps._tiles import TILE_ERROR_NOTE, resolve_tiles


@pytest.fixture
def cells():
    return gpd.GeoDataFrame(
        {"n": [0, 3, 8, 20]},
        geometry=[shapely.box(x, 430000, x + 200, 430200) for x in range(415000, 415800, 200)],
        crs="EPSG:27700")


def test_auto_tiles_are_none_offline_and_light_tiles_online():
    assert resolve_tiles("auto", offline=True) is None
    assert resolve_tiles("auto", offline=False) == "OpenStreetMap"
    assert resolve_tiles(None, offline=False) is None


def test_a_default_map_needs_no_network(cells):
    html = explore_hotspots(cells, column="n").get_root().render()
    assert "Leaflet 1.9.4" in html  # inlined
    assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", html)
    assert "tile.openstreetmap" not in html
    assert 'on("tileerror"' not in html  # no tiles, so no note


def test_tiles_asked_for_get_a_note_shown_when_they_cannot_load(cells):
    html = explore_hotspots(cells, column="n", tiles="OpenStreetMap").get_root().render()
    assert "tile.openstreetmap.org" in html
    assert 'on("tileerror"' in html
    assert "Background map tiles could not load" in TILE_ERROR_NOTE
    assert "Background map tiles could not load" in html
    # Scripts stay inlined: only the tiles need the network.
    assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", html)
