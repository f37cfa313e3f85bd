"""hotspots.maps.change: grid change classed about zero with mapclassify; renamed keyword."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from hotspots.maps import explore_change, layer_names

from .conftest import same_page


@pytest.fixture
def grid():
    change = [-12, -6, -1, 0, 2, 5, 9, 30]
    return gpd.GeoDataFrame(
        {"change": change, "n_before": [20] * 8, "n_after": [20 + c for c in change]},
        geometry=[shapely.box(415000 + 200 * i, 430000, 415200 + 200 * i, 430200)
                  for i in range(len(change))], crs="EPSG:27700")


def test_grid_change_is_centred_on_zero_with_rises_and_falls_in_words(grid):
    from hotspots.maps._choropleth import classify_column

    m = explore_change(grid, mode="restricted")
    page = m.get_root().render()
    classed = classify_column(grid["change"], "change", signed=True)
    sizes = classed.classes.magnitudes
    assert sizes[-1] == 30.0  # the largest size, from the rises (mapclassify on |x|)
    assert "Fall of" in page
    assert "Rise of" in page
    assert layer_names(m) == ["Change per cell"]


def test_obj_keyword_still_works_with_a_warning(grid, old_keyword, quiet):
    new = explore_change(data=grid, mode="restricted")
    old = old_keyword(explore_change, "obj", "data", grid, mode="restricted")
    assert same_page(old, new)


def test_bad_layout_names_the_verb(grid):
    with pytest.raises(ValueError, match="'layout' parameter of explore_change"):
        explore_change(grid, layout="side")
