"""Issue 15: a default map, opened with all network blocked, shows boundaries and data.

Maps are offline by default (Leaflet inlined) and web tiles are opt-in. With tiles asked for
and the network blocked, the boundaries and data still draw and a note says why the
background is missing.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

pytestmark = pytest.mark.browser

# Every GeoJSON feature drawn on the page, by layer control name (the maps draw on a canvas,
# so features are counted in Leaflet rather than as SVG nodes).
_COUNT_FEATURES = """() => {
    const counts = {};
    for (const key of Object.keys(window)) {
        if (!key.startsWith("map_") || !window[key] || !window[key].eachLayer) continue;
        window[key].eachLayer(layer => {
            if (layer.feature && layer._map) {
                counts.features = (counts.features || 0) + 1;
            }
        });
    }
    return counts.features || 0;
}"""


@pytest.fixture(scope="module")
def cells(city_areas):
    """Counts on 200 m cells over the City's wards (a small real extent)."""
    x0, y0, x1, y1 = city_areas["ward"].total_bounds
    boxes = [shapely.box(x, y, x + 200, y + 200)
             for x in range(int(x0), int(x1), 200) for y in range(int(y0), int(y1), 200)]
    return gpd.GeoDataFrame({"n": [(i * 7) % 13 for i in range(len(boxes))]},
                            geometry=boxes, crs="EPSG:27700")


def _expected_features(cells, city_areas) -> int:
    return int((cells["n"] > 0).sum()) + sum(len(city_areas[lv]) for lv in
                                             city_areas.level_names)


def test_default_map_shows_boundaries_and_data_with_no_network(cells, city_areas, open_map,
                                                               tmp_path):
    from hotspots.maps import explore_hotspots

    path = tmp_path / "default.html"
    explore_hotspots(cells, column="n", areas=city_areas).save(str(path))
    opened = open_map(path, settle_ms=500)
    assert opened.errors == []
    assert opened.blocked == []  # nothing even tried the network
    assert opened.page.evaluate(_COUNT_FEATURES) == _expected_features(cells, city_areas)
    assert opened.page.locator(".hotspots-legend-item").count() >= 2
    assert opened.page.locator(".hotspots-tile-note").count() == 0


def test_tiles_that_cannot_load_leave_the_map_drawn_and_say_so(cells, city_areas, open_map,
                                                               tmp_path):
    from hotspots.maps import explore_hotspots

    path = tmp_path / "tiles.html"
    explore_hotspots(cells, column="n", areas=city_areas, tiles="OpenStreetMap").save(str(path))
    opened = open_map(path, settle_ms=1500)
    assert any("tile.openstreetmap.org" in url for url in opened.blocked)
    assert not [url for url in opened.blocked if "tile.openstreetmap.org" not in url]
    assert opened.page_errors == []
    assert opened.page.evaluate(_COUNT_FEATURES) == _expected_features(cells, city_areas)
    note = opened.page.locator(".hotspots-tile-note")
    assert note.count() == 1
    assert note.is_visible()
    assert "Background map tiles could not load" in note.inner_text()
